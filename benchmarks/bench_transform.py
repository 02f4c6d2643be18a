"""A CPU-bound transform on each scheduler, beside the serial run.

The transform decodes a 256x256 JPEG, resizes it to 128x128 and re-encodes it as PNG
(with Pillow), for the images ``bench_images.py`` generates once with a fixed seed
under ``benchmarks/.data/images256/``. When the ``image`` htype and a ``png`` codec are
installed, the function appends the resized array to an ``image`` tensor with
``sample_compression="png"`` (the PNG encoding then runs in the workers); otherwise it
encodes the PNG itself and appends the bytes to a ``uint8`` tensor.

Figures: wall time and rate of ``serial`` (``num_workers=0``, the reference), then
``threaded``, ``processed`` and ``ray`` with 2 workers, each as a speed-up over
serial. Targets: processed >= 1.7x, ray (2 CPUs) >= 1.5x. Ray's start-up is timed
separately and not counted. CPU time is printed per run: the coordinator's (this
process) and the workers' (their task threads, from the transform report), with the
share of chunks the workers stored; the 1-minute load average before each run says
how much other work competed for the CPUs (the ratios assume idle CPUs).

Usage::

    .venv/bin/python benchmarks/bench_transform.py [--n 5000] [--workers 2]

``DEEPLAKE_BENCH_QUICK=1`` shrinks the run to 400 images.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import deeplake_core as deeplake

QUICK = os.environ.get("DEEPLAKE_BENCH_QUICK") == "1"
HERE = Path(__file__).resolve().parent


def image_paths(n: int) -> list[str]:
    sys.path.insert(0, str(HERE))
    try:
        from bench_images import generate
    finally:
        sys.path.remove(str(HERE))
    return generate(n)[0]


def png_codec_available() -> bool:
    from deeplake_core.plugins import get_registry

    reg = get_registry()
    return "image" in reg.htypes and "png" in reg.codecs


@deeplake.compute
def thumbnail_array(path, samples_out):
    from PIL import Image

    with Image.open(path) as im:
        small = im.convert("RGB").resize((128, 128), Image.BILINEAR)
    samples_out.images.append(np.asarray(small))


@deeplake.compute
def thumbnail_png(path, samples_out):
    from PIL import Image

    with Image.open(path) as im:
        small = im.convert("RGB").resize((128, 128), Image.BILINEAR)
    buf = io.BytesIO()
    small.save(buf, format="PNG")
    samples_out.images.append(np.frombuffer(buf.getvalue(), dtype=np.uint8))


def run(paths: list[str], root: str, name: str, scheduler: str, workers: int, codec: bool):
    path = os.path.join(root, name)
    ds = deeplake.empty(path, overwrite=True)
    if codec:
        ds.create_tensor("images", htype="image", sample_compression="png")
        fn = thumbnail_array()
    else:
        ds.create_tensor("images", dtype="uint8")
        fn = thumbnail_png()
    t0, c0 = time.perf_counter(), time.process_time()
    fn.eval(paths, ds, scheduler=scheduler, num_workers=workers, progressbar=False)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    report = fn.last_report
    n = len(ds.images)
    first = ds.images[0].numpy()
    ds.close()
    shutil.rmtree(path, ignore_errors=True)
    if n != len(paths):
        raise SystemExit(f"{name}: wrote {n} samples for {len(paths)} inputs")
    return elapsed, cpu, first, report


def _load() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def _cpu_note(cpu: float, elapsed: float, report, workers: int) -> str:
    """CPU seconds spent, and how many CPUs the run got on average (well below the
    worker count when other processes compete for the CPUs)."""
    if not workers:
        return f"cpu {cpu:.1f} s, {cpu / elapsed:.2f} CPUs used"
    chunks = report.worker_chunks + report.coordinator_chunks
    # threaded workers run in this process: their CPU is already in ``cpu``
    total = cpu if report.scheduler == "ThreadedScheduler" else cpu + report.worker_cpu
    return (
        f"cpu: coordinator {cpu:.1f} s, workers {report.worker_cpu:.1f} s, "
        f"{total / elapsed:.2f} CPUs used; {report.worker_chunks}/{chunks} chunks by workers"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=400 if QUICK else 5000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    paths = image_paths(args.n)
    codec = png_codec_available()
    mode = "image tensor, png sample_compression" if codec else "uint8 tensor of PNG bytes"
    print(f"transform: JPEG 256x256 -> resize 128x128 -> PNG, {len(paths)} images ({mode})")
    print(f"  {os.cpu_count()} CPUs; [load] is the 1-minute load average before each run")
    root = tempfile.mkdtemp(prefix="bench_transform_", dir=HERE / ".data")
    try:
        load = _load()
        serial, cpu, ref_first, _ = run(paths, root, "serial", "serial", 0, codec)
        rate = len(paths) / serial
        print(
            f"  {'serial (reference)':<22} {serial:7.2f} s  {rate:8.1f} img/s  "
            f"[load {load:.1f}]  ({_cpu_note(cpu, serial, None, 0)})"
        )
        plan = [("threaded", "threaded"), ("processed", "processed")]
        if importlib.util.find_spec("ray") is not None:
            plan.append(("ray", "ray"))
        else:
            print("  ray: not installed, skipped")
        targets = {"processed": 1.7, "ray": 1.5}
        for label, sched in plan:
            if sched == "ray":
                import ray

                t0 = time.perf_counter()
                ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False)
                print(f"  (ray start-up {time.perf_counter() - t0:.1f} s, not counted)")
            load = _load()
            elapsed, cpu, first, report = run(paths, root, label, sched, args.workers, codec)
            if not np.array_equal(first, ref_first):
                raise SystemExit(f"{label}: output differs from the serial run")
            speedup = serial / elapsed
            target = targets.get(sched)
            verdict = ""
            if target is not None:
                verdict = f"  target >= {target}x: {'ok' if speedup >= target else 'MISSED'}"
            print(
                f"  {label + f' ({args.workers} workers)':<22} {elapsed:7.2f} s  "
                f"{len(paths) / elapsed:8.1f} img/s  [load {load:.1f}]  {speedup:5.2f}x serial"
                f"{verdict}\n      ({_cpu_note(cpu, elapsed, report, args.workers)})"
            )
            if sched == "ray":
                ray.shutdown()
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
