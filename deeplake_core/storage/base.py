"""The key-value storage interface every storage provider implements.

Keys are relative, ``/``-separated paths under the provider's root. Every provider
checks keys with :func:`deeplake_core.storage.keys.check_key` so that no key can escape
the root. Values are ``bytes`` (``bytearray``/``memoryview`` accepted on write).

The interface is also a ``MutableMapping[str, bytes]``, as in the reference
documentation (``provider[key]``, ``provider[key] = value``, ``del provider[key]``,
iteration over keys, ``len``). Providers compare and hash by identity (comparing two
stores never reads them).

Construction contract (used by :func:`deeplake_core.storage.open_storage`): a provider
class is built with ``cls.from_url(url, creds=..., **options)``; the default calls
``cls(url, **options)`` and passes ``creds`` only when given and the constructor takes
them (local and memory stores need none and ignore them). Credentials must never be
stored in a form that pickling or ``repr`` would reveal. The ``durability`` option (one
of :data:`DURABILITY_MODES`, see ``LocalProvider``) is checked by the default
``from_url`` and passed on only to providers whose constructor takes it; stores whose
writes are durable when they return (object stores) or never (memory) ignore it.
"""

from __future__ import annotations

import contextlib
import inspect
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, MutableMapping, Sequence
from typing import Any, ClassVar, Protocol

from deeplake_core.exceptions import InvalidBytesRequestedError, ReadOnlyModeError

Buffer = bytes | bytearray | memoryview

#: When a provider fsyncs: at ``flush()`` (default), after every write, or never.
DURABILITY_MODES = ("flush", "always", "never")


class FramedValue(Protocol):
    """A value written as a head followed by a payload, where the head depends on the
    whole payload (a chunk header holds the checksums of the payload's blocks).

    :meth:`pieces` yields the payload in order as ``(payload offset, buffers)``,
    preparing each piece (hashing it) just before yielding it; :meth:`head` is valid
    once :meth:`pieces` is exhausted. Its length, ``head_len``, is known up front, so a
    store can write the payload at its final position before the head.
    """

    head_len: int
    payload_len: int

    def pieces(self) -> Iterator[tuple[int, list[memoryview]]]: ...

    def head(self) -> bytes: ...


def _accepts(cls: type, name: str) -> bool:
    """Whether ``cls(...)`` takes the keyword argument ``name``."""
    params = inspect.signature(cls).parameters
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


_USERINFO = re.compile(r"(?<=://)[^/@]*@")


def redact_url(url: str) -> str:
    """``url`` with any ``user:password@`` part replaced by ``***@``."""
    return _USERINFO.sub("***@", url)


class StorageProvider(MutableMapping[str, bytes], ABC):
    """Abstract key-value store rooted at ``root``.

    Subclasses implement the six abstract methods below; everything else (byte ranges,
    conditional put, mapping protocol, read-only handling) has working defaults that a
    subclass may override for speed or atomicity.
    """

    #: Capability flags; conformance tests skip what a provider declares it lacks.
    supports_range_reads: ClassVar[bool] = True
    supports_listing: ClassVar[bool] = True
    #: True when :meth:`set_if_absent` is atomic against other processes.
    supports_conditional_put: ClassVar[bool] = False

    root: str
    read_only: bool = False

    @classmethod
    def from_url(cls, url: str, creds: Any = None, **options: Any) -> StorageProvider:
        """Build a provider for ``url`` (the full path or URL, scheme included)."""
        if creds is not None and _accepts(cls, "creds"):
            options["creds"] = creds  # stores that take none (local, memory) ignore them
        durability = options.pop("durability", None)
        if durability is not None:
            check_durability(durability)
            if _accepts(cls, "durability"):
                options["durability"] = durability
        return cls(url, **options)

    # -- required ---------------------------------------------------------------------
    @abstractmethod
    def get(self, key: str) -> bytes:
        """Return the whole value; ``KeyError`` if absent."""

    @abstractmethod
    def set(self, key: str, value: Buffer) -> None:
        """Store ``value`` atomically: readers see the old value or the new one, whole."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove ``key``; ``KeyError`` if absent."""

    @abstractmethod
    def list_prefix(self, prefix: str = "") -> Iterator[str]:
        """Yield every key starting with ``prefix`` (relative to the root), in no
        particular order."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether ``key`` holds a value."""

    @abstractmethod
    def size(self, key: str) -> int:
        """Length in bytes of the value at ``key``; ``KeyError`` if absent."""

    # -- defaults ---------------------------------------------------------------------
    def get_range(self, key: str, start: int, end: int | None = None) -> bytes:
        """Bytes ``[start, end)`` of the value (``end=None``: to the end). A range past
        the end of the value is clipped, as with slicing."""
        check_range(start, end)
        return self.get(key)[start:end]

    def read_into(self, key: str, out: Buffer | Sequence[Buffer], start: int = 0) -> int:
        """Copy bytes ``[start, start + len(out))`` of the value into the writable
        buffer ``out`` (or a list/tuple of buffers, filled in order: a scatter read);
        return how many were copied (fewer when the value ends first).

        Lets a reader fill its own (e.g. preallocated output) memory without an
        intermediate ``bytes``, and read a header and a payload into separate buffers
        with one request. The default copies from :meth:`get_range`; providers
        override it to read straight into ``out``.
        """
        views = buffer_views(out)
        check_range(start, None)
        data = self.get_range(key, start, start + sum(v.nbytes for v in views))
        return scatter(data, views)

    def set_parts(self, key: str, parts: Sequence[Buffer]) -> None:
        """Store the concatenation of ``parts`` atomically, like :meth:`set`.

        Lets a writer hand over a header and slices of its own buffers without first
        joining them. The default joins; providers override it to write the parts
        directly (e.g. one ``writev``).
        """
        self.set(key, b"".join(parts))

    def set_framed(self, key: str, value: FramedValue) -> None:
        """Store ``value.head()`` followed by its payload atomically, like :meth:`set`.

        The default takes every piece first, then hands the head and the pieces to
        :meth:`set_parts`. Local storage overrides it to write each piece at its place
        in the file as soon as it is prepared (while it is still in the CPU cache),
        and the head last.
        """
        views = [v for _, piece in value.pieces() for v in piece]
        self.set_parts(key, [value.head(), *views])

    def get_bytes(
        self, key: str, start_byte: int | None = None, end_byte: int | None = None
    ) -> bytes:
        """Reference-API spelling of :meth:`get_range`."""
        check_range(start_byte, end_byte)
        return self.get_range(key, start_byte or 0, end_byte)

    def set_bytes(
        self, key: str, value: Buffer, start_byte: int | None = None, overwrite: bool = False
    ) -> None:
        """Write ``value`` at offset ``start_byte`` of the existing value (zero-padded
        if it is shorter); ``overwrite=True`` replaces the whole value without reading."""
        check_range(start_byte, None)
        start = start_byte or 0
        old = b"" if overwrite or not self.exists(key) else self.get(key)
        head = old[:start].ljust(start, b"\0")
        self.set(key, head + bytes(value) + old[start + len(value) :])

    def set_if_absent(self, key: str, value: Buffer) -> bool:
        """Store ``value`` only if ``key`` is absent; return whether it was stored.

        Providers with ``supports_conditional_put`` do this atomically; the default
        is a check-then-set that is only safe under the dataset's writer lock.
        """
        self.check_readonly()
        if self.exists(key):
            return False
        self.set(key, value)
        return True

    def clear(self, prefix: str = "") -> None:
        """Delete every key under ``prefix`` (everything when ``prefix`` is empty)."""
        self.check_readonly()
        for key in list(self.list_prefix(prefix)):
            with contextlib.suppress(KeyError):  # removed concurrently
                self.delete(key)

    def clear_cache(self) -> None:
        """Drop cached contents (no-op for providers without a cache)."""

    def flush(self) -> None:
        """Persist buffered writes (no-op for providers that write through)."""

    def maybe_flush(self) -> None:
        """Flush if the provider buffers writes (reference API)."""
        self.flush()

    def close(self) -> None:
        """Release resources."""

    def check_readonly(self) -> None:
        """Raise ``ReadOnlyModeError`` if the provider is read-only."""
        if self.read_only:
            raise ReadOnlyModeError(
                f"storage at {redact_url(self.root)!r} is read-only; "
                "open the dataset with read_only=False to modify it"
            )

    def enable_readonly(self) -> None:
        self.read_only = True

    def disable_readonly(self) -> None:
        self.read_only = False

    def subdir(self, prefix: str) -> StorageProvider:
        """A view of this provider rooted at ``prefix`` (used for sub-datasets)."""
        from deeplake_core.storage.prefixed import PrefixedProvider

        return PrefixedProvider(self, prefix)

    def _all_keys(self) -> set[str]:
        """Every key under the root (reference API)."""
        return set(self.list_prefix(""))

    # -- MutableMapping ---------------------------------------------------------------
    def __getitem__(self, key: str) -> bytes:
        return self.get(key)

    def __setitem__(self, key: str, value: Buffer) -> None:
        self.set(key, value)

    def __delitem__(self, key: str) -> None:
        self.delete(key)

    def __iter__(self) -> Iterator[str]:
        return self.list_prefix("")

    def __len__(self) -> int:
        return sum(1 for _ in self.list_prefix(""))

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.exists(key)

    # Identity semantics: Mapping.__eq__ would read both stores in full.
    def __eq__(self, other: object) -> bool:
        return self is other

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"{type(self).__name__}({redact_url(self.root)!r})"


def buffer_views(out: Buffer | Sequence[Buffer]) -> list[memoryview]:
    """Flat writable byte views of ``out``: one buffer, or a list/tuple of them."""
    bufs = out if isinstance(out, list | tuple) else (out,)
    views = [memoryview(b).cast("B") for b in bufs]
    for v in views:
        if v.readonly:
            raise TypeError("read_into needs writable buffers (e.g. bytearray, numpy arrays)")
    return views


def scatter(data: Buffer, views: Sequence[memoryview]) -> int:
    """Copy ``data`` into ``views`` in order; return the bytes copied."""
    src = memoryview(data).cast("B")
    pos = 0
    for v in views:
        if pos >= src.nbytes:
            break
        k = min(v.nbytes, src.nbytes - pos)
        v[:k] = src[pos : pos + k]
        pos += k
    return pos


def check_durability(durability: str) -> str:
    """``durability`` if it names a mode of :data:`DURABILITY_MODES`, else ``ValueError``."""
    if durability not in DURABILITY_MODES:
        raise ValueError(
            f"durability must be one of {', '.join(map(repr, DURABILITY_MODES))}, "
            f"got {durability!r}"
        )
    return durability


def check_range(start: int | None, end: int | None) -> None:
    """Validate a byte range as the reference API does."""
    if start is not None and start < 0:
        raise InvalidBytesRequestedError(f"start byte {start} is negative")
    if end is not None and end < 0:
        raise InvalidBytesRequestedError(f"end byte {end} is negative")
    if start is not None and end is not None and start > end:
        raise InvalidBytesRequestedError(f"start byte {start} is after end byte {end}")
