"""diff, Tensor.modified_samples and three-way merge."""

from __future__ import annotations

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core.exceptions import (
    MergeConflictError,
    MergeError,
    MergeMismatchError,
    MergeNotSupportedError,
    TensorModifiedError,
)


def _vals(t) -> list:
    return t.numpy().reshape(-1).tolist()


@pytest.fixture
def ds(mem_path):
    d = deeplake.empty(mem_path)
    d.create_tensor("x", dtype="int64")
    d.x.extend(np.arange(10))
    d._base_commit = d.commit("base")
    yield d
    d.close()


def test_modified_samples(ds):
    ds.x[3] = 100
    ds.x.append(10)
    view, idx = ds.x.modified_samples(return_indexes=True)
    assert idx == [3, 10] and _vals(view) == [100, 10]
    c2 = ds.commit()
    ds.x.pop(0)
    assert ds.x.modified_samples(ds._base_commit, return_indexes=True)[1] == [2, 9]
    assert ds.x.modified_samples(return_indexes=True)[1] == []  # pop only
    ds.checkout(c2)
    assert ds.x.modified_samples(return_indexes=True)[1] == [3, 10]  # what c2 changed


def test_modified_samples_not_ancestor(ds):
    ds.checkout("alt", create=True)
    ds.x.append(1)
    other = ds.commit()
    ds.checkout("main")
    with pytest.raises(TensorModifiedError):
        ds.x.modified_samples(other)


def test_diff_as_dict(ds):
    ds.x[1] = 5
    ds.create_tensor("y")
    ds.info["a"] = 1
    d = ds.diff(as_dict=True)
    assert set(d) == {"dataset", "tensors"} and len(d["tensors"]) == 1
    t = d["tensors"][0]
    assert t["x"]["data_updated"] == {1} and not t["x"]["created"]
    assert t["y"]["created"]
    assert d["dataset"][0]["info_updated"]
    with pytest.raises(ValueError):
        ds.diff(id_2=ds._base_commit)


def test_diff_two_sides(ds, capsys):
    ds.checkout("alt", create=True)
    ds.x.append(1)
    a = ds.commit("a")
    ds.rename_tensor("x", "z")
    ds.commit("rename")
    ds.checkout("main")
    ds.x[0] = 9
    m = ds.commit("m")
    d = ds.diff("alt", m, as_dict=True)
    left, right = d["tensors"]
    assert [c["commit_id"] for c in left][-1] == a
    assert left[-1]["x"]["data_added"] == [10, 11]
    assert d["dataset"][0][0]["renamed"] == {"x": "z"}
    assert right[0]["x"]["data_updated"] == {0}
    assert ds.diff("alt") is None
    assert "common ancestor" in capsys.readouterr().out


def test_merge_clean(ds):
    ds.checkout("alt", create=True)
    ds.x[2] = 22
    ds.x.append(10)
    ds.commit()
    ds.checkout("main")
    ds.x[7] = 77
    ds.x.pop(0)
    ds.commit()
    ds.merge("alt")
    assert _vals(ds.x) == [1, 22, 3, 4, 5, 6, 77, 8, 9, 10]
    assert ds.commits[0]["message"].startswith("Merge alt")
    ds.merge("alt")  # merging again changes nothing
    assert _vals(ds.x) == [1, 22, 3, 4, 5, 6, 77, 8, 9, 10]
    # later changes on alt merge with the right (recorded) common ancestor
    ds.checkout("alt")
    ds.x[4] = 44
    ds.commit()
    ds.checkout("main")
    ds.merge("alt")
    assert _vals(ds.x) == [1, 22, 3, 44, 5, 6, 77, 8, 9, 10]


def test_merge_conflicts_listed_per_tensor(ds):
    ds.checkout("alt", create=True)
    ds.x[1] = 11
    ds.x[2] = 12
    ds.commit()
    ds.checkout("main")
    ds.x[1] = 21
    ds.x.pop(2)
    ds.commit()
    with pytest.raises(MergeConflictError) as info:
        ds.merge("alt")
    assert info.value.conflict_tensors == ["x"]
    assert info.value.conflicts["x"]["ours"] == [1]
    assert info.value.conflicts["x"]["theirs"] == [2]
    assert _vals(ds.x) == [0, 21, 3, 4, 5, 6, 7, 8, 9]  # untouched
    ds.merge("alt", conflict_resolution="ours")
    assert _vals(ds.x) == [0, 21, 3, 4, 5, 6, 7, 8, 9]


def test_merge_theirs(ds):
    ds.checkout("alt", create=True)
    ds.x[1] = 11
    ds.x[2] = 12
    ds.commit()
    ds.checkout("main")
    ds.x[1] = 21
    ds.x.pop(2)
    ds.commit()
    ds.merge("alt", conflict_resolution="theirs")
    assert _vals(ds.x) == [0, 11, 3, 4, 5, 6, 7, 8, 9, 12]


def test_merge_bad_strategy(ds):
    with pytest.raises(ValueError):
        ds.merge("main", conflict_resolution="mine")


def test_merge_tensors_created_deleted_renamed(ds):
    ds.create_tensor("gone", dtype="int64")
    ds.create_tensor("r", dtype="int64")
    ds.commit()
    ds.checkout("alt", create=True)
    ds.create_tensor("new", htype="text")
    ds.new.extend(["a", "b"])
    ds.delete_tensor("gone")
    ds.rename_tensor("r", "r2")
    ds.commit()
    ds.checkout("main")
    ds.merge("alt")
    assert "new" in ds and ds.new.numpy(aslist=True)[1].tolist() == ["b"]
    assert "gone" in ds and "r2" in ds and "r" not in ds
    ds.merge("alt", delete_removed_tensors=True)  # nothing new: already merged
    assert "gone" in ds


def test_merge_delete_removed_tensors(ds):
    ds.create_tensor("gone", dtype="int64")
    ds.commit()
    ds.checkout("alt", create=True)
    ds.delete_tensor("gone")
    ds.commit()
    ds.checkout("main")
    ds.merge("alt", delete_removed_tensors=True)
    assert "gone" not in ds


def test_merge_rename_clash_needs_force(ds):
    ds.checkout("alt", create=True)
    ds.rename_tensor("x", "a")
    ds.commit()
    ds.checkout("main")
    ds.rename_tensor("x", "b")
    ds.commit()
    with pytest.raises(MergeError):
        ds.merge("alt")
    ds.merge("alt", force=True)
    assert "a" in ds and "b" in ds


def test_merge_mismatch(mem_path):
    d = deeplake.empty(mem_path)
    d.commit(allow_empty=True)
    d.checkout("alt", create=True)
    d.create_tensor("t", dtype="int64")
    d.commit()
    d.checkout("main")
    d.create_tensor("t", dtype="float32")
    d.commit()
    with pytest.raises(MergeMismatchError):
        d.merge("alt")


def test_merge_needs_ids(mem_path):
    d = deeplake.empty(mem_path)
    d.create_tensor("t", dtype="int64", create_id_tensor=False)
    d.t.append(1)
    d.commit()
    d.checkout("alt", create=True)
    d.t[0] = 2
    d.commit()
    d.checkout("main")
    with pytest.raises(MergeNotSupportedError):
        d.merge("alt")


def test_merge_remaps_class_labels(mem_path):
    d = deeplake.empty(mem_path)
    d.create_tensor("labels", htype="class_label", class_names=["cat", "dog"])
    d.labels.extend([0, 1])
    d.commit()
    d.checkout("alt", create=True)
    d.labels.info.class_names = ["dog", "cat", "bird"]
    d.labels.extend([0, 2])  # dog, bird in alt's names
    d.commit()
    d.checkout("main")
    d.merge("alt")
    names = d.labels.info.class_names
    got = [names[i] for i in _vals(d.labels)]
    assert got == ["cat", "dog", "dog", "bird"]


def test_merge_back_after_merge_has_no_false_conflict(ds):
    """A row a merge copied from the other branch is not an edit: merging back after
    editing it again on its own branch is clean (issue: false conflict)."""
    ds.checkout("b", create=True)
    ds.x[2] = 20
    ds.commit("b edits row 2")
    ds.checkout("main")
    ds.x[7] = 70
    ds.commit("main edits row 7")
    ds.merge("b")  # row 2 is copied onto main
    ds.x[5] = 50
    ds.commit("main edits row 5")
    ds.checkout("b")
    ds.x[2] = 21  # edited again where it came from
    ds.commit("b edits row 2 again")
    ds.merge("main")
    assert _vals(ds.x) == [0, 1, 21, 3, 4, 50, 6, 70, 8, 9]
    ds.checkout("main")
    ds.merge("b")  # and back again: row 2's new value arrives, no conflict
    assert _vals(ds.x) == [0, 1, 21, 3, 4, 50, 6, 70, 8, 9]


def test_criss_cross_merges(ds):
    """Repeated merges in both directions with edits between them stay clean, and a
    real conflict is still reported."""
    ds.checkout("b", create=True)
    ds.checkout("main")
    expect = list(range(10))
    for rnd in range(4):
        ds.x[rnd] = 100 + rnd
        expect[rnd] = 100 + rnd
        ds.commit(f"main {rnd}")
        ds.checkout("b")
        ds.x[9 - rnd] = 200 + rnd
        expect[9 - rnd] = 200 + rnd
        ds.x[rnd] = 100 + rnd  # the same value as main: not a conflict
        ds.commit(f"b {rnd}")
        ds.merge("main")
        assert _vals(ds.x) == expect
        ds.checkout("main")
        ds.merge("b")
        assert _vals(ds.x) == expect
    ds.x[4] = -1
    ds.commit("main conflicting")
    ds.checkout("b")
    ds.x[4] = -2
    ds.commit("b conflicting")
    with pytest.raises(MergeConflictError):
        ds.merge("main")
    ds.merge("main", conflict_resolution="theirs")
    assert _vals(ds.x)[4] == -1
