"""What ``list_plugins()`` and ``deeplake-core plugins`` report about each plugin."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from deeplake_core.plugins.discovery import (
    Candidate,
    Settings,
    discover,
    initial_status,
    read_settings,
    status_reason,
)
from deeplake_core.plugins.specs import Provenance

#: ``not loaded``: found, not imported (yet); ``disabled``: not selected
#: (``DEEPLAKE_CORE_PLUGINS`` / autoload off); ``blocked``: blocked by name;
#: ``failed``: import, hooks or specs broken; ``incompatible``: other API or kernel.
PluginStatus = Literal["not loaded", "loaded", "blocked", "disabled", "failed", "incompatible"]


class PluginRecord(BaseModel):
    """One plugin: identity, status and (once loaded) what it provides."""

    model_config = ConfigDict(extra="forbid")

    name: str
    distribution: str | None = None
    version: str | None = None
    #: Entry-point value (``acme_htypes._plugin``); ``None`` for in-process plugins.
    entry_point: str | None = None
    #: Whether this is the kernel's own built-in plugin.
    builtin: bool = False
    status: PluginStatus = "not loaded"
    #: Why the plugin failed, is incompatible, blocked or disabled.
    reason: str | None = None
    #: Plugin API major version it declared (``plugin_info``), once loaded.
    api: int | None = None
    description: str = ""
    #: kind -> names provided (only kinds with at least one name).
    provides: dict[str, list[str]] = Field(default_factory=dict)
    #: Event hooks implemented.
    hooks: list[str] = Field(default_factory=list)
    #: Problems with single specs that were dropped (the rest of the plugin works).
    problems: list[str] = Field(default_factory=list)

    @property
    def provenance(self) -> Provenance:
        return Provenance(
            plugin=self.name,
            distribution=self.distribution,
            version=self.version,
            entry_point=self.entry_point,
        )


def record_for(candidate: Candidate, settings: Settings) -> PluginRecord:
    """The record of a discovered, not yet loaded plugin under ``settings``."""
    status = initial_status(candidate, settings)
    return PluginRecord(
        name=candidate.name,
        distribution=candidate.distribution,
        version=candidate.version,
        entry_point=candidate.value,
        builtin=candidate.builtin,
        status=status,  # type: ignore[arg-type]
        reason=status_reason(status, settings),
    )


def preview_records(settings: Settings | None = None) -> list[PluginRecord]:
    """Records of every discovered plugin, from metadata only (nothing imported)."""
    settings = read_settings() if settings is None else settings
    records = [record_for(c, settings) for c in discover()]
    return sorted(records, key=lambda r: (not r.builtin, r.name))
