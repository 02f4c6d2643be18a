"""Companion sample ids: a run from a random start per batch, never 0, distinct across
forked processes."""

from __future__ import annotations

import os

import numpy as np
import pytest

from deeplake_core.core import columns
from deeplake_core.core.columns import new_ids


def test_ids_are_nonzero_unique_uint64_columns() -> None:
    ids = new_ids(100_000)
    assert ids.dtype == np.uint64 and ids.shape == (100_000, 1)
    assert (ids != 0).all() and len(np.unique(ids)) == 100_000
    assert new_ids(0).shape == (0, 1)


def test_ids_of_a_batch_are_a_run_and_batches_differ() -> None:
    a, b = new_ids(1000).ravel(), new_ids(1000).ravel()
    assert (np.diff(a) == 1).all() and (np.diff(b) == 1).all()
    assert not np.intersect1d(a, b).size


class _Draws:
    """A stand-in for the per-process generator that returns scripted starts."""

    def __init__(self, *starts: int) -> None:
        self.starts = list(starts)

    def getrandbits(self, k: int) -> int:
        assert k == 64
        return self.starts.pop(0)


def test_a_start_of_zero_or_one_that_would_wrap_is_redrawn(monkeypatch) -> None:
    pid = os.getpid()
    monkeypatch.setattr(columns, "_ID_GEN", (pid, _Draws(0, 2**64 - 3, 2**64 - 4)))
    ids = new_ids(4).ravel()  # 0 is "no id"; 2**64 - 3 would wrap through 0
    assert ids.tolist() == [2**64 - 4, 2**64 - 3, 2**64 - 2, 2**64 - 1]
    monkeypatch.setattr(columns, "_ID_GEN", (pid, _Draws(7)))
    assert new_ids(2).ravel().tolist() == [7, 8]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_draws_a_different_sequence() -> None:
    new_ids(1)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            os.write(w, new_ids(4).tobytes())
        finally:
            os._exit(0)
    os.close(w)
    os.waitpid(pid, 0)
    child = np.frombuffer(os.read(r, 32), np.uint64)
    os.close(r)
    parent = new_ids(4).ravel()
    assert len(child) == 4 and not np.array_equal(child, parent)


def test_written_ids_are_runs_and_later_batches_never_change_earlier_ones(tmp_path) -> None:
    """Each batch's ids are one run; reading them (which writes pending runs to the
    engine) between batches changes nothing that was read before."""
    import deeplake_core as deeplake

    ds = deeplake.empty(str(tmp_path / "ds"))
    ds.create_tensor("x", dtype="int32")
    sizes = [5, 1, 3000, (1 << 17) + 7, 2]
    seen = []
    for n in sizes:
        ds.x.extend(np.zeros(n, np.int32))
        seen.append(ds.x._sample_ids().ravel().copy())
    final = ds.x._sample_ids().ravel()
    at = 0
    for n, before in zip(sizes, seen, strict=True):
        assert np.array_equal(final[: len(before)], before)
        run = final[at : at + n]
        assert np.array_equal(np.diff(run), np.ones(n - 1, np.uint64))
        at += n
    assert len(np.unique(final)) == len(final) and (final != 0).all()


def test_pending_id_runs_reach_disk_and_follow_rollbacks(tmp_path, monkeypatch) -> None:
    """Ids of batches appended without reading them in between are written at the
    flush, in order; a failed extend leaves no ids behind; lengths count them."""
    import deeplake_core as deeplake

    path = str(tmp_path / "ds")
    ds = deeplake.empty(path)
    ds.create_tensor("x", dtype="int32")
    with ds:
        for n in (3, 50_000, 7):
            ds.x.extend(np.zeros(n, np.int32))
        comp = ds._state.column(ds.x._col.entry.companions["id"])
        assert [n for _, n in comp.id_runs] == [3, 50_000, 7]  # not written yet
        assert comp.length() == 50_010 and len(ds.x) == 50_010
        eng = ds.x._col.engine
        with monkeypatch.context() as m:  # the chunk writes fail after ids were drawn
            m.setattr(eng, "settle", lambda: (_ for _ in ()).throw(OSError("disk full")))
            with pytest.raises(deeplake.exceptions.SampleExtendError, match="disk full"):
                ds.x.extend(np.ones(40, np.int32))
        assert comp.length() == 50_010 and len(ds.x) == 50_010
        assert [n for _, n in comp.id_runs] == [3, 50_000, 7]
    ids = ds.x._sample_ids().ravel()
    assert len(ids) == 50_010 and len(np.unique(ids)) == 50_010 and (ids != 0).all()
    for lo, hi in ((0, 3), (3, 50_003), (50_003, 50_010)):
        assert np.array_equal(np.diff(ids[lo:hi]), np.ones(hi - lo - 1, np.uint64))
    reopened = deeplake.load(path, read_only=True)
    assert np.array_equal(reopened.x._sample_ids().ravel(), ids)
