"""``VersionControlMixin``: the version-control methods of ``Dataset``.

Deep Lake 3 names (``commit``, ``checkout``, ``merge``, ``diff``, ``log``, ``reset``,
saved views ...) and the Deep Lake 4 objects (``history``, ``tags``, ``tag``) over one
version graph (see ``docs/format.md``, "Version control").
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from deeplake_core.core import manifest as mf
from deeplake_core.core.vc import graph, ops
from deeplake_core.exceptions import InvalidOperationError

if TYPE_CHECKING:
    from deeplake_core.core.state import DatasetState


def _when(t: float | None) -> datetime | None:
    return datetime.fromtimestamp(t, UTC) if t is not None else None


def commit_details(rec: mf.VersionRecord) -> dict[str, Any]:
    return {
        "commit": rec.version_id,
        "author": rec.author,
        "time": _when(rec.commit_time if rec.commit_time is not None else rec.time),
        "message": rec.message,
    }


class VersionControlMixin:
    """Version control for :class:`~deeplake_core.core.dataset.Dataset`."""

    _state: DatasetState
    #: Members a tensor or group of the same name may shadow (the Deep Lake 3 htype
    #: docs use a tensor called ``tags``): ``ds.tags`` is then that tensor.
    SHADOWABLE = frozenset({"tags"})

    def _vc_check_not_view(self, what: str) -> None:
        if getattr(self, "is_view", False) or getattr(self, "_group", ""):
            raise InvalidOperationError(what, "dataset view or group")

    # ---------------------------------------------------------------- commit / checkout
    def commit(self, message: str | None = None, allow_empty: bool = False) -> str:
        """Snapshot the current state; return the commit id.

        At a commit that is not a branch head, the commit goes to a new branch made
        from it. ``EmptyCommitError`` if nothing changed and ``allow_empty`` is false.
        """
        self._vc_check_not_view("commit")
        return ops.commit(self._state, message, allow_empty)

    def checkout(self, address: str, create: bool = False, reset: bool = False) -> str | None:
        """Move to a branch or commit id; ``create=True`` makes branch ``address`` from
        the current commit. Uncommitted changes at a head are committed first. Returns
        the commit id after the checkout."""
        self._vc_check_not_view("checkout")
        return ops.checkout(self._state, address, create=create, reset=reset)

    def reset(self, force: bool = False) -> None:
        """Discard the uncommitted changes of the current branch head (irreversible).
        ``force=True`` also takes over the branch's writer lock from a dead or stuck
        writer."""
        self._vc_check_not_view("reset")
        ops.reset_head(self._state, force=force)

    def fix_vc(self) -> list[str]:
        """Rebuild damaged version-control metadata (branch refs, head manifests,
        tags) from the version records that survive; return what was repaired."""
        from deeplake_core.core.vc.repair import fix_vc

        self._vc_check_not_view("fix_vc")
        return fix_vc(self._state)

    def delete_branch(self, name: str) -> None:
        """Delete a branch that has no sub-branches and was never merged elsewhere.
        Its data is reclaimed by ``deeplake-core gc``."""
        self._vc_check_not_view("delete_branch")
        ops.delete_branch(self._state, name)

    def diff(
        self, id_1: str | None = None, id_2: str | None = None, as_dict: bool = False
    ) -> dict[str, Any] | None:
        """Changes between versions, commit by commit, printed (or returned with
        ``as_dict=True`` as ``{"dataset": ..., "tensors": ...}``).

        No ids: the current state against the previous commit (one list). ``id_1``:
        the current state and ``id_1``; both: ``id_1`` and ``id_2``; each side is a list
        of per-commit dicts back to their common ancestor (a pair of lists).
        ``ValueError`` if only ``id_2`` is given.
        """
        from deeplake_core.core.vc.diff import diff

        return diff(self._state, id_1, id_2, as_dict)

    def merge(
        self,
        target_id: str,
        conflict_resolution: str | None = None,
        delete_removed_tensors: bool = False,
        force: bool = False,
    ) -> None:
        """Three-way merge of a branch or commit into the current branch head, made as
        a merge commit. Conflicts (a sample changed on both sides) raise
        ``MergeConflictError`` listing them per tensor unless ``conflict_resolution`` is
        ``'ours'`` or ``'theirs'``. ``delete_removed_tensors``: also delete tensors the
        target deleted. ``force``: resolve rename clashes (see ``docs/format.md``)."""
        from deeplake_core.core.vc.merge import merge

        self._vc_check_not_view("merge")
        merge(self._state, target_id, conflict_resolution, delete_removed_tensors, force)

    # ---------------------------------------------------------------- properties
    @property
    def commit_id(self) -> str | None:
        """The last commit of the current state (None before the first commit)."""
        return ops.commit_id(self._state)

    @property
    def pending_commit_id(self) -> str:
        """The id the next commit will have (the current version's id)."""
        return self._state.version_id

    @property
    def has_head_changes(self) -> bool:
        """True at a branch head with uncommitted changes."""
        return ops.has_head_changes(self._state)

    @property
    def is_head_node(self) -> bool:
        """True if the current version is the head of its branch."""
        return self._state.at_head

    @property
    def branches(self) -> list[str]:
        """Names of all branches."""
        return mf.list_branches(self._state.storage)

    @property
    def commits(self) -> list[dict[str, Any]]:
        """The commits leading to the current state, newest first (first parents)."""
        start = ops.commit_id(self._state)
        return [commit_details(r) for r in graph.first_parent_chain(self._state.storage, start)]

    def get_commit_details(self, commit_id: str) -> dict[str, Any]:
        """``{"commit", "author", "time", "message"}`` of a commit; ``KeyError`` if there
        is no such commit."""
        st = self._state
        rec = graph.record(st.storage, commit_id)
        if rec is None or graph.is_head(st.storage, commit_id):
            raise KeyError(f"commit {commit_id!r} was not found in this dataset")
        return commit_details(rec)

    def log(self) -> None:
        """Print the commits leading to the current state."""
        st = self._state
        lines = [f"---- commit log (branch {st.branch}) ----"]
        if self.has_head_changes:
            lines.append(f"HEAD {st.version_id} (uncommitted changes)")
        for c in self.commits:
            lines.append(
                f"commit {c['commit']}\n  author: {c['author']}\n  time:   {c['time']}\n"
                f"  message: {c['message'] or ''}"
            )
        print("\n".join(lines))

    # ---------------------------------------------------------------- Deep Lake 4
    @property
    def version(self) -> str:
        """[v4] Id of the current version: the last commit, or the head's pending id
        before the first commit."""
        return ops.commit_id(self._state) or self._state.version_id

    @property
    def current_branch(self) -> str | None:
        """[v4] Name of the current branch."""
        return self._state.branch

    @property
    def history(self) -> Any:
        """[v4] The commits leading to the current state (``History``)."""
        from deeplake_core.core.vc.tags import History

        return History(self._state)

    @property
    def tags(self) -> Any:
        """[v4] The dataset's tags (``Tags``; ``TagsView`` when read-only). If the
        dataset has a tensor or group named ``tags``, that is returned instead."""
        if "tags" in self:  # type: ignore[operator]
            return self["tags"]  # type: ignore[index]
        from deeplake_core.core.vc.tags import Tags, TagsView

        return TagsView(self._state) if self._state.read_only else Tags(self._state)

    def tag(self, name: str, version: str | None = None) -> Any:
        """[v4] Tag ``version`` (commit id or branch; default: the last commit)."""
        from deeplake_core.core.vc.tags import create_tag

        return create_tag(self._state, name, version)

    @property
    def version_info(self) -> Any:
        """ClearML-style view of the current version: draft/published status,
        metadata, mask labels, snapshots and child versions (``VersionInfo``)."""
        from deeplake_core.core.vc.versions import VersionInfo

        return VersionInfo(self._state)

    # ---------------------------------------------------------------- saved views
    def save_view(
        self,
        message: str | None = None,
        path: Any = None,
        id: str | None = None,
        optimize: bool = False,
        tensors: list[str] | None = None,
        num_workers: int = 0,
        scheduler: str = "threaded",
        verbose: bool = True,
        ignore_errors: bool = False,
        **ds_args: Any,
    ) -> str:
        """Save this view (its rows of the current commit) under ``id``; return its
        path. ``path=...`` saves a standalone copy there instead (load it with
        ``deeplake.load``). ``DatasetViewSavingError`` with uncommitted changes."""
        from deeplake_core.core.vc.saved_views import save_view

        return save_view(
            self,  # type: ignore[arg-type]
            message,
            path,
            id,
            optimize,
            tensors,
            ignore_errors,
            num_workers=num_workers,
            scheduler=scheduler,
            **ds_args,
        )

    def get_view(self, id: str) -> Any:
        """The saved view ``id`` (``ViewEntry``); ``KeyError`` if there is none."""
        from deeplake_core.core.vc.saved_views import get_view

        return get_view(self._state, id)

    def get_views(self, commit_id: str | None = None) -> list[Any]:
        """Saved views (of one commit or branch if given)."""
        from deeplake_core.core.vc.saved_views import get_views

        return get_views(self._state, commit_id)

    def load_view(
        self,
        id: str,
        optimize: bool = False,
        tensors: list[str] | None = None,
        num_workers: int = 0,
        scheduler: str = "threaded",
        progressbar: bool = True,
    ) -> Any:
        """Load saved view ``id`` (optimizing it first if asked)."""
        entry = self.get_view(id)
        if optimize:
            entry.optimize(
                tensors=tensors,
                num_workers=num_workers,
                scheduler=scheduler,
                progressbar=progressbar,
            )
        return entry.load()

    def delete_view(self, id: str) -> None:
        """Delete saved view ``id``; ``KeyError`` if there is none."""
        from deeplake_core.core.vc.saved_views import delete_view

        delete_view(self._state, id)
