"""Appends write each byte about once; updates and pops never rewrite chunks."""

from __future__ import annotations

import numpy as np

from deeplake_core.core.engine import TensorEngine, TensorMeta


def test_append_only_with_occasional_flushes(counting_store) -> None:
    eng = TensorEngine(counting_store, "t", TensorMeta(max_chunk_size=64 * 1024))
    rng = np.random.default_rng(0)
    appended = 0
    for step in range(200):
        batch = rng.standard_normal((int(rng.integers(1, 300)), 32)).astype(np.float32)
        eng.extend(batch)
        appended += batch.nbytes
        if step % 50 == 49:
            eng.flush(f"idx-{step}")
    eng.flush("idx-final")
    ratio = counting_store.written / appended
    assert ratio < 1.05, ratio
    assert eng.stats.bytes_written == counting_store.written


def test_single_sample_appends(counting_store) -> None:
    eng = TensorEngine(counting_store, "t", TensorMeta(max_chunk_size=16 * 1024))
    appended = 0
    for i in range(3000):
        s = np.full(int(i % 17) + 1, i % 256, np.uint8)  # text-like variable-length rows
        eng.extend([s])
        appended += s.nbytes
    eng.flush("idx")
    chunk_bytes = sum(len(v) for k, v in counting_store.data.items() if "/chunks/" in k)
    assert chunk_bytes / appended < 1.02


def test_update_and_pop_write_only_new_samples(counting_store) -> None:
    eng = TensorEngine(counting_store, "t", TensorMeta(max_chunk_size=64 * 1024))
    eng.extend(np.zeros((10_000, 16), np.float32))
    eng.flush("a")
    chunks = set(eng.chunk_keys())
    before = counting_store.written
    eng.update([5, 7000], np.ones((2, 16), np.float32))
    eng.pop([1, 2, 3, 9000])
    eng.flush("b")
    assert chunks <= set(eng.chunk_keys())  # old chunks untouched and still used
    new_chunk_bytes = counting_store.written - before - len(counting_store.data["b"])
    assert new_chunk_bytes < 2 * 16 * 4 + 200  # two samples plus one chunk header
    out = eng.read(slice(None))
    assert (
        out.shape == (9996, 16) and out[2].sum() == 16 and out[6997].sum() == 16 and out.sum() == 32
    )
