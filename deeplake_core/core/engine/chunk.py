"""The binary chunk format: a header, with per-block checksums, followed by the payload.

Layout (little-endian)::

    0   4s  magic b"DLKC"
    4   u16 format version (2)
    6   u16 flags (FLAG_*)
    8   u8  codec name length
    9   u8  log2 of the checksum block size B (16: 64 KiB)
    10  u16 reserved (0)
    12  u32 sample count
    16  u64 payload length P (bytes stored after the header)
    24  u32 header length H
    28  u32 crc32 of header bytes [0, 28) + [32, H)
    32  ..  codec name (ASCII), NUL-padded to a multiple of 16 bytes
    ..  u32[ceil(P / B)] crc32 of each B-byte block of the payload (the last block may
        be shorter), zero-padded to a multiple of 16 bytes

Each block is checksummed independently, so blocks are verified (or their checksums
computed) on several threads at once (``zlib.crc32`` releases the GIL) and a
byte-range read widened to whole blocks is verified against the same values, which
the tensor index also keeps. The header checksum covers the block table.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

import numpy as np

from deeplake_core.exceptions import ChunkFormatVersionError, CorruptChunkError

MAGIC = b"DLKC"
CHUNK_FORMAT_VERSION = 2
_FIXED = struct.Struct("<4sHHBBHIQII")  # 32 bytes
FIXED_HEADER_LEN = _FIXED.size

FLAG_CHUNK_COMPRESSED = 1
FLAG_SAMPLE_COMPRESSED = 2
FLAG_TILE = 4
_KNOWN_FLAGS = FLAG_CHUNK_COMPRESSED | FLAG_SAMPLE_COMPRESSED | FLAG_TILE

#: log2 of the checksum block size.
CRC_BLOCK_LOG2 = 16
#: Bytes of payload per checksum block.
CRC_BLOCK = 1 << CRC_BLOCK_LOG2

Buffer = bytes | bytearray | memoryview


def n_blocks(payload_len: int) -> int:
    """Number of checksum blocks of a payload of ``payload_len`` bytes."""
    return -(-payload_len // CRC_BLOCK)


def _pad16(n: int) -> int:
    return -(-n // 16) * 16


def header_length(codec: str | None, payload_len: int) -> int:
    """Header size of a chunk whose codec name is ``codec`` and payload ``payload_len``
    bytes long."""
    n = len(codec.encode("ascii")) if codec else 0
    if n > 255:
        raise ValueError(f"codec name {codec!r} is too long for the chunk header (max 255)")
    return FIXED_HEADER_LEN + _pad16(n) + _pad16(4 * n_blocks(payload_len))


def block_crcs(
    parts: Sequence[Buffer], first: int = 0, count: int | None = None, out: np.ndarray | None = None
) -> np.ndarray:
    """CRC-32 of blocks ``[first, first + count)`` of the concatenation of ``parts``
    (all blocks from ``first`` when ``count`` is None), without joining the parts.

    Written into ``out[first : first + count]`` when ``out`` is given (threads fill
    disjoint ranges of one table), else returned as a new array of ``count`` values.
    """
    views = [v for v in (memoryview(p).cast("B") for p in parts) if v.nbytes]
    total = sum(v.nbytes for v in views)
    avail = max(0, n_blocks(total) - first)
    count = avail if count is None else min(count, avail)
    lo, hi = first * CRC_BLOCK, min(total, (first + count) * CRC_BLOCK)
    crc32 = zlib.crc32
    if len(views) == 1:  # the common case: one tight loop
        v = views[0]
        vals = [crc32(v[o : o + CRC_BLOCK]) for o in range(lo, hi, CRC_BLOCK)]
    else:
        vals = []
        it = iter(views)
        vs, v = 0, next(it, None)
        ve = v.nbytes if v is not None else 0
        for o in range(lo, hi, CRC_BLOCK):
            e = min(o + CRC_BLOCK, hi)
            while ve <= o:
                vs, v = ve, next(it)
                ve = vs + v.nbytes
            if e <= ve:
                vals.append(crc32(v[o - vs : e - vs]))
                continue
            crc = crc32(v[o - vs :])  # a block across part boundaries
            while ve < e:
                vs, v = ve, next(it)
                ve = vs + v.nbytes
                crc = crc32(v[: min(e, ve) - vs], crc)
            vals.append(crc)
    if out is None:
        return np.array(vals, np.uint32)
    out[first : first + count] = vals
    return out


def make_header(
    nsamples: int, payload_len: int, crcs: np.ndarray, flags: int, codec: str | None
) -> bytes:
    """The header of a chunk whose payload is ``payload_len`` bytes with block
    checksums ``crcs``."""
    if len(crcs) != n_blocks(payload_len):
        raise ValueError(f"{len(crcs)} block checksums for a {payload_len}-byte payload")
    hlen = header_length(codec, payload_len)
    name = codec.encode("ascii") if codec else b""
    head = _FIXED.pack(
        MAGIC,
        CHUNK_FORMAT_VERSION,
        flags,
        len(name),
        CRC_BLOCK_LOG2,
        0,
        nsamples,
        payload_len,
        hlen,
        0,
    )[:28]
    table = np.ascontiguousarray(crcs, dtype="<u4").tobytes()
    tail = name.ljust(_pad16(len(name)), b"\0") + table.ljust(_pad16(len(table)), b"\0")
    hcrc = zlib.crc32(tail, zlib.crc32(head))
    return head + struct.pack("<I", hcrc) + tail


def chunk_parts(payload: Buffer, nsamples: int, flags: int, codec: str | None) -> list[Buffer]:
    """``[header, payload]`` of a whole chunk (for ``StorageProvider.set_parts``)."""
    crcs = block_crcs([payload])
    return [make_header(nsamples, len(payload), crcs, flags, codec), payload]


def parse_header(
    data: Buffer,
    key: str,
    file_len: int,
    *,
    nsamples: int | None = None,
    payload_len: int | None = None,
    flags: int | None = None,
    codec: str | None = None,
) -> tuple[int, np.ndarray]:
    """Verify the header at the start of ``data`` for a chunk file of ``file_len``
    bytes; return ``(header length, block checksums)``.

    Expected values, when given, are checked against the header (they come from the
    tensor index). Raise :class:`CorruptChunkError` on any mismatch.
    """
    mv = memoryview(data).cast("B")
    if mv.nbytes < FIXED_HEADER_LEN:
        raise corrupt(key, f"only {mv.nbytes} bytes, shorter than a chunk header")
    magic, version, fl, nlen, blog, _r, n, plen, hlen, hcrc = _FIXED.unpack_from(mv)
    if magic != MAGIC:
        raise corrupt(key, "bad magic bytes (not a deeplake-core chunk)")
    if version != CHUNK_FORMAT_VERSION:
        raise ChunkFormatVersionError(
            f"Chunk {key!r} has chunk format version {version}, which is not supported by "
            f"this release (it reads version {CHUNK_FORMAT_VERSION}); open the dataset with "
            "a deeplake-core release that supports it."
        )
    nb = n_blocks(plen) if blog == CRC_BLOCK_LOG2 else -1
    if nb < 0 or hlen != FIXED_HEADER_LEN + _pad16(nlen) + _pad16(4 * nb):
        raise corrupt(key, "header length or checksum block size out of range")
    if hlen > mv.nbytes:
        raise corrupt(key, f"only {mv.nbytes} bytes, shorter than its {hlen}-byte header")
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
    t0 = FIXED_HEADER_LEN + _pad16(nlen)
    crcs = np.frombuffer(mv, dtype="<u4", count=nb, offset=t0).astype(np.uint32)
    return hlen, crcs


def verify_blocks(
    payload: Buffer, key: str, crcs: np.ndarray, first: int = 0, count: int | None = None
) -> None:
    """Check blocks ``[first, first + count)`` of ``payload`` (the whole payload of a
    chunk) against its block checksums ``crcs``."""
    got = block_crcs([payload], first, count)
    want = crcs[first : first + len(got)]
    if len(want) != len(got):
        raise corrupt(key, "the payload has more blocks than the header has checksums")
    bad = np.flatnonzero(got != want)
    if len(bad):
        raise corrupt(key, f"payload checksum mismatch in block {first + int(bad[0])}")


def parse_chunk(
    data: Buffer,
    key: str,
    *,
    nsamples: int | None = None,
    payload_len: int | None = None,
    flags: int | None = None,
    codec: str | None = None,
) -> tuple[memoryview, np.ndarray]:
    """Verify a whole chunk (see :func:`parse_header`); return its payload and block
    checksums."""
    mv = memoryview(data).cast("B")
    hlen, crcs = parse_header(
        mv, key, mv.nbytes, nsamples=nsamples, payload_len=payload_len, flags=flags, codec=codec
    )
    payload = mv[hlen:]
    verify_blocks(payload, key, crcs)
    return payload, crcs


def verify_range(data: Buffer, key: str, block0: int, crcs: np.ndarray, expected_len: int) -> None:
    """Check ``data``, the payload bytes of blocks ``[block0, block0 + k)``, against the
    chunk's block checksums ``crcs`` (indexed from block 0)."""
    if len(data) != expected_len:
        raise corrupt(key, f"range read returned {len(data)} bytes, expected {expected_len}")
    if expected_len == 0:
        return
    got = block_crcs([data])
    if not np.array_equal(got, crcs[block0 : block0 + len(got)]):
        raise corrupt(key, "payload checksum mismatch in the bytes read")


def corrupt(key: str, why: str) -> CorruptChunkError:
    """The error for a chunk at ``key`` that fails verification because ``why``."""
    return CorruptChunkError(
        f"Chunk {key!r} is corrupted: {why}. Restore the chunk from a copy, or load an "
        "earlier version of the dataset (check_integrity() lists every bad chunk)."
    )
