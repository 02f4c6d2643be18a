"""Companion sample ids: one vectorised draw, never 0, distinct across forked processes."""

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


def test_zero_draws_are_replaced(monkeypatch) -> None:
    new_ids(1)  # make sure the generator exists

    class Zeros:
        def __init__(self, bits):
            self.bits, self.calls = bits, 0

        def random_raw(self, n):
            self.calls += 1
            out = self.bits.random_raw(n)
            if self.calls == 1:
                out[::2] = 0
            return out

    pid, gen = columns._ID_GEN
    fake = type("G", (), {"bit_generator": Zeros(gen.bit_generator)})()
    monkeypatch.setattr(columns, "_ID_GEN", (pid, fake))
    assert (new_ids(50) != 0).all()


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
