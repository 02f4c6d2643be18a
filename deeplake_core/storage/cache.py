"""A write-back LRU cache layer in front of another provider.

``LRUCache(cache_storage, next_storage, cache_size)`` keeps up to ``cache_size`` bytes of
values in ``cache_storage`` (a memory or local-disk provider). Layers chain: the
``next_storage`` of one cache may be another cache (memory -> local disk -> base).

* Reads: a hit is served from the cache; a miss is read from ``next_storage`` and kept
  if it fits. ``get_range`` is served from the cache when the whole value is cached and
  forwarded otherwise (without caching the whole value).
* Writes go to the cache and are marked dirty. Dirty values reach ``next_storage`` on
  :meth:`flush`, on eviction, or before an operation that must be ordered after them.
* **Write order is preserved:** ``next_storage`` receives writes in the order of each
  key's last write. Evicting a dirty key first forwards every dirty key written before
  it; a value larger than the cache, a delete, a ``clear`` and a ``set_if_absent`` first
  forward all dirty keys. So the next layer only ever holds a state the writer passed
  through, and metadata written last is persisted last.
* **Streaming values bypass the cache.** A value of at least ``stream_threshold``
  bytes (default 1 MiB; also any value larger than the cache) is written straight to
  ``next_storage`` after every dirty key written before it, and is not kept: large
  values are immutable chunks written once, so buffering them only doubles memory and
  delays their I/O to :meth:`flush`. The write itself runs outside the cache's lock,
  so several threads can stream chunks at once. :meth:`set_parts` hands the parts of
  such a value to ``next_storage`` unjoined.
* ``read_into`` copies from a cached value, and otherwise reads from ``next_storage``
  straight into the caller's buffer *without* caching: it is the bulk-scan path, whose
  data would only evict the working set. ``get`` still caches what it reads.
* Size accounting is exact: ``cache_used`` is the sum of the cached values' lengths.
* Pickling keeps the configuration, never the cached data (dirty data is flushed
  first unless read-only); see :meth:`__setstate__`.
* Thread-safe: bookkeeping is guarded by a lock; a cache miss reads ``next_storage``
  without holding it.
"""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from deeplake_core.storage.base import Buffer, FramedValue, StorageProvider, check_range
from deeplake_core.storage.keys import check_key, check_prefix

#: Values of at least this many bytes are written through, not cached.
STREAM_THRESHOLD = 1 << 20


class LRUCache(StorageProvider):
    """LRU cache of ``cache_size`` bytes kept in ``cache_storage`` over ``next_storage``.

    ``owns_cache_storage=True`` (set by ``open_storage`` for caches it creates) makes
    :meth:`close` delete the cache storage's contents.
    """

    def __init__(
        self,
        cache_storage: StorageProvider,
        next_storage: StorageProvider,
        cache_size: int | None = None,
        *,
        cache_size_bytes: int | None = None,
        owns_cache_storage: bool = False,
        stream_threshold: int = STREAM_THRESHOLD,
    ):
        if isinstance(cache_storage, LRUCache):
            raise TypeError(
                "cache_storage must be a base provider (memory, local ...), not an "
                "LRUCache; chain caches through next_storage instead"
            )
        size = cache_size if cache_size is not None else cache_size_bytes
        if size is None or size < 0:
            raise ValueError(f"cache_size must be a number of bytes >= 0, got {size!r}")
        self.cache_storage = cache_storage
        self.next_storage = next_storage
        self.cache_size = int(size)
        self.owns_cache_storage = owns_cache_storage
        self.stream_threshold = int(stream_threshold)
        self.read_only = False
        self._reset_state()

    def _reset_state(self) -> None:
        self.lru: OrderedDict[str, int] = OrderedDict()  # key -> size, LRU first
        self.dirty: OrderedDict[str, None] = OrderedDict()  # by last write, oldest first
        self.cache_used = 0
        self._epoch = 0  # bumped by every mutation; guards caching stale misses
        self._lock = threading.RLock()

    # -- derived attributes -----------------------------------------------------------
    @property
    def root(self) -> str:  # type: ignore[override]
        return self.next_storage.root

    @property
    def supports_range_reads(self) -> bool:  # type: ignore[override]
        return self.next_storage.supports_range_reads

    @property
    def supports_listing(self) -> bool:  # type: ignore[override]
        return self.next_storage.supports_listing

    @property
    def supports_conditional_put(self) -> bool:  # type: ignore[override]
        return self.next_storage.supports_conditional_put

    @property
    def cache_size_bytes(self) -> int:
        return self.cache_size

    # -- internals (names follow the reference API) -----------------------------------
    def _insert_in_cache(self, key: str, value: bytes, dirty: bool) -> bool:
        """Cache ``value`` at ``key`` (evicting as needed); False if it cannot fit."""
        size = len(value)
        if size > self.cache_size:
            return False
        old = self.lru.pop(key, None)  # overwritten in place below, not deleted
        if old is not None:
            self.cache_used -= old
            self.dirty.pop(key, None)
        self._free_up_space(size)
        self.cache_storage.set(key, value)
        self.lru[key] = size
        self.cache_used += size
        if dirty:
            self.dirty[key] = None
        return True

    def _free_up_space(self, extra_size: int) -> None:
        """Evict least recently used values until ``extra_size`` more bytes fit."""
        while self.lru and self.cache_used + extra_size > self.cache_size:
            self._pop_from_cache()

    def _pop_from_cache(self) -> None:
        """Evict the least recently used value, writing it back first if dirty."""
        key = next(iter(self.lru))
        if key in self.dirty:
            for earlier in list(self.dirty):
                self._forward(earlier)
                if earlier == key:
                    break
        self._drop(key)

    def _drop(self, key: str) -> None:
        """Forget ``key`` in the cache (without writing it back)."""
        size = self.lru.pop(key, None)
        self.dirty.pop(key, None)
        if size is not None:
            self.cache_used -= size
            self.cache_storage.delete(key)

    def _forward(self, key: str) -> None:
        """Write the cached value of ``key`` to the next layer and mark it clean."""
        self._forward_value(key, self.cache_storage.get(key))

    def _forward_value(self, key: str, value: bytes) -> None:
        self.next_storage.set(key, value)
        self.dirty.pop(key, None)

    def _flush_dirty(self) -> None:
        for key in list(self.dirty):
            self._forward(key)

    def _flush_if_not_read_only(self) -> None:
        if not self.read_only:
            self.flush()

    # -- reads ------------------------------------------------------------------------
    def get(self, key: str) -> bytes:
        key = check_key(key)
        with self._lock:
            if key in self.lru:
                self.lru.move_to_end(key)
                return self.cache_storage.get(key)
            epoch = self._epoch
        value = self.next_storage.get(key)
        with self._lock:
            if epoch == self._epoch and key not in self.lru:
                self._insert_in_cache(key, value, dirty=False)
        return value

    def get_range(self, key: str, start: int, end: int | None = None) -> bytes:
        check_range(start, end)
        key = check_key(key)
        with self._lock:
            if key in self.lru:
                self.lru.move_to_end(key)
                return self.cache_storage.get_range(key, start, end)
        return self.next_storage.get_range(key, start, end)

    def read_into(self, key: str, out: Buffer | Sequence[Buffer], start: int = 0) -> int:
        check_range(start, None)
        key = check_key(key)
        with self._lock:
            if key in self.lru:
                self.lru.move_to_end(key)
                return self.cache_storage.read_into(key, out, start)
        return self.next_storage.read_into(key, out, start)

    def get_items(self, keys: Iterable[str]) -> dict[str, bytes]:
        """Read several keys (filling the cache); missing keys are left out."""
        found = {}
        for key in keys:
            with contextlib.suppress(KeyError):
                found[key] = self.get(key)
        return found

    def exists(self, key: str) -> bool:
        key = check_key(key)
        with self._lock:
            if key in self.lru:
                return True
        return self.next_storage.exists(key)

    def size(self, key: str) -> int:
        key = check_key(key)
        with self._lock:
            if key in self.lru:
                return self.lru[key]
        return self.next_storage.size(key)

    def list_prefix(self, prefix: str = "") -> Iterator[str]:
        prefix = check_prefix(prefix)
        with self._lock:
            cached = [k for k in self.lru if k.startswith(prefix)]
        seen = set(cached)
        yield from cached
        for key in self.next_storage.list_prefix(prefix):
            if key not in seen:
                yield key

    # -- writes -----------------------------------------------------------------------
    def set(self, key: str, value: Buffer) -> None:
        self.set_parts(key, (value,))

    def set_parts(self, key: str, parts: Sequence[Buffer]) -> None:
        self.check_readonly()
        key = check_key(key)
        size = sum(memoryview(p).nbytes for p in parts)
        if size >= self.stream_threshold or size > self.cache_size:
            self._write_through(key, lambda: self.next_storage.set_parts(key, parts))
            return
        data = parts[0] if len(parts) == 1 else b"".join(parts)
        data = data if isinstance(data, bytes) else bytes(data)
        with self._lock:
            self._epoch += 1
            self._insert_in_cache(key, data, dirty=True)

    def set_framed(self, key: str, value: FramedValue) -> None:
        self.check_readonly()
        key = check_key(key)
        size = value.head_len + value.payload_len
        if size >= self.stream_threshold or size > self.cache_size:
            self._write_through(key, lambda: self.next_storage.set_framed(key, value))
            return
        super().set_framed(key, value)  # small: gathered and cached by set_parts

    def _write_through(self, key: str, write: Callable[[], None]) -> None:
        """Write a large value to the next layer with ``write()``, after every dirty
        key written before it; the write itself runs without holding the lock."""
        with self._lock:
            self._epoch += 1
            self._flush_dirty()  # this key's dirty value too: a failed write keeps it
            self._drop(key)
        try:
            write()
        finally:
            with self._lock:  # a miss read concurrently must not cache the old value
                self._epoch += 1

    def write_through(self, key: str, value: Buffer) -> None:
        """Store ``value`` in the provider beneath every cache layer, after every dirty
        value written before it, keeping no copy in any layer. For keys that other
        writers may change (branch refs, version records, manifests): their readers go
        to that provider (``get_base_storage``), so a cached copy would only go stale."""
        self.check_readonly()
        key = check_key(key)
        with self._lock:
            self._epoch += 1
            self._flush_dirty()  # this key's dirty value too: a failed write keeps it
            self._drop(key)
        try:
            nxt = self.next_storage
            if isinstance(nxt, LRUCache):
                nxt.write_through(key, value)
            else:
                nxt.set(key, value)
        finally:
            with self._lock:
                self._epoch += 1

    def set_if_absent(self, key: str, value: Buffer) -> bool:
        self.check_readonly()
        key = check_key(key)
        data = value if isinstance(value, bytes) else bytes(value)
        with self._lock:
            if key in self.lru:
                return False
            self._flush_dirty()
            self._epoch += 1
            stored = self.next_storage.set_if_absent(key, data)
            if stored:
                self._insert_in_cache(key, data, dirty=False)
            return stored

    def delete(self, key: str) -> None:
        self.check_readonly()
        key = check_key(key)
        with self._lock:
            self._epoch += 1
            cached = key in self.lru
            self._drop(key)
            self._flush_dirty()
            try:
                self.next_storage.delete(key)
            except KeyError:
                if not cached:
                    raise

    def clear(self, prefix: str = "") -> None:
        """Delete every key under ``prefix`` from the cache layers and the storage."""
        self.check_readonly()
        prefix = check_prefix(prefix)
        with self._lock:
            self._epoch += 1
            for key in [k for k in self.lru if k.startswith(prefix)]:
                self._drop(key)
            self._flush_dirty()
            self.next_storage.clear(prefix)

    def flush(self) -> None:
        """Write dirty values to the next layer in write order, then flush it."""
        with self._lock:
            self._flush_dirty()
        self.next_storage.flush()

    def clear_cache(self) -> None:
        """Flush (unless read-only), then empty every cache layer; the underlying
        storage keeps its data."""
        with self._lock:
            if not self.read_only:
                self._flush_dirty()
            self._epoch += 1
            self.lru.clear()
            self.dirty.clear()
            self.cache_used = 0
            self.cache_storage.clear()
        self.next_storage.clear_cache()

    def clear_deeplake_objects(self) -> None:
        """Reference API: this cache holds only bytes, so there is nothing to drop."""

    def close(self) -> None:
        self._flush_if_not_read_only()
        if self.owns_cache_storage:
            with self._lock:
                self.lru.clear()
                self.dirty.clear()
                self.cache_used = 0
                self.cache_storage.clear()
        self.next_storage.close()

    def enable_readonly(self) -> None:
        self.read_only = True
        self.next_storage.enable_readonly()

    def disable_readonly(self) -> None:
        self.read_only = False
        self.next_storage.disable_readonly()

    def __len__(self) -> int:
        return sum(1 for _ in self.list_prefix(""))

    # -- pickling ---------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        """Configuration only; dirty values are flushed first unless read-only."""
        self._flush_if_not_read_only()
        return {
            "cache_storage": self.cache_storage,
            "next_storage": self.next_storage,
            "cache_size": self.cache_size,
            "read_only": self.read_only,
            "owns_cache_storage": self.owns_cache_storage,
            "stream_threshold": self.stream_threshold,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Rebuild an empty cache with the same configuration. A local-disk cache
        layer moves to a fresh sibling directory so that two processes never share
        (or clear) one cache directory."""
        from deeplake_core.storage.local import LocalProvider

        cache = state["cache_storage"]
        owns = state["owns_cache_storage"]
        if isinstance(cache, LocalProvider):
            fresh = f"{cache.root.rstrip(os.sep)}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            cache = LocalProvider(fresh, durable=False)
            owns = True
        self.cache_storage = cache
        self.next_storage = state["next_storage"]
        self.cache_size = state["cache_size"]
        self.read_only = state["read_only"]
        self.owns_cache_storage = owns
        self.stream_threshold = state.get("stream_threshold", STREAM_THRESHOLD)
        self._reset_state()

    def __repr__(self) -> str:
        return (
            f"LRUCache({self.cache_storage!r} -> {self.next_storage!r}, "
            f"cache_size={self.cache_size})"
        )
