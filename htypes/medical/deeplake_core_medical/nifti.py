"""The ``nii`` and ``nii.gz`` codecs: NIfTI-1 and NIfTI-2 volumes read with nibabel.

A decoded sample has the volume's shape (``(x, y, z)``, ``(x, y, z, t)`` ...) and the
values nibabel's array proxy returns: the stored dtype, or a float dtype when the header
sets a scale slope/intercept (``scl_slope``/``scl_inter``), which is applied. Shape and
dtype come from the header alone; for ``nii.gz`` only its first few hundred bytes are
inflated. The declared size is checked against the decode limit before any voxel is
read, and inflating a ``nii.gz`` never produces more than the header declares.

``sample_info`` holds the affine (the sform, else the qform, as nibabel chooses), the
voxel sizes, units, orientation codes, intent, description and scaling.

Encoding writes a NIfTI-1 single file with an identity affine (``nii.gz``: gzip with a
zero timestamp, so equal arrays give equal bytes).
"""

from __future__ import annotations

import io
import math
import struct
import zlib
from typing import Any, ClassVar

import numpy as np

from deeplake_core.codecs.base import ArrayCodec, verify_by_decoding
from deeplake_core.exceptions import (
    CorruptedSampleError,
    SampleCompressionError,
    SampleDecompressionError,
)
from deeplake_core_medical import limits

_GZIP_MAGIC = b"\x1f\x8b"
#: Header size (the ``sizeof_hdr`` field) -> NIfTI version.
_VERSIONS = {348: 1, 540: 2}
#: Bytes of a NIfTI-2 header plus the 4-byte extension flag.
_PREFIX = 544
#: Slack allowed after the declared voxels (padding some writers add).
_TRAILER = 1 << 16


def _nib() -> Any:
    import nibabel

    return nibabel


def _version(prefix: bytes) -> int:
    if len(prefix) < 4:
        raise SampleDecompressionError()
    for order in "<>":
        size = struct.unpack(f"{order}i", prefix[:4])[0]
        if size in _VERSIONS:
            return _VERSIONS[size]
    raise SampleDecompressionError()


def _header(prefix: bytes, compression: str) -> Any:
    """Parse and check a NIfTI header from the leading bytes of a file."""
    nib = _nib()
    klass = nib.Nifti1Header if _version(prefix) == 1 else nib.Nifti2Header
    size = 348 if klass is nib.Nifti1Header else 540
    if len(prefix) < size:
        raise SampleDecompressionError()
    try:
        hdr = klass.from_fileobj(io.BytesIO(prefix[:size]), check=True)
        hdr.get_data_dtype()
        shape = hdr.get_data_shape()
    except Exception as exc:
        raise CorruptedSampleError(compression) from exc
    if hdr["magic"].item() not in (b"n+1", b"n+2"):  # not a single-file (.nii) volume
        raise CorruptedSampleError(compression)
    if not shape or any(int(d) < 1 for d in shape):
        raise CorruptedSampleError(compression)
    return hdr


def decoded_dtype(hdr: Any) -> np.dtype:
    """dtype of the array nibabel's proxy returns for ``hdr`` (scaling applied)."""
    from nibabel.volumeutils import apply_read_scaling

    raw = hdr.get_data_dtype()
    slope, inter = hdr.get_slope_inter()
    slope = np.asanyarray(1.0 if slope is None else slope)
    inter = np.asanyarray(0.0 if inter is None else inter)
    if np.can_cast(inter, slope.dtype):
        inter = inter.astype(slope.dtype)
    probe = apply_read_scaling(np.zeros(1, raw), slope, inter)
    return np.dtype(probe.dtype).newbyteorder("=")


def _nbytes(hdr: Any) -> int:
    return math.prod(int(d) for d in hdr.get_data_shape()) * hdr.get_data_dtype().itemsize


def _json(value: Any) -> Any:
    arr = np.asarray(value)
    if arr.dtype.kind == "S":
        return arr.item().decode("latin-1").rstrip("\0")
    if arr.dtype.kind == "f":
        values = arr.astype(object)
        values[~np.isfinite(arr)] = None  # JSON has no NaN/inf
        return values.tolist()
    return arr.tolist()


class NiftiCodec(ArrayCodec):
    """NIfTI single file (``nii``) <-> arrays, with nibabel."""

    name: ClassVar[str] = "nii"
    gzipped: ClassVar[bool] = False

    @property
    def max_decoded_bytes(self) -> int:  # type: ignore[override]
        return limits.max_bytes()

    # ------------------------------------------------------------------ bytes
    def _prefix(self, data: bytes | memoryview) -> bytes:
        """The first bytes of the uncompressed file (enough for any header)."""
        head = bytes(data[:2])
        if (head == _GZIP_MAGIC) != self.gzipped:
            raise CorruptedSampleError(self.name)
        if not self.gzipped:
            return bytes(data[:_PREFIX])
        try:
            return zlib.decompressobj(wbits=31).decompress(bytes(data[:4096]), _PREFIX)
        except zlib.error as exc:
            raise SampleDecompressionError() from exc

    def _inflate(self, data: bytes | memoryview, expected: int) -> bytes:
        """The whole uncompressed file, refusing anything past ``expected`` + slack."""
        budget = expected + _TRAILER
        out: list[bytes] = []
        rest = bytes(data)
        got = 0
        try:
            while rest:
                d = zlib.decompressobj(wbits=31)
                chunk = d.decompress(rest, budget - got + 1)
                got += len(chunk)
                out.append(chunk)
                if got > budget or not d.eof:
                    raise CorruptedSampleError(self.name)  # longer than declared, or cut
                rest = d.unused_data
                if rest and rest[:2] != _GZIP_MAGIC:
                    break  # trailing padding after the last member
        except zlib.error as exc:
            raise SampleDecompressionError() from exc
        return b"".join(out)

    def _parse(self, data: bytes | memoryview) -> Any:
        hdr = _header(self._prefix(data), self.name)
        shape = hdr.get_data_shape()
        limits.check(shape, max(decoded_dtype(hdr).itemsize, hdr.get_data_dtype().itemsize))
        return hdr

    def _end(self, hdr: Any) -> int:
        return int(hdr.get_data_offset()) + _nbytes(hdr)

    # ------------------------------------------------------------------ decode
    def read_shape_dtype(self, data: bytes | memoryview) -> tuple[tuple[int, ...], np.dtype]:
        hdr = self._parse(data)
        if not self.gzipped and len(data) < self._end(hdr):
            raise CorruptedSampleError(self.name)  # truncated voxel data
        return tuple(int(d) for d in hdr.get_data_shape()), decoded_dtype(hdr)

    def decode(self, data: bytes | memoryview, config: Any = None) -> np.ndarray:
        hdr = self._parse(data)
        end = self._end(hdr)
        raw = self._inflate(data, end) if self.gzipped else bytes(data)
        if len(raw) < end:
            raise CorruptedSampleError(self.name)
        nib = _nib()
        klass = nib.Nifti2Image if isinstance(hdr, nib.Nifti2Header) else nib.Nifti1Image
        try:
            img = klass.from_bytes(raw)
            arr = np.asanyarray(img.dataobj)
        except Exception as exc:
            raise SampleDecompressionError() from exc
        expected = decoded_dtype(hdr)
        if tuple(arr.shape) != tuple(hdr.get_data_shape()):
            raise CorruptedSampleError(self.name)
        return np.ascontiguousarray(arr, dtype=expected)

    def sample_info(self, data: bytes | memoryview) -> dict[str, Any]:
        hdr = self._parse(data)
        nib = _nib()
        affine = hdr.get_best_affine()
        slope, inter = hdr.get_slope_inter()
        space, time = hdr.get_xyzt_units()
        try:
            axcodes = list(nib.aff2axcodes(affine))
        except Exception:
            axcodes = None
        return {
            "shape": [int(d) for d in hdr.get_data_shape()],
            "dtype": decoded_dtype(hdr).name,
            "stored_dtype": hdr.get_data_dtype().newbyteorder("=").name,
            "format": self.name,
            "nifti_version": 2 if isinstance(hdr, nib.Nifti2Header) else 1,
            "affine": _json(affine),
            "qform_code": int(hdr["qform_code"]),
            "sform_code": int(hdr["sform_code"]),
            "zooms": _json(hdr.get_zooms()),
            "xyzt_units": [space, time],
            "axcodes": axcodes,
            "intent": _json(hdr.get_intent()[0]),
            "description": _json(hdr["descrip"]),
            "scl_slope": None if slope is None else _json(slope),
            "scl_inter": None if inter is None else _json(inter),
        }

    def verify(self, data: bytes | memoryview) -> None:
        verify_by_decoding(self, data)

    # ------------------------------------------------------------------ encode
    def encode(self, array: np.ndarray, config: Any = None) -> bytes:
        arr = np.asarray(array)
        if not 1 <= arr.ndim <= 7:
            raise SampleCompressionError(arr.shape, self.name, "NIfTI volumes have 1 to 7 axes")
        if arr.dtype.kind not in "uif" or arr.dtype.itemsize > 8:
            raise SampleCompressionError(
                arr.shape, self.name, f"NIfTI stores integer and float voxels, not {arr.dtype}"
            )
        nib = _nib()
        try:
            img = nib.Nifti1Image(arr, np.eye(4), dtype=arr.dtype.newbyteorder("="))
            raw = img.to_bytes()
        except Exception as exc:
            raise SampleCompressionError(arr.shape, self.name, str(exc)) from exc
        if not self.gzipped:
            return raw
        import gzip

        return gzip.compress(raw, compresslevel=6, mtime=0)


class NiftiGzCodec(NiftiCodec):
    """Gzipped NIfTI single file (``nii.gz``)."""

    name = "nii.gz"
    gzipped = True
