"""Declared lengths read straight from container headers, to detect truncated files.

FFmpeg decodes what is present and clamps its idea of a file's length to it, so a
truncated wav or mkv would otherwise read as a shorter, valid sample. These checks
compare what a header declares with the bytes (or packets) present:

* RIFF (wav, avi): the RIFF chunk size against the file size;
* Matroska (mkv): the Segment element size against the file size;
* mp3: the frame count of a Xing/Info header against the frames demuxed.

Sizes a writer left open (streamed files) are not checked.
"""

from __future__ import annotations

import struct

_RIFF_OPEN = (0, 0xFFFFFFFF)
_EBML = 0x1A45DFA3
_SEGMENT = 0x18538067


def riff_truncated(data: bytes | memoryview) -> bool:
    """Whether a RIFF file (wav, avi) is shorter than its RIFF header declares."""
    mv = memoryview(data)
    if len(mv) < 12 or bytes(mv[:4]) != b"RIFF":
        return False
    (size,) = struct.unpack_from("<I", mv, 4)
    return size not in _RIFF_OPEN and 8 + size > len(mv)


def _vint(mv: memoryview, i: int, marker: bool) -> tuple[int, int, bool] | None:
    """EBML variable-size integer at ``i``: (value, length, all value bits set)."""
    if i >= len(mv) or mv[i] == 0:
        return None
    first = mv[i]
    length = 9 - first.bit_length()
    if i + length > len(mv):
        return None
    value = first if marker else first & ((1 << (8 - length)) - 1)
    for k in range(1, length):
        value = (value << 8) | mv[i + k]
    return value, length, value == (1 << (7 * length)) - 1


def matroska_truncated(data: bytes | memoryview) -> bool:
    """Whether a Matroska file is shorter than its Segment element declares."""
    mv = memoryview(data)
    head = _vint(mv, 0, marker=True)
    if head is None or head[0] != _EBML:
        return False
    size = _vint(mv, head[1], marker=False)
    if size is None:
        return True
    i = head[1] + size[1] + size[0]
    seg = _vint(mv, i, marker=True)
    if seg is None:
        return i >= len(mv)
    if seg[0] != _SEGMENT:
        return False
    seg_size = _vint(mv, i + seg[1], marker=False)
    if seg_size is None:
        return True
    value, length, unknown = seg_size
    return not unknown and i + seg[1] + length + value > len(mv)


def _id3_end(mv: memoryview) -> int:
    if len(mv) < 10 or bytes(mv[:3]) != b"ID3":
        return 0
    size = 0
    for b in mv[6:10]:
        size = (size << 7) | (b & 0x7F)
    footer = 10 if mv[5] & 0x10 else 0
    return 10 + size + footer


def mp3_declared_frames(data: bytes | memoryview) -> int | None:
    """Audio frames announced by the Xing/Info header of an mp3, or None if absent."""
    mv = memoryview(data)
    start = _id3_end(mv)
    if start + 4 > len(mv) or mv[start] != 0xFF or (mv[start + 1] & 0xE0) != 0xE0:
        return None
    window = bytes(mv[start + 4 : start + 4 + 48])
    for tag in (b"Xing", b"Info"):
        at = window.find(tag)
        if at >= 0:
            pos = start + 4 + at
            if pos + 12 > len(mv):
                return None
            flags, frames = struct.unpack_from(">II", mv, pos + 4)
            return frames if flags & 1 else None
    return None
