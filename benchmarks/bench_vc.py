"""Version control: cost of a commit and of a checkout, flat in dataset size and history.

Datasets of N rows x float32[128] on local disk (4 + 512 bytes a row: 1,000,000 rows
= 0.5 GB). Sizes: 1M and 10M rows (``DEEPLAKE_BENCH_VC_ROWS=1000000,5000000`` picks
others; ``DEEPLAKE_BENCH_QUICK=1``: 20,000 and 200,000). For each size:

* change one sample, then commit (no ``with`` block: the change is published at
  once, the commit is the durability point): wall time, bytes and calls reaching the
  local provider (counted by wrapping its writes), fsync calls;
* check out the first commit and read one sample: wall time;
* both again once the dataset has 100 commits of history (quick: 10).

Targets (issue 5): < 50 ms and < 1 MB per commit, < 50 ms checkout + read, flat in
size and history. Printed beside: the latency of one durable (fsynced) 4 KiB write
measured in the same run. A commit needs three in sequence (everything written so
far, then the branch ref, then the ref's directory entry), so on a loaded disk the
floor of a commit is about three times that figure.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time

import numpy as np

QUICK = os.environ.get("DEEPLAKE_BENCH_QUICK") == "1"
DIM = 128
HISTORY = 10 if QUICK else 100
REPEAT = 7


def _sizes() -> list[int]:
    env = os.environ.get("DEEPLAKE_BENCH_VC_ROWS")
    if env:
        return [int(x) for x in env.split(",") if x.strip()]
    return [20_000, 200_000] if QUICK else [1_000_000, 10_000_000]


class Counter:
    """Counts bytes and calls of every write reaching the local provider, and fsyncs."""

    def __init__(self) -> None:
        from deeplake_core.storage import local

        self.cls = local.LocalProvider
        self.os = local.os
        self.bytes = self.calls = self.fsyncs = 0
        self.depth = 0
        self._orig = {n: getattr(self.cls, n) for n in ("set", "set_parts", "set_if_absent")}
        self._fsync = self.os.fsync
        counter = self

        def wrap(name: str):
            orig = self._orig[name]

            def counted(self, key, value, *a, **kw):
                counter.depth += 1
                try:
                    if counter.depth == 1:  # set() delegates to set_parts(): count once
                        if name == "set_parts":
                            counter.bytes += sum(len(memoryview(p).cast("B")) for p in value)
                        else:
                            counter.bytes += len(memoryview(value).cast("B"))
                        counter.calls += 1
                    return orig(self, key, value, *a, **kw)
                finally:
                    counter.depth -= 1

            return counted

        def fsync(fd: int) -> None:
            counter.fsyncs += 1
            counter._fsync(fd)

        for name in self._orig:
            setattr(self.cls, name, wrap(name))
        self.os.fsync = fsync

    def reset(self) -> None:
        self.bytes = self.calls = self.fsyncs = 0

    def close(self) -> None:
        for name, fn in self._orig.items():
            setattr(self.cls, name, fn)
        self.os.fsync = self._fsync


def _dir_size(path: str) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
    return total


def fsync_latency(tmp: str) -> float:
    """Median seconds of one durable 4 KiB write (file and directory fsynced)."""
    from deeplake_core.storage.local import LocalProvider

    raw = LocalProvider(os.path.join(tmp, "raw"), durability="always")
    times = []
    for i in range(REPEAT):
        t = time.perf_counter()
        raw.set(f"k{i % 2}", os.urandom(4096))
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def measure_commit(ds, counter: Counter, row: int) -> tuple[float, int, int, int]:
    value = np.full(DIM, row % 1000, np.float32)
    counter.reset()
    t = time.perf_counter()
    ds.x[row] = value
    ds.commit(f"change row {row}")
    dt = time.perf_counter() - t
    return dt, counter.bytes, counter.calls, counter.fsyncs


def measure_checkout(ds, first: str, rows: int) -> float:
    t = time.perf_counter()
    ds.checkout(first)
    ds.x[12345 % rows].numpy()
    dt = time.perf_counter() - t
    ds.checkout("main")
    return dt


def _ms(xs: list[float]) -> str:
    xs = sorted(xs)
    return f"median {statistics.median(xs) * 1e3:.1f} ms (max {xs[-1] * 1e3:.1f})"


def _commits(ds, counter: Counter, rows_to_change: list[int]) -> str:
    got = [measure_commit(ds, counter, r) for r in rows_to_change]
    t = [g[0] for g in got]
    kib = max(g[1] for g in got) / 1024
    calls = max(g[2] for g in got)
    fsyncs = max(g[3] for g in got)
    return f"{_ms(t)}, {kib:.1f} KiB in {calls} writes, {fsyncs} fsyncs"


def bench_size(tmp: str, rows: int, counter_box: list) -> None:
    import deeplake_core as deeplake

    path = os.path.join(tmp, f"ds-{rows}")
    ds = deeplake.empty(path)
    ds.create_tensor("x", dtype="float32")
    t = time.perf_counter()
    batch = 100_000
    rng = np.random.default_rng(0)
    with ds:
        for start in range(0, rows, batch):
            n = min(batch, rows - start)
            ds.x.extend(rng.random((n, DIM), np.float32))
    first = ds.commit("initial data")
    ingest = time.perf_counter() - t
    label = f"{rows:>10,} rows ({_dir_size(path) / 2**30:.2f} GiB, ingest {ingest:.0f} s)"
    counter = counter_box[0] = Counter()
    picks = [int(r) for r in rng.integers(0, rows, HISTORY + 2 * REPEAT)]
    commit_1 = _commits(ds, counter, picks[:REPEAT])
    checkout_1 = _ms([measure_checkout(ds, first, rows) for _ in range(REPEAT)])
    for r in picks[REPEAT:HISTORY]:
        measure_commit(ds, counter, r)
    history = len(ds.commits)
    commit_h = _commits(ds, counter, picks[HISTORY : HISTORY + REPEAT])
    checkout_h = _ms([measure_checkout(ds, first, rows) for _ in range(REPEAT)])
    print(f"{label}  history {REPEAT + 1:>3}: change 1 sample + commit {commit_1}")
    print(f"{'':>{len(label)}}  {'':>11}  checkout first commit + read 1 sample {checkout_1}")
    print(f"{'':>{len(label)}}  history {history:>3}: change 1 sample + commit {commit_h}")
    print(f"{'':>{len(label)}}  {'':>11}  checkout first commit + read 1 sample {checkout_h}")
    counter.close()
    counter_box[0] = None
    ds.close()
    shutil.rmtree(path, ignore_errors=True)


def main() -> None:
    tmp = tempfile.mkdtemp(prefix="bench-vc-")
    box: list = [None]
    try:
        lat = fsync_latency(tmp)
        print(
            f"reference: one durable 4 KiB write (file + directory fsync) {lat * 1e3:.1f} ms "
            f"now; a commit needs 3 in sequence (floor ~{3 * lat * 1e3:.0f} ms)"
        )
        print("targets: change + commit < 50 ms and < 1 MB; checkout + read < 50 ms")
        for rows in _sizes():
            bench_size(tmp, rows, box)
        print(f"reference after the runs: durable 4 KiB write {fsync_latency(tmp) * 1e3:.1f} ms")
    finally:
        if box[0] is not None:
            box[0].close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
