"""Shape and dtype of JPEG and PNG files from their headers, without Pillow.

Appending a file whose format matches the tensor's compression stores its bytes as
given; only the decoded shape is needed, and reading it here takes microseconds.
Anything unusual (progressive DNL heights, palette or 16-bit PNGs) returns ``None`` and
the caller asks Pillow instead.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

import numpy as np

_U8 = np.dtype("uint8")
# SOF markers carry the frame size; C4 (DHT), C8 (JPG), CC (DAC) do not.
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_STANDALONE = frozenset((0x01, *range(0xD0, 0xD8)))
_PNG_SIG = b"\x89PNG\r\n\x1a\n"
_PNG_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # colour type -> channels (8-bit only)


def _shape(h: int, w: int, channels: int) -> tuple[int, ...]:
    return (h, w) if channels == 1 else (h, w, channels)


def _jpeg_segments(mv: memoryview) -> Iterator[tuple[int | None, int]]:
    """Walk a JPEG's marker segments after SOI: yield ``(marker, offset)`` for each
    segment that has a length field, the start of scan (0xDA) included; yield
    ``(None, offset)`` once and stop when the markers are malformed; stop quietly at the
    end of the data. Callers stop at the segment they need."""
    n = len(mv)
    if n < 4 or mv[0] != 0xFF or mv[1] != 0xD8:
        yield None, 0
        return
    i = 2
    while i + 4 <= n:
        if mv[i] != 0xFF:
            yield None, i
            return
        marker = mv[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in _STANDALONE:
            i += 2
            continue
        yield marker, i
        (length,) = struct.unpack_from(">H", mv, i + 2)
        if length < 2:
            yield None, i
            return
        i += 2 + length


def _is_exif(mv: memoryview, i: int) -> bool:
    return bytes(mv[i + 4 : i + 10]) == b"Exif\x00\x00"


def jpeg_frame(data: bytes | memoryview) -> tuple[int, int, int, int, int] | None:
    """(SOF marker, precision, height, width, components) from a JPEG's frame header,
    or None when the markers are malformed or a scan starts before any frame header."""
    mv = memoryview(data)
    for marker, i in _jpeg_segments(mv):
        if marker is None or marker == 0xDA:
            return None
        if marker in _SOF:
            if i + 10 > len(mv):
                return None
            precision, h, w, comps = struct.unpack_from(">BHHB", mv, i + 4)
            return marker, precision, h, w, comps
    return None


def jpeg_shape(data: bytes | memoryview) -> tuple[tuple[int, ...], np.dtype] | None:
    """(shape, dtype) of a baseline/progressive JPEG, or None if the header is unusual."""
    frame = jpeg_frame(data)
    if frame is None:
        return None
    _, precision, h, w, comps = frame
    if precision != 8 or h == 0 or w == 0 or comps not in (1, 3, 4):
        return None
    return _shape(h, w, comps), _U8


def jpeg_info(data: bytes | memoryview) -> tuple[tuple[int, ...], np.dtype, bool] | None:
    """(shape, dtype, has Exif) of a JPEG in one walk over its markers, or None when
    :func:`jpeg_shape` or :func:`jpeg_has_exif` would give None."""
    mv = memoryview(data)
    exif = False
    shape: tuple[tuple[int, ...], np.dtype] | None = None
    for marker, i in _jpeg_segments(mv):
        if marker is None:
            return None
        if marker == 0xE1 and _is_exif(mv, i):
            exif = True
        if marker == 0xDA:
            return (shape[0], shape[1], exif) if shape is not None else None
        if shape is None and marker in _SOF:
            if i + 10 > len(mv):
                return None
            precision, h, w, comps = struct.unpack_from(">BHHB", mv, i + 4)
            if precision != 8 or h == 0 or w == 0 or comps not in (1, 3, 4):
                return None
            shape = _shape(h, w, comps), _U8
            if exif:
                return shape[0], shape[1], True
    return None


def jpeg_has_exif(data: bytes | memoryview) -> bool | None:
    """Whether a JPEG carries an Exif (APP1) segment; None if the markers are unusual."""
    mv = memoryview(data)
    for marker, i in _jpeg_segments(mv):
        if marker is None:
            return None
        if marker == 0xE1 and _is_exif(mv, i):
            return True
        if marker == 0xDA:
            return False
    return None


def png_has_exif(data: bytes | memoryview) -> bool | None:
    """Whether a PNG carries an ``eXIf`` chunk before its image data; None if malformed."""
    mv = memoryview(data)
    if len(mv) < 8 or bytes(mv[:8]) != _PNG_SIG:
        return None
    i = 8
    while i + 8 <= len(mv):
        (length,) = struct.unpack_from(">I", mv, i)
        kind = bytes(mv[i + 4 : i + 8])
        if kind == b"eXIf":
            return True
        if kind in (b"IDAT", b"IEND"):
            return False
        i += 12 + length
    return None


def png_shape(data: bytes | memoryview) -> tuple[tuple[int, ...], np.dtype] | None:
    """(shape, dtype) of an 8-bit grey/RGB/RGBA PNG, or None (palette, 16-bit ...)."""
    mv = memoryview(data)
    if len(mv) < 33 or bytes(mv[:8]) != _PNG_SIG or bytes(mv[12:16]) != b"IHDR":
        return None
    w, h, depth, colour = struct.unpack_from(">IIBB", mv, 16)
    channels = _PNG_CHANNELS.get(colour)
    if depth != 8 or channels is None or w == 0 or h == 0:
        return None
    return _shape(h, w, channels), _U8
