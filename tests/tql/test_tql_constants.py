"""Constant sub-expressions are evaluated once per query, error texts are built only
for errors, batches are sized from the columns a query reads, and the top-k bound
keeps results exact."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import deeplake_core.plugins as plugins
from deeplake_core.exceptions import TQLError
from deeplake_core.plugins import hookimpl
from deeplake_core.plugins.specs import PluginInfo, QueryFunctionSpec
from deeplake_core.tql import ArraySource, ColumnInfo, ast, execute, explain
from deeplake_core.tql import planner as planner_module
from deeplake_core.tql.executor import TopK

CALLS: list[bool] = []


def count_calls(ctx, x):
    """Test function: its argument, recording whether it got one value per row."""
    CALLS.append(ctx.rows)
    return np.full(ctx.n, x) if ctx.rows and not ctx.per_row[0] else x


def _plugin(deterministic: bool):
    spec = QueryFunctionSpec(
        name="count_calls",
        impl=f"{__name__}:count_calls",
        arg_types=("any",),
        deterministic=deterministic,
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
def src():
    return ArraySource({"x": np.arange(100, dtype=np.int64), "v": np.ones((100, 3))})


def test_constant_function_calls_run_once_per_query(src):
    CALLS.clear()
    with plugins.register(_plugin(True), name="constants_test"):
        got = execute("select * where x > count_calls(90) + 1", src, batch_rows=7).indices
        assert got.tolist() == list(range(92, 100))
        assert CALLS == [False]  # 15 batches, one call
        CALLS.clear()
        execute("select * where x > count_calls(x)", src, batch_rows=7)
        assert len(CALLS) == 15 and all(CALLS)  # per-row argument: every batch


def test_non_deterministic_functions_are_not_folded(src):
    CALLS.clear()
    with plugins.register(_plugin(False), name="constants_test"):
        execute("select * where x > count_calls(90)", src, batch_rows=10)
    assert len(CALLS) == 10


def test_constant_arrays_are_built_once(src, monkeypatch):
    import deeplake_core.tql.executor as executor_module

    built: list[int] = []
    original = executor_module.const_array

    def counting(items):
        built.append(len(items))
        return original(items)

    monkeypatch.setattr(executor_module, "const_array", counting)
    query = "select * order by cosine_similarity(v, ARRAY[1.0, -2.0, 0.5]) desc, x limit 3"
    assert execute(query, src, batch_rows=9).indices.tolist() == [0, 1, 2]
    assert built == [3]


def test_error_texts_are_printed_only_for_errors(src, monkeypatch):
    printed: list[str] = []
    original = ast.to_tql

    def counting(node):
        text = original(node)
        printed.append(text)
        return text

    monkeypatch.setattr(ast, "to_tql", counting)
    execute("select * where x > 3 and v[0] == 1 order by x desc limit 5", src, batch_rows=4)
    assert printed == []
    with pytest.raises(TQLError, match=r"ORDER BY needs one number or string per row, but v"):
        execute("select * order by v limit 2", src)
    with pytest.raises(TQLError, match=r"but v gives"):
        execute("select * where v", src)


def test_constant_errors_keep_their_position(src):
    query = "select * where x > ARRAY[1, 2][5]"
    with pytest.raises(TQLError, match="out of bounds") as info:
        execute(query, src)
    assert info.value.offset == query.index("[5]")


# ----------------------------------------------------------------------------- batch size


def test_batches_are_sized_from_the_columns_read():
    n = 10
    src = ArraySource(
        {
            "labels": np.zeros(n, np.int32),
            "embedding": np.zeros((n, 128), np.float32),
            "images": np.zeros((n, 512, 512, 3), np.uint8),
            "text": np.array(["a"] * n),
        }
    )
    by_bytes, most = planner_module.BATCH_BYTES, planner_module.MAX_BATCH_ROWS
    assert explain("select * where labels == 1", src).batch_rows == most
    embedding_rows = explain("select * order by embedding[0] limit 3", src).batch_rows
    assert embedding_rows == min(most, by_bytes // 512) >= 262_144
    plan = explain("select * where labels == 1 order by embedding[0]", src)
    assert plan.batch_rows == min(most, by_bytes // 516)
    images = explain("select * where images[0, 0, 0] > 3", src).batch_rows
    assert images == max(planner_module.MIN_BATCH_ROWS, by_bytes // (512 * 512 * 3))
    assert explain("select *", src).batch_rows == planner_module.MAX_BATCH_ROWS
    text_rows = by_bytes // planner_module.UNKNOWN_ROW_BYTES
    assert explain("select * where text == 'a'", src).batch_rows == text_rows
    assert explain("select * where labels == 1", src, batch_rows=5).batch_rows == 5
    info = ColumnInfo(dtype="float32", ndim=1, fixed_shape=None)
    ragged = ArraySource({"r": [np.zeros(2, np.float32)] * n}, {"r": info})
    assert explain("select * where r[0] == 0", ragged).batch_rows == text_rows


# ----------------------------------------------------------------------------- top-k bound


@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize(("batch_rows", "part"), [(1, 65_536), (5, 65_536), (64, 65_536), (300, 3)])
def test_top_k_bound_with_ties_and_nulls(descending, batch_rows, part, monkeypatch):
    monkeypatch.setattr(TopK, "PART", part)  # parts of a batch selected from in turn
    rng = np.random.default_rng(batch_rows)
    key = rng.integers(0, 6, 300).astype(np.float64)
    key[rng.random(300) < 0.2] = np.nan
    src = ArraySource({"k": key})
    order = "desc" if descending else "asc"
    for limit in (1, 7, 40, 290, 300):
        got = execute(f"select * order by k {order} limit {limit}", src, batch_rows=batch_rows)
        present = np.flatnonzero(~np.isnan(key))
        ranked = present[np.argsort(-key[present] if descending else key[present], kind="stable")]
        want = np.concatenate([ranked, np.flatnonzero(np.isnan(key))])[:limit]
        assert got.indices.tolist() == want.tolist()


@pytest.mark.parametrize("descending", [True, False])
def test_top_k_bound_with_integer_and_float_batches(descending):
    # ``j['k'] * 1`` packs to int64 in all-integer batches and float64 in the others;
    # a bound from one kind must not drop rows of the other (5.5 beats 5).
    values = [5, 3, 5.5, 1.0, 2, 4, -0.5, 6.25, 6, 0]
    src = ArraySource({"j": [{"k": v} for v in values]})
    order = "desc" if descending else "asc"
    ranked = sorted(range(len(values)), key=lambda i: -values[i] if descending else values[i])
    for batch_rows in (1, 2, 3, 100):
        for limit in (1, 2, 4):
            query = f"select * order by j['k'] * 1 {order} limit {limit}"
            got = execute(query, src, batch_rows=batch_rows).indices.tolist()
            assert got == ranked[:limit], (batch_rows, limit)
