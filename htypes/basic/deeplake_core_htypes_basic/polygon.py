"""Behaviour of ``polygon``: a sample is a list of polygons, each ``(# points, # coords)``.

Polygons of one sample may have different numbers of points, so a sample is not one
array. It is stored as bytes, all little-endian::

    uint32 number of polygons P, uint32 coordinates per point C,
    uint32 points per polygon (P values), then every coordinate in the tensor's dtype.

Its shape is reported as ``(P, max points, C)``; ``numpy()`` returns a list of
``(# points, C)`` arrays per sample.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deeplake_core.exceptions import CorruptedSampleError, TensorInvalidSampleShapeError
from deeplake_core.htype import HtypeBehavior, TensorConfig, cast_array

_U32 = np.dtype("<u4")
_DEFAULT_DTYPE = np.dtype("float32")


def _shape_error(message: str) -> TensorInvalidSampleShapeError:
    exc = TensorInvalidSampleShapeError(None, 3)
    exc.args = (message,)
    return exc


class PolygonBehavior(HtypeBehavior):
    encodes_samples = True
    numpy_aslist = True

    def encode(self, cfg: TensorConfig, sample: Any, dtype: np.dtype | None) -> np.ndarray:
        dtype = np.dtype(dtype) if dtype is not None else _DEFAULT_DTYPE
        if isinstance(sample, np.ndarray) and sample.ndim != 3:
            raise _shape_error(
                f"A polygon sample is a list of polygons, or an array (# polygons, "
                f"# points, # coords); got an array of shape {sample.shape}."
            )
        if not isinstance(sample, (np.ndarray, list, tuple)):
            raise _shape_error(
                f"A polygon sample is a list of polygons; got {type(sample).__name__}."
            )
        polygons: list[np.ndarray | None] = []
        for polygon in sample:
            arr = np.asarray(polygon)
            if arr.size == 0:
                polygons.append(None)  # no points: its coordinate count comes from the others
                continue
            if arr.ndim != 2:
                raise _shape_error(
                    "Each polygon is a list of points, shape (# points, # coords); got a "
                    f"polygon of shape {arr.shape}."
                )
            polygons.append(cast_array(arr, dtype, cfg.htype))
        ncoords = {p.shape[1] for p in polygons if p is not None}
        if len(ncoords) > 1:
            raise _shape_error(
                "All points of a polygon sample have the same number of coordinates; got "
                f"{sorted(ncoords)}."
            )
        lengths = [0 if p is None else len(p) for p in polygons]
        header = [len(polygons), ncoords.pop() if ncoords else 0, *lengths]
        body = b"".join(
            np.ascontiguousarray(p, dtype=dtype.newbyteorder("<")).tobytes()
            for p in polygons
            if p is not None
        )
        return np.frombuffer(np.asarray(header, dtype=_U32).tobytes() + body, dtype=np.uint8)

    @staticmethod
    def _header(stored: np.ndarray) -> tuple[int, int, np.ndarray]:
        raw = np.asarray(stored, dtype=np.uint8)
        if raw.size < 8:
            raise CorruptedSampleError("polygon")
        count, ncoords = np.frombuffer(raw[:8].tobytes(), dtype=_U32)
        end = 8 + 4 * int(count)
        if raw.size < end:
            raise CorruptedSampleError("polygon")
        lengths = np.frombuffer(raw[8:end].tobytes(), dtype=_U32).astype(np.int64)
        return int(count), int(ncoords), lengths

    def decode(self, cfg: TensorConfig, stored: np.ndarray | None) -> list[np.ndarray]:
        if stored is None or np.size(stored) == 0:
            return []
        dtype = np.dtype(cfg.dtype) if cfg.dtype else _DEFAULT_DTYPE
        count, ncoords, lengths = self._header(stored)
        if count == 0:
            return []
        body = np.asarray(stored, dtype=np.uint8)[8 + 4 * count :].tobytes()
        values = np.frombuffer(body, dtype=dtype.newbyteorder("<"))
        if values.size != int(lengths.sum()) * ncoords:
            raise CorruptedSampleError("polygon")
        values = values.astype(dtype)
        bounds = np.cumsum(lengths * ncoords)[:-1]
        return [part.reshape(-1, ncoords) for part in np.split(values, bounds)]

    def logical_shape(self, cfg: TensorConfig, stored: np.ndarray) -> tuple[int, ...]:
        if np.size(stored) == 0:
            return (0, 0, 0)
        count, ncoords, lengths = self._header(stored)
        return (count, int(lengths.max()) if count else 0, ncoords)
