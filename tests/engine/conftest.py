"""Fixtures for the chunk-engine tests: a dict-backed store and a counting wrapper."""

from __future__ import annotations

import pytest

from deeplake_core.storage.base import Buffer
from deeplake_core.testing.storage import DictStore as DictStorage


class CountingStorage(DictStorage):
    """Counts bytes and calls in each direction."""

    def __init__(self) -> None:
        super().__init__()
        self.written = 0
        self.read = 0
        self.sets = 0
        self.gets = 0

    def get(self, key: str) -> bytes:
        v = super().get(key)
        self.read += len(v)
        self.gets += 1
        return v

    def get_range(self, key: str, start: int, end: int | None = None) -> bytes:
        v = super().get_range(key, start, end)
        self.read += len(v)
        self.gets += 1
        return v

    def set(self, key: str, value: Buffer) -> None:
        self.written += len(value)
        self.sets += 1
        super().set(key, value)


@pytest.fixture
def store() -> DictStorage:
    return DictStorage()


@pytest.fixture
def counting_store() -> CountingStorage:
    return CountingStorage()


@pytest.fixture
def make_store() -> type[DictStorage]:
    """The store class, for tests that need several fresh stores."""
    return DictStorage


@pytest.fixture
def make_counting_store() -> type[CountingStorage]:
    return CountingStorage
