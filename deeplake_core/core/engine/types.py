"""Small value types of the engine's public API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class EncodedSample:
    """An already-compressed sample (e.g. a JPEG file's bytes) with its decoded shape.

    ``compression=None`` means ``buffer`` holds the raw C-order array bytes.
    """

    buffer: bytes | bytearray | memoryview
    shape: tuple[int, ...]
    dtype: Any
    compression: str | None


@dataclass
class EngineStats:
    """I/O counters of one engine (payload and header bytes included)."""

    bytes_written: int = 0
    bytes_read: int = 0
    chunks_written: int = 0
    chunks_read: int = 0
    range_reads: int = 0
    index_bytes_written: int = 0
    extra: dict[str, int] = field(default_factory=dict)
