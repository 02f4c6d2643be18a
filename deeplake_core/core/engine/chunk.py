"""The binary chunk format: a fixed header followed by the payload.

Layout (little-endian)::

    0   4s  magic b"DLKC"
    4   u16 format version (1)
    6   u16 header length H (32 + codec name padded to 16 bytes)
    8   u16 flags (FLAG_*)
    10  u8  codec name length
    11  u8  reserved (0)
    12  u32 sample count
    16  u64 payload length (bytes stored after the header)
    24  u32 crc32 of the payload
    28  u32 crc32 of header bytes [0, 28) + [32, H)
    32  ..  codec name (ASCII), NUL-padded to H

The tensor index additionally keeps *running* crc32 values of the payload at every
``CRC_BLOCK`` boundary, so a byte-range read of part of a chunk is verified too: the
bytes of blocks ``[b0, b1)`` must continue the running crc from block ``b0 - 1`` to the
value stored for block ``b1 - 1``. The last running value equals the header's crc.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

import numpy as np

from deeplake_core.exceptions import CorruptChunkError

MAGIC = b"DLKC"
CHUNK_FORMAT_VERSION = 1
_FIXED = struct.Struct("<4sHHHBBIQII")  # 32 bytes
FIXED_HEADER_LEN = _FIXED.size

FLAG_CHUNK_COMPRESSED = 1
FLAG_SAMPLE_COMPRESSED = 2
FLAG_TILE = 4
_KNOWN_FLAGS = FLAG_CHUNK_COMPRESSED | FLAG_SAMPLE_COMPRESSED | FLAG_TILE

#: Granularity of the running checksums kept in the index (bytes of payload).
CRC_BLOCK = 1 << 16


def header_length(codec: str | None) -> int:
    """Header size for a chunk whose codec name is ``codec``."""
    n = len(codec.encode("ascii")) if codec else 0
    if n > 255:
        raise ValueError(f"codec name {codec!r} is too long for the chunk header (max 255)")
    return FIXED_HEADER_LEN + (-(-n // 16) * 16)


def make_header(nsamples: int, payload_len: int, crc: int, flags: int, codec: str | None) -> bytes:
    """The header of a chunk whose payload is ``payload_len`` bytes with CRC ``crc``."""
    hlen = header_length(codec)
    name = codec.encode("ascii") if codec else b""
    head = _FIXED.pack(
        MAGIC, CHUNK_FORMAT_VERSION, hlen, flags, len(name), 0, nsamples, payload_len, crc, 0
    )[:28]
    tail = name.ljust(hlen - FIXED_HEADER_LEN, b"\0")
    hcrc = zlib.crc32(tail, zlib.crc32(head))
    return head + struct.pack("<I", hcrc) + tail


def running_crcs(parts: Sequence[bytes | bytearray | memoryview]) -> np.ndarray:
    """Running CRC-32 of the concatenated ``parts`` at the end of every ``CRC_BLOCK``
    (and at the end of the data); the last value is the CRC of the whole payload.

    Works across part boundaries without joining the parts (``zlib.crc32`` releases
    the GIL on large buffers, so several threads checksum in parallel).
    """
    views = [memoryview(p).cast("B") for p in parts]
    total = sum(v.nbytes for v in views)
    out = np.empty(-(-total // CRC_BLOCK), dtype=np.uint32)
    crc = fill = i = 0
    for v in views:
        off, n = 0, v.nbytes
        while off < n:
            take = min(CRC_BLOCK - fill, n - off)
            crc = zlib.crc32(v[off : off + take], crc)
            off += take
            fill += take
            if fill == CRC_BLOCK:
                out[i] = crc
                i += 1
                fill = 0
    if fill:
        out[i] = crc
    return out


def chunk_parts(
    payload: bytes | bytearray | memoryview, nsamples: int, flags: int, codec: str | None
) -> list[bytes | bytearray | memoryview]:
    """``[header, payload]`` of a whole chunk (for ``StorageProvider.set_parts``)."""
    return [make_header(nsamples, len(payload), zlib.crc32(payload), flags, codec), payload]


def parse_header(
    data: bytes | bytearray | memoryview,
    key: str,
    file_len: int,
    *,
    nsamples: int | None = None,
    payload_len: int | None = None,
    flags: int | None = None,
    codec: str | None = None,
) -> tuple[int, int]:
    """Verify the header at the start of ``data`` for a chunk file of ``file_len``
    bytes; return ``(header length, payload crc)``.

    Expected values, when given, are checked against the header (they come from the
    tensor index). Raise :class:`CorruptChunkError` on any mismatch.
    """
    mv = memoryview(data).cast("B")
    if mv.nbytes < FIXED_HEADER_LEN:
        raise corrupt(key, f"only {mv.nbytes} bytes, shorter than a chunk header")
    magic, version, hlen, fl, nlen, _r, n, plen, crc, hcrc = _FIXED.unpack_from(mv)
    if magic != MAGIC:
        raise corrupt(key, "bad magic bytes (not a deeplake-core chunk)")
    if version != CHUNK_FORMAT_VERSION:
        raise corrupt(
            key,
            f"chunk format version {version} is not supported by this release "
            f"(supports {CHUNK_FORMAT_VERSION}); upgrade deeplake-core",
        )
    if hlen < FIXED_HEADER_LEN + nlen or hlen > mv.nbytes:
        raise corrupt(key, "header length out of range")
    if zlib.crc32(mv[FIXED_HEADER_LEN:hlen], zlib.crc32(mv[:28])) != hcrc:
        raise corrupt(key, "header checksum mismatch")
    if file_len - hlen != plen:
        raise corrupt(key, f"payload is {file_len - hlen} bytes, header says {plen}")
    if fl & ~_KNOWN_FLAGS:
        raise corrupt(key, f"unknown flags {fl:#x}")
    name = bytes(mv[FIXED_HEADER_LEN : FIXED_HEADER_LEN + nlen]).decode("ascii", "replace")
    expect = {
        "sample count": (nsamples, n),
        "payload length": (payload_len, plen),
        "flags": (flags, fl),
        "codec": (None if flags is None else (codec or ""), name),
    }
    for what, (want, got) in expect.items():
        if want is not None and want != got:
            raise corrupt(key, f"{what} is {got!r}, the tensor index expects {want!r}")
    return hlen, crc


def parse_chunk(
    data: bytes | bytearray | memoryview,
    key: str,
    *,
    nsamples: int | None = None,
    payload_len: int | None = None,
    flags: int | None = None,
    codec: str | None = None,
) -> memoryview:
    """Verify a whole chunk (see :func:`parse_header`) and return its payload."""
    mv = memoryview(data).cast("B")
    hlen, crc = parse_header(
        mv,
        key,
        mv.nbytes,
        nsamples=nsamples,
        payload_len=payload_len,
        flags=flags,
        codec=codec,
    )
    payload = mv[hlen:]
    if zlib.crc32(payload) != crc:
        raise corrupt(key, "payload checksum mismatch")
    return payload


def verify_range(data: bytes, key: str, block0: int, crcs: np.ndarray, expected_len: int) -> None:
    """Check bytes of payload blocks ``[block0, block0 + k)`` against running crcs."""
    if len(data) != expected_len:
        raise corrupt(key, f"range read returned {len(data)} bytes, expected {expected_len}")
    if expected_len == 0:
        return
    nblocks = -(-expected_len // CRC_BLOCK)
    start = int(crcs[block0 - 1]) if block0 > 0 else 0
    if zlib.crc32(data, start) != int(crcs[block0 + nblocks - 1]):
        raise corrupt(key, "payload checksum mismatch in the bytes read")


def corrupt(key: str, why: str) -> CorruptChunkError:
    """The error for a chunk at ``key`` that fails verification because ``why``."""
    return CorruptChunkError(
        f"Chunk {key!r} is corrupted: {why}. Restore the chunk from a copy, or load an "
        "earlier version of the dataset (check_integrity() lists every bad chunk)."
    )
