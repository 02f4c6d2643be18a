"""Sample I/O through datasets and tensors: append/extend/update/pop with rollback,
setitem (padding, shape changes), reading forms, indexing and views."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deeplake_core as deeplake
from deeplake_core.exceptions import (
    DynamicTensorNumpyError,
    SampleAppendingError,
    SampleExtendError,
    SampleHtypeMismatchError,
    TensorDoesNotExistError,
)


def _ds():
    return deeplake.empty(f"mem://io-{uuid.uuid4().hex}")


@pytest.fixture
def ds():
    return _ds()


def test_dataset_append_extend(ds):
    ds.create_tensor("data")
    ds.create_tensor("labels")
    ds.append({"data": [1, 2, 3, 4], "labels": [0, 1, 2, 3]})
    ds.extend({"data": np.zeros((2, 4)), "labels": np.ones((2, 4))})
    assert len(ds) == 3
    assert ds.data.numpy().shape == (3, 4)
    with pytest.raises(KeyError):
        ds.append({"data": [1, 2, 3, 4]})
    ds.append({"data": [1, 2, 3, 4]}, skip_ok=True)
    assert (len(ds.data), len(ds.labels)) == (4, 3)
    with pytest.raises(ValueError):  # lengths differ
        ds.append({"data": [1, 2, 3, 4], "labels": [1, 1, 1, 1]})
    ds.labels.append([9, 9, 9, 9])
    ds.create_tensor("extra")
    ds.append({"data": [0, 0, 0, 0], "labels": [0, 0, 0, 0]}, append_empty=True)
    assert len(ds.extra) == 1
    with pytest.raises(TensorDoesNotExistError):
        ds.append({"nope": 1}, skip_ok=True)
    with pytest.raises(SampleAppendingError):
        ds.append(np.zeros(3))
    with pytest.raises(SampleExtendError):
        ds.extend([1, 2])


def test_append_rollback_keeps_first_tensor(ds):
    ds.create_tensor("a")
    ds.create_tensor("b", htype="text")
    ds.append({"a": 1, "b": "x"})
    before = ds.a.numpy().copy()
    with pytest.raises(SampleHtypeMismatchError):
        ds.append({"a": 2, "b": np.zeros((3, 3))})
    assert len(ds.a) == 1 and len(ds.b) == 1
    np.testing.assert_array_equal(ds.a.numpy(), before)
    again = deeplake.load(ds.path)
    assert len(again.a) == 1 and len(again.b) == 1


def test_extend_rollback_on_engine_failure(ds, monkeypatch):
    ds.create_tensor("a")
    ds.create_tensor("b")
    ds.extend({"a": [1, 2], "b": [3, 4]})
    eng_b = ds.b._engine

    def boom(samples, **kw):
        raise OSError("disk full")

    monkeypatch.setattr(eng_b, "extend", boom)
    with pytest.raises(SampleExtendError):
        ds.extend({"a": [5, 6], "b": [7, 8]})
    assert len(ds.a) == 2 and len(ds.b) == 2
    assert ds.a.numpy().ravel().tolist() == [1, 2]


def test_a_failing_companion_rolls_back_a_batch_still_being_written(tmp_path, monkeypatch):
    """``extend`` writes a batch's chunks while the companions (ids) are appended; a
    companion failure rolls the batch back and leaves the caller's array alone."""
    from deeplake_core.core import columns

    ds = deeplake.empty(str(tmp_path / "d"))
    ds.create_tensor("emb", dtype="float32", max_chunk_size=64 * 1024)
    ds.emb.extend(np.ones((10, 16), np.float32))
    batch = np.random.default_rng(0).standard_normal((4000, 16)).astype(np.float32)

    def boom(*args, **kwargs):
        raise OSError("ids disk full")

    monkeypatch.setattr(columns, "_append_companions", boom)
    with pytest.raises(Exception) as info:
        ds.emb.extend(batch)
    assert "ids disk full" in repr(info.value) + repr(info.value.__cause__)
    monkeypatch.undo()
    batch[:] = -1
    assert len(ds.emb) == 10
    ds.emb.extend(np.full((5, 16), 2, np.float32))
    ds.flush()
    again = deeplake.load(str(tmp_path / "d"), read_only=True)
    want = np.concatenate([np.ones((10, 16)), np.full((5, 16), 2)]).astype(np.float32)
    assert np.array_equal(again.emb.numpy(), want)
    ids = columns.companion(again.emb._col, "id")
    assert ids is not None and ids.length() == 15
    again.check_integrity()


def test_dataset_extend_rolls_every_tensor_back_when_a_chunk_write_fails(tmp_path, monkeypatch):
    """``ds.extend`` of several tensors with chunks written straight from the caller's
    arrays: the arrays are free when it returns, and a chunk of one tensor that cannot
    be written rolls every tensor back; the dataset stays consistent on disk."""
    from deeplake_core.storage.local import LocalProvider

    path = str(tmp_path / "d")
    ds = deeplake.empty(path)
    # chunks of 1 MiB and more are written through every cache layer, while extend runs
    ds.create_tensor("emb", dtype="float32", max_chunk_size=2 << 20)
    ds.create_tensor("lab", dtype="int32", max_chunk_size=2 << 20)
    rng = np.random.default_rng(1)
    emb = rng.standard_normal((30000, 64)).astype(np.float32)  # 7.7 MB: borrowed chunks
    lab = np.arange(30000, dtype=np.int32)
    ds.extend({"emb": emb, "lab": lab})
    want_emb, want_lab = emb.copy(), lab.copy()
    emb[:] = 0  # the caller's arrays are no longer read once extend returned
    lab[:] = 0
    emb_chunks = f"tensors/{ds.emb._col.tensor_id}/chunks/"
    real = LocalProvider.set_framed  # how the engine stores chunks

    def failing(self, key, value):
        if key.startswith(emb_chunks):
            raise OSError("emb disk full")
        return real(self, key, value)

    monkeypatch.setattr(LocalProvider, "set_framed", failing)
    with pytest.raises(Exception) as info:
        # lab is written first, then emb fails: lab must be rolled back too
        ds.extend({"lab": np.ones(20000, np.int32), "emb": np.ones((20000, 64), np.float32)})
    assert "emb disk full" in repr(info.value) + repr(info.value.__cause__)
    monkeypatch.undo()
    assert len(ds.emb) == 30000 and len(ds.lab) == 30000
    ds.extend({"emb": np.full((10, 64), 2, np.float32), "lab": np.full(10, 7, np.int32)})
    ds.flush()
    again = deeplake.load(path, read_only=True)
    want_emb = np.concatenate([want_emb, np.full((10, 64), 2, np.float32)])
    assert np.array_equal(again.emb.numpy(), want_emb)
    assert again.lab.numpy().ravel().tolist() == [*want_lab.tolist(), *([7] * 10)]
    again.check_integrity()


def test_extend_ignore_errors(ds):
    ds.create_tensor("a")
    ds.create_tensor("t", htype="text")
    ds.extend({"a": [1, 2, 3], "t": ["x", 5, "z"]}, ignore_errors=True)
    assert ds.a.numpy().ravel().tolist() == [1, 3]
    assert ds.t.text() == ["x", "z"]


def test_update_and_rollback(ds):
    ds.create_tensor("a")
    ds.create_tensor("t", htype="text")
    ds.extend({"a": [1, 2, 3], "t": ["x", "y", "z"]})
    ds[0].update({"a": 10, "t": "X"})
    ds[1:3].update({"a": [20, 30], "t": ["Y", "Z"]})
    assert ds.a.numpy().ravel().tolist() == [10, 20, 30]
    assert ds.t.text() == ["X", "Y", "Z"]
    with pytest.raises(SampleHtypeMismatchError):
        ds[0].update({"a": 99, "t": np.zeros((2, 2))})
    assert ds.a.numpy().ravel().tolist() == [10, 20, 30]


def test_dataset_pop(ds):
    ds.create_tensor("a")
    ds.create_tensor("b")
    ds.a.extend([1, 2, 3])
    ds.b.extend([1, 2])
    ds.pop(2)  # only a has row 2
    assert ds.a.numpy().ravel().tolist() == [1, 2]
    ds.pop()
    assert len(ds.a) == 1 and len(ds.b) == 1
    with pytest.raises(IndexError):
        ds.pop(5)
    with pytest.raises(ValueError):
        ds.pop([0, 0])


def test_tensor_setitem_shape_change_and_pad(ds):
    t = ds.create_tensor("t")
    t.append(np.zeros((10, 10)))
    assert t.shape == (1, 10, 10)
    t[0] = np.zeros((3, 3))
    assert t.shape == (1, 3, 3)
    t[3] = np.ones((3, 3))
    assert len(t) == 4
    assert t[3].numpy().sum() == 9
    t[1:3] = [np.ones((3, 3)), np.ones((3, 3)) * 2]
    assert t[2].numpy()[0, 0] == 2
    t[0, 1:2] = 7  # partial update of one sample
    assert t[0].numpy()[1].tolist() == [7, 7, 7]


def test_tensor_pop_clear(ds):
    t = ds.create_tensor("t")
    t.extend(np.arange(5))
    t.pop()
    t.pop(0)
    t.pop([0, 1])
    assert t.numpy().ravel().tolist() == [3]
    t.clear()
    assert len(t) == 0
    assert len(deeplake.load(ds.path).t) == 0


def test_indexing_forms(ds):
    t = ds.create_tensor("t")
    data = np.arange(200).reshape(10, 4, 5)
    t.extend(data)
    np.testing.assert_array_equal(t[-1].numpy(), data[-1])
    np.testing.assert_array_equal(t[1:9:3].numpy(), data[1:9:3])
    np.testing.assert_array_equal(t[[5, 1, 5]].numpy(), data[[5, 1, 5]])
    np.testing.assert_array_equal(t[0, 1:3].numpy(), data[0, 1:3])
    np.testing.assert_array_equal(t[2:6, 1, 2:4].numpy(), data[2:6, 1, 2:4])
    np.testing.assert_array_equal(t[2:8][1:4][0].numpy(), data[3])
    np.testing.assert_array_equal(t[::-1].numpy(), data[::-1])
    assert len(t[5:10]) == 5
    assert t[2:6, 1].shape == (4, 5)
    with pytest.raises(IndexError):
        t[10].numpy()


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 12),
    a=st.slices(12),
    b=st.slices(12),
    i=st.integers(-3, 3),
)
def test_view_composition_matches_numpy(n, a, b, i):
    ds = _ds()
    data = np.arange(n * 2).reshape(n, 2)
    ds.create_tensor("t")
    ds.t.extend(data)
    view = ds.t[a][b]
    np.testing.assert_array_equal(view.numpy().reshape(-1, 2), data[a][b].reshape(-1, 2))
    expect = data[a][b]
    if len(expect) and -len(expect) <= i < len(expect):
        np.testing.assert_array_equal(ds[a][b][i].t.numpy(), expect[i])


def test_dynamic_shapes(ds):
    t = ds.create_tensor("t")
    t.append(np.zeros((10, 10)))
    t.append(np.zeros((10, 15)))
    assert t.shape == (2, 10, None)
    assert str(t.shape_interval) == "(2, 10, 10:15)"
    assert t.is_dynamic and t.ndim == 3
    with pytest.raises(DynamicTensorNumpyError):
        t.numpy()
    assert [a.shape for a in t.numpy(aslist=True)] == [(10, 10), (10, 15)]
    assert t.shapes().tolist() == [[10, 10], [10, 15]]


def test_text_json_list_forms(ds):
    ds.create_tensor("t", htype="text")
    ds.create_tensor("j", htype="json")
    ds.create_tensor("l", htype="list")
    ds.extend({"t": ["hello", "world"], "j": [{"a": 1}, {"b": [1, 2]}], "l": [[1, "a"], []]})
    assert ds.t[0].text() == "hello"
    assert ds.t.text() == ["hello", "world"]
    assert ds.t.data() == {"value": ["hello", "world"]}
    assert ds.t.numpy().tolist() == [["hello"], ["world"]]
    assert ds.j[1].dict() == {"b": [1, 2]}
    assert ds.j.data()["value"] == [{"a": 1}, {"b": [1, 2]}]
    assert ds.l[0].list() == [1, "a"]
    assert ds.l.list() == [[1, "a"], []]


def test_tobytes(ds):
    t = ds.create_tensor("t", dtype="uint8")
    t.append(np.arange(6, dtype="uint8"))
    assert t[0].tobytes() == bytes(range(6))
    with pytest.raises(ValueError):
        t.tobytes()


def test_iteration(ds):
    ds.create_tensor("images")
    ds.create_tensor("labels")
    ds.extend({"images": np.arange(6).reshape(3, 2), "labels": [0, 1, 2]})
    seen = [int(s["labels"].numpy()[0]) for s in ds]
    assert seen == [0, 1, 2]
    assert [x.numpy().tolist() for x in ds.images] == [[0, 1], [2, 3], [4, 5]]


def test_extend_numpy_batch_single_engine_call(ds, monkeypatch):
    ds.create_tensor("emb", htype="embedding", dtype="float32")
    eng = ds.emb._engine
    calls = []
    orig = eng.extend

    def spy(samples, **kw):
        calls.append(type(samples))
        return orig(samples, **kw)

    monkeypatch.setattr(eng, "extend", spy)
    ds.emb.extend(np.random.rand(1000, 16).astype("float32"))
    assert calls == [np.ndarray]
    assert ds.emb.numpy().shape == (1000, 16)


def test_max_min_views(ds):
    ds.create_tensor("images")
    ds.create_tensor("labels", htype="class_label")
    ds.images.extend(np.zeros((5, 2)))
    ds.labels.extend([0, 1, 2, 1])
    assert len(ds) == 4 and ds.max_len == 5 and ds.min_len == 4
    assert len(ds.min_view) == 4
    rows = [s["labels"].numpy() for s in ds.max_view]
    assert len(rows) == 5 and rows[4].tolist() == [None]
    assert ds.num_samples == 4


def test_random_split(ds):
    from deeplake_core.core.seed import DeeplakeRandom

    ds.create_tensor("labels", htype="class_label")
    ds.labels.extend([0, 1, 2, 1, 3])
    train, val = ds.random_split([0.8, 0.2])
    assert (len(train), len(val)) == (4, 1)
    train, val = ds.random_split([3, 2])
    assert (len(train), len(val)) == (3, 2)
    got = sorted(int(x) for x in np.concatenate([train.labels.numpy(), val.labels.numpy()]).ravel())
    assert got == [0, 1, 1, 2, 3]
    with pytest.raises(ValueError):
        ds.random_split([3, 3])
    with pytest.raises(ValueError):
        ds.random_split([1.5, -0.5])
    DeeplakeRandom().seed(5)
    a = ds.random_split([0.6, 0.4])[0].sample_indices
    DeeplakeRandom().seed(5)
    b = ds.random_split([0.6, 0.4])[0].sample_indices
    assert list(a) == list(b)
    DeeplakeRandom().seed(None)
    ds.create_tensor("short")
    ds.short.append(1)
    with pytest.raises(ValueError):
        ds.random_split([0.5, 0.5])


def test_view_properties(ds):
    ds.create_tensor("x")
    ds.x.extend(np.arange(10))
    v = ds[2:8:2]
    assert v.is_view and not ds.is_view
    assert list(v.sample_indices) == [2, 4, 6]
    assert v.no_view_dataset.is_view is False and len(v.no_view_dataset) == 10
    assert v.x.numpy().ravel().tolist() == [2, 4, 6]
    sub = ds[["x"]]
    assert list(sub.tensors) == ["x"]


def test_summary_and_size(ds, capsys):
    ds.create_tensor("x")
    ds.x.extend(np.zeros((20, 4), dtype="float32"))
    ds.summary()
    out = capsys.readouterr().out
    assert "x" in out and "float32" in out
    assert ds.size_approx() == 20 * 4 * 4
    big = deeplake.empty(f"mem://io-{uuid.uuid4().hex}")
    big.create_tensor("x")
    big.x.extend(np.zeros(10_001))
    with pytest.raises(ValueError):
        big[:].summary()
    big[:].summary(force=True)


def test_with_block_flushes_once(ds):
    ds.create_tensor("x")
    calls = []
    orig = ds._state.flush

    def spy():
        calls.append(1)
        orig()

    ds._state.flush = spy
    with ds:
        for i in range(20):
            ds.x.append(i)
    assert len(calls) == 1
    assert len(deeplake.load(ds.path).x) == 20


def test_rechunk_keeps_data(ds):
    ds.create_tensor("x")
    ds.x.extend(np.arange(100).reshape(50, 2))
    for i in range(0, 50, 3):
        ds.x[i] = [i, -i]
    before = ds.x.numpy().copy()
    ds.rechunk()
    np.testing.assert_array_equal(deeplake.load(ds.path).x.numpy(), before)
