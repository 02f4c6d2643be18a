"""Version control: cost of a commit and of a checkout on a large dataset.

Dataset: N rows x float32[128] (1,000,000 rows = 512 MB; ``DEEPLAKE_BENCH_QUICK=1``:
20,000 rows) on local disk. Measured:

* change one sample, then commit: wall time and bytes written to storage (counted by
  wrapping the local provider's writes);
* check out the first commit and read one sample: wall time;
* both again after H more commits of history (H = 100; quick: 10).

Targets (issue 5): < 50 ms and < 1 MB per commit, < 50 ms checkout + read, flat in the
dataset size and the history length. Reference printed beside: the dataset's size and
6 durable (fsynced) 4 KiB writes straight to the local provider: the floor of a commit.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time

import numpy as np

QUICK = os.environ.get("DEEPLAKE_BENCH_QUICK") == "1"
ROWS = 20_000 if QUICK else 1_000_000
HISTORY = 10 if QUICK else 100
DIM = 128


class Counter:
    """Counts bytes and calls of every write reaching the local provider."""

    def __init__(self) -> None:
        from deeplake_core.storage import local

        self.cls = local.LocalProvider
        self.bytes = 0
        self.calls = 0
        self.depth = 0
        self._orig = {n: getattr(self.cls, n) for n in ("set", "set_parts", "set_if_absent")}
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

        for name in self._orig:
            setattr(self.cls, name, wrap(name))

    def reset(self) -> None:
        self.bytes = self.calls = 0

    def close(self) -> None:
        for name, fn in self._orig.items():
            setattr(self.cls, name, fn)


def _dir_size(path: str) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
    return total


def measure_commit(ds, counter: Counter, row: int) -> tuple[float, int, int]:
    value = np.full(DIM, row % 1000, np.float32)
    counter.reset()
    t = time.perf_counter()
    ds.x[row] = value
    ds.commit(f"change row {row}")
    dt = time.perf_counter() - t
    return dt, counter.bytes, counter.calls


def measure_checkout(ds, first: str, branch: str) -> float:
    t = time.perf_counter()
    ds.checkout(first)
    ds.x[12345 % ROWS].numpy()
    dt = time.perf_counter() - t
    ds.checkout(branch)
    return dt


def main() -> None:
    import deeplake_core as deeplake

    tmp = tempfile.mkdtemp(prefix="bench-vc-")
    path = os.path.join(tmp, "ds")
    counter = None
    try:
        ds = deeplake.empty(path)
        ds.create_tensor("x", dtype="float32")
        t = time.perf_counter()
        batch = 100_000
        with ds:
            for start in range(0, ROWS, batch):
                n = min(batch, ROWS - start)
                ds.x.extend(np.random.default_rng(start).random((n, DIM), np.float32))
        first = ds.commit("initial data")
        ingest = time.perf_counter() - t
        size = _dir_size(path)
        print(
            f"dataset: {ROWS:,} rows x float32[{DIM}], {size / 2**20:.1f} MiB on disk "
            f"(ingest + first commit {ingest:.2f} s)"
        )
        # reference: the same number of durable (fsynced, atomic) small writes a
        # change + commit makes, straight to the local provider
        from deeplake_core.storage.local import LocalProvider

        raw = LocalProvider(os.path.join(tmp, "raw"))
        t = time.perf_counter()
        for i in range(6):
            raw.set(f"k{i}", b"x" * 4096)
        ref_ms = (time.perf_counter() - t) * 1e3
        counter = Counter()
        rows = np.random.default_rng(0).integers(0, ROWS, HISTORY + 5)
        c_times, c_bytes, c_calls = [], [], []
        for i in range(3):
            dt, nb, nc = measure_commit(ds, counter, int(rows[i]))
            c_times.append(dt)
            c_bytes.append(nb)
            c_calls.append(nc)
        co = [measure_checkout(ds, first, "main") for _ in range(3)]
        print(
            f"change 1 sample + commit (history 1-3): median {statistics.median(c_times) * 1e3:.1f} ms, "
            f"{max(c_bytes) / 1024:.1f} KiB in {max(c_calls)} durable writes  "
            f"[6 durable 4 KiB writes straight to disk: {ref_ms:.1f} ms]"
        )
        print(f"checkout first commit + read 1 sample: median {statistics.median(co) * 1e3:.1f} ms")
        for i in range(3, HISTORY):
            measure_commit(ds, counter, int(rows[i]))
        c_times, c_bytes = [], []
        for i in range(HISTORY, HISTORY + 5):
            dt, nb, _ = measure_commit(ds, counter, int(rows[i]))
            c_times.append(dt)
            c_bytes.append(nb)
        co = [measure_checkout(ds, first, "main") for _ in range(3)]
        print(
            f"with {len(ds.commits)} commits of history: change + commit median "
            f"{statistics.median(c_times) * 1e3:.1f} ms, {max(c_bytes) / 1024:.1f} KiB written; "
            f"checkout first + read {statistics.median(co) * 1e3:.1f} ms"
        )
        print(
            f"dataset size after history: {_dir_size(path) / 2**20:.1f} MiB "
            "(targets: < 50 ms and < 1 MB per commit, < 50 ms checkout + read)"
        )
        ds.close()
    finally:
        if counter is not None:
            counter.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
