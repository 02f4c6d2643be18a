"""Plugin errors (defined in :mod:`deeplake_core.exceptions`, re-exported here) and
the warning category for plugin problems that do not stop the kernel."""

from __future__ import annotations

from deeplake_core.exceptions import (
    IncompatiblePluginError,
    MissingPluginError,
    PluginCallError,
    PluginConflictError,
    PluginError,
    PluginLoadError,
    PluginSpecError,
)


class PluginWarning(UserWarning):
    """A plugin was skipped (failed, incompatible, unmatched name ...); the kernel and
    other plugins keep working."""


__all__ = [
    "IncompatiblePluginError",
    "MissingPluginError",
    "PluginCallError",
    "PluginConflictError",
    "PluginError",
    "PluginLoadError",
    "PluginSpecError",
    "PluginWarning",
]
