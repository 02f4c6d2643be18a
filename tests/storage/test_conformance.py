"""The shared conformance suite and state machine, run for the kernel's providers."""

from __future__ import annotations

import tempfile

from deeplake_core.storage.cache import LRUCache
from deeplake_core.storage.local import LocalProvider
from deeplake_core.storage.memory import MemoryProvider
from deeplake_core.testing.storage import StorageProviderConformance, provider_state_machine


class TestMemoryProvider(StorageProviderConformance):
    def make_provider(self, tmp_path):
        return MemoryProvider(f"mem://conformance/{tmp_path.name}")


class TestPrivateMemoryProvider(StorageProviderConformance):
    def make_provider(self, tmp_path):
        return MemoryProvider()


class TestLocalProvider(StorageProviderConformance):
    def make_provider(self, tmp_path):
        return LocalProvider(tmp_path / "store")


class TestLocalProviderNotDurable(StorageProviderConformance):
    def make_provider(self, tmp_path):
        return LocalProvider(tmp_path / "store", durable=False)


class TestLRUCacheOverMemory(StorageProviderConformance):
    def make_provider(self, tmp_path):
        return LRUCache(MemoryProvider(), MemoryProvider(), 64)


class TestLRUCacheChainOverLocal(StorageProviderConformance):
    def make_provider(self, tmp_path):
        disk = LRUCache(LocalProvider(tmp_path / "cache"), LocalProvider(tmp_path / "base"), 256)
        return LRUCache(MemoryProvider(), disk, 32)


class TestPrefixedOverLocal(StorageProviderConformance):
    def make_provider(self, tmp_path):
        return LocalProvider(tmp_path / "store").subdir("sub/dir")


def _local() -> LocalProvider:
    return LocalProvider(tempfile.mkdtemp(prefix="dlc-sm-"), durable=False)


def _reopen_local(storage):
    return LocalProvider(storage.root, durable=False)


def _tiny_cache() -> LRUCache:
    return LRUCache(MemoryProvider(), MemoryProvider(), 24)


def _reopen_cache(cache):
    cache.clear_cache()
    return cache


TestMemoryStateful = provider_state_machine(MemoryProvider).TestCase
TestLocalStateful = provider_state_machine(_local, reopen=_reopen_local).TestCase
TestLRUCacheStateful = provider_state_machine(_tiny_cache, reopen=_reopen_cache).TestCase
TestLRUChainStateful = provider_state_machine(
    lambda: LRUCache(MemoryProvider(), LRUCache(MemoryProvider(), _local(), 100), 30),
    reopen=_reopen_cache,
).TestCase
