"""Versions through the Deep Lake 4 face: branches, history, tags, merge, push/pull.

``History``/``Version``/``Tags``/``Tag`` are the version-control layer's classes
(:mod:`deeplake_core.core.vc.tags`) whose ``open()`` returns a Deep Lake 4
``ReadOnlyDataset`` (or the ``DatasetView`` a view tag keeps). ``Branch``/``Branches``
live here: ``ds.branch(name)`` creates a branch without leaving the current one.

``push(url)``/``pull(url)`` copy every version (chunks, index files, version records,
branch and tag refs) between two locations. Ids are unique, so the copy is a union of
both histories; refs of the same name take the copied side's value.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from deeplake_core.core import manifest as mf
from deeplake_core.core.vc import tags as vc_tags
from deeplake_core.exceptions import (
    CheckoutError,
    DatasetHandlerError,
    ReadOnlyModeError,
    TagNotFoundError,
    VersionControlError,
)

if TYPE_CHECKING:
    from deeplake_core.core.state import DatasetState


def _v4_read_only(core: Any, creds: Any = None) -> Any:
    from deeplake_core.v4.dataset import ReadOnlyDataset

    return ReadOnlyDataset(core, creds)


def _submit(fn: Any, *args: Any) -> Any:
    from deeplake_core.v4._async import submit

    return submit(fn, *args)


# ----------------------------------------------------------------------------- history


class Version(vc_tags.Version):
    """A commit; ``open()`` gives the dataset as it was then (``ReadOnlyDataset``)."""

    def open(self) -> Any:
        return _v4_read_only(vc_tags.open_version(self._state, self.id))

    def open_async(self) -> Any:
        return _submit(self.open)


class History(vc_tags.History):
    """The commits leading to the dataset's current state, oldest first."""

    def __init__(self, owner: Any):
        super().__init__(owner._state)
        self._versions = [Version(v._state, v._rec) for v in self._versions]
        self._by_id = {v.id: v for v in self._versions}


# ----------------------------------------------------------------------------- tags


def _open_tag(state: DatasetState, name: str, version: str) -> Any:
    from deeplake_core.v4.dataset import DatasetView

    doc = vc_tags.read_tag(state.storage, name) or {}
    ds = _v4_read_only(vc_tags.open_version(state, version))
    rows = doc.get("rows")
    if rows is None:
        return ds
    if isinstance(rows, dict):
        sel: Any = slice(rows["start"], rows["stop"], rows["step"])
    else:
        sel = list(rows)
    return DatasetView(ds._core[sel])


class TagView(vc_tags.TagView):
    """A tag of a read-only dataset; ``open()`` gives the tagged version or view."""

    def open(self) -> Any:
        return _open_tag(self._state, self._name, self._version)

    def open_async(self) -> Any:
        return _submit(self.open)


class Tag(vc_tags.Tag):
    """A tag of a writable dataset (``rename``, ``delete``)."""

    def open(self) -> Any:
        return _open_tag(self._state, self._name, self._version)

    def open_async(self) -> Any:
        return _submit(self.open)


class TagsView(vc_tags.TagsView):
    _tag_cls = TagView


class Tags(vc_tags.Tags):
    _tag_cls = Tag


def tags(owner: Any) -> Any:
    from deeplake_core.v4.dataset import Dataset

    return Tags(owner._state) if isinstance(owner, Dataset) else TagsView(owner._state)


def create_tag(owner: Any, name: str, version: str | None) -> Any:
    state = owner._state
    if state.read_only and not _storage_writable(state):
        raise ReadOnlyModeError(f"cannot tag {state.path!r}: its storage is read-only")
    commit = _taggable(state, version)
    vc_tags.write_tag(state.storage, name, commit)
    from deeplake_core.v4.dataset import Dataset

    cls = Tag if isinstance(owner, Dataset) else TagView
    return cls(state, name, commit)


def _storage_writable(state: DatasetState) -> bool:
    from deeplake_core.storage import get_base_storage

    return not getattr(get_base_storage(state.storage), "read_only", False)


def _taggable(state: DatasetState, version: str | None) -> str:
    """The commit a tag of ``version`` (default: the current state) points at."""
    from deeplake_core.core.vc import graph, ops

    storage = state.storage
    if version is None:
        if not state.read_only and ops.has_head_changes(state):
            raise VersionControlError(
                "the dataset has uncommitted changes; commit them before tagging"
            )
        vid = state.version_id if not state.at_head else ops.commit_id(state)
    else:
        vid, _ = graph.resolve(storage, version)
        if graph.is_head(storage, vid):
            vid = graph.head_parent(storage, vid)
    if vid is None:
        raise VersionControlError("there is no commit to tag yet; call ds.commit() first")
    return vid


def tag_view(view: Any, name: str) -> Any:
    """Tag the version a view's rows come from, keeping the rows with the tag."""
    from deeplake_core.core.vc import graph
    from deeplake_core.storage import get_base_storage

    core = view._core
    state = core._state
    commit = _taggable(state, None)
    graph.check_branch_name(name)
    rows: Any
    base = core.index.base
    if base is None:
        rows = {"start": 0, "stop": len(core), "step": 1}
    elif isinstance(base, range):
        rows = {"start": base.start, "stop": base.stop, "step": base.step}
    else:
        rows = [int(i) for i in base]
    doc = mf._canonical({"version": commit, "time": time.time(), "rows": rows})
    state.storage.flush()
    if not get_base_storage(state.storage).set_if_absent(mf.tag_key(name), doc):
        raise VersionControlError(f"tag {name!r} already exists; delete or rename it first")
    return TagView(state, name, commit)


# ----------------------------------------------------------------------------- branches


class Branch:
    """A branch of a dataset: ``name``, ``id`` (its head version), ``base``,
    ``timestamp``, ``open()``; ``delete()`` and ``rename()`` on writable datasets.
    Compares equal to its name."""

    def __init__(self, owner: Any, name: str):
        self._owner = owner
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def _storage(self) -> Any:
        return self._owner._state.storage

    @property
    def id(self) -> str:
        head = mf.read_branch_head(self._storage, self._name)
        if head is None:
            raise CheckoutError(f"branch {self._name!r} does not exist")
        return head

    @property
    def base(self) -> str | None:
        """The commit the branch was made from (``None`` for the first branch)."""
        rec = mf.read_version(self._storage, self.id)
        while rec is not None and rec.parent:
            parent = mf.read_version(self._storage, rec.parent)
            if parent is None or parent.branch != self._name:
                return rec.parent
            rec = parent
        return None

    @property
    def timestamp(self) -> Any:
        from datetime import UTC, datetime

        rec = mf.read_version(self._storage, self.id)
        return datetime.fromtimestamp(rec.time, UTC) if rec is not None else None

    def open(self) -> Any:
        """The branch's head as a dataset (writable from a writable dataset)."""
        from deeplake_core.v4.dataset import Dataset

        path = f"{self._owner.path}@{self._name}"
        if isinstance(self._owner, Dataset):
            from deeplake_core.v4.api import open as _open

            return _open(path, creds=self._owner._creds)
        from deeplake_core.v4.api import open_read_only

        return open_read_only(path, creds=self._owner._creds)

    def open_async(self) -> Any:
        return _submit(self.open)

    def delete(self) -> None:
        self._writable("delete")
        self._owner._core.delete_branch(self._name)

    def rename(self, new_name: str) -> None:
        """Give the branch a new name (its versions keep the old one as their origin)."""
        from deeplake_core.core.vc import graph

        self._writable("rename")
        storage = self._storage
        graph.check_branch_name(new_name)
        if mf.read_branch_head(storage, new_name) is not None:
            raise VersionControlError(f"branch {new_name!r} already exists")
        if self._owner._state.branch == self._name:
            raise VersionControlError("cannot rename the branch the dataset is on")
        mf.write_branch_head(storage, new_name, self.id)
        storage.delete(mf.branch_key(self._name))
        storage.flush()
        self._name = new_name

    def _writable(self, what: str) -> None:
        from deeplake_core.v4.dataset import Dataset

        if not isinstance(self._owner, Dataset):
            raise ReadOnlyModeError(f"cannot {what} a branch of a read-only dataset")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Branch):
            return other._name == self._name and other._storage is self._storage
        return isinstance(other, str) and other == self._name

    def __hash__(self) -> int:
        return hash(self._name)

    def __str__(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"Branch(name={self._name!r})"


class Branches:
    """The branches of a dataset: ``names()``, ``len``, ``branches[name]``, ``in``."""

    def __init__(self, owner: Any):
        self._owner = owner

    def names(self) -> list[str]:
        return mf.list_branches(self._owner._state.storage)

    def __len__(self) -> int:
        return len(self.names())

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __contains__(self, name: object) -> bool:
        return name in self.names()

    def __getitem__(self, name: str) -> Branch:
        if name not in self.names():
            raise CheckoutError(f"no branch {name!r}; branches: {self.names()}")
        return Branch(self._owner, name)

    def __repr__(self) -> str:
        return f"Branches({self.names()})"


def create_branch(owner: Any, name: str, version: str | None) -> Branch:
    """Make branch ``name`` from ``version`` (default: the current state, committed
    first if it has changes); ``owner`` stays on its branch."""
    core = owner._core
    state = core._state
    if mf.read_branch_head(state.storage, name) is not None:
        raise VersionControlError(f"branch {name!r} already exists")
    here = state.branch or state.version_id
    if version is not None:
        core.checkout(version)
    core.checkout(name, create=True)
    core.checkout(here)
    return Branch(owner, name)


def merge(owner: Any, branch_name: str, version: str | None) -> None:
    """Merge ``version`` (default: the head of ``branch_name``) into ``owner``."""
    state = owner._state
    if mf.read_branch_head(state.storage, branch_name) is None:
        raise CheckoutError(f"no branch {branch_name!r} to merge")
    owner._core.merge(version if version is not None else branch_name)


# ----------------------------------------------------------------------------- refresh


def refresh(owner: Any) -> None:
    """Re-read the dataset from storage (new commits, other writers' changes)."""
    from deeplake_core.api.dataset import open_state
    from deeplake_core.core.dataset import Dataset as CoreDataset

    state = owner._state
    if not state.read_only:
        state.flush()
        return
    settings = state.settings
    new = open_state(
        state.path,
        read_only=True,
        creds=owner._creds,
        branch=state.branch,
        version_id=None if state.branch else state.version_id,
        memory_cache_size=settings.get("memory_cache_size", 2000),
        local_cache_size=settings.get("local_cache_size", 0),
        lock_enabled=False,
        check_integrity=False,
    )
    object.__setattr__(owner, "_core", CoreDataset(new))


# ----------------------------------------------------------------------------- push / pull

#: Keys a copy never carries: the writer lock records.
_SKIP_PREFIX = (mf.LOCK_KEY,)
#: Keys that never change once written (skipped when the destination has them).
_IMMUTABLE_PREFIX = ("tensors/",)


def copy_versions(src: Any, dst: Any) -> int:
    """Copy every key of dataset storage ``src`` into ``dst`` (format marker last);
    return the number of keys written."""
    written = 0
    keys = sorted(src.list_prefix(""))
    for key in keys:
        if key.startswith(_SKIP_PREFIX) or key == mf.MARKER_KEY:
            continue
        if key.startswith(_IMMUTABLE_PREFIX) and dst.exists(key):
            continue
        dst.set(key, src.get(key))
        written += 1
    dst.flush()
    if mf.MARKER_KEY in keys and not mf.is_dataset(dst):
        dst.set(mf.MARKER_KEY, src.get(mf.MARKER_KEY))
        written += 1
    dst.flush()
    return written


def _storage(url: str, creds: Any, read_only: bool) -> Any:
    from deeplake_core.api.dataset import _open_storage

    return _open_storage(url, creds, read_only, 0, 0)


def push(owner: Any, url: str, creds: Any) -> None:
    state = owner._state
    state.flush()
    dst = _storage(url, creds, False)
    if dst.read_only:
        raise ReadOnlyModeError(f"cannot push to {url!r}: the storage is read-only")
    with contextlib.suppress(Exception):
        if not mf.is_dataset(dst) and any(True for _ in dst.list_prefix("")):
            raise DatasetHandlerError(
                f"{url!r} holds data that is not a dataset; push to an empty location"
            )
    copy_versions(state.storage, dst)


def pull(owner: Any, url: str, creds: Any) -> None:
    from deeplake_core.api.dataset import open_state
    from deeplake_core.core.dataset import Dataset as CoreDataset

    state = owner._state
    state.check_writable()
    src = _storage(url, creds, True)
    if not mf.is_dataset(src):
        raise DatasetHandlerError(f"no dataset at {url!r} to pull from")
    state.flush()
    copy_versions(src, state.storage)
    branch = state.branch or mf.DEFAULT_BRANCH
    settings = dict(state.settings)
    state.release_lock()
    state.closed = True
    new = open_state(
        state.path,
        read_only=False,
        creds=owner._creds,
        branch=branch,
        memory_cache_size=settings.get("memory_cache_size", 2000),
        local_cache_size=settings.get("local_cache_size", 0),
        lock_enabled=settings.get("lock_enabled", True),
        lock_timeout=settings.get("lock_timeout", 0),
        check_integrity=False,
    )
    object.__setattr__(owner, "_core", CoreDataset(new))


__all__ = [
    "Branch",
    "Branches",
    "History",
    "Tag",
    "TagNotFoundError",
    "TagView",
    "Tags",
    "TagsView",
    "Version",
    "copy_versions",
]
