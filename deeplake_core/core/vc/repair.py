"""``Dataset.fix_vc``: rebuild damaged version-control metadata from what survives.

Version records name their parents, so the graph can be rebuilt from them:

* a branch ref that is unreadable, or names a version that does not exist, is pointed
  at the newest version of that branch that no other version of the branch descends
  from (its tip);
* a branch head whose manifest is damaged falls back to its previous manifest (as
  ``reset=True`` does on load);
* a tag naming a version that does not exist is deleted.

Unreadable version records cannot be rebuilt (they hold the commit's parent); they
are reported, and the versions above them stay reachable.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

from deeplake_core.core import manifest as mf
from deeplake_core.core.vc import graph, ops
from deeplake_core.exceptions import DatasetCorruptError, ReadOnlyModeError

if TYPE_CHECKING:
    from deeplake_core.core.state import DatasetState

logger = logging.getLogger("deeplake")


def _records(storage: object) -> tuple[dict[str, mf.VersionRecord], list[str]]:
    records, damaged = {}, []
    for key in mf.shared(storage).list_prefix("versions/"):
        parts = key.split("/")
        if len(parts) != 3 or parts[2] != "version.json":
            continue
        try:
            rec = mf.read_version(storage, parts[1])
        except DatasetCorruptError:
            damaged.append(parts[1])
            continue
        if rec is not None:
            records[parts[1]] = rec
    return records, damaged


def _tip(records: dict[str, mf.VersionRecord], branch: str) -> str | None:
    """The newest version of ``branch`` that no other version of it has as parent."""
    own = {v: r for v, r in records.items() if r.branch == branch}
    parents = {r.parent for r in own.values()}
    tips = [r for v, r in own.items() if v not in parents]
    if not tips:
        return None
    return max(tips, key=lambda r: (r.time, r.version_id)).version_id


def fix_vc(state: DatasetState) -> list[str]:
    """Repair branch refs, head manifests and tags; return what was repaired."""
    if state.read_only:
        raise ReadOnlyModeError("fix_vc() writes; open the dataset with read_only=False")
    storage = state.storage
    state.flush()
    records, damaged = _records(storage)
    fixes = [f"version record {v} is unreadable and was left as is" for v in damaged]
    for branch in mf.list_branches(storage):
        try:
            head = mf.read_branch_head(storage, branch)
        except DatasetCorruptError:
            head = None
        if head in records:
            continue
        tip = _tip(records, branch)
        if tip is None:
            fixes.append(f"branch {branch!r} has no surviving version; it was left as is")
            continue
        mf.write_branch_head(storage, branch, tip)
        fixes.append(f"branch {branch!r} now points at its last version {tip}")
    for branch, head in graph.branch_heads(storage).items():
        try:
            mf.read_manifest(storage, head)
        except DatasetCorruptError:
            with contextlib.suppress(DatasetCorruptError):
                man, _ = mf.read_manifest(storage, head, reset=True)
                mf.write_manifest(storage, head, man, None)
                fixes.append(f"the head of branch {branch!r} fell back to its previous manifest")
    from deeplake_core.core.vc.tags import list_tags, read_tag

    for name in list_tags(storage):
        try:
            doc = read_tag(storage, name)
        except DatasetCorruptError:
            doc = None
        if doc is None or doc["version"] not in records:
            storage.delete(mf.tag_key(name))
            fixes.append(f"tag {name!r} named no existing version and was deleted")
    storage.flush()
    if fixes:
        for line in fixes:
            logger.warning("fix_vc: %s", line)
        if state.at_head and state.branch is not None:
            ops.switch(
                state,
                state.version_id,
                state.branch,
                *ops._read_manifest(state, state.version_id),
                True,
                state.lock,
            )
    return fixes
