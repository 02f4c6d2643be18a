"""Hidden companion tensors (sample ids, logical shapes, sample info) and the packed
form of sequence samples."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deeplake_core as deeplake
from deeplake_core.exceptions import InvalidOperationError, SampleHtypeMismatchError


@pytest.fixture
def ds():
    return deeplake.empty(f"mem://comp-{uuid.uuid4().hex}")


# ------------------------------------------------------------------ ids


def test_ids_assigned_kept_by_update_removed_by_pop(ds):
    x = ds.create_tensor("x")
    x.extend(np.arange(10))
    ids = x._sample_ids()
    assert ids.dtype == np.uint64 and len(np.unique(ids)) == 10
    x[3] = 100
    ds[4].update({"x": 7})
    assert (x._sample_ids() == ids).all()
    x.pop(2)
    assert (x._sample_ids() == np.delete(ids, 2)).all()
    ds.pop(0)
    assert (x._sample_ids() == np.delete(ids, [0, 2])).all()
    assert (x[1:3]._sample_ids() == x._sample_ids()[1:3]).all()
    assert (x._sample_ids([0, 5]) == x._sample_ids()[[0, 5]]).all()


def test_id_tensor_is_hidden_and_follows_renames(ds):
    ds.create_tensor("g/x")
    ds["g/x"].extend([1, 2])
    assert list(ds.tensors) == ["g/x"]
    assert ds["g/_x_id"].hidden and len(ds["g/_x_id"]) == 2
    before = ds["g/x"]._sample_ids()
    ds.rename_tensor("g/x", "g/y")
    assert "g/_y_id" in ds and "g/_x_id" not in ds
    assert (ds["g/y"]._sample_ids() == before).all()
    ds.rename_group("g", "h")
    assert (ds["h/y"]._sample_ids() == before).all()
    ds.delete_tensor("h/y")
    assert "h/_y_id" not in ds


def test_ids_for_padding_clear_and_rollback(ds):
    ds.create_tensor("a")
    ds.create_tensor("b")
    ds.append({"a": 1}, append_empty=True)
    assert len(ds.b._sample_ids()) == 1
    ds.b[3] = 5  # writes past the end pad with empty samples, each with an id
    assert len(np.unique(ds.b._sample_ids())) == 4
    ds.b.clear()
    assert len(ds.b._sample_ids()) == 0 and len(ds["_b_id"]) == 0
    with pytest.raises(SampleHtypeMismatchError):
        ds.a.extend(["not", "numbers"])
    assert len(ds["_a_id"]) == len(ds.a) == 1


def test_companion_failure_rolls_back_the_write(ds, monkeypatch):
    from deeplake_core.core import columns

    ds.create_tensor("a")
    ds.a.extend([1, 2])

    def broken(n):
        raise RuntimeError("disk full")

    monkeypatch.setattr(columns, "_run_start", broken)
    with pytest.raises(Exception, match="disk full"):
        ds.a.extend([3, 4, 5])
    monkeypatch.undo()
    assert len(ds.a) == len(ds["_a_id"]) == 2
    assert ds.a.numpy().ravel().tolist() == [1, 2]


def test_extend_with_given_ids_and_no_id_tensor(ds):
    x = ds.create_tensor("x")
    x._extend_with_ids([1, 2], np.array([11, 22], dtype=np.uint64))
    assert x._sample_ids().tolist() == [11, 22]
    y = ds.create_tensor("y", create_id_tensor=False)
    y.append(1)
    with pytest.raises(InvalidOperationError):
        y._sample_ids()


def test_ids_survive_reopen_and_copy(tmp_path):
    path = str(tmp_path / "ds")
    ds = deeplake.empty(path)
    ds.create_tensor("x")
    ds.x.extend([1, 2, 3])
    ids = ds.x._sample_ids()
    ds.close()
    again = deeplake.load(path)
    assert (again.x._sample_ids() == ids).all()
    copied = deeplake.copy(path, str(tmp_path / "copy"))
    assert (copied.x._sample_ids() == ids).all()


def test_million_ids_are_vectorised(ds):
    ds.create_tensor("x", dtype="uint8")
    ds.x.extend(np.zeros((1_000_000, 1), dtype="uint8"))
    ids = ds.x._sample_ids()
    assert len(ids) == 1_000_000 and len(np.unique(ids)) == 1_000_000


# ------------------------------------------------------------------ sequences


def test_sequence_items_of_different_shapes_and_empty(ds):
    ds.create_tensor("seq", htype="sequence")
    a, b = np.zeros((2, 3)), np.ones((4, 3))
    ds.seq.append([a, b])
    ds.seq.append([])
    ds.seq.append([b])
    got = ds.seq.numpy(aslist=True)
    assert [[i.shape for i in s] for s in got] == [[(2, 3), (4, 3)], [], [(4, 3)]]
    assert ds.seq.shape == (3, None, None, 3)
    assert str(ds.seq.shape_interval) == "(3, 0:2, 2:4, 3)"
    assert ds.seq[2].numpy().shape == (1, 4, 3)
    assert ds.seq[0].shape == (2, None, 3)
    assert ds.seq.dtype == np.float64
    with pytest.raises(deeplake.exceptions.DynamicTensorNumpyError):
        ds.seq.numpy()


def test_sequence_first_sample_empty_keeps_rank_open(ds):
    ds.create_tensor("seq", htype="sequence")
    ds.seq.append([])
    assert ds.seq.shape == (1, 0)
    ds.seq.append([[1, 2], [3, 4]])
    assert ds.seq.shape == (2, None, 2)
    assert ds.seq[1].numpy().tolist() == [[1, 2], [3, 4]]


def test_sequence_of_text_and_json(ds):
    ds.create_tensor("st", htype="sequence[text]")
    ds.st.extend([["a", "bcd"], [], ["x"]])
    assert ds.st[0].text() == ["a", "bcd"]
    assert ds.st.text() == [["a", "bcd"], [], ["x"]]
    assert ds.st[2].numpy().tolist() == [["x"]]
    assert ds.st.shape == (3, None, 1)
    ds.create_tensor("sj", htype="sequence[json]")
    ds.sj.append([{"k": 1}, [1, 2]])
    assert ds.sj[0].dict() == [{"k": 1}, [1, 2]]


def test_sequence_update_pop_and_reopen(tmp_path):
    ds = deeplake.empty(str(tmp_path / "ds"))
    ds.create_tensor("seq", htype="sequence", dtype="int32")
    ds.seq.extend([[1, 2, 3], [4, 5, 6]])
    ds.seq[0] = [7]
    ds.seq.append([8, 9])
    ds.seq.pop(1)
    ds.close()
    ds = deeplake.load(str(tmp_path / "ds"))
    assert [[int(i[0]) for i in s] for s in ds.seq.numpy(aslist=True)] == [[7], [8, 9]]
    assert ds.seq[1].numpy().ravel().tolist() == [8, 9]
    assert ds.seq.dtype == np.int32


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.lists(st.integers(0, 4), max_size=4),  # item lengths per sample
        min_size=1,
        max_size=5,
    )
)
def test_sequence_roundtrip_property(lengths):
    ds = deeplake.empty(f"mem://seqprop-{uuid.uuid4().hex}")
    ds.create_tensor("seq", htype="sequence", dtype="float32")
    samples = [[np.full((n, 2), i, dtype="float32") for i, n in enumerate(s)] for s in lengths]
    ds.seq.extend(samples)
    got = ds.seq.numpy(aslist=True)
    for want, have in zip(samples, got, strict=True):
        assert len(want) == len(have)
        for w, h in zip(want, have, strict=True):
            np.testing.assert_array_equal(w, h)
    counts = [len(s) for s in lengths]
    lo, hi = ds.seq.shape_interval.lower, ds.seq.shape_interval.upper
    assert (lo[1], hi[1]) == (min(counts), max(counts))


# ------------------------------------------------------------------ shapes, sample info


def test_logical_shapes_of_byte_forms(ds):
    ds.create_tensor("t", htype="text")
    ds.t.extend(["a", "bb"])
    assert ds.t.shape == (2, 1) and ds.t.shapes().tolist() == [[1], [1]]
    ds.create_tensor("l", htype="list")
    ds.l.extend([["a", "b"], ["c"]])
    assert ds.l.shape == (2, None) and ds.l.shapes().tolist() == [[2], [1]]
    ds.create_tensor("p", htype="polygon")
    ds.p.append([[(1, 2), (2, 3), (3, 4)], [(10, 12), (14, 19)]])
    ds.p.append(np.zeros((5, 7, 2)))
    assert ds.p.shapes().tolist() == [[2, 3, 2], [5, 7, 2]]
    assert ds.p.shape == (2, None, None, 2)
    ds.create_tensor("q", htype="polygon", create_shape_tensor=False)
    ds.q.append(np.zeros((5, 7, 2)))
    assert ds.q.shape == (1, 5, 7, 2)


def test_sample_info_default_and_from_files(ds, tmp_path):
    ds.create_tensor("x")
    ds.x.extend([1, 2])
    assert ds.x[0].sample_info == {} and ds.x.sample_info == [{}, {}]
    pil = pytest.importorskip("PIL.Image")
    arr = np.zeros((4, 5, 3), dtype="uint8")
    pil.fromarray(arr).save(tmp_path / "a.png")
    ds.create_tensor("img", htype="image", sample_compression="png")
    ds.img.append(arr)
    ds.img.append(deeplake.read(str(tmp_path / "a.png")))
    assert ds.img[0].sample_info == {}
    info = ds.img[1].sample_info
    assert info["format"] == "png" and list(info["shape"]) == [4, 5, 3]
    ds.img[1] = arr  # replaced by a raw array: its file info goes
    assert ds.img[1].sample_info == {}


def test_numeric_paths_are_constant_python_work(ds):
    import cProfile
    import pstats

    ds.create_tensor("x", dtype="float32")

    def calls(fn):
        prof = cProfile.Profile()
        prof.runcall(fn)
        return pstats.Stats(prof).total_calls

    small = calls(lambda: ds.x.extend(np.zeros((1_000, 4), dtype="float32")))
    big = calls(lambda: ds.x.extend(np.zeros((200_000, 4), dtype="float32")))
    assert big < small * 3
    read_small = calls(lambda: ds.x[:1000].numpy())
    read_big = calls(lambda: ds.x.numpy())
    assert read_big < read_small * 3
