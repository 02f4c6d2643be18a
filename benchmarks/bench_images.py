"""Ingest and read 256x256 JPEG images (+ a class label and 1-5 boxes each).

The images are generated once with a fixed seed (smooth random colour fields with
noise and a few rectangles, saved as JPEG quality 90) and cached under
``benchmarks/.data/images256/``. Figures, each printed beside a plain reference
measured in the same run:

* ingest: ``ds.images.extend([deeplake.read(p) ...])`` + labels + boxes in batches,
  then ``ds.flush()``, with the default durability (fsync at flush) and with
  ``DEEPLAKE_CORE_DURABILITY=never``; reference: reading every file and appending
  its bytes to one file. Best of 3.
* sequential read + decode: ``ds.images.numpy(aslist=True)`` on a freshly loaded
  dataset; reference: single-thread Pillow decode of the same JPEG bytes held in
  memory. Target: at least 1.8x the reference rate. Best of 3, alternating. Also
  the CPU time per image of both (all threads of the scan), which a busy machine
  distorts much less than wall time. JPEGs decode with simplejpeg (see
  ``docs/architecture.md``, media plugins); the reference stays Pillow.
* random reads: median of ``ds.images[i].numpy()`` + ``ds.labels[i].numpy()`` over
  1,000 random ``i``; reference: median Pillow decode time of one image from memory.
  Target: at most 1.15x.

Usage::

    .venv/bin/python benchmarks/bench_images.py [--n 5000] [--random-reads 1000] [--dir /tmp]

``DEEPLAKE_BENCH_QUICK=1`` shrinks the run to 500 images and 200 random reads.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

import deeplake_core as deeplake

QUICK = os.environ.get("DEEPLAKE_BENCH_QUICK") == "1"
DATA = Path(__file__).resolve().parent / ".data" / "images256"
SEED = 1234


def _make_image(rng: np.random.Generator) -> np.ndarray:
    """A 256x256x3 image with smooth structure, rectangles and noise."""
    small = rng.integers(0, 256, (8, 8, 3)).astype(np.float32)
    img = np.kron(small, np.ones((32, 32, 1), np.float32))
    for _ in range(int(rng.integers(1, 5))):
        x0, y0 = rng.integers(0, 200, 2)
        w, h = rng.integers(16, 56, 2)
        img[y0 : y0 + h, x0 : x0 + w] = rng.integers(0, 256, 3)
    img += rng.normal(0, 12, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def generate(n: int) -> tuple[list[str], np.ndarray, list[np.ndarray]]:
    """Paths, labels and boxes of ``n`` images (generated once, then cached)."""
    from PIL import Image

    meta_path = DATA / "meta.json"
    meta: dict = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if meta.get("seed") != SEED or meta.get("n", 0) < n:
        DATA.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(SEED)
        labels, boxes = [], []
        for i in range(n):
            Image.fromarray(_make_image(rng)).save(DATA / f"{i:05d}.jpg", quality=90)
            labels.append(int(rng.integers(0, 10)))
            k = int(rng.integers(1, 6))
            xy = rng.uniform(0, 200, (k, 2))
            wh = rng.uniform(8, 56, (k, 2))
            boxes.append(np.concatenate([xy, wh], axis=1).round(2).tolist())
        meta = {"seed": SEED, "n": n, "labels": labels, "boxes": boxes}
        meta_path.write_text(json.dumps(meta))
    paths = [str(DATA / f"{i:05d}.jpg") for i in range(n)]
    labels_arr = np.asarray(meta["labels"][:n], dtype=np.uint32)
    boxes_list = [np.asarray(b, dtype=np.float32) for b in meta["boxes"][:n]]
    return paths, labels_arr, boxes_list


def ingest(
    path: str,
    paths: list[str],
    labels: np.ndarray,
    boxes: list,
    batch: int,
    durability: str | None = None,
) -> float:
    """Seconds to create the dataset, append everything and flush. ``durability``
    (``DEEPLAKE_CORE_DURABILITY``): None keeps the default (fsync at each flush)."""
    shutil.rmtree(path, ignore_errors=True)  # not timed: the reference starts empty too
    old = os.environ.get("DEEPLAKE_CORE_DURABILITY")
    if durability is not None:
        os.environ["DEEPLAKE_CORE_DURABILITY"] = durability
    try:
        return _ingest(path, paths, labels, boxes, batch)
    finally:
        if durability is not None:
            if old is None:
                os.environ.pop("DEEPLAKE_CORE_DURABILITY", None)
            else:
                os.environ["DEEPLAKE_CORE_DURABILITY"] = old


def _ingest(path: str, paths: list[str], labels: np.ndarray, boxes: list, batch: int) -> float:
    t0 = time.perf_counter()
    ds = deeplake.empty(path, overwrite=True)
    with ds:
        ds.create_tensor("images", htype="image", sample_compression="jpeg")
        ds.create_tensor("labels", htype="class_label")
        ds.create_tensor("boxes", htype="bbox")
        for i in range(0, len(paths), batch):
            ds.images.extend([deeplake.read(p) for p in paths[i : i + batch]])
            ds.labels.extend(labels[i : i + batch])
            ds.boxes.extend(boxes[i : i + batch])
    ds.flush()
    return time.perf_counter() - t0


def ingest_reference(paths: list[str], out: str) -> float:
    t0 = time.perf_counter()
    with open(out, "wb") as f:
        for p in paths:
            with open(p, "rb") as src:
                f.write(src.read())
        f.flush()
    return time.perf_counter() - t0


def pil_decode(data: bytes) -> np.ndarray:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=500 if QUICK else 5000)
    ap.add_argument("--random-reads", type=int, default=200 if QUICK else 1000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--dir", default=None, help="where the dataset is written (temp dir)")
    args = ap.parse_args()

    paths, labels, boxes = generate(args.n)
    blobs = [Path(p).read_bytes() for p in paths]
    mean_kb = sum(map(len, blobs)) / len(blobs) / 1024
    print(f"images: {args.n} JPEGs 256x256x3, mean {mean_kb:.1f} KiB, 1 label + 1-5 boxes each")

    root = tempfile.mkdtemp(prefix="bench_images_", dir=args.dir)
    try:
        ds_path = os.path.join(root, "ds")
        ref_file = os.path.join(root, "ref.bin")
        # ---- ingest (best of 3, alternating with the reference)
        t_ds, t_never, t_ref = [], [], []
        for _ in range(3):
            t_ref.append(ingest_reference(paths, ref_file))
            t_ds.append(ingest(ds_path, paths, labels, boxes, args.batch))
            t_never.append(ingest(ds_path, paths, labels, boxes, args.batch, "never"))
        n = args.n
        rate, ref_rate = n / min(t_ds), n / min(t_ref)
        print(
            f"ingest  read()+extend : {rate:10,.0f} samples/s   "
            f"(files -> one file: {ref_rate:,.0f}/s; target >= 10,000/s; default "
            f"durability, fsync at flush)"
        )
        print(f"ingest  durability=never: {n / min(t_never):8,.0f} samples/s")

        # ---- sequential read + decode
        # (best of 3, alternating with the reference: the machine's load varies)
        t_pils, t_seqs, c_pils, c_seqs = [], [], [], []
        for _ in range(3):
            t0, c0 = time.perf_counter(), time.process_time()
            for b in blobs:
                pil_decode(b)
            t_pils.append(time.perf_counter() - t0)
            c_pils.append(time.process_time() - c0)
            ds = deeplake.load(ds_path, read_only=True)
            t0, c0 = time.perf_counter(), time.process_time()
            arrays = ds.images.numpy(aslist=True)
            t_seqs.append(time.perf_counter() - t0)
            c_seqs.append(time.process_time() - c0)
            assert len(arrays) == n and arrays[0].shape == (256, 256, 3)
            assert np.array_equal(arrays[7], pil_decode(blobs[7]))
            del arrays
        t_pil, t_seq = min(t_pils), min(t_seqs)
        ratio = (n / t_seq) / (n / t_pil)
        print(
            f"scan    numpy(aslist)  : {n / t_seq:10,.0f} images/s   "
            f"(Pillow 1 thread: {n / t_pil:,.0f}/s; {ratio:.2f}x, target >= 1.8x)"
        )
        # CPU seconds are what a loaded machine distorts least: with every core free,
        # the scan's threads could reach at most cores / (its CPU per image)
        c_pil, c_seq = min(c_pils) / n, min(c_seqs) / n
        cores = os.cpu_count() or 1
        print(
            f"        CPU per image  : {c_seq * 1e6:10,.0f} us (all threads)   "
            f"(Pillow: {c_pil * 1e6:,.0f} us; on {cores} idle cores at most "
            f"{c_pil * cores / c_seq:.2f}x)"
        )

        # ---- random single reads
        rng = random.Random(SEED)
        idx = [rng.randrange(n) for _ in range(args.random_reads)]
        ds = deeplake.load(ds_path, read_only=True)
        t_one, t_ref1 = [], []
        for i in idx:
            t0 = time.perf_counter()
            pil_decode(blobs[i])
            t_ref1.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            ds.images[i].numpy()
            ds.labels[i].numpy()
            t_one.append(time.perf_counter() - t0)
        med, ref_med = statistics.median(t_one), statistics.median(t_ref1)
        print(
            f"random  image+label    : {med * 1e6:10,.0f} us median   "
            f"(Pillow decode of one image: {ref_med * 1e6:,.0f} us; "
            f"{med / ref_med:.2f}x, target <= 1.15x)"
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
