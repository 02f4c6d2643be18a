"""Ingest and scan 1M float32[128] embeddings + int32 labels through the chunk engine.

Compares, in the same run and on the same disk, with ``np.save``/``np.load`` of the
same arrays. Usage::

    .venv/bin/python benchmarks/bench_embeddings.py [--rows 1000000] [--batch 10000]
        [--chunk-mb 8] [--dir /tmp] [--durable] [--repeat 3]

``--durable`` makes the local provider fsync every chunk (and the reference fsyncs its
files too). Figures are the best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time

import numpy as np

from deeplake_core.core.engine import TensorEngine, TensorMeta


def _provider(root: str, durable: bool):
    try:
        from deeplake_core.storage.local import LocalProvider
    except ImportError:  # before the storage layer exists
        return _FileProvider(root)
    return LocalProvider(root, durable=durable)


class _FileProvider:
    """Fallback: plain files, no atomic rename (only used if LocalProvider is missing)."""

    def __init__(self, root: str):
        self.root = root

    def _p(self, key: str) -> str:
        return os.path.join(self.root, *key.split("/"))

    def set(self, key: str, value) -> None:
        os.makedirs(os.path.dirname(self._p(key)), exist_ok=True)
        with open(self._p(key), "wb") as f:
            f.write(value)

    def get(self, key: str) -> bytes:
        with open(self._p(key), "rb") as f:
            return f.read()

    def get_range(self, key: str, start: int, end: int | None = None) -> bytes:
        with open(self._p(key), "rb") as f:
            f.seek(start)
            return f.read(-1 if end is None else end - start)


def _np_save(path: str, arr: np.ndarray, durable: bool) -> None:
    with open(path, "wb") as f:
        np.save(f, arr)
        if durable:
            f.flush()
            os.fsync(f.fileno())


def _best_pair(fn, ref, repeat: int) -> tuple[float, float]:
    """Best-of-``repeat`` times of ``fn`` and ``ref``, run alternately so that both see
    the same machine load."""
    tf, tr = [], []
    for _ in range(repeat):
        for f, acc in ((fn, tf), (ref, tr)):
            t = time.perf_counter()
            f()
            acc.append(time.perf_counter() - t)
    return min(tf), min(tr)


def _best(fn, repeat: int) -> float:
    return _best_pair(fn, lambda: None, repeat)[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--chunk-mb", type=float, default=None)
    ap.add_argument("--dir", default=None)
    ap.add_argument("--durable", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--random-reads", type=int, default=1000)
    args = ap.parse_args()

    rng = np.random.default_rng(1234)
    emb = rng.standard_normal((args.rows, args.dim), dtype=np.float32)
    labels = rng.integers(0, 1000, args.rows, dtype=np.int32)
    work = tempfile.mkdtemp(prefix="bench_emb_", dir=args.dir)
    meta_kw = {} if args.chunk_mb is None else {"max_chunk_size": int(args.chunk_mb * 2**20)}
    run = [0]
    metas: dict[str, TensorMeta] = {}

    def ingest() -> None:
        shutil.rmtree(os.path.join(work, f"ds{run[0]}"), ignore_errors=True)
        run[0] += 1
        storage = _provider(os.path.join(work, f"ds{run[0]}"), args.durable)
        metas["emb"], metas["lab"] = TensorMeta(**meta_kw), TensorMeta(**meta_kw)
        e = TensorEngine(storage, "emb", metas["emb"])
        lab = TensorEngine(storage, "lab", metas["lab"])
        for s in range(0, args.rows, args.batch):
            e.extend(emb[s : s + args.batch])
            lab.extend(labels[s : s + args.batch])
        e.flush("index/emb-0.idx")
        lab.flush("index/lab-0.idx")

    def ref_save() -> None:
        # New files each time, like the engine's new chunks (overwriting a file in
        # the page cache is much cheaper than creating one).
        for name in ("emb.npy", "lab.npy"):
            if os.path.exists(os.path.join(work, name)):
                os.remove(os.path.join(work, name))
        _np_save(os.path.join(work, "emb.npy"), emb, args.durable)
        _np_save(os.path.join(work, "lab.npy"), labels, args.durable)

    t_ingest, t_save = _best_pair(ingest, ref_save, args.repeat)

    storage = _provider(os.path.join(work, f"ds{run[0]}"), args.durable)
    # The manifest keeps the meta as JSON; round-trip it the same way.
    meta_emb = TensorMeta.model_validate_json(metas["emb"].model_dump_json())
    meta_lab = TensorMeta.model_validate_json(metas["lab"].model_dump_json())
    e = TensorEngine(storage, "emb", meta_emb, "index/emb-0.idx")
    lab = TensorEngine(storage, "lab", meta_lab, "index/lab-0.idx")
    out: dict[str, np.ndarray] = {}

    def scan() -> None:
        out["emb"] = e.read(slice(None))
        out["lab"] = lab.read(slice(None))

    def ref_load() -> None:
        out["ref_emb"] = np.load(os.path.join(work, "emb.npy"))
        out["ref_lab"] = np.load(os.path.join(work, "lab.npy"))

    t_scan, t_load = _best_pair(scan, ref_load, args.repeat)
    assert np.array_equal(out["emb"], emb) and np.array_equal(out["lab"], labels)

    picks = rng.integers(0, args.rows, args.random_reads)
    e._cache = None

    def random_rows() -> None:
        for i in picks.tolist():
            e.read_sample(i)

    t_rand = _best(random_rows, 1)
    e._cache = None
    t_gather = _best(lambda: e.read(picks), 1)
    nbytes = emb.nbytes + labels.nbytes
    chunks = len(e.chunk_keys())
    shutil.rmtree(work, ignore_errors=True)

    def rate(t: float) -> str:
        return f"{args.rows / t / 1e6:6.2f} M rows/s ({nbytes / t / 1e9:5.2f} GB/s)"

    print(
        f"rows={args.rows} dim={args.dim} batch={args.batch} "
        f"chunk={TensorMeta(**meta_kw).max_chunk_size / 2**20:g} MB "
        f"({chunks} chunks) durable={args.durable}"
    )
    print(
        f"ingest  engine {rate(t_ingest)}   np.save {rate(t_save)}   ratio {t_save / t_ingest:4.2f}"
    )
    print(f"scan    engine {rate(t_scan)}   np.load {rate(t_load)}   ratio {t_load / t_scan:4.2f}")
    print(
        f"random  {args.random_reads} single-row reads: {t_rand * 1e3:7.1f} ms "
        f"({t_rand / args.random_reads * 1e6:5.1f} us/row); as one gather read(indices): "
        f"{t_gather * 1e3:6.1f} ms"
    )


if __name__ == "__main__":
    main()
