"""``Dataset.diff`` and ``Tensor.modified_samples``.

Changes between two versions of a tensor are found by sample id (which sample a row
is) and content key (which stored bytes the row shows): a row whose id is new was
added, one whose id is known but whose bytes differ was modified, an id that vanished
was deleted. Tensors are matched across versions by ``tensor_id``, so renames are seen
as renames. Tensors without an id companion fall back to row positions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from deeplake_core.core import manifest as mf
from deeplake_core.core.vc import graph, ops, samples
from deeplake_core.exceptions import TensorModifiedError

if TYPE_CHECKING:
    from deeplake_core.core.state import DatasetState


class TensorChange:
    """Row-level changes of one tensor between an older and a newer version."""

    def __init__(self, added: np.ndarray, modified: np.ndarray, deleted: np.ndarray):
        self.added = added  # rows of the newer version
        self.modified = modified  # rows of the newer version
        self.deleted = deleted  # rows of the older version

    @property
    def changed_rows(self) -> np.ndarray:
        return np.union1d(self.added, self.modified)


def tensor_change(
    storage: Any,
    old_man: mf.Manifest | None,
    old_key: str | None,
    new_man: mf.Manifest,
    new_key: str,
) -> TensorChange:
    new_entry = new_man.tensors[new_key]
    new_keys = samples.content_keys(storage, new_entry)
    n_new = len(new_keys)
    empty = np.empty(0, np.int64)
    if old_man is None or old_key is None:
        return TensorChange(np.arange(n_new, dtype=np.int64), empty, empty)
    old_keys = samples.content_keys(storage, old_man.tensors[old_key])
    new_ids = samples.sample_ids(storage, new_man, new_key)
    old_ids = samples.sample_ids(storage, old_man, old_key)
    if new_ids is not None and old_ids is not None and (new_ids != 0).all():
        known = np.isin(new_ids, old_ids)
        added = np.flatnonzero(~known)
        order = np.argsort(old_ids, kind="stable")
        pos = order[np.searchsorted(old_ids[order], new_ids[known])]
        rows = np.flatnonzero(known)
        modified = rows[new_keys[rows] != old_keys[pos]]
        deleted = np.flatnonzero(~np.isin(old_ids, new_ids))
        return TensorChange(added, modified, deleted)
    n_old = len(old_keys)
    m = min(n_old, n_new)
    modified = np.flatnonzero(new_keys[:m] != old_keys[:m])
    return TensorChange(
        np.arange(n_old, n_new, dtype=np.int64) if n_new > n_old else empty,
        modified,
        np.arange(n_new, n_old, dtype=np.int64) if n_old > n_new else empty,
    )


def version_diff(
    storage: Any, old_man: mf.Manifest | None, new_man: mf.Manifest, commit_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(dataset changes, tensor changes) from ``old_man`` to ``new_man``."""
    old_by_id = samples.by_tensor_id(old_man) if old_man is not None else {}
    ds: dict[str, Any] = {
        "commit_id": commit_id,
        "info_updated": old_man is not None and old_man.info != new_man.info,
        "renamed": {},
        "deleted": [],
    }
    tensors: dict[str, Any] = {"commit_id": commit_id}
    new_ids = set()
    for key in samples.visible(new_man):
        entry = new_man.tensors[key]
        new_ids.add(entry.tensor_id)
        old_key = old_by_id.get(entry.tensor_id)
        if old_key is not None and old_key != key:
            ds["renamed"][old_key] = key
        ch = tensor_change(storage, old_man, old_key, new_man, key)
        created = old_key is None
        old_entry = old_man.tensors[old_key] if old_man is not None and old_key else None
        info_updated = old_entry is not None and old_entry.info != entry.info
        if created or info_updated or len(ch.added) or len(ch.modified) or len(ch.deleted):
            added = [int(ch.added.min()), int(ch.added.max()) + 1] if len(ch.added) else [0, 0]
            tensors[key] = {
                "created": created,
                "cleared": bool(old_entry is not None and old_entry.length and not entry.length),
                "info_updated": bool(info_updated),
                "data_added": added,
                "data_updated": {int(i) for i in ch.modified},
                "data_deleted": {int(i) for i in ch.deleted},
                "data_transformed_in_place": False,
            }
    if old_man is not None:
        for key in samples.visible(old_man):
            if old_man.tensors[key].tensor_id not in new_ids:
                ds["deleted"].append(key)
    return ds, tensors


# ------------------------------------------------------------------ Dataset.diff


def _manifest(state: DatasetState, vid: str) -> mf.Manifest:
    if vid == state.version_id:
        return state.manifest
    return mf.read_manifest(state.storage, vid)[0]


def _chain(state: DatasetState, start: str, stop: str | None) -> list[tuple[Any, Any]]:
    """Commit-wise (dataset, tensor) diffs from ``start`` back to ``stop`` (exclusive)."""
    storage = state.storage
    ds_list, t_list = [], []
    for rec in graph.first_parent_chain(storage, start):
        if rec.version_id == stop:
            break
        if graph.is_head(storage, rec.version_id) and not _manifest(state, rec.version_id).changed:
            continue  # a head without changes adds nothing
        new = _manifest(state, rec.version_id)
        old = _manifest(state, rec.parent) if rec.parent else None
        d, t = version_diff(storage, old, new, rec.version_id)
        ds_list.append(d)
        t_list.append(t)
    return ds_list, t_list


def _resolve(state: DatasetState, address: str) -> str:
    """A branch means its head when that has uncommitted changes, else its last commit."""
    vid, branch = graph.resolve(state.storage, address)
    if branch is not None and not _manifest(state, vid).changed:
        return graph.head_parent(state.storage, vid) or vid
    return vid


def diff(
    state: DatasetState, id_1: str | None = None, id_2: str | None = None, as_dict: bool = False
) -> dict[str, Any] | None:
    if id_1 is None and id_2 is not None:
        raise ValueError("diff(id_2=...) needs id_1 as well; give both ids or only id_1")
    if not state.read_only and state.at_head:
        state.flush()
    storage = state.storage
    if id_1 is None:
        cur = state.version_id
        if state.at_head and not state.manifest.changed:
            cur = ops.commit_id(state) or cur
        rec = graph.require(storage, cur)
        new = _manifest(state, cur)
        old = _manifest(state, rec.parent) if rec.parent else None
        d, t = version_diff(storage, old, new, cur)
        result: dict[str, Any] = {"dataset": [d], "tensors": [t]}
        title = "changes since the previous commit"
    else:
        a = state.version_id if id_2 is None else _resolve(state, id_1)
        b = _resolve(state, id_1 if id_2 is None else id_2)
        lca = graph.common_ancestor(storage, a, b)
        da, ta = _chain(state, a, lca)
        db, tb = _chain(state, b, lca)
        result = {"dataset": (da, db), "tensors": (ta, tb)}
        title = f"changes of {a} and {b} since their common ancestor {lca}"
    if as_dict:
        return result
    print(format_diff(title, result))
    return None


def format_diff(title: str, result: dict[str, Any]) -> str:
    lines = [f"## {title}"]
    ds, ts = result["dataset"], result["tensors"]
    sides = (
        [(None, ds, ts)]
        if isinstance(ds, list)
        else [("first", ds[0], ts[0]), ("second", ds[1], ts[1])]
    )
    for name, dlist, tlist in sides:
        if name:
            lines.append(f"# {name} side")
        if not dlist:
            lines.append("  no changes")
        for d, t in zip(dlist, tlist, strict=True):
            lines.append(f"commit {d['commit_id']}")
            if d["info_updated"]:
                lines.append("  dataset info updated")
            for old, new in d["renamed"].items():
                lines.append(f"  tensor {old!r} renamed to {new!r}")
            for key in d["deleted"]:
                lines.append(f"  tensor {key!r} deleted")
            for key, c in t.items():
                if key == "commit_id":
                    continue
                parts = []
                if c["created"]:
                    parts.append("created")
                a0, a1 = c["data_added"]
                if a1 > a0:
                    parts.append(f"added rows {a0}-{a1 - 1}")
                if c["data_updated"]:
                    parts.append(f"updated {len(c['data_updated'])} row(s)")
                if c["data_deleted"]:
                    parts.append(f"deleted {len(c['data_deleted'])} row(s)")
                if c["info_updated"]:
                    parts.append("info updated")
                lines.append(f"  {key}: {', '.join(parts)}")
    return "\n".join(lines)


# ------------------------------------------------------------------ modified_samples


def modified_rows(state: DatasetState, key: str, target_id: str | None = None) -> np.ndarray:
    """Rows of tensor ``key`` added or modified since ``target_id`` (default: the
    previous commit); ``TensorModifiedError`` if the target is not an ancestor."""
    if not state.read_only and state.at_head:
        state.flush()
    storage = state.storage
    cur = state.version_id
    if target_id is None:
        # at a head: since its last commit; at a commit: what that commit changed
        target = graph.require(storage, cur).parent
    else:
        target = _resolve(state, target_id)
        if target not in graph.ancestors(storage, cur):
            raise TensorModifiedError(
                f"{target_id!r} is not an ancestor of the current version; pass an earlier "
                "commit of this branch"
            )
    return _rows(storage, target, state.manifest, key, state)


def _rows(
    storage: Any, target: str | None, cur_man: mf.Manifest, key: str, state: DatasetState
) -> np.ndarray:
    tid = cur_man.tensors[key].tensor_id
    if target is None:
        return np.arange(cur_man.tensors[key].length, dtype=np.int64)
    old = _manifest(state, target)
    old_key = samples.by_tensor_id(old).get(tid)
    return tensor_change(storage, old, old_key, cur_man, key).changed_rows.astype(np.int64)
