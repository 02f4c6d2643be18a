"""Micro benchmark of the TQL engine alone (``ArraySource``: numpy arrays in memory, no
dataset) against plain numpy on the same arrays.

1,000,000 rows (100,000 with ``DEEPLAKE_BENCH_QUICK=1``): ``embedding`` float32[128]
and ``labels`` int32, fixed seed. Each query runs twice and the second run is timed,
then the median of ``ROUNDS`` interleaved rounds (query, numpy, back to back) is shown.
An ``ArraySource`` keeps no derived data (its arrays may change in place), so the
cosine top-10 computes the row norms every time: its fair reference is numpy's full
cosine; numpy matmul + argpartition is shown too. The dataset figures (with the
cached row norms, and the issue's targets) are in ``bench_query.py``.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from deeplake_core.tql import ArraySource, execute

QUICK = os.environ.get("DEEPLAKE_BENCH_QUICK") == "1"
ROWS = 100_000 if QUICK else 1_000_000
DIM = 128
ROUNDS = 5 if QUICK else 9


def measure(fns: list[Callable[[], Any]]) -> tuple[list[Any], list[float], list[float]]:
    """Results, second-run times and medians of interleaved rounds of each function."""
    results, second = [], []
    for fn in fns:
        fn()
        start = time.perf_counter()
        results.append(fn())
        second.append(time.perf_counter() - start)
    rounds: list[list[float]] = [[] for _ in fns]
    for _ in range(ROUNDS):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            rounds[i].append(time.perf_counter() - start)
    return results, second, [statistics.median(r) for r in rounds]


def main() -> None:
    rng = np.random.default_rng(1234)
    embedding = rng.standard_normal((ROWS, DIM), dtype=np.float32)
    labels = rng.integers(0, 10, ROWS, dtype=np.int32)
    query_vector = rng.standard_normal(DIM).astype(np.float32)
    source = ArraySource({"embedding": embedding, "labels": labels})

    (got, want), f_2nd, f_med = measure(
        [
            lambda: execute("select * where labels == 3", source).indices,
            lambda: np.flatnonzero(labels == 3),
        ]
    )
    assert np.array_equal(got, want)

    array = "ARRAY[" + ", ".join(repr(float(x)) for x in query_vector) + "]"
    top_query = f"select * order by cosine_similarity(embedding, {array}) desc limit 10"

    def top10(sims: np.ndarray) -> np.ndarray:
        best = np.argpartition(-sims, 10)[:10]
        return best[np.argsort(-sims[best], kind="stable")]

    def numpy_cosine() -> np.ndarray:
        norms = np.sqrt(np.einsum("ij,ij->i", embedding, embedding))
        return top10((embedding @ query_vector) / (norms * np.linalg.norm(query_vector)))

    def numpy_matmul() -> np.ndarray:
        return top10(embedding @ (query_vector / np.linalg.norm(query_vector)))

    (got_top, want_top, _), t_2nd, t_med = measure(
        [lambda: execute(top_query, source).indices, numpy_cosine, numpy_matmul]
    )
    assert np.array_equal(got_top, want_top), (got_top, want_top)

    print(
        f"rows: {ROWS:,}  embedding float32[{DIM}] + int32 labels, in memory (ArraySource); "
        f"second run and median of {ROUNDS} interleaved rounds; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(f"{'query':<46}{'tql ms':>9}{'median':>9}  reference (2nd / median ms)")
    print(
        f"{'select * where labels == 3':<46}{f_2nd[0] * 1e3:>9.1f}{f_med[0] * 1e3:>9.1f}"
        f"  numpy mask {f_2nd[1] * 1e3:.1f} / {f_med[1] * 1e3:.1f}"
    )
    print(
        f"{'order by cosine_similarity(...) desc limit 10':<46}{t_2nd[0] * 1e3:>9.1f}"
        f"{t_med[0] * 1e3:>9.1f}  numpy full cosine {t_2nd[1] * 1e3:.1f} / "
        f"{t_med[1] * 1e3:.1f} ({t_med[0] / t_med[1]:.2f}x); numpy matmul+argpartition "
        f"{t_2nd[2] * 1e3:.1f} / {t_med[2] * 1e3:.1f} ({t_med[0] / t_med[2]:.2f}x)"
    )
    print(f"filter < 50 ms -> {'met' if f_2nd[0] < 0.05 else 'MISSED'} ({f_2nd[0] * 1e3:.1f} ms)")


if __name__ == "__main__":
    main()
