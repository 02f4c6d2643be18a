"""Three-way merge of another commit into the current branch head.

Tensors are matched by ``tensor_id`` (renames are followed), rows by sample id (the
hidden ``id`` companion). A row counts as changed on a side when its content key
(``samples.content_keys``: which stored sample it shows) differs from the common
ancestor's and, where both sides changed it, its value does too. Per row:

| ours \\ theirs     | unchanged | modified            | deleted             | (new)  |
| ---               | ---       | ---                 | ---                 | ---    |
| unchanged         | keep      | take theirs         | delete              |        |
| modified          | keep      | conflict (*)        | conflict            |        |
| deleted           | -         | conflict            | -                   |        |
| (new)             |           |                     |                     | append |

(*) no conflict when both sides hold equal values. Comparing values settles the
cases keys alone get wrong: a row an earlier merge copied across (new stored sample,
same value) is not an edit, so merging back later reports no false conflict.
``conflict_resolution='ours'`` keeps the current branch's side of every conflict,
``'theirs'`` takes the target's.
The result is committed as a merge commit whose ``merge_parents`` records the target,
so later merges and diffs find the right common ancestor. Until that commit, nothing
is flushed: a failure (or a crash) leaves the head as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from deeplake_core.core import manifest as mf
from deeplake_core.core.vc import graph, ops, samples
from deeplake_core.exceptions import (
    MergeConflictError,
    MergeError,
    MergeMismatchError,
    MergeNotSupportedError,
)

if TYPE_CHECKING:
    from deeplake_core.core.dataset import Dataset
    from deeplake_core.core.state import DatasetState

_STRATEGIES = (None, "ours", "theirs")


class _Plan:
    """Row operations for one tensor."""

    def __init__(self) -> None:
        self.updates: list[tuple[int, int]] = []  # (ours row, theirs row)
        self.pops: list[int] = []  # ours rows
        self.appends: list[int] = []  # theirs rows
        self.conflicts_ours: list[int] = []
        self.conflicts_theirs: list[int] = []


def _index_of(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Position of each ``wanted`` id in ``ids`` (-1 where absent)."""
    if not len(ids):
        return np.full(len(wanted), -1, np.int64)
    order = np.argsort(ids, kind="stable")
    pos = np.searchsorted(ids[order], wanted)
    pos = np.minimum(pos, len(ids) - 1)
    found = ids[order][pos] == wanted
    return np.where(found, order[pos], -1).astype(np.int64)


Digests = Callable[[str, list[int]], list[bytes]]


def plan_rows(
    ids_b: np.ndarray,
    keys_b: np.ndarray,
    ids_o: np.ndarray,
    keys_o: np.ndarray,
    ids_t: np.ndarray,
    keys_t: np.ndarray,
    strategy: str | None,
    digests: Digests | None = None,
) -> _Plan:
    """Row operations merging theirs (``_t``) into ours (``_o``) from base ``_b``.

    A side changed a row when its content key differs from the base's *and* (where
    ``digests(side, rows)`` is given, side in ``"b"``, ``"o"``, ``"t"``) its value
    does: a row copied by an earlier merge has new keys but the same value, and must
    not count as an edit (or a later merge back would report a false conflict)."""
    plan = _Plan()
    t_in_b = _index_of(ids_b, ids_t)
    t_in_o = _index_of(ids_o, ids_t)
    o_in_b = _index_of(ids_b, ids_o)
    changed_o = np.zeros(len(ids_o), bool)
    has_b = o_in_b >= 0
    changed_o[has_b] = keys_o[has_b] != keys_b[o_in_b[has_b]]
    gone = np.flatnonzero(_index_of(ids_t, ids_b) < 0)  # base rows deleted on theirs
    gone_o = _index_of(ids_o, ids_b[gone]) if len(gone) else np.empty(0, np.int64)
    gone_o = gone_o[gone_o >= 0]
    # rows whose decision depends on both sides having changed: confirm by value
    doubtful: list[tuple[int, int, int]] = []  # (theirs row, ours row or -1, base row)
    for i in range(len(ids_t)):
        b, o = int(t_in_b[i]), int(t_in_o[i])
        if (
            b >= 0
            and keys_t[i] != keys_b[b]
            and (o < 0 or (changed_o[o] and keys_o[o] != keys_t[i]))
        ):
            doubtful.append((i, o, b))
    doubtful_gone = [int(o) for o in gone_o.tolist() if changed_o[o]]
    same_t: set[int] = set()  # theirs rows whose value equals the base's
    same_o: set[int] = set()  # ours rows whose value equals the base's
    equal_ot: set[int] = set()  # theirs rows whose value equals ours
    if digests is not None and (doubtful or doubtful_gone):
        t_rows = [i for i, _, _ in doubtful]
        o_rows = [o for _, o, _ in doubtful if o >= 0] + doubtful_gone
        b_rows = [b for _, _, b in doubtful] + [int(o_in_b[o]) for o in doubtful_gone]
        dt = dict(zip(t_rows, digests("t", t_rows), strict=True))
        do = dict(zip(o_rows, digests("o", o_rows), strict=True))
        db = dict(zip(b_rows, digests("b", b_rows), strict=True))
        for i, o, b in doubtful:
            if dt[i] == db[b]:
                same_t.add(i)
            if o >= 0:
                if do[o] == db[b]:
                    same_o.add(o)
                if do[o] == dt[i]:
                    equal_ot.add(i)
        for o in doubtful_gone:
            if do[o] == db[int(o_in_b[o])]:
                same_o.add(o)
    for i in range(len(ids_t)):
        b, o = int(t_in_b[i]), int(t_in_o[i])
        if b < 0:
            if o < 0:
                plan.appends.append(i)
            continue
        if keys_t[i] == keys_b[b] or i in same_t:
            continue  # unchanged on theirs
        if o < 0:  # modified on theirs, deleted on ours
            plan.conflicts_theirs.append(i)
            if strategy == "theirs":
                plan.appends.append(i)
        elif keys_o[o] == keys_t[i] or i in equal_ot:
            continue  # both sides show the same value
        elif changed_o[o] and o not in same_o:
            plan.conflicts_ours.append(o)
            if strategy == "theirs":
                plan.updates.append((o, i))
        else:
            plan.updates.append((o, i))
    for o in gone_o.tolist():  # deleted on theirs
        if changed_o[o] and o not in same_o:
            plan.conflicts_ours.append(int(o))
            if strategy == "theirs":
                plan.pops.append(int(o))
        else:
            plan.pops.append(int(o))
    return plan


# ------------------------------------------------------------------ merge


def _target_commit(storage: Any, address: str) -> str:
    vid, branch = graph.resolve(storage, address)
    if branch is not None:  # a branch: its last commit
        parent = graph.head_parent(storage, vid)
        if parent is None:
            raise MergeError(f"branch {address!r} has no commits to merge yet")
        return parent
    return vid


def _check_meta(key: str, ours: mf.TensorEntry, theirs: mf.TensorEntry) -> None:
    if ours.htype != theirs.htype:
        raise MergeMismatchError(key, "htype", ours.htype, theirs.htype)
    for field in ("dtype", "sample_compression", "chunk_compression"):
        a, b = ours.config.get(field), theirs.config.get(field)
        if a is not None and b is not None and a != b:
            raise MergeMismatchError(key, field, a, b)


def merge(
    state: DatasetState,
    target_id: str,
    conflict_resolution: str | None = None,
    delete_removed_tensors: bool = False,
    force: bool = False,
) -> None:
    if conflict_resolution not in _STRATEGIES:
        raise ValueError(
            f"conflict_resolution must be None, 'ours' or 'theirs', got {conflict_resolution!r}"
        )
    storage = state.storage
    theirs_id = _target_commit(storage, target_id)
    state.check_writable()
    with state.rlock:
        state.flush()
        ours_id = state.version_id
        base_id = graph.common_ancestor(storage, ours_id, theirs_id)
        if base_id == theirs_id:
            return  # already contained in the current branch
        state.with_depth += 1
        try:
            _merge_into_head(
                state, base_id, theirs_id, conflict_resolution, delete_removed_tensors, force
            )
        except BaseException:
            state.with_depth -= 1
            _discard_unflushed(state)
            raise
        state.with_depth -= 1
        state.flush()
        label = target_id if target_id != theirs_id else theirs_id[:12]
        ops.commit(
            state,
            f"Merge {label} into {state.branch}",
            allow_empty=True,
            merge_parents=[theirs_id],
        )


def _discard_unflushed(state: DatasetState) -> None:
    """Drop in-memory merge work: back to the manifest on disk."""
    man = mf.read_manifest(state.storage, state.version_id)[0]
    ops.switch(state, state.version_id, state.branch, man, state.disk_manifest, True, state.lock)


def _merge_into_head(
    state: DatasetState,
    base_id: str | None,
    theirs_id: str,
    strategy: str | None,
    delete_removed: bool,
    force: bool,
) -> None:
    from deeplake_core.core.vc.tags import open_version

    storage = state.storage
    ours = state.manifest
    theirs = mf.read_manifest(storage, theirs_id)[0]
    base = mf.read_manifest(storage, base_id)[0] if base_id else mf.Manifest()
    ours_by = samples.by_tensor_id(ours)
    base_by = samples.by_tensor_id(base)
    theirs_ds = open_version(state, theirs_id)
    conflicts: dict[str, dict[str, list[int]]] = {}
    pending: list[tuple[str, str, str | None]] = []  # (ours key, theirs key, base key)
    for key_t in samples.visible(theirs):
        tid = theirs.tensors[key_t].tensor_id
        key_o, key_b = ours_by.get(tid), base_by.get(tid)
        if key_b is None and key_o is None:
            if key_t in ours.tensors:  # created on both sides under one name
                _check_meta(key_t, ours.tensors[key_t], theirs.tensors[key_t])
                pending.append((key_t, key_t, None))
            else:
                _adopt_tensor(state, theirs, key_t, key_t)
            continue
        if key_o is None:  # deleted on ours
            if key_t != key_b:
                if not force:
                    raise MergeError(
                        f"tensor {key_b!r} was renamed to {key_t!r} on the target and "
                        "deleted here; pass force=True to add it as a new tensor"
                    )
                _adopt_tensor(state, theirs, key_t, key_t)
            continue
        renamed_t = key_b is not None and key_t != key_b
        renamed_o = key_b is not None and key_o != key_b
        if renamed_t and not renamed_o:
            if key_t in ours.tensors:
                if not force:
                    raise MergeError(
                        f"tensor {key_b!r} was renamed to {key_t!r} on the target, but a "
                        f"tensor {key_t!r} exists here; pass force=True to merge them"
                    )
                _check_meta(key_t, ours.tensors[key_t], theirs.tensors[key_t])
                pending.append((key_t, key_t, None))
                continue
            _rename(state, key_o, key_t)
            key_o = key_t
        elif renamed_t and renamed_o and key_t != key_o:
            if not force:
                raise MergeError(
                    f"tensor {key_b!r} was renamed to {key_o!r} here and to {key_t!r} on the "
                    "target; pass force=True to add the target's as a new tensor"
                )
            _copy_tensor(state, theirs_ds, key_t)
            continue
        _check_meta(key_o, ours.tensors[key_o], theirs.tensors[key_t])
        pending.append((key_o, key_t, key_b))
    for key_o, key_t, key_b in pending:
        c = _merge_rows(state, base, theirs, theirs_ds, key_o, key_t, key_b, strategy)
        if c:
            conflicts[key_o] = c
    if conflicts and strategy is None:
        lines = [
            f"{k}: rows {v['ours'][:20]} here / rows {v['theirs'][:20]} on the target"
            for k, v in sorted(conflicts.items())
        ]
        err = MergeConflictError(
            sorted(conflicts),
            "merge conflicts (samples changed on both sides since the common ancestor):\n  "
            + "\n  ".join(lines)
            + "\npass conflict_resolution='ours' or 'theirs' to resolve them",
        )
        err.conflicts = conflicts  # type: ignore[attr-defined]
        raise err
    if delete_removed:
        theirs_tids = {e.tensor_id for e in theirs.tensors.values()}
        for key_b in samples.visible(base):
            tid = base.tensors[key_b].tensor_id
            key_o = samples.by_tensor_id(state.manifest).get(tid)
            if tid not in theirs_tids and key_o is not None:
                _dataset(state)._drop_tensor(key_o)
                state.mark_meta()
    if theirs.info != base.info and ours.info == base.info:
        state.manifest.info = dict(theirs.info)
        state.mark_meta()


def _dataset(state: DatasetState) -> Dataset:
    from deeplake_core.core.dataset import Dataset

    return Dataset(state)


def _rename(state: DatasetState, old: str, new: str) -> None:
    man = state.manifest
    man.tensors = {(new if k == old else k): v for k, v in man.tensors.items()}
    state.mark_meta()


def _adopt_tensor(state: DatasetState, theirs: mf.Manifest, key_t: str, key: str) -> None:
    """Add the target's tensor (and companions) as is: same ids, same immutable files."""
    man = state.manifest
    entry = theirs.tensors[key_t].model_copy(deep=True)
    if "/" in key:
        _dataset(state)._ensure_groups(key.rsplit("/", 1)[0])
    for role, comp in list(entry.companions.items()):
        if comp in theirs.tensors:
            man.tensors[comp] = theirs.tensors[comp].model_copy(deep=True)
        else:
            entry.companions.pop(role)
    man.tensors[key] = entry
    state.mark_meta()


def _copy_tensor(state: DatasetState, theirs_ds: Dataset, key_t: str) -> None:
    """Add the target's tensor as a new tensor (new ids, data copied)."""
    ds = _dataset(state)
    name = key_t
    n = 1
    while name in state.manifest.tensors or name in state.manifest.groups:
        name = f"{key_t}_merged{n if n > 1 else ''}"
        n += 1
    src = theirs_ds[key_t]
    t = ds.create_tensor_like(name, src)
    data = src.numpy(aslist=True)
    if len(data):
        t.extend(data)


def _remap_labels(
    state: DatasetState, key_o: str, ours_e: mf.TensorEntry, theirs_e: mf.TensorEntry
) -> np.ndarray | None:
    """For class labels: theirs label -> ours label via class names (None: identity)."""
    if not ours_e.htype.endswith("class_label"):
        return None
    names_t = list(theirs_e.info.get("class_names") or [])
    names_o = list(state.manifest.tensors[key_o].info.get("class_names") or [])
    if not names_t or names_t == names_o[: len(names_t)]:
        return None
    mapping = []
    for name in names_t:
        if name not in names_o:
            names_o.append(name)
        mapping.append(names_o.index(name))
    state.manifest.tensors[key_o].info["class_names"] = names_o
    state.mark_meta()
    return np.asarray(mapping, dtype=np.int64)


def _apply_map(values: list[Any], mapping: np.ndarray | None) -> list[Any]:
    if mapping is None:
        return values
    out = []
    for v in values:
        arr = np.asarray(v)
        if arr.size:
            arr = mapping[arr.astype(np.int64)].astype(arr.dtype)
        out.append(arr)
    return out


def _merge_rows(
    state: DatasetState,
    base: mf.Manifest,
    theirs: mf.Manifest,
    theirs_ds: Dataset,
    key_o: str,
    key_t: str,
    key_b: str | None,
    strategy: str | None,
) -> dict[str, list[int]] | None:
    from deeplake_core.core import columns

    storage = state.storage
    ours = state.manifest
    ids_o = samples.sample_ids(storage, ours, key_o) if ours.tensors[key_o].index_key else None
    if ids_o is None and ours.tensors[key_o].length == 0:
        ids_o = np.empty(0, np.uint64)
    ids_t = samples.sample_ids(storage, theirs, key_t)
    if key_b is not None:
        ids_b = samples.sample_ids(storage, base, key_b)
        keys_b = samples.content_keys(storage, base.tensors[key_b])
    else:
        ids_b, keys_b = np.empty(0, np.uint64), np.empty(0, samples.KEY_DTYPE)
    if ids_o is None or ids_t is None or ids_b is None:
        raise MergeNotSupportedError(
            f"tensor {key_o!r} has no sample ids (it was created with create_id_tensor=False), "
            "so its rows cannot be matched across branches"
        )
    keys_o = samples.content_keys(storage, ours.tensors[key_o])
    keys_t = samples.content_keys(storage, theirs.tensors[key_t])
    entries = {
        "b": base.tensors.get(key_b or ""),
        "o": ours.tensors[key_o],
        "t": theirs.tensors[key_t],
    }

    def digests(side: str, rows: list[int]) -> list[bytes]:
        entry = entries[side]
        assert entry is not None
        return samples.content_digests(storage, entry, rows)

    plan = plan_rows(ids_b, keys_b, ids_o, keys_o, ids_t, keys_t, strategy, digests)
    conflicts = None
    if plan.conflicts_ours or plan.conflicts_theirs:
        conflicts = {"ours": sorted(plan.conflicts_ours), "theirs": sorted(plan.conflicts_theirs)}
        if strategy is None:
            return conflicts
    if not (plan.updates or plan.pops or plan.appends):
        return conflicts
    mapping = _remap_labels(state, key_o, ours.tensors[key_o], theirs.tensors[key_t])
    src = theirs_ds[key_t]
    ds = _dataset(state)
    dst = ds[key_o]
    rows_needed = sorted({i for _, i in plan.updates} | set(plan.appends))
    values: dict[int, Any] = {}
    if rows_needed:
        read = _apply_map(src[rows_needed].numpy(aslist=True), mapping)
        values = dict(zip(rows_needed, read, strict=True))
    for o, i in plan.updates:
        dst[o] = values[i]
    if plan.pops:
        dst.pop(sorted(set(plan.pops)))
    if plan.appends:
        col = state.column(key_o)
        with state.write():
            prepared = columns.prepare(col, [values[i] for i in plan.appends])
            columns.write(col, prepared, ids=ids_t[plan.appends])
            state.mark_data(col.tensor_id)
    return conflicts
