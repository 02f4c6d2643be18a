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


def test_written_ids_are_runs_and_the_scratch_buffer_is_not_shared(tmp_path) -> None:
    """Ids built in the reused per-thread buffer are copied by the engine: later
    batches never change earlier ones, and each batch is one run."""
    import deeplake_core as deeplake
    from deeplake_core.core import columns

    ds = deeplake.empty(str(tmp_path / "ds"))
    ds.create_tensor("x", dtype="int32")
    sizes = [5, 1, 3000, columns._SCRATCH_IDS + 7, 2]
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
