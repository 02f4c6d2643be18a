"""Ingest and scan float32[128] embeddings + int32 labels through the dataset API.

Every figure is printed beside a plain numpy reference measured in the same run, on
the same disk, with runs of the two sides alternating so both see the same machine
load:

* ingest: ``deeplake.empty`` + two ``create_tensor`` + batched ``extend`` inside
  ``with ds:`` + ``ds.flush()``, against ``np.save`` of the same two arrays into new
  files. Measured twice: with ``durability="never"`` (no fsync) against a plain
  ``np.save``, and with the default ``durability="flush"`` (fsync at ``ds.flush()``)
  against ``np.save`` + ``fsync``.
* scan: a fresh ``deeplake.load`` + ``ds.embedding.numpy()`` + ``ds.label.numpy()``,
  against ``np.load`` of both files. Both sides fill newly allocated output memory
  (the previous outputs are released first), which on small VMs is what bounds a
  scan from a warm page cache.
* random reads: median of single-row ``ds.embedding[i].numpy()`` against a row read
  from ``np.load(mmap_mode="r")`` (copied out, as the dataset returns a copy).

Each ratio is the reference's median time over the dataset's; ``paired`` is the
median of the per-pair ratios (each dataset run against the reference run next to
it), which a drift of the machine's speed during the run moves less.

Usage::

    .venv/bin/python benchmarks/bench_embeddings.py [--rows 1000000] [--batch 50000]
        [--repeat 7] [--dir /tmp] [--random-reads 1000] [--chunk-mb 8]

``DEEPLAKE_BENCH_QUICK=1`` shrinks the sizes to a smoke run of a few seconds.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable

import numpy as np

import deeplake_core as deeplake
from deeplake_core.core.engine import DEFAULT_MAX_CHUNK_SIZE

QUICK = os.environ.get("DEEPLAKE_BENCH_QUICK") == "1"


def _np_save(path: str, arr: np.ndarray, fsync: bool) -> None:
    with open(path, "wb") as f:
        np.save(f, arr)
        if fsync:
            f.flush()
            os.fsync(f.fileno())
    if fsync:
        fd = os.open(os.path.dirname(path), os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _paired(fn: Callable[[], None], ref: Callable[[], None], repeat: int) -> tuple[list, list]:
    """Times of ``fn`` and ``ref``, run alternately ``repeat`` times each (which one
    goes first alternates too, so neither always inherits the other's after-effects).
    One unmeasured run of each comes first: the previous phase freed and allocated
    other memory, and the first touch of memory the VM has not backed yet is slow."""
    fn()
    ref()
    tf: list[float] = []
    tr: list[float] = []
    cpu: list[list[float]] = [[], []]
    for k in range(repeat):
        order = [(0, fn, tf), (1, ref, tr)]
        for i, f, acc in order if k % 2 == 0 else order[::-1]:
            gc.collect()
            c = time.process_time()
            t = time.perf_counter()
            f()
            acc.append(time.perf_counter() - t)
            cpu[i].append(time.process_time() - c)
    CPU[:] = [statistics.median(c) for c in cpu]
    return tf, tr


#: Median CPU seconds (all threads) per run of the last pair measured by :func:`_paired`.
CPU = [0.0, 0.0]


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        rng = np.random.default_rng(1234)
        self.emb = rng.standard_normal((args.rows, args.dim), dtype=np.float32)
        self.labels = rng.integers(0, 1000, args.rows, dtype=np.int32)
        self.nbytes = self.emb.nbytes + self.labels.nbytes
        self.work = tempfile.mkdtemp(prefix="bench_emb_", dir=args.dir)
        self.runs = 0
        self.path = ""
        self.out: dict[str, np.ndarray] = {}

    def rate(self, t: float) -> str:
        return f"{self.args.rows / t / 1e6:5.2f} M rows/s {self.nbytes / t / 1e9:5.2f} GB/s"

    # -- ingest -------------------------------------------------------------------------
    def ingest(self, durability: str) -> None:
        if self.path:
            shutil.rmtree(self.path, ignore_errors=True)
        self.runs += 1
        self.path = os.path.join(self.work, f"ds{self.runs}")
        ds = deeplake.empty(self.path, durability=durability)
        kw = {}
        if self.args.chunk_mb:
            kw["max_chunk_size"] = int(self.args.chunk_mb * 2**20)
        ds.create_tensor("embedding", dtype="float32", **kw)
        ds.create_tensor("label", dtype="int32", **kw)
        b = self.args.batch
        with ds:
            for s in range(0, self.args.rows, b):
                ds.embedding.extend(self.emb[s : s + b])
                ds.label.extend(self.labels[s : s + b])
        ds.flush()
        del ds

    def save(self, fsync: bool) -> None:
        for name, arr in (("emb.npy", self.emb), ("lab.npy", self.labels)):
            path = os.path.join(self.work, name)
            if os.path.exists(path):  # new files each time, like the dataset's chunks
                os.remove(path)
            _np_save(path, arr, fsync)

    # -- scan ---------------------------------------------------------------------------
    def scan(self) -> None:
        self.out.clear()
        ds = deeplake.load(self.path, read_only=True)
        self.out["emb"] = ds.embedding.numpy()
        self.out["lab"] = ds.label.numpy()

    def load(self) -> None:
        self.out.clear()
        self.out["ref_emb"] = np.load(os.path.join(self.work, "emb.npy"))
        self.out["ref_lab"] = np.load(os.path.join(self.work, "lab.npy"))

    def report(self, what: str, mine: list, ref: list, ref_name: str) -> None:
        m, r = statistics.median(mine), statistics.median(ref)
        paired = statistics.median(b / a for a, b in zip(mine, ref, strict=True))
        print(
            f"{what:<18} deeplake {self.rate(m)} (best {min(mine):5.3f} s)  "
            f"{ref_name:<13} {self.rate(r)} (best {min(ref):5.3f} s)  "
            f"ratio {r / m:4.2f} (paired {paired:4.2f}, best/best {min(ref) / min(mine):4.2f}; "
            f"cpu s {CPU[0]:.2f} vs {CPU[1]:.2f})"
        )

    # -- random rows --------------------------------------------------------------------
    def random_reads(self) -> None:
        n = self.args.random_reads
        picks = np.random.default_rng(7).integers(0, self.args.rows, n).tolist()
        ds = deeplake.load(self.path, read_only=True)
        emb = ds.embedding
        mine = []
        for i in picks:
            t = time.perf_counter()
            row = emb[i].numpy()
            mine.append(time.perf_counter() - t)
            assert row.shape == (self.args.dim,)
        mm = np.load(os.path.join(self.work, "emb.npy"), mmap_mode="r")
        ref = []
        for i in picks:
            t = time.perf_counter()
            np.array(mm[i])
            ref.append(time.perf_counter() - t)
        assert np.array_equal(emb[picks[0]].numpy(), self.emb[picks[0]])
        m, r = statistics.median(mine) * 1e6, statistics.median(ref) * 1e6
        print(
            f"random row ({n} reads)  ds.embedding[i].numpy() median {m:7.1f} us "
            f"(p90 {np.percentile(mine, 90) * 1e6:7.1f} us)   np.load(mmap)[i] median "
            f"{r:5.1f} us"
        )

    def run(self) -> None:
        a = self.args
        load = os.getloadavg()[0]
        print(
            f"rows={a.rows} dim={a.dim} batch={a.batch} repeat={a.repeat} chunk_mb={a.chunk_mb or DEFAULT_MAX_CHUNK_SIZE / 2**20:g} "
            f"data={self.nbytes / 2**20:.0f} MiB dir={self.work} cpus={os.cpu_count()} "
            f"load(1m)={load:.2f}"
        )
        # One unmeasured round: plugin registry, imports, and the process's first touch
        # of this much memory (slow on VMs) are paid by neither side's figures.
        self.ingest("never")
        self.save(False)
        self.scan()
        self.load()
        self.out.clear()
        print(f"load(1m) before the timed runs={os.getloadavg()[0]:.2f}")
        mine, ref = _paired(lambda: self.ingest("never"), lambda: self.save(False), a.repeat)
        self.report("ingest (no fsync)", mine, ref, "np.save")
        mine, ref = _paired(lambda: self.ingest("flush"), lambda: self.save(True), a.repeat)
        self.report("ingest (durable)", mine, ref, "np.save+fsync")
        mine, ref = _paired(self.scan, self.load, a.repeat)
        assert np.array_equal(self.out["ref_emb"], self.emb)
        self.scan()
        assert np.array_equal(self.out["emb"], self.emb)
        assert np.array_equal(self.out["lab"].reshape(-1), self.labels)
        self.out.clear()
        self.report("scan", mine, ref, "np.load")
        self.random_reads()
        print(f"load(1m) at end={os.getloadavg()[0]:.2f}")

    def close(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20_000 if QUICK else 1_000_000)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--batch", type=int, default=5_000 if QUICK else 50_000)
    ap.add_argument("--repeat", type=int, default=1 if QUICK else 7)
    ap.add_argument("--dir", default=None)
    ap.add_argument("--random-reads", type=int, default=50 if QUICK else 1000)
    ap.add_argument("--chunk-mb", type=float, default=None, help="max_chunk_size in MiB")
    bench = Bench(ap.parse_args())
    try:
        bench.run()
    finally:
        bench.close()


if __name__ == "__main__":
    main()
