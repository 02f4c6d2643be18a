"""The plugin host: loads entry points into a pluggy ``PluginManager``, checks
versions, collects specs with their provenance and builds the :class:`Registry`.

One host per process (:func:`get_host`), created on first use; nothing happens at
import. :func:`reset` discards it (tests).
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
import threading
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pluggy
from pydantic import ValidationError

from deeplake_core.exceptions import (
    IncompatiblePluginError,
    PluginCallError,
    PluginError,
    PluginLoadError,
    PluginSpecError,
    _plugin_kind_label,
)
from deeplake_core.plugins import hookspecs
from deeplake_core.plugins._markers import PROJECT
from deeplake_core.plugins.discovery import (
    BUILTIN,
    ENV_BLOCK,
    Candidate,
    Settings,
    canonical_kind,
    check_not_essential,
    check_requires,
    discover,
    initial_status,
    kernel_version,
    read_settings,
    status_reason,
    unmatched,
)
from deeplake_core.plugins.errors import PluginWarning
from deeplake_core.plugins.records import PluginRecord, preview_records, record_for
from deeplake_core.plugins.registry import Entry, Failure, Registry, build_registry
from deeplake_core.plugins.specs import SPEC_KINDS, PluginInfo, PluginSpec

logger = logging.getLogger("deeplake_core.plugins")

_KNOWN_HOOKS = frozenset(
    name for name in dir(hookspecs) if hasattr(getattr(hookspecs, name), f"{PROJECT}_spec")
)


def _plugin_api() -> int:
    from deeplake_core.plugins import PLUGIN_API

    return PLUGIN_API


def _summarise(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "<spec>"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


@dataclass
class _Plugin:
    record: PluginRecord
    candidate: Candidate | None = None
    obj: Any = None
    #: Error that made the plugin failed/incompatible (chained into lookups).
    error: BaseException | None = None
    #: kind -> names the plugin is known to provide although it failed.
    known_names: dict[str, set[str]] = field(default_factory=dict)
    #: Failed because another distribution declares the same plugin name.
    duplicate: bool = False

    @property
    def name(self) -> str:
        return self.record.name

    def describe(self) -> str:
        return self.record.provenance.describe()


class PluginHost:
    """Discovery, selection, loading and the registry for one process."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self._lock = threading.RLock()
        self._plugins: list[_Plugin] = []
        self._loaded = False
        self._loading = False
        self._settings = Settings()
        self._blocked: list[str] = []
        self._unblocked: set[str] = set()
        self._prefer: dict[tuple[str, str], str] = {}
        self._registry: Registry | None = None
        self._warned: set[str] = set()
        self._tracing = False

    # ------------------------------------------------------------------ helpers
    def _warn(self, message: str) -> None:
        if message in self._warned:
            return
        self._warned.add(message)
        logger.warning(message)
        warnings.warn(message, PluginWarning, stacklevel=4)

    def _blocked_tokens(self) -> tuple[str, ...]:
        tokens = [*self._settings.blocked, *self._blocked]
        return tuple(t for t in dict.fromkeys(tokens) if t not in self._unblocked)

    def _effective(self) -> Settings:
        return dataclasses.replace(self._settings, blocked=self._blocked_tokens())

    def _find(self, name: str) -> _Plugin | None:
        for p in self._plugins:
            if p.name == name and p.record.status == "loaded":
                return p
        return None

    def _in_process_names(self) -> list[str]:
        return [p.name for p in self._plugins if p.candidate is None]

    def _status_reason(self, status: str) -> str | None:
        return status_reason(status, self._settings)

    def _invalidate(self) -> None:
        self._registry = None

    def _install_tracing(self) -> None:
        if self._tracing:
            return
        self._tracing = True

        def before(hook_name: str, impls: list[Any], kwargs: Mapping[str, Any]) -> None:
            logger.debug(
                "hook %s -> %s (%s)", hook_name, [i.plugin_name for i in impls], ", ".join(kwargs)
            )

        def after(outcome: Any, hook_name: str, impls: list[Any], kwargs: Any) -> None:
            exc = outcome.exception
            logger.debug("hook %s %s", hook_name, f"raised {exc!r}" if exc else "returned")

        self.pm.add_hookcall_monitoring(before, after)

    # ------------------------------------------------------------------ loading
    def ensure_loaded(self) -> None:
        """Discover and load entry-point plugins (once)."""
        with self._lock:
            if self._loaded:
                return
            if self._loading:
                raise PluginError(
                    "the plugin registry was requested while plugins were being loaded; "
                    "a plugin's entry module must only declare specs, not use the registry"
                )
            self._loading = True
            try:
                self._load_all()
                self._loaded = True
            finally:
                self._loading = False

    def _load_all(self) -> None:
        self._settings = read_settings()
        if self._settings.trace:
            self._install_tracing()
        candidates = discover()
        blocked = self._blocked_tokens()
        check_not_essential(blocked, candidates)
        names = [*blocked, *(self._settings.only or ())]
        missing = unmatched(names, candidates, self._in_process_names())
        if missing:
            self._warn(
                "no installed deeplake-core plugin matches "
                + ", ".join(repr(m) for m in missing)
                + " (from DEEPLAKE_CORE_PLUGINS / DEEPLAKE_CORE_BLOCK_PLUGINS / block()); "
                "use an entry-point name or a distribution name shown by `deeplake-core plugins`"
            )
        effective = self._effective()
        new: list[_Plugin] = []
        for c in candidates:
            new.append(_Plugin(record=record_for(c, effective), candidate=c))
        self._plugins[:0] = new
        self._settle_names()

    def _settle_names(self) -> None:
        """Plugins sharing a name (from different distributions) all fail, except the
        kernel built-in; never decided by ``sys.path`` order. Re-run after blocking or
        unblocking: a plugin left alone with its name is loaded again."""
        by_name: dict[str, list[_Plugin]] = {}
        for p in self._plugins:
            if p.candidate is not None and (
                p.record.status in ("not loaded", "loaded") or p.duplicate
            ):
                by_name.setdefault(p.name, []).append(p)
        for name, group in by_name.items():
            if len(group) == 1:
                (p,) = group
                if p.duplicate:
                    p.duplicate = False
                    p.record.status, p.record.reason, p.error = "not loaded", None, None
                continue
            dists = ", ".join(f"{p.record.distribution} {p.record.version}" for p in group)
            for p in group:
                if p.record.builtin or p.duplicate:
                    continue
                if p.record.status == "loaded":
                    self.pm.unregister(name=p.name)
                reason = (
                    f"the plugin name {name!r} is declared by several distributions ({dists}); "
                    "uninstall one or block one by distribution name"
                )
                if any(q.record.builtin for q in group):
                    reason = (
                        f"the plugin name {name!r} is reserved for the kernel's built-in plugin"
                    )
                p.duplicate = True
                self._fail(p, "failed", PluginLoadError(reason, plugin=name))
        for p in sorted(self._plugins, key=lambda p: (not p.record.builtin, p.name)):
            if p.candidate is not None and p.record.status == "not loaded":
                self._load(p)
        self._invalidate()

    def _fail(self, plugin: _Plugin, status: str, error: BaseException) -> None:
        plugin.record.status = status  # type: ignore[assignment]
        plugin.record.reason = str(error)
        plugin.error = error
        if plugin.record.builtin:
            raise PluginLoadError(
                f"the kernel's built-in plugin failed to load: {error}", plugin=plugin.name
            ) from error
        self._warn(f"deeplake-core skipped {plugin.describe()}: {error}")

    def _load(self, plugin: _Plugin) -> None:
        assert plugin.candidate is not None
        why = check_requires(plugin.candidate)
        if why is not None:
            self._fail(
                plugin,
                "incompatible",
                IncompatiblePluginError(f"{plugin.describe()} {why}", plugin=plugin.name),
            )
            return
        try:
            obj = plugin.candidate.load()
        except Exception as exc:
            error = PluginLoadError(
                f"importing entry point {plugin.name} = {plugin.candidate.value} failed: "
                f"{type(exc).__name__}: {exc}",
                plugin=plugin.name,
            )
            error.__cause__ = exc
            self._fail(plugin, "failed", error)
            return
        try:
            self._admit(plugin, obj, require_info=True)
        except IncompatiblePluginError as exc:
            self._fail(plugin, "incompatible", exc)
        except PluginError as exc:
            self._fail(plugin, "failed", exc)

    def _plugin_info(self, plugin: _Plugin, obj: Any, require: bool) -> PluginInfo:
        if self.pm.parse_hookimpl_opts(obj, "plugin_info") is None:
            if not require:
                return PluginInfo(api=_plugin_api())
            raise IncompatiblePluginError(
                f"{plugin.describe()} declares no plugin API version: add "
                f"`@hookimpl def plugin_info(): return PluginInfo(api={_plugin_api()})` "
                "to its entry module",
                plugin=plugin.name,
            )
        try:
            return PluginInfo.model_validate(obj.plugin_info())
        except ValidationError as exc:
            raise PluginSpecError(
                f"{plugin.describe()} returned an invalid plugin_info(): {_summarise(exc)}",
                plugin=plugin.name,
            ) from exc
        except Exception as exc:
            raise PluginLoadError(
                f"{plugin.describe()}: plugin_info() raised {type(exc).__name__}: {exc}",
                plugin=plugin.name,
            ) from exc

    def _admit(self, plugin: _Plugin, obj: Any, *, require_info: bool) -> None:
        """Check hook names and API version, then register ``obj`` with pluggy."""
        for attr in dir(obj):
            opts = self.pm.parse_hookimpl_opts(obj, attr)
            if opts is None:
                continue
            hook_name = opts.get("specname") or attr
            if hook_name not in _KNOWN_HOOKS and not opts.get("optionalhook"):
                raise PluginSpecError(
                    f"{plugin.describe()} implements unknown hook {hook_name!r}; known hooks: "
                    f"{', '.join(sorted(_KNOWN_HOOKS))} (mark it @hookimpl(optionalhook=True) "
                    "if it targets a newer deeplake-core)",
                    plugin=plugin.name,
                )
        info = self._plugin_info(plugin, obj, require_info)
        api = _plugin_api()
        if info.api != api:
            raise IncompatiblePluginError(
                f"{plugin.describe()} targets plugin API {info.api}, but deeplake-core "
                f"{kernel_version()} provides plugin API {api}; install a version of the "
                f"plugin written for plugin API {api}",
                plugin=plugin.name,
            )
        plugin.record.api = info.api
        plugin.record.description = info.description
        if self.pm.get_plugin(plugin.name) is not None or self.pm.is_registered(obj):
            raise PluginError(
                f"cannot register {plugin.describe()}: a plugin named {plugin.name!r} (or the "
                "same object) is already registered; choose another name",
                plugin=plugin.name,
            )
        try:
            self.pm.register(obj, name=plugin.name)
        except pluggy.PluginValidationError as exc:
            raise PluginSpecError(f"{plugin.describe()}: {exc}", plugin=plugin.name) from exc
        except Exception as exc:  # raised by a historic hook replayed for this plugin
            if self.pm.get_plugin(plugin.name) is not None:
                self.pm.unregister(name=plugin.name)
            hook = next((h for h in hookspecs.HISTORIC_HOOKS if hasattr(obj, h)), "on_configured")
            raise PluginCallError(hook, plugin.name, exc) from exc
        plugin.obj = obj
        plugin.record.status = "loaded"
        plugin.record.reason = None
        plugin.record.hooks = [h for h in hookspecs.EVENT_HOOKS if self._impls(h, plugin.name)]
        self._invalidate()

    def _impls(self, hook_name: str, plugin_name: str) -> list[Any]:
        hook = getattr(self.pm.hook, hook_name)
        return [i for i in hook.get_hookimpls() if i.plugin_name == plugin_name]

    # ------------------------------------------------------------------ specs
    def _collect(self, plugin: _Plugin) -> dict[str, list[PluginSpec]]:
        """Call the plugin's registry hooks and validate what they return."""
        collected: dict[str, list[PluginSpec]] = {}
        errors: list[str] = []
        known: dict[str, set[str]] = {}
        for kind, hook_name in hookspecs.REGISTRY_HOOKS.items():
            model = SPEC_KINDS[kind]
            label = _plugin_kind_label(kind)
            for impl in self._impls(hook_name, plugin.name):
                if self._tracing:
                    logger.debug("collecting %s from plugin %s", hook_name, plugin.name)
                try:
                    result = impl.function()
                except Exception as exc:
                    raise PluginLoadError(
                        f"{plugin.describe()}: {hook_name}() raised {type(exc).__name__}: {exc}",
                        plugin=plugin.name,
                    ) from exc
                if result is None:
                    continue
                if isinstance(result, (str, bytes, Mapping)) or not isinstance(result, Iterable):
                    errors.append(f"{hook_name}() must return a list of {label} specs")
                    continue
                seen: set[str] = {s.name for s in collected.get(kind, [])}
                for item in result:
                    name = (
                        item.get("name")
                        if isinstance(item, Mapping)
                        else getattr(item, "name", None)
                    )
                    if isinstance(name, str):
                        known.setdefault(kind, set()).add(name)
                    try:
                        spec = model.model_validate(item)
                    except ValidationError as exc:
                        errors.append(f"invalid {label} spec {name!r}: {_summarise(exc)}")
                        continue
                    if spec.name in seen:
                        errors.append(f"{label} {spec.name!r} is returned twice")
                        continue
                    seen.add(spec.name)
                    collected.setdefault(kind, []).append(spec)
        if errors:
            plugin.known_names = known
            raise PluginSpecError(
                f"{plugin.describe()} returned bad specs: "
                + "; ".join(errors)
                + f". Fix the plugin, or block it ({ENV_BLOCK}={plugin.name}).",
                plugin=plugin.name,
            )
        return collected

    def registry(self) -> Registry:
        """The registry, built on first use after any change."""
        registry = self._registry
        if registry is not None:
            return registry
        with self._lock:
            self.ensure_loaded()
            if self._registry is None:
                self._registry = self._build()
            return self._registry

    def _build(self) -> Registry:
        entries: dict[str, list[Entry]] = {}
        for p in sorted(self._plugins, key=lambda p: p.name):
            if p.record.status != "loaded":
                continue
            p.record.provides = {}
            p.record.problems = []
            try:
                collected = self._collect(p)
            except PluginError as exc:
                self.pm.unregister(name=p.name)
                self._fail(p, "failed", exc)
                continue
            provenance = p.record.provenance
            for kind, specs in collected.items():
                entries.setdefault(kind, []).extend(Entry(s, provenance) for s in specs)
        failures: dict[str, dict[str, Failure]] = {}
        notes: list[str] = []
        for p in self._plugins:
            status = p.record.status
            if status in ("failed", "incompatible"):
                notes.append(f"{p.describe()} failed to load: {p.record.reason}; it may provide it")
                error_type = type(p.error) if isinstance(p.error, PluginError) else PluginLoadError
                for kind, names in p.known_names.items():
                    for name in names:
                        message = (
                            f"{_plugin_kind_label(kind)} {name!r} is provided by "
                            f"{p.describe()}, which failed to load: {p.record.reason}"
                        )
                        failures.setdefault(kind, {})[name] = Failure(
                            error_type, message, p.name, p.error
                        )
            elif status in ("blocked", "disabled"):
                notes.append(f"{p.describe()} is not loaded ({p.record.reason}); it may provide it")
        prefer = {**self._settings.prefer, **self._prefer}
        registry, dropped = build_registry(entries, prefer=prefer, failures=failures, notes=notes)
        by_name = {p.name: p for p in self._plugins if p.record.status == "loaded"}
        for kind in registry.kinds():
            table = registry[kind]
            for name, _ in table.items():
                owner = by_name.get(table.provenance(name).plugin)
                if owner is not None:
                    owner.record.provides.setdefault(kind, []).append(name)
            for name, providers in table.conflicts().items():
                self._warn(
                    f"{_plugin_kind_label(kind)} {name!r} is provided by several plugins "
                    f"({'; '.join(providers)}); using it raises PluginConflictError until "
                    "one is chosen"
                )
        for scheme, providers in registry.storage_providers.scheme_conflicts().items():
            self._warn(
                f"URL scheme {scheme!r} is served by several storage providers "
                f"({'; '.join(providers)}); opening such a URL raises PluginConflictError "
                "until one is chosen"
            )
        for failure in dropped:
            owner = by_name.get(failure.plugin or "")
            if owner is not None:
                owner.record.problems.append(failure.message)
            self._warn(failure.message)
        return registry

    # ------------------------------------------------------------------ in-process
    def register(self, obj: Any, name: str | None = None) -> str:
        """Register ``obj`` (a module, class or instance with hookimpls) in-process."""
        with self._lock:
            self.ensure_loaded()
            name = name or self.pm.get_canonical_name(obj)
            if name in self._blocked_tokens():
                raise PluginError(
                    f"plugin {name!r} is blocked; call deeplake_core.plugins.unblock({name!r}) "
                    "first",
                    plugin=name,
                )
            if self._find(name) is not None or self.pm.get_plugin(name) is not None:
                raise PluginError(
                    f"a plugin named {name!r} is already registered; pass another name=",
                    plugin=name,
                )
            plugin = _Plugin(record=PluginRecord(name=name))
            self._admit(plugin, obj, require_info=False)
            try:
                self._collect(plugin)
            except PluginError:
                self.pm.unregister(name=name)
                raise
            self._plugins.append(plugin)
            self._invalidate()
            return name

    def unregister(self, name: str) -> None:
        """Remove an in-process plugin (no-op if it is not registered)."""
        with self._lock:
            for p in list(self._plugins):
                if p.name == name and p.candidate is None:
                    self._plugins.remove(p)
                    if self.pm.get_plugin(name) is p.obj:
                        self.pm.unregister(name=name)
                    self._invalidate()

    def block(self, names: Iterable[str]) -> None:
        with self._lock:
            names = list(names)
            candidates = [p.candidate for p in self._plugins if p.candidate is not None]
            check_not_essential(
                names, candidates or [Candidate(BUILTIN, "", "deeplake-core", None)]
            )
            for n in names:
                self._unblocked.discard(n)
                if n not in self._blocked:
                    self._blocked.append(n)
            if not self._loaded:
                return
            missing = unmatched(names, candidates, self._in_process_names())
            if missing:
                self._warn(
                    "block(): no deeplake-core plugin matches "
                    + ", ".join(repr(m) for m in missing)
                )
            for p in self._plugins:
                if p.candidate is None:
                    hit = p.name in names
                else:
                    hit = any(p.candidate.matches(n) for n in names)
                if not hit:
                    continue
                if p.record.status == "loaded" and self.pm.get_plugin(p.name) is not None:
                    self.pm.unregister(name=p.name)
                if p.candidate is None:
                    self._plugins.remove(p)
                else:
                    p.record.status = "blocked"
                    p.record.reason = self._status_reason("blocked")
                    p.duplicate = False
            self._settle_names()

    def unblock(self, names: Iterable[str]) -> None:
        with self._lock:
            names = list(names)
            for n in names:
                self._unblocked.add(n)
                if n in self._blocked:
                    self._blocked.remove(n)
            if not self._loaded:
                return
            effective = self._effective()
            for p in self._plugins:
                if p.candidate is None or p.record.status != "blocked":
                    continue
                status = initial_status(p.candidate, effective)
                p.record.status = status  # type: ignore[assignment]
                p.record.reason = self._status_reason(status)
            self._settle_names()

    def prefer(self, kind: str, name: str, plugin: str) -> None:
        with self._lock:
            self._prefer[(canonical_kind(kind), name)] = plugin
            self._invalidate()

    # ------------------------------------------------------------------ events
    def emit(self, event: str, kwargs: Mapping[str, Any]) -> list[Any]:
        if event not in hookspecs.EVENT_HOOKS:
            raise PluginError(
                f"unknown event {event!r}; events are {', '.join(hookspecs.EVENT_HOOKS)}"
            )
        hook = getattr(self.pm.hook, event)
        expected = set(hook.spec.argnames)
        if set(kwargs) != expected:
            raise TypeError(
                f"emit({event!r}) takes the arguments {sorted(expected)}, got {sorted(kwargs)}"
            )
        self.registry()
        try:
            if event in hookspecs.HISTORIC_HOOKS:
                results: list[Any] = []
                hook.call_historic(results.append, dict(kwargs))
                return results
            return list(hook(**kwargs))
        except Exception as exc:
            raise PluginCallError(event, self._culprit(hook, exc), exc) from exc

    @staticmethod
    def _culprit(hook: Any, exc: BaseException) -> str:
        """The plugin whose implementation appears outermost in the traceback."""
        codes = {}
        for impl in hook.get_hookimpls():
            fn = inspect.unwrap(impl.function)
            code = getattr(fn, "__code__", None)
            if code is not None:
                codes[code] = impl.plugin_name
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code in codes:
                return codes[tb.tb_frame.f_code]
            tb = tb.tb_next
        return "<unknown>"

    # ------------------------------------------------------------------ listing
    def records(self, *, load: bool) -> list[PluginRecord]:
        """Plugin records; with ``load`` plugins are imported and the registry built."""
        with self._lock:
            if load:
                self.registry()
                plugins = self._plugins
            elif self._loaded:
                plugins = self._plugins
            else:
                plugins = self._preview()
            ordered = sorted(plugins, key=lambda p: (not p.record.builtin, p.name))
            return [p.record.model_copy(deep=True) for p in ordered]

    def _preview(self) -> list[_Plugin]:
        """Records from metadata only, without importing anything."""
        settings = read_settings()
        blocked = [*settings.blocked, *self._blocked]
        settings = dataclasses.replace(
            settings, blocked=tuple(t for t in dict.fromkeys(blocked) if t not in self._unblocked)
        )
        found = [_Plugin(record=r) for r in preview_records(settings)]
        return found + [p for p in self._plugins if p.candidate is None]


_host: PluginHost | None = None
_host_lock = threading.Lock()


def get_host() -> PluginHost:
    """The process's plugin host (created on first call; plugins load lazily)."""
    global _host
    host = _host
    if host is None:
        with _host_lock:
            if _host is None:
                _host = PluginHost()
            host = _host
    return host


def has_host() -> bool:
    return _host is not None


def reset() -> None:
    """Forget the host: the next use rediscovers plugins and re-reads the environment.
    In-process registrations, blocks and preferences are dropped too."""
    global _host
    with _host_lock:
        _host = None
