"""A small process-wide pool of full-size open-chunk buffers.

An engine fills its open chunk in a buffer of ``max_chunk_size`` bytes. Memory the
process has not touched before is slow to fault in (on VMs, several times slower than
writing it), so a new engine (a new dataset, the next ingest) takes a buffer another
engine finished with instead of allocating one. Engines give their spare buffers back
when they flush, and when they hold more spares than they reuse themselves.

The pool is bounded: at most :func:`limit` bytes sit idle in it
(``DEEPLAKE_CORE_BUFFER_POOL_MB``, default 64; ``0`` disables it). :func:`clear`
drops them (``Dataset.clear_cache`` calls it).
"""

from __future__ import annotations

import os
import threading

import numpy as np

from deeplake_core.codecs.limits import DecodeLimit

#: Environment variable: megabytes of idle buffers the pool may keep.
ENV_POOL_MB = "DEEPLAKE_CORE_BUFFER_POOL_MB"
DEFAULT_POOL_MB = 64
_limit_mb = DecodeLimit(ENV_POOL_MB, DEFAULT_POOL_MB, minimum=0)

_lock = threading.Lock()
_free: dict[int, list[np.ndarray]] = {}
_held = 0


def limit() -> int:
    """Bytes of idle buffers the pool may keep."""
    return _limit_mb.get() << 20


def take(nbytes: int) -> np.ndarray | None:
    """A pooled uint8 buffer of exactly ``nbytes``, or None if there is none."""
    global _held
    with _lock:
        bufs = _free.get(nbytes)
        if not bufs:
            return None
        _held -= nbytes
        return bufs.pop()


def give(buf: np.ndarray) -> bool:
    """Offer ``buf`` (no longer referenced by its engine) to the pool; False if the
    pool is full (the buffer is then simply freed)."""
    global _held
    n = buf.nbytes
    if buf.dtype != np.uint8 or buf.ndim != 1 or not buf.flags.owndata:
        return False
    with _lock:
        if _held + n > limit():
            return False
        _free.setdefault(n, []).append(buf)
        _held += n
        return True


def held() -> int:
    """Bytes of idle buffers in the pool."""
    return _held


def clear() -> None:
    """Free every pooled buffer."""
    global _held
    with _lock:
        _free.clear()
        _held = 0


def _after_fork() -> None:  # a forked child starts with an empty pool (and a fresh lock)
    global _lock, _held
    _lock = threading.Lock()
    _free.clear()
    _held = 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)
