"""LRUCache: accounting, eviction, write-back order, ranges, pickling."""

from __future__ import annotations

import pickle

import pytest

from deeplake_core.storage.cache import LRUCache
from deeplake_core.storage.local import LocalProvider
from deeplake_core.storage.memory import MemoryProvider


class Recorder(MemoryProvider):
    """A memory provider that records the writes and deletes it receives."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[tuple[str, str]] = []

    def set(self, key, value):
        self.log.append(("set", key))
        super().set(key, value)

    def delete(self, key):
        self.log.append(("del", key))
        super().delete(key)

    def get(self, key):
        self.log.append(("get", key))
        return super().get(key)

    def get_range(self, key, start, end=None):
        self.log.append(("range", key))
        return super().get_range(key, start, end)


def _accounting_ok(cache: LRUCache) -> None:
    assert cache.cache_used == sum(cache.cache_storage.size(k) for k in cache.lru)
    assert cache.cache_used <= cache.cache_size
    assert set(cache.cache_storage) == set(cache.lru)
    assert set(cache.dirty) <= set(cache.lru)


def test_write_back_on_flush_in_write_order() -> None:
    base = Recorder()
    cache = LRUCache(MemoryProvider(), base, 1000)
    for key in ["a", "b", "c", "a"]:
        cache[key] = key.encode() * 3
    assert base.log == []  # nothing written yet
    cache.flush()
    assert base.log == [("set", "b"), ("set", "c"), ("set", "a")]  # order of last write
    assert cache.dirty == {}
    cache.flush()
    assert len(base.log) == 3  # clean keys are not rewritten
    _accounting_ok(cache)


def test_eviction_writes_back_earlier_dirty_keys_first() -> None:
    base = Recorder()
    cache = LRUCache(MemoryProvider(), base, 10)
    cache["m"] = b"1234"  # dirty, oldest write
    cache["c"] = b"1234"  # dirty
    cache["m"]  # m becomes most recently used; c is now LRU
    cache["n"] = b"1234"  # evicts c, which needs m (written earlier) forwarded first
    assert [k for op, k in base.log if op == "set"] == ["m", "c"]
    assert "c" not in cache.lru and "m" in cache.lru and "m" not in cache.dirty
    _accounting_ok(cache)
    cache.flush()
    assert base["n"] == b"1234" and base["m"] == b"1234"


def test_oversized_value_writes_through_after_dirty_keys() -> None:
    base = Recorder()
    cache = LRUCache(MemoryProvider(), base, 8)
    cache["small"] = b"12"
    cache["small"]
    cache["huge"] = b"x" * 50
    assert [k for op, k in base.log if op == "set"] == ["small", "huge"]
    assert "huge" not in cache.lru
    cache["small"] = b"3" * 8  # replaced in place; exact accounting
    assert cache.cache_used == 8
    _accounting_ok(cache)


@pytest.mark.parametrize("how", ["set_parts", "write_through"])
def test_a_failed_write_through_keeps_the_cached_older_value(how) -> None:
    """A large value (or a write_through) replacing a key whose older value exists only
    in the cache: when the write to the next layer fails, the older value survives."""

    class Failing(MemoryProvider):
        fail = False

        def set(self, key, value):
            if self.fail and bytes(value) != b"old":
                raise OSError("disk full")
            super().set(key, value)

    base = Failing()
    cache = LRUCache(MemoryProvider(), base, 1 << 20, stream_threshold=64)
    cache["k"] = b"old"  # dirty: only in the cache
    base.fail = True
    with pytest.raises(OSError, match="disk full"):
        if how == "set_parts":
            cache.set_parts("k", [b"n" * 100])
        else:
            cache.write_through("k", b"new")
    assert cache["k"] == b"old" and base["k"] == b"old"
    _accounting_ok(cache)


def test_delete_is_ordered_after_pending_writes() -> None:
    base = Recorder()
    base.set("old", b"o")
    base.log.clear()
    cache = LRUCache(MemoryProvider(), base, 100)
    cache["new"] = b"n"
    cache["tmp"] = b"t"
    del cache["old"]
    assert base.log == [("set", "new"), ("set", "tmp"), ("del", "old")]
    del cache["tmp"]  # only cached-and-flushed: removed from both
    assert not base.exists("tmp")
    cache["only_cached"] = b"c"
    del cache["only_cached"]  # never reached the base: no KeyError
    assert not cache.exists("only_cached")
    with pytest.raises(KeyError):
        del cache["never"]


def test_reads_fill_cache_and_ranges() -> None:
    base = Recorder()
    base.set("k", b"0123456789")
    base.set("big", b"B" * 100)
    base.log.clear()
    cache = LRUCache(MemoryProvider(), base, 20)
    assert cache.get_range("k", 2, 4) == b"23"  # not cached: forwarded as a range
    assert base.log == [("range", "k")]
    assert cache["k"] == b"0123456789"
    assert cache["k"] == b"0123456789"
    assert cache.get_range("k", 5) == b"56789"
    assert base.log == [("range", "k"), ("get", "k")]  # later reads served by the cache
    assert cache["big"] == b"B" * 100  # too big to cache
    assert "big" not in cache.lru
    assert cache.size("k") == 10 and cache.exists("big")
    _accounting_ok(cache)


def test_listing_merges_layers() -> None:
    base = MemoryProvider()
    base["a/1"] = b"1"
    cache = LRUCache(MemoryProvider(), base, 100)
    cache["a/2"] = b"2"
    cache["a/1"]
    assert sorted(cache.list_prefix("a/")) == ["a/1", "a/2"]
    assert len(cache) == 2


def test_clear_cache_keeps_storage() -> None:
    base = MemoryProvider()
    inner = LRUCache(MemoryProvider(), base, 100)
    outer = LRUCache(MemoryProvider(), inner, 100)
    outer["k"] = b"v"
    outer.clear_cache()
    assert base["k"] == b"v"
    assert outer.cache_used == 0 and inner.cache_used == 0
    assert list(outer.cache_storage) == [] and list(inner.cache_storage) == []
    assert outer["k"] == b"v"


def test_clear_removes_everywhere() -> None:
    base = MemoryProvider()
    cache = LRUCache(MemoryProvider(), base, 100)
    cache["p/1"] = b"1"
    cache["q"] = b"2"
    cache.flush()
    cache["p/2"] = b"3"
    cache.clear("p/")
    assert sorted(base) == ["q"] and sorted(cache) == ["q"]
    _accounting_ok(cache)


def test_set_if_absent_goes_to_base() -> None:
    base = MemoryProvider()
    base["exists"] = b"1"
    cache = LRUCache(MemoryProvider(), base, 100)
    cache["pending"] = b"p"
    assert cache.set_if_absent("exists", b"2") is False
    assert cache.set_if_absent("pending", b"2") is False
    assert cache.set_if_absent("fresh", b"3") is True
    assert base["fresh"] == b"3" and base["pending"] == b"p"
    assert cache.supports_conditional_put


def test_read_only_propagates() -> None:
    base = MemoryProvider()
    cache = LRUCache(MemoryProvider(), base, 100)
    cache.enable_readonly()
    assert base.read_only
    cache.disable_readonly()
    assert not base.read_only


def test_cache_storage_cannot_be_a_cache() -> None:
    with pytest.raises(TypeError):
        LRUCache(LRUCache(MemoryProvider(), MemoryProvider(), 1), MemoryProvider(), 1)
    with pytest.raises(ValueError):
        LRUCache(MemoryProvider(), MemoryProvider(), -1)
    assert LRUCache(MemoryProvider(), MemoryProvider(), cache_size_bytes=5).cache_size == 5


def test_pickle_flushes_and_carries_no_data(tmp_path) -> None:
    base = LocalProvider(tmp_path / "base")
    cache = LRUCache(MemoryProvider(), base, 100)
    cache["k"] = b"payload-bytes"
    blob = pickle.dumps(cache)
    assert b"payload-bytes" not in blob
    assert base["k"] == b"payload-bytes"  # flushed before pickling
    clone = pickle.loads(blob)
    assert clone.lru == {} and clone.cache_used == 0
    assert clone["k"] == b"payload-bytes"


def test_pickle_moves_local_cache_dir(tmp_path) -> None:
    disk = LocalProvider(tmp_path / "cache")
    cache = LRUCache(disk, MemoryProvider(), 100)
    cache["k"] = b"v"
    clone = pickle.loads(pickle.dumps(cache))
    assert clone.cache_storage.root != disk.root
    assert clone.owns_cache_storage
    clone["j"] = b"w"
    clone.close()
    assert not (tmp_path / "cache").exists() or disk.exists("k")
    assert not clone.cache_storage.exists("j")


def test_stale_miss_not_cached_after_concurrent_delete() -> None:
    base = MemoryProvider()
    base["k"] = b"v"
    cache = LRUCache(MemoryProvider(), base, 100)

    class Racing(MemoryProvider):
        def get(self, key):
            value = base.get(key)
            cache.delete(key)  # a writer deletes while the read is in flight
            return value

        def delete(self, key):
            base.delete(key)

    cache.next_storage = Racing()
    cache["k"]
    cache.next_storage = base
    assert "k" not in cache.lru
    assert not cache.exists("k")
