"""The fsspec provider: conformance over fsspec's memory filesystem, registry wiring."""

from __future__ import annotations

import contextlib
import pickle
import uuid

import pytest
from deeplake_core_fsspec.provider import FsspecProvider

from deeplake_core.exceptions import (
    MissingPluginError,
    ModuleNotInstalledException,
    ReadOnlyModeError,
)
from deeplake_core.plugins import get_registry
from deeplake_core.storage import get_base_storage, open_storage
from deeplake_core.storage.cache import LRUCache
from deeplake_core.storage.memory import MemoryProvider
from deeplake_core.testing.storage import StorageProviderConformance, provider_state_machine


def _fresh() -> FsspecProvider:
    return FsspecProvider(f"memory://dlc-tests/{uuid.uuid4().hex}")


class TestFsspecMemory(StorageProviderConformance):
    def make_provider(self, tmp_path):
        return _fresh()


class TestFsspecLocalFiles(StorageProviderConformance):
    def make_provider(self, tmp_path):
        return FsspecProvider(f"file://{tmp_path}/store")


class TestCachedFsspec(StorageProviderConformance):
    def make_provider(self, tmp_path):
        return LRUCache(MemoryProvider(), _fresh(), 48)


TestFsspecStateful = provider_state_machine(_fresh).TestCase


def test_registry_wiring() -> None:
    providers = get_registry().storage_providers
    assert providers.for_scheme("memory").name == "fsspec"
    assert providers.for_scheme("https").supports_writes is False
    assert providers.load("fsspec") is FsspecProvider
    for cloud in ("s3", "gcs", "az"):
        spec = None
        with contextlib.suppress(MissingPluginError):
            spec = providers.for_scheme(cloud)
        assert spec is None or not spec.name.startswith("fsspec")


def test_open_storage_memory_url() -> None:
    url = f"memory://dlc-open/{uuid.uuid4().hex}"
    s = open_storage(url)
    s["a/b"] = b"v"
    s.flush()
    assert isinstance(get_base_storage(s), FsspecProvider)
    assert open_storage(url, memory_cache_size=0)["a/b"] == b"v"


def test_pickle_round_trip_without_secrets() -> None:
    p = FsspecProvider(f"memory://dlc-pickle/{uuid.uuid4().hex}", creds={"token": "T0P"})
    p["k"] = b"v"
    blob = pickle.dumps(p)
    assert b"T0P" not in blob
    assert pickle.loads(blob)["k"] == b"v"


def test_read_only_protocols(tmp_path) -> None:
    import zipfile

    archive = tmp_path / "ds.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("ds/a/b", b"zipped")
    s = open_storage(f"zip://ds::{archive}", memory_cache_size=0)
    assert s.read_only
    assert s["a/b"] == b"zipped"
    assert list(s.list_prefix("")) == ["a/b"]
    with pytest.raises(ReadOnlyModeError):
        s["x"] = b"y"
    try:
        http = FsspecProvider("https://example.invalid/ds")
    except ModuleNotInstalledException as exc:  # aiohttp/requests not installed
        assert "pip install" in str(exc)
    else:
        assert http.read_only and not http.supports_listing
