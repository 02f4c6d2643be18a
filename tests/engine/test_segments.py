"""Detached segments: chunks written by one engine, attached to another's index.

Property: any interleaving of ordinary appends, updates, pops and attached segments
(written by separate engines on the same storage) reads back exactly like the same
samples appended in order, before and after a reload; attach never rewrites a chunk.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deeplake_core.core.engine import TensorEngine, TensorMeta
from deeplake_core.core.engine.segments import DetachedSegment
from deeplake_core.exceptions import ChunkEngineError

COMPRESSIONS = [{}, {"sample_compression": "lz4"}, {"chunk_compression": "lz4"}]


def _batch(rng: np.random.Generator, n: int, ragged: bool, big: bool) -> list[np.ndarray]:
    out = []
    for _ in range(n):
        side = int(rng.integers(0, 6)) if ragged else 3
        if big and rng.random() < 0.2:
            side = 40  # larger than the chunk: tiled when tiling is on
        out.append(rng.integers(0, 1000, (side, 2), dtype=np.int32))
    return out


def _check(eng: TensorEngine, expected: list[np.ndarray]) -> None:
    assert eng.num_samples == len(expected) == eng.meta.length
    got = eng.read(slice(None), aslist=True)
    for g, r in zip(got, expected, strict=True):
        assert np.array_equal(g, r) and g.shape == r.shape
    if expected:
        assert [tuple(s) for s in eng.shapes(slice(None)).tolist()] == [x.shape for x in expected]
        last = len(expected) - 1
        assert np.array_equal(eng.read_sample(last), expected[last])


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    ops=st.lists(
        st.tuples(st.sampled_from(["extend", "attach", "update", "pop"]), st.integers(0, 12)),
        min_size=1,
        max_size=12,
    ),
    comp=st.sampled_from(COMPRESSIONS),
    chunk=st.sampled_from([64, 300, 4096]),
    ragged=st.booleans(),
    tiling=st.booleans(),
    tail_limit=st.sampled_from([0.0, 0.5, 1.1]),
    seed=st.integers(0, 2**16),
)
def test_interleaved_attach_reads_back(
    make_store, ops, comp, chunk, ragged, tiling, tail_limit, seed
):
    rng = np.random.default_rng(seed)
    store = make_store()
    meta = dict(dtype="int32", max_chunk_size=chunk, tiling_threshold=None if tiling else -1)
    eng = TensorEngine(store, "t1", TensorMeta(**meta, **comp))
    expected: list[np.ndarray] = []
    for op, n in ops:
        if op == "extend":
            batch = _batch(rng, n, ragged, tiling)
            eng.extend(batch)
            expected.extend(batch)
        elif op == "attach":
            batch = _batch(rng, n, ragged, tiling)
            writer = TensorEngine(store, "t1", TensorMeta(**meta, **comp))
            seg = pickle.loads(pickle.dumps(writer.write_detached(batch, tail_limit)))
            before = dict(store.data)
            eng.attach(seg)
            rewritten = [k for k in before if store.data.get(k) != before[k]]
            assert not rewritten
            expected.extend(batch)
        elif op == "update" and expected:
            i = int(rng.integers(0, len(expected)))
            new = _batch(rng, 1, ragged, False)[0]
            eng.update([i], [new])
            expected[i] = new
        elif op == "pop" and expected:
            i = int(rng.integers(0, len(expected)))
            eng.pop([i])
            del expected[i]
        _check(eng, expected)
    eng.flush("idx/1")
    eng.check_integrity()
    again = TensorEngine(store, "t1", TensorMeta.model_validate(eng.meta.model_dump()), "idx/1")
    _check(again, expected)
    again.extend(_batch(rng, 3, ragged, False))  # the open chunk keeps working after reload


def test_full_chunks_stay_with_the_writer_and_the_tail_travels(counting_store):
    store = counting_store
    meta = TensorMeta(dtype="uint8", max_chunk_size=1000)
    data = [np.full((100,), i, np.uint8) for i in range(25)]
    seg = TensorEngine(store, "t", meta).write_detached(data, tail_limit=0.6)
    assert seg.sealed == 20 and seg.count == 25 and seg.chunks_written == 2
    assert len(seg.tail) == 500 and seg.nbytes == 2500
    coord = TensorEngine(store, "t", TensorMeta(dtype="uint8", max_chunk_size=1000))
    sets = store.sets
    coord.attach(seg)
    assert store.sets == sets  # attaching writes nothing
    coord.attach(TensorEngine(store, "t", meta).write_detached(data, tail_limit=0.6))
    coord.flush("i")
    # chunks: 2 + 2 from the writers, one full chunk of both tails; nothing small left
    raw = coord._c_raw.view.tolist()
    assert raw == [1000, 1000, 1000, 1000, 1000]
    assert np.array_equal(coord.read(slice(None)), np.stack(data + data))


def test_tail_limit_seals_a_big_partial_chunk(store):
    meta = TensorMeta(dtype="uint8", max_chunk_size=1000)
    data = [np.zeros((100,), np.uint8)] * 17
    assert TensorEngine(store, "t", meta).write_detached(data, tail_limit=0.5).sealed == 17
    assert TensorEngine(store, "t", meta).write_detached(data, tail_limit=0.8).sealed == 10


def test_attach_adopts_dtype_and_rank_of_a_fresh_tensor(store):
    seg = TensorEngine(store, "t", TensorMeta()).write_detached([np.ones((2, 3), np.float32)])
    eng = TensorEngine(store, "t", TensorMeta())
    eng.attach(seg)
    assert eng.meta.dtype == "float32" and eng.meta.ndim == 2
    assert eng.meta.min_shape == [2, 3] and eng.read(slice(None)).shape == (1, 2, 3)


def test_attach_refuses_incompatible_segments(store):
    seg = TensorEngine(store, "t", TensorMeta(dtype="int32")).write_detached([np.ones((2,))])
    with pytest.raises(ChunkEngineError, match="tensor 'u'"):
        TensorEngine(store, "u", TensorMeta(dtype="int32")).attach(seg)
    with pytest.raises(ChunkEngineError, match="int64"):
        TensorEngine(store, "t", TensorMeta(dtype="int64")).attach(seg)
    with pytest.raises(ChunkEngineError, match="compressed"):
        TensorEngine(store, "t", TensorMeta(dtype="int32", sample_compression="lz4")).attach(seg)
    eng = TensorEngine(store, "t", TensorMeta(dtype="int32"))
    eng.extend([np.ones((2, 2), np.int32)])
    with pytest.raises(ChunkEngineError, match="dimensions"):
        eng.attach(seg)
    broken = DetachedSegment(**{**seg.__dict__, "tail": seg.tail + b"x"})
    with pytest.raises(ChunkEngineError, match="tail"):
        TensorEngine(store, "t", TensorMeta(dtype="int32")).attach(broken)
    assert eng.num_samples == 1 and eng.meta.ndim == 2


def test_segment_of_empty_samples(store):
    eng = TensorEngine(store, "t", TensorMeta(dtype="uint8"))
    eng.extend([np.ones((2, 2), np.uint8)])
    eng.attach(TensorEngine(store, "t", TensorMeta(dtype="uint8")).write_detached([None, None]))
    assert [tuple(s) for s in eng.shapes(slice(None)).tolist()] == [(2, 2), (0, 0), (0, 0)]
