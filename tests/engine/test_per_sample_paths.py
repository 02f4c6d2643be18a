"""Per-sample write/read paths: the batch append of stored-as-given samples, parallel
decoding of many sample-compressed samples, the verified payload cache for single
reads, and reads of one engine from many threads."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deeplake_core.codecs.lz4 import LZ4Codec
from deeplake_core.core.engine import read_path
from deeplake_core.core.engine.engine import EncodedSample, TensorEngine
from deeplake_core.core.engine.meta import TensorMeta
from deeplake_core.core.engine.payload_cache import PayloadCache, payload_cache
from deeplake_core.exceptions import TensorInvalidSampleShapeError
from deeplake_core.storage.memory import MemoryProvider

LZ4 = LZ4Codec()


def _engine(storage=None, **meta) -> TensorEngine:
    return TensorEngine(storage or MemoryProvider(), "t", TensorMeta(**meta))


def _per_sample(eng: TensorEngine) -> TensorEngine:
    """``eng`` forced onto the one-sample-at-a-time append path."""
    eng._plain_item = lambda item, limit: None  # type: ignore[method-assign]
    return eng


def _state(eng: TensorEngine) -> dict:
    """Everything that must be equal for two engines holding the same samples."""
    eng.flush("idx")
    chunks = [
        eng.storage.get(eng._row_key(r)) if int(eng._c_ids.view[r]) else b""
        for r in range(len(eng._c_ids))
    ]
    return {
        "meta": eng.meta.model_dump(),
        "pos": eng._pos.runs.view.tolist(),
        "shape_starts": eng._shapes.starts.view.tolist(),
        "shape_values": eng._shapes.values.view.tolist(),
        "c_start": eng._c_start.view.tolist(),
        "c_raw": eng._c_raw.view.tolist(),
        "c_stored": eng._c_stored.view.tolist(),
        "sums": eng._sums.view.tolist(),
        "chunks": chunks,
    }


def _encoded(data: bytes, n: int) -> EncodedSample:
    return EncodedSample(LZ4.compress(data), (n,), np.uint8, "lz4")


sizes = st.lists(st.integers(0, 300), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(sizes=sizes, cap=st.integers(16, 700), split=st.integers(0, 40))
def test_batch_encoded_append_equals_per_sample(sizes, cap, split):
    rng = np.random.default_rng(len(sizes) * 1000 + cap)
    items = [_encoded(rng.integers(0, 4, n, dtype=np.uint8).tobytes(), n) for n in sizes]
    meta = {"sample_compression": "lz4", "max_chunk_size": cap, "tiling_threshold": -1}
    batch, one = _engine(**meta), _per_sample(_engine(**meta))
    batch.extend(items[:split])  # two calls: the second starts with an open chunk
    batch.extend(items[split:])
    for item in items:
        one.extend([item])
    assert _state(batch) == _state(one)
    assert [bytes(b) for b in batch.read_bytes_many(slice(None))] == [
        bytes(i.buffer) if i.shape[0] else b"" for i in items
    ]


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(st.one_of(st.none(), st.integers(0, 6)), min_size=1, max_size=30),
    cap=st.integers(8, 200),
)
def test_batch_array_append_equals_per_sample(rows, cap):
    """Boxes-like (k, 4) float32 samples, empty samples and a float64 one that must
    be cast: the mix of the batch and per-sample paths gives the same bytes."""
    rng = np.random.default_rng(cap)
    items = [
        None if k is None else rng.random((k, 4)).astype(np.float64 if k == 6 else np.float32)
        for k in rows
    ]
    first = np.zeros((1, 4), np.float32)  # fixes dtype and rank first
    batch, one = _engine(max_chunk_size=cap), _per_sample(_engine(max_chunk_size=cap))
    batch.extend([first, *items])
    for item in [first, *items]:
        one.extend([item])
    assert _state(batch) == _state(one)
    got = batch.read(slice(1, None), aslist=True)
    for a, b in zip(got, items, strict=True):
        if b is None:  # an empty sample: zero-sized
            assert a.size == 0
        else:
            np.testing.assert_array_equal(a, b.astype(np.float32))


def test_batch_append_rolls_back_as_a_whole():
    eng = _engine(sample_compression="lz4", max_chunk_size=64)
    eng.extend([_encoded(b"a" * 30, 30)])
    before = _state(eng)
    bad = EncodedSample(b"not lz4", (10, 10), np.uint8, "lz4")  # wrong rank: refused
    with pytest.raises(TensorInvalidSampleShapeError):
        eng.extend([_encoded(b"b" * 40, 40), _encoded(b"c" * 50, 50), bad])
    assert _state(eng) == before
    assert eng.num_samples == 1


def test_oversize_sample_alone_in_its_chunk():
    eng = _engine(sample_compression="lz4", max_chunk_size=50, tiling_threshold=-1)
    eng.extend([_encoded(b"x" * 10, 10), _encoded(b"y" * 400, 400), _encoded(b"z" * 5, 5)])
    eng.flush("idx")
    assert eng._c_start.view.tolist() == [0, 1, 2]


# ---------------------------------------------------------------- reads


def _lz4_engine(n: int, cap: int = 4096) -> tuple[TensorEngine, list[np.ndarray]]:
    rng = np.random.default_rng(7)
    arrays = [rng.integers(0, 256, (int(rng.integers(1, 2000)),), dtype=np.uint8) for _ in range(n)]
    eng = _engine(MemoryProvider(), sample_compression="lz4", max_chunk_size=cap)
    eng.extend(arrays)
    eng.flush("idx")
    return eng, arrays


def test_many_sample_compressed_reads_decode_in_parallel(monkeypatch):
    eng, arrays = _lz4_engine(300, cap=100_000)
    batches: list[int] = []
    real = read_path.run_parallel

    def spy(fn, items, *args, **kwargs):
        if getattr(fn, "__name__", "") == "decode":
            batches.append(len(items))
        return real(fn, items, *args, **kwargs)

    # Which thread ends up running a task depends on scheduling (the caller runs
    # queued tasks itself rather than wait), so check the deterministic part: the
    # decodes are handed to the I/O pool as several tasks.
    monkeypatch.setattr(read_path, "run_parallel", spy)
    idx = np.random.default_rng(1).permutation(300)[:200]
    got = eng.read(idx, aslist=True)
    for i, a in zip(idx.tolist(), got, strict=True):
        np.testing.assert_array_equal(a, arrays[i])
    assert batches and max(batches) > 1


def test_single_reads_promote_a_hot_chunk_to_the_payload_cache():
    payload_cache().clear()
    eng, arrays = _lz4_engine(400, cap=1 << 20)  # one chunk above the "small" size
    eng2, _ = _lz4_engine(2)
    assert len(eng._c_raw) == 1 and int(eng._c_raw.view[0]) > read_path._SMALL_PAYLOAD
    start = eng.stats.range_reads
    for i in range(20):
        np.testing.assert_array_equal(eng.read_sample(i), arrays[i])
    assert eng.stats.range_reads - start == read_path._PROMOTE_AFTER
    assert eng.stats.chunks_read == 1
    eng2.read_sample(0)  # a small chunk is read whole at once
    assert eng2.stats.range_reads == 0


def test_payload_cache_budget_and_lru():
    cache = PayloadCache(100)
    cache.put("a", memoryview(b"x" * 60))
    cache.put("b", memoryview(b"y" * 30))
    assert cache.get("a") is not None  # a is now the most recent
    cache.put("c", memoryview(b"z" * 40))  # evicts b
    assert cache.get("b") is None and cache.get("a") is not None
    cache.put("huge", memoryview(b"h" * 101))  # larger than the budget: not kept
    assert cache.get("huge") is None
    assert cache.used <= 100


@pytest.mark.parametrize("meta", [{"chunk_compression": "lz4"}, {}, {"sample_compression": "lz4"}])
def test_concurrent_reads_of_one_engine(meta):
    payload_cache().clear()
    rng = np.random.default_rng(3)
    arrays = [rng.integers(0, 5, (int(rng.integers(1, 64)),), dtype=np.int32) for _ in range(600)]
    eng = _engine(max_chunk_size=512, **meta)
    eng.extend(arrays)
    eng.flush("idx")
    errors: list[BaseException] = []

    def worker(seed: int) -> None:
        r = np.random.default_rng(seed)
        try:
            for _ in range(60):
                i = int(r.integers(0, 600))
                np.testing.assert_array_equal(eng.read_sample(i), arrays[i])
                idx = r.integers(0, 600, 5)
                for j, a in zip(idx.tolist(), eng.read(idx, aslist=True), strict=True):
                    np.testing.assert_array_equal(a, arrays[j])
                if not meta.get("chunk_compression"):
                    assert eng.read_bytes_many([i])[0] == eng.read_bytes(i)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]


def test_payload_reads_the_kept_chunk_once(monkeypatch):
    """``_payload`` must not look at ``_cache`` twice: another thread may clear it in
    between (it used to return None then)."""
    eng = _engine(chunk_compression="lz4", max_chunk_size=256)
    eng.extend([np.arange(40, dtype=np.int32) for _ in range(10)])
    eng.flush("idx")
    eng._payload(0)

    class Flaky:
        """Looks like the kept payload of row 0 once, then like nothing."""

        def __init__(self, kept):
            self.kept = kept
            self.reads = 0

        def __get__(self, obj, cls):
            self.reads += 1
            return self.kept if self.reads == 1 else None

        def __set__(self, obj, value):  # a data descriptor: wins over the instance
            self.kept = value

    kept = eng._cache
    monkeypatch.setattr(type(eng), "_cache", Flaky(kept), raising=False)
    try:
        assert bytes(eng._payload(0)) == bytes(kept[1])
    finally:
        monkeypatch.undo()
