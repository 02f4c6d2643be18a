"""Zero-copy paths of the engine: full chunks written from the caller's batch, scans
read straight into the output, single-row reads; and their failure handling."""

from __future__ import annotations

import numpy as np
import pytest

from deeplake_core.core.engine import TensorEngine, TensorMeta
from deeplake_core.exceptions import CorruptChunkError
from deeplake_core.storage.cache import LRUCache
from deeplake_core.storage.local import LocalProvider
from deeplake_core.storage.memory import MemoryProvider

CHUNK = 64 * 1024


class DictStorage(MemoryProvider):
    """A private in-memory store whose ``data`` dict tests may damage directly."""

    def __init__(self) -> None:
        super().__init__()
        self.data = self._store.data


class PartsRecorder(DictStorage):
    """Records, for every chunk write, whether a part shares memory with ``watch``."""

    def __init__(self) -> None:
        super().__init__()
        self.watch: np.ndarray | None = None
        self.shared: list[bool] = []
        self.fail_next = 0
        self.read_intos = 0

    def set_parts(self, key, parts) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise OSError("disk full")
        if "/chunks/" in key and self.watch is not None:
            self.shared.append(
                any(
                    np.shares_memory(np.frombuffer(p, np.uint8), self.watch)
                    for p in parts
                    if len(p)
                )
            )
        super().set_parts(key, parts)

    def read_into(self, key, out, start=0) -> int:
        self.read_intos += 1
        return super().read_into(key, out, start)


def _meta(**kw) -> TensorMeta:
    return TensorMeta(max_chunk_size=CHUNK, **kw)


def test_a_batch_is_written_from_the_callers_memory_in_equal_chunks() -> None:
    store = PartsRecorder()
    eng = TensorEngine(store, "t", _meta())
    batch = np.random.default_rng(0).standard_normal((5000, 16)).astype(np.float32)  # 320 KB
    store.watch = batch
    eng.extend(batch)
    assert len(store.shared) == 5 and all(store.shared)  # nothing was copied
    sizes = eng._c_raw.view
    assert sizes.sum() == batch.nbytes and sizes.max() - sizes.min() <= 64  # one row
    assert (2 * sizes >= CHUNK).all() and (sizes <= CHUNK).all()
    expected = batch.copy()
    batch[:] = -1  # the caller reuses its buffer: stored data must not change
    eng.flush("idx")
    assert len(store.shared) == 5  # the flush had nothing left to write
    assert np.array_equal(eng.read(slice(None)), expected)
    again = TensorEngine(store, "t", TensorMeta.model_validate(eng.meta.model_dump()), "idx")
    assert np.array_equal(again.read(slice(None)), expected)


def test_appends_of_less_than_half_a_chunk_are_copied_and_fill_chunks() -> None:
    store = PartsRecorder()
    eng = TensorEngine(store, "t", _meta())
    rows = np.random.default_rng(2).standard_normal((1200, 16)).astype(np.float32)
    store.watch = rows
    for i in range(0, 1000, 200):  # 12.8 KB each: copied into the open chunk
        eng.extend(rows[i : i + 200])
    assert store.shared == []
    eng.extend(rows[1000:])  # its first 24 rows complete the chunk: copied too
    eng._drain()
    assert store.shared == [False] and int(eng._c_raw.view[0]) == CHUNK
    expected = rows.copy()
    rows[:] = 0
    eng.flush("idx")
    assert store.shared == [False, False]
    assert np.array_equal(eng.read(slice(None)), expected)


def test_a_small_append_that_completes_a_chunk_does_not_wait_for_its_write() -> None:
    import threading

    class Gated(DictStorage):
        def __init__(self) -> None:
            super().__init__()
            self.gate = threading.Event()
            self.waiting = threading.Event()

        def set_parts(self, key, parts) -> None:
            if "/chunks/" in key:
                self.waiting.set()
                assert self.gate.wait(30)
            super().set_parts(key, parts)

    store = Gated()
    eng = TensorEngine(store, "t", _meta())
    rows = np.random.default_rng(6).standard_normal((1100, 16)).astype(np.float32)
    for i in range(0, 1100, 100):  # the 11th append completes the first chunk
        eng.extend(rows[i : i + 100])
    assert store.waiting.wait(30)  # its write has started and is held ...
    assert eng.num_samples == 1100  # ... while extend has returned
    rows[:] = 0  # the chunk was written from the engine's copy
    store.gate.set()
    eng.flush("idx")
    expected = np.random.default_rng(6).standard_normal((1100, 16)).astype(np.float32)
    assert np.array_equal(eng.read(slice(None)), expected)


def test_many_small_batches_reuse_buffers_without_mixing_data() -> None:
    store = PartsRecorder()
    eng = TensorEngine(store, "t", _meta())
    rng = np.random.default_rng(1)
    buf = np.empty((700, 8), np.float64)  # one reused caller buffer
    want = []
    for _ in range(40):
        k = int(rng.integers(1, 700))
        buf[:k] = rng.standard_normal((k, 8))
        eng.extend(buf[:k])
        want.append(buf[:k].copy())
        if rng.random() < 0.2:
            eng.flush("idx")
    eng.flush("idx")
    assert np.array_equal(eng.read(slice(None)), np.concatenate(want))


@pytest.mark.parametrize("persistent", [False, True])
def test_failed_chunk_write_is_retried_or_rolled_back(persistent) -> None:
    store = PartsRecorder()
    eng = TensorEngine(store, "t", _meta())
    first = np.arange(3000 * 4, dtype=np.int32).reshape(3000, 4)
    eng.extend(first)
    failing = np.ones((20_000, 4), np.int32)
    store.fail_next = 10**6 if persistent else 1
    if persistent:  # the write and its retry fail: the extend is undone
        with pytest.raises(OSError, match="disk full"):
            eng.extend(failing)
        assert eng.num_samples == 3000
    else:  # one failure: the retry succeeds
        eng.extend(failing)
    store.fail_next = 0
    second = np.full((9000, 4), 7, np.int32)
    eng.extend(second)
    eng.flush("idx")
    want = np.concatenate([first, second] if persistent else [first, failing, second])
    assert np.array_equal(eng.read(slice(None)), want)
    eng2 = TensorEngine(store, "t", TensorMeta.model_validate(eng.meta.model_dump()), "idx")
    assert np.array_equal(eng2.read(slice(None)), want)
    eng2.check_integrity()


def test_scan_reads_whole_chunks_into_the_output(tmp_path) -> None:
    store = PartsRecorder()
    eng = TensorEngine(store, "t", _meta())
    data = np.random.default_rng(2).integers(0, 1 << 30, (20_000, 8), dtype=np.int64)
    eng.extend(data)
    eng.flush("idx")
    nchunks = len(eng.chunk_keys())
    eng = TensorEngine(store, "t", TensorMeta.model_validate(eng.meta.model_dump()), "idx")
    assert np.array_equal(eng.read(slice(None)), data)
    assert store.read_intos == nchunks  # one direct read per chunk, no other copy
    assert np.array_equal(eng.read(slice(37, 19_001)), data[37:19_001])  # partial ends
    # a damaged payload byte is caught on the direct path
    key = sorted(eng.chunk_keys())[3]
    raw = bytearray(store.data[key])
    raw[-100] ^= 1
    store.data[key] = bytes(raw)
    with pytest.raises(CorruptChunkError, match="checksum"):
        eng.read(slice(None))


@pytest.mark.parametrize("cache", [False, True])
def test_local_storage_round_trip_and_single_rows(tmp_path, cache) -> None:
    base = LocalProvider(tmp_path, durability="never")
    store = LRUCache(MemoryProvider(), base, 1 << 20, stream_threshold=32 * 1024) if cache else base
    meta = _meta()
    eng = TensorEngine(store, "t", meta)
    data = np.random.default_rng(3).standard_normal((6000, 32)).astype(np.float32)
    for s in range(0, 6000, 1100):
        eng.extend(data[s : s + 1100])
    eng.flush("idx")
    store.flush()
    eng = TensorEngine(store, "t", TensorMeta.model_validate(meta.model_dump()), "idx")
    assert np.array_equal(eng.read(slice(None)), data)
    for i in (0, 1, 2047, 2048, 5999, -1, -6000):
        assert np.array_equal(eng.read_sample(i), data[i])
    assert np.array_equal(eng.read_sample(5, (slice(2, 9),)), data[5, 2:9])
    with pytest.raises(IndexError):
        eng.read_sample(6000)
    eng.extend(data[:3])  # still in the open chunk
    assert np.array_equal(eng.read_sample(6001), data[1])


def test_single_row_reads_of_compressed_and_updated_tensors() -> None:
    rng = np.random.default_rng(4)
    for comp in ({"chunk_compression": "lz4"}, {"sample_compression": "lz4"}):
        eng = TensorEngine(DictStorage(), "t", _meta(**comp))
        data = rng.integers(0, 5, (3000, 16)).astype(np.int16)
        eng.extend(data)
        eng.update([10, 2999], np.full((2, 16), 9, np.int16))
        eng.pop([0])
        data[10] = data[2999] = 9
        data = data[1:]
        eng.flush("idx")
        for i in (0, 9, 1500, len(data) - 1):
            assert np.array_equal(eng.read_sample(i), data[i])


def test_bulk_byte_reads_and_chunk_ids() -> None:
    eng = TensorEngine(DictStorage(), "t", _meta(sample_compression="lz4"))
    rng = np.random.default_rng(5)
    rows = [rng.integers(0, 256, 100 + i % 50, dtype=np.uint8) for i in range(3000)]
    eng.extend(rows)
    eng.flush("idx")
    eng.extend(rows[:5])  # open chunk
    idx = [2999, 0, 1500, 3002, 7]
    assert eng.read_bytes_many(idx) == [eng.read_bytes(i) for i in idx]
    ids = eng.chunk_ids(idx)
    assert ids[3] == -1 and ids[1] == ids[4] == 0 and ids[0] > ids[2] > 0


def test_extend_on_every_pool_thread_at_once_does_not_wait_on_its_own_queue() -> None:
    """Writes on the pool's own threads run their queued chunks themselves: with every
    pool thread inside ``extend`` nothing else would ever run them."""
    from deeplake_core.core.engine.io import FETCH_THREADS, pool

    store = DictStorage()
    batches = [np.full((4000, 16), i, np.float32) for i in range(2 * FETCH_THREADS)]

    def write(i: int) -> np.ndarray:
        eng = TensorEngine(store, f"t{i}", _meta())
        eng.extend(batches[i])  # 256 KB: four chunks borrowed from the batch
        return eng.read(slice(None))

    futures = [pool().submit(write, i) for i in range(len(batches))]
    for i, fut in enumerate(futures):
        assert np.array_equal(fut.result(timeout=30), batches[i])


def test_extend_without_waiting_counts_its_samples_only_once_settled() -> None:
    store = PartsRecorder()
    eng = TensorEngine(store, "t", _meta())
    eng.extend(np.zeros((10, 16), np.float32))
    batch = np.random.default_rng(4).standard_normal((4000, 16)).astype(np.float32)
    eng.extend(batch, wait=False)
    assert eng.num_samples == 10
    with pytest.raises(RuntimeError, match="settle"):
        eng.extend(batch)
    eng.settle()
    eng.settle()  # nothing pending: no-op
    assert eng.num_samples == 4010
    expected = batch.copy()
    batch[:] = 7  # settled: the engine no longer reads the caller's array
    assert np.array_equal(eng.read(slice(10, None)), expected)


@pytest.mark.parametrize("finish", ["settle", "abandon"])
def test_an_unsettled_extend_that_fails_or_is_abandoned_leaves_nothing(finish) -> None:
    store = PartsRecorder()
    eng = TensorEngine(store, "t", _meta())
    first = np.ones((100, 16), np.float32)
    eng.extend(first)
    batch = np.random.default_rng(5).standard_normal((4000, 16)).astype(np.float32)
    if finish == "settle":
        store.fail_next = 10**6  # every chunk write fails, and so does every retry
    eng.extend(batch, wait=False)
    if finish == "settle":
        with pytest.raises(OSError, match="disk full"):
            eng.settle()
        store.fail_next = 0
    else:
        eng.abandon()
    assert eng.num_samples == 100
    batch[:] = -1  # nothing may still be reading it
    eng.extend(np.full((50, 16), 2, np.float32))
    eng.flush("idx")
    want = np.concatenate([first, np.full((50, 16), 2, np.float32)])
    assert np.array_equal(eng.read(slice(None)), want)
    again = TensorEngine(store, "t", TensorMeta.model_validate(eng.meta.model_dump()), "idx")
    assert np.array_equal(again.read(slice(None)), want)
    again.check_integrity()


class ThreadRecorder(DictStorage):
    """Records the thread of every chunk write; chunk writes take ``delay`` seconds
    (a sleep, which lets other threads run, as a real disk write does)."""

    def __init__(self, delay: float = 0.0, interrupt_on_main: bool = False) -> None:
        super().__init__()
        self.delay = delay
        self.interrupt_on_main = interrupt_on_main
        self.threads: list[str] = []

    def set_parts(self, key, parts) -> None:
        import threading
        import time

        if "/chunks/" in key:
            me = threading.current_thread()
            self.threads.append("main" if me is threading.main_thread() else me.name)
            if self.interrupt_on_main and me is threading.main_thread():
                self.interrupt_on_main = False
                raise KeyboardInterrupt
            time.sleep(self.delay)
        super().set_parts(key, parts)


@pytest.mark.timeout(60)
def test_borrowed_chunks_are_written_by_the_caller_and_pool_helpers() -> None:
    from deeplake_core.core.engine.io import FETCH_THREADS

    store = ThreadRecorder(delay=0.05)
    eng = TensorEngine(store, "t", _meta())
    batch = np.random.default_rng(8).standard_normal((8000, 16)).astype(np.float32)
    eng.extend(batch)  # 512 KB: eight chunks borrowed from the batch
    assert len(store.threads) == 8
    assert "main" in store.threads  # the caller writes while it waits ...
    helpers = {t for t in store.threads if t != "main"}
    assert 1 <= len(helpers) <= FETCH_THREADS - 1  # ... beside at most one per other core
    assert all(t.startswith("deeplake-core-io") for t in helpers)
    store.threads.clear()
    one = np.random.default_rng(9).standard_normal((1024, 16)).astype(np.float32)
    eng.extend(one)  # exactly one borrowed chunk: the caller alone writes it
    assert store.threads == ["main"]
    eng.flush("idx")
    assert np.array_equal(eng.read(slice(None)), np.concatenate([batch, one]))


@pytest.mark.timeout(60)
def test_an_interrupted_write_of_lent_chunks_rolls_back_without_hanging() -> None:
    store = ThreadRecorder(delay=0.02, interrupt_on_main=True)
    eng = TensorEngine(store, "t", _meta())
    first = np.ones((100, 16), np.float32)
    eng.extend(first)
    batch = np.random.default_rng(10).standard_normal((8000, 16)).astype(np.float32)
    with pytest.raises(KeyboardInterrupt):
        eng.extend(batch)  # the caller's own chunk write is interrupted
    assert eng.num_samples == 100
    batch[:] = -1  # nothing may still be reading it
    eng.extend(np.full((50, 16), 2, np.float32))
    eng.flush("idx")
    want = np.concatenate([first, np.full((50, 16), 2, np.float32)])
    again = TensorEngine(store, "t", TensorMeta.model_validate(eng.meta.model_dump()), "idx")
    assert np.array_equal(again.read(slice(None)), want)
    again.check_integrity()
