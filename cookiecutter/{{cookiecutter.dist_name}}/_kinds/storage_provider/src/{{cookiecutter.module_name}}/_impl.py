"""Implementation of the ``{{ cookiecutter.__scheme }}://`` storage provider, imported on first use.

A working example backend: values live in a dict per root, shared by every provider
opened on that root in this process (like the kernel's ``mem://``). To connect a real
service, keep the class's contract and replace the dict operations in the six
required methods (``get``, ``set``, ``delete``, ``list_prefix``, ``exists``, ``size``)
with the service's calls; override ``get_range`` and ``set_if_absent`` when the service
offers ranged reads and conditional writes.

The contract (``deeplake_core.storage.base.StorageProvider``): keys are relative,
``/``-separated and checked with :func:`~deeplake_core.storage.keys.check_key`, so no
key can leave the root; a missing key raises ``KeyError``; writes on a read-only
provider raise ``ReadOnlyModeError`` (``check_readonly``); ``set`` is atomic.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from deeplake_core.storage.base import Buffer, StorageProvider, check_range
from deeplake_core.storage.keys import check_key, check_prefix

SCHEME = "{{ cookiecutter.__scheme }}://"

_STORES: dict[str, dict[str, bytes]] = {}
_LOCK = threading.Lock()  # guards _STORES and every compound update of a store


class {{ cookiecutter.__class_name }}Provider(StorageProvider):
    """Key-value storage for ``{{ cookiecutter.__scheme }}://<root>`` URLs."""

    supports_conditional_put = True

    def __init__(self, root: str, *, read_only: bool = False) -> None:
        # A real backend takes its settings and credentials here as keyword arguments
        # (open_storage(url, creds=..., **options) passes them); never keep
        # credentials where repr() or pickling would reveal them.
        name = root[len(SCHEME) :] if root.startswith(SCHEME) else root
        self.root = SCHEME + name.strip("/")
        self.read_only = read_only
        with _LOCK:
            self._data = _STORES.setdefault(self.root, {})

    # -- reads ---------------------------------------------------------------------
    def get(self, key: str) -> bytes:
        return self._data[check_key(key)]

    def get_range(self, key: str, start: int, end: int | None = None) -> bytes:
        check_range(start, end)
        return self._data[check_key(key)][start:end]

    def exists(self, key: str) -> bool:
        return check_key(key) in self._data

    def size(self, key: str) -> int:
        return len(self._data[check_key(key)])

    def list_prefix(self, prefix: str = "") -> Iterator[str]:
        prefix = check_prefix(prefix)
        with _LOCK:
            keys = [k for k in self._data if k.startswith(prefix)]
        return iter(keys)

    # -- writes --------------------------------------------------------------------
    def set(self, key: str, value: Buffer) -> None:
        self.check_readonly()
        key, data = check_key(key), bytes(value)
        with _LOCK:
            self._data[key] = data

    def set_if_absent(self, key: str, value: Buffer) -> bool:
        self.check_readonly()
        key, data = check_key(key), bytes(value)
        with _LOCK:  # atomic check-and-set: what supports_conditional_put promises
            if key in self._data:
                return False
            self._data[key] = data
            return True

    def delete(self, key: str) -> None:
        self.check_readonly()
        key = check_key(key)
        with _LOCK:
            del self._data[key]
