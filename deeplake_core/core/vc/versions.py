"""ClearML-style dataset versions over the commit graph (``ds.version_info``).

* a branch head is the **draft** version (editable); a commit is **published**
  (immutable: its data, message and metadata never change);
* ``publish()`` commits the draft; ``create_snapshot()`` commits it under a name (and
  tags it when the name is a valid tag name), giving the new draft metadata/comment;
* version **metadata** is a JSON dict per version, editable while it is the draft;
* ``create_child(version)`` starts a new branch (a new draft) from a published version;
* **mask labels** (RGB value -> labels) are kept in the metadata under ``mask_labels``
  as ``{"_all_": [{"value": [r, g, b], "labels": [...]}, ...]}``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from deeplake_core.core import manifest as mf
from deeplake_core.core.vc import graph, ops
from deeplake_core.exceptions import ReadOnlyModeError, VersionControlError

if TYPE_CHECKING:
    from deeplake_core.core.state import DatasetState

DRAFT = "draft"
PUBLISHED = "published"


class VersionInfo:
    """The current version of a dataset, seen as a ClearML dataset version."""

    def __init__(self, state: DatasetState):
        self._state = state

    # ---------------------------------------------------------------- reading
    @property
    def id(self) -> str:
        return self._state.version_id

    @property
    def status(self) -> str:
        """``"draft"`` at a branch head, ``"published"`` at a commit."""
        return DRAFT if self._state.at_head else PUBLISHED

    @property
    def is_draft(self) -> bool:
        return self.status == DRAFT

    def _record(self, version_id: str | None = None) -> mf.VersionRecord:
        return graph.require(self._state.storage, version_id or self._state.version_id)

    def get_metadata(self, version_id: str | None = None) -> dict[str, Any]:
        """A copy of a version's metadata (default: the current version)."""
        return json.loads(json.dumps(self._record(version_id).metadata))

    @property
    def metadata(self) -> dict[str, Any]:
        return self.get_metadata()

    def get_masks_labels(self, version_id: str | None = None) -> dict[tuple[int, ...], list[str]]:
        """``{(r, g, b): [labels]}`` stored with a version (empty if none)."""
        entries = self.get_metadata(version_id).get("mask_labels", {}).get("_all_", [])
        return {tuple(e["value"]): list(e["labels"]) for e in entries}

    def versions(self, only_published: bool = False, only_draft: bool = False) -> list[dict]:
        """Every version of the dataset: id, name, status, branch, parent, metadata."""
        storage = self._state.storage
        heads = set(graph.branch_heads(storage).values())
        out = []
        for vid, rec in graph.all_versions(storage).items():
            status = DRAFT if vid in heads else PUBLISHED
            if (only_published and status != PUBLISHED) or (only_draft and status != DRAFT):
                continue
            if status == PUBLISHED and not rec.committed:
                continue  # left by an interrupted operation: not a version
            default = "Current" if status == DRAFT else None
            out.append(
                {
                    "id": vid,
                    "name": rec.metadata.get("name") or rec.message or default,
                    "status": status,
                    "branch": rec.branch,
                    "parent": rec.parent,
                    "metadata": dict(rec.metadata),
                }
            )
        out.sort(key=lambda d: (graph.record(storage, d["id"]).time, d["id"]))  # type: ignore[union-attr]
        return out

    def get_version(self, name: str | None = None) -> dict[str, Any]:
        """The version named (or with id) ``name``; default: the current version.
        ``KeyError`` if there is none; with several of one name, the newest."""
        if name is None:
            name = self._state.version_id
        found = [v for v in self.versions() if name in (v["id"], v["name"])]
        if not found:
            raise KeyError(f"no version named {name!r}; see version_info.versions()")
        return found[-1]

    # ---------------------------------------------------------------- writing
    def _draft_record(self) -> mf.VersionRecord:
        st = self._state
        if st.read_only:
            raise ReadOnlyModeError("the dataset is open read-only; version metadata is fixed")
        if not st.at_head:
            raise VersionControlError(
                f"version {st.version_id} is published (committed) and cannot change; "
                "create a child version with create_child() and edit that"
            )
        return self._record()

    def update_metadata(self, values: dict[str, Any]) -> None:
        """Merge ``values`` (JSON-serialisable) into the draft version's metadata."""
        if not isinstance(values, dict):
            raise TypeError("version metadata is a dict")
        json.dumps(values)  # refuse what cannot be stored, before writing anything
        rec = self._draft_record()
        rec.metadata.update(values)
        self._write(rec)

    def set_metadata(self, values: dict[str, Any]) -> None:
        """Replace the draft version's metadata."""
        if not isinstance(values, dict):
            raise TypeError("version metadata is a dict")
        json.dumps(values)
        rec = self._draft_record()
        rec.metadata = dict(values)
        self._write(rec)

    def _write(self, rec: mf.VersionRecord) -> None:
        st = self._state
        mf.write_version(st.storage, rec)
        st.manifest.changed = True  # metadata alone is worth a commit
        st.mark_meta()
        st.flush()

    def set_masks_labels(self, mapping: dict[Any, Any]) -> None:
        """Store ``{(r, g, b): [labels]}`` (or ``{(r, g, b): "label"}``) with the draft."""
        entries = []
        for value, labels in mapping.items():
            rgb = [int(v) for v in (value if isinstance(value, tuple | list) else [value])]
            if isinstance(labels, str):
                labels = [labels]
            entries.append({"value": rgb, "labels": [str(x) for x in labels]})
        self.update_metadata({"mask_labels": {"_all_": entries}})

    def publish(self, message: str | None = None) -> str:
        """Commit the draft; return the published version's id."""
        self._draft_record()
        return ops.commit(self._state, message, allow_empty=True)

    def create_snapshot(
        self,
        publish_name: str | None = None,
        child_name: str | None = None,
        child_metadata: dict[str, Any] | None = None,
        child_comment: str | None = None,
    ) -> str:
        """Publish the draft under ``publish_name`` (default ``"snapshot <ISO time>"``)
        and continue with a new draft named ``child_name`` (default ``"Current"``)
        carrying ``child_metadata``/``child_comment``. Returns the snapshot's id (the
        draft's id: the draft becomes the snapshot). A name that is a valid tag name
        also becomes a tag."""
        rec = self._draft_record()
        name = publish_name or f"snapshot {datetime.now(UTC).replace(tzinfo=None).isoformat()}"
        rec.metadata["name"] = name
        mf.write_version(self._state.storage, rec)
        snap = ops.commit(self._state, name, allow_empty=True)
        try:
            graph.check_branch_name(name)
        except ValueError:
            pass
        else:
            from deeplake_core.core.vc.tags import read_tag, write_tag

            if read_tag(self._state.storage, name) is None:
                write_tag(self._state.storage, name, snap)
        child = self._record()
        child.metadata = dict(child_metadata or {})
        if child_name is not None:
            child.metadata["name"] = str(child_name)
        if child_comment is not None:
            child.metadata["comment"] = child_comment
        mf.write_version(self._state.storage, child)
        self._state.storage.flush()
        return snap

    def create_child(
        self, version_id: str, branch: str | None = None, raise_if_exists: bool = False
    ) -> str:
        """Start a new draft (on a new branch) from published version ``version_id``;
        the dataset moves to it. Returns the branch name. If branch ``branch`` exists
        already the dataset moves to it instead (``ValueError`` if ``raise_if_exists``)."""
        st = self._state
        if branch is not None and mf.read_branch_head(st.storage, branch) is not None:
            if raise_if_exists:
                raise ValueError(f"version {branch!r} exists already")
            ops.checkout(st, branch)
            return branch
        vid, _ = graph.resolve(st.storage, version_id)
        if graph.is_head(st.storage, vid):
            raise VersionControlError(
                f"version {version_id!r} is a draft; child versions are made from published "
                "versions (publish it first)"
            )
        name = branch or f"child_{vid[:8]}_{mf.new_id(3)}"
        ops.checkout(st, vid)
        ops.checkout(st, name, create=True)
        return name
