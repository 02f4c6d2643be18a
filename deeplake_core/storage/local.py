"""Local filesystem storage: one file per key under a root directory.

* Roots may be plain paths, ``~``-paths or ``file://`` URLs; they are made absolute.
* Writes are atomic: the value goes to a temporary file in the target directory which
  then replaces the key with ``os.replace``. A reader (or a process killed mid-write)
  never sees a torn value. Temporary files are named with
  :data:`~deeplake_core.storage.keys.TEMP_MARKER` and are never listed as keys.
* Durability (``durable=True``, the default): the temporary file is fsynced before the
  rename and the directory after it, so an acknowledged ``set`` survives power loss.
  ``durable=False`` keeps atomicity against process crashes only (see
  ``docs/architecture.md``, "Storage", for the measured cost).
* ``set_if_absent`` is atomic: the temporary file is hard-linked to the key, which fails
  if the key exists (falling back to ``O_EXCL`` creation where hard links are missing).
* Keys never leave the root: besides :func:`check_key`, a key that resolves through a
  symlink to a location outside the root is refused with ``InvalidKeyError``.
* Deleting the last key of a directory removes the emptied directories.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import time
import uuid
from collections.abc import Iterator

from deeplake_core.exceptions import (
    DirectoryAtPathException,
    FileAtPathException,
    InvalidKeyError,
)
from deeplake_core.storage.base import Buffer, StorageProvider, check_range
from deeplake_core.storage.keys import TEMP_MARKER, check_key, check_prefix

_FILE_SCHEME = "file://"


def local_root(path: str | os.PathLike[str]) -> str:
    """Absolute filesystem path for a plain path, ``~``-path or ``file://`` URL."""
    text = os.fspath(path)
    if text.startswith(_FILE_SCHEME):
        text = text[len(_FILE_SCHEME) :]
        if text.startswith("localhost/"):
            text = text[len("localhost") :]
    return os.path.abspath(os.path.expanduser(text))


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # platforms that cannot open directories (Windows)
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_all(fd: int, data: Buffer) -> None:
    view = memoryview(data).cast("B")
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _pread(fd: int, n: int, offset: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(fd, n, offset)
    os.lseek(fd, offset, os.SEEK_SET)  # pragma: no cover - Windows
    return os.read(fd, n)  # pragma: no cover


class LocalProvider(StorageProvider):
    """Stores each key as a file under ``root``."""

    supports_conditional_put = True

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        durable: bool = True,
        read_only: bool = False,
    ):
        self.root = local_root(root)
        self.durable = durable
        self.read_only = read_only
        if os.path.isfile(self.root):
            raise FileAtPathException(self.root)
        self._real_root = os.path.realpath(self.root)

    # -- paths ------------------------------------------------------------------------
    def _path(self, key: str) -> str:
        """Filesystem path of ``key``, refusing keys that resolve outside the root."""
        key = check_key(key)
        path = os.path.join(self.root, *key.split("/"))
        real = os.path.realpath(path)
        root = self._real_root
        if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
            raise InvalidKeyError(
                f"invalid storage key {key!r}: it resolves through a symlink to {real!r}, "
                f"outside the storage root {self.root!r}; remove that symlink"
            )
        return path

    def _check_is_file(self, key: str) -> str:
        """Path of ``key``; ``DirectoryAtPathException`` if a directory sits there."""
        path = self._path(key)
        if os.path.isdir(path):
            raise DirectoryAtPathException(path)
        return path

    def _missing(self, key: str, path: str, exc: OSError) -> Exception:
        if os.path.isdir(path):
            return DirectoryAtPathException(path)
        if isinstance(exc, FileNotFoundError | NotADirectoryError):
            return KeyError(key)
        return exc

    # -- reads ------------------------------------------------------------------------
    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError as exc:
            raise self._missing(key, path, exc) from None

    def get_range(self, key: str, start: int, end: int | None = None) -> bytes:
        check_range(start, end)
        path = self._path(key)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        except OSError as exc:
            raise self._missing(key, path, exc) from None
        try:
            if end is None:
                end = os.fstat(fd).st_size
            parts = []
            pos, remaining = start, end - start
            while remaining > 0:
                chunk = _pread(fd, min(remaining, 1 << 30), pos)
                if not chunk:
                    break
                parts.append(chunk)
                pos += len(chunk)
                remaining -= len(chunk)
            return b"".join(parts)
        except IsADirectoryError:
            raise DirectoryAtPathException(path) from None
        finally:
            os.close(fd)

    def exists(self, key: str) -> bool:
        return os.path.isfile(self._path(key))

    def size(self, key: str) -> int:
        path = self._path(key)
        try:
            st = os.stat(path)
        except OSError as exc:
            raise self._missing(key, path, exc) from None
        if os.path.isdir(path):
            raise DirectoryAtPathException(path)
        return st.st_size

    def list_prefix(self, prefix: str = "") -> Iterator[str]:
        prefix = check_prefix(prefix)
        head, sep, _ = prefix.rpartition("/")
        start = os.path.join(self.root, *head.split("/")) if head else self.root
        return self._walk(start, head + sep, prefix)

    def _walk(self, directory: str, rel: str, prefix: str) -> Iterator[str]:
        try:
            entries = list(os.scandir(directory))
        except (FileNotFoundError, NotADirectoryError):
            return
        for entry in entries:
            if entry.name.startswith(TEMP_MARKER):
                continue
            key = rel + entry.name
            if not (key.startswith(prefix) or prefix.startswith(key + "/")):
                continue
            if entry.is_symlink() and not self._inside_root(entry.path):
                continue
            if entry.is_dir(follow_symlinks=False):
                yield from self._walk(entry.path, key + "/", prefix)
            elif entry.is_file() and key.startswith(prefix):
                yield key

    def _inside_root(self, path: str) -> bool:
        real = os.path.realpath(path)
        return real.startswith(self._real_root.rstrip(os.sep) + os.sep)

    # -- writes -----------------------------------------------------------------------
    def _temp_file(self, path: str, value: Buffer) -> str:
        """Write ``value`` to a new temporary file next to ``path``; return its name."""
        directory = os.path.dirname(path)
        tmp = os.path.join(directory, f"{TEMP_MARKER}-{uuid.uuid4().hex}")
        for attempt in range(5):
            try:
                os.makedirs(directory, exist_ok=True)
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
                break
            except FileNotFoundError:  # a concurrent delete pruned the directory
                if attempt == 4:
                    raise
            except (FileExistsError, NotADirectoryError):
                raise FileAtPathException(self._file_in_the_way(directory)) from None
        try:
            _write_all(fd, value)
            if self.durable:
                os.fsync(fd)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        os.close(fd)
        return tmp

    def _file_in_the_way(self, directory: str) -> str:
        """The ancestor of ``directory`` (inside the root) that is a file."""
        path = directory
        while path.startswith(self.root + os.sep) and not os.path.isfile(path):
            path = os.path.dirname(path)
        return path

    def set(self, key: str, value: Buffer) -> None:
        self.check_readonly()
        path = self._check_is_file(key)
        tmp = self._temp_file(path, value)
        try:
            os.replace(tmp, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            if os.path.isdir(path):
                raise DirectoryAtPathException(path) from None
            raise exc
        if self.durable:
            _fsync_dir(os.path.dirname(path))

    def set_if_absent(self, key: str, value: Buffer) -> bool:
        self.check_readonly()
        path = self._check_is_file(key)
        if os.path.lexists(path):
            return False
        tmp = self._temp_file(path, value)
        try:
            try:
                os.link(tmp, path)
            except FileExistsError:
                return False
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                    raise
                return self._create_exclusive(path, value)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if self.durable:
            _fsync_dir(os.path.dirname(path))
        return True

    def _create_exclusive(self, path: str, value: Buffer) -> bool:
        """Fallback for filesystems without hard links: ``O_EXCL`` creation (atomic
        against other writers, though a reader may briefly see a partial value)."""
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            return False
        try:
            _write_all(fd, value)
            if self.durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        return True

    def delete(self, key: str) -> None:
        self.check_readonly()
        path = self._path(key)
        try:
            os.unlink(path)
        except OSError as exc:
            raise self._missing(key, path, exc) from None
        directory = os.path.dirname(path)
        self._prune(directory)
        if self.durable:
            _fsync_dir(directory if os.path.isdir(directory) else self.root)

    def _prune(self, directory: str) -> None:
        """Remove emptied directories from ``directory`` up to (not including) the root."""
        root = self.root.rstrip(os.sep)
        while directory.rstrip(os.sep) != root and directory.startswith(root + os.sep):
            try:
                os.rmdir(directory)
            except OSError:
                return
            directory = os.path.dirname(directory)

    def clear(self, prefix: str = "") -> None:
        """Delete every key under ``prefix``; an empty prefix removes the root directory
        with everything in it (temporary files of interrupted writes included)."""
        self.check_readonly()
        prefix = check_prefix(prefix)
        if not prefix:
            if os.path.isdir(self.root):
                shutil.rmtree(self.root)
            return
        if prefix.endswith("/"):
            directory = os.path.join(self.root, *prefix[:-1].split("/"))
            if os.path.isdir(directory) and not os.path.islink(directory):
                shutil.rmtree(directory)
                self._prune(os.path.dirname(directory))
            return
        super().clear(prefix)

    def remove_temp_files(self, older_than: float = 3600.0) -> int:
        """Delete temporary files left by interrupted writes that are older than
        ``older_than`` seconds; return how many were removed."""
        self.check_readonly()
        cutoff = time.time() - older_than
        removed = 0
        for directory, _, files in os.walk(self.root):
            for name in files:
                if not name.startswith(TEMP_MARKER):
                    continue
                path = os.path.join(directory, name)
                with contextlib.suppress(OSError):
                    if os.lstat(path).st_mtime < cutoff:
                        os.unlink(path)
                        removed += 1
        return removed

    def rename(self, root: str | os.PathLike[str]) -> None:
        """Move the whole store to a new root directory (which must not exist)."""
        self.check_readonly()
        new_root = local_root(root)
        if os.path.exists(new_root):
            raise FileExistsError(
                f"cannot rename {self.root!r} to {new_root!r}: the target exists; choose a new path"
            )
        os.makedirs(os.path.dirname(new_root), exist_ok=True)
        os.rename(self.root, new_root)
        self.root = new_root
        self._real_root = os.path.realpath(new_root)
