"""Pillow-backed image codecs: one :class:`ArrayCodec` subclass per format.

Arrays map to Pillow modes by rank, channels and dtype: ``(H, W)`` uint8 -> ``L``,
``(H, W, 2)`` -> ``LA``, ``(H, W, 3)`` -> ``RGB``, ``(H, W, 4)`` -> ``RGBA``,
``(H, W)`` uint16 -> ``I;16``, int32 -> ``I``, float32 -> ``F``; ``(H, W, 1)`` is
stored as ``L``. Each format lists the modes it writes; other arrays are refused
with :class:`SampleCompressionError` rather than silently changed.

Decoding returns frame 0 as an array whose layout follows the same table (palette
images become ``L`` when the palette is grey, else ``RGB``/``RGBA``; 1-bit images
become uint8 0/255). Sizes are checked against :mod:`deeplake_core_image.limits`
from the header, before any pixel is decoded. JPEG goes through simplejpeg when it
can (see :class:`JpegCodec`): it holds the GIL for a few microseconds per image, where
Pillow holds it for about half of a small JPEG's decode (marker parsing in Python,
copying pixels out), so threaded JPEG decoding scales with the cores.

Formats without an internal checksum (BMP, TIFF, raw PPM ...) cannot detect flipped
pixel bytes; the chunk engine's CRCs cover stored data.
"""

from __future__ import annotations

import io
import struct
from typing import Any, ClassVar

import numpy as np

from deeplake_core.codecs.base import ArrayCodec, ByteCodec
from deeplake_core.exceptions import (
    CorruptedSampleError,
    DecompressionBombError,
    SampleCompressionError,
    SampleDecompressionError,
)
from deeplake_core_image import headers, limits

_U8, _U16, _I32, _F32 = (np.dtype(t) for t in ("uint8", "uint16", "int32", "float32"))

#: Pillow mode -> (channels, dtype) of the decoded array (channels 1 = no channel axis).
_MODE_LAYOUT: dict[str, tuple[int, np.dtype]] = {
    "L": (1, _U8),
    "LA": (2, _U8),
    "RGB": (3, _U8),
    "RGBA": (4, _U8),
    "CMYK": (4, _U8),
    "I;16": (1, _U16),
    "I": (1, _I32),
    "F": (1, _F32),
}
#: GIF comment marking a colour image (its palette may happen to be all grey).
_GIF_RGB = b"deeplake-core:RGB"
#: Modes converted before reading pixels (target mode).
_CONVERT = {
    "1": "L",
    "YCbCr": "RGB",
    "LAB": "RGB",
    "HSV": "RGB",
    "RGBX": "RGB",
    "RGBa": "RGBA",
    "La": "LA",
    "I;16B": "I;16",
    "I;16L": "I;16",
    "I;16N": "I;16",
}


def _pil() -> Any:
    from PIL import Image

    return Image


def _array_mode(arr: np.ndarray) -> str | None:
    """Pillow mode for an array, or None when no mode fits."""
    if arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] == 1):
        return {_U8: "L", _U16: "I;16", _I32: "I", _F32: "F"}.get(arr.dtype)
    if arr.ndim == 3 and arr.dtype == _U8:
        return {2: "LA", 3: "RGB", 4: "RGBA"}.get(arr.shape[2])
    return None


def _grey_palette(im: Any) -> bool:
    pal = im.getpalette() or []
    rgb = np.asarray(pal[: (len(pal) // 3) * 3], dtype=np.int32).reshape(-1, 3)
    return bool(len(rgb)) and bool((rgb == rgb[:, :1]).all())


def target_mode(im: Any) -> str:
    """Mode whose pixels ``decode`` returns for the opened (not yet loaded) image."""
    mode = im.mode
    if mode in ("P", "PA"):
        if im.info.get("comment") == _GIF_RGB:
            return "RGB"
        alpha = mode == "PA" or "transparency" in im.info
        if alpha:
            return "RGBA"
        return "L" if _grey_palette(im) else "RGB"
    mode = _CONVERT.get(mode, mode)
    if mode not in _MODE_LAYOUT:
        return "RGBA" if "A" in mode else "RGB"
    return mode


def layout(im: Any) -> tuple[tuple[int, ...], np.dtype, str]:
    """(shape, dtype, mode) of the array ``decode`` returns for the opened image."""
    mode = target_mode(im)
    channels, dtype = _MODE_LAYOUT[mode]
    w, h = im.size
    shape = (h, w) if channels == 1 else (h, w, channels)
    return shape, dtype, mode


class PillowCodec(ArrayCodec):
    """An image format read and written with Pillow. Subclasses set the class fields."""

    #: Canonical codec name (``jpeg``); used in messages.
    name: ClassVar[str] = ""
    #: Pillow's format name (``JPEG``).
    pil_format: ClassVar[str] = ""
    #: Modes this format writes without loss of layout; empty for decode-only formats.
    write_modes: ClassVar[frozenset[str]] = frozenset()
    #: Extra keyword arguments of ``Image.save``.
    save_options: ClassVar[dict[str, Any]] = {}
    #: Largest width/height the format can hold.
    max_side: ClassVar[int] = 65535
    #: Whether the format can serve as chunk compression (byte payloads as images).
    chunk_mode: ClassVar[str | None] = "L"
    #: Fast header parser (``headers.jpeg_shape`` ...), or None to ask Pillow.
    fast_header: ClassVar[Any] = None
    #: Fast "has Exif?" probe; with ``fast_header``, lets ``sample_info`` skip Pillow.
    exif_probe: ClassVar[Any] = None
    #: Both at once (shape, dtype, has Exif) in one header walk, or None.
    fast_info: ClassVar[Any] = None

    @property
    def max_decoded_bytes(self) -> int:  # type: ignore[override]
        return limits.max_bytes()

    # ------------------------------------------------------------------ encode
    def encode(self, array: np.ndarray, config: Any = None) -> bytes:
        arr = np.asarray(array)
        if not self.write_modes:
            raise SampleCompressionError(
                arr.shape, self.name, f"{self.name} can only be read, not written"
            )
        mode = _array_mode(arr)
        if mode is None or mode not in self.write_modes:
            raise SampleCompressionError(
                arr.shape,
                self.name,
                f"{self.name} stores {_describe(self.write_modes)}; got an array of shape "
                f"{arr.shape} and dtype {arr.dtype}",
            )
        if arr.ndim == 3 and arr.shape[2] == 1:
            arr = arr[:, :, 0]
        h, w = arr.shape[:2]
        if not (0 < h <= self.max_side and 0 < w <= self.max_side):
            raise SampleCompressionError(
                arr.shape, self.name, f"{self.name} images are 1 to {self.max_side} pixels a side"
            )
        return self._encode_checked(arr, mode)

    def _encode_checked(self, arr: np.ndarray, mode: str) -> bytes:
        """Encode an array already checked to fit ``mode`` (``(H, W)`` when one channel)."""
        Image = _pil()
        im = Image.fromarray(np.ascontiguousarray(arr))
        if im.mode != mode:
            im = im.convert(mode)
        out = io.BytesIO()
        try:
            self._save(im, out)
        except (OSError, ValueError, KeyError) as exc:
            raise SampleCompressionError(arr.shape, self.name, str(exc)) from exc
        return out.getvalue()

    def _save(self, im: Any, out: io.BytesIO) -> None:
        im.save(out, format=self.pil_format, **self.save_options)

    # ------------------------------------------------------------------ decode
    def _open(self, data: bytes | memoryview) -> Any:
        Image = _pil()
        try:
            im = Image.open(io.BytesIO(data), formats=None)
        except Image.DecompressionBombError as exc:
            raise DecompressionBombError(0, limits.max_pixels(), "pixels (Pillow's limit)") from exc
        except Exception as exc:
            raise SampleDecompressionError() from exc
        return im

    def _check_format(self, im: Any) -> None:
        accepted = _ACCEPTED_PIL_FORMATS.get(self.name, {self.pil_format})
        if im.format not in accepted:
            raise CorruptedSampleError(self.name)

    def decode(self, data: bytes | memoryview, config: Any = None) -> np.ndarray:
        im = self._open(data)
        try:
            self._check_format(im)
            shape, dtype, mode = layout(im)
            limits.check(shape, dtype.itemsize)
            if im.mode == "1":
                im = im.convert("L")
            im.load()
            if im.mode != mode:
                im = im.convert(mode)
            arr = np.asarray(im)
        except (SampleDecompressionError, CorruptedSampleError):
            raise
        except Exception as exc:
            raise SampleDecompressionError() from exc
        finally:
            im.close()
        if arr.shape != shape:
            raise CorruptedSampleError(self.name)
        return arr

    def read_shape_dtype(self, data: bytes | memoryview) -> tuple[tuple[int, ...], np.dtype]:
        if self.fast_header is not None:
            got = self.fast_header(data)
            if got is not None:
                return got
        im = self._open(data)
        try:
            self._check_format(im)
            shape, dtype, _ = layout(im)
        except CorruptedSampleError:
            raise
        except Exception as exc:
            raise SampleDecompressionError() from exc
        finally:
            im.close()
        return shape, dtype

    def sample_info(self, data: bytes | memoryview) -> dict[str, Any]:
        if self.fast_header is not None and self.exif_probe is not None:
            if self.fast_info is not None:
                both = self.fast_info(data)
                got, exif = (both[:2], both[2]) if both is not None else (None, None)
            else:
                got = self.fast_header(data)
                exif = self.exif_probe(data) if got is not None else None
            if got is not None and exif is False:
                shape, dtype = got
                channels = shape[2] if len(shape) == 3 else 1
                return {
                    "shape": list(shape),
                    "dtype": dtype.name,
                    "format": self.name,
                    "mode": {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[channels]
                    if self.name != "jpeg" or channels != 4
                    else "CMYK",
                    "exif": {},
                }
        im = self._open(data)
        try:
            shape, dtype, mode = layout(im)
            exif: dict[str, str] = {}
            try:
                from PIL.ExifTags import TAGS

                for tag, value in im.getexif().items():
                    exif[str(TAGS.get(tag, tag))] = _plain(value)
            except Exception:  # broken EXIF is not a broken image
                exif = {}
            return {
                "shape": list(shape),
                "dtype": dtype.name,
                "format": self.name,
                "mode": mode,
                "exif": exif,
            }
        finally:
            im.close()

    def verify(self, data: bytes | memoryview) -> None:
        try:
            shape, _ = self.read_shape_dtype(data)
            arr = self.decode(data)
        except DecompressionBombError:
            raise
        except (SampleDecompressionError, CorruptedSampleError) as exc:
            raise CorruptedSampleError(self.name) from exc
        if tuple(arr.shape) != tuple(shape):
            raise CorruptedSampleError(self.name)

    # ------------------------------------------------------------------ chunks
    def chunk_codec(self) -> ByteCodec | None:
        """A byte codec storing whole chunk payloads as one image of this format."""
        return ImageChunkCodec(self) if self.chunk_mode and self.write_modes else None


def _plain(value: Any) -> str:
    if isinstance(value, bytes):
        return value[:64].hex()
    return str(value)[:256]


def _describe(modes: frozenset[str]) -> str:
    names = {
        "L": "(H, W) uint8",
        "LA": "(H, W, 2) uint8",
        "RGB": "(H, W, 3) uint8",
        "RGBA": "(H, W, 4) uint8",
        "I;16": "(H, W) uint16",
        "I": "(H, W) int32",
        "F": "(H, W) float32",
    }
    return ", ".join(names[m] for m in sorted(modes, key=list(names).index))


class ImageChunkCodec(ByteCodec):
    """Chunk compression with an image format: the chunk's bytes become the pixels of
    one image (rows of up to ``WIDTH`` pixels, zero padded), after an 8-byte length.
    Lossless formats return the bytes exactly; lossy ones (jpeg) perturb values, as
    chunk compression with a lossy image format does."""

    WIDTH = 4096
    _HEADER = struct.Struct("<4sQ")
    _MAGIC = b"DLIC"

    def __init__(self, codec: PillowCodec):
        self.codec = codec

    def compress(self, data: bytes | memoryview, config: Any = None) -> bytes:
        raw = np.frombuffer(bytes(data), dtype=np.uint8)
        n = len(raw)
        per_px = 3 if self.codec.chunk_mode == "RGB" else 1
        width = max(1, min(self.WIDTH, -(-n // per_px)))
        rows = max(1, -(-n // (width * per_px)))
        canvas = np.zeros(rows * width * per_px, dtype=np.uint8)
        canvas[:n] = raw
        shape = (rows, width) if per_px == 1 else (rows, width, 3)
        return self._HEADER.pack(self._MAGIC, n) + self.codec.encode(canvas.reshape(shape))

    def decompress(self, data: bytes | memoryview, config: Any = None) -> bytes:
        mv = memoryview(data)
        if len(mv) < self._HEADER.size:
            raise SampleDecompressionError()
        magic, n = self._HEADER.unpack_from(mv)
        if magic != self._MAGIC:
            raise SampleDecompressionError()
        flat = self.codec.decode(mv[self._HEADER.size :]).reshape(-1)
        if len(flat) < n:
            raise SampleDecompressionError()
        return flat[:n].tobytes()


# ---------------------------------------------------------------------- formats
_GREY_RGB = frozenset({"L", "RGB"})
_GREY_RGB_A = frozenset({"L", "RGB", "RGBA"})
#: Pillow format names a codec accepts when decoding (variants of one format).
_ACCEPTED_PIL_FORMATS = {
    "jpeg": {"JPEG", "MPO"},
    "mpo": {"MPO", "JPEG"},
    "png": {"PNG"},
    "apng": {"PNG"},
    "dib": {"DIB", "BMP"},
    "bmp": {"BMP", "DIB"},
    "eps": {"EPS"},
}


class BmpCodec(PillowCodec):
    name, pil_format, write_modes = "bmp", "BMP", _GREY_RGB


class DibCodec(PillowCodec):
    name, pil_format, write_modes = "dib", "DIB", _GREY_RGB


class GifCodec(PillowCodec):
    """GIF: grey images are kept exactly; colour images are reduced to 256 colours and
    marked with a comment so that they decode as colour even if the palette is grey."""

    name, pil_format, write_modes = "gif", "GIF", _GREY_RGB

    def _save(self, im: Any, out: io.BytesIO) -> None:
        extra = {"comment": _GIF_RGB} if im.mode == "RGB" else {}
        im.save(out, format="GIF", **extra)


class IcoCodec(PillowCodec):
    name, pil_format, write_modes = "ico", "ICO", _GREY_RGB_A
    max_side = 256
    chunk_mode = None

    def _save(self, im: Any, out: io.BytesIO) -> None:
        im.save(out, format="ICO", sizes=[im.size])


class JpegCodec(PillowCodec):
    """JPEG, decoded and encoded with simplejpeg (libjpeg-turbo, GIL released for the
    whole call) when the file is plain 8-bit grey or YCbCr/RGB Huffman-coded; Pillow
    handles the rest (CMYK/YCCK, 12-bit, lossless, arithmetic-coded, files libjpeg-turbo
    warns about) and serves as the whole codec when simplejpeg is not installed.

    Both decoders run libjpeg-turbo with the same settings (accurate integer IDCT,
    smooth chroma upsampling), so they return the same pixels; neither applies an
    EXIF orientation: pixels come back in stored order.
    """

    name, pil_format, write_modes = "jpeg", "JPEG", _GREY_RGB
    save_options = {"quality": 90}
    fast_header = staticmethod(headers.jpeg_shape)
    exif_probe = staticmethod(headers.jpeg_has_exif)
    fast_info = staticmethod(headers.jpeg_info)

    def decode(self, data: bytes | memoryview, config: Any = None) -> np.ndarray:
        arr = self._sj_decode(data, None)
        return super().decode(data, config) if arr is None else arr

    def decode_into(self, data: bytes | memoryview, out: np.ndarray) -> np.ndarray:
        """Decode into ``out`` (a C-contiguous uint8 array holding exactly the image's
        pixels) when simplejpeg can, and return it; otherwise a freshly decoded array
        (the caller checks its shape). Lets batched reads fill one large buffer."""
        arr = self._sj_decode(data, out)
        return super().decode(data) if arr is None else arr

    def _sj_decode(self, data: bytes | memoryview, out: np.ndarray | None) -> np.ndarray | None:
        """The pixels decoded by simplejpeg (into ``out`` if given), or None when the
        file is one for Pillow (or ``out`` does not fit it)."""
        sj = _simplejpeg()
        frame = headers.jpeg_frame(data) if sj is not None else None
        if frame is None:
            return None
        marker, precision, h, w, comps = frame
        if marker not in _SJ_FRAMES or precision != 8 or h == 0 or w == 0 or comps not in (1, 3):
            return None
        n = h * w * (1 if comps == 1 else 3)
        if out is not None and (out.dtype != np.uint8 or out.size != n):
            return None
        shape = (h, w) if comps == 1 else (h, w, 3)
        limits.check(shape, 1)  # from the header, before any pixel is decoded
        try:
            arr = sj.decode_jpeg(
                data, colorspace="GRAY" if comps == 1 else "RGB", strict=True, buffer=out
            )
        except (ValueError, TypeError, MemoryError):
            # warnings (truncated data, stray bytes) or layouts libjpeg-turbo's simple
            # API refuses: Pillow decides (tolerant where it is, same errors otherwise)
            return None
        if arr.size != n:
            raise CorruptedSampleError(self.name)
        return out if out is not None else arr.reshape(shape)

    def _encode_checked(self, arr: np.ndarray, mode: str) -> bytes:
        sj = _simplejpeg()
        if sj is None:
            return super()._encode_checked(arr, mode)
        grey = mode == "L"
        pixels = np.ascontiguousarray(arr.reshape(*arr.shape[:2], 1) if grey else arr)
        try:
            return sj.encode_jpeg(
                pixels,
                quality=self.save_options["quality"],
                colorspace="GRAY" if grey else "RGB",
                colorsubsampling="Gray" if grey else "420",
            )
        except (ValueError, TypeError) as exc:
            raise SampleCompressionError(arr.shape, self.name, str(exc)) from exc


#: Frame types simplejpeg decodes: baseline, extended and progressive Huffman.
_SJ_FRAMES = frozenset((0xC0, 0xC1, 0xC2))
_SJ_MODULE: list[Any] = []


def _simplejpeg() -> Any:
    """The simplejpeg module, or None when it is not installed (imported once)."""
    if not _SJ_MODULE:
        try:
            import simplejpeg
        except ImportError:
            simplejpeg = None
        _SJ_MODULE.append(simplejpeg)
    return _SJ_MODULE[0]


class Jpeg2000Codec(PillowCodec):
    """JPEG 2000, lossless (reversible wavelet)."""

    name, pil_format = "jpeg2000", "JPEG2000"
    write_modes = frozenset({"L", "RGB", "RGBA", "I;16"})
    save_options = {"irreversible": False}


class PcxCodec(PillowCodec):
    name, pil_format, write_modes = "pcx", "PCX", _GREY_RGB


class PngCodec(PillowCodec):
    name, pil_format = "png", "PNG"
    write_modes = frozenset({"L", "LA", "RGB", "RGBA", "I;16"})
    save_options = {"compress_level": 1}
    fast_header = staticmethod(headers.png_shape)
    exif_probe = staticmethod(headers.png_has_exif)


class ApngCodec(PngCodec):
    """Animated PNG container; a sample is one frame."""

    name = "apng"

    def _save(self, im: Any, out: io.BytesIO) -> None:
        im.save(out, format="PNG", save_all=True, compress_level=1)


class PpmCodec(PillowCodec):
    name, pil_format, write_modes = "ppm", "PPM", _GREY_RGB


class SgiCodec(PillowCodec):
    name, pil_format, write_modes = "sgi", "SGI", _GREY_RGB_A


class TgaCodec(PillowCodec):
    name, pil_format = "tga", "TGA"
    write_modes = frozenset({"L", "LA", "RGB", "RGBA"})


class TiffCodec(PillowCodec):
    name, pil_format = "tiff", "TIFF"
    write_modes = frozenset({"L", "LA", "RGB", "RGBA", "I;16", "I", "F"})
    save_options = {"compression": "tiff_deflate"}


class WebpCodec(PillowCodec):
    """WebP, lossless. WebP holds colour images only: grey arrays are refused."""

    name, pil_format = "webp", "WEBP"
    write_modes = frozenset({"RGB", "RGBA"})
    save_options = {"lossless": True, "quality": 50, "method": 2}
    max_side = 16383
    chunk_mode = "RGB"


# Decode-only formats (the reference lists them as readable, never written).
class WmfCodec(PillowCodec):
    """Windows metafile: Pillow renders these only on Windows."""

    name, pil_format = "wmf", "WMF"


class XbmCodec(PillowCodec):
    name, pil_format = "xbm", "XBM"


class EpsCodec(PillowCodec):
    """Encapsulated PostScript: rendering needs Ghostscript (``gs``) on the PATH."""

    name, pil_format = "eps", "EPS"


class FliCodec(PillowCodec):
    name, pil_format = "fli", "FLI"


class ImCodec(PillowCodec):
    name, pil_format = "im", "IM"


class MspCodec(PillowCodec):
    name, pil_format = "msp", "MSP"


class MpoCodec(PillowCodec):
    name, pil_format = "mpo", "MPO"
    fast_header = staticmethod(headers.jpeg_shape)
