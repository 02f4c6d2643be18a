"""Damaged chunks and index files raise specific errors, never return garbage."""

from __future__ import annotations

import numpy as np
import pytest

from deeplake_core.core.engine import TensorEngine, TensorMeta
from deeplake_core.core.engine.chunk import SUM_BLOCK
from deeplake_core.exceptions import CorruptChunkError, CorruptIndexError

COMPRESSIONS = [{}, {"sample_compression": "lz4"}, {"chunk_compression": "lz4"}]


def _make(store, comp, rows=400, chunk=4096):
    meta = TensorMeta(max_chunk_size=chunk, **comp)
    eng = TensorEngine(store, "t", meta)
    data = np.random.default_rng(0).standard_normal((rows, 16)).astype(np.float32)
    eng.extend(data)
    eng.flush("idx")
    return meta, data


def _reload(store, meta, key="idx"):
    return TensorEngine(store, "t", TensorMeta.model_validate_json(meta.model_dump_json()), key)


def _first_chunk(store):
    return sorted(k for k in store.data if k.startswith("tensors/t/chunks/"))[0]


def _damages():
    yield "truncated", lambda b: b[: len(b) // 2]
    yield "zero-length", lambda b: b""
    yield "header-only", lambda b: b[:32]
    yield "flipped-payload", lambda b: b[:-7] + bytes([b[-7] ^ 1]) + b[-6:]
    yield "flipped-header", lambda b: b[:13] + bytes([b[13] ^ 0x40]) + b[14:]
    yield "flipped-magic", lambda b: b"X" + b[1:]
    yield "extended", lambda b: b + b"\0"


@pytest.mark.parametrize("comp", COMPRESSIONS, ids=["none", "sample-lz4", "chunk-lz4"])
@pytest.mark.parametrize("name,damage", list(_damages()), ids=[n for n, _ in _damages()])
def test_damaged_chunk_raises(store, comp, name, damage) -> None:
    meta, _ = _make(store, comp)
    key = _first_chunk(store)
    store.data[key] = damage(store.data[key])
    eng = _reload(store, meta)
    with pytest.raises(CorruptChunkError):
        eng.read(slice(None))
    with pytest.raises(CorruptChunkError):
        eng.check_integrity()


def test_missing_chunk_raises(store) -> None:
    meta, _ = _make(store, {})
    del store.data[_first_chunk(store)]
    with pytest.raises(CorruptChunkError, match="missing"):
        _reload(store, meta).read(slice(None))


def test_range_reads_are_verified(store) -> None:
    """A single-sample read of a big uncompressed chunk uses a byte range, checked
    against the index's running checksums."""
    meta = TensorMeta(max_chunk_size=8 * SUM_BLOCK)
    eng = TensorEngine(store, "t", meta)
    data = np.arange(8 * SUM_BLOCK // 4, dtype=np.int32).reshape(-1, 64)
    eng.extend(data)
    eng.flush("idx")
    eng = _reload(store, meta)
    assert np.array_equal(eng.read_sample(5), data[5])
    assert eng.stats.range_reads == 1 and eng.stats.chunks_read == 0
    key = _first_chunk(store)
    raw = bytearray(store.data[key])
    raw[-100] ^= 0xFF  # inside the last block; row 5 is in the first block
    store.data[key] = bytes(raw)
    eng = _reload(store, meta)
    assert np.array_equal(eng.read_sample(5), data[5])  # untouched block still fine
    with pytest.raises(CorruptChunkError):
        eng.read_sample(len(data) - 1)
    store.data[key] = bytes(raw[: len(raw) // 2])
    with pytest.raises(CorruptChunkError):
        _reload(store, meta).read_sample(len(data) - 1)


def test_corrupt_index_file_raises(store) -> None:
    meta, _ = _make(store, {})
    raw = store.data["idx"]
    for i in (0, 5, 13, 30, len(raw) // 2, len(raw) - 1):
        bad = bytearray(raw)
        bad[i] ^= 0x10
        store.data["idx"] = bytes(bad)
        with pytest.raises(CorruptIndexError):
            _reload(store, meta)


@pytest.mark.parametrize("cut", [0, 1, 10, 23, 24, 100, -1])
def test_index_cut_mid_write_raises(store, cut) -> None:
    meta, _ = _make(store, {})
    raw = store.data["idx"]
    store.data["idx"] = raw[:cut]
    with pytest.raises(CorruptIndexError):
        _reload(store, meta)


def test_missing_index_file_raises(store) -> None:
    with pytest.raises(CorruptIndexError, match="missing"):
        TensorEngine(store, "t", TensorMeta(), "nope")


def test_index_with_valid_checksum_but_bad_tables_raises(store) -> None:
    """A well-formed file whose tables disagree (e.g. written by a buggy tool)."""
    from deeplake_core.core.engine.index_file import dump_index, load_index

    meta, _ = _make(store, {})
    arrays = load_index(store.data["idx"], "idx")
    arrays["map_lens"] = arrays["map_lens"] * 10
    store.data["idx"] = dump_index(arrays)
    with pytest.raises(CorruptIndexError):
        _reload(store, meta)
