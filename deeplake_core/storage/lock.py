"""The writer lock: at most one writer per dataset (or branch) at a time.

Readers never take it. A writer holds a *lease*: a small JSON record that a daemon
thread renews while the lock is held. A lease that expired, was released, or belongs
to a dead process on this host is *stale* and may be taken over, so a crashed writer
never leaves a lock that needs deleting by hand.

Records live at ``<key>.<generation>`` (zero-padded). The holder is the writer of the
highest generation, provided that record is not stale. To acquire, a writer creates
the next generation with ``set_if_absent`` (atomic on providers with
``supports_conditional_put``), reads it back, and checks that no higher generation
appeared; only one writer can create a given generation, so two writers can never both
win. Release marks the record released (it is not deleted: deleting would let a writer
that judged the old lease stale race one that saw no lease at all). The holder deletes
older generations, so at most one or two small records remain.

On providers without an atomic conditional put the lock is *soft*: a short delay before
the read-back makes a double grant unlikely but not impossible.

Within one process, locks taken with the default owner are re-entrant: opening the same
dataset for writing twice shares one lease (reference counted). Every lease still held
is released at interpreter exit.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import socket
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from deeplake_core.exceptions import LockedException
from deeplake_core.storage.base import StorageProvider, redact_url
from deeplake_core.storage.keys import check_key

DEFAULT_LOCK_KEY = "dataset_lock"
DEFAULT_LEASE_SECONDS = 60.0
#: Delay before reading back a lease on providers without atomic conditional put.
SOFT_LOCK_SETTLE_SECONDS = 0.05

_OWNER: tuple[int, str] | None = None
_HELD: dict[tuple[str, str, str], _Lease] = {}
_HELD_LOCK = threading.Lock()
_LIVE: set[_Lease] = set()  # every lease held by this process, for release at exit


def process_owner() -> str:
    """This process's default owner id (a new one after ``fork``)."""
    global _OWNER
    pid = os.getpid()
    if _OWNER is None or _OWNER[0] != pid:
        _OWNER = (pid, f"{socket.gethostname()}:{pid}:{uuid.uuid4().hex[:12]}")
    return _OWNER[1]


def _pid_alive(pid: int) -> bool:
    if sys.platform == "win32":  # os.kill would terminate the process there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds")


def _gen_key(key: str, gen: int) -> str:
    return f"{key}.{gen:012d}"


def _generations(storage: StorageProvider, key: str) -> list[int]:
    head = key + "."
    gens = []
    for name in storage.list_prefix(head):
        suffix = name[len(head) :]
        if suffix.isdigit():
            gens.append(int(suffix))
    return sorted(gens)


def _read(storage: StorageProvider, key: str, gen: int) -> dict[str, Any] | None:
    try:
        record = json.loads(storage.get(_gen_key(key, gen)))
    except KeyError:
        return None
    except ValueError:  # unreadable record: treat as a lease that expired long ago
        return {"owner": "?", "host": "?", "pid": 0, "acquired": 0.0, "expires": 0.0}
    return record if isinstance(record, dict) else None


def is_stale(record: dict[str, Any], now: float | None = None) -> bool:
    """Whether a lease record may be taken over."""
    if record.get("released"):
        return True
    if (now or time.time()) > float(record.get("expires", 0)):
        return True
    return record.get("host") == socket.gethostname() and not _pid_alive(int(record.get("pid", 0)))


def current_holder(storage: StorageProvider, key: str = DEFAULT_LOCK_KEY) -> dict | None:
    """The live lease record of ``key`` (``None`` if the lock is free)."""
    from deeplake_core.storage import get_base_storage

    storage = get_base_storage(storage)
    key = check_key(key)
    gens = _generations(storage, key)
    if not gens:
        return None
    record = _read(storage, key, gens[-1])
    return None if record is None or is_stale(record) else record


def force_release(storage: StorageProvider, key: str = DEFAULT_LOCK_KEY) -> None:
    """Break the lock whoever holds it (for a writer known to be gone). A still-running
    holder notices at its next renewal and stops writing."""
    from deeplake_core.storage import get_base_storage

    storage = get_base_storage(storage)
    key = check_key(key)
    gens = _generations(storage, key)
    gen = (gens[-1] + 1) if gens else 0
    record = {"owner": "force_release", "host": socket.gethostname(), "pid": os.getpid()}
    now = time.time()
    record.update(acquired=now, expires=now, released=True)
    storage.set_if_absent(_gen_key(key, gen), json.dumps(record).encode())


class _Lease:
    """One held generation and its renewal thread (shared by re-entrant holders)."""

    def __init__(self, storage: StorageProvider, key: str, gen: int, record: dict, lease: float):
        self.storage, self.key, self.gen, self.record, self.lease = (
            storage,
            key,
            gen,
            record,
            lease,
        )
        self.count = 1
        self.lost = False
        self.pid = os.getpid()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._renew_loop, name=f"deeplake-core-lock:{key}", daemon=True
        )
        self._thread.start()
        with _HELD_LOCK:
            _LIVE.add(self)

    def _renew_loop(self) -> None:
        interval = max(self.lease / 3.0, 0.01)
        while not self._stop.wait(interval):
            try:
                self.renew()
            except Exception:  # transient storage error: retry; lease may lapse
                if time.time() > self.record["expires"]:
                    self.lost = True
            if self.lost:
                return

    def renew(self) -> None:
        gens = _generations(self.storage, self.key)
        if gens and gens[-1] > self.gen:
            self.lost = True
            return
        now = time.time()
        self.record = {**self.record, "renewed": now, "expires": now + self.lease}
        self.storage.set(_gen_key(self.key, self.gen), json.dumps(self.record).encode())

    def release(self) -> None:
        with _HELD_LOCK:
            _LIVE.discard(self)
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        if self.lost or os.getpid() != self.pid:
            return
        record = {**self.record, "released": True, "expires": time.time()}
        with contextlib.suppress(Exception):  # storage gone: the lease lapses on its own
            self.storage.set(_gen_key(self.key, self.gen), json.dumps(record).encode())


class WriterLock:
    """Exclusive write access to ``key`` on ``storage`` (cache layers are bypassed).

    ``timeout``: 0 fails at once if another writer holds the lock, ``None`` waits
    forever, a number of seconds retries until then; then ``LockedException``.
    ``lease_seconds``: how long a lease lasts without renewal (it is renewed every
    third of that while held). ``owner``: an explicit owner id; locks with the default
    owner are re-entrant within the process.
    """

    def __init__(
        self,
        storage: StorageProvider,
        key: str = DEFAULT_LOCK_KEY,
        timeout: float | None = 0,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        owner: str | None = None,
        poll_interval: float = 0.2,
    ):
        from deeplake_core.storage import get_base_storage

        self.storage = get_base_storage(storage)
        self.key = check_key(key)
        self.timeout = timeout
        self.lease_seconds = float(lease_seconds)
        self.owner = owner or process_owner()
        self._default_owner = owner is None
        self.poll_interval = poll_interval
        self._lease: _Lease | None = None

    @property
    def held(self) -> bool:
        return self._lease is not None and not self._lease.lost

    @property
    def lost(self) -> bool:
        """True if the lease was taken over while held (e.g. this process stalled)."""
        return self._lease is not None and self._lease.lost

    def _ident(self) -> tuple[str, str, str]:
        return (type(self.storage).__name__, self.storage.root, self.key)

    # -- acquisition ------------------------------------------------------------------
    def acquire(self) -> WriterLock:
        """Take the lock (see ``timeout``); return ``self``."""
        if self._lease is not None:
            return self
        if self._default_owner:
            with _HELD_LOCK:
                lease = _HELD.get(self._ident())
                if lease is not None and lease.pid == os.getpid() and not lease.lost:
                    lease.count += 1
                    self._lease = lease
                    return self
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        while True:
            holder = self._try_acquire()
            if holder is None:
                return self
            if deadline is not None and time.monotonic() >= deadline:
                raise LockedException(self._locked_message(holder))
            wait = self.poll_interval * (0.5 + uuid.uuid4().int % 1000 / 1000)
            if deadline is not None:
                wait = min(wait, max(deadline - time.monotonic(), 0))
            time.sleep(wait)

    def _try_acquire(self) -> dict[str, Any] | None:
        """One attempt; ``None`` on success, else the live holder's record."""
        storage, key = self.storage, self.key
        for _ in range(20):  # generations advance only on takeovers: few rounds
            gens = _generations(storage, key)
            gen = gens[-1] if gens else -1
            if gen >= 0:
                record = _read(storage, key, gen)
                if record is None:
                    continue  # removed while we looked
                if not is_stale(record) and record.get("owner") != self.owner:
                    return record
            new = gen + 1
            now = time.time()
            record = {
                "owner": self.owner,
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "token": uuid.uuid4().hex,
                "acquired": now,
                "renewed": now,
                "expires": now + self.lease_seconds,
            }
            if not storage.set_if_absent(_gen_key(key, new), json.dumps(record).encode()):
                continue
            if self._confirm(new, record):
                self._won(new, record, gens)
                return None
        return _read(storage, key, (_generations(storage, key) or [0])[-1]) or {}

    def _confirm(self, gen: int, record: dict[str, Any]) -> bool:
        storage, key = self.storage, self.key
        if not storage.supports_conditional_put:
            time.sleep(SOFT_LOCK_SETTLE_SECONDS)
        back = _read(storage, key, gen)
        if back is None or back.get("token") != record["token"]:
            return False
        gens = _generations(storage, key)
        if gens and gens[-1] > gen:
            # A later generation exists: we created ours too late. Step aside.
            with contextlib.suppress(KeyError):
                storage.delete(_gen_key(key, gen))
            return False
        return True

    def _won(self, gen: int, record: dict[str, Any], older: list[int]) -> None:
        for old in older:
            if old < gen:
                with contextlib.suppress(KeyError):
                    self.storage.delete(_gen_key(self.key, old))
        self._lease = _Lease(self.storage, self.key, gen, record, self.lease_seconds)
        if self._default_owner:
            with _HELD_LOCK:
                _HELD[self._ident()] = self._lease

    def _locked_message(self, holder: dict[str, Any]) -> str:
        where = redact_url(self.storage.root)
        if not holder:
            return f"{where!r} ({self.key}) is locked for writing by another writer"
        return (
            f"{where!r} ({self.key}) is locked for writing by host "
            f"{holder.get('host')!r}, pid {holder.get('pid')}, since "
            f"{_iso(float(holder.get('acquired', 0)))} (lease renewed while that writer "
            f"runs; it lapses at {_iso(float(holder.get('expires', 0)))} otherwise). "
            "Open the dataset with read_only=True to read it, pass lock_timeout=<seconds> "
            "(or None) to wait for the writer, or, if that writer is gone for good, call "
            "deeplake_core.storage.lock.force_release(storage)."
        )

    # -- state ------------------------------------------------------------------------
    def check(self, refresh: bool = True) -> None:
        """Raise ``LockedException`` unless this writer still holds the lock; with
        ``refresh`` the storage is consulted (call it before a commit point)."""
        if refresh and self._lease is not None and not self._lease.lost:
            gens = _generations(self.storage, self.key)
            if gens and gens[-1] > self._lease.gen:
                self._lease.lost = True
        if self._lease is None or self._lease.lost:
            raise LockedException(
                f"this writer no longer holds the lock on {redact_url(self.storage.root)!r} "
                f"({self.key}); another writer took it over. Reopen the dataset to continue."
            )

    def release(self) -> None:
        """Give the lock up (idempotent)."""
        lease, self._lease = self._lease, None
        if lease is None:
            return
        with _HELD_LOCK:
            lease.count -= 1
            if lease.count > 0:
                return
            if _HELD.get(self._ident()) is lease:
                del _HELD[self._ident()]
        lease.release()

    close = release

    def __enter__(self) -> WriterLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __repr__(self) -> str:
        state = "held" if self.held else "lost" if self.lost else "free"
        return f"WriterLock({redact_url(self.storage.root)!r}, {self.key!r}, {state})"


def _release_all_at_exit() -> None:
    with _HELD_LOCK:
        leases = [lease for lease in _LIVE if lease.pid == os.getpid()]
        _HELD.clear()
    for lease in leases:
        lease.release()


atexit.register(_release_all_at_exit)
