"""Deep Lake 3 module functions: ``dataset``, ``empty``, ``load``, ``exists``, ``delete``,
``rename``, ``copy``, ``like``.

Paths: local (``./ds``, ``~/ds``, ``file://``), ``mem://`` and any scheme a storage
plugin provides. ``path@branch`` or ``path@<version id>`` opens that version (for
``dataset`` and ``load``). Credentials are used to open storage and never stored.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from deeplake_core.core import manifest as mf
from deeplake_core.exceptions import (
    CheckoutError,
    DatasetCorruptError,
    DatasetHandlerError,
    DatasetTooLargeToDelete,
    MissingPluginError,
    ReadOnlyModeError,
    RenameError,
)

if TYPE_CHECKING:
    from deeplake_core.core.dataset import Dataset
    from deeplake_core.core.state import DatasetState

DEFAULT_MEMORY_CACHE_SIZE = 2000
DEFAULT_LOCAL_CACHE_SIZE = 0
#: Load-time integrity checks run by default on datasets with at most this many tensors.
INTEGRITY_CHECK_LIMIT = 20
_ONE_GB = 1 << 30


# ---------------------------------------------------------------------------- paths


def _path_str(path: Any) -> str:
    from deeplake_core.core.dataset import Dataset

    if isinstance(path, Dataset):
        return path.path
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"a dataset path is a str or os.PathLike, got {type(path).__name__}")
    return os.fspath(path)


def split_version(path: str) -> tuple[str, str | None]:
    """``"ds@branch"`` -> ``("ds", "branch")``; ``"ds"`` -> ``("ds", None)``."""
    try:
        from deeplake_core.core.paths import split_version as _split
    except ImportError:  # pragma: no cover - helper module not installed yet
        base, sep, version = path.rpartition("@")
        if sep and base and version and "/" not in version:
            return base, version
        return path, None
    return _split(path)


def _no_version(path: str, what: str) -> str:
    base, version = split_version(path)
    if version is not None:
        raise ValueError(
            f"{what} does not take a version in the path ({path!r}); pass the path "
            f"without '@{version}'"
        )
    return base


def _scheme(path: str) -> str:
    from deeplake_core.storage import url_scheme

    return url_scheme(path)


def _is_local(path: str) -> bool:
    return _scheme(path) in ("", "file")


def _check_hosted(path: str, org_id: Any = None, runtime: Any = None) -> None:
    if org_id is not None and not _is_local(path):
        raise ValueError("org_id applies only to local datasets")
    if _scheme(path) == "hub":
        from deeplake_core.exceptions import UnsupportedParameterException

        raise UnsupportedParameterException(
            f"{path!r} is a path on Activeloop's hosted service, which deeplake-core does "
            "not use; store the dataset locally, in memory (mem://) or on object storage "
            "(s3://, gcs:// ... with the matching storage plugin installed)"
        )


def _normalize(path: str) -> str:
    if _is_local(path):
        from deeplake_core.storage.local import local_root

        return local_root(path)
    return path.rstrip("/")


# ----------------------------------------------------------------------------- locks


def _acquire_lock(storage: Any, root: str, timeout: float | None, branch: str | None = None) -> Any:
    """Take the writer lock of ``branch`` (default branch if None; re-entrant within a
    process: opening a dataset one already writes shares the lease)."""
    from deeplake_core.storage import WriterLock

    return WriterLock(storage, mf.lock_key(branch), timeout=timeout).acquire()


@contextlib.contextmanager
def _released_on_error(lock: Any) -> Iterator[None]:
    """Release ``lock`` (if any) when the block raises; keep it otherwise."""
    try:
        yield
    except BaseException:
        if lock is not None:
            lock.release()
        raise


def _base(storage: Any) -> Any:
    from deeplake_core.storage import get_base_storage

    return get_base_storage(storage)


# ----------------------------------------------------------------------------- state


def _settings(
    memory_cache_size: int,
    local_cache_size: int,
    lock_enabled: bool,
    lock_timeout: float | None,
    verbose: bool,
    durability: str | None = None,
) -> dict[str, Any]:
    return {
        "memory_cache_size": memory_cache_size,
        "local_cache_size": local_cache_size,
        "lock_enabled": lock_enabled,
        "lock_timeout": lock_timeout,
        "verbose": verbose,
        "durability": durability,
    }


def _new_state(
    path: str,
    storage: Any,
    manifest: mf.Manifest,
    version_id: str,
    branch: str | None,
    read_only: bool,
    settings: dict[str, Any],
    disk: bytes | None,
    lock: Any,
) -> DatasetState:
    from deeplake_core.core.state import DatasetState

    state = DatasetState(
        path, storage, manifest, version_id, branch, read_only, settings, disk, lock
    )
    if lock is not None:
        weakref.finalize(state, lock.release)
    return state


def _open_storage(
    path: str,
    creds: Any,
    read_only: bool,
    memory_cache_size: int,
    local_cache_size: int,
    durability: str | None = None,
) -> Any:
    from deeplake_core.storage import open_storage

    if creds == "ENV":
        creds = None
    options = {} if durability is None else {"durability": durability}
    return open_storage(
        path,
        creds=creds,
        read_only=read_only,
        memory_cache_size=memory_cache_size,
        local_cache_size=local_cache_size,
        **options,
    )


def create_state(
    path: str,
    *,
    overwrite: bool = False,
    creds: Any = None,
    memory_cache_size: int = DEFAULT_MEMORY_CACHE_SIZE,
    local_cache_size: int = DEFAULT_LOCAL_CACHE_SIZE,
    lock_enabled: bool = True,
    lock_timeout: float | None = 0,
    verbose: bool = True,
    durability: str | None = None,
) -> DatasetState:
    """Create an empty dataset at ``path`` (metadata written marker-last)."""
    storage = _open_storage(path, creds, False, memory_cache_size, local_cache_size, durability)
    if storage.read_only:
        raise ReadOnlyModeError(f"cannot create a dataset at {path!r}: the storage is read-only")
    root = _normalize(path)
    existing = mf.is_dataset(storage)
    if existing and not overwrite:
        raise DatasetHandlerError(
            f"a dataset already exists at {path!r}; load it with deeplake.load(), or pass "
            "overwrite=True to replace it (its data is deleted)"
        )
    lock = _acquire_lock(storage, root, lock_timeout) if lock_enabled else None
    with _released_on_error(lock):
        if existing:
            _clear_dataset(storage)
        version_id = mf.new_id()
        man = mf.Manifest()
        mf.write_version(storage, mf.VersionRecord(version_id=version_id))
        mf.write_branch_head(storage, mf.DEFAULT_BRANCH, version_id)
        disk = mf.write_manifest(storage, version_id, man, None)
        storage.flush()
        mf.write_marker(storage)
        storage.flush()
    settings = _settings(
        memory_cache_size, local_cache_size, lock_enabled, lock_timeout, verbose, durability
    )
    return _new_state(
        path, storage, man, version_id, mf.DEFAULT_BRANCH, False, settings, disk, lock
    )


def _clear_dataset(storage: Any) -> None:
    """Delete a dataset's keys, metadata first (so a crash never leaves a dataset whose
    metadata points at deleted data), keeping the writer lock."""
    with contextlib.suppress(KeyError):
        storage.delete(mf.MARKER_KEY)
    storage.flush()
    for prefix in ("refs/", "versions/", "tensors/"):
        storage.clear(prefix)
    for key in list(storage.list_prefix("")):
        if not key.startswith(mf.LOCK_KEY):
            with contextlib.suppress(KeyError):
                storage.delete(key)
    storage.flush()


def _resolve_version(
    storage: Any, address: str | None, branch: str | None, version_id: str | None
) -> tuple[str, str | None]:
    """Return ``(version_id, branch)`` for a path suffix or explicit ids."""
    if version_id is not None:
        rec = mf.read_version(storage, version_id)
        if rec is None:
            raise CheckoutError(f"version {version_id!r} does not exist in this dataset")
        head = mf.read_branch_head(storage, rec.branch)
        return version_id, rec.branch if head == version_id else branch
    from deeplake_core.core.vc.graph import resolve

    if address is None and branch is None:
        default = mf.read_marker(storage).default_branch
        try:
            return resolve(storage, default)
        except CheckoutError as exc:
            raise DatasetCorruptError(
                f"the dataset's default branch {default!r} has no readable ref ({exc}).",
                action="Open a branch or commit that exists (path@branch or version_id=...) "
                "and run ds.fix_vc() to rebuild the refs.",
                cause=exc,
            ) from exc
    return resolve(storage, address if address is not None else branch)


def open_state(
    path: str,
    *,
    read_only: bool | None = None,
    creds: Any = None,
    memory_cache_size: int = DEFAULT_MEMORY_CACHE_SIZE,
    local_cache_size: int = DEFAULT_LOCAL_CACHE_SIZE,
    lock_enabled: bool = True,
    lock_timeout: float | None = 0,
    verbose: bool = True,
    reset: bool = False,
    check_integrity: bool | None = None,
    branch: str | None = None,
    version_id: str | None = None,
    durability: str | None = None,
) -> DatasetState:
    """Open an existing dataset."""
    base_path, address = split_version(path)
    storage = _open_storage(
        base_path, creds, bool(read_only), memory_cache_size, local_cache_size, durability
    )
    if not mf.is_dataset(storage):
        raise DatasetHandlerError(
            f"no dataset at {base_path!r}; create one with deeplake.empty() or deeplake.dataset()"
        )
    mf.read_marker(storage)
    vid, br = _resolve_version(storage, address, branch, version_id)
    if read_only is None:
        read_only = bool(storage.read_only)
    lock = None
    if not read_only and lock_enabled and br is not None:
        # at a branch head: that branch's lock. At a commit there is nothing to lock
        # until a write moves to a new branch (which takes its own lock).
        lock = _acquire_lock(storage, _normalize(base_path), lock_timeout, br)
    with _released_on_error(lock):
        man, fell_back = mf.read_manifest(storage, vid, reset=reset)
        disk = mf.manifest_bytes(storage, vid, fell_back)
        if fell_back:
            if read_only:
                raise ReadOnlyModeError(
                    f"the dataset at {base_path!r} needs a reset (its latest manifest is "
                    "damaged), which writes; open it with read_only=False and reset=True"
                )
            disk = mf.write_manifest(storage, vid, man, None)
            storage.flush()
    settings = _settings(
        memory_cache_size, local_cache_size, lock_enabled, lock_timeout, verbose, durability
    )
    if br is None:  # at a commit: report the branch it was made on
        rec = mf.read_version(storage, vid)
        br = rec.branch if rec is not None else None
    state = _new_state(base_path, storage, man, vid, br, bool(read_only), settings, disk, lock)
    if check_integrity or (check_integrity is None and len(man.tensors) <= INTEGRITY_CHECK_LIMIT):
        _quick_integrity_check(state)
    return state


def _quick_integrity_check(state: DatasetState) -> None:
    """Open every tensor's index and compare its length with the manifest's."""
    for key, entry in state.manifest.tensors.items():
        try:
            col = state.column(key)
            n = col.length() if not col.loaded else None
            engine = col.engine
        except MissingPluginError:
            continue  # reported when the tensor is used; other tensors still read
        except DatasetCorruptError:
            raise
        except Exception as exc:
            raise DatasetCorruptError(f"tensor {key!r} cannot be opened: {exc}", cause=exc) from exc
        if n is not None and int(engine.num_samples) != entry.length:
            raise DatasetCorruptError(
                f"tensor {key!r} has {engine.num_samples} samples in its index but "
                f"{entry.length} in the manifest"
            )


def set_read_only(state: DatasetState, value: bool) -> None:
    if value == state.read_only:
        return
    if value:
        state.flush()
        state.read_only = True
        state.release_lock()
        return
    if _base(state.storage).read_only and getattr(_base(state.storage), "root", None):
        with contextlib.suppress(AttributeError):
            _base(state.storage).disable_readonly()
    state.storage.disable_readonly()
    if state.settings.get("lock_enabled", True):
        state.lock = _acquire_lock(
            state.storage,
            _normalize(state.path),
            state.settings.get("lock_timeout", 0),
            state.branch if state.at_head else None,
        )
    state.read_only = False


def _wrap(state: DatasetState) -> Dataset:
    from deeplake_core.core.dataset import Dataset

    return Dataset(state)


def _emit(event: str, ds: Dataset) -> None:
    from deeplake_core.core.columns import emit_event

    emit_event(event, dataset=ds)


# ------------------------------------------------------------------ public functions


def empty(
    path: Any,
    runtime: dict | None = None,
    overwrite: bool = False,
    public: bool = False,
    memory_cache_size: int = DEFAULT_MEMORY_CACHE_SIZE,
    local_cache_size: int = DEFAULT_LOCAL_CACHE_SIZE,
    creds: dict | str | None = None,
    token: str | None = None,
    org_id: str | None = None,
    lock_enabled: bool = True,
    lock_timeout: float | None = 0,
    verbose: bool = True,
    index_params: dict | None = None,
    durability: str | None = None,
) -> Dataset:
    """Create an empty dataset at ``path``.

    ``durability`` (local storage): when writes are fsynced: ``"flush"`` (at every
    ``flush``/commit, the default), ``"always"`` (every write) or ``"never"`` (scratch
    data); ``None`` takes ``$DEEPLAKE_CORE_DURABILITY``, else ``"flush"``. Other
    storages ignore it.

    Raises ``DatasetHandlerError`` if one exists there and ``overwrite`` is false,
    ``ValueError`` if the path carries a version (``path@branch``) or ``durability``
    is not one of those names.
    """
    path = _no_version(_path_str(path), "empty()")
    _check_hosted(path, org_id, runtime)
    state = create_state(
        path,
        overwrite=overwrite,
        creds=creds,
        memory_cache_size=memory_cache_size,
        local_cache_size=local_cache_size,
        lock_enabled=lock_enabled,
        lock_timeout=lock_timeout,
        verbose=verbose,
        durability=durability,
    )
    ds = _wrap(state)
    _emit("on_dataset_created", ds)
    return ds


def load(
    path: Any,
    read_only: bool | None = None,
    memory_cache_size: int = DEFAULT_MEMORY_CACHE_SIZE,
    local_cache_size: int = DEFAULT_LOCAL_CACHE_SIZE,
    creds: dict | str | None = None,
    token: str | None = None,
    org_id: str | None = None,
    verbose: bool = True,
    access_method: str = "stream",
    unlink: bool = False,
    reset: bool = False,
    check_integrity: bool | None = None,
    lock_timeout: float | None = 0,
    lock_enabled: bool = True,
    index_params: dict | None = None,
    durability: str | None = None,
) -> Dataset:
    """Open the dataset at ``path`` (``path@branch`` / ``path@version`` for a version).
    ``durability``: as for :func:`empty`.

    Raises ``DatasetHandlerError`` if there is none, ``CheckoutError`` for an unknown
    version, ``DatasetCorruptError`` for damaged metadata (see ``reset``) and
    ``LockedException`` if another writer holds the dataset.
    """
    path = _path_str(path)
    _check_hosted(path, org_id)
    method, _workers, _scheduler = _parse_access_method(access_method)
    if unlink and method == "stream":
        raise ValueError("unlink=True needs access_method='download' or 'local'")
    if method != "stream":
        path = _local_copy(path, method, creds, memory_cache_size, local_cache_size)
        creds = None
    state = open_state(
        path,
        read_only=read_only,
        creds=creds,
        memory_cache_size=memory_cache_size,
        local_cache_size=local_cache_size,
        lock_enabled=lock_enabled,
        lock_timeout=lock_timeout,
        verbose=verbose,
        reset=reset,
        check_integrity=check_integrity,
        durability=durability,
    )
    ds = _wrap(state)
    _emit("on_dataset_opened", ds)
    return ds


def dataset(
    path: Any,
    runtime: dict | None = None,
    read_only: bool | None = None,
    overwrite: bool = False,
    public: bool = False,
    memory_cache_size: int = DEFAULT_MEMORY_CACHE_SIZE,
    local_cache_size: int = DEFAULT_LOCAL_CACHE_SIZE,
    creds: dict | str | None = None,
    token: str | None = None,
    org_id: str | None = None,
    verbose: bool = True,
    access_method: str = "stream",
    unlink: bool = False,
    reset: bool = False,
    check_integrity: bool | None = False,
    lock_enabled: bool = True,
    lock_timeout: float | None = 0,
    index_params: dict | None = None,
    durability: str | None = None,
) -> Dataset:
    """Open the dataset at ``path``, creating an empty one if there is none.
    ``durability``: as for :func:`empty`."""
    path = _path_str(path)
    _check_hosted(path, org_id, runtime)
    base, _ = split_version(path)
    if not overwrite and exists(base, creds=creds):
        return load(
            path,
            read_only=read_only,
            memory_cache_size=memory_cache_size,
            local_cache_size=local_cache_size,
            creds=creds,
            verbose=verbose,
            access_method=access_method,
            unlink=unlink,
            reset=reset,
            check_integrity=check_integrity,
            lock_timeout=lock_timeout,
            lock_enabled=lock_enabled,
            durability=durability,
        )
    if read_only:
        raise ReadOnlyModeError(f"no dataset at {path!r} to open read-only")
    _no_version(path, "creating a dataset with dataset()")
    return empty(
        path,
        overwrite=overwrite,
        memory_cache_size=memory_cache_size,
        local_cache_size=local_cache_size,
        creds=creds,
        lock_enabled=lock_enabled,
        lock_timeout=lock_timeout,
        verbose=verbose,
        durability=durability,
    )


def exists(path: Any, creds: dict | str | None = None, token: str | None = None) -> bool:
    """Whether a dataset exists at ``path`` (``ValueError`` for a versioned path)."""
    path = _no_version(_path_str(path), "exists()")
    _check_hosted(path)
    if _is_local(path):
        from deeplake_core.storage.local import local_root

        root = local_root(path)
        if not os.path.isdir(root):
            return False
    storage = _open_storage(path, creds, True, 0, 0)
    return mf.is_dataset(storage)


def _dataset_size(storage: Any) -> int:
    total = 0
    for key in storage.list_prefix("tensors/"):
        with contextlib.suppress(KeyError, OSError):
            total += storage.size(key)
            if total > _ONE_GB:
                break
    return total


def delete(
    path: Any,
    force: bool = False,
    large_ok: bool = False,
    creds: dict | str | None = None,
    token: str | None = None,
    verbose: bool = False,
) -> None:
    """Delete the dataset at ``path`` (irreversible).

    ``force``: delete whatever is at the path even if it is not a dataset.
    ``large_ok``: needed for datasets over 1 GB.
    """
    path = _no_version(_path_str(path), "delete()")
    _check_hosted(path)
    if _is_local(path) and not os.path.exists(_normalize(path)):
        if force:
            return
        raise DatasetHandlerError(f"no dataset at {path!r} to delete")
    storage = _open_storage(path, creds, False, 0, 0)
    if not mf.is_dataset(storage):
        if not force:
            raise DatasetHandlerError(
                f"no dataset at {path!r}; pass force=True to delete whatever is stored there"
            )
        storage.clear("")
        return
    if not large_ok and _dataset_size(storage) > _ONE_GB:
        raise DatasetTooLargeToDelete(path)
    with contextlib.suppress(Exception):
        vid, _ = _resolve_version(storage, None, None, None)
        man, _ = mf.read_manifest(storage, vid)
        if not man.allow_delete and not force:
            raise DatasetHandlerError(
                f"the dataset at {path!r} has allow_delete=False; load it and set "
                "ds.allow_delete = True first"
            )
    lock = _acquire_lock(storage, _normalize(path), 0)
    try:
        _delete_all(storage)
    finally:
        lock.release()
    storage.clear("")  # the lock's own records, rewritten by its release
    _emit_deleted(path)
    if verbose:
        import logging

        logging.getLogger("deeplake").info("deleted the dataset at %s", path)


def _delete_all(storage: Any) -> None:
    with contextlib.suppress(KeyError):
        storage.delete(mf.MARKER_KEY)
    storage.flush()
    storage.clear("")
    storage.flush()


def delete_state(state: DatasetState) -> None:
    """Delete an open dataset's storage and make the state unusable."""
    if state.read_only:
        raise ReadOnlyModeError(f"cannot delete {state.path!r}: it is open read-only")
    _delete_all(state.storage)
    state.deleted = True
    state.columns.clear()
    state.release_lock()
    state.storage.clear("")  # the lock's own records, rewritten by its release
    _emit_deleted(state.path)


def _emit_deleted(path: str) -> None:
    from deeplake_core.core.columns import emit_event

    emit_event("on_dataset_deleted", path=path)


def _same_parent(old: str, new: str) -> bool:
    if _is_local(old) and _is_local(new):
        return os.path.dirname(_normalize(old)) == os.path.dirname(_normalize(new))
    if _scheme(old) != _scheme(new):
        return False
    return posixpath.dirname(old.rstrip("/")) == posixpath.dirname(new.rstrip("/"))


def _copy_keys(src: Any, dst: Any, keys: Any) -> None:
    for key in keys:
        dst.set(key, src.get(key))


def _reopen_storage(path: str, settings: dict[str, Any]) -> Any:
    """Writable storage at ``path`` with the cache sizes and durability of ``settings``."""
    return _open_storage(
        path,
        None,
        False,
        settings["memory_cache_size"],
        settings["local_cache_size"],
        settings.get("durability"),
    )


def rename_state(state: DatasetState, new_path: Any) -> None:
    new_path = _no_version(_path_str(new_path), "rename()")
    if not _same_parent(state.path, new_path):
        raise RenameError(
            f"cannot rename {state.path!r} to {new_path!r}: only the last part of the path "
            "may change (use deeplake.copy to move a dataset elsewhere)"
        )
    if state.read_only:
        raise ReadOnlyModeError(f"cannot rename {state.path!r}: it is open read-only")
    if exists(new_path):
        raise DatasetHandlerError(f"a dataset already exists at {new_path!r}")
    state.flush()
    settings = state.settings
    old_storage = state.storage
    if _is_local(state.path) and _is_local(new_path):
        state.release_lock()
        for key in list(old_storage.list_prefix(mf.LOCK_KEY)):
            with contextlib.suppress(KeyError):
                old_storage.delete(key)
        old_storage.flush()
        os.makedirs(os.path.dirname(_normalize(new_path)), exist_ok=True)
        os.rename(_normalize(state.path), _normalize(new_path))
        new_storage = _reopen_storage(new_path, settings)
    else:
        new_storage = _reopen_storage(new_path, settings)
        keys = [
            k
            for k in old_storage.list_prefix("")
            if k != mf.MARKER_KEY and not k.startswith(mf.LOCK_KEY)
        ]
        _copy_keys(old_storage, new_storage, keys)
        new_storage.flush()
        mf.write_marker(new_storage)
        new_storage.flush()
        state.release_lock()
        _delete_all(old_storage)
    state.storage = new_storage
    state.path = new_path
    state.columns.clear()
    if settings.get("lock_enabled", True):
        state.lock = _acquire_lock(
            new_storage, _normalize(new_path), settings.get("lock_timeout", 0), state.branch
        )


def rename(
    old_path: Any, new_path: Any, creds: dict | str | None = None, token: str | None = None
) -> Dataset:
    """Rename the dataset at ``old_path``; only the last path component may change.

    Raises ``DatasetHandlerError`` if there is no dataset at ``old_path`` or one
    already exists at ``new_path``, ``RenameError`` if the parent differs.
    """
    old_path = _no_version(_path_str(old_path), "rename()")
    new_path = _no_version(_path_str(new_path), "rename()")
    if not exists(old_path, creds=creds):
        raise DatasetHandlerError(f"no dataset at {old_path!r} to rename")
    ds = load(old_path, creds=creds, check_integrity=False)
    ds.rename(new_path)
    return ds


# ------------------------------------------------------------------ copy / like


def _selected_keys(src: Dataset, tensors: list[str] | None) -> list[str]:
    keys = src._tensor_keys(include_hidden=False)
    if tensors is None:
        return keys
    out = []
    for name in tensors:
        key = src._abs(name)
        if key in src._state.manifest.tensors:
            out.append(key)
        elif key in src._state.manifest.groups:
            out.extend(k for k in keys if k.startswith(key + "/"))
        else:
            from deeplake_core.exceptions import TensorDoesNotExistError

            raise TensorDoesNotExistError(name)
    return out


def _dest_state(dest: Any, overwrite: bool, creds: Any) -> tuple[Dataset, bool]:
    from deeplake_core.core.dataset import Dataset

    if isinstance(dest, Dataset):
        if dest._state.manifest.tensors:
            raise DatasetHandlerError(
                f"the destination dataset {dest.path!r} is not empty; pass an empty dataset "
                "or a path"
            )
        return dest, False
    path = _no_version(_path_str(dest), "the destination")
    _check_hosted(path)
    return _wrap(create_state(path, overwrite=overwrite, creds=creds)), True


def copy_dataset(
    src: Dataset,
    dest: Any,
    tensors: list[str] | None = None,
    overwrite: bool = False,
    dest_creds: Any = None,
    num_workers: int = 0,
    scheduler: str = "threaded",
    progressbar: bool = False,
) -> Dataset:
    """Copy ``src`` (a dataset or view) to ``dest`` without version history.

    An unsliced source is copied file by file (chunks and index files, no decoding);
    a view is copied sample by sample, with ``num_workers > 0`` as a transform on the
    ``scheduler`` plugin (``transform/dataset_ops.py``).
    """
    keys = _selected_keys(src, tensors)
    src_state = src._state
    if not src_state.read_only:
        src_state.flush()
    out, _ = _dest_state(dest, overwrite, dest_creds)
    ds_state = out._state
    fast = not src.is_view
    with out:
        root_src = src._group
        ds_state.manifest.info = dict(
            src_state.manifest.info if not root_src else src_state.manifest.groups[root_src].info
        )
        for g, entry in src_state.manifest.groups.items():
            if root_src and not g.startswith(root_src + "/"):
                continue
            rel = src._rel(g)
            if any(k.startswith(g + "/") for k in keys):
                ds_state.manifest.groups[rel] = entry.model_copy(deep=True)
        parallel = False
        if not fast and num_workers > 0 and keys:  # all tensors, then one transform
            from deeplake_core.transform.dataset_ops import copy_rows

            names = [src._rel(key) for key in keys]
            for name in names:
                out.create_tensor_like(name, src[name])
            parallel = copy_rows(src, out, names, num_workers, scheduler, progressbar)
        for key in keys:
            rel = src._rel(key)
            entry = src_state.manifest.tensors[key]
            if fast:
                _copy_tensor_files(src_state, key, ds_state, rel)
            elif not parallel:
                made = num_workers > 0  # created above; copy_rows declined
                t = out[rel] if made else out.create_tensor_like(rel, src[rel])
                data = src[rel].numpy(aslist=True)
                if len(data):
                    t.extend(data)
            ds_state.manifest.tensors[rel].info = dict(entry.info)
        for key in keys:  # companions travel with their tensor
            for comp in src_state.manifest.tensors[key].companions.values():
                if comp in src_state.manifest.tensors and fast:
                    _copy_tensor_files(src_state, comp, ds_state, src._rel(comp))
            if fast:
                copied = ds_state.manifest.tensors[src._rel(key)]
                copied.companions = {r: src._rel(k) for r, k in copied.companions.items()}
        ds_state.mark_meta()
    return out


def _copy_tensor_files(
    src_state: DatasetState, key: str, dst_state: DatasetState, new_key: str
) -> None:
    entry = src_state.manifest.tensors[key].model_copy(deep=True)
    col = src_state.column(key)
    src_storage, dst_storage = src_state.storage, dst_state.storage
    if entry.index_key is not None:
        chunk_keys = list(col.engine.chunk_keys())
        _copy_keys(src_storage, dst_storage, chunk_keys)
        dst_storage.flush()
        new_index = mf.index_key(dst_state.version_id, entry.tensor_id, dst_state.manifest.seq + 1)
        dst_storage.set(new_index, src_storage.get(entry.index_key))
        entry.index_key = new_index
    dst_state.manifest.tensors[new_key] = entry
    dst_state.drop_column(entry.tensor_id)
    dst_state.mark_meta()


def copy(
    src: Any,
    dest: Any,
    runtime: dict | None = None,
    tensors: list[str] | None = None,
    overwrite: bool = False,
    src_creds: dict | str | None = None,
    dest_creds: dict | str | None = None,
    token: str | None = None,
    num_workers: int = 0,
    scheduler: str = "threaded",
    progressbar: bool = True,
    **kwargs: Any,
) -> Dataset:
    """Copy the dataset at ``src`` (path or Dataset) to ``dest`` without history."""
    from deeplake_core.core.dataset import Dataset

    if kwargs:
        from deeplake_core.exceptions import UnsupportedParameterException

        raise UnsupportedParameterException(
            f"copy() does not take {sorted(kwargs)}; see the documented parameters"
        )
    if isinstance(src, Dataset):
        src_ds = src
    else:
        src_ds = load(src, read_only=True, creds=src_creds, check_integrity=False)
    return copy_dataset(
        src_ds,
        dest,
        tensors=tensors,
        overwrite=overwrite,
        dest_creds=dest_creds,
        num_workers=num_workers,
        scheduler=scheduler,
        progressbar=progressbar,
    )


def like(
    dest: Any,
    src: Any,
    runtime: dict | None = None,
    tensors: list[str] | None = None,
    overwrite: bool = False,
    creds: dict | str | None = None,
    token: str | None = None,
    org_id: str | None = None,
    public: bool = False,
    verbose: bool = True,
) -> Dataset:
    """Create a dataset at ``dest`` with ``src``'s tensors, groups and info, no samples.

    Also accepts the Deep Lake 4 order ``like(src, dest)`` when the arguments make it
    clear (a Dataset first and a path second, or a first path holding a dataset and a
    second one that does not).
    """
    from deeplake_core.core.dataset import Dataset

    if (
        isinstance(dest, Dataset) and not isinstance(src, Dataset) and dest._state.manifest.tensors
    ) or (
        not isinstance(dest, Dataset)
        and not isinstance(src, Dataset)
        and not overwrite
        and exists(_path_str(dest))
        and not exists(split_version(_path_str(src))[0])
    ):
        dest, src = src, dest
    if not isinstance(dest, Dataset):
        _check_hosted(_path_str(dest), org_id)
    src_ds = src if isinstance(src, Dataset) else load(src, read_only=True, check_integrity=False)
    keys = _selected_keys(src_ds, tensors)
    out, _ = _dest_state(dest, overwrite, creds)
    with out:
        out._state.manifest.info = dict(src_ds._state.manifest.info)
        for g, entry in src_ds._state.manifest.groups.items():
            if any(k.startswith(g + "/") for k in keys):
                rel = src_ds._rel(g)
                out._state.manifest.groups[rel] = entry.model_copy(deep=True)
        for key in keys:
            out.create_tensor_like(src_ds._rel(key), src_ds[src_ds._rel(key)])
        out._state.mark_meta()
    return out


# ------------------------------------------------------------- access methods


def _parse_access_method(access_method: str) -> tuple[str, int, str]:
    parts = access_method.split(":")
    method = parts[0]
    if method not in ("stream", "download", "local"):
        raise ValueError(
            f"access_method must be 'stream', 'download' or 'local' (optionally with "
            f"':<workers>:<scheduler>'), got {access_method!r}"
        )
    workers, scheduler = 0, "threaded"
    for p in parts[1:]:
        if p.isdigit():
            workers = int(p)
        elif p in ("serial", "threaded", "processed", "ray"):
            scheduler = p
        else:
            raise ValueError(f"cannot parse access_method {access_method!r}")
    if method == "stream" and len(parts) > 1:
        raise ValueError("access_method='stream' takes no workers or scheduler")
    return method, workers, scheduler


def _local_copy(
    path: str, method: str, creds: Any, memory_cache_size: int, local_cache_size: int
) -> str:
    """Download the dataset at ``path`` under ``$DEEPLAKE_DOWNLOAD_PATH``; return the copy."""
    target_dir = os.environ.get("DEEPLAKE_DOWNLOAD_PATH")
    if not target_dir:
        raise ValueError(
            f"access_method={method!r} needs the DEEPLAKE_DOWNLOAD_PATH environment "
            "variable to name a local directory"
        )
    base, _version = split_version(path)
    if not exists(base, creds=creds):
        raise DatasetHandlerError(f"no dataset at {base!r} to download")
    name = base.rstrip("/").replace("://", "_").replace("/", "_").replace(":", "_").lstrip("._")
    local = os.path.join(os.path.expanduser(target_dir), name or "dataset")
    if method == "download" or not exists(local):
        src = load(path, read_only=True, creds=creds, check_integrity=False)
        copy_dataset(src, local, overwrite=True).close()
    return local


# ------------------------------------------------------------- history, hosted


def deepcopy(
    src: Any,
    dest: Any,
    runtime: dict | None = None,
    tensors: list[str] | None = None,
    overwrite: bool = False,
    src_creds: dict | str | None = None,
    dest_creds: dict | str | None = None,
    token: str | None = None,
    num_workers: int = 0,
    scheduler: str = "threaded",
    progressbar: bool = True,
    public: bool = False,
    verbose: bool = True,
    **kwargs: Any,
) -> Dataset:
    """Copy the dataset at ``src`` to ``dest`` with its whole version history
    (branches, commits, saved views): every stored file, the format marker last.

    Raises ``DatasetHandlerError`` if ``dest`` holds a dataset and ``overwrite`` is
    false, ``TypeError`` if ``src`` is neither a path nor a dataset.
    """
    from deeplake_core.core.dataset import Dataset

    if kwargs:
        from deeplake_core.exceptions import UnsupportedParameterException

        raise UnsupportedParameterException(
            f"deepcopy() does not take {sorted(kwargs)}; see the documented parameters"
        )
    if tensors is not None:
        raise ValueError(
            "deepcopy() copies every tensor with its history; use copy(src, dest, "
            "tensors=[...]) to copy a subset of the current state"
        )
    if isinstance(src, Dataset):
        if not src._state.read_only:
            src._state.flush()
        src_path = src.path
    elif isinstance(src, str | os.PathLike):
        src_path = _path_str(src)
    else:
        raise TypeError(f"deepcopy() copies a dataset or a path, got {type(src).__name__}")
    src_path = _no_version(src_path, "deepcopy()")
    dest_path = _no_version(_path_str(dest), "deepcopy()")
    _check_hosted(src_path)
    _check_hosted(dest_path, runtime=runtime)
    src_storage = _open_storage(src_path, src_creds, True, 0, 0)
    if not mf.is_dataset(src_storage):
        raise DatasetHandlerError(f"no dataset at {src_path!r} to copy")
    dst_storage = _open_storage(dest_path, dest_creds, False, 0, 0)
    if mf.is_dataset(dst_storage):
        if not overwrite:
            raise DatasetHandlerError(
                f"a dataset already exists at {dest_path!r}; pass overwrite=True to replace it"
            )
        _delete_all(dst_storage)
    keys = [
        k
        for k in src_storage.list_prefix("")
        if k != mf.MARKER_KEY and not k.startswith(mf.LOCK_KEY)
    ]
    _copy_keys(src_storage, dst_storage, keys)
    dst_storage.flush()
    dst_storage.set(mf.MARKER_KEY, src_storage.get(mf.MARKER_KEY))
    dst_storage.flush()
    return load(dest_path, creds=dest_creds, verbose=verbose)


def connect(
    src_path: str,
    creds_key: str,
    dest_path: str | None = None,
    org_id: str | None = None,
    ds_name: str | None = None,
    token: str | None = None,
) -> Dataset:
    """Connecting a dataset to Activeloop's hosted platform; not available here.

    Raises ``InvalidSourcePathError`` for a source that is not s3/gcs/azure, else
    ``UnsupportedParameterException`` (deeplake-core has no hosted service).
    """
    from deeplake_core.exceptions import InvalidSourcePathError, UnsupportedParameterException

    if _scheme(_path_str(src_path)) not in ("s3", "gcs", "gs", "az", "azure"):
        raise InvalidSourcePathError(
            f"connect() takes an s3://, gcs:// or az:// dataset, got {src_path!r}"
        )
    raise UnsupportedParameterException(
        "connect() registers a dataset with Activeloop's hosted platform, which "
        "deeplake-core does not use; open the dataset directly with "
        f"deeplake.load({src_path!r}, creds=...)"
    )


def list_datasets(workspace: str = "", token: str | None = None) -> None:
    """``deeplake.list``: listing a hosted workspace's datasets; not available (there is
    no hosted service). Raises ``UnsupportedParameterException``."""
    from deeplake_core.exceptions import UnsupportedParameterException

    raise UnsupportedParameterException(
        "deeplake.list() lists datasets of an Activeloop workspace, which deeplake-core "
        "does not use; datasets live at the paths you give them"
    )


# --------------------------------------------- ``deeplake.api.dataset.dataset``


def _forward(name: str) -> Any:
    """A function calling ``deeplake_core.<name>`` (resolved at call time)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        import deeplake_core

        return getattr(deeplake_core, name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"Same as ``deeplake.{name}``."
    return call


# The reference exposes these functions as static members of ``deeplake.api.dataset.
# dataset`` (``dataset.init`` being ``deeplake.dataset``); they hang off the function.
for _name, _fn in {
    "init": dataset,
    "exists": exists,
    "empty": empty,
    "load": load,
    "rename": rename,
    "delete": delete,
    "like": like,
    "copy": copy,
    "deepcopy": deepcopy,
    "connect": connect,
    "list": list_datasets,
}.items():
    setattr(dataset, _name, _fn)
for _name in (
    "ingest_classification",
    "ingest_coco",
    "ingest_yolo",
    "ingest_kaggle",
    "ingest_dataframe",
    "ingest_huggingface",
):
    setattr(dataset, _name, _forward(_name))
del _name, _fn
