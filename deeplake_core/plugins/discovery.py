"""Finding plugins and deciding which to load, from package metadata only.

Nothing here imports a plugin: :func:`discover` reads entry points, :func:`read_settings`
reads the environment, :func:`plan` assigns each candidate its initial status.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from deeplake_core.exceptions import PluginError
from deeplake_core.plugins.specs import Provenance

#: Entry-point group (equal to the pluggy project name).
GROUP = "deeplake_core"
#: The kernel's own plugin: always loaded, cannot be blocked.
BUILTIN = "builtin"
BUILTIN_MODULE = "deeplake_core.builtin._plugin"
KERNEL_DIST = "deeplake-core"

ENV_DISABLE_AUTOLOAD = "DEEPLAKE_CORE_DISABLE_PLUGIN_AUTOLOAD"
ENV_PLUGINS = "DEEPLAKE_CORE_PLUGINS"
ENV_BLOCK = "DEEPLAKE_CORE_BLOCK_PLUGINS"
ENV_PREFER = "DEEPLAKE_CORE_PREFER"
ENV_TRACE = "DEEPLAKE_CORE_TRACE_PLUGINS"

_TRUE = {"1", "true", "yes", "on"}


def normalize_dist(name: str) -> str:
    """PEP 503 normalised distribution name (``Acme_Htypes`` -> ``acme-htypes``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def kernel_version() -> str:
    from deeplake_core import __version__

    return __version__


@dataclass(frozen=True)
class Candidate:
    """One entry point of the ``deeplake_core`` group (not imported)."""

    name: str
    #: Entry-point value: ``module`` or ``module:attr``.
    value: str
    distribution: str | None
    version: str | None
    #: The distribution's ``Requires-Dist`` lines.
    requires: tuple[str, ...] = ()
    entry_point: Any = field(default=None, compare=False, repr=False)

    @property
    def builtin(self) -> bool:
        return (
            self.name == BUILTIN
            and self.distribution is not None
            and (normalize_dist(self.distribution) == KERNEL_DIST)
        )

    def matches(self, token: str) -> bool:
        """Whether ``token`` names this plugin (entry-point or distribution name)."""
        if token == self.name:
            return True
        return self.distribution is not None and normalize_dist(token) == normalize_dist(
            self.distribution
        )

    def provenance(self) -> Provenance:
        return Provenance(
            plugin=self.name,
            distribution=self.distribution,
            version=self.version,
            entry_point=self.value,
        )

    def load(self) -> Any:
        """Import the entry point's object (a module, usually)."""
        if self.entry_point is not None:
            return self.entry_point.load()
        import importlib

        module_name, _, attr = self.value.partition(":")
        obj: Any = importlib.import_module(module_name)
        for part in filter(None, attr.split(".")):
            obj = getattr(obj, part)
        return obj


def discover() -> list[Candidate]:
    """Every entry point of the group, de-duplicated by (distribution, name), sorted.

    The kernel's built-in plugin is always present, even when the kernel runs from a
    source tree without installed metadata.
    """
    from importlib.metadata import entry_points

    found: dict[tuple[str, str], Candidate] = {}
    for ep in entry_points(group=GROUP):
        dist = getattr(ep, "dist", None)
        dist_name = dist.metadata["Name"] if dist is not None else None
        key = (normalize_dist(dist_name) if dist_name else "", ep.name)
        if key in found:
            continue
        found[key] = Candidate(
            name=ep.name,
            value=ep.value,
            distribution=dist_name,
            version=dist.version if dist is not None else None,
            requires=tuple(dist.requires or ()) if dist is not None else (),
            entry_point=ep,
        )
    candidates = sorted(found.values(), key=lambda c: (c.name, c.distribution or ""))
    if not any(c.builtin for c in candidates):
        candidates.insert(0, Candidate(BUILTIN, BUILTIN_MODULE, KERNEL_DIST, kernel_version()))
    return candidates


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    """Plugin selection, from the environment plus in-process calls."""

    #: ``None``: load every discovered plugin; otherwise only these (plus the builtin).
    only: tuple[str, ...] | None = None
    blocked: tuple[str, ...] = ()
    #: ``(kind, name) -> plugin`` choices for conflicting names.
    prefer: Mapping[tuple[str, str], str] = field(default_factory=dict)
    trace: bool = False
    #: ``only == ()`` because of ``DEEPLAKE_CORE_DISABLE_PLUGIN_AUTOLOAD``.
    autoload_disabled: bool = False


def parse_prefer(text: str) -> dict[tuple[str, str], str]:
    """Parse ``"htypes.image=acme,codecs.jpeg=fastjpeg"``."""
    from deeplake_core.plugins.specs import SPEC_KINDS

    prefer: dict[tuple[str, str], str] = {}
    for item in _split(text):
        key, sep, plugin = item.partition("=")
        kind, dot, name = key.strip().partition(".")
        kind = _kind_aliases().get(kind, kind)
        if not sep or not dot or not name or not plugin.strip() or kind not in SPEC_KINDS:
            raise PluginError(
                f"{ENV_PREFER} entry {item!r} is malformed: expected "
                f"'<kind>.<name>=<plugin>' with kind one of {', '.join(SPEC_KINDS)}"
            )
        prefer[(kind, name.strip())] = plugin.strip()
    return prefer


def _kind_aliases() -> dict[str, str]:
    from deeplake_core.plugins.specs import SPEC_KINDS

    aliases = {kind: kind for kind in SPEC_KINDS}
    for kind, model in SPEC_KINDS.items():
        aliases[model.model_fields["kind"].default] = kind
    return aliases


def canonical_kind(kind: str) -> str:
    """``"htype"`` or ``"htypes"`` -> ``"htypes"``; raise for unknown kinds."""
    aliases = _kind_aliases()
    if kind not in aliases:
        raise PluginError(
            f"unknown plugin kind {kind!r}; expected one of {', '.join(sorted(set(aliases.values())))}"
        )
    return aliases[kind]


def read_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``DEEPLAKE_CORE_*`` environment variables."""
    env = os.environ if environ is None else environ
    only: tuple[str, ...] | None = None
    disabled = False
    if ENV_PLUGINS in env:
        only = _split(env[ENV_PLUGINS])
    elif env.get(ENV_DISABLE_AUTOLOAD, "").strip().lower() in _TRUE:
        only, disabled = (), True
    return Settings(
        only=only,
        autoload_disabled=disabled,
        blocked=_split(env.get(ENV_BLOCK, "")),
        prefer=parse_prefer(env.get(ENV_PREFER, "")),
        trace=env.get(ENV_TRACE, "").strip().lower() in _TRUE,
    )


def check_not_essential(tokens: Iterable[str], candidates: Iterable[Candidate]) -> None:
    """Refuse to block the kernel's built-in plugin."""
    builtins = [c for c in candidates if c.builtin]
    for token in tokens:
        if token == BUILTIN or any(c.matches(token) for c in builtins):
            raise PluginError(
                f"cannot block {token!r}: the kernel's built-in plugin {BUILTIN!r} "
                "(memory and local storage, lz4, generic/text/json/list) is essential; "
                f"remove it from {ENV_BLOCK} / block()"
            )


def unmatched(
    tokens: Iterable[str], candidates: Iterable[Candidate], others: Iterable[str] = ()
) -> list[str]:
    """Tokens that name no candidate (nor one of ``others``, in-process plugin names)."""
    candidates = list(candidates)
    other_names = set(others)
    return [
        t
        for t in dict.fromkeys(tokens)
        if t not in other_names and not any(c.matches(t) for c in candidates)
    ]


def initial_status(candidate: Candidate, settings: Settings) -> str:
    """``"blocked"``, ``"disabled"`` (not selected) or ``"not loaded"`` (to load)."""
    if candidate.builtin:
        return "not loaded"
    if any(candidate.matches(t) for t in settings.blocked):
        return "blocked"
    if settings.only is not None and not any(candidate.matches(t) for t in settings.only):
        return "disabled"
    return "not loaded"


def status_reason(status: str, settings: Settings) -> str | None:
    """The ``reason`` shown for a plugin that is blocked or not selected."""
    if status == "blocked":
        return f"blocked ({ENV_BLOCK} or block())"
    if status == "disabled":
        if settings.autoload_disabled:
            return f"plugin autoload disabled ({ENV_DISABLE_AUTOLOAD})"
        return f"not selected ({ENV_PLUGINS})"
    return None


def check_requires(candidate: Candidate) -> str | None:
    """Why the candidate's ``Requires-Dist`` excludes the running kernel, or ``None``.

    Skipped (``None``) when :mod:`packaging` is not importable.
    """
    if not candidate.requires:
        return None
    try:
        from packaging.requirements import InvalidRequirement, Requirement
        from packaging.version import InvalidVersion, Version
    except ImportError:  # pragma: no cover - packaging is almost always present
        return None
    try:
        running = Version(kernel_version())
    except InvalidVersion:  # pragma: no cover
        return None
    for line in candidate.requires:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        if normalize_dist(req.name) != KERNEL_DIST:
            continue
        if req.marker is not None:
            try:
                if not req.marker.evaluate({"extra": ""}):
                    continue
            except Exception:
                continue
        if req.specifier and not req.specifier.contains(running, prereleases=True):
            return (
                f"requires {KERNEL_DIST}{req.specifier} but {KERNEL_DIST} {running} is "
                f"running; install a version of {candidate.distribution} made for it"
            )
    return None
