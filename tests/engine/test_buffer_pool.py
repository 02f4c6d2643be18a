"""The process-wide pool of full-size open-chunk buffers."""

from __future__ import annotations

import numpy as np
import pytest

from deeplake_core.core.engine import TensorEngine, buffers
from deeplake_core.core.engine.meta import TensorMeta
from deeplake_core.storage.memory import MemoryProvider

CAP = 1 << 16


@pytest.fixture(autouse=True)
def _empty_pool():
    buffers.clear()
    yield
    buffers.clear()


def test_take_returns_a_given_buffer_of_that_size_only() -> None:
    buf = np.empty(CAP, np.uint8)
    assert buffers.give(buf)
    assert buffers.held() == CAP
    assert buffers.take(CAP * 2) is None
    assert buffers.take(CAP) is buf
    assert buffers.take(CAP) is None
    assert buffers.held() == 0


def test_views_and_other_dtypes_are_refused() -> None:
    base = np.empty(2 * CAP, np.uint8)
    assert not buffers.give(base[:CAP])  # a view: its owner may still use the memory
    assert not buffers.give(np.empty(CAP // 8, np.uint64))
    assert buffers.held() == 0


def test_limit_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(buffers.ENV_POOL_MB, "1")
    assert buffers.give(np.empty(1 << 20, np.uint8))
    assert not buffers.give(np.empty(CAP, np.uint8))  # would exceed 1 MiB
    monkeypatch.setenv(buffers.ENV_POOL_MB, "0")
    buffers.clear()
    assert not buffers.give(np.empty(CAP, np.uint8))
    monkeypatch.setenv(buffers.ENV_POOL_MB, "lots")
    with pytest.raises(ValueError, match=buffers.ENV_POOL_MB):
        buffers.give(np.empty(CAP, np.uint8))


def _engine(store: MemoryProvider, name: str) -> TensorEngine:
    return TensorEngine(store, name, TensorMeta(dtype="int32", max_chunk_size=CAP))


def test_engines_hand_buffers_on_and_keep_their_data() -> None:
    store = MemoryProvider()
    a_data = np.arange(50_000, dtype=np.int32).reshape(-1, 1)
    a = _engine(store, "a")
    for k in range(0, len(a_data), 700):  # small appends: copied into open buffers
        a.extend(a_data[k : k + 700])
    a.flush("a.idx")
    assert buffers.held() >= CAP  # its spare buffers went to the pool
    held = buffers.held()
    b = _engine(store, "b")
    b_data = -a_data
    b.extend(b_data[:100])
    assert buffers.held() == held - CAP  # b took one instead of allocating
    for k in range(100, len(b_data), 700):
        b.extend(b_data[k : k + 700])
    b.flush("b.idx")
    assert np.array_equal(a.read(slice(None)), a_data)
    assert np.array_equal(b.read(slice(None)), b_data)
    for name, data in (("a", a_data), ("b", b_data)):
        reopened = TensorEngine(store, name, _engine(store, name).meta, index_key=f"{name}.idx")
        assert np.array_equal(reopened.read(slice(None)), data)


def test_disabled_pool_keeps_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(buffers.ENV_POOL_MB, "0")
    eng = _engine(MemoryProvider(), "t")
    eng.extend(np.zeros((40_000, 1), np.int32))
    eng.flush("t.idx")
    assert buffers.held() == 0
