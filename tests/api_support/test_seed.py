"""deeplake.random: the library-wide seed."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core.core.seed import DeeplakeRandom


@pytest.fixture(autouse=True)
def _reset_seed():
    yield
    deeplake.random.seed(None)


def test_singleton_and_top_level_name():
    assert DeeplakeRandom() is DeeplakeRandom() is deeplake.random


def test_seed_makes_generators_reproducible():
    deeplake.random.seed(0)
    assert deeplake.random.get_seed() == 0
    first = [deeplake.random.rng().permutation(50).tolist() for _ in range(3)]
    assert first[0] != first[1]  # successive generators differ
    deeplake.random.seed(0)
    assert [deeplake.random.rng().permutation(50).tolist() for _ in range(3)] == first
    deeplake.random.seed(1)
    assert deeplake.random.rng().permutation(50).tolist() != first[0]


def test_unseeded_is_random_and_does_not_touch_numpy_global():
    deeplake.random.seed(None)
    assert deeplake.random.get_seed() is None
    draws = {tuple(deeplake.random.rng().permutation(30).tolist()) for _ in range(3)}
    assert len(draws) == 3
    np.random.seed(5)
    expected = np.random.rand()
    np.random.seed(5)
    deeplake.random.seed(3)
    deeplake.random.rng().random()
    assert np.random.rand() == expected


def test_next_seed_is_int_and_reproducible():
    deeplake.random.seed(7)
    a = deeplake.random.next_seed()
    deeplake.random.seed(7)
    assert isinstance(a, int) and deeplake.random.next_seed() == a


@pytest.mark.parametrize("bad", ["1", 1.5, True, [1]])
def test_seed_type_errors(bad):
    with pytest.raises(TypeError):
        deeplake.random.seed(bad)


def test_seed_negative():
    with pytest.raises(ValueError):
        deeplake.random.seed(-1)
    deeplake.random.seed(np.int64(4))
    assert deeplake.random.get_seed() == 4


def test_threads_get_distinct_generators():
    deeplake.random.seed(11)
    out: list[int] = []
    lock = threading.Lock()

    def work():
        value = int(deeplake.random.rng().integers(0, 2**62))
        with lock:
            out.append(value)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(out)) == 8
