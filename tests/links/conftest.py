"""Fixtures for link tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from link_helpers import SecretPlugin, Server

import deeplake_core as deeplake
from deeplake_core.core import link_fetch
from deeplake_core.plugins import register

pytest.importorskip("deeplake_core_image")
pytest.importorskip("PIL.Image")


@pytest.fixture(autouse=True)
def _fresh_policy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts like a new process: nothing linked, nothing allowed."""
    for name in (link_fetch.LOCAL_ROOTS_ENV, link_fetch.ALLOW_HOSTS_ENV):
        monkeypatch.delenv(name, raising=False)
    link_fetch.reset_policy()
    yield
    link_fetch.reset_policy()


@pytest.fixture
def ds():
    return deeplake.empty(f"mem://links-{uuid.uuid4().hex}", overwrite=True)


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()


@pytest.fixture
def secret_plugin() -> Iterator[None]:
    with register(SecretPlugin(), name="linktest"):
        yield
