"""Property tests: any sequence of writes reads back exactly, before and after reload."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deeplake_core.core.engine import EncodedSample, TensorEngine, TensorMeta
from deeplake_core.exceptions import ChunkEngineError, DynamicTensorNumpyError

DTYPES = ["uint8", "int16", "int32", "float32", "float64", "bool"]
COMPRESSIONS = [{}, {"sample_compression": "lz4"}, {"chunk_compression": "lz4"}]
CHUNK_SIZES = [1, 7, 64, 1000, 1 << 20]


def _array(rng: np.random.Generator, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    if dtype == "bool":
        return rng.integers(0, 2, shape).astype(bool)
    if dtype.startswith("float"):
        return rng.standard_normal(shape).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)


class Model:
    """Reference: a Python list of arrays (None -> empty array of zero shape)."""

    def __init__(self, ndim: int, dtype: str):
        self.items: list[np.ndarray] = []
        self.ndim, self.dtype = ndim, dtype

    def norm(self, x):
        return np.zeros((0,) * self.ndim, self.dtype) if x is None else x


def check(eng: TensorEngine, model: Model, rng: np.random.Generator) -> None:
    items = model.items
    assert eng.num_samples == len(items) == eng.meta.length
    got = eng.read(slice(None), aslist=True)
    assert len(got) == len(items)
    for g, r in zip(got, items, strict=True):
        assert g.shape == r.shape and g.dtype == np.dtype(model.dtype)
        assert np.array_equal(g, r)
    if not items:
        return
    idx = rng.integers(0, len(items), min(20, 3 * len(items)))
    shapes = eng.shapes(idx)
    assert [tuple(s) for s in shapes.tolist()] == [items[i].shape for i in idx]
    assert eng.sample_nbytes(idx).tolist() == [items[i].nbytes for i in idx]
    uniform = len({items[i].shape for i in idx}) == 1
    if uniform:
        assert np.array_equal(eng.read(idx), np.stack([items[i] for i in idx]))
    else:
        with pytest.raises(DynamicTensorNumpyError):
            eng.read(idx)
    if len({a.shape for a in items}) == 1:
        a, b = sorted(rng.integers(0, len(items) + 1, 2).tolist())
        want = np.stack(items[a:b]) if b > a else None
        out = eng.read(slice(a, b))
        if want is not None:
            assert np.array_equal(out, want)
        assert np.array_equal(eng.read(slice(None)), np.stack(items))
    i = int(rng.integers(0, len(items)))
    assert np.array_equal(eng.read_sample(i), items[i])
    if not eng.meta.chunk_compression and not eng.meta.sample_compression:
        assert eng.read_bytes(i) == items[i].tobytes()


@st.composite
def scenarios(draw):
    dtype = draw(st.sampled_from(DTYPES))
    ndim = draw(st.integers(0, 3))
    fixed = ndim == 0 or draw(st.booleans())
    ops = draw(
        st.lists(
            st.sampled_from(["batch", "list", "update", "pop", "flush", "pad", "encoded"]),
            min_size=1,
            max_size=10,
        )
    )
    return {
        "dtype": dtype,
        "ndim": ndim,
        "fixed": fixed,
        "ops": ops,
        "comp": draw(st.sampled_from(COMPRESSIONS)),
        "chunk": draw(st.sampled_from(CHUNK_SIZES)),
        "tiling": draw(st.sampled_from([None, -1])),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(sc=scenarios())
def test_random_operations_round_trip(make_store, sc) -> None:
    rng = np.random.default_rng(sc["seed"])
    dtype, ndim = sc["dtype"], sc["ndim"]
    fixed_shape = tuple(int(d) for d in rng.integers(1, 4, ndim))
    store = make_store()
    meta = TensorMeta(max_chunk_size=sc["chunk"], tiling_threshold=sc["tiling"], **sc["comp"])
    eng = TensorEngine(store, "t", meta)
    model = Model(ndim, dtype)
    flushes = 0

    def shape() -> tuple[int, ...]:
        return fixed_shape if sc["fixed"] else tuple(int(d) for d in rng.integers(0, 4, ndim))

    def one():
        if ndim and not sc["fixed"] and eng.meta.ndim is not None and rng.random() < 0.15:
            return None
        return _array(rng, shape(), dtype)

    for op in sc["ops"]:
        n = len(model.items)
        if op == "batch":
            batch = _array(rng, (int(rng.integers(0, 30)), *shape()), dtype)
            eng.extend(batch)
            model.items.extend(list(batch))
        elif op == "list":
            items = [one() for _ in range(int(rng.integers(0, 8)))]
            eng.extend(items)
            model.items.extend(model.norm(x) for x in items)
        elif op == "encoded":
            arr = _array(rng, shape(), dtype)
            comp = eng.meta.sample_compression
            buf = arr.tobytes()
            if comp:
                buf = eng.codec.compress(buf)
            eng.extend([EncodedSample(buf, arr.shape, dtype, comp)])
            model.items.append(arr)
        elif op == "update" and n:
            idx = rng.integers(0, n, int(rng.integers(1, 5)))
            new = [one() for _ in idx]
            eng.update(idx, new)
            for i, x in zip(idx.tolist(), new, strict=True):
                model.items[i] = model.norm(x)
        elif op == "pop" and n:
            idx = rng.integers(0, n, int(rng.integers(1, 4)))
            eng.pop(idx)
            for i in sorted(set(idx.tolist()), reverse=True):
                del model.items[i]
        elif op == "pad" and ndim and eng.meta.ndim is not None:
            k = int(rng.integers(0, 4))
            eng.pad_to(n + k)
            model.items.extend(model.norm(None) for _ in range(k))
        elif op == "flush":
            flushes += 1
            key = f"versions/v/index/t-{flushes}.idx"
            eng.flush(key)
            meta = TensorMeta.model_validate_json(eng.meta.model_dump_json())
            eng = TensorEngine(store, "t", meta, key)
        check(eng, model, rng)
    key = "versions/v/index/t-final.idx"
    eng.flush(key)
    eng.check_integrity()
    reloaded = TensorEngine(
        store, "t", TensorMeta.model_validate_json(eng.meta.model_dump_json()), key
    )
    check(reloaded, model, rng)
    referenced = reloaded.chunk_keys()
    assert referenced <= set(store.data)
    assert all(k.startswith("tensors/t/chunks/") for k in referenced)
    if model.items:
        shapes = np.array([a.shape for a in model.items]).reshape(len(model.items), ndim)
        assert reloaded.meta.min_shape is not None
        assert (np.array(reloaded.meta.min_shape) <= shapes.min(axis=0)).all()
        assert (np.array(reloaded.meta.max_shape) >= shapes.max(axis=0)).all()


def test_failed_extend_changes_nothing(store) -> None:
    eng = TensorEngine(store, "t", TensorMeta(max_chunk_size=64))
    eng.extend(np.arange(40, dtype=np.int32).reshape(20, 2))
    before = eng.read(slice(None))
    with pytest.raises(ChunkEngineError):
        eng.extend([np.ones(2, np.int32)] * 30 + [np.array([object()], dtype=object)])
    assert eng.num_samples == 20
    eng.extend(np.full((3, 2), 7, np.int32))
    eng.flush("idx")
    again = TensorEngine(store, "t", eng.meta, "idx")
    assert np.array_equal(again.read(slice(0, 20)), before)
    assert np.array_equal(again.read(slice(20, None)), np.full((3, 2), 7, np.int32))


def test_scalars_refuse_empty_samples(store) -> None:
    eng = TensorEngine(store, "t", TensorMeta())
    eng.extend(np.arange(3, dtype=np.int64))
    with pytest.raises(ChunkEngineError):
        eng.extend([None])
    assert eng.num_samples == 3


def test_update_with_repeated_indices_last_wins(store) -> None:
    eng = TensorEngine(store, "t", TensorMeta())
    eng.extend(np.zeros((5, 2), np.float32))
    eng.update(np.array([1, 3, 1]), np.array([[1, 1], [3, 3], [9, 9]], np.float32))
    assert eng.read(slice(None))[:, 0].tolist() == [0, 9, 0, 3, 0]


def test_read_bytes_of_chunk_compressed_is_refused(store) -> None:
    eng = TensorEngine(store, "t", TensorMeta(chunk_compression="lz4"))
    eng.extend(np.zeros((2, 2), np.uint8))
    with pytest.raises(ChunkEngineError):
        eng.read_bytes(0)


def test_sample_compressed_read_bytes_is_the_stored_file(store) -> None:
    eng = TensorEngine(store, "t", TensorMeta(sample_compression="lz4"))
    arr = np.arange(100, dtype=np.uint8)
    eng.extend([arr])
    assert eng.codec.decompress(eng.read_bytes(0)) == arr.tobytes()
    blob = eng.codec.compress(arr.tobytes())
    eng.extend([EncodedSample(blob, arr.shape, "uint8", "lz4")])
    assert eng.read_bytes(1) == blob  # stored as given, not recompressed


def test_empty_tensor_reads(store) -> None:
    eng = TensorEngine(store, "t", TensorMeta(dtype="float32"))
    assert eng.read(slice(None)).shape[0] == 0
    assert eng.read(slice(None), aslist=True) == []
    eng.flush("i")
    assert TensorEngine(store, "t", eng.meta, "i").num_samples == 0


def test_rechunk_compacts_and_keeps_data(store) -> None:
    eng = TensorEngine(store, "t", TensorMeta(max_chunk_size=256))
    data = np.arange(400, dtype=np.int32).reshape(100, 4)
    for i in range(0, 100, 7):
        eng.extend(data[i : i + 7])
        eng.flush(f"i{i}")
    eng.update(np.arange(0, 100, 3), data[::3] * 2)
    eng.pop(np.arange(0, 100, 10))
    want = eng.read(slice(None))
    chunks_before = len(eng.chunk_keys())
    eng.rechunk()
    eng.flush("final")
    assert len(eng.chunk_keys()) < chunks_before
    assert np.array_equal(TensorEngine(store, "t", eng.meta, "final").read(slice(None)), want)


def test_empty_samples_before_rank_is_known(store) -> None:
    eng = TensorEngine(store, "t", TensorMeta())
    eng.extend([None, None])
    assert [a.shape for a in eng.read(slice(None), aslist=True)] == [(0,), (0,)]
    eng.extend([np.ones((2, 3), np.int16)])
    assert [a.shape for a in eng.read(slice(None), aslist=True)] == [(0, 0), (0, 0), (2, 3)]
    assert eng.meta.min_shape == [0, 0] and eng.meta.max_shape == [2, 3]
