"""The dataset adapter against the in-memory source: the same query over the same rows
gives the same result, whatever the view (slices, steps, index lists, repeats)."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import deeplake_core as deeplake
from deeplake_core.core.query_source import DatasetSource
from deeplake_core.tql import ArraySource, ColumnInfo, execute

NAMES = ("cat", "dog", "bird")
QUERIES = (
    "select * where a > 0",
    "select * where a == 2 or lbl == 'dog'",
    "select * where b < 0.5 and not (lbl == 'bird')",
    "select * where v[1] >= 0 order by a desc, b asc",
    "select * where t == 'ant' or t > 'd'",
    "select * where contains(t, 'o')",
    "select * where b IS NULL or b BETWEEN -1 and 1",
    "select * order by b desc limit 5",
    "select * order by l2_norm(v) limit 3 offset 1",
    "select * where lbl in ARRAY['cat', 'bird'] limit 7",
    "(select * where a < 0) union (select * where t == 'dog')",
    "(select * where a < 3) except (select * where lbl == 'cat') order by b desc",
    "select * where ANY(v > 1)",
)
_counter = itertools.count()


def _table(n: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    b = rng.choice(np.array([-2.5, -1.0, 0.0, 0.5, 1.0, np.nan], dtype=np.float32), n)
    return {
        "a": rng.integers(-3, 4, n).astype(np.int32),
        "b": b,
        "v": rng.integers(-2, 3, (n, 3)).astype(np.float32),
        "lbl": rng.integers(0, 3, (n, 1)).astype(np.uint32),
        "t": [str(x) for x in rng.choice(["cat", "dog", "", "ant", "Dog"], n)],
    }


def _dataset(table: dict):
    ds = deeplake.empty(f"mem://adapter-diff-{next(_counter)}", overwrite=True)
    with ds:
        ds.create_tensor("a", dtype="int32")
        ds.create_tensor("b", dtype="float32")
        ds.create_tensor("v", dtype="float32")
        ds.create_tensor("lbl", htype="class_label", class_names=list(NAMES))
        ds.create_tensor("t", htype="text")
        for name, values in table.items():
            ds[name].extend(values)
    return ds


def _views(draw, n: int):
    kind = draw(st.sampled_from(["all", "slice", "step", "list"]))
    if kind == "all":
        return slice(None)
    if kind == "slice":
        a = draw(st.integers(0, n))
        return slice(a, draw(st.integers(a, n)))
    if kind == "step":
        return slice(draw(st.integers(0, 3)), None, draw(st.integers(1, 4)))
    return draw(st.lists(st.integers(0, n - 1), max_size=2 * n))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_dataset_source_matches_array_source(data):
    n = data.draw(st.integers(1, 40))
    seed = data.draw(st.integers(0, 10_000))
    table = _table(n, seed)
    ds = _dataset(table)
    selector = _views(data.draw, n)
    view = ds[selector]
    rows = np.arange(n)[selector] if isinstance(selector, slice) else np.asarray(selector, int)
    sub = {
        k: (v[rows] if isinstance(v, np.ndarray) else [v[i] for i in rows])
        for k, v in table.items()
    }
    infos = {
        "lbl": ColumnInfo("class_label", "uint32", 1, NAMES, (1,)),
        "t": ColumnInfo("text", "str", 0, None, (), "text"),
    }
    reference = ArraySource(sub, infos)
    batch_rows = data.draw(st.sampled_from([3, 7, 65_536]))
    query = data.draw(st.sampled_from(QUERIES))
    want = execute(query, reference, batch_rows=batch_rows).indices
    got = execute(query, DatasetSource(view), batch_rows=batch_rows).indices
    assert got.tolist() == want.tolist(), query
    result = view.query(query)
    assert list(result.sample_indices) == [int(rows[i]) for i in want]
