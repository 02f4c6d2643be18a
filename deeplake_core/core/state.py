"""Runtime state of an open dataset, shared by the root, its groups and its views.

:class:`DatasetState` owns the storage chain, the writer lock, the in-memory manifest
and one :class:`Column` (engine + htype config) per tensor. It implements the flush
ordering that makes writes crash-safe:

1. every dirty tensor's engine writes its new chunks and then its index under a new
   key (``versions/<v>/index/<tensor_id>-<seq>.idx``);
2. (durable flush) the storage chain is flushed, so all of that is durable;
3. the manifest (the single commit point) is replaced, the previous one kept as
   ``manifest.prev.json``; it is written through every cache layer after the data;
4. (durable flush) the storage is flushed again;
5. index files no manifest can reach any more are deleted.

Every key is replaced atomically and in this order, so a process killed at any step
leaves the last manifest written, which only names files written before it.

**Publish vs. durable.** The flush at the end of each write outside ``with ds:`` only
*publishes* (steps 1, 3, 5: other readers see the change; fsyncs run in the
background). ``Dataset.flush()``, leaving ``with ds:``, ``commit`` and ``close`` are
the durability points (``durable=True``): everything before them survives a power
loss. A power loss between durability points can lose the writes since the last one.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import weakref
from collections.abc import Iterator
from typing import Any

from deeplake_core.core import manifest as mf
from deeplake_core.exceptions import ReadOnlyModeError

logger = logging.getLogger("deeplake")


class Column:
    """One tensor at run time: manifest entry, htype config and (lazy) engine."""

    def __init__(self, state: DatasetState, entry: mf.TensorEntry):
        self._state_ref = weakref.ref(state)  # no cycle: a dropped dataset frees its lock
        self.entry = entry
        self._cfg: Any = None
        self._engine: Any = None
        #: runs of new sample ids (start, count) appended to this id companion but
        #: not yet written to its engine (``columns.write_id_runs``, on next use)
        self.id_runs: list[tuple[int, int]] = []

    @property
    def state(self) -> DatasetState:
        state = self._state_ref()
        if state is None:
            raise RuntimeError("the dataset this tensor belongs to was closed")
        return state

    @property
    def tensor_id(self) -> str:
        return self.entry.tensor_id

    @property
    def cfg(self) -> Any:
        if self._cfg is None:
            from deeplake_core.core import columns

            columns.check_requirements(self.entry)
            self._cfg = columns.config_from_entry(self.entry)
        return self._cfg

    @property
    def engine(self) -> Any:
        if self._engine is None:
            from deeplake_core.core import columns

            self._engine = columns.open_engine(self.state.storage, self.entry, self.cfg)
        if self.id_runs:
            self._write_id_runs()
        return self._engine

    def _write_id_runs(self) -> None:
        """Write the pending id runs to the (loaded) engine; kept pending on failure."""
        from deeplake_core.core import columns

        runs, self.id_runs = self.id_runs, []
        try:
            columns.write_id_runs(self, runs)
        except BaseException:
            self.id_runs[:0] = runs
            raise

    @property
    def loaded(self) -> bool:
        """Whether the engine holds state (possibly unflushed) beyond the entry."""
        return self._engine is not None or bool(self.id_runs)

    def length(self) -> int:
        pending = sum(n for _, n in self.id_runs)
        if self._engine is not None:
            return int(self._engine.num_samples) + pending
        return self.entry.length + pending


class DatasetState:
    """Everything one open dataset shares between its Dataset/Tensor objects."""

    def __init__(
        self,
        path: str,
        storage: Any,
        manifest: mf.Manifest,
        version_id: str,
        branch: str | None,
        read_only: bool,
        settings: dict[str, Any],
        prev_manifest: bytes | None = None,
        lock: Any = None,
    ):
        self.path = path
        self.storage = storage
        self.manifest = manifest
        self.version_id = version_id
        self.branch = branch
        self.read_only = read_only
        self.settings = settings
        self.lock = lock
        #: bytes of the manifest currently on disk (kept as ``manifest.prev.json`` next).
        self.disk_manifest: bytes | None = prev_manifest
        #: index keys the manifest on disk references (kept reachable for one flush more).
        self._disk_keys: set[str] = manifest.index_keys()
        #: index keys of the manifest made durable last (kept until the next one is).
        self._durable_keys: set[str] = set(self._disk_keys)
        #: (version id, index files of it known to exist), see _collect_index_garbage
        self._index_files: tuple[str, set[str]] | None = None
        self.columns: dict[str, Column] = {}
        self.dirty: set[str] = set()  # tensor ids with unflushed samples
        self.meta_dirty = False
        self.depth = 0
        self.with_depth = 0
        self.closed = False
        self.rlock = threading.RLock()
        self.deleted = False
        #: cached "this version is the head of ``branch``" (None: not looked up yet).
        self._at_head: bool | None = None

    # -- columns --------------------------------------------------------------------
    def column(self, key: str) -> Column:
        entry = self.manifest.tensors[key]
        col = self.columns.get(entry.tensor_id)
        if col is None or col.entry is not entry:
            col = self.columns[entry.tensor_id] = Column(self, entry)
        return col

    def drop_column(self, tensor_id: str) -> None:
        self.columns.pop(tensor_id, None)
        self.dirty.discard(tensor_id)

    # -- version ------------------------------------------------------------------
    @property
    def at_head(self) -> bool:
        """Whether this version is the head (the writable tip) of its branch."""
        if self._at_head is None:
            self._at_head = (
                self.branch is not None
                and mf.read_branch_head(self.storage, self.branch) == self.version_id
            )
        return self._at_head

    # -- writing --------------------------------------------------------------------
    def check_writable(self) -> None:
        """Raise if this state cannot be written. A write to a committed version first
        moves to a new branch made from it (version-control rule)."""
        if self.deleted:
            raise ReadOnlyModeError("this dataset was deleted; it can no longer be written")
        if self.read_only:
            raise ReadOnlyModeError(
                f"the dataset at {self.path!r} is open read-only; load it with "
                "read_only=False to modify it"
            )
        if not self.at_head:
            from deeplake_core.core.vc import ops

            ops.auto_branch(self)

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        """Scope of one public write operation; flushes at the outermost exit unless
        inside ``with ds:``."""
        self.check_writable()
        with self.rlock:
            self.depth += 1
            try:
                yield
            finally:
                self.depth -= 1
            if self.depth == 0 and self.with_depth == 0:
                self.flush(durable=False)

    def mark_meta(self) -> None:
        self.meta_dirty = True

    def mark_data(self, tensor_id: str) -> None:
        self.dirty.add(tensor_id)

    @property
    def has_unflushed(self) -> bool:
        return bool(self.dirty) or self.meta_dirty

    def flush(self, durable: bool = True) -> None:
        """Write every change in crash-safe order (see the module docstring);
        ``durable``: also wait until it survives a power loss."""
        if self.read_only or self.deleted or self.closed:
            return
        from deeplake_core.core import columns

        with self.rlock:
            if not self.has_unflushed:
                if durable:
                    self.storage.flush()
                return
            if not self.at_head:  # never write into a committed version
                from deeplake_core.core.vc import ops

                ops.auto_branch(self)
            man = self.manifest
            seq = man.seq + 1
            by_id = {e.tensor_id: e for e in man.tensors.values()}
            flushing = []
            for tid in sorted(self.dirty):
                entry = by_id.get(tid)
                col = self.columns.get(tid)
                if entry is None or col is None or not col.loaded:
                    continue
                col.engine.seal()  # every tensor's last chunk is written at once
                flushing.append((tid, entry, col))
            for tid, entry, col in flushing:
                key = mf.index_key(self.version_id, tid, seq)
                col.engine.flush(key)
                entry.index_key = key
                columns.sync_entry(col)
            if durable:
                self.storage.flush()
            man.seq = seq
            man.changed = True
            written = mf.write_manifest(self.storage, self.version_id, man, self.disk_manifest)
            if durable:
                self.storage.flush()
            self._collect_index_garbage(man.index_keys(), durable)
            self.disk_manifest = written
            self.dirty.clear()
            self.meta_dirty = False

    def _collect_index_garbage(self, current: set[str], durable: bool) -> None:
        """Delete this version's index files that neither the new manifest, the kept
        previous one nor the last durable one reference (a power loss may bring that
        one back).

        The version's index folder is listed once per handle and version (which also
        collects files a crashed writer left); later flushes delete from the files this
        handle knows of, so a flush costs the same however many keys are cached."""
        keep = current | self._disk_keys | self._durable_keys
        known = self._index_files
        if known is None or known[0] != self.version_id:
            found: set[str] = set()
            with contextlib.suppress(Exception):
                found = set(self.storage.list_prefix(mf.index_prefix(self.version_id)))
            known = (self.version_id, found)
        files = known[1] | current
        for key in sorted(files - keep):  # durable at the next durability point
            try:
                self.storage.delete(key)
            except KeyError:
                pass
            except OSError:
                continue  # still there: tried again at the next flush
            files.discard(key)
        self._index_files = (self.version_id, files)
        self._disk_keys = current
        if durable:
            self._durable_keys = current

    # -- lifecycle ------------------------------------------------------------------
    def release_lock(self) -> None:
        lock, self.lock = self.lock, None
        if lock is not None:
            with contextlib.suppress(Exception):
                lock.release()

    def close(self) -> None:
        if self.closed:
            return
        try:
            self.flush()
        finally:
            self.closed = True
            self.release_lock()
