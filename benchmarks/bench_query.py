"""Queries on a real local dataset, beside plain numpy on the same arrays in memory.

Builds (once per run, in a temporary folder) a dataset of 1,000,000 rows: ``embedding``
float32[128] and ``labels`` int32 (fixed seed), reopens it read-only and times

* ``select * where labels == 3`` (returns the view), against ``np.flatnonzero(mask)``;
* ``select * order by cosine_similarity(embedding, ARRAY[...]) desc limit 10`` (exact
  cosine top-10), against numpy's matmul of the normalised query vector with the raw
  embeddings + ``argpartition`` (the issue's reference), and against a full numpy
  cosine (row norms computed each time).

Each query runs twice and the second (warm) run is timed; the first (cold: chunks read
from disk, row norms computed) is shown too. The machine may be shared, so the warm
figures are also measured as ``ROUNDS`` interleaved rounds (query, then its numpy
references, back to back): medians, bests, median CPU time, and the median of the
per-round ratios (the target's figure: it cancels most load drift).
Both sides run in this process with the same BLAS thread pool (shown; set
``DEEPLAKE_BENCH_BLAS_THREADS=n`` to limit both, needs ``threadpoolctl``). No result
is cached between queries; the dataset keeps decoded columns and per-column row norms,
valid until the column changes. Targets: the filter under 50 ms, the top-10 at most
1.5x numpy matmul + argpartition. ``DEEPLAKE_BENCH_QUICK=1`` uses 100,000 rows.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import deeplake_core as deeplake

QUICK = os.environ.get("DEEPLAKE_BENCH_QUICK") == "1"
ROWS = 100_000 if QUICK else 1_000_000
DIM = 128
BLOCK = 100_000
ROUNDS = 5 if QUICK else 15


def build(path: str, embedding: np.ndarray, labels: np.ndarray) -> float:
    start = time.perf_counter()
    ds = deeplake.empty(path, overwrite=True)
    with ds:
        ds.create_tensor("embedding", dtype="float32")
        ds.create_tensor("labels", dtype="int32")
        for a in range(0, len(labels), BLOCK):
            ds.embedding.extend(embedding[a : a + BLOCK])
            ds.labels.extend(labels[a : a + BLOCK])
    ds.close()
    return time.perf_counter() - start


def blas_threads() -> tuple[str, contextlib.AbstractContextManager[Any]]:
    """A description of the BLAS pool and a context limiting it (when asked to)."""
    wanted = os.environ.get("DEEPLAKE_BENCH_BLAS_THREADS")
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        return "BLAS threads: unknown (threadpoolctl not installed)", contextlib.nullcontext()
    limit: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
    if wanted:  # applied now; leaving the context restores the previous limits
        limit = threadpool_limits(int(wanted), user_api="blas")
    pools = [
        f"{p['internal_api']} {p['num_threads']}"
        for p in threadpool_info()
        if p["user_api"] == "blas"
    ]
    return f"BLAS threads (both sides): {', '.join(pools) or 'none'}", limit


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, wall s, process CPU s) of one call."""
    start, start_cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - start, time.process_time() - start_cpu


def compare(query: Callable[[], Any], references: list[Callable[[], Any]]) -> dict[str, Any]:
    """Cold + warm (second) run of ``query`` and each reference, then interleaved
    rounds; medians of the rounds."""
    out: dict[str, Any] = {}
    out["result"], out["cold"], _ = timed(query)
    _, out["warm"], out["warm_cpu"] = timed(query)
    out["ref_results"], out["ref_warm"] = [], []
    for ref in references:
        timed(ref)
        result, wall, _ = timed(ref)
        out["ref_results"].append(result)
        out["ref_warm"].append(wall)
    rounds: list[list[float]] = [[] for _ in range(1 + len(references))]
    cpu: list[list[float]] = [[] for _ in range(1 + len(references))]
    for _ in range(ROUNDS):
        for i, fn in enumerate([query, *references]):
            _, wall, used = timed(fn)
            rounds[i].append(wall)
            cpu[i].append(used)
    out["median"] = statistics.median(rounds[0])
    out["ref_median"] = [statistics.median(r) for r in rounds[1:]]
    out["best"] = min(rounds[0])
    out["ref_best"] = [min(r) for r in rounds[1:]]
    out["cpu_median"] = statistics.median(cpu[0])
    out["ref_cpu_median"] = [statistics.median(c) for c in cpu[1:]]
    # each round's query next to the reference run right after it: the median of
    # these ratios cancels most of the drift of a shared machine's load
    out["ratio_median"] = [
        statistics.median(q / r for q, r in zip(rounds[0], ref, strict=True)) for ref in rounds[1:]
    ]
    return out


def main() -> None:
    rng = np.random.default_rng(1234)
    embedding = rng.standard_normal((ROWS, DIM), dtype=np.float32)
    labels = rng.integers(0, 10, ROWS, dtype=np.int32)
    vector = rng.standard_normal(DIM).astype(np.float32)
    array = "ARRAY[" + ", ".join(repr(float(x)) for x in vector) + "]"
    top_query = f"select * order by cosine_similarity(embedding, {array}) desc limit 10"

    def top10(sims: np.ndarray) -> np.ndarray:
        best = np.argpartition(-sims, 10)[:10]
        return best[np.argsort(-sims[best], kind="stable")]

    def numpy_matmul_top10() -> np.ndarray:
        return top10(embedding @ (vector / np.linalg.norm(vector)))

    def numpy_cosine_top10() -> np.ndarray:
        norms = np.sqrt(np.einsum("ij,ij->i", embedding, embedding))
        return top10((embedding @ vector) / (norms * np.linalg.norm(vector)))

    blas, limit = blas_threads()
    tmp = tempfile.mkdtemp(prefix="bench-query-")
    try:
        t_build = build(os.path.join(tmp, "ds"), embedding, labels)
        ds = deeplake.load(os.path.join(tmp, "ds"), read_only=True)
        with limit:
            flt = compare(
                lambda: ds.query("select * where labels == 3"),
                [lambda: np.flatnonzero(labels == 3)],
            )
            top = compare(lambda: ds.query(top_query), [numpy_matmul_top10, numpy_cosine_top10])
        got = np.fromiter(flt["result"].sample_indices, np.int64)
        assert np.array_equal(got, flt["ref_results"][0])
        got_top = list(top["result"].sample_indices)
        assert got_top == top["ref_results"][1].tolist(), (got_top, top["ref_results"][1])
        ds.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(
        f"rows: {ROWS:,}  embedding float32[{DIM}] + int32 labels; local dataset built in "
        f"{t_build:.1f} s, reopened read-only; {blas}; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"each query: cold run, warm (2nd) run, then median of {ROUNDS} interleaved rounds "
        "with its numpy reference"
    )
    print(f"{'query':<42}{'cold ms':>9}{'2nd ms':>9}{'median':>9}{'2nd cpu':>9}  reference")
    m = flt["ref_warm"][0], flt["ref_median"][0]
    print(
        f"{'where labels == 3':<42}{flt['cold'] * 1e3:>9.1f}{flt['warm'] * 1e3:>9.1f}"
        f"{flt['median'] * 1e3:>9.1f}{flt['warm_cpu'] * 1e3:>9.1f}  numpy mask: 2nd "
        f"{m[0] * 1e3:.1f} ms, median {m[1] * 1e3:.1f} ms"
    )
    (mm_warm, cos_warm), (mm_med, cos_med) = top["ref_warm"], top["ref_median"]
    print(
        f"{'order by cosine_similarity(...) limit 10':<42}{top['cold'] * 1e3:>9.1f}"
        f"{top['warm'] * 1e3:>9.1f}{top['median'] * 1e3:>9.1f}{top['warm_cpu'] * 1e3:>9.1f}"
        f"  numpy matmul+argpartition: 2nd {mm_warm * 1e3:.1f} ms, median "
        f"{mm_med * 1e3:.1f} ms; numpy full cosine: 2nd {cos_warm * 1e3:.1f} ms, median "
        f"{cos_med * 1e3:.1f} ms"
    )
    print(
        f"top-10 in the rounds: best {top['best'] * 1e3:.1f} ms vs numpy matmul best "
        f"{top['ref_best'][0] * 1e3:.1f} ms ({top['best'] / top['ref_best'][0]:.2f}x); "
        f"median CPU {top['cpu_median'] * 1e3:.1f} ms vs {top['ref_cpu_median'][0] * 1e3:.1f}"
        f" ms ({top['cpu_median'] / top['ref_cpu_median'][0]:.2f}x; CPU counts all BLAS "
        "threads)"
    )
    ratio, ratio_rounds = top["warm"] / mm_warm, top["ratio_median"][0]
    print(
        f"targets: filter < 50 ms -> {'met' if flt['warm'] < 0.05 else 'MISSED'} "
        f"({flt['warm'] * 1e3:.1f} ms); top-10 <= 1.5x numpy matmul+argpartition -> "
        f"{'met' if ratio_rounds <= 1.5 else 'MISSED'} ({ratio_rounds:.2f}x median of "
        f"per-round ratios; {ratio:.2f}x 2nd run; {top['median'] / mm_med:.2f}x medians; "
        f"vs numpy full cosine {top['ratio_median'][1]:.2f}x)"
    )


if __name__ == "__main__":
    main()
