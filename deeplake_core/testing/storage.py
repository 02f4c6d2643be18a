"""Conformance tests for storage providers (for plugin authors).

Subclass :class:`StorageProviderConformance` in a test module and define
``make_provider`` (return a fresh, empty provider; ``tmp_path`` is pytest's)::

    from deeplake_core.testing.storage import StorageProviderConformance, provider_state_machine

    class TestMyProvider(StorageProviderConformance):
        def make_provider(self, tmp_path):
            return MyProvider(f"my://{tmp_path.name}")

    TestMyProviderStateful = provider_state_machine(lambda: MyProvider("my://x")).TestCase

Tests are gated by the provider's capability flags (``supports_range_reads``,
``supports_listing``, ``supports_conditional_put``), so a provider is only held to
what it declares. :func:`provider_state_machine` builds a Hypothesis
``RuleBasedStateMachine`` that runs random operation sequences against the provider
and an in-memory dict model.
"""

from __future__ import annotations

import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from deeplake_core.exceptions import (
    DirectoryAtPathException,
    InvalidBytesRequestedError,
    InvalidKeyError,
    ReadOnlyModeError,
)
from deeplake_core.storage.base import Buffer, StorageProvider, check_range

#: Keys every provider must refuse (they could escape the root or are malformed).
UNSAFE_KEYS = [
    "",
    "/",
    "../x",
    "a/../../x",
    "a/..",
    "/etc/passwd",
    "C:/windows",
    "c:x",
    "a\\b",
    "..\\x",
    "a\x00b",
    "a\nb",
    "a/",
    "./",
]


class DictStore(StorageProvider):
    """The smallest StorageProvider: a plain dict with real byte-range reads and no key
    checks, so tests can reach into ``.data`` to damage or inspect stored bytes."""

    def __init__(self, data: dict[str, bytes] | None = None) -> None:
        self.root = "dict://"
        self.data: dict[str, bytes] = dict(data or {})

    def get(self, key: str) -> bytes:
        return self.data[key]

    def get_range(self, key: str, start: int, end: int | None = None) -> bytes:
        check_range(start, end)
        return self.data[key][start:end]

    def set(self, key: str, value: Buffer) -> None:
        self.data[key] = bytes(value)

    def delete(self, key: str) -> None:
        del self.data[key]

    def list_prefix(self, prefix: str = "") -> Iterator[str]:
        return iter([k for k in self.data if k.startswith(prefix)])

    def exists(self, key: str) -> bool:
        return key in self.data

    def size(self, key: str) -> int:
        return len(self.data[key])


class FramedBytes:
    """A :class:`~deeplake_core.storage.base.FramedValue` for tests: ``payload`` in
    pieces of ``piece`` bytes; the 16-byte head holds the payload's length and the
    CRC-32 of the pieces taken (so it is only right once all were). ``fail=i`` makes
    preparing piece ``i`` raise ``OSError``."""

    head_len = 16

    def __init__(self, payload: bytes, piece: int, fail: int | None = None) -> None:
        self.payload, self.piece, self.fail = payload, piece, fail
        self.payload_len = len(payload)
        self._crc = 0

    def pieces(self) -> Iterator[tuple[int, list[memoryview]]]:
        view = memoryview(self.payload)
        for i, start in enumerate(range(0, self.payload_len, self.piece)):
            if i == self.fail:
                raise OSError(f"cannot prepare piece {i}")
            chunk = view[start : start + self.piece]
            self._crc = zlib.crc32(chunk, self._crc)
            yield start, [chunk]

    def head(self) -> bytes:
        return struct.pack("<QQ", self.payload_len, self._crc)


class StorageProviderConformance:
    """Behaviour every :class:`StorageProvider` must have. Subclass and implement
    :meth:`make_provider`."""

    def make_provider(self, tmp_path: Any) -> StorageProvider:
        """Return a fresh, empty, writable provider."""
        raise TypeError(f"{type(self).__name__} must define make_provider(self, tmp_path)")

    @pytest.fixture
    def provider(self, tmp_path: Any):
        storage = self.make_provider(tmp_path)
        yield storage
        storage.disable_readonly()
        storage.clear()
        storage.close()

    # -- basic values -----------------------------------------------------------------
    def test_set_get(self, provider: StorageProvider) -> None:
        provider.set("a", b"hello")
        assert provider.get("a") == b"hello"
        assert isinstance(provider.get("a"), bytes)
        provider["b/c/d"] = bytearray(b"xyz")
        assert provider["b/c/d"] == b"xyz"
        provider.set("m", memoryview(b"view"))
        assert provider.get("m") == b"view"

    def test_overwrite_and_empty_value(self, provider: StorageProvider) -> None:
        provider.set("k", b"first value")
        provider.set("k", b"2")
        assert provider.get("k") == b"2"
        provider.set("empty", b"")
        assert provider.get("empty") == b""
        assert provider.exists("empty")
        assert provider.size("empty") == 0

    def test_large_value(self, provider: StorageProvider) -> None:
        value = bytes(range(256)) * 8192  # 2 MiB
        provider.set("big/value", value)
        assert provider.get("big/value") == value
        assert provider.size("big/value") == len(value)

    def test_missing_key(self, provider: StorageProvider) -> None:
        with pytest.raises(KeyError):
            provider.get("missing")
        with pytest.raises(KeyError):
            provider["missing/deeper"]
        with pytest.raises(KeyError):
            provider.size("missing")
        with pytest.raises(KeyError):
            provider.delete("missing")
        assert not provider.exists("missing")
        assert "missing" not in provider

    def test_delete(self, provider: StorageProvider) -> None:
        provider.set("x/y/z", b"1")
        provider.set("x/w", b"2")
        provider.delete("x/y/z")
        assert not provider.exists("x/y/z")
        assert provider.get("x/w") == b"2"
        del provider["x/w"]
        assert len(provider) == 0
        provider.set("x/y/z", b"again")  # the emptied prefix can be reused
        assert provider.get("x/y/z") == b"again"

    def test_exists_and_size(self, provider: StorageProvider) -> None:
        provider.set("d/e", b"12345")
        assert provider.exists("d/e") and "d/e" in provider
        assert not provider.exists("d")  # a prefix is not a key
        assert provider.size("d/e") == 5
        assert 5 not in provider  # non-str membership is False, not an error

    def test_unicode_and_normalised_keys(self, provider: StorageProvider) -> None:
        provider.set("données/été", b"u")
        assert provider.get("données/été") == b"u"
        provider.set("n//o/./p", b"v")
        assert provider.get("n/o/p") == b"v"
        assert provider.exists("n/./o//p")

    # -- ranges -----------------------------------------------------------------------
    def test_get_range(self, provider: StorageProvider) -> None:
        if not provider.supports_range_reads:
            pytest.skip("provider declares no range reads")
        provider.set("r", b"0123456789")
        assert provider.get_range("r", 2, 5) == b"234"
        assert provider.get_range("r", 7) == b"789"
        assert provider.get_range("r", 0, 10) == b"0123456789"
        assert provider.get_range("r", 8, 50) == b"89"
        assert provider.get_range("r", 4, 4) == b""
        assert provider.get_bytes("r", 1, 3) == b"12"
        assert provider.get_bytes("r") == b"0123456789"
        assert provider.get_bytes("r", end_byte=2) == b"01"
        with pytest.raises(KeyError):
            provider.get_range("nothing", 0, 1)

    def test_invalid_ranges(self, provider: StorageProvider) -> None:
        provider.set("r", b"0123")
        for start, end in [(-1, 2), (0, -1), (3, 1)]:
            with pytest.raises(InvalidBytesRequestedError):
                provider.get_range("r", start, end)
            with pytest.raises(InvalidBytesRequestedError):
                provider.get_bytes("r", start, end)

    # -- zero-copy paths --------------------------------------------------------------
    def test_read_into(self, provider: StorageProvider) -> None:
        value = bytes(range(256)) * 40
        provider.set("ri/v", value)
        out = bytearray(1000)
        assert provider.read_into("ri/v", out) == 1000 and out == value[:1000]
        assert provider.read_into("ri/v", memoryview(out)[100:300], 5000) == 200
        assert out[100:300] == value[5000:5200] and out[:100] == value[:100]
        big = bytearray(len(value) + 50)  # the value ends first: a short count
        assert provider.read_into("ri/v", big, 10) == len(value) - 10
        assert big[: len(value) - 10] == value[10:]
        assert provider.read_into("ri/v", bytearray(4), len(value)) == 0
        assert provider.read_into("ri/v", bytearray(0), 3) == 0
        arr = np.zeros(16, np.float32)  # any writable buffer, e.g. a numpy array
        provider.set("ri/f", np.arange(16, dtype=np.float32).tobytes())
        assert provider.read_into("ri/f", arr) == 64 and arr.tolist() == list(range(16))
        head, body, extra = bytearray(10), np.zeros(100, np.uint8), bytearray(7)
        n = provider.read_into("ri/v", [head, body, extra], len(value) - 113)  # scatter read
        assert n == 113 and head + body.tobytes() + extra[:3] == value[-113:]
        assert provider.read_into("ri/v", (bytearray(0), bytearray(2)), 1) == 2
        with pytest.raises(TypeError):
            provider.read_into("ri/v", b"read-only bytes")
        with pytest.raises(KeyError):
            provider.read_into("ri/missing", bytearray(1))
        with pytest.raises(InvalidBytesRequestedError):
            provider.read_into("ri/v", bytearray(1), -1)

    def test_set_parts(self, provider: StorageProvider) -> None:
        arr = np.arange(1000, dtype=np.int32)
        parts = [b"head", bytearray(b""), memoryview(arr).cast("B")[40:440], b"tail"]
        provider.set_parts("sp/k", parts)
        want = b"head" + arr.tobytes()[40:440] + b"tail"
        assert provider.get("sp/k") == want and provider.size("sp/k") == len(want)
        provider.set_parts("sp/k", [b"new"])  # replaces the value whole
        assert provider.get("sp/k") == b"new"
        provider.set_parts("sp/empty", [])
        assert provider.get("sp/empty") == b"" and provider.exists("sp/empty")
        many = [bytes([i % 256]) * (i % 7) for i in range(1500)]  # beyond writev limits
        provider.set_parts("sp/many", many)
        assert provider.get("sp/many") == b"".join(many)
        arr[10:110] = -1  # the stored value is a copy, not a view of the parts
        assert provider.get("sp/k") == b"new" and provider.get("sp/many") == b"".join(many)
        provider.enable_readonly()
        try:
            with pytest.raises(ReadOnlyModeError):
                provider.set_parts("sp/k", [b"x"])
        finally:
            provider.disable_readonly()
        assert provider.get("sp/k") == b"new"

    def test_set_parts_of_a_large_value(self, provider: StorageProvider) -> None:
        """A chunk-sized value (header + slices of a caller's array): large-value
        paths of caching layers too."""
        arr = np.arange(300_000, dtype=np.int32)  # 1.2 MB
        raw = memoryview(arr).cast("B")
        provider.set("sp/big", b"old")
        provider.set_parts("sp/big", [b"HEAD", raw[:5], raw[5:700_001], raw[700_001:]])
        want = b"HEAD" + arr.tobytes()
        assert provider.get("sp/big") == want and provider.size("sp/big") == len(want)
        arr[:10] = -1  # stored a copy
        assert provider.get("sp/big") == want

    @pytest.mark.parametrize("size", [0, 5, 3_000_000])
    def test_set_framed(self, provider: StorageProvider, size: int) -> None:
        """A value whose head depends on its payload (a chunk and its checksums):
        stored as head + payload, the head taken after every piece; replaced whole, or
        not at all when preparing a piece fails."""
        payload = np.random.default_rng(size).integers(0, 256, size, np.uint8).tobytes()
        provider.set("sf/k", b"old")
        value = FramedBytes(payload, piece=1 << 20)
        provider.set_framed("sf/k", value)
        want = value.head() + payload
        assert provider.get("sf/k") == want and provider.size("sf/k") == len(want)
        with pytest.raises(OSError, match="piece"):
            provider.set_framed("sf/k", FramedBytes(b"x" * 3_000_000, piece=1 << 20, fail=2))
        assert provider.get("sf/k") == want
        provider.enable_readonly()
        try:
            with pytest.raises(ReadOnlyModeError):
                provider.set_framed("sf/k", FramedBytes(b"y", piece=1))
        finally:
            provider.disable_readonly()
        assert provider.get("sf/k") == want

    # -- listing ----------------------------------------------------------------------
    def test_list_prefix(self, provider: StorageProvider) -> None:
        if not provider.supports_listing:
            pytest.skip("provider declares no listing")
        keys = {"a/1", "a/2", "a/b/3", "ab/4", "c"}
        for key in keys:
            provider.set(key, key.encode())
        assert set(provider.list_prefix("")) == keys
        assert set(provider.list_prefix()) == keys
        assert set(provider.list_prefix("a/")) == {"a/1", "a/2", "a/b/3"}
        assert set(provider.list_prefix("a")) == {"a/1", "a/2", "a/b/3", "ab/4"}
        assert set(provider.list_prefix("a/b")) == {"a/b/3"}
        assert set(provider.list_prefix("zzz")) == set()
        assert set(provider) == keys
        assert len(provider) == len(keys)
        assert sorted(provider.keys()) == sorted(keys)
        assert dict(provider.items()) == {k: k.encode() for k in keys}

    def test_clear(self, provider: StorageProvider) -> None:
        for key in ["p/1", "p/2/3", "q"]:
            provider.set(key, b"v")
        provider.clear("p/")
        assert not provider.exists("p/1") and not provider.exists("p/2/3")
        assert provider.get("q") == b"v"
        provider.clear()
        assert not provider.exists("q")
        if provider.supports_listing:
            assert list(provider.list_prefix("")) == []
        provider.set("after/clear", b"ok")
        assert provider.get("after/clear") == b"ok"

    # -- conditional put --------------------------------------------------------------
    def test_set_if_absent(self, provider: StorageProvider) -> None:
        assert provider.set_if_absent("once", b"first") is True
        assert provider.set_if_absent("once", b"second") is False
        assert provider.get("once") == b"first"
        provider.delete("once")
        assert provider.set_if_absent("once", b"third") is True
        assert provider.get("once") == b"third"

    def test_set_if_absent_is_atomic_across_threads(self, provider: StorageProvider) -> None:
        if not provider.supports_conditional_put:
            pytest.skip("provider declares no atomic conditional put")
        for round_ in range(5):
            key = f"race/{round_}"
            barrier = threading.Barrier(8)
            wins: list[int] = []

            def contend(
                i: int, key: str = key, barrier: threading.Barrier = barrier, wins: list = wins
            ) -> None:
                barrier.wait()
                if provider.set_if_absent(key, str(i).encode()):
                    wins.append(i)

            threads = [threading.Thread(target=contend, args=(i,)) for i in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert len(wins) == 1
            assert provider.get(key) == str(wins[0]).encode()

    # -- read-only --------------------------------------------------------------------
    def test_read_only(self, provider: StorageProvider) -> None:
        provider.set("ro", b"v")
        provider.enable_readonly()
        try:
            for op in (
                lambda: provider.set("ro", b"w"),
                lambda: provider.set("new", b"w"),
                lambda: provider.delete("ro"),
                lambda: provider.set_if_absent("new", b"w"),
                lambda: provider.clear(),
            ):
                with pytest.raises(ReadOnlyModeError):
                    op()
            assert provider.get("ro") == b"v"
            assert provider.exists("ro")
        finally:
            provider.disable_readonly()
        provider.set("ro", b"w")
        assert provider.get("ro") == b"w"

    # -- keys -------------------------------------------------------------------------
    @pytest.mark.parametrize("key", UNSAFE_KEYS)
    def test_unsafe_keys_refused(self, provider: StorageProvider, key: str) -> None:
        for op in (
            lambda: provider.set(key, b"x"),
            lambda: provider.get(key),
            lambda: provider.exists(key),
            lambda: provider.delete(key),
            lambda: provider.set_if_absent(key, b"x"),
        ):
            with pytest.raises(InvalidKeyError):
                op()
        if provider.supports_listing:
            assert list(provider.list_prefix("")) == []

    def test_non_string_key_refused(self, provider: StorageProvider) -> None:
        with pytest.raises(InvalidKeyError):
            provider.set(b"bytes-key", b"x")  # type: ignore[arg-type]

    # -- mapping protocol and views ---------------------------------------------------
    def test_mutable_mapping(self, provider: StorageProvider) -> None:
        provider.update({"m/1": b"a", "m/2": b"b"})
        assert provider.pop("m/1") == b"a"
        assert not provider.exists("m/1")
        assert provider.setdefault("m/2", b"zzz") == b"b"
        assert provider == provider and provider != {}
        assert isinstance(hash(provider), int)

    def test_subdir(self, provider: StorageProvider) -> None:
        sub = provider.subdir("nested/dir")
        sub.set("k", b"v")
        assert provider.get("nested/dir/k") == b"v"
        assert sub.exists("k") and sub.size("k") == 1
        if provider.supports_listing:
            assert list(sub.list_prefix("")) == ["k"]
        with pytest.raises(InvalidKeyError):
            sub.get("../escape")
        sub.delete("k")
        assert not provider.exists("nested/dir/k")

    def test_flush_and_close_are_safe(self, provider: StorageProvider) -> None:
        provider.set("f", b"1")
        provider.flush()
        assert provider.get("f") == b"1"


# -- stateful testing ----------------------------------------------------------------
_SEGMENTS = st.sampled_from(["a", "b", "c", "dd", "é"])
_KEYS = st.lists(_SEGMENTS, min_size=1, max_size=3).map("/".join)
_VALUES = st.binary(max_size=64)


def provider_state_machine(
    factory: Callable[[], StorageProvider],
    *,
    max_examples: int = 40,
    stateful_step_count: int = 30,
    reopen: Callable[[StorageProvider], StorageProvider] | None = None,
) -> type[RuleBasedStateMachine]:
    """A state machine checking ``factory()`` providers against a dict model.

    ``factory`` must return a fresh, empty provider each call. ``reopen`` (optional)
    returns a second handle on the same data (e.g. a new provider on the same root,
    or the same cache after ``clear_cache``); the machine then checks that data
    survives reopening. Use ``provider_state_machine(...).TestCase`` as a test class.
    """

    class ProviderMachine(RuleBasedStateMachine):
        keys = Bundle("keys")

        def __init__(self) -> None:
            super().__init__()
            self.model: dict[str, bytes] = {}
            self.storage: StorageProvider = factory()

        @initialize()
        def start_empty(self) -> None:
            if self.storage.supports_listing:
                assert list(self.storage.list_prefix("")) == []

        @rule(target=keys, key=_KEYS)
        def new_key(self, key: str) -> str:
            return key

        @rule(key=keys, value=_VALUES)
        def set(self, key: str, value: bytes) -> None:
            # A key cannot also be a directory of other keys on path-based stores.
            if any(k.startswith(key + "/") or key.startswith(k + "/") for k in self.model):
                return
            self.storage.set(key, value)
            self.model[key] = value

        @rule(key=keys, value=_VALUES)
        def set_if_absent(self, key: str, value: bytes) -> None:
            if any(k.startswith(key + "/") or key.startswith(k + "/") for k in self.model):
                return
            stored = self.storage.set_if_absent(key, value)
            assert stored == (key not in self.model)
            self.model.setdefault(key, value)

        @rule(key=keys)
        def delete(self, key: str) -> None:
            if key in self.model:
                self.storage.delete(key)
                del self.model[key]
            else:  # a key that is a directory of other keys may say so instead
                with pytest.raises((KeyError, DirectoryAtPathException)):
                    self.storage.delete(key)

        @rule(key=keys)
        def get(self, key: str) -> None:
            if key in self.model:
                assert self.storage.get(key) == self.model[key]
                assert self.storage.size(key) == len(self.model[key])
            else:
                with pytest.raises((KeyError, DirectoryAtPathException)):
                    self.storage.get(key)

        @rule(key=keys, start=st.integers(0, 70), length=st.none() | st.integers(0, 70))
        def get_range(self, key: str, start: int, length: int | None) -> None:
            if not self.storage.supports_range_reads or key not in self.model:
                return
            end = None if length is None else start + length
            assert self.storage.get_range(key, start, end) == self.model[key][start:end]

        @rule(key=keys, value=_VALUES, cut=st.integers(0, 70))
        def set_parts(self, key: str, value: bytes, cut: int) -> None:
            if any(k.startswith(key + "/") or key.startswith(k + "/") for k in self.model):
                return
            self.storage.set_parts(key, [value[:cut], memoryview(value)[cut:]])
            self.model[key] = value

        @rule(key=keys, start=st.integers(0, 70), size=st.integers(0, 70))
        def read_into(self, key: str, start: int, size: int) -> None:
            if key not in self.model:
                return
            out = bytearray(b"\xee" * size)
            n = self.storage.read_into(key, out, start)
            want = self.model[key][start : start + size]
            assert n == len(want) and bytes(out[:n]) == want
            parts = [bytearray(size // 3), bytearray(size - size // 3)]
            assert self.storage.read_into(key, parts, start) == n
            assert bytes(parts[0] + parts[1])[:n] == want

        @rule(prefix=st.sampled_from(["", "a", "a/", "b/c", "dd/", "é"]))
        def list_prefix(self, prefix: str) -> None:
            if not self.storage.supports_listing:
                return
            expected = sorted(k for k in self.model if k.startswith(prefix))
            assert sorted(self.storage.list_prefix(prefix)) == expected

        @rule(prefix=st.sampled_from(["a/", "b/", "c"]))
        def clear_prefix(self, prefix: str) -> None:
            self.storage.clear(prefix)
            for key in [k for k in self.model if k.startswith(prefix)]:
                del self.model[key]

        @rule()
        def flush(self) -> None:
            self.storage.flush()

        @precondition(lambda self: reopen is not None)
        @rule()
        def reopen_storage(self) -> None:
            assert reopen is not None
            self.storage = reopen(self.storage)

        @invariant()
        def existence_matches(self) -> None:
            for key in list(self.model)[:5]:
                assert self.storage.exists(key)

        def teardown(self) -> None:
            self.storage.disable_readonly()
            self.storage.clear()
            self.storage.close()

    ProviderMachine.TestCase.settings = settings(
        max_examples=max_examples,
        stateful_step_count=stateful_step_count,
        deadline=None,
    )
    return ProviderMachine
