"""Per-column derived data (row norms of ``COSINE_SIMILARITY``) kept by a dataset's
column cache: computed once, reused across queries, and never used once the column
changed (writes, flushes, unflushed changes, version changes)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core import plugins
from deeplake_core.core.query_source import DatasetSource, column_cache
from deeplake_core.plugins import hookimpl
from deeplake_core.plugins.specs import PluginInfo, QueryFunctionSpec
from deeplake_core.tql import execute

ROWS, DIM = 40, 6
RNG = np.random.default_rng(7)
EMBEDDING = RNG.standard_normal((ROWS, DIM)).astype(np.float32)
QUERY = RNG.standard_normal(DIM).astype(np.float32)
TOP = "select * order by cosine_similarity(embedding, ?) desc limit 3"

#: compute calls of the ``row_sum_test`` function below (whole columns or batches)
CALLS: list[int] = []


def _row_sums(m):
    CALLS.append(len(m))
    return np.asarray(m, dtype=np.float64).sum(axis=1)


def row_sum_test(ctx, x):
    """Test function: the sum of each row, through ``ctx.derived``."""
    return ctx.derived(0, "row_sum_test/sums", _row_sums, x)


def _plugin():
    spec = QueryFunctionSpec(
        name="row_sum_test", impl=f"{__name__}:row_sum_test", arg_types=("array",)
    )

    @hookimpl
    def plugin_info():
        return PluginInfo(api=plugins.PLUGIN_API)

    @hookimpl
    def register_query_functions():
        return [spec]

    return SimpleNamespace(
        plugin_info=plugin_info, register_query_functions=register_query_functions
    )


@pytest.fixture
def ds(request):
    ds = deeplake.empty(f"mem://derived-{request.node.name}", overwrite=True)
    with ds:
        ds.create_tensor("embedding", dtype="float32")
        ds.embedding.extend(EMBEDDING)
    return ds


@pytest.fixture
def counting():
    CALLS.clear()
    with plugins.register(_plugin(), name="derived_test_functions"):
        yield CALLS


def cosine(embedding: np.ndarray) -> np.ndarray:
    e = embedding.astype(np.float64)
    q = QUERY.astype(np.float64)
    return e @ q / (np.linalg.norm(e, axis=1) * np.linalg.norm(q))


def top(ds, k: int = 3) -> tuple[list[int], np.ndarray]:
    result = execute(TOP.replace("3", str(k)), DatasetSource(ds), [QUERY.tolist()])
    return result.indices.tolist(), result.scores


def check_top(ds) -> None:
    got, scores = top(ds)
    sims = cosine(ds.embedding.numpy())
    want = np.argsort(-sims, kind="stable")[:3].tolist()
    assert got == want
    np.testing.assert_allclose(scores, sims[want], rtol=1e-5)


def test_cosine_norms_are_kept_in_the_column_cache(ds):
    check_top(ds)
    cache = column_cache(ds._state)
    assert any(key.endswith("\x00cosine_similarity/l2_rows") for key in cache._items)
    check_top(ds)  # second query: from the cache


def test_derived_data_is_computed_once_per_column(ds, counting):
    want = EMBEDDING.astype(np.float64).sum(axis=1)
    for batch_rows in (7, 7, 1000):
        result = execute(
            "select * order by row_sum_test(embedding) desc",
            DatasetSource(ds),
            batch_rows=batch_rows,
        )
        np.testing.assert_allclose(result.scores, np.sort(want)[::-1], rtol=1e-6)
    assert counting == [ROWS]  # one whole-column computation for three queries
    # a view and a query on it reuse the same derived data
    view = ds[5:25]
    got = execute("select * where row_sum_test(embedding) > 0", DatasetSource(view), batch_rows=3)
    assert got.indices.tolist() == np.flatnonzero(want[5:25] > 0).tolist()
    assert counting == [ROWS]


def test_derived_data_follows_flushed_writes(ds, counting):
    check_top(ds)
    execute("select * where row_sum_test(embedding) > 0", DatasetSource(ds))
    # row 11 now points exactly along the query, ten times longer: cosine 1
    ds.embedding[11] = QUERY * 10
    ds.flush()
    check_top(ds)
    got, scores = top(ds, 1)
    assert got == [11] and scores[0] == pytest.approx(1.0, abs=1e-5)
    sums = execute("select * where row_sum_test(embedding) > 0", DatasetSource(ds))
    assert 11 in sums.indices.tolist() or QUERY.sum() <= 0
    assert counting == [ROWS, ROWS]  # recomputed once for the new column


def test_unflushed_changes_bypass_derived_data(ds, counting):
    check_top(ds)
    execute("select * where row_sum_test(embedding) > 0", DatasetSource(ds), batch_rows=10)
    with ds:
        ds.embedding[2] = -QUERY * 3
        ds.embedding[30] = QUERY * 0.5
        check_top(ds)
        got, _ = top(ds, 1)
        assert got == [30]
        result = execute(
            "select * order by row_sum_test(embedding) asc limit 1",
            DatasetSource(ds),
            batch_rows=10,
        )
        assert result.indices.tolist() == [int(np.argmin(ds.embedding.numpy().sum(axis=1)))]
        # dirty: computed per batch, nothing kept
        assert counting[0] == ROWS and counting[1:] == [10, 10, 10, 10]
    check_top(ds)


def test_appended_rows_get_norms(ds):
    check_top(ds)
    ds.embedding.append(QUERY * 2)
    ds.flush()
    got, scores = top(ds, 1)
    assert got == [ROWS] and scores[0] == pytest.approx(1.0, abs=1e-5)


def test_derived_data_follows_version_changes(ds):
    first = ds.commit("first")
    before = top(ds)[0]
    ds.checkout("alt", create=True)
    ds.embedding[0] = QUERY
    ds.commit("second")
    assert top(ds, 1)[0] == [0]
    ds.checkout(first)
    assert top(ds)[0] == before
    check_top(ds)
