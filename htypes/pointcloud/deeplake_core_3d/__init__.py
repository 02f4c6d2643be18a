"""3-D htypes for deeplake-core: ``point_cloud`` (LAS files, laspy) and ``mesh`` (PLY
files, trimesh).

The entry module (:mod:`deeplake_core_3d._plugin`) only declares specs; laspy and
trimesh are imported when a file is first read or written. Decode limits live in
:mod:`deeplake_core_3d.limits`.

A tensor sample holds the points (``point_cloud``) or vertices (``mesh``) as an
``(n, 3)`` array; the rest of a file is reached from its stored bytes::

    from deeplake_core_3d import load_mesh, read_points

    points = read_points(ds.point_clouds[0].tobytes())  # every LAS dimension
    mesh = load_mesh(ds.meshes[0].tobytes())             # a trimesh object with faces
"""

from __future__ import annotations

from typing import Any


def read_points(data: bytes) -> Any:
    """All dimensions of a LAS file as a numpy structured array (``x``, ``y``, ``z``
    scaled to float64, then ``intensity``, ``classification`` ...)."""
    from deeplake_core_3d.las import read_points as _read_points

    return _read_points(data)


def load_mesh(data: bytes) -> Any:
    """A PLY file as a ``trimesh.Trimesh`` (or ``trimesh.PointCloud`` without faces)."""
    from deeplake_core_3d.ply import load_mesh as _load_mesh

    return _load_mesh(data)


__all__ = ["load_mesh", "read_points"]
