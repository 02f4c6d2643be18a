"""A view of a provider rooted at a key prefix (``StorageProvider.subdir``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from deeplake_core.exceptions import InvalidKeyError
from deeplake_core.storage.base import Buffer, FramedValue, StorageProvider
from deeplake_core.storage.keys import check_key, check_prefix


class PrefixedProvider(StorageProvider):
    """Every key ``k`` of the view is the key ``prefix/k`` of ``base``.

    The view shares ``base``'s data, caches and read-only state; it can be made
    read-only on its own. Closing the view does not close ``base``.
    """

    def __init__(self, base: StorageProvider, prefix: str):
        prefix = check_prefix(prefix)
        if not prefix:
            raise InvalidKeyError("a subdir prefix cannot be empty; use the provider itself")
        if isinstance(base, PrefixedProvider):
            prefix, base = base.prefix + prefix.rstrip("/") + "/", base.base
        self.base = base
        self.prefix = prefix.rstrip("/") + "/"
        self._read_only = False

    # -- derived attributes -----------------------------------------------------------
    @property
    def root(self) -> str:  # type: ignore[override]
        return self.base.root.rstrip("/") + "/" + self.prefix.rstrip("/")

    @property
    def read_only(self) -> bool:  # type: ignore[override]
        return self._read_only or self.base.read_only

    @read_only.setter
    def read_only(self, value: bool) -> None:
        self._read_only = value

    @property
    def supports_range_reads(self) -> bool:  # type: ignore[override]
        return self.base.supports_range_reads

    @property
    def supports_listing(self) -> bool:  # type: ignore[override]
        return self.base.supports_listing

    @property
    def supports_conditional_put(self) -> bool:  # type: ignore[override]
        return self.base.supports_conditional_put

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    # -- operations -------------------------------------------------------------------
    def get(self, key: str) -> bytes:
        try:
            return self.base.get(self._key(key))
        except KeyError:
            raise KeyError(key) from None

    def get_range(self, key: str, start: int, end: int | None = None) -> bytes:
        try:
            return self.base.get_range(self._key(key), start, end)
        except KeyError:
            raise KeyError(key) from None

    def read_into(self, key: str, out: Buffer | Sequence[Buffer], start: int = 0) -> int:
        try:
            return self.base.read_into(self._key(key), out, start)
        except KeyError:
            raise KeyError(key) from None

    def set_parts(self, key: str, parts: Sequence[Buffer]) -> None:
        self.check_readonly()
        self.base.set_parts(self._key(key), parts)

    def set_framed(self, key: str, value: FramedValue) -> None:
        self.check_readonly()
        self.base.set_framed(self._key(key), value)

    def set(self, key: str, value: Buffer) -> None:
        self.check_readonly()
        self.base.set(self._key(key), value)

    def set_if_absent(self, key: str, value: Buffer) -> bool:
        self.check_readonly()
        return self.base.set_if_absent(self._key(key), value)

    def delete(self, key: str) -> None:
        self.check_readonly()
        try:
            self.base.delete(self._key(key))
        except KeyError:
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        return self.base.exists(self._key(key))

    def size(self, key: str) -> int:
        try:
            return self.base.size(self._key(key))
        except KeyError:
            raise KeyError(key) from None

    def list_prefix(self, prefix: str = "") -> Iterator[str]:
        n = len(self.prefix)
        for key in self.base.list_prefix(self.prefix + check_prefix(prefix)):
            yield key[n:]

    def clear(self, prefix: str = "") -> None:
        self.check_readonly()
        self.base.clear(self.prefix + check_prefix(prefix))

    def flush(self) -> None:
        self.base.flush()

    def clear_cache(self) -> None:
        self.base.clear_cache()
