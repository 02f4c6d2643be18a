"""Plugin test helpers that do not need pytest."""

from __future__ import annotations

import importlib
import re
import sys
import textwrap
import types
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from deeplake_core.plugins import ENTRY_POINT_GROUP, hookimpl, reset_registry


class FakeDistribution:
    """An installed-looking distribution in its own ``sys.path`` directory.

    ``install()`` writes ``<name>-<version>.dist-info`` (``METADATA`` with
    ``Requires-Dist`` lines, ``entry_points.txt``) and the given modules, puts the
    directory first on ``sys.path`` and resets the plugin registry. ``uninstall()``
    undoes all of it, including the modules it imported. Usable as a context manager.
    """

    def __init__(
        self,
        root: Path,
        name: str,
        version: str = "1.0",
        entry_points: Mapping[str, str] | None = None,
        files: Mapping[str, str] | None = None,
        requires: Sequence[str] = (),
        group: str = ENTRY_POINT_GROUP,
    ) -> None:
        self.name = name
        self.version = version
        self.entry_points = dict(entry_points or {})
        self.files = dict(files or {})
        self.requires = tuple(requires)
        self.group = group
        safe = re.sub(r"[-_.]+", "_", name)
        self.path = Path(root) / f"site-{safe}-{version}"
        self.dist_info = self.path / f"{safe}-{version}.dist-info"
        self.installed = False

    def _write_module(self, module: str, source: str) -> None:
        parts = module.split(".")
        directory = self.path
        for package in parts[:-1]:
            directory = directory / package
            directory.mkdir(parents=True, exist_ok=True)
            init = directory / "__init__.py"
            if not init.exists():
                init.write_text("")
        (directory / f"{parts[-1]}.py").write_text(textwrap.dedent(source))

    def install(self) -> FakeDistribution:
        if self.installed:
            return self
        self.dist_info.mkdir(parents=True, exist_ok=True)
        metadata = ["Metadata-Version: 2.1", f"Name: {self.name}", f"Version: {self.version}"]
        metadata += [f"Requires-Dist: {r}" for r in self.requires]
        (self.dist_info / "METADATA").write_text("\n".join(metadata) + "\n")
        eps = [f"[{self.group}]"] + [f"{k} = {v}" for k, v in self.entry_points.items()]
        (self.dist_info / "entry_points.txt").write_text("\n".join(eps) + "\n")
        for module, source in self.files.items():
            self._write_module(module, source)
        sys.path.insert(0, str(self.path))
        importlib.invalidate_caches()
        self.installed = True
        reset_registry()
        return self

    def uninstall(self) -> None:
        if not self.installed:
            return
        self.installed = False
        while str(self.path) in sys.path:
            sys.path.remove(str(self.path))
        root = str(self.path)
        for mod_name, module in list(sys.modules.items()):
            file = getattr(module, "__file__", None) or ""
            if file.startswith(root) or mod_name in self.files:
                del sys.modules[mod_name]
        importlib.invalidate_caches()
        reset_registry()

    def __enter__(self) -> FakeDistribution:
        return self.install()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.uninstall()

    def __repr__(self) -> str:
        return f"<FakeDistribution {self.name} {self.version} at {self.path}>"


def fake_distribution(
    tmp_path: Path,
    name: str,
    version: str = "1.0",
    entry_points: Mapping[str, str] | None = None,
    files: Mapping[str, str] | None = None,
    requires: Sequence[str] = (),
    group: str = ENTRY_POINT_GROUP,
) -> FakeDistribution:
    """Write and install a :class:`FakeDistribution`; call ``uninstall()`` (or use it
    in a ``with`` block) to remove it.

    ``entry_points`` maps entry-point names to values (``{"acme": "acme_plugin"}``);
    ``files`` maps module names to source (``{"acme_plugin": "..."}``, dedented).
    """
    return FakeDistribution(tmp_path, name, version, entry_points, files, requires, group).install()


def plugin_source(
    specs: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    *,
    api: int | None = None,
    extra: str = "",
) -> str:
    """Source of an entry module: ``plugin_info()`` declaring ``api`` (the kernel's
    by default; ``api=0`` omits the hook), one ``register_<kind>`` hook per key of
    ``specs`` returning those mappings, then ``extra`` source (more hooks ...)."""
    from deeplake_core.plugins import PLUGIN_API

    api = PLUGIN_API if api is None else api
    lines = [
        "from deeplake_core.plugins import hookimpl",
        "from deeplake_core.plugins.specs import PluginInfo",
        "",
    ]
    if api:
        lines += ["@hookimpl", "def plugin_info():", f"    return PluginInfo(api={api})", ""]
    for kind, items in (specs or {}).items():
        lines += ["@hookimpl", f"def register_{kind}():", f"    return {items!r}", ""]
    return "\n".join(lines) + "\n" + textwrap.dedent(extra)


def plugin_object(name: str, **hooks: Any) -> types.SimpleNamespace:
    """An in-process plugin for :func:`deeplake_core.plugins.register`: each keyword is
    a hook name, its value either the implementation (a callable) or the value the
    hook returns (``register_htypes=[HtypeSpec(...)]``)."""
    plugin = types.SimpleNamespace(__name__=name)
    for hook, value in hooks.items():
        if callable(value):
            impl = value
        else:

            def impl(value: Any = value) -> Any:
                return value

        setattr(plugin, hook, hookimpl(impl))
    return plugin
