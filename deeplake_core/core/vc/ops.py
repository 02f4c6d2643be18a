"""Commit, checkout, branch creation, reset and branch deletion on a ``DatasetState``.

Crash safety: every operation writes the new version's files first and moves a branch
ref last (``refs/branches/<b>.json`` is replaced atomically), so a process killed at
any point leaves the previous state; files written before the ref moved are garbage
for :mod:`deeplake_core.core.vc.gc`.

A commit costs a manifest and two small records whatever the dataset's size: the new
head starts from the same manifest, whose index files (and the chunks they name) are
shared and immutable.
"""

from __future__ import annotations

import contextlib
import getpass
import logging
import time
from typing import TYPE_CHECKING, Any

from deeplake_core.core import manifest as mf
from deeplake_core.core.vc import graph
from deeplake_core.exceptions import (
    CheckoutError,
    CommitError,
    DatasetCorruptError,
    EmptyCommitError,
    ReadOnlyModeError,
    VersionControlError,
)

if TYPE_CHECKING:
    from deeplake_core.core.state import DatasetState

logger = logging.getLogger("deeplake")

AUTO_COMMIT_MESSAGE = "auto-commit before checkout"


def _author() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user database (containers)
        return "unknown"


# ------------------------------------------------------------------ state switching


def _lock_for(state: DatasetState, branch: str) -> Any:
    from deeplake_core.storage import WriterLock

    return WriterLock(
        state.storage, mf.lock_key(branch), timeout=state.settings.get("lock_timeout", 0)
    ).acquire()


def _wants_lock(state: DatasetState) -> bool:
    return not state.read_only and bool(state.settings.get("lock_enabled", True))


def switch(
    state: DatasetState,
    version_id: str,
    branch: str | None,
    manifest: mf.Manifest,
    disk: bytes | None,
    at_head: bool,
    lock: Any = None,
) -> None:
    """Point ``state`` at another version (the caller flushed it first)."""
    old_lock = state.lock
    if lock is not None or not at_head:
        state.lock = lock
        if old_lock is not None and old_lock is not lock:
            with contextlib.suppress(Exception):
                old_lock.release()
    state.manifest = manifest
    state.version_id = version_id
    state.branch = branch
    state.disk_manifest = disk
    state._disk_keys = manifest.index_keys()
    state._durable_keys = set(state._disk_keys)
    state.columns.clear()
    state.dirty.clear()
    state.meta_dirty = False
    state._at_head = at_head


def _check_lock(state: DatasetState) -> None:
    lock = state.lock
    if lock is not None and hasattr(lock, "check"):
        lock.check()


def has_head_changes(state: DatasetState) -> bool:
    return state.at_head and (state.manifest.changed or state.has_unflushed)


def commit_id(state: DatasetState) -> str | None:
    """The last commit of the current state (the head's parent at a head)."""
    if not state.at_head:
        return state.version_id
    return graph.head_parent(state.storage, state.version_id)


# ------------------------------------------------------------------ commit


def commit(
    state: DatasetState, message: str | None = None, allow_empty: bool = False, **extra: Any
) -> str:
    """Freeze the head as a commit, start a new head; return the commit's id."""
    if message is not None and not isinstance(message, str):
        raise TypeError(f"a commit message is a str, got {type(message).__name__}")
    if not state.at_head and not allow_empty and not state.has_unflushed:
        raise EmptyCommitError(
            "there is nothing to commit at a committed version; make changes (they go to a "
            "new branch) or pass allow_empty=True"
        )
    state.check_writable()  # read-only -> error; a committed version -> new branch
    with state.rlock:
        state.flush(durable=False)  # the commit below is the one durability point
        if not allow_empty and not state.manifest.changed:
            raise EmptyCommitError()
        _check_lock(state)
        return _commit_head(state, message, **extra)


def _commit_head(state: DatasetState, message: str | None, **extra: Any) -> str:
    """Write the new head's record and the commit's details, make everything written
    so far durable in one flush, then move the branch ref (the commit point) and make
    that durable."""
    storage = state.storage
    vid, branch = state.version_id, state.branch
    assert branch is not None
    rec = mf.read_version(storage, vid) or mf.VersionRecord(version_id=vid, branch=branch)
    man = state.manifest
    child = mf.new_id()
    man.changed = False
    try:
        # 1. the new head inherits the commit's manifest until its first flush
        mf.write_version(
            storage,
            mf.VersionRecord(version_id=child, parent=vid, branch=branch, inherit_manifest=True),
        )
        # 2. the commit's details
        rec.committed = True
        rec.message = message
        rec.commit_time = time.time()
        rec.author = _author()
        for k, v in extra.items():
            setattr(rec, k, v)
        mf.write_version(storage, rec)
        # 3. one durability point for chunks, index files, manifest and records
        storage.flush()
        # 4. the commit point: move the branch ref, durably
        mf.write_branch_head(storage, branch, child)
        storage.flush()
    except BaseException:
        man.changed = True
        raise
    state.version_id = child
    state.disk_manifest = None
    state._disk_keys = man.index_keys()
    state._durable_keys = set(state._disk_keys)
    state._at_head = True
    return vid


def _drop_stale_index_files(state: DatasetState, version_id: str, keep: set[str]) -> None:
    """Delete ``version_id``'s previous manifest and the index files ``keep`` does not
    list (after a reset; the rest is left to garbage collection)."""
    storage = state.storage
    with contextlib.suppress(Exception):
        storage.delete(mf.prev_manifest_key(version_id))
    with contextlib.suppress(Exception):
        for key in list(storage.list_prefix(mf.index_prefix(version_id))):
            if key not in keep:
                with contextlib.suppress(KeyError, OSError):
                    storage.delete(key)
    with contextlib.suppress(Exception):
        storage.flush()


# ------------------------------------------------------------------ branches


def _read_manifest(
    state: DatasetState, version_id: str, reset: bool = False
) -> tuple[mf.Manifest, bytes | None]:
    man, fell_back = mf.read_manifest(state.storage, version_id, reset=reset)
    if fell_back:
        disk = mf.write_manifest(state.storage, version_id, man, None)
        state.storage.flush()
        return man, disk
    return man, mf.manifest_bytes(state.storage, version_id)


def create_branch(state: DatasetState, name: str, base: str) -> None:
    """Make branch ``name`` with a new head on commit ``base`` and move ``state`` to it."""
    graph.check_branch_name(name)
    storage = state.storage
    if mf.read_branch_head(storage, name) is not None:
        raise CheckoutError(f"branch {name!r} already exists; check it out without create=True")
    if base == state.version_id:
        man = state.manifest.copy_deep()
    else:
        man = mf.read_manifest(storage, base)[0]
    man.changed = False
    lock = _lock_for(state, name) if _wants_lock(state) else None
    try:
        head = mf.new_id()
        rec = mf.VersionRecord(version_id=head, parent=base, branch=name, inherit_manifest=True)
        mf.write_version(storage, rec)
        disk = None
        storage.flush()
        base_storage = _base(storage)
        created = base_storage.set_if_absent(mf.branch_key(name), mf._canonical({"head": head}))
        if not created:
            raise CheckoutError(f"branch {name!r} was just created by another writer")
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    keep_engines = base == state.version_id
    columns = dict(state.columns) if keep_engines else {}
    switch(state, head, name, man, disk, True, lock)
    if keep_engines:
        # same content: keep loaded engines (their entries are re-bound on next use)
        for tid, col in columns.items():
            for entry in man.tensors.values():
                if entry.tensor_id == tid:
                    col.entry = entry
                    state.columns[tid] = col


def _base(storage: Any) -> Any:
    from deeplake_core.storage import get_base_storage

    return get_base_storage(storage)


def auto_branch(state: DatasetState) -> None:
    """A write reached a committed version: continue on a new branch made from it."""
    if state.at_head:
        return
    name = f"auto_{time.strftime('%Y%m%d_%H%M%S')}_{mf.new_id(3)}"
    logger.warning(
        "writing to commit %s, which is not the head of a branch: checked out the new "
        "branch %r from it",
        state.version_id,
        name,
    )
    with state.rlock:
        pending = state.dirty, state.meta_dirty
        create_branch(state, name, state.version_id)
        state.dirty, state.meta_dirty = set(pending[0]), pending[1]


# ------------------------------------------------------------------ checkout


def checkout(
    state: DatasetState, address: str, create: bool = False, reset: bool = False
) -> str | None:
    """Move ``state`` to a branch or commit (see ``Dataset.checkout``); return the
    commit id after the checkout."""
    if not isinstance(address, str):
        raise TypeError(f"checkout takes a branch name or commit id, got {address!r}")
    storage = state.storage
    with state.rlock:
        if create:
            if state.read_only:
                raise ReadOnlyModeError(
                    f"cannot create branch {address!r}: the dataset is open read-only"
                )
            graph.check_branch_name(address)
            if mf.read_branch_head(storage, address) is not None:
                raise CheckoutError(
                    f"branch {address!r} already exists; check it out without create=True"
                )
            base = _commit_before_leaving(state, need_commit=True)
            create_branch(state, address, base)
            return commit_id(state)
        vid, branch = graph.resolve(storage, address)
        if vid == state.version_id:
            if reset:
                reset_head(state, force=True)
            return commit_id(state)
        if reset and state.read_only:
            raise ReadOnlyModeError("checkout(reset=True) writes; open the dataset writable")
        _commit_before_leaving(state, need_commit=False)
        at_head = branch is not None
        lock = None
        if at_head and _wants_lock(state):
            lock = _lock_for(state, branch)
        try:
            try:
                man, disk = _read_manifest(state, vid)
            except DatasetCorruptError:
                if not reset or not at_head:
                    raise
                man, disk = _reset_manifest(state, vid)
        except BaseException:
            if lock is not None and lock is not state.lock:
                lock.release()
            raise
        if branch is None:
            rec = graph.require(storage, vid)
            branch = rec.branch
        switch(state, vid, branch, man, disk, at_head, lock)
        return commit_id(state)


def _commit_before_leaving(state: DatasetState, need_commit: bool) -> str:
    """Auto-commit head changes before leaving the head; return the commit to branch
    from (``need_commit``: make an empty commit if there is none yet)."""
    if not state.at_head:
        return state.version_id
    if state.read_only:
        return commit_id(state) or state.version_id
    state.flush()
    parent = commit_id(state)
    if state.manifest.changed or (need_commit and parent is None):
        return commit(state, AUTO_COMMIT_MESSAGE, allow_empty=True)
    return parent if parent is not None else state.version_id


# ------------------------------------------------------------------ reset


def _reset_manifest(state: DatasetState, vid: str) -> tuple[mf.Manifest, bytes]:
    """Write ``vid``'s parent state as ``vid``'s manifest (discarding its changes)."""
    storage = state.storage
    parent = graph.head_parent(storage, vid)
    man = mf.read_manifest(storage, parent)[0] if parent else mf.Manifest()
    man.changed = False
    man.seq = max(man.seq, _max_seq(storage, vid)) + 1
    disk = mf.write_manifest(storage, vid, man, None)
    with contextlib.suppress(KeyError):
        storage.delete(mf.prev_manifest_key(vid))
    storage.flush()
    return man, disk


def _max_seq(storage: Any, vid: str) -> int:
    """Highest index-file sequence number used in ``vid`` (new keys are never reused)."""
    best = 0
    with contextlib.suppress(Exception):
        for key in storage.list_prefix(mf.index_prefix(vid)):
            with contextlib.suppress(ValueError):
                best = max(best, int(key.rsplit("-", 1)[1].split(".")[0]))
    return best


def reset_head(state: DatasetState, force: bool = False) -> None:
    """Discard the head's uncommitted changes (flushed or not)."""
    if state.read_only:
        raise ReadOnlyModeError("reset() deletes uncommitted data; open the dataset writable")
    if not state.at_head:
        return  # a commit has no uncommitted changes
    with state.rlock:
        if force and state.lock is None and _wants_lock(state):
            from deeplake_core.storage.lock import force_release

            force_release(_base(state.storage), mf.lock_key(state.branch))
            state.lock = _lock_for(state, state.branch)  # type: ignore[arg-type]
        else:
            _check_lock(state)
        vid = state.version_id
        man, disk = _reset_manifest(state, vid)
        switch(state, vid, state.branch, man, disk, True, state.lock)
        _drop_stale_index_files(state, vid, man.index_keys())


# ------------------------------------------------------------------ branch deletion


def delete_branch(state: DatasetState, name: str) -> None:
    """Delete branch ``name`` (see ``Dataset.delete_branch`` for the rules)."""
    storage = state.storage
    if state.read_only:
        raise ReadOnlyModeError(f"cannot delete branch {name!r}: the dataset is open read-only")
    head = mf.read_branch_head(storage, name) if isinstance(name, str) else None
    if head is None:
        raise CommitError(f"branch {name!r} does not exist; see ds.branches")
    if name == mf.read_marker(storage).default_branch:
        raise VersionControlError(f"the default branch {name!r} cannot be deleted")
    if state.branch == name:
        raise VersionControlError(
            f"branch {name!r} is checked out; check out another branch before deleting it"
        )
    live = set(mf.list_branches(storage))  # versions of deleted branches do not count
    versions = {v: r for v, r in graph.all_versions(storage).items() if r.branch in live}
    own = {v for v, r in versions.items() if r.branch == name}
    for rec in versions.values():
        if rec.branch == name:
            continue
        if rec.parent in own:
            raise VersionControlError(
                f"branch {name!r} has sub-branches (branch {rec.branch!r} starts from it); "
                "delete those first"
            )
        if own.intersection(rec.merge_parents):
            raise VersionControlError(
                f"branch {name!r} was merged into branch {rec.branch!r} and cannot be deleted"
            )
    from deeplake_core.storage import WriterLock

    with WriterLock(storage, mf.lock_key(name), timeout=state.settings.get("lock_timeout", 0)):
        storage.delete(mf.branch_key(name))
        storage.flush()
    logger.info("deleted branch %r; run deeplake-core gc to reclaim its data", name)
