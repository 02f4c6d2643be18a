"""Shared helpers of the reliability suite: a dict store and a memory/time guard."""

from __future__ import annotations

import contextlib
import tracemalloc
from collections.abc import Iterator

from deeplake_core.storage.base import Buffer, StorageProvider, check_range


class DictStore(StorageProvider):
    """A plain dict behind the StorageProvider interface (real byte-range reads)."""

    def __init__(self, data: dict[str, bytes] | None = None) -> None:
        self.root = "dict://"
        self.data: dict[str, bytes] = dict(data or {})

    def get(self, key: str) -> bytes:
        return self.data[key]

    def get_range(self, key: str, start: int, end: int | None = None) -> bytes:
        check_range(start, end)
        return self.data[key][start:end]

    def set(self, key: str, value: Buffer) -> None:
        self.data[key] = bytes(value)

    def delete(self, key: str) -> None:
        del self.data[key]

    def list_prefix(self, prefix: str = "") -> Iterator[str]:
        return iter([k for k in self.data if k.startswith(prefix)])

    def exists(self, key: str) -> bool:
        return key in self.data

    def size(self, key: str) -> int:
        return len(self.data[key])


@contextlib.contextmanager
def bounded_memory(limit_bytes: int) -> Iterator[None]:
    """Fail if Python/numpy allocate more than ``limit_bytes`` at once inside the block."""
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    try:
        yield
    finally:
        peak = tracemalloc.get_traced_memory()[1] - base
        if started:
            tracemalloc.stop()
    assert peak <= limit_bytes, f"peak allocation {peak} bytes exceeds {limit_bytes}"
