"""In-process memory storage (``mem://``).

Every :class:`MemoryProvider` opened on the same root in one process sees the same data
(``mem://x`` opened twice is one store), as a dataset path should behave; the data lives
until the store is cleared or the process exits. Roots are independent namespaces:
``mem://a`` and ``mem://a/b`` do not overlap (use :meth:`subdir` for nested views).
``MemoryProvider()`` without a root is private to the instance (used for cache layers).

Pickling keeps the root but never the data. Unpickling a shared store attaches to the
same root in the receiving process: the same data in the same process, a copy in a
forked child. In a fresh process (``spawn``) that root does not exist and unpickling
raises :class:`~deeplake_core.exceptions.MemoryDatasetCanNotBePickledError` rather than
silently yielding an empty store. A private store unpickles empty.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from deeplake_core.exceptions import MemoryDatasetCanNotBePickledError
from deeplake_core.storage.base import (
    Buffer,
    StorageProvider,
    buffer_views,
    check_range,
    scatter,
)
from deeplake_core.storage.keys import check_key, check_prefix

SCHEME = "mem://"


class _Store:
    """One namespace of keys, guarded by a lock for compound operations."""

    __slots__ = ("data", "lock")

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}
        self.lock = threading.Lock()


_STORES: dict[str, _Store] = {}
_STORES_LOCK = threading.Lock()


def _shared_store(root: str) -> _Store:
    with _STORES_LOCK:
        store = _STORES.get(root)
        if store is None:
            store = _STORES[root] = _Store()
        return store


def normalize_root(root: str) -> str:
    """``mem://a/b/`` -> ``a/b``: the name under which the store is shared."""
    text = root[len(SCHEME) :] if root.startswith(SCHEME) else root
    return text.strip("/")


class MemoryProvider(StorageProvider):
    """Keys and values held in a dict, shared per root within the process."""

    supports_conditional_put = True

    def __init__(self, root: str = "", *, shared: bool | None = None, read_only: bool = False):
        self.root = SCHEME + normalize_root(root) if root else ""
        self.shared = bool(root) if shared is None else shared
        self.read_only = read_only
        self._store = _shared_store(self.root) if self.shared else _Store()

    # -- reads ------------------------------------------------------------------------
    def get(self, key: str) -> bytes:
        return self._store.data[check_key(key)]

    def get_range(self, key: str, start: int, end: int | None = None) -> bytes:
        check_range(start, end)
        value = self._store.data[check_key(key)]
        return bytes(memoryview(value)[start:end])

    def read_into(self, key: str, out: Buffer | Sequence[Buffer], start: int = 0) -> int:
        check_range(start, None)
        views = buffer_views(out)
        value = self._store.data[check_key(key)]
        return scatter(memoryview(value)[start : start + sum(v.nbytes for v in views)], views)

    def exists(self, key: str) -> bool:
        return check_key(key) in self._store.data

    def size(self, key: str) -> int:
        return len(self._store.data[check_key(key)])

    def list_prefix(self, prefix: str = "") -> Iterator[str]:
        prefix = check_prefix(prefix)
        with self._store.lock:
            keys = list(self._store.data)
        return iter([k for k in keys if k.startswith(prefix)])

    def __len__(self) -> int:
        return len(self._store.data)

    # -- writes -----------------------------------------------------------------------
    def set(self, key: str, value: Buffer) -> None:
        self.check_readonly()
        key = check_key(key)
        data = bytes(value)
        with self._store.lock:
            self._store.data[key] = data

    def set_if_absent(self, key: str, value: Buffer) -> bool:
        self.check_readonly()
        key = check_key(key)
        data = bytes(value)
        with self._store.lock:
            if key in self._store.data:
                return False
            self._store.data[key] = data
            return True

    def delete(self, key: str) -> None:
        self.check_readonly()
        key = check_key(key)
        with self._store.lock:
            del self._store.data[key]

    def clear(self, prefix: str = "") -> None:
        self.check_readonly()
        prefix = check_prefix(prefix)
        with self._store.lock:
            if not prefix:
                self._store.data.clear()
            else:
                for key in [k for k in self._store.data if k.startswith(prefix)]:
                    del self._store.data[key]

    # -- pickling ---------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "shared": self.shared,
            "read_only": self.read_only,
            "pid": os.getpid(),
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.root = state["root"]
        self.shared = state["shared"]
        self.read_only = state["read_only"]
        if not self.shared:
            self._store = _Store()
            return
        with _STORES_LOCK:
            known = self.root in _STORES
        if not known and state["pid"] != os.getpid():
            raise MemoryDatasetCanNotBePickledError(
                f"{self.root!r} is held in the memory of process {state['pid']} and does "
                "not exist in this one; save the dataset to a local path to share it "
                "between processes"
            )
        self._store = _shared_store(self.root)
