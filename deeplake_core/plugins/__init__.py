"""The plugin kernel: public surface for plugin authors and for the rest of the kernel.

Importing this package is cheap: it neither scans entry points nor imports pluggy.
Plugins are discovered and loaded on the first call that needs them
(:func:`get_registry`, :func:`emit`, :func:`register`, ``list_plugins(load=True)``).

Plugin authors need :data:`hookimpl`, :data:`PLUGIN_API` and the spec models of
:mod:`deeplake_core.plugins.specs`; see :mod:`deeplake_core.plugins.hookspecs` for the
hooks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from deeplake_core._lazy import lazy_attributes
from deeplake_core.plugins.errors import (
    IncompatiblePluginError,
    MissingPluginError,
    PluginCallError,
    PluginConflictError,
    PluginError,
    PluginLoadError,
    PluginSpecError,
    PluginWarning,
)

if TYPE_CHECKING:
    import pluggy

    from deeplake_core.plugins.records import PluginRecord
    from deeplake_core.plugins.registry import Registry

#: Plugin API major version. A plugin declares the one it targets in ``plugin_info()``;
#: a different major is refused (:class:`IncompatiblePluginError`).
PLUGIN_API = 1

#: Entry-point group plugins are declared in.
ENTRY_POINT_GROUP = "deeplake_core"

#: public name -> module defining it (resolved on first access).
_LAZY = {
    "hookimpl": "deeplake_core.plugins._markers",
    "hookspec": "deeplake_core.plugins._markers",
    "PluginRecord": "deeplake_core.plugins.records",
    "Registry": "deeplake_core.plugins.registry",
    "KindRegistry": "deeplake_core.plugins.registry",
    "StorageProviderRegistry": "deeplake_core.plugins.registry",
    "Provenance": "deeplake_core.plugins.specs",
    "PluginInfo": "deeplake_core.plugins.specs",
    "SPEC_KINDS": "deeplake_core.plugins.specs",
    "HtypeSpec": "deeplake_core.plugins.specs",
    "CodecSpec": "deeplake_core.plugins.specs",
    "StorageProviderSpec": "deeplake_core.plugins.specs",
    "QueryFunctionSpec": "deeplake_core.plugins.specs",
    "SchedulerSpec": "deeplake_core.plugins.specs",
    "VectorIndexSpec": "deeplake_core.plugins.specs",
    "IngestSourceSpec": "deeplake_core.plugins.specs",
    "IntegrationSpec": "deeplake_core.plugins.specs",
}


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals())


def get_registry() -> Registry:
    """The registry of every kind (htypes, codecs, storage providers ...).

    Built on first use (plugins are discovered and loaded then) and cached until a
    plugin is registered, unregistered, blocked, unblocked or preferred.
    """
    from deeplake_core.plugins.manager import get_host

    return get_host().registry()


def reset_registry() -> None:
    """Forget every plugin and setting; the next use rediscovers plugins and re-reads
    the ``DEEPLAKE_CORE_*`` environment. For tests."""
    from deeplake_core.plugins.manager import reset

    reset()


def plugin_manager() -> pluggy.PluginManager:
    """The underlying pluggy manager, with entry-point plugins loaded."""
    from deeplake_core.plugins.manager import get_host

    host = get_host()
    host.ensure_loaded()
    return host.pm


class PluginHandle:
    """Returned by :func:`register`. ``unregister()`` (or leaving the ``with`` block)
    removes the plugin."""

    def __init__(self, name: str, plugin: Any) -> None:
        self.name = name
        self.plugin = plugin
        self._active = True

    def unregister(self) -> None:
        if self._active:
            self._active = False
            unregister(self.name)

    def __enter__(self) -> PluginHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.unregister()

    def __repr__(self) -> str:
        state = "registered" if self._active else "unregistered"
        return f"<PluginHandle {self.name!r} {state}>"


def register(plugin: Any, name: str | None = None) -> PluginHandle:
    """Register ``plugin`` (an object or module with ``@hookimpl`` functions) in-process.

    Its specs are validated at once (:class:`PluginSpecError`); the historic
    ``on_configured`` hook replays for it. Use the handle as a context manager to
    unregister on exit.
    """
    from deeplake_core.plugins.manager import get_host

    return PluginHandle(get_host().register(plugin, name), plugin)


def unregister(name: str) -> None:
    """Remove an in-process plugin registered under ``name``."""
    from deeplake_core.plugins.manager import get_host

    get_host().unregister(name)


def block(*names: str) -> None:
    """Block plugins by entry-point or distribution name (unloading them if loaded).

    The kernel's built-in plugin cannot be blocked (:class:`PluginError`).
    """
    from deeplake_core.plugins.manager import get_host

    get_host().block(names)


def unblock(*names: str) -> None:
    """Undo :func:`block` (or ``DEEPLAKE_CORE_BLOCK_PLUGINS``) for these names."""
    from deeplake_core.plugins.manager import get_host

    get_host().unblock(names)


def prefer(kind: str, name: str, plugin: str) -> None:
    """Resolve a name two plugins provide: ``prefer("htypes", "image", "acme")``.

    Same as ``DEEPLAKE_CORE_PREFER="htypes.image=acme"``; ``plugin`` is an entry-point
    or distribution name. This call overrides the environment.
    """
    from deeplake_core.plugins.manager import get_host

    get_host().prefer(kind, name, plugin)


def list_plugins(load: bool = False) -> list[PluginRecord]:
    """Every plugin found (built-in first), as :class:`PluginRecord` models.

    ``load=False`` reads package metadata only and imports nothing (plugins already
    loaded in this process show their actual status). ``load=True`` loads plugins and
    builds the registry, filling ``provides``, ``hooks`` and failure reasons.
    """
    import sys

    manager = sys.modules.get("deeplake_core.plugins.manager")
    if not load and (manager is None or not manager.has_host()):
        from deeplake_core.plugins.records import preview_records

        return preview_records()
    from deeplake_core.plugins.manager import get_host

    return get_host().records(load=load)


def emit(event: str, **kwargs: Any) -> list[Any]:
    """Call event hook ``event`` (``on_dataset_created`` ...) on every plugin.

    Returns the non-``None`` results. An exception raised by a plugin is re-raised as
    :class:`PluginCallError` naming it. ``on_configured`` is historic: plugins
    registered later receive it too.
    """
    from deeplake_core.plugins.manager import get_host

    return get_host().emit(event, kwargs)


__all__ = [
    "ENTRY_POINT_GROUP",
    "PLUGIN_API",
    "IncompatiblePluginError",
    "MissingPluginError",
    "PluginCallError",
    "PluginConflictError",
    "PluginError",
    "PluginHandle",
    "PluginLoadError",
    "PluginSpecError",
    "PluginWarning",
    "block",
    "emit",
    "get_registry",
    "hookimpl",
    "hookspec",
    "list_plugins",
    "plugin_manager",
    "prefer",
    "register",
    "reset_registry",
    "unblock",
    "unregister",
]
