"""Local filesystem storage: one file per key under a root directory.

* Roots may be plain paths, ``~``-paths or ``file://`` URLs; they are made absolute.
* Writes are atomic: the value goes to a temporary file in the target directory which
  then replaces the key with ``os.replace``. A reader (or a process killed mid-write)
  never sees a torn value. Temporary files are named with
  :data:`~deeplake_core.storage.keys.TEMP_MARKER` and are never listed as keys.
* Durability (``durability=``; default from ``DEEPLAKE_CORE_DURABILITY``, else
  ``"flush"``). Atomic renames already make every write safe against a killed
  process; fsync only matters for power loss, and only at commit points:

  - ``"flush"``: a new key is written without waiting for fsync (the file is
    fsynced by a background thread); :meth:`flush` waits until every file and then
    every directory written since the previous flush is durable. Replacing an existing key (a
    manifest, a branch head) fsyncs the new value before the rename, so a power loss
    can never leave a replaced key torn or empty. Callers commit with: write data,
    ``flush()``, write the commit record, ``flush()``.
  - ``"always"``: every write is durable when it returns (file and directory fsync).
  - ``"never"``: no fsync (scratch data, cache layers).

  ``durable=True``/``False`` (older spelling) mean ``"always"``/``"never"``. See
  ``docs/architecture.md``, "Storage", for the measured costs.
* ``read_into`` and ``set_parts`` move bytes between the file and the caller's
  buffers with ``preadv``/``writev`` (no intermediate ``bytes``).
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
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from deeplake_core.exceptions import (
    DirectoryAtPathException,
    FileAtPathException,
    InvalidKeyError,
)
from deeplake_core.storage.base import (
    DURABILITY_MODES,
    Buffer,
    FramedValue,
    StorageProvider,
    buffer_views,
    check_durability,
    check_range,
    scatter,
)
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


_IOV_MAX = 512  # well below every platform's limit


#: Files at least this large get their blocks reserved before they are written.
PREALLOCATE_MIN = 1 << 20
_FALLOCATE: Any = None


def _preallocate(fd: int, nbytes: int) -> None:
    """Reserve ``nbytes`` of disk blocks for the new file ``fd`` before writing it, as
    ``numpy.ndarray.tofile`` does: on ext4 and xfs a large write into reserved blocks
    costs about a third less CPU than one that allocates as it goes. Linux
    ``fallocate(FALLOC_FL_KEEP_SIZE)`` only: the file size is left alone, and a
    filesystem without support (or another OS) simply skips it."""
    global _FALLOCATE
    if _FALLOCATE is None:
        _FALLOCATE = False
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                fn = ctypes.CDLL(None, use_errno=True).fallocate
                fn.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
                fn.restype = ctypes.c_int
                _FALLOCATE = fn
            except (OSError, AttributeError):
                pass
    if _FALLOCATE:
        _FALLOCATE(fd, 1, 0, nbytes)  # 1 = FALLOC_FL_KEEP_SIZE; failure is harmless


def _byte_views(parts: Sequence[Buffer]) -> list[memoryview]:
    return [v for v in (memoryview(p).cast("B") for p in parts) if v.nbytes]


def _advance(views: list[memoryview], written: int) -> None:
    """Drop the first ``written`` bytes of ``views`` (a partial write leaves a tail)."""
    while written and views:
        if written >= views[0].nbytes:
            written -= views[0].nbytes
            views.pop(0)
        else:
            views[0] = views[0][written:]
            written = 0


def _write_parts(fd: int, parts: Sequence[Buffer]) -> None:
    """Write ``parts`` back to back with as few ``writev`` calls as possible."""
    views = _byte_views(parts)
    total = sum(v.nbytes for v in views)
    if total >= PREALLOCATE_MIN:
        _preallocate(fd, total)
    if not hasattr(os, "writev"):  # pragma: no cover - Windows
        for v in views:
            _write_all(fd, v)
        return
    while views:
        _advance(views, os.writev(fd, views[:_IOV_MAX]))


def _pwrite_parts(fd: int, parts: Sequence[Buffer], offset: int) -> None:
    """Write ``parts`` back to back at byte ``offset`` of the file (``pwritev``)."""
    views = _byte_views(parts)
    if not hasattr(os, "pwritev"):  # pragma: no cover - Windows
        os.lseek(fd, offset, os.SEEK_SET)
        for v in views:
            _write_all(fd, v)
        return
    while views:
        written = os.pwritev(fd, views[:_IOV_MAX], offset)
        offset += written
        _advance(views, written)


def _write_framed(fd: int, value: FramedValue) -> None:
    """Write each piece of ``value`` at its place as soon as it is prepared, then the
    head (see :meth:`StorageProvider.set_framed`)."""
    total = value.head_len + value.payload_len
    if total >= PREALLOCATE_MIN:
        _preallocate(fd, total)
    for offset, piece in value.pieces():
        _pwrite_parts(fd, piece, value.head_len + offset)
    head = value.head()
    if len(head) != value.head_len:
        raise ValueError(f"head of {len(head)} bytes where {value.head_len} were reserved")
    _pwrite_parts(fd, (head,), 0)


_SYNC_POOL: tuple[int, ThreadPoolExecutor] | None = None
_sync_pool_lock = threading.Lock()


def _sync_pool() -> ThreadPoolExecutor:
    """Threads that fsync written files in the background (rebuilt after fork)."""
    global _SYNC_POOL
    with _sync_pool_lock:
        if _SYNC_POOL is None or _SYNC_POOL[0] != os.getpid():
            _SYNC_POOL = (os.getpid(), ThreadPoolExecutor(4, thread_name_prefix="dlc-fsync"))
        return _SYNC_POOL[1]


def _fsync_file(path: str) -> None:
    """fsync the file at ``path``; a file removed meanwhile needs nothing."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _durability(durability: str | None, durable: bool | None) -> str:
    if durability is None:
        if durable is not None:
            return "always" if durable else "never"
        durability = os.environ.get("DEEPLAKE_CORE_DURABILITY") or DURABILITY_MODES[0]
    return check_durability(durability)


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
        durability: str | None = None,
        durable: bool | None = None,
        read_only: bool = False,
    ):
        self.root = local_root(root)
        self.durability = _durability(durability, durable)
        self.read_only = read_only
        if os.path.isfile(self.root):
            raise FileAtPathException(self.root)
        self._real_root = os.path.realpath(self.root)
        self._sync_lock = threading.Lock()
        #: files written since the last flush -> their eager fsync (``"flush"`` mode)
        self._unsynced_files: dict[str, Future] = {}
        self._unsynced_dirs: set[str] = set()
        #: directories already checked to resolve inside the root (bounded)
        self._safe_dirs: set[str] = set()

    def __getstate__(self) -> dict:
        """Configuration only: pending fsyncs are done first (they belong to this
        process's writes), locks and path caches are rebuilt on unpickling."""
        self.flush()
        state = dict(self.__dict__)
        for name in ("_sync_lock", "_unsynced_files", "_unsynced_dirs", "_safe_dirs"):
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._sync_lock = threading.Lock()
        self._unsynced_files = {}
        self._unsynced_dirs = set()
        self._safe_dirs = set()

    @property
    def durable(self) -> bool:
        """Whether writes are ever fsynced (``durability != "never"``)."""
        return self.durability != "never"

    # -- paths ------------------------------------------------------------------------
    def _path(self, key: str) -> str:
        """Filesystem path of ``key``, refusing keys that resolve outside the root.

        A directory found to resolve inside the root is remembered (per provider), so
        a key in it costs one ``lstat`` (is the file itself a link?) instead of a
        ``realpath`` of every component.
        """
        key = check_key(key)
        path = os.path.join(self.root, *key.split("/"))
        directory = os.path.dirname(path)
        if directory in self._safe_dirs and not os.path.islink(path):
            return path
        real = os.path.realpath(path)
        root = self._real_root
        if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
            raise InvalidKeyError(
                f"invalid storage key {key!r}: it resolves through a symlink to {real!r}, "
                f"outside the storage root {self.root!r}; remove that symlink"
            )
        if os.path.isdir(directory) and self._inside_root(directory):
            if len(self._safe_dirs) > 4096:
                self._safe_dirs.clear()
            self._safe_dirs.add(directory)
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

    def read_into(self, key: str, out: Buffer | Sequence[Buffer], start: int = 0) -> int:
        check_range(start, None)
        views = [v for v in buffer_views(out) if v.nbytes]
        path = self._path(key)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        except OSError as exc:
            raise self._missing(key, path, exc) from None
        try:
            done = 0
            while views:
                if hasattr(os, "preadv"):
                    n = os.preadv(fd, views[:_IOV_MAX], start + done)
                else:  # pragma: no cover - Windows
                    data = _pread(fd, views[0].nbytes, start + done)
                    n = scatter(data, views[:1])
                if n == 0:
                    break
                done += n
                while n and views:  # drop what was filled, keep a partial tail
                    if n >= views[0].nbytes:
                        n -= views.pop(0).nbytes
                    else:
                        views[0] = views[0][n:]
                        n = 0
            return done
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
        root = self._real_root.rstrip(os.sep)
        return real == root or real.startswith(root + os.sep)

    # -- durability -------------------------------------------------------------------
    def _makedirs(self, directory: str) -> None:
        """Create ``directory`` and its parents; remember the parents of created
        directories for fsync (their new entries must reach the disk too)."""
        if os.path.isdir(directory):
            return
        created = []
        d = directory
        while not os.path.isdir(d) and d.startswith(self.root):
            created.append(d)
            parent = os.path.dirname(d)
            if parent == d:
                break
            d = parent
        os.makedirs(directory, exist_ok=True)
        if self.durability != "never":
            parents = {os.path.dirname(c) for c in created}
            if self.durability == "always":
                for p in sorted(parents, key=len, reverse=True):
                    _fsync_dir(p)
            else:
                with self._sync_lock:
                    self._unsynced_dirs.update(parents)

    def _written(self, path: str, synced: bool) -> None:
        """Record (``"flush"``) or make durable (``"always"``) a completed write of
        ``path``; ``synced``: its content was already fsynced."""
        if self.durability == "flush" and not synced:
            fut = _sync_pool().submit(_fsync_file, path)
            with self._sync_lock:
                self._unsynced_files[path] = fut
        self._dir_changed(os.path.dirname(path))

    def _dir_changed(self, directory: str) -> None:
        """An entry of ``directory`` was created, replaced or removed."""
        if self.durability == "always":
            _fsync_dir(directory)
        elif self.durability == "flush":
            with self._sync_lock:
                self._unsynced_dirs.add(directory)

    def flush(self) -> None:
        """``durability="flush"``: make every file, then every directory, written since
        the previous flush durable. Files are fsynced eagerly in the background as
        they are written (so the disk works while the caller continues); this waits
        for those and re-raises the first failure (the files are then synced again
        by the next flush)."""
        if self.durability != "flush":
            return
        with self._sync_lock:
            files, self._unsynced_files = self._unsynced_files, {}
            dirs, self._unsynced_dirs = self._unsynced_dirs, set()
        failed: dict[str, Future] = {}
        error: BaseException | None = None
        for path, fut in files.items():
            try:
                fut.result()
            except BaseException as exc:
                failed[path] = _sync_pool().submit(_fsync_file, path)
                error = error or exc
        if error is not None:
            with self._sync_lock:  # keep them for the next flush
                self._unsynced_files.update(failed)
                self._unsynced_dirs |= dirs
            raise error
        for d in sorted(dirs, key=len, reverse=True):
            if os.path.isdir(d):
                _fsync_dir(d)

    # -- writes -----------------------------------------------------------------------
    def _temp_file(self, path: str, write: Callable[[int], None], sync: bool) -> str:
        """Create a new temporary file next to ``path``, fill it with ``write(fd)``
        (fsynced if ``sync``); return its name."""
        directory = os.path.dirname(path)
        tmp = os.path.join(directory, f"{TEMP_MARKER}-{uuid.uuid4().hex}")
        for attempt in range(5):
            try:
                self._makedirs(directory)
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
                break
            except FileNotFoundError:  # a concurrent delete pruned the directory
                if attempt == 4:
                    raise
            except (FileExistsError, NotADirectoryError):
                raise FileAtPathException(self._file_in_the_way(directory)) from None
        try:
            write(fd)
            if sync:
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
        self.set_parts(key, (value,))

    def set_parts(self, key: str, parts: Sequence[Buffer]) -> None:
        self._replace(key, lambda fd: _write_parts(fd, parts))

    def set_framed(self, key: str, value: FramedValue) -> None:
        self._replace(key, lambda fd: _write_framed(fd, value))

    def _replace(self, key: str, write: Callable[[int], None]) -> None:
        """Atomically replace the file of ``key`` by one filled with ``write(fd)``."""
        self.check_readonly()
        path = self._check_is_file(key)
        mode = self.durability
        replaced = mode == "flush" and os.path.lexists(path)
        tmp = self._temp_file(path, write, sync=mode == "always" or replaced)
        try:
            os.replace(tmp, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            if os.path.isdir(path):
                raise DirectoryAtPathException(path) from None
            raise exc
        self._written(path, synced=mode == "always" or replaced)

    def set_if_absent(self, key: str, value: Buffer) -> bool:
        self.check_readonly()
        path = self._check_is_file(key)
        if os.path.lexists(path):
            return False
        tmp = self._temp_file(
            path, lambda fd: _write_parts(fd, (value,)), sync=self.durability == "always"
        )
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
        self._written(path, synced=self.durability == "always")
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
            if self.durability == "always":
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
        self._dir_changed(directory if os.path.isdir(directory) else self.root)

    def _prune(self, directory: str) -> None:
        """Remove emptied directories from ``directory`` up to (not including) the root."""
        root = self.root.rstrip(os.sep)
        while directory.rstrip(os.sep) != root and directory.startswith(root + os.sep):
            try:
                os.rmdir(directory)
            except OSError:
                return
            self._safe_dirs.discard(directory)
            directory = os.path.dirname(directory)

    def clear(self, prefix: str = "") -> None:
        """Delete every key under ``prefix``; an empty prefix removes the root directory
        with everything in it (temporary files of interrupted writes included)."""
        self.check_readonly()
        prefix = check_prefix(prefix)
        self._safe_dirs.clear()
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
        self.flush()
        os.makedirs(os.path.dirname(new_root), exist_ok=True)
        os.rename(self.root, new_root)
        self._dir_changed(os.path.dirname(new_root))
        self.root = new_root
        self._real_root = os.path.realpath(new_root)
        self._safe_dirs.clear()
