"""The binary chunk format: a header, with per-block checksums, followed by the payload.

Layout (little-endian)::

    0   4s  magic b"DLKC"
    4   u16 format version (3)
    6   u16 flags (FLAG_*)
    8   u8  codec name length
    9   u8  log2 of the checksum block size B (16: 64 KiB)
    10  u16 reserved (0)
    12  u32 sample count
    16  u64 payload length P (bytes stored after the header)
    24  u32 header length H
    28  u32 crc32 of header bytes [0, 28) + [32, H)
    32  ..  codec name (ASCII), NUL-padded to a multiple of 16 bytes
    ..  u64[ceil(P / B)] XXH3-64 (seed 0) of each B-byte block of the payload (the
        last block may be shorter), zero-padded to a multiple of 16 bytes

Each block is checksummed independently, so a byte-range read widened to whole
blocks is verified against the same values, which the tensor index also keeps. The
header checksum covers the block table.

Why XXH3 (format 3) rather than CRC-32 (format 2, before the first release): it
hashes at about 25 GB/s on one core, four times zlib's CRC-32, and the Python
binding keeps the GIL for the few microseconds a 64 KiB block takes. A checksum that
releases the GIL per block stalls for the interpreter's switch interval whenever
another thread runs Python, which made bulk reads and writes spend most of their
time waiting (docs/architecture.md, "Checksums").
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator, Sequence

import numpy as np
import xxhash

from deeplake_core.exceptions import ChunkFormatVersionError, CorruptChunkError

MAGIC = b"DLKC"
CHUNK_FORMAT_VERSION = 3
_FIXED = struct.Struct("<4sHHBBHIQII")  # 32 bytes
FIXED_HEADER_LEN = _FIXED.size

FLAG_CHUNK_COMPRESSED = 1
FLAG_SAMPLE_COMPRESSED = 2
FLAG_TILE = 4
_KNOWN_FLAGS = FLAG_CHUNK_COMPRESSED | FLAG_SAMPLE_COMPRESSED | FLAG_TILE

#: log2 of the checksum block size.
SUM_BLOCK_LOG2 = 16
#: Bytes of payload per checksum block.
SUM_BLOCK = 1 << SUM_BLOCK_LOG2
#: dtype of a block checksum, in the header table and in the tensor index.
SUM_DTYPE = np.dtype("<u8")

Buffer = bytes | bytearray | memoryview


def n_blocks(payload_len: int) -> int:
    """Number of checksum blocks of a payload of ``payload_len`` bytes."""
    return -(-payload_len // SUM_BLOCK)


def _pad16(n: int) -> int:
    return -(-n // 16) * 16


def header_length(codec: str | None, payload_len: int) -> int:
    """Header size of a chunk whose codec name is ``codec`` and payload ``payload_len``
    bytes long."""
    n = len(codec.encode("ascii")) if codec else 0
    if n > 255:
        raise ValueError(f"codec name {codec!r} is too long for the chunk header (max 255)")
    return FIXED_HEADER_LEN + _pad16(n) + _pad16(SUM_DTYPE.itemsize * n_blocks(payload_len))


def _byte_views(parts: Sequence[Buffer]) -> list[memoryview]:
    """Flat byte views of the non-empty buffers in ``parts``."""
    return [v for v in (memoryview(p).cast("B") for p in parts) if v.nbytes]


def block_sums(parts: Sequence[Buffer], first: int = 0, count: int | None = None) -> np.ndarray:
    """XXH3-64 of blocks ``[first, first + count)`` of the concatenation of ``parts``
    (all blocks from ``first`` when ``count`` is None), without joining the parts."""
    views = _byte_views(parts)
    total = sum(v.nbytes for v in views)
    avail = max(0, n_blocks(total) - first)
    count = avail if count is None else min(count, avail)
    lo, hi = first * SUM_BLOCK, min(total, (first + count) * SUM_BLOCK)
    if len(views) == 1:  # the common case: one tight loop
        v, h = views[0], xxhash.xxh3_64_intdigest
        vals = [h(v[o : o + SUM_BLOCK]) for o in range(lo, hi, SUM_BLOCK)]
    else:
        vals = []
        it = iter(views)
        vs, v = 0, next(it, None)
        ve = v.nbytes if v is not None else 0
        for o in range(lo, hi, SUM_BLOCK):
            e = min(o + SUM_BLOCK, hi)
            while ve <= o:
                vs, v = ve, next(it)
                ve = vs + v.nbytes
            if e <= ve:
                vals.append(xxhash.xxh3_64_intdigest(v[o - vs : e - vs]))
                continue
            state = xxhash.xxh3_64(v[o - vs :])  # a block across part boundaries
            while ve < e:
                vs, v = ve, next(it)
                ve = vs + v.nbytes
                state.update(v[: min(e, ve) - vs])
            vals.append(state.intdigest())
    return np.array(vals, SUM_DTYPE)


def make_header(
    nsamples: int, payload_len: int, sums: np.ndarray, flags: int, codec: str | None
) -> bytes:
    """The header of a chunk whose payload is ``payload_len`` bytes with block
    checksums ``sums``."""
    if len(sums) != n_blocks(payload_len):
        raise ValueError(f"{len(sums)} block checksums for a {payload_len}-byte payload")
    hlen = header_length(codec, payload_len)
    name = codec.encode("ascii") if codec else b""
    head = _FIXED.pack(
        MAGIC,
        CHUNK_FORMAT_VERSION,
        flags,
        len(name),
        SUM_BLOCK_LOG2,
        0,
        nsamples,
        payload_len,
        hlen,
        0,
    )[:28]
    table = np.ascontiguousarray(sums, dtype=SUM_DTYPE).tobytes()
    tail = name.ljust(_pad16(len(name)), b"\0") + table.ljust(_pad16(len(table)), b"\0")
    hcrc = zlib.crc32(tail, zlib.crc32(head))
    return head + struct.pack("<I", hcrc) + tail


def build_chunk(
    payload: Sequence[Buffer], nsamples: int, flags: int, codec: str | None
) -> tuple[list[Buffer], np.ndarray]:
    """``([header, *payload], block checksums)`` of a chunk whose payload is the
    concatenation of ``payload`` (for ``StorageProvider.set_parts``: one ``writev``)."""
    views = [memoryview(p).cast("B") for p in payload]
    sums = block_sums(views)
    plen = sum(v.nbytes for v in views)
    return [make_header(nsamples, plen, sums, flags, codec), *views], sums


#: The payload of a :class:`ChunkFrame` is hashed and written this many bytes at a
#: time, in pieces that end on multiples of it in the file. Pieces of 1 MiB, or off
#: a 2 MiB grid, measured two to three times slower to write than whole chunks
#: (docs/architecture.md, "Checksums"); 4 MiB keeps a margin.
FRAME_PIECE = 4 << 20


def _slice_views(views: Sequence[memoryview], start: int, end: int) -> list[memoryview]:
    """Bytes ``[start, end)`` of the concatenation of ``views``, as views of them."""
    out = []
    pos = 0
    for v in views:
        lo, hi = max(start, pos), min(end, pos + v.nbytes)
        if lo < hi:
            out.append(v[lo - pos : hi - pos])
        pos += v.nbytes
        if pos >= end:
            break
    return out


class ChunkFrame:
    """A chunk to store with ``StorageProvider.set_framed``: the payload (the
    concatenation of ``payload``) is hashed one piece at a time as the store asks for
    it, so local storage writes each piece while it is still in the CPU cache and the
    header, which holds the block checksums, last. The stored bytes are exactly
    :func:`build_chunk`'s."""

    def __init__(
        self, payload: Sequence[Buffer], nsamples: int, flags: int, codec: str | None
    ) -> None:
        self._views = _byte_views(payload)
        self._nsamples, self._flags, self._codec = nsamples, flags, codec
        self.payload_len = sum(v.nbytes for v in self._views)
        self.head_len = header_length(codec, self.payload_len)
        #: the payload's block checksums, complete once :meth:`pieces` is exhausted
        self.sums = np.zeros(n_blocks(self.payload_len), SUM_DTYPE)
        self._hashed = 0  # blocks hashed so far

    def pieces(self) -> Iterator[tuple[int, list[memoryview]]]:
        """``(payload offset, views)`` of each piece, its blocks hashed just before."""
        total, start = self.payload_len, 0
        while start < total:
            file_end = (self.head_len + start) // FRAME_PIECE * FRAME_PIECE + FRAME_PIECE
            end = min(total, file_end - self.head_len)
            ready = n_blocks(end) if end == total else end // SUM_BLOCK
            if ready > self._hashed:  # a block across the piece's end waits for the next
                n = ready - self._hashed
                self.sums[self._hashed : ready] = block_sums(self._views, self._hashed, n)
                self._hashed = ready
            yield start, _slice_views(self._views, start, end)
            start = end

    def head(self) -> bytes:
        """The chunk header (after :meth:`pieces` has been exhausted)."""
        if self._hashed != len(self.sums):
            raise RuntimeError("ChunkFrame.head() before every piece was taken")
        return make_header(self._nsamples, self.payload_len, self.sums, self._flags, self._codec)


def chunk_parts(payload: Buffer, nsamples: int, flags: int, codec: str | None) -> list[Buffer]:
    """``[header, payload]`` of a whole chunk (for ``StorageProvider.set_parts``)."""
    return build_chunk([payload], nsamples, flags, codec)[0]


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
            f"this release (it reads version {CHUNK_FORMAT_VERSION}); "
            + version_hint(version < CHUNK_FORMAT_VERSION)
        )
    nb = n_blocks(plen) if blog == SUM_BLOCK_LOG2 else -1
    if nb < 0 or hlen != FIXED_HEADER_LEN + _pad16(nlen) + _pad16(SUM_DTYPE.itemsize * nb):
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
    sums = np.frombuffer(mv, dtype=SUM_DTYPE, count=nb, offset=t0).astype(np.uint64)
    return hlen, sums


def version_hint(older: bool) -> str:
    """What to do about a chunk or index file of a format version this release does not
    read (``older``: written before the current format)."""
    if older:
        return (
            "it was written by a pre-release of deeplake-core that this release no longer "
            "reads; read its data with that release and write it into a new dataset."
        )
    return "open the dataset with a newer deeplake-core release."


def verify_blocks(
    payload: Buffer, key: str, sums: np.ndarray, first: int = 0, count: int | None = None
) -> None:
    """Check blocks ``[first, first + count)`` of ``payload`` (the whole payload of a
    chunk) against its block checksums ``sums``."""
    got = block_sums([payload], first, count)
    want = sums[first : first + len(got)]
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
    hlen, sums = parse_header(
        mv, key, mv.nbytes, nsamples=nsamples, payload_len=payload_len, flags=flags, codec=codec
    )
    payload = mv[hlen:]
    verify_blocks(payload, key, sums)
    return payload, sums


def verify_range(data: Buffer, key: str, block0: int, sums: np.ndarray, expected_len: int) -> None:
    """Check ``data``, the payload bytes of blocks ``[block0, block0 + k)``, against the
    chunk's block checksums ``sums`` (indexed from block 0)."""
    if len(data) != expected_len:
        raise corrupt(key, f"range read returned {len(data)} bytes, expected {expected_len}")
    if expected_len == 0:
        return
    got = block_sums([data])
    if not np.array_equal(got, sums[block0 : block0 + len(got)]):
        raise corrupt(key, "payload checksum mismatch in the bytes read")


def corrupt(key: str, why: str) -> CorruptChunkError:
    """The error for a chunk at ``key`` that fails verification because ``why``."""
    return CorruptChunkError(
        f"Chunk {key!r} is corrupted: {why}. Restore the chunk from a copy, or load an "
        "earlier version of the dataset (check_integrity() lists every bad chunk)."
    )
