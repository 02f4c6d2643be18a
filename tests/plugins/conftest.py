"""Plugin-kernel tests: each starts from a fresh host with no DEEPLAKE_CORE_* settings."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import pytest

from deeplake_core.plugins import reset_registry
from deeplake_core.testing.fixtures import (  # noqa: F401  (fixtures)
    fake_distribution,
    plugin_registry,
    registered,
)
from deeplake_core.testing.plugins import FakeDistribution, plugin_source


@pytest.fixture(autouse=True)
def _clean_plugin_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key in list(os.environ):
        if key.startswith("DEEPLAKE_CORE_"):
            monkeypatch.delenv(key)
    reset_registry()
    yield
    reset_registry()


@pytest.fixture
def only(monkeypatch: pytest.MonkeyPatch):
    """``only("a", "b")`` loads just these plugins (plus the built-in), so that other
    plugin distributions installed in the environment do not affect a test."""

    def select(*names: str) -> None:
        monkeypatch.setenv("DEEPLAKE_CORE_PLUGINS", ",".join(names))
        reset_registry()

    return select


def _make_plugin(
    make_dist: Callable[..., FakeDistribution],
    dist: str,
    ep: str,
    specs: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    *,
    version: str = "1.0",
    api: int | None = None,
    extra: str = "",
    requires: Sequence[str] = (),
    source: str | None = None,
    files: Mapping[str, str] | None = None,
    module: str | None = None,
) -> FakeDistribution:
    """A fake distribution ``dist`` whose entry point ``ep`` is module ``<ep>_entry``."""
    module = module or f"{ep.replace('.', '_')}_entry"
    body = source if source is not None else plugin_source(specs, api=api, extra=extra)
    return make_dist(
        dist,
        version,
        entry_points={ep: module},
        files={module: body, **(files or {})},
        requires=requires,
    )


@pytest.fixture
def make_plugin(request: pytest.FixtureRequest) -> Callable[..., FakeDistribution]:
    """``make_plugin(dist, ep, specs, version=, api=, extra=, requires=, source=)``:
    a fake distribution whose entry point ``ep`` is the module ``<ep>_entry``."""

    make_dist = request.getfixturevalue("fake_distribution")

    def make(*args: Any, **kwargs: Any) -> FakeDistribution:
        return _make_plugin(make_dist, *args, **kwargs)

    return make
