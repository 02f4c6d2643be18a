"""Several writers on one dataset: other handles' and processes' branch moves are seen
at once (nothing served stale from a cache), writers on different branches do not
corrupt each other, and garbage collection is safe while a writer runs."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core.core.vc import gc
from deeplake_core.core.vc.tags import open_version


def _vals(t) -> list:
    return t.numpy().reshape(-1).tolist()


@pytest.fixture
def path(tmp_path):
    p = str(tmp_path / "ds")
    ds = deeplake.empty(p)
    ds.create_tensor("x", dtype="int64")
    ds.x.extend(np.arange(3))
    ds.commit("base")
    ds.checkout("b", create=True)
    ds.x.append(5)
    ds.commit("b1")
    ds.checkout("main")
    ds.close()
    return p


# ------------------------------------------------------------------ two handles


def test_second_handle_branch_moves_are_seen(path):
    """Regression: handle A had branch b's head cached; B committed on b; A's merge
    must merge B's commit (it used to merge nothing)."""
    a = deeplake.load(path)
    a.merge("b")
    assert _vals(a.x) == [0, 1, 2, 5]
    b = deeplake.load(f"{path}@b")
    b.x.append(10)
    b_commit = b.commit("b2")
    b.checkout("c", create=True)  # a branch A never saw
    a.merge("b")
    assert _vals(a.x) == [0, 1, 2, 5, 10]
    assert a.get_commit_details(b_commit)["message"] == "b2"
    assert "c" in a.branches
    b.tag("t1", b_commit)
    assert a.tags["t1"].version == b_commit
    a.checkout("b")  # checkout resolves b's current head too
    assert _vals(a.x) == [0, 1, 2, 5, 10]
    a.close()
    b.close()


def test_cached_manifest_of_a_head_is_not_stale(path):
    """A reader that read branch b's head manifest sees later flushes and commits
    of another handle when it resolves b again."""
    reader = deeplake.load(f"{path}@b", read_only=True)
    assert _vals(reader.x) == [0, 1, 2, 5]
    writer = deeplake.load(f"{path}@b")
    writer.x.append(6)
    cid = writer.commit("b2")
    assert _vals(open_version(reader._state, cid).x) == [0, 1, 2, 5, 6]
    reader.checkout("main")
    reader.checkout("b")
    assert _vals(reader.x) == [0, 1, 2, 5, 6]
    writer.close()
    reader.close()


# ------------------------------------------------------------------ processes

WRITER = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import deeplake_core as deeplake

    path, branch, n, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rng = np.random.default_rng(seed)
    ds = deeplake.load(f"{path}@{branch}", lock_timeout=30)
    rows = ds.x.numpy().reshape(-1).tolist()
    for i in range(n):
        v = int(rng.integers(0, 10**6))
        ds.x.append(v)
        rows.append(v)
        j = int(rng.integers(0, len(rows)))
        ds.x[j] = -v
        rows[j] = -v
        cid = ds.commit(f"{branch} {i}")
        print(json.dumps([cid, rows]), flush=True)
    ds.close()
    """
)


def _spawn(path: str, branch: str, n: int, seed: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, path, branch, str(n), str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _results(proc: subprocess.Popen) -> list[tuple[str, list[int]]]:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return [tuple(json.loads(line)) for line in out.splitlines() if line.startswith("[")]


def test_writers_on_different_branches_in_two_processes(path):
    """Two processes commit on two branches at once; then this process (on main)
    reads every commit of both and merges both branches."""
    ds = deeplake.load(path)
    ds.checkout("c", create=True)  # c starts from main's commit
    ds.checkout("main")
    ds.close()
    ds = deeplake.load(path)
    ds.merge("b")  # this handle has now read b's head (it must not be served stale)
    procs = [_spawn(path, "b", 12, 1), _spawn(path, "c", 12, 2)]
    mine = []
    for i in range(6):  # main writes meanwhile
        ds.x.append(1000 + i)
        mine.append(ds.commit(f"main {i}"))
    results = {b: _results(p) for b, p in zip("bc", procs, strict=True)}
    for commits in results.values():
        assert len(commits) == 12
        for cid, rows in commits:
            assert _vals(open_version(ds._state, cid).x) == rows
    assert len({c for cs in results.values() for c, _ in cs} | set(mine)) == 24 + 6
    ds.merge("b", conflict_resolution="theirs")
    ds.merge("c", conflict_resolution="theirs")
    assert len(ds.x) == 3 + 6 + 1 + 12 + 12
    ds.check_integrity()
    ds.close()


def test_gc_while_a_writer_runs(path):
    """Collections (short grace period) run while another process commits on b:
    every commit it made and its head read back, and the dataset is intact."""
    proc = _spawn(path, "b", 25, 3)
    ds = deeplake.load(path)
    deleted = 0
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        deleted += len(gc.collect(path, grace_seconds=1.0).deleted)
        time.sleep(0.05)
    commits = _results(proc)
    for _ in range(2):  # collect what the writer left behind, then check it all
        time.sleep(1.1)
        deleted += len(gc.collect(path, grace_seconds=1.0).deleted)
    for cid, rows in commits:
        assert _vals(open_version(ds._state, cid).x) == rows
    ds.checkout("b")
    assert _vals(ds.x) == commits[-1][1]
    ds.check_integrity()
    ds.close()
    assert deleted > 0  # the writer's flushes left superseded index files to collect


def test_write_through_keeps_order_and_caches_nothing():
    from deeplake_core.storage.cache import LRUCache
    from deeplake_core.storage.memory import MemoryProvider

    base = MemoryProvider("mem://wt-base")
    middle = LRUCache(MemoryProvider("mem://wt-mid"), base, 1 << 20)
    top = LRUCache(MemoryProvider("mem://wt-top"), middle, 1 << 20)
    top["data"] = b"1"  # dirty in the top layer
    order = []
    orig = base.set

    def spy(key, value):
        order.append(key)
        orig(key, value)

    base.set = spy
    top.write_through("ref", b"a")
    assert order == ["data", "ref"]  # data written before the ref reaches storage first
    assert "ref" not in top.lru and "ref" not in middle.lru
    orig("ref", b"b")  # another writer moves the ref
    assert top["ref"] == b"b"
