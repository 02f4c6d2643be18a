"""WriterLock: exclusion, stale takeover, timeouts, re-entrance, many processes."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import subprocess
import sys
import threading
import time

import pytest

from deeplake_core.exceptions import LockedException
from deeplake_core.storage.cache import LRUCache
from deeplake_core.storage.local import LocalProvider
from deeplake_core.storage.lock import WriterLock, current_holder, force_release
from deeplake_core.storage.memory import MemoryProvider


def test_exclusive_and_message(tmp_path) -> None:
    s = LocalProvider(tmp_path)
    with WriterLock(s, owner="A"):
        with pytest.raises(LockedException) as info:
            WriterLock(s, owner="B").acquire()
        msg = str(info.value)
        assert str(os.getpid()) in msg and "read_only=True" in msg and "force_release" in msg
        assert current_holder(s)["owner"] == "A"
    assert current_holder(s) is None
    WriterLock(s, owner="B").acquire().release()


def test_locks_bypass_cache_layers() -> None:
    base = MemoryProvider()
    cache = LRUCache(MemoryProvider(), base, 1000)
    with WriterLock(cache, owner="A") as lock:
        assert lock.storage is base
        assert any(k.startswith("dataset_lock.") for k in base)


def test_timeout_waits_for_release(tmp_path) -> None:
    s = LocalProvider(tmp_path)
    a = WriterLock(s, owner="A").acquire()
    threading.Timer(0.3, a.release).start()
    t0 = time.monotonic()
    b = WriterLock(s, owner="B", timeout=5, poll_interval=0.05).acquire()
    assert 0.2 < time.monotonic() - t0 < 3
    b.release()


def test_timeout_expires(tmp_path) -> None:
    s = LocalProvider(tmp_path)
    with WriterLock(s, owner="A"):
        t0 = time.monotonic()
        with pytest.raises(LockedException):
            WriterLock(s, owner="B", timeout=0.4, poll_interval=0.05).acquire()
        assert 0.35 < time.monotonic() - t0 < 2


def test_wait_forever(tmp_path) -> None:
    s = LocalProvider(tmp_path)
    a = WriterLock(s, owner="A").acquire()
    threading.Timer(0.3, a.release).start()
    WriterLock(s, owner="B", timeout=None, poll_interval=0.05).acquire().release()


def test_lease_renewed_while_held_and_expires_when_not(tmp_path) -> None:
    s = LocalProvider(tmp_path)
    a = WriterLock(s, owner="A", lease_seconds=0.3).acquire()
    time.sleep(0.8)  # renewed by the daemon thread
    with pytest.raises(LockedException):
        WriterLock(s, owner="B").acquire()
    a._lease._stop.set()  # simulate a frozen holder: no more renewals
    time.sleep(0.5)
    b = WriterLock(s, owner="B").acquire()  # expired lease taken over
    with pytest.raises(LockedException, match="no longer holds"):
        a.check()
    assert a.lost and b.held
    b.release()


def test_dead_pid_on_same_host_is_stale(tmp_path) -> None:
    s = LocalProvider(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(proc.stdout)
    import socket

    record = {
        "owner": "ghost",
        "host": socket.gethostname(),
        "pid": dead_pid,
        "acquired": time.time(),
        "expires": time.time() + 3600,
    }
    s["dataset_lock.000000000000"] = json.dumps(record).encode()
    lock = WriterLock(s, owner="me").acquire()
    assert current_holder(s)["owner"] == "me"
    assert list(s.list_prefix("dataset_lock.")) == ["dataset_lock.000000000001"]
    lock.release()


def test_reentrant_within_process(tmp_path) -> None:
    s = LocalProvider(tmp_path)
    a = WriterLock(s).acquire()
    b = WriterLock(LocalProvider(tmp_path)).acquire()  # same dataset opened twice
    a.release()
    assert current_holder(s) is not None
    b.release()
    assert current_holder(s) is None


def test_force_release(tmp_path) -> None:
    s = LocalProvider(tmp_path)
    a = WriterLock(s, owner="A").acquire()
    force_release(s)
    with WriterLock(s, owner="B"), pytest.raises(LockedException):
        a.check()
    a.release()


def test_per_branch_keys_are_independent(tmp_path) -> None:
    s = LocalProvider(tmp_path)
    with (
        WriterLock(s, "locks/main", owner="A"),
        WriterLock(s, "locks/dev", owner="B"),
        pytest.raises(LockedException),
    ):
        WriterLock(s, "locks/main", owner="C").acquire()


def _contend(root: str, barrier, out, hold: float) -> None:
    barrier.wait()
    try:
        lock = WriterLock(LocalProvider(root), owner=f"p{os.getpid()}").acquire()
    except LockedException:
        out.put(("locked", os.getpid()))
        return
    out.put(("won", os.getpid()))
    time.sleep(hold)
    lock.release()


def test_concurrent_processes_one_winner(tmp_path) -> None:
    ctx = mp.get_context("spawn")
    for _ in range(3):
        root = str(tmp_path / f"r{_}")
        barrier, out = ctx.Barrier(5), ctx.Queue()
        procs = [ctx.Process(target=_contend, args=(root, barrier, out, 1.0)) for _ in range(5)]
        for p in procs:
            p.start()
        results = [out.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(30)
        assert sum(1 for r, _ in results if r == "won") == 1


def _serial_worker(root: str, log: str, rounds: int) -> None:
    for _ in range(rounds):
        lock = WriterLock(
            LocalProvider(root), owner=f"p{os.getpid()}", timeout=30, poll_interval=0.01
        )
        lock.acquire()
        with open(log, "a") as f:
            f.write(f"enter {os.getpid()}\n")
            f.flush()
            time.sleep(0.01)
            f.write(f"exit {os.getpid()}\n")
        lock.release()


def test_mutual_exclusion_under_contention(tmp_path) -> None:
    ctx = mp.get_context("spawn")
    log = str(tmp_path / "log")
    procs = [
        ctx.Process(target=_serial_worker, args=(str(tmp_path / "r"), log, 5)) for _ in range(4)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    with open(log) as f:
        lines = f.read().split()
    events = list(zip(lines[::2], lines[1::2], strict=True))
    assert len(events) == 40
    for i in range(0, 40, 2):  # every enter is immediately followed by the same pid's exit
        assert events[i][0] == "enter" and events[i + 1] == ("exit", events[i][1])


def test_released_at_interpreter_exit(tmp_path) -> None:
    code = (
        "from deeplake_core.storage.local import LocalProvider;"
        "from deeplake_core.storage.lock import WriterLock;"
        f"WriterLock(LocalProvider({str(tmp_path)!r}), owner='child').acquire()"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert current_holder(LocalProvider(tmp_path)) is None
    record = json.loads(LocalProvider(tmp_path)["dataset_lock.000000000000"])
    assert record["released"] is True
