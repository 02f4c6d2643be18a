"""A storage provider over any fsspec filesystem."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from deeplake_core.exceptions import DirectoryAtPathException, ModuleNotInstalledException
from deeplake_core.storage.base import Buffer, StorageProvider, check_range, redact_url
from deeplake_core.storage.creds import CredsHandle
from deeplake_core.storage.keys import TEMP_MARKER, check_key, check_prefix

#: Protocols served read-only (no writes, no deletes).
READ_ONLY_PROTOCOLS = frozenset({"http", "https", "zip", "tar"})
#: Protocols that cannot list keys.
UNLISTABLE_PROTOCOLS = frozenset({"http", "https"})


def _missing(protocol: str, exc: ImportError) -> ModuleNotInstalledException:
    return ModuleNotInstalledException(
        f"the fsspec filesystem for {protocol}:// needs a package that is not installed "
        f"({exc}); install it (e.g. pip install 'deeplake-core-fsspec[http]' for "
        "http/https, paramiko for sftp) and retry"
    )


class FsspecProvider(StorageProvider):
    """Keys are files under ``root`` on the fsspec filesystem the URL names.

    ``creds`` (a mapping) and ``storage_options`` are passed to the filesystem; both
    are kept in a :class:`~deeplake_core.storage.creds.CredsHandle`, so they are never
    pickled or shown in ``repr``. The filesystem is created lazily and re-created after
    unpickling.
    """

    def __init__(
        self,
        root: str,
        creds: dict[str, Any] | None = None,
        *,
        read_only: bool = False,
        **storage_options: Any,
    ):
        import fsspec

        # The URL may carry user:password@; it is kept with the other secrets.
        self.root = redact_url(root)
        self._options = CredsHandle((root, {**storage_options, **(creds or {})}))
        self.protocol = fsspec.core.split_protocol(root)[0] or "file"
        self._fs: Any = None
        try:
            fs_class = fsspec.get_filesystem_class(self.protocol)
        except ImportError as exc:
            raise _missing(self.protocol, exc) from None
        self._path = fs_class._strip_protocol(root.split("::")[0]).rstrip("/")
        self.read_only = read_only or self.protocol in READ_ONLY_PROTOCOLS
        self.supports_listing = self.protocol not in UNLISTABLE_PROTOCOLS  # type: ignore[misc]

    @property
    def fs(self) -> Any:
        """The fsspec filesystem (created on first use)."""
        if self._fs is None:
            import fsspec

            try:
                url, options = self._options.get()
                self._fs, _ = fsspec.core.url_to_fs(url, **options)
            except ImportError as exc:
                raise _missing(self.protocol, exc) from None
        return self._fs

    def _full(self, key: str) -> str:
        return f"{self._path}/{check_key(key)}" if self._path else check_key(key)

    def _rel(self, path: str) -> str:
        path = self.fs._strip_protocol(path)
        return path[len(self._path) + 1 :] if self._path else path.lstrip("/")

    # -- reads ------------------------------------------------------------------------
    def get(self, key: str) -> bytes:
        path = self._full(key)
        try:
            return bytes(self.fs.cat_file(path))
        except (FileNotFoundError, NotADirectoryError):
            raise KeyError(key) from None
        except IsADirectoryError:
            raise DirectoryAtPathException(path) from None

    def get_range(self, key: str, start: int, end: int | None = None) -> bytes:
        check_range(start, end)
        path = self._full(key)
        if end is not None and end == start:
            if not self.exists(key):
                raise KeyError(key)
            return b""
        try:
            return bytes(self.fs.cat_file(path, start=start, end=end))
        except (FileNotFoundError, NotADirectoryError):
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        return bool(self.fs.isfile(self._full(key)))

    def size(self, key: str) -> int:
        path = self._full(key)
        try:
            info = self.fs.info(path)
        except (FileNotFoundError, NotADirectoryError):
            raise KeyError(key) from None
        if info.get("type") == "directory":
            raise DirectoryAtPathException(path)
        return int(info["size"])

    def list_prefix(self, prefix: str = "") -> Iterator[str]:
        prefix = check_prefix(prefix)
        head = prefix.rpartition("/")[0]
        start = f"{self._path}/{head}" if head else self._path or "/"
        try:
            paths = self.fs.find(start)
        except FileNotFoundError:
            return iter(())
        keys = (self._rel(p) for p in paths)
        return (
            k
            for k in keys
            if k.startswith(prefix) and not k.rpartition("/")[2].startswith(TEMP_MARKER)
        )

    # -- writes -----------------------------------------------------------------------
    def set(self, key: str, value: Buffer) -> None:
        self.check_readonly()
        path = self._full(key)
        if self.fs.isdir(path):
            raise DirectoryAtPathException(path)
        data = bytes(value)
        try:
            self.fs.pipe_file(path, data)
        except FileNotFoundError:
            self.fs.makedirs(path.rpartition("/")[0], exist_ok=True)
            self.fs.pipe_file(path, data)

    def delete(self, key: str) -> None:
        self.check_readonly()
        path = self._full(key)
        if not self.fs.isfile(path):
            if self.fs.isdir(path):
                raise DirectoryAtPathException(path)
            raise KeyError(key)
        try:
            self.fs.rm_file(path)
        except FileNotFoundError:
            raise KeyError(key) from None

    def clear(self, prefix: str = "") -> None:
        self.check_readonly()
        if check_prefix(prefix):
            super().clear(prefix)
            return
        with contextlib.suppress(FileNotFoundError):
            if self.fs.exists(self._path):
                self.fs.rm(self._path, recursive=True)

    # -- pickling ---------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_fs"] = None
        return state
