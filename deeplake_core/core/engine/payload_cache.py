"""A process-wide cache of verified chunk payloads, for single-sample reads.

Reading one sample normally fetches only the checksum blocks holding it. When the
same chunk keeps being hit by single-sample reads (random access into a hot set), the
engine fetches and verifies the whole chunk once and keeps the payload here; later
reads of that chunk are a slice, with no storage call and no checksum pass.

Chunks are immutable and their keys hold random ids, so an entry is never stale. The
cache is bounded in bytes (``DEEPLAKE_CORE_PAYLOAD_CACHE_MB``, default 256; 0 turns it
off) and evicts the least recently used payloads. Thread-safe.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Hashable

#: Environment variable holding the cache budget in MiB.
ENV_BUDGET = "DEEPLAKE_CORE_PAYLOAD_CACHE_MB"
DEFAULT_BUDGET_MB = 256


class PayloadCache:
    """Least-recently-used payloads (memoryviews) within a byte budget."""

    def __init__(self, budget: int):
        self.budget = max(0, int(budget))
        self.used = 0
        self._items: OrderedDict[Hashable, memoryview] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> memoryview | None:
        with self._lock:
            payload = self._items.get(key)
            if payload is not None:
                self._items.move_to_end(key)
            return payload

    def put(self, key: Hashable, payload: memoryview) -> None:
        """Keep ``payload`` (already verified) unless it is larger than the budget."""
        size = payload.nbytes
        if size > self.budget:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.used -= old.nbytes
            while self._items and self.used + size > self.budget:
                _, dropped = self._items.popitem(last=False)
                self.used -= dropped.nbytes
            self._items[key] = payload
            self.used += size

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.used = 0

    def __len__(self) -> int:
        return len(self._items)


_cache: PayloadCache | None = None
_lock = threading.Lock()


def _budget() -> int:
    mb = os.environ.get(ENV_BUDGET, "")
    try:
        return int(float(mb) * (1 << 20)) if mb else DEFAULT_BUDGET_MB << 20
    except ValueError:
        raise ValueError(f"{ENV_BUDGET} must be a number of MiB, got {mb!r}") from None


def payload_cache() -> PayloadCache:
    """The process's cache (created on first use; a forked child starts a fresh one)."""
    global _cache
    got = _cache
    if got is not None:
        return got
    with _lock:
        if _cache is None:
            _cache = PayloadCache(_budget())
        return _cache


def _forget_after_fork() -> None:
    global _cache, _lock
    _cache = None
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)
