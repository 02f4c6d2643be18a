"""Opt-in pytest fixtures for plugin tests.

Enable with ``pytest_plugins = ["deeplake_core.testing.fixtures"]`` in a
``conftest.py``. (Not a ``pytest11`` entry point: it would load in every pytest run.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from deeplake_core.plugins import PluginHandle, get_registry, register, reset_registry
from deeplake_core.testing.plugins import FakeDistribution
from deeplake_core.testing.plugins import fake_distribution as _fake_distribution


class RegistryProxy:
    """Forwards to the current :func:`~deeplake_core.plugins.get_registry` result, so
    it reflects plugins registered or installed after the fixture was created."""

    def __getattr__(self, name: str) -> Any:
        return getattr(get_registry(), name)

    def __getitem__(self, kind: str) -> Any:
        return get_registry()[kind]

    def __repr__(self) -> str:
        return repr(get_registry())


@pytest.fixture
def plugin_registry() -> Iterator[RegistryProxy]:
    """A fresh registry (plugins rediscovered as the environment configures), reset
    again after the test."""
    reset_registry()
    yield RegistryProxy()
    reset_registry()


@pytest.fixture
def registered() -> Iterator[Callable[..., PluginHandle]]:
    """``registered(obj, name=None)`` registers a plugin in-process for the test
    (also usable as a context manager); everything is unregistered afterwards."""
    handles: list[PluginHandle] = []

    def factory(plugin: Any, name: str | None = None) -> PluginHandle:
        handle = register(plugin, name)
        handles.append(handle)
        return handle

    yield factory
    for handle in reversed(handles):
        handle.unregister()


@pytest.fixture
def fake_distribution(tmp_path: Path) -> Iterator[Callable[..., FakeDistribution]]:
    """``fake_distribution(name, version="1.0", entry_points={...}, files={...},
    requires=[...])`` installs a real ``.dist-info`` + modules on ``sys.path``; all are
    removed (``sys.path``, ``sys.modules``, registry) after the test."""
    made: list[FakeDistribution] = []

    def factory(
        name: str,
        version: str = "1.0",
        entry_points: Mapping[str, str] | None = None,
        files: Mapping[str, str] | None = None,
        requires: Sequence[str] = (),
    ) -> FakeDistribution:
        dist = _fake_distribution(tmp_path, name, version, entry_points, files, requires)
        made.append(dist)
        return dist

    yield factory
    for dist in reversed(made):
        dist.uninstall()
