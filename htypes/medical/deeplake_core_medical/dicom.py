"""The ``dcm`` codec: DICOM files read with pydicom.

Layout of a decoded sample: ``(rows, columns, samples_per_pixel)`` for a single-frame
image and ``(frames, rows, columns, samples_per_pixel)`` when ``NumberOfFrames`` is
above 1. Values are the stored pixel values (no modality or VOI LUT applied); the dtype
follows ``BitsAllocated``/``PixelRepresentation`` (``float32``/``float64`` for float
pixel data). Shape and dtype come from the header, read with the pixel data deferred,
and are checked against the decode limit before any pixel is decoded.

``sample_info`` holds the file's data elements by keyword (``PatientID``, ``Rows``,
``StudyDate`` ...; private and unknown tags by their ``GGGGEEEE`` hex tag), converted to
JSON values: strings, numbers, lists of those and, for sequences, lists of such dicts.
Binary elements (pixel data, ``OB``/``OW``/``UN`` ...) and values over 4 KiB (which are
not read from the file for it) are left out.

Encoding writes an uncompressed Secondary Capture file (explicit VR little endian) with
``MONOCHROME2`` (1 sample) or ``RGB`` (3 samples) pixels of dtype uint8/int8/uint16/
int16/uint32/int32/float32/float64.
"""

from __future__ import annotations

import hashlib
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
from deeplake_core_medical import limits

_FLOAT_PIXELS, _DOUBLE_PIXELS, _PIXELS = 0x7FE00008, 0x7FE00009, 0x7FE00010
_PIXEL_TAGS = frozenset({_FLOAT_PIXELS, _DOUBLE_PIXELS, _PIXELS})
_BINARY_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "UN", "OB or OW", "US or OW"})
#: Elements above this size are not read when only the header is needed.
_DEFER = 4096
_MAX_SQ_DEPTH = 4
_NATIVE_SYNTAXES = frozenset(
    {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99"}
)
#: Marks a value left out of ``sample_info``.
_SKIP = object()
_WRITE_DTYPES = frozenset(
    np.dtype(t)
    for t in ("uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "float64")
)


def _bad(message: str) -> SampleDecompressionError:
    exc = SampleDecompressionError()
    exc.args = (message,)
    return exc


def _read(data: bytes | memoryview, header_only: bool) -> Any:
    """The parsed dataset; with ``header_only`` large values (pixels) stay unread."""
    import pydicom

    buf = io.BytesIO(bytes(data))
    try:
        return pydicom.dcmread(buf, defer_size=_DEFER if header_only else None)
    except Exception as exc:
        raise SampleDecompressionError() from exc


def _pixel_tag(ds: Any) -> int:
    for tag in (_PIXELS, _FLOAT_PIXELS, _DOUBLE_PIXELS):
        if tag in ds:
            return tag
    raise CorruptedSampleError("dcm")  # a DICOM file without an image


def _dtype(ds: Any, tag: int) -> np.dtype:
    if tag == _FLOAT_PIXELS:
        return np.dtype("float32")
    if tag == _DOUBLE_PIXELS:
        return np.dtype("float64")
    bits = int(ds.BitsAllocated)
    signed = int(ds.get("PixelRepresentation", 0) or 0) == 1
    if bits == 1:
        return np.dtype("uint8")
    if bits not in (8, 16, 32, 64):
        raise CorruptedSampleError("dcm")
    return np.dtype(f"{'i' if signed else 'u'}{bits // 8}")


def layout(ds: Any) -> tuple[tuple[int, ...], np.dtype]:
    """(shape, dtype) of the array :meth:`DicomCodec.decode` returns for ``ds``."""
    tag = _pixel_tag(ds)
    try:  # elements are parsed on access: a damaged one can raise almost anything
        rows, cols = int(ds.Rows), int(ds.Columns)
        spp = int(ds.get("SamplesPerPixel", 1) or 1)
        frames = int(ds.get("NumberOfFrames", 1) or 1)
        dtype = _dtype(ds, tag)
    except CorruptedSampleError:
        raise
    except Exception as exc:
        raise CorruptedSampleError("dcm") from exc
    if min(rows, cols, spp, frames) < 1:
        raise CorruptedSampleError("dcm")
    shape = (rows, cols, spp) if frames == 1 else (frames, rows, cols, spp)
    return shape, dtype


def _check_pixel_length(ds: Any, data_len: int, shape: tuple[int, ...], dtype: np.dtype) -> None:
    """Uncompressed pixel data must hold every declared pixel and fit in the file."""
    tag = _pixel_tag(ds)
    raw = ds.get_item(tag, keep_deferred=True)
    length = getattr(raw, "length", None)
    tell = getattr(raw, "value_tell", None)
    if length is None or length == 0xFFFFFFFF:  # encapsulated (compressed) frames
        return
    if tell is not None and tell + length > data_len:
        raise CorruptedSampleError("dcm")
    syntax = str(getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", ""))
    if syntax in _NATIVE_SYNTAXES:
        bits = int(ds.get("BitsAllocated", 8) or 8)
        per_item = bits / 8 if bits == 1 else dtype.itemsize
        if length < math.ceil(math.prod(shape) * per_item):
            raise CorruptedSampleError("dcm")


def _plain(value: Any, vr: str, depth: int) -> Any:
    """A JSON value for a data element's value, or ``_SKIP``."""
    from pydicom.dataset import Dataset
    from pydicom.multival import MultiValue
    from pydicom.sequence import Sequence

    if isinstance(value, Sequence) or vr == "SQ":
        if depth >= _MAX_SQ_DEPTH:
            return _SKIP
        return [_elements(item, depth + 1) for item in value if isinstance(item, Dataset)]
    if isinstance(value, (MultiValue, list, tuple)):
        items = [_plain(v, vr, depth) for v in value]
        return [v for v in items if v is not _SKIP]
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _SKIP
    if vr == "AT":
        return f"{int(value):08X}"
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    return str(value)  # PersonName, UID, dates kept as their DICOM text


def _elements(ds: Any, depth: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for tag in list(ds.keys()):
        if int(tag) in _PIXEL_TAGS:
            continue
        raw = ds.get_item(tag, keep_deferred=True)
        vr = str(getattr(raw, "VR", "") or "")
        if vr in _BINARY_VRS:
            continue
        if getattr(raw, "value", 0) is None and getattr(raw, "length", 0):
            continue  # deferred (very long) value: not kept in sample_info
        try:
            elem = ds[tag]
            value = _plain(elem.value, str(elem.VR), depth)
        except Exception:  # one undecodable element does not spoil the others
            continue
        if value is _SKIP:
            continue
        out[elem.keyword or f"{int(tag):08X}"] = value
    return out


class DicomCodec(ArrayCodec):
    """DICOM (``dcm``) <-> arrays, with pydicom."""

    name = "dcm"

    @property
    def max_decoded_bytes(self) -> int:  # type: ignore[override]
        return limits.max_bytes()

    # ------------------------------------------------------------------ decode
    def _header(self, data: bytes | memoryview) -> tuple[Any, tuple[int, ...], np.dtype]:
        ds = _read(data, header_only=True)
        shape, dtype = layout(ds)
        limits.check(shape, dtype.itemsize)
        try:
            _check_pixel_length(ds, len(data), shape, dtype)
        except CorruptedSampleError:
            raise
        except Exception as exc:
            raise CorruptedSampleError(self.name) from exc
        return ds, shape, dtype

    def read_shape_dtype(self, data: bytes | memoryview) -> tuple[tuple[int, ...], np.dtype]:
        _, shape, dtype = self._header(data)
        return shape, dtype

    def decode(self, data: bytes | memoryview, config: Any = None) -> np.ndarray:
        _, shape, dtype = self._header(data)
        ds = _read(data, header_only=False)
        try:
            arr = np.asarray(ds.pixel_array)
        except (RuntimeError, NotImplementedError) as exc:
            syntax = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
            name = getattr(syntax, "name", syntax)
            raise _bad(
                f"Could not decode the DICOM pixel data ({name}): {exc}. Compressed "
                "transfer syntaxes need a pydicom pixel-data plugin such as pylibjpeg, "
                "pylibjpeg-openjpeg or python-gdcm."
            ) from exc
        except Exception as exc:
            raise SampleDecompressionError() from exc
        if arr.size != math.prod(shape):
            raise CorruptedSampleError("dcm")
        arr = arr.reshape(shape)
        if arr.dtype != dtype or not arr.dtype.isnative:
            arr = arr.astype(dtype)
        return arr

    def sample_info(self, data: bytes | memoryview) -> dict[str, Any]:
        ds = _read(data, header_only=True)
        shape, dtype = layout(ds)
        info = _elements(ds.file_meta) if getattr(ds, "file_meta", None) is not None else {}
        info.update(_elements(ds))
        info.update({"shape": list(shape), "dtype": dtype.name, "format": self.name})
        return info

    def verify(self, data: bytes | memoryview) -> None:
        verify_by_decoding(self, data)

    # ------------------------------------------------------------------ encode
    def encode(self, array: np.ndarray, config: Any = None) -> bytes:
        arr = np.asarray(array)
        frames, (rows, cols, spp) = self._check_encodable(arr)
        from pydicom.dataset import Dataset, FileMetaDataset
        from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

        arr = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<"))
        digest = hashlib.sha256(arr.tobytes()).hexdigest()
        instance = generate_uid(entropy_srcs=[digest, "instance"])

        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
        meta.MediaStorageSOPInstanceUID = instance
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        ds.preamble = b"\0" * 128
        ds.SOPClassUID = SecondaryCaptureImageStorage
        ds.SOPInstanceUID = instance
        ds.StudyInstanceUID = generate_uid(entropy_srcs=[digest, "study"])
        ds.SeriesInstanceUID = generate_uid(entropy_srcs=[digest, "series"])
        ds.Modality = "OT"
        ds.ConversionType = "WSD"
        ds.PatientName = ""
        ds.PatientID = ""
        ds.SamplesPerPixel = spp
        ds.PhotometricInterpretation = "MONOCHROME2" if spp == 1 else "RGB"
        if spp == 3:
            ds.PlanarConfiguration = 0
        if frames > 1:
            ds.NumberOfFrames = frames
        ds.Rows, ds.Columns = rows, cols
        bits = arr.dtype.itemsize * 8
        ds.BitsAllocated = bits
        if arr.dtype.kind == "f":
            tag = "FloatPixelData" if bits == 32 else "DoubleFloatPixelData"
            setattr(ds, tag, arr.tobytes())
        else:
            ds.BitsStored = bits
            ds.HighBit = bits - 1
            ds.PixelRepresentation = 1 if arr.dtype.kind == "i" else 0
            ds.PixelData = arr.tobytes()
            ds["PixelData"].VR = "OB" if bits == 8 else "OW"
        out = io.BytesIO()
        try:
            ds.save_as(out, enforce_file_format=True)
        except Exception as exc:  # pragma: no cover - pydicom refusing a valid layout
            raise SampleCompressionError(arr.shape, self.name, str(exc)) from exc
        return out.getvalue()

    def _check_encodable(self, arr: np.ndarray) -> tuple[int, tuple[int, int, int]]:
        def refuse(why: str) -> SampleCompressionError:
            return SampleCompressionError(arr.shape, self.name, why)

        if arr.dtype.newbyteorder("=") not in _WRITE_DTYPES:
            raise refuse(
                "DICOM pixels are written as uint8, int8, uint16, int16, uint32, int32, "
                f"float32 or float64, not {arr.dtype}"
            )
        if arr.ndim == 3:
            frames, dims = 1, arr.shape
        elif arr.ndim == 4 and arr.shape[0] > 1:
            frames, dims = arr.shape[0], arr.shape[1:]
        else:
            raise refuse(
                "DICOM samples are (rows, columns, samples) or (frames > 1, rows, columns, samples)"
            )
        rows, cols, spp = (int(d) for d in dims)
        if spp not in (1, 3):
            raise refuse("DICOM pixels have 1 (grey) or 3 (RGB) samples")
        if not (0 < rows < 65536 and 0 < cols < 65536):
            raise refuse("DICOM images have 1 to 65535 rows and columns")
        return frames, (rows, cols, spp)
