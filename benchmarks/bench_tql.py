"""Micro benchmark of the TQL engine against plain numpy on the same in-memory data.

1,000,000 rows: ``embedding`` float32[128] and ``labels`` int32 (fixed seed). Each
query runs twice; the second run is timed. Run: ``python benchmarks/bench_tql.py``.
Targets: the filter under 50 ms; the top-10 search at most 1.5x numpy.
"""

from __future__ import annotations

import time

import numpy as np

from deeplake_core.tql import ArraySource, execute

ROWS = 1_000_000
DIM = 128


def timed(fn, repeat: int = 2):
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
    return result, elapsed


def main() -> None:
    rng = np.random.default_rng(1234)
    embedding = rng.standard_normal((ROWS, DIM), dtype=np.float32)
    labels = rng.integers(0, 10, ROWS, dtype=np.int32)
    query_vector = rng.standard_normal(DIM).astype(np.float32)
    source = ArraySource({"embedding": embedding, "labels": labels})

    got, t_filter = timed(lambda: execute("select * where labels == 3", source))
    want, t_mask = timed(lambda: np.flatnonzero(labels == 3))
    assert np.array_equal(got.indices, want)

    array = "ARRAY[" + ", ".join(repr(float(x)) for x in query_vector) + "]"
    top_query = f"select * order by cosine_similarity(embedding, {array}) desc limit 10"

    def numpy_top10():
        sims = (embedding @ query_vector) / (
            np.linalg.norm(embedding, axis=1) * np.linalg.norm(query_vector)
        )
        best = np.argpartition(-sims, 10)[:10]
        return best[np.argsort(-sims[best])]

    got_top, t_top = timed(lambda: execute(top_query, source))
    want_top, t_np_top = timed(numpy_top10)
    assert np.array_equal(got_top.indices, want_top), (got_top.indices, want_top)

    print(f"rows: {ROWS:,}  embedding float32[{DIM}] + int32 labels")
    print(f"{'query':<58}{'tql ms':>10}{'numpy ms':>10}{'ratio':>8}")
    for name, t, base in (
        ("select * where labels == 3", t_filter, t_mask),
        ("order by cosine_similarity(embedding, ...) desc limit 10", t_top, t_np_top),
    ):
        print(f"{name:<58}{t * 1e3:>10.1f}{base * 1e3:>10.1f}{t / base:>8.2f}")
    print(
        f"targets: filter < 50 ms -> {'met' if t_filter < 0.05 else 'MISSED'}; "
        f"top-10 <= 1.5x numpy -> {'met' if t_top <= 1.5 * t_np_top else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
