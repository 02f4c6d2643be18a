"""The key-value storage interface every storage provider implements.

Keys are relative, ``/``-separated paths under the provider's root. Every provider
checks keys with :func:`deeplake_core.storage.keys.check_key` so that no key can escape
the root. Values are ``bytes`` (``bytearray``/``memoryview`` accepted on write).

The interface is also a ``MutableMapping[str, bytes]``, as in the reference
documentation (``provider[key]``, ``provider[key] = value``, ``del provider[key]``,
iteration over keys, ``len``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, MutableMapping
from typing import ClassVar

from deeplake_core.exceptions import InvalidBytesRequestedError, ReadOnlyModeError

Buffer = bytes | bytearray | memoryview


class StorageProvider(MutableMapping[str, bytes], ABC):
    """Abstract key-value store rooted at ``root``.

    Subclasses implement the six ``_``-less abstract methods below; everything else
    (byte ranges, mapping protocol, read-only handling) has working defaults that a
    subclass may override for speed.
    """

    #: Capability flags; conformance tests skip what a provider declares it lacks.
    supports_range_reads: ClassVar[bool] = True
    supports_listing: ClassVar[bool] = True
    supports_conditional_put: ClassVar[bool] = False

    root: str
    read_only: bool = False

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
        """Yield every key starting with ``prefix`` (relative to the root)."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether ``key`` holds a value."""

    @abstractmethod
    def size(self, key: str) -> int:
        """Length in bytes of the value at ``key``; ``KeyError`` if absent."""

    # -- defaults ---------------------------------------------------------------------
    def get_range(self, key: str, start: int, end: int | None = None) -> bytes:
        """Bytes ``[start, end)`` of the value (``end=None``: to the end)."""
        check_range(start, end)
        return self.get(key)[start:end]

    def get_bytes(self, key: str, start_byte: int | None = None, end_byte: int | None = None) -> bytes:
        """Reference-API spelling of :meth:`get_range`."""
        return self.get_range(key, start_byte or 0, end_byte)

    def set_if_absent(self, key: str, value: Buffer) -> bool:
        """Store ``value`` only if ``key`` is absent; return whether it was stored.

        Providers with ``supports_conditional_put`` do this atomically; the default
        is a check-then-set that is only safe under the dataset's writer lock.
        """
        if self.exists(key):
            return False
        self.set(key, value)
        return True

    def clear(self, prefix: str = "") -> None:
        """Delete every key under ``prefix``."""
        self.check_readonly()
        for key in list(self.list_prefix(prefix)):
            self.delete(key)

    def flush(self) -> None:
        """Persist buffered writes (no-op for providers that write through)."""

    def close(self) -> None:
        """Release resources."""

    def check_readonly(self) -> None:
        if self.read_only:
            raise ReadOnlyModeError(
                f"storage at {self.root!r} is read-only; open the dataset with read_only=False"
            )

    def enable_readonly(self) -> None:
        self.read_only = True

    def disable_readonly(self) -> None:
        self.read_only = False

    def subdir(self, prefix: str) -> StorageProvider:
        """A view of this provider rooted at ``prefix`` (used for sub-datasets)."""
        from deeplake_core.storage.prefixed import PrefixedProvider

        return PrefixedProvider(self, prefix)

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

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.root!r})"


def check_range(start: int | None, end: int | None) -> None:
    """Validate a byte range as the reference API does."""
    if start is not None and start < 0:
        raise InvalidBytesRequestedError(f"start byte {start} is negative")
    if end is not None and end < 0:
        raise InvalidBytesRequestedError(f"end byte {end} is negative")
    if start is not None and end is not None and start > end:
        raise InvalidBytesRequestedError(f"start byte {start} is after end byte {end}")
