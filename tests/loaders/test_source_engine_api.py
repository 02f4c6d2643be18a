"""The loader reads engines through their public API only (``read_bytes_many`` and
``chunk_ids``), falling back to decoded arrays when stored files do not exist."""

from __future__ import annotations

import numpy as np

from deeplake_core.core.engine.engine import TensorEngine
from deeplake_core.core.engine.meta import TensorMeta
from deeplake_core.loaders.source import stored_bytes
from deeplake_core.storage.memory import MemoryProvider


def _engine(**meta) -> TensorEngine:
    return TensorEngine(MemoryProvider(), "t", TensorMeta(**meta))


def test_stored_bytes_are_the_engines_bulk_bytes():
    eng = _engine(sample_compression="lz4", max_chunk_size=300)
    eng.extend([np.full((i + 1,), i, np.uint8) for i in range(40)])
    rows = np.array([5, 0, 39, 5])
    assert stored_bytes(eng, rows) == [eng.read_bytes(int(r)) for r in rows]


def test_stored_bytes_none_when_a_sample_is_tiled():
    eng = _engine(sample_compression="lz4", tiling_threshold=64)
    rng = np.random.default_rng(0)
    eng.extend([np.zeros((4, 4), np.uint8), rng.integers(0, 256, (64, 64), dtype=np.uint8)])
    assert stored_bytes(eng, np.array([0])) is not None
    assert stored_bytes(eng, np.array([0, 1])) is None


def test_stored_bytes_none_for_chunk_compression():
    eng = _engine(chunk_compression="lz4")
    eng.extend(np.zeros((3, 2), np.int32))
    assert stored_bytes(eng, np.array([0, 1])) is None
