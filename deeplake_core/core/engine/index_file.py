"""The tensor index file: a checksummed container of named little-endian arrays.

Layout::

    0   4s  magic b"DLKI"
    4   u16 format version (1)
    6   u16 reserved (0)
    8   u32 number of arrays
    12  u32 crc32 of every byte after the header
    16  u64 total file length
    24  directory: one 56-byte entry per array
          16s name (ASCII, NUL-padded), 4s dtype ("<i8", "<u8", "<u4", "|u1"),
          u8 ndim (0-2), 3 bytes padding, 2 x u64 shape, u64 offset, u64 byte length
    ..  array data, each 8-byte aligned

No pickle and no ``np.load``: only the whitelisted dtypes are accepted, and every
length and offset is checked before use.
"""

from __future__ import annotations

import math
import struct
import zlib

import numpy as np

from deeplake_core.exceptions import CorruptIndexError, IndexFormatVersionError

MAGIC = b"DLKI"
INDEX_FORMAT_VERSION = 1
_HEAD = struct.Struct("<4sHHIIQ")
_ENTRY = struct.Struct("<16s4sB3xQQQQ")
_DTYPES = {"<i8", "<u8", "<u4", "|u1"}
#: Bound on each array dimension (a ``(k, 0)`` array has no bytes to bound it).
_MAX_DIM = 1 << 48


def dump_index(arrays: dict[str, np.ndarray]) -> bytes:
    """Serialise ``arrays`` (1-D or 2-D, whitelisted dtypes) into index-file bytes."""
    entries = []
    pos = _HEAD.size + _ENTRY.size * len(arrays)
    blobs: list[bytes] = []
    for name, arr in arrays.items():
        a = np.ascontiguousarray(arr)
        dt = a.dtype.newbyteorder("<") if a.dtype.byteorder == "=" else a.dtype
        code = dt.str
        if code not in _DTYPES or a.ndim > 2:
            raise ValueError(f"index array {name!r} has unsupported dtype/ndim {code}/{a.ndim}")
        pad = -pos % 8
        if pad:
            blobs.append(b"\0" * pad)
            pos += pad
        raw = a.astype(code, copy=False).tobytes()
        shape = (*a.shape, 0, 0)[:2]
        entries.append(
            _ENTRY.pack(
                name.encode("ascii"), code.encode(), a.ndim, shape[0], shape[1], pos, len(raw)
            )
        )
        blobs.append(raw)
        pos += len(raw)
    body = b"".join(entries) + b"".join(blobs)
    head = _HEAD.pack(MAGIC, INDEX_FORMAT_VERSION, 0, len(arrays), zlib.crc32(body), pos)
    return head + body


def load_index(data: bytes | bytearray | memoryview, key: str) -> dict[str, np.ndarray]:
    """Parse and verify index-file bytes; raise :class:`CorruptIndexError` if bad."""
    mv = memoryview(data).cast("B")
    if mv.nbytes < _HEAD.size:
        raise _corrupt(key, f"only {mv.nbytes} bytes, shorter than the header")
    magic, version, _r, count, crc, total = _HEAD.unpack_from(mv)
    if magic != MAGIC:
        raise _corrupt(key, "bad magic bytes (not a deeplake-core index file)")
    if version != INDEX_FORMAT_VERSION:
        raise IndexFormatVersionError(
            f"Tensor index file {key!r} has index format version {version}, which is not "
            f"supported by this release (it reads version {INDEX_FORMAT_VERSION}); open the "
            "dataset with a deeplake-core release that supports it."
        )
    if total != mv.nbytes:
        raise _corrupt(key, f"file is {mv.nbytes} bytes, header says {total} (cut mid-write?)")
    if zlib.crc32(mv[_HEAD.size :]) != crc:
        raise _corrupt(key, "checksum mismatch")
    if _HEAD.size + count * _ENTRY.size > total:
        raise _corrupt(key, "directory runs past the end of the file")
    out: dict[str, np.ndarray] = {}
    for i in range(count):
        raw_name, code, ndim, s0, s1, off, nbytes = _ENTRY.unpack_from(
            mv, _HEAD.size + i * _ENTRY.size
        )
        name = raw_name.rstrip(b"\0").decode("ascii", "replace")
        code_s = code.rstrip(b"\0").decode("ascii", "replace")
        if code_s not in _DTYPES or ndim > 2:
            raise _corrupt(key, f"array {name!r} has unsupported dtype/ndim")
        shape = (s0, s1)[:ndim]
        dt = np.dtype(code_s)
        elements = math.prod(shape)  # Python ints: no overflow
        if (
            elements * dt.itemsize != nbytes
            or off + nbytes > total
            or max(shape, default=0) >= _MAX_DIM
        ):
            raise _corrupt(key, f"array {name!r} has inconsistent bounds")
        out[name] = (
            np.frombuffer(mv, dtype=dt, count=nbytes // dt.itemsize, offset=off)
            .reshape(shape)
            .copy()
        )
    return out


def _corrupt(key: str, why: str) -> CorruptIndexError:
    return CorruptIndexError(
        f"Tensor index file {key!r} is corrupted: {why}. Load an earlier version of the "
        "dataset, or restore the file from a copy."
    )
