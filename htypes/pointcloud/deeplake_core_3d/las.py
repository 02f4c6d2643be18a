"""The ``las`` codec: LAS point clouds read and written with laspy.

A decoded sample is the ``(n_points, 3)`` float64 array of scaled x, y, z coordinates
(laspy's ``xyz``). The point count comes from the header (laspy reads the header and
VLRs only), and is checked against the file size and the decode limit before any point
is read. The other dimensions (intensity, classification, GPS time, colours ...) stay in
the stored file: :func:`read_points` returns all of them as a structured array, and
``sample_info`` lists their names with the header fields.

Writing an ``(n, 3)`` array makes a LAS 1.2 file of point format 0 whose integer
coordinates use, per axis, the finest power-of-ten scale that fits the values in 32
bits (scale 1 for whole numbers), so coordinates come back within half a scale step.
Compressed LAZ files are not supported.
"""

from __future__ import annotations

import datetime
import io
import math
from typing import Any

import numpy as np

from deeplake_core.codecs.base import ArrayCodec, verify_by_decoding
from deeplake_core.exceptions import (
    CorruptedSampleError,
    SampleCompressionError,
    SampleDecompressionError,
)
from deeplake_core_3d import limits

_F8 = np.dtype("float64")
_INT32_SPAN = 2**31 - 2
#: Fixed creation date of written files, so that equal arrays give equal bytes.
_WRITE_DATE = datetime.date(2000, 1, 1)


def _laspy() -> Any:
    import laspy

    return laspy


def _bad(message: str) -> SampleDecompressionError:
    exc = SampleDecompressionError()
    exc.args = (message,)
    return exc


def read_header(data: bytes | memoryview) -> Any:
    """The file's ``laspy.LasHeader``, after checking it against the file's size."""
    if bytes(data[:4]) != b"LASF":
        raise SampleDecompressionError()
    laspy = _laspy()
    try:
        with laspy.open(io.BytesIO(bytes(data))) as reader:
            hdr = reader.header
    except Exception as exc:
        raise SampleDecompressionError() from exc
    if hdr.are_points_compressed:
        raise _bad("LAZ (compressed LAS) files are not supported; decompress them to .las")
    n = int(hdr.point_count)
    limits.check((n, 3), _F8.itemsize)
    if int(hdr.offset_to_point_data) + n * int(hdr.point_format.size) > len(data):
        raise CorruptedSampleError("las")  # fewer point records than declared
    return hdr


def _read(data: bytes | memoryview) -> Any:
    hdr = read_header(data)
    try:
        las = _laspy().read(io.BytesIO(bytes(data)))
    except Exception as exc:
        raise SampleDecompressionError() from exc
    if len(las.points) != int(hdr.point_count):
        raise CorruptedSampleError("las")
    return las


def read_points(data: bytes | memoryview) -> np.ndarray:
    """Every dimension of a LAS file as a structured array; ``x``/``y``/``z`` are the
    scaled coordinates (float64) in place of the raw integer ``X``/``Y``/``Z``."""
    las = _read(data)
    columns: list[tuple[str, np.ndarray]] = [
        ("x", np.asarray(las.x, _F8)),
        ("y", np.asarray(las.y, _F8)),
        ("z", np.asarray(las.z, _F8)),
    ]
    for name in las.point_format.dimension_names:
        if name not in ("X", "Y", "Z"):
            columns.append((name, np.asarray(las[name])))
    out = np.empty(len(las.points), dtype=[(n, c.dtype, c.shape[1:]) for n, c in columns])
    for name, column in columns:
        out[name] = column
    return out


def _json_number(value: Any) -> Any:
    value = float(value)
    return value if math.isfinite(value) else None


def _scale_offset(column: np.ndarray) -> tuple[float, float]:
    """A power-of-ten scale and a whole-number offset that fit ``column`` in int32."""
    if column.size == 0:
        return 1.0, 0.0
    lo, hi = float(column.min()), float(column.max())
    offset = float(round((lo + hi) / 2))
    span = max(abs(hi - offset), abs(lo - offset))
    if np.all(column == np.round(column)) and span <= _INT32_SPAN:
        return 1.0, offset
    exponent = max(-12, math.ceil(math.log10(span / _INT32_SPAN)) if span > 0 else -12)
    if exponent > 12:
        raise ValueError("coordinates span more than LAS can hold")
    return 10.0**exponent, offset


class LasCodec(ArrayCodec):
    """LAS (``las``) <-> ``(n, 3)`` float64 coordinates, with laspy."""

    name = "las"

    @property
    def max_decoded_bytes(self) -> int:  # type: ignore[override]
        return limits.max_bytes()

    def read_shape_dtype(self, data: bytes | memoryview) -> tuple[tuple[int, ...], np.dtype]:
        return (int(read_header(data).point_count), 3), _F8

    def decode(self, data: bytes | memoryview, config: Any = None) -> np.ndarray:
        las = _read(data)
        xyz = np.ascontiguousarray(las.xyz, dtype=_F8)
        if xyz.shape != (int(las.header.point_count), 3):
            raise CorruptedSampleError(self.name)
        return xyz

    def sample_info(self, data: bytes | memoryview) -> dict[str, Any]:
        hdr = read_header(data)
        date = hdr.creation_date
        return {
            "shape": [int(hdr.point_count), 3],
            "dtype": _F8.name,
            "format": self.name,
            "point_count": int(hdr.point_count),
            "point_format": int(hdr.point_format.id),
            "version": str(hdr.version),
            "dimension_names": list(hdr.point_format.dimension_names),
            "scales": [_json_number(v) for v in hdr.scales],
            "offsets": [_json_number(v) for v in hdr.offsets],
            "mins": [_json_number(v) for v in hdr.mins],
            "maxs": [_json_number(v) for v in hdr.maxs],
            "creation_date": date.isoformat() if date is not None else None,
            "uuid": str(hdr.uuid),
            "system_identifier": str(hdr.system_identifier),
            "generating_software": str(hdr.generating_software),
            "file_source_id": int(hdr.file_source_id),
            "vlrs": [
                {"user_id": v.user_id, "record_id": int(v.record_id), "description": v.description}
                for v in hdr.vlrs
            ],
        }

    def verify(self, data: bytes | memoryview) -> None:
        verify_by_decoding(self, data)

    def encode(self, array: np.ndarray, config: Any = None) -> bytes:
        arr = np.asarray(array)
        if arr.ndim != 2 or arr.shape[1] != 3 or arr.dtype.kind not in "buif":
            raise SampleCompressionError(
                arr.shape, self.name, "LAS files hold (n_points, 3) numeric coordinates"
            )
        xyz = arr.astype(_F8)
        if not np.isfinite(xyz).all():
            raise SampleCompressionError(arr.shape, self.name, "coordinates must be finite")
        laspy = _laspy()
        try:
            scales, offsets = zip(*(_scale_offset(xyz[:, i]) for i in range(3)), strict=True)
            hdr = laspy.LasHeader(point_format=0, version="1.2")
            hdr.scales = np.array(scales)
            hdr.offsets = np.array(offsets)
            hdr.creation_date = _WRITE_DATE
            las = laspy.LasData(hdr)
            las.xyz = xyz
            out = io.BytesIO()
            las.write(out)
        except Exception as exc:
            raise SampleCompressionError(arr.shape, self.name, str(exc)) from exc
        return out.getvalue()
