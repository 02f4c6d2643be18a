"""Helpers of the tests: small LAS and PLY files generated with laspy and trimesh."""

from __future__ import annotations

import io

import laspy
import numpy as np
import trimesh


def las_points(n: int = 100, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 100, (n, 3)).round(2)


def make_las(xyz: np.ndarray, seed: int = 0) -> bytes:
    """A LAS 1.2 file (point format 3: intensity, GPS time, RGB) with 0.01 scales."""
    rng = np.random.default_rng(seed)
    hdr = laspy.LasHeader(point_format=3, version="1.2")
    hdr.scales = np.array([0.01, 0.01, 0.01])
    hdr.offsets = np.zeros(3)
    las = laspy.LasData(hdr)
    las.x, las.y, las.z = xyz[:, 0], xyz[:, 1], xyz[:, 2]
    las.intensity = rng.integers(0, 1000, len(xyz))
    las.classification = rng.integers(0, 10, len(xyz))
    las.red = rng.integers(0, 65535, len(xyz))
    out = io.BytesIO()
    las.write(out)
    return out.getvalue()


def mesh_parts(n_vertices: int = 100, n_faces: int = 200, seed: int = 0):
    rng = np.random.default_rng(seed)
    vertices = rng.uniform(-1, 1, (n_vertices, 3)).astype(np.float32)
    faces = rng.integers(0, n_vertices, (n_faces, 3))
    return vertices, faces


def make_ply(n_vertices: int = 100, n_faces: int = 200, seed: int = 0, encoding="binary") -> bytes:
    vertices, faces = mesh_parts(n_vertices, n_faces, seed)
    mesh = trimesh.Trimesh(vertices=vertices, faces=faces, process=False)
    return mesh.export(file_type="ply", encoding=encoding)
