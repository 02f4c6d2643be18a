"""Oversized samples are tiled; partial reads fetch only the tiles they touch."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deeplake_core.core.engine import TensorEngine, TensorMeta
from deeplake_core.core.engine.tiling import choose_tile_shape, normalize_subindex


def _slice_strategy(dim: int):
    ends = st.one_of(st.none(), st.integers(-dim - 2, dim + 2))
    steps = st.one_of(st.none(), st.integers(-3, 3).filter(lambda x: x != 0))
    return st.one_of(st.integers(-dim, dim - 1), st.builds(slice, ends, ends, steps))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    shape=st.lists(st.integers(1, 12), min_size=1, max_size=3).map(tuple),
    comp=st.sampled_from([{}, {"sample_compression": "lz4"}, {"chunk_compression": "lz4"}]),
    data=st.data(),
)
def test_tiled_round_trip_and_partial_reads(make_store, shape, comp, data) -> None:
    store = make_store()
    meta = TensorMeta(max_chunk_size=40, **comp)
    eng = TensorEngine(store, "t", meta)
    rng = np.random.default_rng(len(shape))
    arr = rng.integers(0, 1000, shape).astype(np.int32)
    small = np.zeros((1,) * len(shape), np.int32)
    eng.extend([small, arr, small])
    eng.flush("i")
    eng = TensorEngine(store, "t", TensorMeta.model_validate_json(meta.model_dump_json()), "i")
    assert np.array_equal(eng.read_sample(1), arr)
    sub = tuple(
        data.draw(_slice_strategy(d)) for d in shape[: data.draw(st.integers(0, len(shape)))]
    )
    assert np.array_equal(eng.read_sample(1, sub), arr[sub])
    assert np.array_equal(eng.read(slice(None), aslist=True)[1], arr)
    eng.check_integrity()


def test_partial_read_fetches_only_needed_tiles(make_counting_store) -> None:
    store = make_counting_store()
    meta = TensorMeta(max_chunk_size=4096)
    eng = TensorEngine(store, "t", meta)
    img = np.arange(256 * 256, dtype=np.uint8).reshape(256, 256)
    eng.extend([img])
    eng.flush("i")
    ntiles = len(eng._tile_ids)
    assert ntiles >= 16
    before = store.gets
    corner = eng.read_sample(0, (slice(0, 10), slice(0, 10)))
    assert np.array_equal(corner, img[:10, :10])
    assert store.gets - before == 1
    before = store.gets
    assert np.array_equal(eng.read_sample(0), img)
    assert store.gets - before == ntiles


def test_tiling_disabled_keeps_one_chunk(store) -> None:
    eng = TensorEngine(store, "t", TensorMeta(max_chunk_size=100, tiling_threshold=-1))
    big = np.ones((50, 50), np.uint8)
    eng.extend([big])
    eng.flush("i")
    assert len(eng._tile_ids) == 0 and len(eng.chunk_keys()) == 1
    assert np.array_equal(eng.read_sample(0, (slice(3, 5),)), big[3:5])


def test_tile_shape_fits_threshold() -> None:
    ts = choose_tile_shape((1000, 700, 3), 1, 100_000)
    assert np.prod(ts) <= 100_000 and ts[2] == 3


def test_subindex_errors() -> None:
    with pytest.raises(IndexError):
        normalize_subindex((3, 4), (5,))
    with pytest.raises(IndexError):
        normalize_subindex((3,), (0, 0))
    with pytest.raises(TypeError):
        normalize_subindex((3,), ([0, 1],))
