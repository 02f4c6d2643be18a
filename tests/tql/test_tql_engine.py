from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from tql_tables import make_source, make_table

import deeplake_core.plugins as plugins
from deeplake_core.exceptions import MissingPluginError, TQLError, TQLSyntaxError
from deeplake_core.plugins import hookimpl
from deeplake_core.plugins.specs import PluginInfo, QueryFunctionSpec
from deeplake_core.tql import (
    ArraySource,
    ColumnInfo,
    evaluate,
    execute,
    explain,
    filter_indices,
    prepare,
)


def rows(query, source, **kw):
    return execute(query, source, **kw).indices.tolist()


class CountingSource(ArraySource):
    """Records how many values of each column were read."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.read: dict[str, int] = {}

    def read_column(self, name, indices, batch_rows):
        for idx, values in super().read_column(name, indices, batch_rows):
            self.read[name] = self.read.get(name, 0) + len(idx)
            yield idx, values


# ----------------------------------------------------------------------------- filters


def test_class_label_text_and_json_filters(source):
    table = make_table(200, seed=3)
    lbl = table["lbl"][:, 0]
    assert rows("SELECT * WHERE lbl = 'dog'", source) == np.flatnonzero(lbl == 1).tolist()
    assert (
        rows("SELECT * WHERE lbl IN ['cat', 'bird']", source) == np.flatnonzero(lbl != 1).tolist()
    )
    assert rows("SELECT * WHERE contains(lbl, 'bird')", source) == np.flatnonzero(lbl == 2).tolist()
    assert rows("SELECT * WHERE t == 'ant'", source) == np.flatnonzero(table["t"] == "ant").tolist()
    want = [i for i, j in enumerate(table["j"]) if j.get("k", -99) >= 2 and j["s"] == "x"]
    assert rows("SELECT * WHERE j['k'] >= 2 AND j['s'] = 'x'", source) == want
    want = [i for i, j in enumerate(table["j"]) if "k" not in j]
    assert rows("SELECT * WHERE j['k'] IS NULL", source) == want


def test_tensor_indexing_and_slicing(source):
    table = make_table(200, seed=3)
    v, r = table["v"], table["r"]
    assert rows("SELECT * WHERE v[1] > 0", source) == np.flatnonzero(v[:, 1] > 0).tolist()
    assert (
        rows("SELECT * WHERE ALL(v[1:] >= 0)", source)
        == np.flatnonzero((v[:, 1:] >= 0).all(1)).tolist()
    )
    assert rows("SELECT * WHERE v[::2][1] == v[2]", source) == list(range(200))
    want = [i for i, x in enumerate(r) if len(x) >= 2 and x[-2] == 1]
    assert rows("SELECT * WHERE r[-2] = 1", source) == want
    with pytest.raises(TQLError, match="cannot index v"):
        execute("SELECT * WHERE v[5] > 0", source)


def test_multi_dimensional_indexing():
    boxes = np.arange(5 * 3 * 4).reshape(5, 3, 4)
    src = ArraySource({"boxes": boxes})
    assert (
        rows("SELECT * WHERE boxes[0, 1] > 20", src) == np.flatnonzero(boxes[:, 0, 1] > 20).tolist()
    )
    assert rows("SELECT * WHERE ANY(boxes[:, 2] == 30)", src) == [2]
    assert rows("SELECT * WHERE SHAPE(boxes)[1] == 4", src) == list(range(5))


def test_group_paths_and_division_fallback():
    src = ArraySource({"g/x": np.arange(6), "a": np.arange(6) * 4, "b": np.full(6, 2)})
    assert rows("SELECT * WHERE g/x >= 4", src) == [4, 5]
    assert rows("SELECT * WHERE a/b == 6", src) == [3]  # no tensor "a/b": a divided by b
    with pytest.raises(TQLError, match="no tensor named 'g/y'"):
        execute("SELECT * WHERE g/y > 1", src)


def test_helpful_errors(source):
    with pytest.raises(TQLError, match=r"did you mean 'lbl'") as info:
        execute("SELECT * WHERE lbll == 1", source)
    assert info.value.column == 16
    with pytest.raises(TQLError, match="single quotes"):
        execute('SELECT * WHERE t == "cat"', source)
    with pytest.raises(TQLError, match="not a class name"):
        execute("SELECT * WHERE lbl == 'zebra'", source)
    with pytest.raises(TQLError, match="numeric and cannot be compared"):
        execute("SELECT * WHERE a == 'cat'", source)
    with pytest.raises(TQLError, match="3 values per row"):
        execute("SELECT * WHERE v > 0", source)
    with pytest.raises(TQLError, match="gives text"):
        execute("SELECT * WHERE t", source)
    with pytest.raises(TQLError, match=r"unknown function COSINE_SIMILARTY.*COSINE_SIMILARITY"):
        execute("SELECT * WHERE cosine_similarty(v, v) > 0", source)
    with pytest.raises(TQLError, match="takes 2 argument"):
        execute("SELECT * WHERE logical_and(v > 0) > 0", source)
    with pytest.raises(TQLError, match="no tensor named 'nope'"):
        execute("SELECT nope", source)
    with pytest.raises(TQLError, match="IN item must be a constant"):
        execute("SELECT * WHERE a IN [b]", source)
    with pytest.raises(TQLError, match="argument of ANY must be a value"):
        execute("SELECT * WHERE ANY(a == 1: 2)", source)


# ----------------------------------------------------------------------------- ordering


@pytest.mark.parametrize("batch_rows", [1, 13, 100_000])
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("k", [0, 1, 10, 500, 5000])
def test_top_k_matches_a_stable_full_sort(batch_rows, descending, k):
    rng = np.random.default_rng(k + batch_rows)
    n = 3000
    x = rng.choice(np.array([np.nan, -1.0, 0.0, 0.5, 2.0, 7.0]), n)  # many ties and NaNs
    src = ArraySource({"x": x})
    got = execute(
        f"SELECT * ORDER BY x {'DESC' if descending else 'ASC'} LIMIT {k}",
        src,
        batch_rows=batch_rows,
    )
    key = np.where(np.isnan(x), np.inf, -x if descending else x)
    nan_last = np.lexsort((np.arange(n), key, np.isnan(x)))
    assert got.indices.tolist() == nan_last[:k].tolist()
    np.testing.assert_array_equal(got.scores, x[nan_last[:k]])


def test_order_by_strings_multiple_keys_and_offset(source):
    table = make_table(200, seed=3)
    t, a = table["t"], table["a"]
    got = rows("SELECT * ORDER BY t DESC, a ASC LIMIT 20 OFFSET 5", source)
    want = sorted(range(200), key=lambda i: (-ord(t[i][0]) if t[i] else 0, t[i], a[i], i))
    want = sorted(range(200), key=lambda i: (a[i], i))
    want = sorted(want, key=lambda i: t[i], reverse=True)[5:25]
    assert got == want
    assert rows("SELECT * ORDER BY a LIMIT 3 OFFSET 300", source) == []


def test_integer_extremes_order_exactly():
    x = np.array([2**62, -(2**63), 2**63 - 1, 0, 2**62 + 1], dtype=np.int64)
    src = ArraySource({"x": x})
    assert rows("SELECT * ORDER BY x DESC", src) == [2, 4, 0, 3, 1]
    assert rows("SELECT * ORDER BY x DESC LIMIT 2", src) == [2, 4]


def test_cosine_similarity_top_k_matches_numpy():
    rng = np.random.default_rng(1)
    emb = rng.normal(size=(5000, 16)).astype(np.float32)
    q = rng.normal(size=16)
    src = ArraySource({"embedding": emb})
    query = "SELECT * ORDER BY COSINE_SIMILARITY(embedding, ?) DESC LIMIT 10"
    got = execute(query, src, [q.tolist()], batch_rows=1000)
    sims = (emb @ q.astype(np.float32)) / (np.linalg.norm(emb, axis=1) * np.linalg.norm(q))
    assert got.indices.tolist() == np.argsort(-sims, kind="stable")[:10].tolist()
    np.testing.assert_allclose(got.scores, sims[got.indices], rtol=1e-5)


def test_norms_match_numpy():
    rng = np.random.default_rng(2)
    emb = rng.normal(size=(50, 4))
    q = [0.5, -1.0, 2.0, 0.0]
    src = ArraySource({"e": emb})
    for fn, ord_ in (("l2_norm", 2), ("l1_norm", 1), ("linf_norm", np.inf)):
        dist = np.linalg.norm(emb - np.array(q), ord=ord_, axis=1)
        got = execute(f"SELECT * ORDER BY {fn}(e - ARRAY{q}) LIMIT 5", src)
        assert got.indices.tolist() == np.argsort(dist, kind="stable")[:5].tolist()
        two = execute(f"SELECT * ORDER BY {fn}(e, ARRAY{q}) LIMIT 5", src)
        assert two.indices.tolist() == got.indices.tolist()


def test_random_order_is_seeded(source):
    a = rows("SELECT * ORDER BY RANDOM() LIMIT 20", source, seed=5)
    b = rows("SELECT * ORDER BY RANDOM() LIMIT 20", source, seed=5)
    c = rows("SELECT * ORDER BY RANDOM() LIMIT 20", source, seed=6)
    assert a == b and a != c
    assert sorted(rows("SELECT * ORDER BY RANDOM()", source, seed=1)) == list(range(200))


# ----------------------------------------------------------------------------- set ops, limits


def test_set_operations(source):
    a = set(rows("SELECT * WHERE a > 0", source))
    b = set(rows("SELECT * WHERE b < 0", source))
    assert rows("(SELECT * WHERE a > 0) UNION (SELECT * WHERE b < 0)", source) == sorted(a | b)
    assert rows("(SELECT * WHERE a > 0) INTERSECT (SELECT * WHERE b < 0)", source) == sorted(a & b)
    assert rows("(SELECT * WHERE a > 0) EXCEPT (SELECT * WHERE b < 0)", source) == sorted(a - b)
    limited = rows("(SELECT * WHERE a > 0 LIMIT 3) UNION (SELECT * WHERE b < 0 LIMIT 2)", source)
    assert len(limited) <= 5
    assert rows("(SELECT * WHERE a > 0) UNION (SELECT *) LIMIT 4", source) == [0, 1, 2, 3]


def test_limit_without_order_stops_reading():
    src = CountingSource({"x": np.arange(100_000), "y": np.zeros(100_000)})
    assert rows("SELECT * WHERE x % 2 = 0 LIMIT 3", src, batch_rows=1000) == [0, 2, 4]
    assert src.read == {"x": 1000}


def test_only_needed_columns_are_read():
    n = 10_000
    src = CountingSource({"x": np.arange(n), "e": np.ones((n, 4)), "unused": np.zeros(n)})
    execute("SELECT * WHERE x < 10 ORDER BY l2_norm(e) LIMIT 2", src, batch_rows=1000)
    assert src.read == {"x": n, "e": 10}  # e only for rows passing the filter


# ----------------------------------------------------------------------------- parameters


def test_parameters_are_values_never_code(source):
    hostile = "cat' OR 1=1 OR t = '"
    assert rows("SELECT * WHERE t = ?", source, params=[hostile]) == []
    assert rows("SELECT * WHERE t = ?", source, params=["ant"]) == rows(
        "SELECT * WHERE t = 'ant'", source
    )
    assert rows("SELECT * WHERE a IN ? LIMIT ?", source, params=[[1, 2], 4]) == rows(
        "SELECT * WHERE a IN [1, 2] LIMIT 4", source
    )
    assert rows("SELECT * WHERE b > ?", source, params=(np.float64(0.5),)) == rows(
        "SELECT * WHERE b > 0.5", source
    )
    with pytest.raises(TQLError, match="1 '\\?' parameter"):
        execute("SELECT * WHERE a > ?", source, params=[])
    with pytest.raises(TQLError, match="parameters must be numbers"):
        execute("SELECT * WHERE a > ?", source, params=[{"x": 1}])
    with pytest.raises(TQLError, match="LIMIT must be a non-negative"):
        execute("SELECT * LIMIT ?", source, params=[-1])
    with pytest.raises(TQLError, match="list or tuple"):
        execute("SELECT * WHERE t = ?", source, params="ant")


def test_prepare_runs_with_params(source):
    seen = []
    prepared = prepare(
        "SELECT * FROM 'mem://ds' WHERE a > ? LIMIT ?", source, wrap=lambda r: seen.append(r) or r
    )
    assert prepared.get_query_string() == "SELECT * FROM 'mem://ds' WHERE a > ? LIMIT ?"
    one = prepared.run_single([2, 5])
    assert one.indices.tolist() == rows("SELECT * WHERE a > 2 LIMIT 5", source)
    assert one.source == "mem://ds"
    batch = prepared.run_batch([[0, 1], [4, 100]])
    assert [len(r) for r in batch] == [1, len(rows("SELECT * WHERE a > 4", source))]
    assert len(seen) == 3
    with pytest.raises(TQLSyntaxError):
        prepare("SELECT * WHERE", source)
    with pytest.raises(TQLError, match="no tensor"):
        prepare("SELECT * WHERE zz > ?", source)


# ----------------------------------------------------------------------------- explain etc.


def test_explain(source):
    plan = explain(
        "SELECT a, t WHERE a > ? ORDER BY cosine_similarity(v, ARRAY[1, 0, 0]) DESC LIMIT 10",
        source,
    )
    text = str(plan)
    assert "filter: a > ?" in text and "top-10 selection" in text
    assert "COSINE_SIMILARITY" in text and "deeplake-core-query-functions" in text
    d = plan.to_dict()
    assert d["columns"] == ["a", "t"] and d["filter_reads"] == ["a"]
    assert d["order_reads"] == ["v"] and d["strategy"] == "top-k" and d["limit"] == 10
    sets = explain("(SELECT * WHERE a > 1) UNION (SELECT * WHERE b > 1) LIMIT 3").to_dict()
    assert sets["kind"] == "union" and len(sets["children"]) == 2
    assert explain("SELECT * WHERE a > 0 LIMIT 5").strategy == "scan until limit"
    assert explain("SELECT * ORDER BY a").strategy == "sort"


def test_result_columns_and_source(source):
    result = execute("SELECT a, t FROM 's3://bucket/x' LIMIT 2", source)
    assert result.columns == ("a", "t") and result.source == "s3://bucket/x"
    assert execute("SELECT *", source).columns == tuple(source.column_names())


def test_evaluate_weights_and_filter_indices(source):
    table = make_table(200, seed=3)
    lbl = table["lbl"][:, 0]
    weights = evaluate("max_weight(lbl == 'dog': 10, lbl == 'bird': 5)", source, batch_rows=7)
    np.testing.assert_array_equal(weights, np.select([lbl == 1, lbl == 2], [10.0, 5.0], 0.0))
    np.testing.assert_array_equal(evaluate("a", source), table["a"])
    assert (
        filter_indices("a > 2", source, batch_rows=9).tolist()
        == np.flatnonzero(table["a"] > 2).tolist()
    )
    with pytest.raises(TQLError, match="weights cannot be negative"):
        evaluate("max_weight(a < 0: a)", source)


def test_empty_source_and_zero_limit():
    src = ArraySource({"x": np.zeros(0)})
    assert rows("SELECT * WHERE x > 0 ORDER BY x LIMIT 3", src) == []
    assert rows("SELECT * LIMIT 0", make_source(5)) == []


def test_ragged_list_source_with_infos():
    src = ArraySource(
        {"tags": [["a", "b"], [], ["c"], None]},
        {"tags": ColumnInfo(htype="tag", dtype="str", sample_form="list")},
    )
    assert rows("SELECT * WHERE CONTAINS(tags, 'c') OR CONTAINS(tags, 'a')", src) == [0, 2]
    assert rows("SELECT * WHERE tags IS NULL", src) == [3]


# ----------------------------------------------------------------------------- plugins


def _plugin(*specs):
    @hookimpl
    def plugin_info():
        return PluginInfo(api=plugins.PLUGIN_API)

    @hookimpl
    def register_query_functions():
        return list(specs)

    return SimpleNamespace(
        plugin_info=plugin_info, register_query_functions=register_query_functions
    )


def test_custom_functions_registered_in_process(source):
    table = make_table(200, seed=3)
    plugin = _plugin(
        QueryFunctionSpec(name="double_it", impl="tql_tables:double_it", arg_types=("number",)),
        QueryFunctionSpec(
            name="shout", impl="tql_tables:shout", arg_types=("string",), vectorized=False
        ),
    )
    with plugins.register(plugin, name="tql_test_functions"):
        assert (
            rows("SELECT * WHERE DOUBLE_IT(a) == 4", source)
            == np.flatnonzero(table["a"] == 2).tolist()
        )
        assert (
            rows("SELECT * WHERE shout(t) = 'ANT!'", source)
            == np.flatnonzero(table["t"] == "ant").tolist()
        )
        plan = explain("SELECT * WHERE shout(t) = 'X'", source)
        assert ("shout", "tql_test_functions") in plan.functions
    with pytest.raises(TQLError, match="unknown function SHOUT"):
        execute("SELECT * WHERE shout(t) = 'ANT!'", source)


def test_missing_first_party_function_names_the_distribution(source):
    plugins.block("query_functions")
    try:
        with pytest.raises(MissingPluginError, match="deeplake-core-query-functions"):
            execute("SELECT * WHERE contains(t, 'a')", source)
    finally:
        plugins.unblock("query_functions")
    assert rows("SELECT * WHERE contains(t, 'nt')", source)
