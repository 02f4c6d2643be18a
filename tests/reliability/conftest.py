"""Shared helpers of the reliability suite: a memory/time guard."""

from __future__ import annotations

import contextlib
import tracemalloc
from collections.abc import Iterator


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
