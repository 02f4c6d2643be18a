"""Name -> spec tables, one per kind, built from the specs plugins returned.

:func:`build_registry` resolves names (conflicts, ``replaces``, user preferences,
aliases), runs cross-checks between kinds, and produces an immutable :class:`Registry`.
Implementations named by import strings are imported by :meth:`KindRegistry.load` on
first use and cached.
"""

from __future__ import annotations

import importlib
import importlib.util
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from deeplake_core.exceptions import (
    MissingPluginError,
    PluginConflictError,
    PluginError,
    PluginLoadError,
    PluginSpecError,
    _plugin_kind_label,
)
from deeplake_core.plugins.specs import (
    SPEC_KINDS,
    CodecSpec,
    HtypeSpec,
    IngestSourceSpec,
    IntegrationSpec,
    PluginSpec,
    Provenance,
    QueryFunctionSpec,
    SchedulerSpec,
    StorageProviderSpec,
    VectorIndexSpec,
)

S = TypeVar("S", bound=PluginSpec)

#: Kinds whose names are matched case-insensitively.
CASE_INSENSITIVE_KINDS = frozenset({"query_functions"})


@dataclass(frozen=True)
class Entry:
    """A validated spec and the plugin it came from."""

    spec: PluginSpec
    provenance: Provenance


@dataclass(frozen=True)
class Failure:
    """Why a known name is unusable: raised afresh (chained) on each lookup."""

    error_type: type[PluginError]
    message: str
    plugin: str | None = None
    cause: BaseException | None = None

    def raise_(self) -> None:
        raise self.error_type(self.message, plugin=self.plugin) from self.cause


@dataclass(frozen=True)
class _Conflict:
    kind: str
    name: str
    providers: tuple[str, ...]

    def raise_(self) -> None:
        raise PluginConflictError(self.kind, self.name, self.providers)


def resolve_import(path: str) -> Any:
    """Import ``"package.module:attr.sub"`` and return the attribute."""
    module_name, _, attr = path.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in filter(None, attr.split(".")):
        obj = getattr(obj, part)
    return obj


def plugin_matches(provenance: Provenance, token: str) -> bool:
    """Whether ``token`` (plugin or distribution name) designates ``provenance``."""
    from deeplake_core.plugins.discovery import normalize_dist

    if token == provenance.plugin:
        return True
    return provenance.distribution is not None and normalize_dist(token) == normalize_dist(
        provenance.distribution
    )


class KindRegistry(Generic[S]):
    """The specs of one kind (``htypes``, ``codecs`` ...), by name."""

    def __init__(
        self,
        kind: str,
        table: Mapping[str, Entry],
        *,
        conflicts: Mapping[str, _Conflict] | None = None,
        failures: Mapping[str, Failure] | None = None,
        notes: Sequence[str] = (),
    ) -> None:
        self.kind = kind
        self._table = dict(table)
        self._conflicts = dict(conflicts or {})
        self._failures = dict(failures or {})
        self._notes = tuple(notes)
        self._cache: dict[str, Any] = {}
        self._lock = threading.RLock()

    # -------------------------------------------------------------- lookup
    def _key(self, name: str) -> str:
        return name.lower() if self.kind in CASE_INSENSITIVE_KINDS else name

    def _entry(
        self, name: str, distribution: str | None = None, version_spec: str | None = None
    ) -> Entry:
        key = self._key(name)
        entry = self._table.get(key)
        if entry is not None:
            return entry
        if key in self._conflicts:
            self._conflicts[key].raise_()
        if key in self._failures:
            self._failures[key].raise_()
        raise MissingPluginError(self.kind, name, distribution, version_spec, notes=self._notes)

    def get(
        self, name: str, *, distribution: str | None = None, version_spec: str | None = None
    ) -> S:
        """The spec answering to ``name`` (or one of its aliases).

        Raises :class:`MissingPluginError` (naming ``distribution``/``version_spec``
        when given, e.g. from a dataset's recorded provenance),
        :class:`PluginConflictError` when two plugins provide the name, or
        :class:`PluginLoadError`/:class:`PluginSpecError` when the plugin providing it
        failed.
        """
        return self._entry(name, distribution, version_spec).spec  # type: ignore[return-value]

    def __getitem__(self, name: str) -> S:
        return self.get(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._key(name) in self._table

    def canonical(self, name: str) -> str:
        """The spec name behind ``name`` (resolving aliases and ``replaces``)."""
        return self._entry(name).spec.name

    def names(self) -> list[str]:
        """Sorted spec names (aliases excluded)."""
        return sorted({e.spec.name for e in self._table.values()})

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())

    def items(self) -> list[tuple[str, S]]:
        """``(name, spec)`` pairs, sorted by name (aliases excluded)."""
        specs = {e.spec.name: e.spec for e in self._table.values()}
        return sorted(specs.items())  # type: ignore[return-value]

    def provenance(self, name: str) -> Provenance:
        """Which plugin (distribution, version, entry point) provides ``name``."""
        return self._entry(name).provenance

    def conflicts(self) -> dict[str, tuple[str, ...]]:
        """Names provided by several plugins with nothing choosing one -> providers."""
        return {k: c.providers for k, c in sorted(self._conflicts.items())}

    def failures(self) -> dict[str, str]:
        """Names known to be provided by a broken plugin or spec -> reason."""
        return {k: f.message for k, f in sorted(self._failures.items())}

    def __repr__(self) -> str:
        return f"<KindRegistry {self.kind}: {', '.join(self.names())}>"

    # -------------------------------------------------------------- implementations
    def _target(self, spec: PluginSpec) -> str | None:
        if isinstance(spec, HtypeSpec):
            return spec.behavior
        return getattr(spec, "impl", None)

    def load(self, name: str) -> Any:
        """The implementation behind ``name``, imported on first use and cached.

        Codecs give an instance of their class; other kinds the imported attribute
        itself; htypes their ``behavior`` class (``None`` when they declare none).
        """
        entry = self._entry(name)
        spec = entry.spec
        with self._lock:
            if spec.name in self._cache:
                return self._cache[spec.name]
            target = self._target(spec)
            value = None if target is None else self._import(spec, entry.provenance, target)
            self._cache[spec.name] = value
            return value

    def _import(self, spec: PluginSpec, provenance: Provenance, target: str) -> Any:
        label = f"{_plugin_kind_label(self.kind)} {spec.name!r}"
        for module in getattr(spec, "requires", ()):
            try:
                found = importlib.util.find_spec(module) is not None
            except (ImportError, ValueError):
                found = False
            if not found:
                hint = (
                    getattr(spec, "install_hint", "") or f"install the package providing {module!r}"
                )
                raise PluginLoadError(
                    f"{label} from {provenance.describe()} needs the module {module!r}, "
                    f"which is not installed; {hint}",
                    plugin=provenance.plugin,
                )
        try:
            value = resolve_import(target)
            if isinstance(spec, CodecSpec) and isinstance(value, type):
                value = value()
        except Exception as exc:
            raise PluginLoadError(
                f"cannot load {target!r} for {label} from {provenance.describe()}: "
                f"{type(exc).__name__}: {exc}",
                plugin=provenance.plugin,
            ) from exc
        return value


class StorageProviderRegistry(KindRegistry[StorageProviderSpec]):
    """Storage providers, also looked up by URL scheme."""

    def __init__(
        self,
        kind: str,
        table: Mapping[str, Entry],
        *,
        schemes: Mapping[str, Entry] | None = None,
        scheme_conflicts: Mapping[str, _Conflict] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(kind, table, **kwargs)
        self._schemes = dict(schemes or {})
        self._scheme_conflicts = dict(scheme_conflicts or {})

    def _scheme_entry(self, scheme: str) -> Entry:
        for key in (scheme.lower(), "*"):
            if key in self._schemes:
                return self._schemes[key]
            if key in self._scheme_conflicts:
                self._scheme_conflicts[key].raise_()
        raise MissingPluginError(
            self.kind, f"{scheme}://" if scheme else "<plain path>", notes=self._notes
        )

    def for_scheme(self, scheme: str) -> StorageProviderSpec:
        """The provider serving URL scheme ``scheme`` (``""`` = plain paths); falls back
        to a provider declaring the scheme ``"*"``."""
        return self._scheme_entry(scheme).spec  # type: ignore[return-value]

    def name_for_scheme(self, scheme: str) -> str:
        return self._scheme_entry(scheme).spec.name

    def scheme_conflicts(self) -> dict[str, tuple[str, ...]]:
        """Schemes served by several providers with nothing choosing one -> providers."""
        return {k: c.providers for k, c in sorted(self._scheme_conflicts.items())}

    def schemes(self) -> dict[str, str]:
        """Scheme -> provider name."""
        return {s: e.spec.name for s, e in sorted(self._schemes.items())}


class Registry:
    """Every kind's table. Obtain it with :func:`deeplake_core.plugins.get_registry`;
    it is immutable: after a plugin is registered or blocked, fetch it again."""

    htypes: KindRegistry[HtypeSpec]
    codecs: KindRegistry[CodecSpec]
    storage_providers: StorageProviderRegistry
    query_functions: KindRegistry[QueryFunctionSpec]
    schedulers: KindRegistry[SchedulerSpec]
    vector_indexes: KindRegistry[VectorIndexSpec]
    ingest_sources: KindRegistry[IngestSourceSpec]
    integrations: KindRegistry[IntegrationSpec]

    def __init__(self, kinds: Mapping[str, KindRegistry[Any]]) -> None:
        self._kinds = dict(kinds)
        for kind, table in self._kinds.items():
            setattr(self, kind, table)

    def __getitem__(self, kind: str) -> KindRegistry[Any]:
        from deeplake_core.plugins.discovery import canonical_kind

        return self._kinds[canonical_kind(kind)]

    def kinds(self) -> list[str]:
        return list(self._kinds)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}={len(v)}" for k, v in self._kinds.items())
        return f"<Registry {sizes}>"


# ------------------------------------------------------------------ building


@dataclass
class _Resolved:
    table: dict[str, Entry] = field(default_factory=dict)
    conflicts: dict[str, _Conflict] = field(default_factory=dict)
    failures: dict[str, Failure] = field(default_factory=dict)


def _choose(
    kind: str,
    key: str,
    candidates: list[Entry],
    prefer: Mapping[tuple[str, str], str],
    is_replacer: Callable[[Entry], bool],
) -> Entry | _Conflict:
    """One winner among ``candidates`` for ``key``, or a conflict. Never load order."""
    if len(candidates) == 1:
        return candidates[0]
    chosen = prefer.get((kind, key))
    if chosen is not None:
        picked = [e for e in candidates if plugin_matches(e.provenance, chosen)]
        if len(picked) == 1:
            return picked[0]
    replacers = [e for e in candidates if is_replacer(e)]
    if len(replacers) == 1:
        return replacers[0]
    providers = tuple(sorted(e.provenance.describe() for e in candidates))
    return _Conflict(kind, key, providers)


def _unique(entries: list[Entry]) -> list[Entry]:
    seen: dict[int, Entry] = {}
    for e in entries:
        seen.setdefault(id(e), e)
    return list(seen.values())


def _resolve_names(
    kind: str, entries: list[Entry], prefer: Mapping[tuple[str, str], str]
) -> _Resolved:
    key = (lambda n: n.lower()) if kind in CASE_INSENSITIVE_KINDS else (lambda n: n)
    out = _Resolved()
    # 1. Primary names and ``replaces`` targets.
    claims: dict[str, list[Entry]] = {}
    for e in entries:
        claims.setdefault(key(e.spec.name), []).append(e)
        if e.spec.replaces:
            claims.setdefault(key(e.spec.replaces), []).append(e)
    for k in sorted(claims):
        cands = _unique(claims[k])
        winner = _choose(
            kind,
            k,
            cands,
            prefer,
            lambda e, k=k: e.spec.replaces is not None and key(e.spec.replaces) == k,
        )
        if isinstance(winner, _Conflict):
            out.conflicts[k] = winner
        else:
            out.table[k] = winner
    # 2. An entry stays active only if it won its own name; losers' aliases are dropped.
    active = [e for e in entries if out.table.get(key(e.spec.name)) is e]
    alias_claims: dict[str, list[Entry]] = {}
    for e in active:
        for alias in getattr(e.spec, "aliases", ()):
            alias_claims.setdefault(key(alias), []).append(e)
    for k in sorted(alias_claims):
        cands = _unique(alias_claims[k])
        if k in out.conflicts:
            continue
        if k in out.table:
            if all(c is out.table[k] for c in cands):
                continue
            cands = _unique([out.table[k], *cands])
        winner = _choose(kind, k, cands, prefer, lambda e: False)
        if isinstance(winner, _Conflict):
            out.table.pop(k, None)
            out.conflicts[k] = winner
        else:
            out.table[k] = winner
    return out


def _resolve_schemes(
    table: Mapping[str, Entry], prefer: Mapping[tuple[str, str], str]
) -> tuple[dict[str, Entry], dict[str, _Conflict]]:
    providers = _unique(list(table.values()))
    claims: dict[str, list[Entry]] = {}
    for e in providers:
        for scheme in e.spec.schemes:  # type: ignore[attr-defined]
            claims.setdefault(scheme, []).append(e)
    schemes: dict[str, Entry] = {}
    conflicts: dict[str, _Conflict] = {}
    for scheme in sorted(claims):
        cands = claims[scheme]
        names = {e.spec.name for e in cands}
        winner = _choose(
            "storage_providers",
            scheme,
            cands,
            prefer,
            lambda e, names=names: e.spec.replaces in names - {e.spec.name},
        )
        if isinstance(winner, _Conflict):
            conflicts[scheme] = winner
        else:
            schemes[scheme] = winner
    return schemes, conflicts


def _drop(resolved: _Resolved, entry: Entry, failure: Failure) -> None:
    for k, e in list(resolved.table.items()):
        if e is entry:
            del resolved.table[k]
            resolved.failures[k] = failure


def _cross_check_htypes(
    htypes: _Resolved, codecs: _Resolved, notes: Sequence[str]
) -> list[Failure]:
    """Drop htypes whose codec names or base no loaded plugin provides."""
    failures: list[Failure] = []
    known_codecs = set(codecs.table) | set(codecs.conflicts)
    known_htypes = set(htypes.table) | set(htypes.conflicts)
    for entry in _unique(list(htypes.table.values())):
        spec: HtypeSpec = entry.spec  # type: ignore[assignment]
        problems: list[str] = []
        refs = [
            ("default_sample_compression", spec.default_sample_compression),
            ("default_chunk_compression", spec.default_chunk_compression),
            *(("allowed_compressions", c) for c in sorted(spec.allowed_compressions or ())),
        ]
        for field_name, codec in refs:
            if codec is None:
                continue
            if codec in codecs.failures:
                problems.append(
                    f"codec {codec!r} ({field_name}) is unusable: {codecs.failures[codec].message}"
                )
            elif codec not in known_codecs:
                problems.append(f"codec {codec!r} ({field_name}) is provided by no loaded plugin")
        if spec.allowed_compressions is not None:
            for field_name in ("default_sample_compression", "default_chunk_compression"):
                default = getattr(spec, field_name)
                if default is not None and default not in spec.allowed_compressions:
                    problems.append(f"{field_name} {default!r} is not in allowed_compressions")
        if spec.base is not None and spec.base not in known_htypes:
            problems.append(f"base htype {spec.base!r} is provided by no loaded plugin")
        if problems:
            message = (
                f"htype {spec.name!r} from {entry.provenance.describe()} is unusable: "
                + "; ".join(dict.fromkeys(problems))
                + ". Install the plugin providing the missing codec or htype, or fix the spec."
            )
            if notes:
                message += "\n" + "\n".join(f"  - {n}" for n in notes)
            failure = Failure(PluginSpecError, message, entry.provenance.plugin)
            _drop(htypes, entry, failure)
            failures.append(failure)
    return failures


_KIND_CLASSES: dict[str, type[KindRegistry[Any]]] = {"storage_providers": StorageProviderRegistry}


def build_registry(
    entries: Mapping[str, list[Entry]],
    *,
    prefer: Mapping[tuple[str, str], str] | None = None,
    failures: Mapping[str, Mapping[str, Failure]] | None = None,
    notes: Sequence[str] = (),
) -> tuple[Registry, list[Failure]]:
    """Resolve every kind's names and cross-check htypes against codecs.

    ``failures`` lists, per kind, names known to come from broken plugins; ``notes``
    are appended to :class:`MissingPluginError` messages (plugins that failed or are
    blocked and might provide a missing name). Returns the registry and the specs the
    cross-checks dropped.
    """
    prefer = prefer or {}
    resolved: dict[str, _Resolved] = {}
    for kind in SPEC_KINDS:
        r = _resolve_names(kind, list(entries.get(kind, ())), prefer)
        for name, failure in (failures or {}).get(kind, {}).items():
            k = name.lower() if kind in CASE_INSENSITIVE_KINDS else name
            if k not in r.table and k not in r.conflicts:
                r.failures[k] = failure
        resolved[kind] = r
    dropped = _cross_check_htypes(resolved["htypes"], resolved["codecs"], notes)
    kinds: dict[str, KindRegistry[Any]] = {}
    for kind, r in resolved.items():
        cls = _KIND_CLASSES.get(kind, KindRegistry)
        extra: dict[str, Any] = {}
        if kind == "storage_providers":
            extra["schemes"], extra["scheme_conflicts"] = _resolve_schemes(r.table, prefer)
        kinds[kind] = cls(
            kind, r.table, conflicts=r.conflicts, failures=r.failures, notes=notes, **extra
        )
    return Registry(kinds), dropped
