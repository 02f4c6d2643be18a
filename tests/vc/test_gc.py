"""Garbage collection: what is reachable stays, the rest goes (after the grace period)."""

from __future__ import annotations

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core.cli import main as cli_main
from deeplake_core.core.vc import gc
from deeplake_core.exceptions import LockedException


def _chunks(d):
    return {k for k in d.storage.list_prefix("tensors/") if "/chunks/" in k}


@pytest.fixture
def ds(tmp_path):
    d = deeplake.empty(str(tmp_path / "ds"))
    d.create_tensor("x", dtype="float32")
    d.x.extend(np.zeros((100, 8), "float32"))
    yield d
    d.close()


def _build(d):
    c1 = d.commit()
    d.checkout("tmp", create=True)
    d.x.extend(np.ones((50, 8), "float32"))
    d.commit()
    d.checkout("kept", create=True)  # a sub-branch of tmp
    d.checkout("main")
    d.x[0] = np.full(8, 3, "float32")
    c2 = d.commit()
    return c1, c2


def test_collect_keeps_reachable(ds):
    c1, c2 = _build(ds)
    ds.delete_branch("kept")
    ds.delete_branch("tmp")
    before = _chunks(ds)
    dry = gc.collect(ds, dry_run=True, grace_seconds=0)
    assert dry.deleted and _chunks(ds) == before
    first = gc.collect(ds)  # default grace: only marks
    assert not first.deleted and first.deferred
    report = gc.collect(ds, grace_seconds=0)
    assert report.deleted and len(_chunks(ds)) < len(before)
    ds.checkout(c1)
    assert ds.x.numpy().shape == (100, 8)
    ds.checkout(c2)
    assert ds.x[0].numpy().tolist() == [3.0] * 8
    ds.check_integrity()
    again = gc.collect(ds, grace_seconds=0)
    assert not again.garbage


def test_tags_and_views_pin_versions(ds):
    _build(ds)
    ds.checkout("tmp")
    tmp_commit = ds.commit_id
    ds.tag("pinned")
    ds[:3].save_view(id="v")
    ds.checkout("main")
    ds.delete_branch("kept")
    ds.delete_branch("tmp")
    gc.collect(ds, grace_seconds=0)
    assert ds.tags["pinned"].open().x.numpy().shape == (150, 8)
    assert len(ds.load_view("v")) == 3
    assert tmp_commit


def test_grace_zero_needs_locks(ds):
    from deeplake_core.core import manifest as mf
    from deeplake_core.storage import WriterLock

    _build(ds)
    other = WriterLock(ds.storage, mf.lock_key("tmp"), owner="another-writer").acquire()
    try:
        with pytest.raises(LockedException):
            gc.collect(ds, grace_seconds=0)
        gc.collect(ds, dry_run=True, grace_seconds=0)  # a dry run needs no lock
    finally:
        other.release()


def test_cli(ds, tmp_path, capsys):
    _build(ds)
    ds.delete_branch("kept")
    ds.delete_branch("tmp")
    ds.close()
    assert cli_main(["gc", str(tmp_path / "ds"), "--grace", "0", "--dry-run"]) == 0
    assert "would delete" in capsys.readouterr().out
    assert cli_main(["gc", str(tmp_path / "ds"), "--grace", "0"]) == 0
    out = capsys.readouterr().out
    assert "deleted" in out
    d = deeplake.load(str(tmp_path / "ds"))
    d.check_integrity()
    d.close()
