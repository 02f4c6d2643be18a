"""Credentials of ``link[...]`` tensors: named creds keys, populated per open dataset.

* A dataset records the *names* of its creds keys in its manifest (extra key
  ``link_creds``: ``{"keys": [...], "managed": [...]}``), so they are versioned like
  everything else and survive a reload.
* The *values* given to :meth:`LinkCredsMixin.populate_creds` live only in this
  process: in a table keyed by the open dataset's state (a weak reference, so they go
  away with the dataset), wrapped in a
  :class:`~deeplake_core.storage.creds.CredsHandle`. They are never written to
  storage, never part of a ``repr``, a pickle or an error message, and must be
  populated again after every reload (as the reference documents).
* Managed credentials (``managed=True``) are a feature of Activeloop's hosted
  platform, which deeplake-core does not talk to: asking for them raises
  ``ValueError`` with that explanation, the error the reference documents for
  datasets not connected to the platform.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from typing import Any

from deeplake_core.exceptions import CredsKeyNotFoundError, LinkedSampleError

_MANIFEST_KEY = "link_creds"
#: state -> {creds key: CredsHandle | FROM_ENVIRONMENT}
_TABLE: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


class _FromEnvironment:
    """Marker: the key was populated with ``from_environment=True``."""

    def __repr__(self) -> str:
        return "FROM_ENVIRONMENT"


FROM_ENVIRONMENT = _FromEnvironment()

_NO_PLATFORM = (
    "managed credentials are stored on Activeloop's hosted platform, which deeplake-core "
    "does not connect to; add the key with managed=False and give its credentials with "
    "ds.populate_creds(key, creds) or ds.populate_creds(key, from_environment=True)"
)


# ------------------------------------------------------------------ names (manifest)


def creds_keys(state: Any) -> list[str]:
    """Names of the creds keys recorded in the dataset (in the order added)."""
    data = getattr(state.manifest, _MANIFEST_KEY, None)
    if not isinstance(data, dict):
        return []
    return [str(k) for k in data.get("keys", [])]


def _set_keys(state: Any, keys: list[str]) -> None:
    setattr(state.manifest, _MANIFEST_KEY, {"keys": list(keys), "managed": []})
    state.mark_meta()


def _check_name(creds_key: Any, what: str = "creds_key") -> str:
    if not isinstance(creds_key, str) or not creds_key:
        raise TypeError(f"{what} is a non-empty str naming the credentials, got {creds_key!r}")
    return creds_key


def _missing(state: Any, creds_key: str) -> CredsKeyNotFoundError:
    known = ", ".join(repr(k) for k in creds_keys(state)) or "(none)"
    return CredsKeyNotFoundError(
        f"creds key {creds_key!r} is not in this dataset (keys: {known}); add it with "
        f"ds.add_creds_key({creds_key!r})"
    )


# ------------------------------------------------------------------ values (process)


def _values(state: Any) -> dict[str, Any]:
    with _LOCK:
        table = _TABLE.get(state)
        if table is None:
            table = _TABLE[state] = {}
        return table


def get_creds(state: Any, creds_key: str) -> Any:
    """The credentials populated for ``creds_key``: a mapping, or None when they come
    from the environment (the storage provider's own credential chain).

    ``LinkedSampleError`` (a ``ValueError``) if the key is unknown or not populated.
    """
    if creds_key not in creds_keys(state):
        raise LinkedSampleError(
            f"a link names creds key {creds_key!r}, which this dataset does not have; add "
            f"it with ds.add_creds_key({creds_key!r}) and populate it with ds.populate_creds"
        )
    value = _values(state).get(creds_key)
    if value is None:
        raise LinkedSampleError(
            f"creds key {creds_key!r} is not populated in this session (credentials are "
            f"never stored with the dataset); call ds.populate_creds({creds_key!r}, creds) "
            f"or ds.populate_creds({creds_key!r}, from_environment=True) after every load"
        )
    return None if value is FROM_ENVIRONMENT else value.get()


# ------------------------------------------------------------------ mixin


class LinkCredsMixin:
    """The creds-key methods of ``Dataset`` (``add_creds_key`` ... ``get_creds_keys``)."""

    _state: Any

    def add_creds_key(self, creds_key: str, managed: bool = False) -> None:
        """Add a creds key: a name that ``deeplake.link(path, creds_key=...)`` refers to.

        The name is stored with the dataset; the credentials themselves are given each
        session with :meth:`populate_creds`. ``managed=True`` raises ``ValueError``
        (managed credentials need Activeloop's hosted platform).
        """
        _check_name(creds_key)
        if managed:
            raise ValueError(_NO_PLATFORM)
        state = self._state
        keys = creds_keys(state)
        if creds_key in keys:
            raise ValueError(f"creds key {creds_key!r} already exists in this dataset")
        with state.write():
            _set_keys(state, [*keys, creds_key])

    def populate_creds(
        self, creds_key: str, creds: dict | None = None, from_environment: bool = False
    ) -> None:
        """Give the credentials of ``creds_key`` for this session (kept in memory only;
        populate again after every load). ``from_environment=True`` lets the storage
        provider find them itself (environment variables, config files, instance roles).

        For ``http(s)`` links, ``creds={"headers": {...}}`` adds request headers (only
        sent to the link's own host: never forwarded on a redirect to another host).
        """
        _check_name(creds_key)
        state = self._state
        if creds_key not in creds_keys(state):
            raise _missing(state, creds_key)
        if from_environment and creds is not None:
            raise ValueError("pass creds or from_environment=True, not both")
        if not from_environment:
            if creds is None:
                raise ValueError(
                    "pass the credentials (a dict) or from_environment=True to take them "
                    "from the environment"
                )
            if not isinstance(creds, Mapping):
                raise TypeError(f"creds is a dict of credentials, got {type(creds).__name__}")
        from deeplake_core.storage.creds import CredsHandle

        value = FROM_ENVIRONMENT if from_environment else CredsHandle(dict(creds or {}))
        table = _values(state)
        with _LOCK:
            table[creds_key] = value

    def update_creds_key(
        self,
        creds_key: str,
        new_creds_key: str | None = None,
        managed: bool | None = None,
    ) -> None:
        """Rename a creds key (links that use it follow the new name; populated
        credentials move with it). ``managed=True`` raises ``ValueError`` (no hosted
        platform); ``managed=False`` keeps the key as it is.

        ``ValueError`` if neither ``new_creds_key`` nor ``managed`` is given, or the new
        name exists; ``KeyError`` if ``creds_key`` is not in the dataset.
        """
        _check_name(creds_key)
        if new_creds_key is None and managed is None:
            raise ValueError("give new_creds_key, managed, or both")
        state = self._state
        keys = creds_keys(state)
        if creds_key not in keys:
            raise _missing(state, creds_key)
        if managed:
            raise ValueError(_NO_PLATFORM)
        if new_creds_key is None or new_creds_key == creds_key:
            return
        _check_name(new_creds_key, "new_creds_key")
        if new_creds_key in keys:
            raise ValueError(f"creds key {new_creds_key!r} already exists in this dataset")
        from deeplake_core.core import links

        with state.write():
            links.rename_creds_key(state, creds_key, new_creds_key)
            _set_keys(state, [new_creds_key if k == creds_key else k for k in keys])
        table = _values(state)
        with _LOCK:
            if creds_key in table:
                table[new_creds_key] = table.pop(creds_key)

    def get_creds_keys(self) -> set[str]:
        """The names of the dataset's creds keys."""
        return set(creds_keys(self._state))

    def get_managed_creds_keys(self) -> list[str]:
        """Creds keys managed by Activeloop's platform: always empty in deeplake-core."""
        return []
