"""commit / checkout / log / reset / branches / loading at a version / deepcopy."""

from __future__ import annotations

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core.core import manifest as mf
from deeplake_core.exceptions import (
    CheckoutError,
    CommitError,
    DatasetCorruptError,
    EmptyCommitError,
    InvalidOperationError,
    LockedException,
    ReadOnlyModeError,
    VersionControlError,
)


@pytest.fixture
def ds(mem_path):
    d = deeplake.empty(mem_path)
    d.create_tensor("abc")
    yield d
    d.close()


def test_documented_checkout_example(ds):
    ds.abc.append([1, 2, 3])
    first_commit = ds.commit()
    assert ds.checkout("alt", create=True) == first_commit
    ds.abc.append([4, 5, 6])
    np.testing.assert_array_equal(ds.abc.numpy(), [[1, 2, 3], [4, 5, 6]])
    assert ds.checkout(first_commit) == first_commit
    np.testing.assert_array_equal(ds.abc.numpy(), [[1, 2, 3]])
    ds.delete_branch("alt")  # documented delete_branch example
    assert ds.branches == ["main"]


def test_commit_ids_and_properties(ds):
    assert ds.commit_id is None
    pending = ds.pending_commit_id
    assert ds.is_head_node and ds.has_head_changes  # create_tensor is a change
    ds.abc.append([1])
    cid = ds.commit("one")
    assert cid == pending and ds.commit_id == cid and ds.pending_commit_id != cid
    assert not ds.has_head_changes
    assert ds.get_commit_details(cid)["message"] == "one"
    assert set(ds.get_commit_details(cid)) == {"commit", "author", "time", "message"}
    assert [c["commit"] for c in ds.commits] == [cid]
    ds.abc.append([2])
    c2 = ds.commit("two")
    assert [c["commit"] for c in ds.commits] == [c2, cid]
    ds.checkout(cid)
    assert not ds.is_head_node and ds.commit_id == cid == ds.pending_commit_id
    assert ds.branch == "main"


def test_empty_commit(mem_path):
    ds = deeplake.empty(mem_path)
    with pytest.raises(EmptyCommitError):
        ds.commit()
    ds.commit(allow_empty=True)
    with pytest.raises(EmptyCommitError):
        ds.commit("nothing")


def test_commit_ids_unique(ds):
    ids = {ds.commit(allow_empty=True) for _ in range(50)}
    assert len(ids) == 50


def test_errors(ds):
    ds.abc.append([1])
    ds.commit()
    with pytest.raises(CheckoutError):
        ds.checkout("nope")
    with pytest.raises(CheckoutError):
        ds.checkout("main", create=True)
    with pytest.raises(ValueError):
        ds.checkout("bad name!", create=True)
    with pytest.raises(KeyError):
        ds.get_commit_details("0" * 40)
    with pytest.raises(KeyError):
        ds.get_commit_details(ds.pending_commit_id)  # a head is not a commit
    with pytest.raises(CommitError):
        ds.delete_branch("nope")
    with pytest.raises(VersionControlError):
        ds.delete_branch("main")
    with pytest.raises(InvalidOperationError):
        ds[0:1].commit()
    with pytest.raises(InvalidOperationError):
        ds[0:1].checkout("main")


def test_auto_commit_on_checkout(ds):
    ds.abc.append([1])
    c = ds.commit()
    ds.checkout("alt", create=True)
    ds.abc.append([2])
    pending = ds.pending_commit_id
    ds.checkout("main")
    assert ds.get_commit_details(pending)["message"]  # auto-committed
    ds.checkout("alt")
    assert ds.commit_id == pending and not ds.has_head_changes
    assert len(ds.abc) == 2
    ds.checkout(c)
    assert len(ds.abc) == 1


def test_write_at_commit_moves_to_new_branch(ds):
    ds.abc.append([1])
    c = ds.commit()
    ds.abc.append([2])
    ds.commit()
    ds.checkout(c)
    ds.abc.append([9])
    assert ds.is_head_node and ds.branch.startswith("auto_")
    assert ds.branch in ds.branches
    assert ds.commits[0]["commit"] == c
    np.testing.assert_array_equal(ds.abc.numpy(), [[1], [9]])
    ds.checkout("main")
    assert len(ds.abc) == 2  # main untouched


def test_commit_at_commit_creates_branch(ds):
    ds.abc.append([1])
    c = ds.commit()
    ds.checkout(c)
    with pytest.raises(EmptyCommitError):
        ds.commit()
    new = ds.commit("branch off", allow_empty=True)
    assert ds.branch.startswith("auto_") and ds.commit_id == new


def test_info_change_at_commit_never_alters_commit(ds):
    ds.abc.append([1])
    c = ds.commit()
    ds.checkout(c)
    ds.info["k"] = 1
    assert ds.branch != "main"
    ds.checkout(c)
    assert "k" not in ds.info


def test_reset(ds):
    ds.abc.append([1])
    ds.commit()
    ds.abc.append([2])
    ds.abc[0] = [5]
    ds.create_tensor("other")
    ds.reset()
    assert not ds.has_head_changes and list(ds.tensors) == ["abc"]
    np.testing.assert_array_equal(ds.abc.numpy(), [[1]])
    with ds:
        ds.abc.append([3])  # unflushed
        ds.reset()
    np.testing.assert_array_equal(ds.abc.numpy(), [[1]])


def test_reset_without_commits(mem_path):
    d = deeplake.empty(mem_path)
    d.create_tensor("x")
    d.x.append(1)
    d.reset()
    assert list(d.tensors) == []


def test_read_only(mem_path):
    d = deeplake.empty(mem_path)
    d.create_tensor("x")
    d.x.append(1)
    c = d.commit()
    d.close()
    r = deeplake.load(mem_path, read_only=True)
    with pytest.raises(ReadOnlyModeError):
        r.checkout("alt", create=True)
    with pytest.raises(ReadOnlyModeError):
        r.reset()
    with pytest.raises(ReadOnlyModeError):
        r.delete_branch("main")
    with pytest.raises(ReadOnlyModeError):
        r.commit(allow_empty=True)
    r.checkout(c)  # reading another version is fine
    assert len(r.x) == 1


def test_load_at_branch_and_commit(tmp_path):
    path = str(tmp_path / "ds")
    d = deeplake.empty(path)
    d.create_tensor("x", dtype="int64")
    d.x.extend([1, 2])
    c = d.commit()
    d.checkout("alt", create=True)
    d.x.append(3)
    d.close()
    assert deeplake.load(f"{path}@alt").x.numpy().ravel().tolist() == [1, 2, 3]
    assert deeplake.load(f"{path}@main").x.numpy().ravel().tolist() == [1, 2]
    at_c = deeplake.load(f"{path}@{c}")
    assert not at_c.is_head_node and at_c.commit_id == c
    at_c.x.append(4)  # documented: moves to a new branch
    assert at_c.branch.startswith("auto_")
    at_c.close()
    with pytest.raises(CheckoutError):
        deeplake.load(f"{path}@nothere")


def test_writers_on_different_branches(tmp_path):
    path = str(tmp_path / "ds")
    d = deeplake.empty(path)
    d.create_tensor("x", dtype="int64")
    d.x.append(1)
    d.commit()
    d.checkout("alt", create=True)
    d.checkout("main")
    # lease owners are per process, so take a lock as "another writer"
    from deeplake_core.storage import WriterLock

    other = WriterLock(d.storage, mf.lock_key("alt"), owner="someone-else").acquire()
    try:
        with pytest.raises(LockedException):
            d.checkout("alt")
        d.x.append(2)  # main is still writable
        d.commit()
    finally:
        other.release()
    d.checkout("alt")
    assert len(d.x) == 1
    d.close()


def test_corrupt_head_and_checkout_reset(mem_path):
    d = deeplake.empty(mem_path)
    d.create_tensor("x", dtype="int64")
    d.x.append(1)
    d.commit()
    d.checkout("alt", create=True)
    d.x.append(2)
    d.checkout("main")  # auto-commits alt's change
    from deeplake_core.core.vc import graph

    head = graph.branch_heads(d.storage)["alt"]
    # damage alt's head manifest (and its fallback)
    d.storage.set(mf.manifest_key(head), b"garbage")
    d.storage.set(mf.prev_manifest_key(head), b"garbage")
    with pytest.raises(DatasetCorruptError):
        d.checkout("alt")
    d.checkout("alt", reset=True)
    assert d.x.numpy().ravel().tolist() == [1, 2]  # the auto-commit kept [1, 2]


def test_deepcopy_keeps_history(tmp_path):
    src = str(tmp_path / "src")
    d = deeplake.empty(src)
    d.create_tensor("x", dtype="int64")
    d.x.append(1)
    c = d.commit()
    d.checkout("alt", create=True)
    d.x.append(2)
    d.commit()
    d.close()
    dst = deeplake.deepcopy(src, str(tmp_path / "dst"))
    assert sorted(dst.branches) == ["alt", "main"]
    dst.checkout(c)
    assert len(dst.x) == 1
    dst.checkout("alt")
    assert len(dst.x) == 2


def test_commit_is_copy_on_write(tmp_path):
    """A commit writes a few small metadata files, whatever the data size."""
    path = str(tmp_path / "ds")
    d = deeplake.empty(path)
    d.create_tensor("x", dtype="float32")
    d.x.extend(np.zeros((20000, 32), "float32"))
    d.commit()
    from deeplake_core.storage import local

    written = []
    orig = local.LocalProvider.set

    def counting(self, key, value):
        written.append((key, len(value)))
        return orig(self, key, value)

    local.LocalProvider.set = counting
    try:
        d.x[7] = np.ones(32, "float32")
        d.commit()
    finally:
        local.LocalProvider.set = orig
    assert sum(n for _, n in written) < 64 * 1024, written
    assert not any("/chunks/" in k and n > 4096 for k, n in written)
    d.close()


def test_fix_vc_rebuilds_refs_and_tags(tmp_path):
    from deeplake_core.core import manifest as mf
    from deeplake_core.exceptions import DatasetCorruptError

    path = str(tmp_path / "ds")
    ds = deeplake.empty(path)
    ds.create_tensor("x", dtype="int64")
    ds.x.append(1)
    c1 = ds.commit()
    ds.checkout("b", create=True)
    ds.x.append(2)
    c2 = ds.commit()
    ds.x.append(3)
    ds.checkout("main")  # auto-commits b's change; b's head is a new version
    head_b = mf.read_branch_head(ds.storage, "b")
    ds.tag("good", c1)
    base = mf.shared(ds.storage)
    base.set(mf.branch_key("b"), b"{not json")
    base.set(mf.tag_key("dangling"), mf._canonical({"version": "ab" * 20, "time": 0}))
    with pytest.raises(DatasetCorruptError):
        ds.checkout("b")
    assert ds.fix_vc()
    assert ds.tags.names() == ["good"]
    ds.checkout("b")
    assert ds.pending_commit_id == head_b and ds.commits[1]["commit"] == c2
    assert ds.x.numpy().reshape(-1).tolist() == [1, 2, 3]
    assert ds.fix_vc() == []  # nothing left to repair
    ds.close()
