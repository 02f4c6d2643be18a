"""Garbage collection: delete what no branch, tag or saved view can reach.

Live set: the versions reachable (through parents and merge parents) from every
branch head, every tag and every saved view's commit; their ``manifest.json`` /
``manifest.prev.json``; the index files those name; the chunks those index files name.
Garbage: chunks under ``tensors/``, whole ``versions/<id>/`` directories of
unreachable versions, and index files of live versions that no manifest names.

Safety against a writer running at the same time (which writes chunks, then index
files, then moves a manifest or ref):

* keys are listed **before** the live set is computed, so anything written after the
  listing is never a candidate;
* a candidate is deleted only once it has been garbage for ``grace_seconds``
  (recorded in ``gc/pending.json`` by an earlier run): a writer that wrote a chunk
  but had not yet published the index naming it has long finished by then. So a
  default run marks garbage and a later run deletes it;
* ``grace_seconds=0`` deletes at once and is only for datasets nobody writes: it first
  takes every branch's writer lock (failing with ``LockedException`` if one is held).
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deeplake_core.core import manifest as mf
from deeplake_core.core.vc import graph

PENDING_KEY = "gc/pending.json"
DEFAULT_GRACE_SECONDS = 3600.0


@dataclass
class GCReport:
    """What a collection found and did."""

    live_versions: int = 0
    live_chunks: int = 0
    garbage: list[str] = field(default_factory=list)  # found this run
    deleted: list[str] = field(default_factory=list)
    deferred: int = 0  # garbage younger than the grace period, kept for a later run
    bytes_deleted: int = 0
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would delete" if self.dry_run else "deleted"
        return (
            f"{self.live_versions} live versions, {self.live_chunks} live chunks; "
            f"{len(self.garbage)} garbage keys, {verb} {len(self.deleted)} "
            f"({self.bytes_deleted} bytes), {self.deferred} waiting for the grace period"
        )


def _storage_of(ds_or_path: Any, creds: Any = None) -> tuple[Any, Any]:
    from deeplake_core.core.dataset import Dataset

    if isinstance(ds_or_path, Dataset):
        st = ds_or_path._state
        if not st.read_only:
            st.flush()
        return st.storage, st.settings
    from deeplake_core.core.paths import check_no_version
    from deeplake_core.storage import open_storage

    path = check_no_version(ds_or_path, "gc")
    storage = open_storage(path, creds=creds, memory_cache_size=0)
    if not mf.is_dataset(storage):
        from deeplake_core.exceptions import DatasetHandlerError

        raise DatasetHandlerError(f"no dataset at {path!r} to collect")
    return storage, {}


def _roots(storage: Any) -> set[str]:
    from deeplake_core.core.vc.saved_views import view_commits
    from deeplake_core.core.vc.tags import list_tags, read_tag

    roots = set(graph.branch_heads(storage).values())
    for name in list_tags(storage):
        with contextlib.suppress(Exception):
            doc = read_tag(storage, name)
            if doc:
                roots.add(doc["version"])
    return roots | view_commits(storage)


def _reachable(storage: Any, roots: set[str]) -> set[str]:
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        rec = mf.read_version(storage, v)
        if rec is not None:
            stack.extend(graph.parents(rec))
    return seen


def _manifest_index_keys(storage: Any, vid: str, head: bool) -> set[str]:
    """Index files a version's manifest names (a head's previous manifest too: it is
    the fallback of ``reset``)."""
    keys: set[str] = set()
    names = (mf.manifest_key(vid), mf.prev_manifest_key(vid)) if head else (mf.manifest_key(vid),)
    for key in names:
        with contextlib.suppress(Exception):
            keys |= mf.decode_manifest(mf.shared(storage).get(key), key).index_keys()
    return keys


def _chunk_keys(storage: Any, index_key: str) -> set[str]:
    from deeplake_core.core.engine.index_file import load_index

    tid = index_key.rsplit("/", 1)[-1].rsplit("-", 1)[0]
    a = load_index(storage.get(index_key), index_key)
    ids = np.concatenate([np.asarray(a["c_ids"], np.uint64), np.asarray(a["tile_ids"], np.uint64)])
    return {f"tensors/{tid}/chunks/{int(c):016x}" for c in ids.tolist() if int(c) != 0}


def _take_all_locks(storage: Any, settings: dict) -> list[Any]:
    from deeplake_core.storage import WriterLock

    locks = []
    try:
        for b in mf.list_branches(storage):
            locks.append(WriterLock(storage, mf.lock_key(b), timeout=0).acquire())
    except BaseException:
        for lk in locks:
            lk.release()
        raise
    return locks


def collect(
    ds_or_path: Any,
    dry_run: bool = False,
    grace_seconds: float = DEFAULT_GRACE_SECONDS,
    creds: Any = None,
) -> GCReport:
    """Delete unreachable chunks, index files and versions (see the module notes).

    ``ds_or_path``: an open ``Dataset`` or a dataset path. ``dry_run``: only report.
    """
    storage, settings = _storage_of(ds_or_path, creds)
    locks = _take_all_locks(storage, settings) if grace_seconds <= 0 and not dry_run else []
    try:
        return _collect(storage, dry_run, grace_seconds)
    finally:
        for lk in locks:
            with contextlib.suppress(Exception):
                lk.release()


def _collect(storage: Any, dry_run: bool, grace: float) -> GCReport:
    report = GCReport(dry_run=dry_run)
    now = time.time()
    # 1. list first: what appears later is never a candidate
    chunk_keys = [k for k in storage.list_prefix("tensors/") if "/chunks/" in k]
    version_keys = list(mf.shared(storage).list_prefix("versions/"))
    # 2. live set
    live_versions = _reachable(storage, _roots(storage))
    report.live_versions = len(live_versions)
    heads = set(graph.branch_heads(storage).values())
    live_index: set[str] = set()
    for v in live_versions:
        live_index |= _manifest_index_keys(storage, v, v in heads)
    live_chunks: set[str] = set()
    for key in live_index:
        with contextlib.suppress(KeyError):
            live_chunks |= _chunk_keys(storage, key)
    report.live_chunks = len(live_chunks)
    # 3. garbage
    garbage = [k for k in chunk_keys if k not in live_chunks]
    for key in version_keys:
        parts = key.split("/")
        if len(parts) < 3:
            continue
        vid = parts[1]
        dead_version = vid not in live_versions
        stale_index = parts[2] == "index" and key not in live_index
        stale_prev = key == mf.prev_manifest_key(vid) and vid not in heads
        if dead_version or stale_index or stale_prev:
            garbage.append(key)
    report.garbage = garbage
    # 4. delete what has been garbage for the grace period
    pending = _read_pending(storage)
    due, keep = [], {}
    for key in garbage:
        first = pending.get(key, now)
        if grace <= 0 or now - first >= grace:
            due.append(key)
        else:
            keep[key] = first
    report.deferred = len(keep)
    # metadata before data: version records go first so no version points at
    # deleted files
    due.sort(key=lambda k: (not k.endswith("/version.json"), k))
    for key in due:
        with contextlib.suppress(KeyError, OSError):
            report.bytes_deleted += storage.size(key)
            if not dry_run:
                storage.delete(key)
        report.deleted.append(key)
    if not dry_run:
        storage.flush()
        _write_pending(storage, keep)
    return report


def _read_pending(storage: Any) -> dict[str, float]:
    try:
        doc = json.loads(storage.get(PENDING_KEY))
    except (KeyError, ValueError):
        return {}
    return {k: float(v) for k, v in doc.get("pending", {}).items()}


def _write_pending(storage: Any, pending: dict[str, float]) -> None:
    if pending:
        storage.set(PENDING_KEY, mf._canonical({"pending": pending}))
    else:
        with contextlib.suppress(KeyError):
            storage.delete(PENDING_KEY)
    storage.flush()


# ------------------------------------------------------------------ command line


def add_parser(subparsers: Any, name: str) -> Any:
    parser = subparsers.add_parser(
        name,
        help="delete data no branch, tag or saved view can reach",
        description=(
            "Garbage-collect a dataset. By default garbage is deleted only after it has "
            "been garbage for --grace seconds (so run gc again later); --grace 0 deletes "
            "at once and needs every branch's writer lock (no writer running)."
        ),
    )
    parser.add_argument("path", help="dataset path (local, mem:// or a plugin's URL)")
    parser.add_argument("--dry-run", action="store_true", help="only report what would go")
    parser.add_argument(
        "--grace",
        type=float,
        default=DEFAULT_GRACE_SECONDS,
        help=f"seconds garbage must wait before deletion (default {DEFAULT_GRACE_SECONDS:g})",
    )
    parser.set_defaults(func=_run)
    return parser


def _run(args: Any) -> int:
    report = collect(args.path, dry_run=args.dry_run, grace_seconds=args.grace)
    print(report.summary())
    return 0
