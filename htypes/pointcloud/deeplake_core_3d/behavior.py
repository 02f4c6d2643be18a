"""Behaviour of the ``point_cloud`` and ``mesh`` htypes.

Raw arrays appended to a compressed tensor are converted, before the dtype rule, to
what the format reads back: float64 for ``las`` (scaled coordinates), and float64 for
``ply`` when the array's dtype is not a PLY type (int64, float16, bool ...). ``data()``
adds the per-sample metadata: ``{"value", "sample_info"}``, and for meshes also
``"vertices"`` and ``"faces"`` (from ``sample_info``; ``None`` when the mesh had too
many faces to keep them there, see :mod:`deeplake_core_3d.limits`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from deeplake_core.htype.base import HtypeBehavior

_PLY_DTYPES = frozenset(
    np.dtype(t)
    for t in ("int8", "uint8", "int16", "uint16", "int32", "uint32", "float32", "float64")
)


def _raw(sample: Any) -> np.ndarray | None:
    """``sample`` as a numeric array when it is a raw array (or nested list), else None."""
    if isinstance(sample, np.ndarray):
        arr = sample
    elif isinstance(sample, (list, tuple)):
        try:
            arr = np.asarray(sample)
        except ValueError:
            return None
    else:
        return None
    return arr if arr.dtype.kind in "biuf" else None


class _ThreeD(HtypeBehavior):
    #: Compression of tensors whose raw arrays are converted by :meth:`_convert`.
    codec: str = ""

    def _convert(self, arr: np.ndarray) -> np.ndarray:
        return arr.astype(np.float64)

    def prepare(
        self, cfg: Any, samples: Any, info: Mapping[str, Any]
    ) -> tuple[Any, dict[str, Any]]:
        if cfg.sample_compression != self.codec:
            return samples, {}
        if isinstance(samples, np.ndarray) and samples.dtype.kind in "biuf":
            return self._convert(samples), {}
        out = []
        for s in samples:
            arr = _raw(s)
            out.append(s if arr is None else self._convert(arr))
        return out, {}

    def data(
        self, cfg: Any, value: Any, info: Mapping[str, Any], extras: Mapping[str, Any]
    ) -> dict[str, Any]:
        return {"value": value, "sample_info": extras.get("sample_info")}


class PointCloudBehavior(_ThreeD):
    """``point_cloud``: ``(n_points, 3)`` coordinates."""

    codec = "las"


def _faces(info: Any) -> Any:
    if isinstance(info, list):
        return [_faces(i) for i in info]
    if isinstance(info, Mapping) and "faces" in info:
        return np.asarray(info["faces"], dtype=np.int64).reshape(-1, 3)
    return None


class MeshBehavior(_ThreeD):
    """``mesh``: ``(n_vertices, 3)`` vertices; faces kept in ``sample_info``."""

    codec = "ply"

    def _convert(self, arr: np.ndarray) -> np.ndarray:
        return arr if arr.dtype in _PLY_DTYPES else arr.astype(np.float64)

    def data(
        self, cfg: Any, value: Any, info: Mapping[str, Any], extras: Mapping[str, Any]
    ) -> dict[str, Any]:
        sample_info = extras.get("sample_info")
        return {
            "value": value,
            "vertices": value,
            "faces": _faces(sample_info),
            "sample_info": sample_info,
        }
