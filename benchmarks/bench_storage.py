"""Storage micro-benchmarks: local set/get (durable or not), range reads, cache hits.

Run: ``.venv/bin/python benchmarks/bench_storage.py``.
"""

from __future__ import annotations

import os
import tempfile
import time

from deeplake_core.storage.cache import LRUCache
from deeplake_core.storage.local import LocalProvider
from deeplake_core.storage.memory import MemoryProvider


def _per_op(fn, n: int) -> float:
    t = time.perf_counter()
    for i in range(n):
        fn(i)
    return (time.perf_counter() - t) / n * 1e3


def main() -> None:
    for durable in (False, True):
        for size, n in ((4096, 300), (1 << 20, 40), (8 << 20, 10)):
            store = LocalProvider(tempfile.mkdtemp(prefix="dlc-bench-"), durable=durable)
            value = os.urandom(size)
            set_ms = _per_op(lambda i, s=store, v=value: s.set(f"c/{i}", v), n)
            get_ms = _per_op(lambda i, s=store: s.get(f"c/{i}"), n)
            print(
                f"local durable={durable!s:5} {size:>8} B  set {set_ms:7.3f} ms  get {get_ms:7.3f} ms"
            )
            store.clear()
    store = LocalProvider(tempfile.mkdtemp(prefix="dlc-bench-"), durable=False)
    store.set("big", os.urandom(64 << 20))
    range_ms = _per_op(lambda i: store.get_range("big", i * 4096, i * 4096 + 4096), 2000)
    print(f"local get_range 4 KiB from 64 MiB value: {range_ms * 1e3:7.1f} us")
    store.clear()
    cache = LRUCache(MemoryProvider(), MemoryProvider(), 1 << 30)
    cache.set("k", b"x" * 4096)
    print(f"LRUCache memory hit: {_per_op(lambda i: cache.get('k'), 100_000) * 1e3:7.2f} us")


if __name__ == "__main__":
    main()
