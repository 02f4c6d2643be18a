"""Storage: key-value providers, the LRU cache chain and the writer lock.

``open_storage(path)`` picks a provider by URL scheme from the plugin registry and
wraps it in cache layers. Importing this package is cheap: the classes below are
loaded on first access.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deeplake_core.storage.base import StorageProvider

#: Cache sizes given to :func:`open_storage` are in MB of this size (as in the reference).
MB = 1 << 20
#: Where local-disk cache layers live unless ``local_cache_path`` is given.
DEFAULT_LOCAL_CACHE_PATH = os.path.join("~", ".cache", "deeplake_core")

_LAZY = {
    "StorageProvider": "deeplake_core.storage.base",
    "MemoryProvider": "deeplake_core.storage.memory",
    "LocalProvider": "deeplake_core.storage.local",
    "PrefixedProvider": "deeplake_core.storage.prefixed",
    "LRUCache": "deeplake_core.storage.cache",
    "WriterLock": "deeplake_core.storage.lock",
    "check_key": "deeplake_core.storage.keys",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'deeplake_core.storage' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def url_scheme(path: str) -> str:
    """The lowercase URL scheme of ``path`` (``""`` for plain filesystem paths)."""
    scheme, sep, _ = path.partition("://")
    if not sep or not scheme or not scheme[0].isalpha():
        return ""
    return scheme.lower()


def open_storage(
    path: str | os.PathLike[str] | StorageProvider,
    creds: Any = None,
    read_only: bool = False,
    memory_cache_size: int = 2000,
    local_cache_size: int = 0,
    local_cache_path: str | os.PathLike[str] | None = None,
    **provider_options: Any,
) -> StorageProvider:
    """Open the storage at ``path`` with its cache chain.

    The provider is chosen by URL scheme from the plugin registry (plain paths, ``~``
    and ``file://`` -> local; ``mem://`` -> memory). ``provider_options`` go to the
    provider (e.g. ``durable=False`` for local storage). Cache sizes are in MB:
    ``memory_cache_size`` for an in-memory LRU layer (skipped over ``mem://``),
    ``local_cache_size`` for a local-disk layer under ``local_cache_path`` (a private
    directory per open, removed by ``close()``). A size of 0 disables a layer.
    ``path`` may also be a provider instance, which is wrapped as it is.
    """
    from deeplake_core.storage.base import StorageProvider
    from deeplake_core.storage.cache import LRUCache
    from deeplake_core.storage.memory import MemoryProvider

    if isinstance(path, StorageProvider):
        base = path
    else:
        from deeplake_core.plugins import get_registry

        url = os.fspath(path)
        providers = get_registry().storage_providers
        spec = providers.for_scheme(url_scheme(url))
        cls = providers.load(spec.name)
        base = cls.from_url(url, creds=creds, **provider_options)
        if not spec.supports_writes:
            base.enable_readonly()
    if read_only:
        base.enable_readonly()

    storage = base
    if local_cache_size > 0:
        import shutil
        import weakref

        cache_dir = _private_cache_dir(base.root, local_cache_path)
        storage = LRUCache(cache_dir, storage, int(local_cache_size * MB), owns_cache_storage=True)
        # Remove the private directory even if the cache is never closed.
        weakref.finalize(storage, shutil.rmtree, cache_dir.root, ignore_errors=True)
    if memory_cache_size > 0 and not isinstance(base, MemoryProvider):
        storage = LRUCache(
            MemoryProvider(), storage, int(memory_cache_size * MB), owns_cache_storage=True
        )
    storage.read_only = base.read_only
    return storage


def _private_cache_dir(root: str, local_cache_path: str | os.PathLike[str] | None):
    import hashlib
    import uuid

    from deeplake_core.storage.local import LocalProvider

    parent = os.path.expanduser(os.fspath(local_cache_path or DEFAULT_LOCAL_CACHE_PATH))
    digest = hashlib.sha256(root.encode()).hexdigest()[:16]
    name = f"{digest}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    return LocalProvider(os.path.join(parent, name), durable=False)


def get_base_storage(storage: StorageProvider) -> StorageProvider:
    """The provider beneath every cache layer of ``storage``."""
    from deeplake_core.storage.cache import LRUCache

    while isinstance(storage, LRUCache):
        storage = storage.next_storage
    return storage


def remove_memory_cache(storage: StorageProvider) -> StorageProvider:
    """``storage`` without its top in-memory cache layer (flushed first)."""
    from deeplake_core.storage.cache import LRUCache
    from deeplake_core.storage.memory import MemoryProvider

    if isinstance(storage, LRUCache) and isinstance(storage.cache_storage, MemoryProvider):
        storage._flush_if_not_read_only()
        return storage.next_storage
    return storage


__all__ = [
    "MB",
    "LRUCache",
    "LocalProvider",
    "MemoryProvider",
    "PrefixedProvider",
    "StorageProvider",
    "WriterLock",
    "check_key",
    "get_base_storage",
    "open_storage",
    "remove_memory_cache",
    "url_scheme",
]
