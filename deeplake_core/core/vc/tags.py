"""Deep Lake 4 style version objects over the commit graph: ``Version``, ``History``,
``Tag``/``TagView`` and ``Tags``/``TagsView``.

A tag is a named pointer to a commit, stored at ``refs/tags/<name>.json`` as
``{"version": <commit id>, "time": <seconds>}``; it keeps that commit (and everything
it reaches) alive for garbage collection.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from deeplake_core.core import manifest as mf
from deeplake_core.core.vc import graph
from deeplake_core.exceptions import (
    ReadOnlyModeError,
    TagNotFoundError,
    VersionControlError,
)

if TYPE_CHECKING:
    from deeplake_core.core.dataset import Dataset
    from deeplake_core.core.state import DatasetState

_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="deeplake-tag-open")
    return _POOL


# ------------------------------------------------------------------ storage


def read_tag(storage: Any, name: str) -> dict[str, Any] | None:
    try:
        graph.check_branch_name(name)
    except ValueError:
        return None
    try:
        data = mf.shared(storage).get(mf.tag_key(name))
    except KeyError:
        return None
    try:
        doc = json.loads(data)
        if not isinstance(doc.get("version"), str):
            raise ValueError("no version")
    except (ValueError, AttributeError) as exc:
        from deeplake_core.exceptions import DatasetCorruptError

        raise DatasetCorruptError(f"tag {name!r} is damaged: {exc}") from exc
    return doc


def list_tags(storage: Any) -> list[str]:
    prefix = "refs/tags/"
    return sorted(
        k[len(prefix) : -len(".json")]
        for k in mf.shared(storage).list_prefix(prefix)
        if k.endswith(".json")
    )


def write_tag(storage: Any, name: str, version_id: str) -> None:
    """Create tag ``name`` (atomic create-if-absent)."""
    from deeplake_core.storage import get_base_storage

    graph.check_branch_name(name)
    doc = mf._canonical({"version": version_id, "time": time.time()})
    storage.flush()
    if not get_base_storage(storage).set_if_absent(mf.tag_key(name), doc):
        raise VersionControlError(f"tag {name!r} already exists; delete or rename it first")


def delete_tag(storage: Any, name: str) -> None:
    if read_tag(storage, name) is None:
        raise TagNotFoundError(name)
    storage.delete(mf.tag_key(name))
    storage.flush()


# ------------------------------------------------------------------ opening versions


def open_version(state: DatasetState, version_id: str) -> Dataset:
    """A read-only ``Dataset`` at ``version_id`` sharing ``state``'s storage."""
    from deeplake_core.core.dataset import Dataset
    from deeplake_core.core.state import DatasetState as _State

    rec = graph.require(state.storage, version_id)
    man, _ = mf.read_manifest(state.storage, version_id)
    disk = mf.manifest_bytes(state.storage, version_id)
    new = _State(
        state.path, state.storage, man, version_id, rec.branch, True, dict(state.settings), disk
    )
    return Dataset(new)


def _storage_time(storage: Any, key: str) -> float | None:
    """Modification time of ``key`` by the storage's clock, where the provider has one."""
    from deeplake_core.storage import get_base_storage

    base = get_base_storage(storage)
    root = getattr(base, "root", None)
    if type(base).__name__ != "LocalProvider" or not isinstance(root, str):
        return None
    with contextlib.suppress(OSError):
        return os.path.getmtime(os.path.join(root, key))
    return None


# ------------------------------------------------------------------ Version / History


class Version:
    """One commit of a dataset's history."""

    def __init__(self, state: DatasetState, record: mf.VersionRecord):
        self._state = state
        self._rec = record

    @property
    def id(self) -> str:
        return self._rec.version_id

    @property
    def message(self) -> str | None:
        return self._rec.message

    @property
    def client_timestamp(self) -> datetime:
        """When the commit was made, by the writer's clock."""
        t = self._rec.commit_time if self._rec.commit_time is not None else self._rec.time
        return datetime.fromtimestamp(t, UTC)

    @property
    def timestamp(self) -> datetime:
        """When the commit was made, by the storage's clock where the provider reports
        one (local disk), else by the writer's clock."""
        t = _storage_time(self._state.storage, mf.version_key(self.id))
        return datetime.fromtimestamp(t, UTC) if t is not None else self.client_timestamp

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self._rec.metadata)

    def open(self) -> Dataset:
        """The dataset as it was at this version (read-only)."""
        return open_version(self._state, self.id)

    def open_async(self) -> Future:
        return _pool().submit(self.open)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        return f"Version(id={self.id!r}, message={self.message!r})"


class History:
    """The commits leading to a dataset's current state, oldest first."""

    def __init__(self, state: DatasetState):
        from deeplake_core.core.vc import ops

        self._state = state
        storage = state.storage
        start = ops.commit_id(state)
        recs = []
        if start is not None:
            for vid in graph.ancestors(storage, start):
                rec = mf.read_version(storage, vid)
                if rec is not None:
                    recs.append(rec)
        recs.sort(key=lambda r: (r.commit_time or r.time, r.version_id))
        self._versions = [Version(state, r) for r in recs]
        self._by_id = {v.id: v for v in self._versions}

    def __iter__(self) -> Iterator[Version]:
        return iter(self._versions)

    def __len__(self) -> int:
        return len(self._versions)

    def __getitem__(self, item: int | str) -> Version:
        if isinstance(item, str):
            try:
                return self._by_id[item]
            except KeyError:
                raise KeyError(f"version {item!r} is not in this dataset's history") from None
        return self._versions[item]

    def __contains__(self, item: object) -> bool:
        return item in self._by_id

    def __repr__(self) -> str:
        return f"History({len(self)} versions)"


# ------------------------------------------------------------------ tags


class TagView:
    """A read-only tag: a name for one commit."""

    def __init__(self, state: DatasetState, name: str, version: str):
        self._state = state
        self._name = name
        self._version = version

    @property
    def name(self) -> str:
        return self._name

    @property
    def version(self) -> str:
        return self._version

    def open(self) -> Dataset:
        """The dataset at the tagged commit (read-only)."""
        return open_version(self._state, self._version)

    def open_async(self) -> Future:
        return _pool().submit(self.open)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self._name!r}, version={self._version!r})"


class Tag(TagView):
    """A tag of a writable dataset (can be renamed and deleted)."""

    def _check(self) -> None:
        if self._state.read_only:
            raise ReadOnlyModeError("tags of a read-only dataset cannot be changed")

    def delete(self) -> None:
        self._check()
        delete_tag(self._state.storage, self._name)

    def rename(self, new_name: str) -> None:
        self._check()
        storage = self._state.storage
        if read_tag(storage, self._name) is None:
            raise TagNotFoundError(self._name)
        write_tag(storage, new_name, self._version)
        delete_tag(storage, self._name)
        self._name = new_name


class TagsView:
    """The tags of a dataset (read-only access)."""

    _tag_cls: type[TagView] = TagView

    def __init__(self, state: DatasetState):
        self._state = state

    def names(self) -> list[str]:
        return list_tags(self._state.storage)

    def __len__(self) -> int:
        return len(self.names())

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and read_tag(self._state.storage, name) is not None

    def __getitem__(self, name: str) -> TagView:
        doc = read_tag(self._state.storage, name) if isinstance(name, str) else None
        if doc is None:
            raise TagNotFoundError(name)
        return self._tag_cls(self._state, name, doc["version"])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.names()})"


class Tags(TagsView):
    """The tags of a writable dataset."""

    _tag_cls = Tag

    def __getitem__(self, name: str) -> Tag:
        return super().__getitem__(name)  # type: ignore[return-value]


def create_tag(state: DatasetState, name: str, version: str | None = None) -> Tag:
    """Tag ``version`` (default: the last commit of the current state)."""
    from deeplake_core.core.vc import ops

    if state.read_only:
        raise ReadOnlyModeError("cannot create a tag: the dataset is open read-only")
    storage = state.storage
    if version is None:
        version = ops.commit_id(state)
        if version is None:
            raise VersionControlError("there is no commit to tag yet; call ds.commit() first")
    else:
        vid, _ = graph.resolve(storage, version)
        if graph.is_head(storage, vid):
            parent = graph.head_parent(storage, vid)
            if parent is None:
                raise VersionControlError(
                    f"{version!r} has no commit yet; commit before tagging it"
                )
            vid = parent
        version = vid
    write_tag(storage, name, version)
    return Tag(state, name, version)
