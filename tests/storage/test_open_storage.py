"""open_storage: scheme dispatch through the registry, cache chain, helpers."""

from __future__ import annotations

import os
import pickle

import pytest

import deeplake_core.storage as storage_pkg
from deeplake_core.exceptions import MissingPluginError, ReadOnlyModeError
from deeplake_core.storage import (
    get_base_storage,
    open_storage,
    remove_memory_cache,
    url_scheme,
)
from deeplake_core.storage.cache import LRUCache
from deeplake_core.storage.local import LocalProvider
from deeplake_core.storage.memory import MemoryProvider


def test_url_scheme() -> None:
    assert url_scheme("/a/b") == ""
    assert url_scheme("~/x") == ""
    assert url_scheme("FILE:///x") == "file"
    assert url_scheme("mem://x") == "mem"
    assert url_scheme("s3://bucket/x") == "s3"
    assert url_scheme("C:\\data\\x") == ""


def test_local_paths(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    for path in (tmp_path / "a", str(tmp_path / "b"), f"file://{tmp_path}/c", "~/d"):
        s = open_storage(path)
        assert isinstance(s, LRUCache) and s.cache_size == 2000 * storage_pkg.MB
        base = get_base_storage(s)
        assert isinstance(base, LocalProvider)
        s["k"] = b"v"
        s.flush()
        assert base["k"] == b"v"
    assert (tmp_path / "d" / "k").read_bytes() == b"v"


def test_memory_paths_shared_and_uncached() -> None:
    a = open_storage("mem://open/x")
    b = open_storage("mem://open/x")
    assert isinstance(a, MemoryProvider)
    a["k"] = b"v"
    assert b["k"] == b"v"
    a.clear()


def test_cache_chain_and_helpers(tmp_path) -> None:
    s = open_storage(tmp_path / "ds", local_cache_size=1, local_cache_path=tmp_path / "cache")
    assert isinstance(s, LRUCache) and isinstance(s.cache_storage, MemoryProvider)
    disk = s.next_storage
    assert isinstance(disk, LRUCache) and isinstance(disk.cache_storage, LocalProvider)
    assert disk.cache_storage.root.startswith(str(tmp_path / "cache"))
    s["k"] = b"v"
    s.flush()
    assert get_base_storage(s)["k"] == b"v"
    assert remove_memory_cache(s) is disk
    assert remove_memory_cache(disk) is disk
    cache_dir = disk.cache_storage.root
    disk.cache_storage["x"] = b"1"
    s.close()
    assert not os.path.exists(cache_dir)


def test_zero_cache_sizes(tmp_path) -> None:
    s = open_storage(tmp_path, memory_cache_size=0)
    assert isinstance(s, LocalProvider)


def test_provider_options_and_read_only(tmp_path) -> None:
    s = open_storage(tmp_path, memory_cache_size=0, durable=False)
    assert s.durable is False
    ro = open_storage(tmp_path, read_only=True)
    assert ro.read_only and get_base_storage(ro).read_only
    with pytest.raises(ReadOnlyModeError):
        ro["k"] = b"v"


def test_unknown_scheme() -> None:
    with pytest.raises(MissingPluginError):
        open_storage("nosuchscheme://x")


def test_provider_instance_is_wrapped() -> None:
    m = MemoryProvider()
    assert open_storage(m) is m
    local = LocalProvider("/tmp/unused-dlc-path")
    assert get_base_storage(open_storage(local)) is local


def test_credentials_never_in_repr_or_pickle(tmp_path) -> None:
    pytest.importorskip("deeplake_core_fsspec")
    s = open_storage("ftp://alice:hunter2@example.invalid/ds", creds={"password": "s3cr3t"})
    for text in (repr(s), repr(get_base_storage(s)), str(vars(get_base_storage(s)))):
        assert "hunter2" not in text and "s3cr3t" not in text
    blob = pickle.dumps(s)
    assert b"hunter2" not in blob and b"s3cr3t" not in blob
