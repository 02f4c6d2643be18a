"""The version graph: branch refs, version records, ancestry and common ancestors.

A version is a *head* when a branch ref points at it; every other version is a
*commit* and never changes again. Parents are ``record.parent`` plus, for merge
commits, ``record.merge_parents``.
"""

from __future__ import annotations

import contextlib
import re
from collections import deque
from collections.abc import Iterator
from typing import Any

from deeplake_core.core import manifest as mf
from deeplake_core.exceptions import CheckoutError, DatasetCorruptError

_BRANCH_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_VERSION_RE = re.compile(r"^[0-9a-f]{8,64}$")


def check_branch_name(name: Any) -> str:
    """Return ``name`` if it is a valid branch or tag name, else raise ``ValueError``."""
    if not isinstance(name, str) or not _BRANCH_RE.match(name) or name.endswith(".json"):
        raise ValueError(
            f"invalid name {name!r}: use letters, digits, '.', '_' and '-' (up to 100 "
            "characters, starting with a letter or digit)"
        )
    return name


def record(storage: Any, version_id: str) -> mf.VersionRecord | None:
    if not isinstance(version_id, str) or not _VERSION_RE.match(version_id):
        return None
    return mf.read_version(storage, version_id)


def require(storage: Any, version_id: str) -> mf.VersionRecord:
    rec = record(storage, version_id)
    if rec is None:
        raise CheckoutError(f"version {version_id!r} does not exist in this dataset")
    return rec


def branch_heads(storage: Any) -> dict[str, str]:
    """``{branch: head version id}`` for every branch whose ref is readable (a
    damaged ref is left out here; ``Dataset.fix_vc`` repairs it)."""
    out = {}
    for b in mf.list_branches(storage):
        try:
            head = mf.read_branch_head(storage, b)
        except DatasetCorruptError:
            continue
        if head is not None:
            out[b] = head
    return out


def is_head(storage: Any, version_id: str) -> bool:
    return version_id in branch_heads(storage).values()


def parents(rec: mf.VersionRecord) -> list[str]:
    out = [rec.parent] if rec.parent else []
    return out + [p for p in rec.merge_parents if p not in out]


def first_parent_chain(storage: Any, version_id: str | None) -> Iterator[mf.VersionRecord]:
    """Records from ``version_id`` back to the root along first parents."""
    seen = set()
    while version_id and version_id not in seen:
        seen.add(version_id)
        rec = mf.read_version(storage, version_id)
        if rec is None:
            return
        yield rec
        version_id = rec.parent


def ancestors(storage: Any, version_id: str) -> dict[str, int]:
    """Every ancestor of ``version_id`` (itself included) -> distance in edges."""
    dist = {version_id: 0}
    queue = deque([version_id])
    while queue:
        v = queue.popleft()
        rec = mf.read_version(storage, v)
        if rec is None:
            continue
        for p in parents(rec):
            if p not in dist:
                dist[p] = dist[v] + 1
                queue.append(p)
    return dist


def common_ancestor(storage: Any, a: str, b: str) -> str | None:
    """The best common ancestor of ``a`` and ``b`` (nearest to ``a`` then ``b``), or
    None when they share no history."""
    da = ancestors(storage, a)
    db = ancestors(storage, b)
    common = set(da) & set(db)
    if not common:
        return None
    order = sorted(common, key=lambda c: (da[c] + db[c], da[c], c))
    memo: dict[str, dict[str, int]] = {}
    for c in order:
        # c is "best" unless another common ancestor descends from it (such a one is
        # strictly nearer to a).
        closer = [x for x in common if x != c and da[x] < da[c]]
        if not any(c in memo.setdefault(x, ancestors(storage, x)) for x in closer):
            return c
    return order[0]


def all_versions(storage: Any) -> dict[str, mf.VersionRecord]:
    """Every version record in the dataset."""
    out = {}
    for key in mf.shared(storage).list_prefix("versions/"):
        if key.endswith("/version.json") and key.count("/") == 2:
            vid = key.split("/")[1]
            with contextlib.suppress(Exception):
                rec = mf.read_version(storage, vid)
                if rec is not None:
                    out[vid] = rec
    return out


def resolve(storage: Any, address: str) -> tuple[str, str | None]:
    """``address`` (branch, version id or tag) -> ``(version_id, branch if at its head)``."""
    if not isinstance(address, str) or not address:
        raise CheckoutError(f"cannot check out {address!r}: give a branch name or commit id")
    with contextlib.suppress(ValueError):
        check_branch_name(address)
        head = mf.read_branch_head(storage, address)
        if head is not None:
            return head, address
    rec = record(storage, address)
    if rec is None:
        from deeplake_core.core.vc.tags import read_tag

        tag = read_tag(storage, address)
        if tag is None:
            raise CheckoutError(
                f"no branch, commit or tag {address!r} in this dataset; see ds.branches and "
                "ds.commits, or pass create=True to make a new branch"
            )
        rec = require(storage, tag["version"])
    vid = rec.version_id
    heads = branch_heads(storage)
    if heads.get(rec.branch) == vid:
        return vid, rec.branch
    for b, h in heads.items():
        if h == vid:
            return vid, b
    return vid, None


def head_parent(storage: Any, version_id: str) -> str | None:
    rec = mf.read_version(storage, version_id)
    return rec.parent if rec is not None else None
