"""Chunk format v3: per-block XXH3-64 checksums in the header (and the index); every
damaged byte and every unknown version is refused."""

from __future__ import annotations

import itertools
import struct
import threading
import zlib

import numpy as np
import pytest
import xxhash
from hypothesis import given, settings
from hypothesis import strategies as st

from deeplake_core.core.engine import TensorEngine, TensorMeta
from deeplake_core.core.engine import chunk as chunkfmt
from deeplake_core.core.engine.chunk import SUM_BLOCK
from deeplake_core.core.engine.index_file import dump_index, load_index
from deeplake_core.core.engine.io import pool, run_parallel
from deeplake_core.exceptions import (
    ChunkFormatVersionError,
    CorruptChunkError,
    DatasetFormatError,
    IndexFormatVersionError,
)


def _reference(payload: bytes) -> list[int]:
    h = xxhash.xxh3_64_intdigest
    return [h(payload[i : i + SUM_BLOCK]) for i in range(0, len(payload), SUM_BLOCK)]


def test_block_checksum_is_xxh3_64_with_seed_0() -> None:
    """Pins the format's checksum to published XXH3-64 values (not just to itself)."""
    assert chunkfmt.block_sums([b"x"]).tolist() == [xxhash.xxh3_64_intdigest(b"x", seed=0)]
    assert xxhash.xxh3_64_intdigest(b"") == 0x2D06800538D394C2
    assert chunkfmt.block_sums([b""]).tolist() == []


@settings(max_examples=40, deadline=None)
@given(
    size=st.integers(0, 5 * SUM_BLOCK + 3),
    cuts=st.lists(st.integers(0, 5 * SUM_BLOCK + 3), max_size=6),
    data=st.data(),
)
def test_block_sums_match_a_reference_across_part_boundaries(size, cuts, data) -> None:
    payload = np.random.default_rng(size).integers(0, 256, size, np.uint8).tobytes()
    bounds = sorted({0, size, *(c for c in cuts if c <= size)})
    parts = [memoryview(payload)[a:b] for a, b in itertools.pairwise(bounds)]
    want = _reference(payload)
    assert chunkfmt.block_sums(parts).tolist() == want
    n = len(want)
    first = data.draw(st.integers(0, n))
    count = data.draw(st.integers(0, n - first))
    assert chunkfmt.block_sums(parts, first, count).tolist() == want[first : first + count]


@settings(max_examples=40, deadline=None)
@given(
    size=st.integers(0, 40 * SUM_BLOCK + 3),
    cuts=st.lists(st.integers(0, 40 * SUM_BLOCK + 3), max_size=4),
)
def test_build_chunk_from_parts_matches_the_whole_payload(size, cuts) -> None:
    payload = np.random.default_rng(size).integers(0, 256, size, np.uint8).tobytes()
    bounds = sorted({0, size, *(c for c in cuts if c <= size)})
    parts = [memoryview(payload)[a:b] for a, b in itertools.pairwise(bounds)]
    chunk, sums = chunkfmt.build_chunk(parts, 3, 0, "lz4")
    head = chunk[0]
    assert b"".join(bytes(p) for p in chunk[1:]) == payload  # views of the parts, no join
    assert all(isinstance(p, memoryview) for p in chunk[1:])
    assert len(head) == chunkfmt.header_length("lz4", size)
    assert head == chunkfmt.chunk_parts(payload, 3, 0, "lz4")[0]
    assert sums.tolist() == chunkfmt.block_sums([payload]).tolist()
    view, got = chunkfmt.parse_chunk(b"".join(bytes(p) for p in chunk), "k", nsamples=3)
    assert bytes(view) == payload and got.tolist() == sums.tolist()


@settings(max_examples=60, deadline=None)
@given(
    size=st.integers(0, 12 * SUM_BLOCK + 3),
    cuts=st.lists(st.integers(0, 12 * SUM_BLOCK + 3), max_size=4),
    piece=st.sampled_from([SUM_BLOCK // 2, SUM_BLOCK, 3 * SUM_BLOCK + 7, 1 << 22]),
    codec=st.sampled_from([None, "lz4"]),
)
def test_chunk_frame_makes_build_chunk_bytes_piece_by_piece(size, cuts, piece, codec) -> None:
    """The frame's head + pieces are ``build_chunk``'s bytes; every piece but the last
    ends on a multiple of FRAME_PIECE in the file, and its blocks are hashed when it is
    handed out; the head is refused while blocks are left to hash."""
    payload = np.random.default_rng(size).integers(0, 256, size, np.uint8).tobytes()
    bounds = sorted({0, size, *(c for c in cuts if c <= size)})
    parts = [memoryview(payload)[a:b] for a, b in itertools.pairwise(bounds)]
    old, chunkfmt.FRAME_PIECE = chunkfmt.FRAME_PIECE, piece
    try:
        frame = chunkfmt.ChunkFrame(parts, 3, 0, codec)
        chunk, sums = chunkfmt.build_chunk(parts, 3, 0, codec)
        assert frame.head_len == len(chunk[0]) and frame.payload_len == size
        got, pos = [], 0
        for offset, views in frame.pieces():
            assert offset == pos and views
            pos += sum(v.nbytes for v in views)
            assert frame._hashed >= (chunkfmt.n_blocks(pos) if pos == size else pos // SUM_BLOCK)
            if pos < size:
                assert (frame.head_len + pos) % piece == 0
                with pytest.raises(RuntimeError, match="before every piece"):
                    frame.head()  # blocks after this piece are not hashed yet
            got.extend(bytes(v) for v in views)
        assert pos == size and b"".join(got) == payload
        assert frame.head() == bytes(chunk[0]) and frame.sums.tolist() == sums.tolist()
    finally:
        chunkfmt.FRAME_PIECE = old


def test_chunk_frames_on_local_storage_are_build_chunk_files(tmp_path, monkeypatch) -> None:
    """Local storage writes each piece at its place and the head last: the file is
    byte for byte the gathered chunk, for payloads given in several parts."""
    from deeplake_core.storage.local import LocalProvider

    monkeypatch.setattr(chunkfmt, "FRAME_PIECE", 5 * SUM_BLOCK)
    store = LocalProvider(str(tmp_path / "s"))
    rng = np.random.default_rng(3)
    for size, cut in [(0, 0), (100, 40), (23 * SUM_BLOCK + 11, 7 * SUM_BLOCK - 3)]:
        payload = rng.integers(0, 256, size, np.uint8).tobytes()
        parts = [memoryview(payload)[:cut], memoryview(payload)[cut:]]
        store.set_framed(f"c/{size}", chunkfmt.ChunkFrame(parts, 2, 0, None))
        want = b"".join(bytes(p) for p in chunkfmt.build_chunk(parts, 2, 0, None)[0])
        assert store.get(f"c/{size}") == want
        view, _ = chunkfmt.parse_chunk(want, "k", nsamples=2)
        assert bytes(view) == payload
    assert sorted(store.list_prefix("c/")) == ["c/0", "c/100", f"c/{23 * SUM_BLOCK + 11}"]


@pytest.mark.parametrize("plen", [0, 1, SUM_BLOCK, 3 * SUM_BLOCK + 5])
@pytest.mark.parametrize("codec", [None, "lz4"])
def test_header_round_trip_and_length(plen, codec) -> None:
    payload = bytes(range(256)) * (plen // 256) + b"x" * (plen % 256)
    head, _ = chunkfmt.chunk_parts(payload, 7, chunkfmt.FLAG_SAMPLE_COMPRESSED, codec)
    assert len(head) == chunkfmt.header_length(codec, plen) and len(head) % 16 == 0
    hlen, sums = chunkfmt.parse_header(head, "k", len(head) + plen, nsamples=7)
    assert hlen == len(head) and sums.tolist() == _reference(payload)
    got, sums2 = chunkfmt.parse_chunk(head + payload, "k", payload_len=plen)
    assert bytes(got) == payload and np.array_equal(sums, sums2)


def test_block_table_is_covered_by_the_header_checksum() -> None:
    payload = b"a" * (2 * SUM_BLOCK)
    head, _ = chunkfmt.chunk_parts(payload, 1, 0, None)
    bad = bytearray(head)
    bad[-9] ^= 1  # inside the checksum table
    with pytest.raises(CorruptChunkError, match="header checksum"):
        chunkfmt.parse_chunk(bytes(bad) + payload, "k")


def _rewrite_header(head: bytes, **fields) -> bytes:
    """``head`` with fixed fields replaced and a valid header checksum."""
    names = ("magic", "version", "flags", "nlen", "blog", "res", "n", "plen", "hlen", "hcrc")
    vals = dict(zip(names, struct.unpack_from("<4sHHBBHIQII", head), strict=True))
    vals.update(fields)
    fixed = struct.pack("<4sHHBBHIQII", *vals.values())
    hcrc = zlib.crc32(head[32:], zlib.crc32(fixed[:28]))
    return fixed[:28] + struct.pack("<I", hcrc) + head[32:]


@pytest.mark.parametrize("version", [1, 2, 4, 999])
def test_unknown_chunk_format_versions_are_refused(version) -> None:
    payload = b"z" * 100
    head, _ = chunkfmt.chunk_parts(payload, 1, 0, None)
    data = _rewrite_header(head, version=version) + payload
    with pytest.raises(ChunkFormatVersionError, match=f"format version {version}, which is not"):
        chunkfmt.parse_chunk(data, "k")
    hint = "pre-release" if version < chunkfmt.CHUNK_FORMAT_VERSION else "newer deeplake-core"
    with pytest.raises(ChunkFormatVersionError, match=hint):
        chunkfmt.parse_chunk(data, "k")
    with pytest.raises(DatasetFormatError):  # also a format error, for callers that ask
        chunkfmt.parse_chunk(data, "k")


def test_other_checksum_block_sizes_are_refused() -> None:
    payload = b"z" * 100
    head, _ = chunkfmt.chunk_parts(payload, 1, 0, None)
    with pytest.raises(CorruptChunkError, match="block size"):
        chunkfmt.parse_chunk(_rewrite_header(head, blog=20) + payload, "k")


# --------------------------------------------------------------------- engine-level


ROWS, DIM = 2000, 96  # 384 bytes a row: one batch cut into 3 equal chunks of ~3.9 blocks
CHUNK = 9 * SUM_BLOCK // 2


def _engine(store):
    meta = TensorMeta(max_chunk_size=CHUNK)
    data = np.random.default_rng(3).standard_normal((ROWS, DIM)).astype(np.float32)
    eng = TensorEngine(store, "t", meta)
    eng.extend(data)
    eng.flush("idx")
    return meta, data


def _reload(store, meta):
    return TensorEngine(store, "t", TensorMeta.model_validate_json(meta.model_dump_json()), "idx")


def _chunks(store, meta) -> list[str]:
    eng = _reload(store, meta)
    return [eng._row_key(r) for r in range(len(eng._c_ids))]


@pytest.fixture
def written(store):
    meta, data = _engine(store)
    return store, meta, data


def test_scan_reads_chunks_of_several_blocks(written) -> None:
    store, meta, data = written
    eng = _reload(store, meta)
    raw = eng._c_raw.view
    assert len(raw) == 3 and (raw > 3 * SUM_BLOCK).all() and (raw % SUM_BLOCK).all()
    assert np.array_equal(eng.read(slice(None)), data)
    assert np.array_equal(eng.read(slice(0, 100)), data[:100])  # one chunk, in pieces
    eng.check_integrity()


def _flip_positions(plen: int) -> list[int]:
    """Payload offsets to damage: every block's first and last byte, and a middle one."""
    out = []
    for b0 in range(0, plen, SUM_BLOCK):
        end = min(b0 + SUM_BLOCK, plen)
        out += [b0, (b0 + end) // 2, end - 1]
    return out


@pytest.mark.parametrize("which", [0, -1])
def test_a_flipped_byte_in_any_block_is_detected_by_every_read(written, which) -> None:
    store, meta, data = written
    key = _chunks(store, meta)[which]
    good = store.data[key]
    eng = _reload(store, meta)
    row = which if which >= 0 else len(eng._c_ids) - 1
    plen = int(eng._c_raw.view[row])
    hlen = len(good) - plen
    first_sample = int(eng._c_start.view[row])
    for pos in _flip_positions(plen):
        bad = bytearray(good)
        bad[hlen + pos] ^= 0x20
        store.data[key] = bytes(bad)
        fresh = _reload(store, meta)
        with pytest.raises(CorruptChunkError, match="checksum"):
            fresh.read(slice(None))  # scan: read into the output, verified in pieces
        with pytest.raises(CorruptChunkError, match="checksum"):
            fresh.read_sample(first_sample + pos // (DIM * 4))  # range read of that block
        with pytest.raises(CorruptChunkError):
            fresh.check_integrity()
    store.data[key] = good
    assert np.array_equal(_reload(store, meta).read(slice(None)), data)


@pytest.mark.parametrize("cut", [1, SUM_BLOCK, "header"])
def test_truncated_chunks_are_detected_by_length(written, cut) -> None:
    store, meta, _ = written
    key = _chunks(store, meta)[1]
    raw = store.data[key]
    store.data[key] = raw[:40] if cut == "header" else raw[: len(raw) - cut]
    eng = _reload(store, meta)
    with pytest.raises(CorruptChunkError):
        eng.read(slice(None))
    with pytest.raises(CorruptChunkError):
        eng.check_integrity()


def test_a_consistently_rewritten_chunk_disagrees_with_the_index(written) -> None:
    """Damage that keeps the chunk self-consistent (payload and header table both
    rewritten) is still caught: the index keeps its own copy of the block checksums."""
    store, meta, _ = written
    key = _chunks(store, meta)[0]
    eng = _reload(store, meta)
    plen = int(eng._c_raw.view[0])
    raw = store.data[key]
    payload = bytearray(raw[len(raw) - plen :])
    payload[5] ^= 1
    head, _ = chunkfmt.chunk_parts(bytes(payload), int(eng._c_start.view[1]), 0, None)
    store.data[key] = head + bytes(payload)
    with pytest.raises(CorruptChunkError, match="differ from the index"):
        _reload(store, meta).read(slice(None))
    with pytest.raises(CorruptChunkError, match="differ from the index"):
        _reload(store, meta).check_integrity()


def test_unknown_engine_index_versions_are_refused(written) -> None:
    store, meta, _ = written
    arrays = load_index(store.data["idx"], "idx")
    arrays["scalars"][0] = 99
    store.data["idx"] = dump_index(arrays)
    with pytest.raises(IndexFormatVersionError, match="engine index version 99"):
        _reload(store, meta)
    raw = bytearray(dump_index(arrays))
    raw[4] = 7  # the container's own version
    store.data["idx"] = bytes(raw)
    with pytest.raises(IndexFormatVersionError, match="index format version 7"):
        _reload(store, meta)


def test_version_errors_are_listed_by_check_integrity(written) -> None:
    store, meta, _ = written
    key = _chunks(store, meta)[1]
    raw = store.data[key]
    hlen = struct.unpack_from("<I", raw, 24)[0]
    store.data[key] = _rewrite_header(raw[:hlen], version=9) + raw[hlen:]
    with pytest.raises(CorruptChunkError, match="format version 9"):
        _reload(store, meta).check_integrity()


# --------------------------------------------------------------------- run_parallel


def test_run_parallel_keeps_order_and_raises_the_first_error() -> None:
    assert run_parallel(lambda x: x * x, list(range(50))) == [x * x for x in range(50)]
    active = [0]
    lock = threading.Lock()

    def fn(x):
        with lock:
            active[0] += 1
        try:
            if x in (7, 30):
                raise ValueError(x)
            return x
        finally:
            with lock:
                active[0] -= 1

    with pytest.raises(ValueError, match="7"):
        run_parallel(fn, list(range(50)))
    assert active[0] == 0  # nothing still running once it returns


def test_run_parallel_runs_nothing_on_a_caller_outside_the_pool() -> None:
    """A third reader beside the pool's threads measured slower: the caller waits."""
    caller = threading.get_ident()
    gate = threading.Event()

    def fn(x):
        if x < 2:  # hold both pool threads so later items stay queued for a while
            gate.wait(timeout=10)
        return threading.get_ident()

    timer = threading.Timer(0.2, gate.set)
    timer.start()
    try:
        idents = run_parallel(fn, list(range(40)))
    finally:
        timer.cancel()
        gate.set()
    assert caller not in idents


def test_run_parallel_nested_on_pool_threads_does_not_deadlock() -> None:
    """Pool tasks that each run pieces on the same pool (as chunk writes do)."""

    def outer(i):
        return sum(run_parallel(lambda j: i * j, list(range(8))))

    futs = [pool().submit(outer, i) for i in range(12)]
    assert [f.result(timeout=60) for f in futs] == [i * 28 for i in range(12)]
