"""read_into / set_parts on every provider, LRUCache streaming writes, and the local
provider's durability modes."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import numpy as np
import pytest

from deeplake_core.exceptions import InvalidBytesRequestedError
from deeplake_core.storage import local as local_mod
from deeplake_core.storage.base import StorageProvider, check_range
from deeplake_core.storage.cache import LRUCache
from deeplake_core.storage.local import LocalProvider
from deeplake_core.storage.memory import MemoryProvider
from deeplake_core.storage.prefixed import PrefixedProvider


class Minimal(StorageProvider):
    """Only the abstract methods: exercises the base-class defaults."""

    def __init__(self) -> None:
        self.root = "minimal://"
        self.data: dict[str, bytes] = {}

    def get(self, key: str) -> bytes:
        return self.data[key]

    def set(self, key: str, value) -> None:
        self.data[key] = bytes(value)

    def delete(self, key: str) -> None:
        del self.data[key]

    def list_prefix(self, prefix: str = "") -> Iterator[str]:
        return iter([k for k in self.data if k.startswith(prefix)])

    def exists(self, key: str) -> bool:
        return key in self.data

    def size(self, key: str) -> int:
        return len(self.data[key])


def _providers(tmp_path) -> dict[str, StorageProvider]:
    return {
        "minimal": Minimal(),
        "memory": MemoryProvider(),
        "local": LocalProvider(tmp_path / "local", durability="never"),
        "local-flush": LocalProvider(tmp_path / "local-flush", durability="flush"),
        "cache": LRUCache(MemoryProvider(), MemoryProvider(), 1 << 20),
        "prefixed": PrefixedProvider(MemoryProvider(), "sub"),
    }


@pytest.mark.parametrize("name", ["minimal", "memory", "local", "local-flush", "cache", "prefixed"])
def test_read_into_and_set_parts(tmp_path, name) -> None:
    p = _providers(tmp_path)[name]
    arr = np.arange(1000, dtype=np.uint16)
    parts = [b"head", memoryview(arr)[10:20], bytearray(b"mid"), b"", arr.view(np.uint8)[:5]]
    p.set_parts("a/b", parts)
    want = b"".join(bytes(memoryview(x).cast("B")) for x in parts)
    assert p.get("a/b") == want
    out = bytearray(10)
    assert p.read_into("a/b", out, 3) == 10
    assert bytes(out) == want[3:13]
    big = np.zeros(len(want) + 7, np.uint8)  # longer than the rest of the value
    assert p.read_into("a/b", big, 2) == len(want) - 2
    assert big[: len(want) - 2].tobytes() == want[2:] and not big[len(want) - 2 :].any()
    assert p.read_into("a/b", bytearray(4), len(want) + 5) == 0
    with pytest.raises(KeyError):
        p.read_into("missing", bytearray(1))
    p.set_parts("a/b", [b"x"])  # replace
    assert p.get("a/b") == b"x"


def test_local_set_parts_many_small_parts(tmp_path) -> None:
    p = LocalProvider(tmp_path, durability="never")
    parts = [bytes([i % 256]) * (i % 5) for i in range(3000)]  # > IOV_MAX parts
    p.set_parts("k", parts)
    assert p.get("k") == b"".join(parts)


def test_cache_read_into_miss_is_not_cached() -> None:
    base = MemoryProvider()
    base.set("k", b"0123456789")
    cache = LRUCache(MemoryProvider(), base, 1000)
    out = bytearray(4)
    assert cache.read_into("k", out, 2) == 4 and out == b"2345"
    assert cache.cache_used == 0 and "k" not in cache.lru
    cache.get("k")  # get caches
    base.set("k", b"changed!!!")
    assert cache.read_into("k", out, 0) == 4 and out == b"0123"  # served from the cache


class Log(MemoryProvider):
    def __init__(self) -> None:
        super().__init__()
        self.log: list[str] = []

    def set(self, key, value):
        self.log.append(key)
        super().set(key, value)

    def set_parts(self, key, parts):
        self.log.append(key)
        super().set(key, b"".join(parts))


def test_cache_streams_large_values_in_order() -> None:
    base = Log()
    cache = LRUCache(MemoryProvider(), base, 1 << 30, stream_threshold=100)
    cache.set("small1", b"a" * 10)
    cache.set("small2", b"b" * 10)
    big = np.arange(50, dtype=np.int32)  # 200 bytes
    cache.set_parts("big", [b"hdr", memoryview(big)])
    assert base.log == ["small1", "small2", "big"]  # written before it, then it
    assert "big" not in cache.lru and cache.cache_used == 20  # not kept
    assert not cache.dirty  # the earlier keys were forwarded (and stay cached, clean)
    assert base.get("big") == b"hdr" + big.tobytes()
    cache.set("small3", b"c" * 10)
    assert "small3" in cache.dirty and base.log[-1] == "big"  # small ones still cached
    assert cache.get("big") == b"hdr" + big.tobytes()  # a read caches it as usual
    cache.flush()
    assert base.log[-1] == "small3"


def test_cache_streaming_writes_run_concurrently() -> None:
    """The write-through happens outside the cache lock: two threads' writes overlap."""
    inside = threading.Barrier(2, timeout=10)

    class Slow(MemoryProvider):
        def set_parts(self, key, parts):
            inside.wait()  # both writers must be in here at once
            super().set(key, b"".join(parts))

    base = Slow()
    cache = LRUCache(MemoryProvider(), base, 1 << 30, stream_threshold=10)
    threads = [
        threading.Thread(target=cache.set_parts, args=(f"k{i}", [b"x" * 20])) for i in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert base.get("k0") == base.get("k1") == b"x" * 20


# -- durability ---------------------------------------------------------------------------


@pytest.fixture
def fsyncs(monkeypatch) -> dict[str, list]:
    """Record fsync calls: synchronous file fsyncs (os.fsync), background file fsyncs
    and directory fsyncs, by path."""
    calls: dict[str, list] = {"os": [], "file": [], "dir": []}
    monkeypatch.setattr(local_mod.os, "fsync", calls["os"].append)
    monkeypatch.setattr(local_mod, "_fsync_file", calls["file"].append)
    monkeypatch.setattr(local_mod, "_fsync_dir", lambda path: calls["dir"].append(path))
    return calls


def test_durability_flush(tmp_path, fsyncs) -> None:
    p = LocalProvider(tmp_path, durability="flush")
    p.set("tensors/t/chunks/c1", b"1" * 100)
    p.set_parts("tensors/t/chunks/c2", [b"2", b"3"])
    assert fsyncs["os"] == [] and fsyncs["dir"] == []  # nothing waited for yet
    p.flush()
    chunks = str(tmp_path / "tensors" / "t" / "chunks")
    assert sorted(fsyncs["file"]) == [os.path.join(chunks, "c1"), os.path.join(chunks, "c2")]
    # the new directories and every parent whose entries changed
    assert set(fsyncs["dir"]) == {
        chunks,
        str(tmp_path / "tensors" / "t"),
        str(tmp_path / "tensors"),
        str(tmp_path),
    }
    assert fsyncs["dir"][0] == chunks  # deepest first
    fsyncs["file"].clear()
    fsyncs["dir"].clear()
    p.flush()
    assert fsyncs == {"os": [], "file": [], "dir": []}  # nothing new
    p.set("manifest.json", b"v1")  # new key: background
    p.set("manifest.json", b"v2")  # replacing a key: synced before the rename
    assert len(fsyncs["os"]) == 1
    p.delete("tensors/t/chunks/c1")
    p.flush()
    assert fsyncs["file"] == [str(tmp_path / "manifest.json")]
    assert set(fsyncs["dir"]) == {str(tmp_path), chunks}
    assert p.get("manifest.json") == b"v2"


def test_durability_always_and_never(tmp_path, fsyncs) -> None:
    p = LocalProvider(tmp_path / "a", durability="always")
    p.set("x/k", b"1")
    assert len(fsyncs["os"]) == 1 and str(tmp_path / "a" / "x") in fsyncs["dir"]
    q = LocalProvider(tmp_path / "n", durability="never")
    before = {k: len(v) for k, v in fsyncs.items()}
    q.set("x/k", b"1")
    q.set("x/k", b"2")
    q.delete("x/k")
    q.flush()
    assert {k: len(v) for k, v in fsyncs.items()} == before


def test_durability_settings(tmp_path, monkeypatch) -> None:
    assert LocalProvider(tmp_path).durability == "flush"
    assert LocalProvider(tmp_path, durable=True).durability == "always"
    assert LocalProvider(tmp_path, durable=False).durable is False
    monkeypatch.setenv("DEEPLAKE_CORE_DURABILITY", "never")
    assert LocalProvider(tmp_path).durability == "never"
    assert LocalProvider(tmp_path, durability="always").durability == "always"
    with pytest.raises(ValueError, match="durability"):
        LocalProvider(tmp_path, durability="sometimes")


def test_failed_background_fsync_is_raised_and_retried(tmp_path, monkeypatch) -> None:
    p = LocalProvider(tmp_path, durability="flush")
    real = local_mod._fsync_file
    fail = [True]

    def flaky(path):
        if fail[0]:
            fail[0] = False
            raise OSError(5, "I/O error")
        real(path)

    monkeypatch.setattr(local_mod, "_fsync_file", flaky)
    p.set("k", b"1")
    with pytest.raises(OSError, match="I/O error"):
        p.flush()
    assert list(p._unsynced_files) == [str(tmp_path / "k")]  # kept for the next flush
    p.flush()
    assert not p._unsynced_files and not p._unsynced_dirs


def test_pickled_local_provider_keeps_durability(tmp_path) -> None:
    import pickle

    p = LocalProvider(tmp_path, durability="never")
    q = pickle.loads(pickle.dumps(p))
    assert q.durability == "never" and q.root == p.root
    q.set("a", b"1")
    assert p.get("a") == b"1"


def test_range_helpers_reject_negative_offsets() -> None:
    with pytest.raises(InvalidBytesRequestedError):
        check_range(-1, None)
    with pytest.raises(InvalidBytesRequestedError):
        MemoryProvider().read_into("k", bytearray(1), -1)
