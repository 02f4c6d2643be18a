"""``ds.query`` on datasets and views: results, view behaviour, htype-aware comparisons,
in-process query functions and the column cache."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core import plugins
from deeplake_core.core.query_api import QueryInfo
from deeplake_core.core.query_source import DatasetSource, column_cache
from deeplake_core.exceptions import TQLError, TQLSyntaxError
from deeplake_core.plugins import hookimpl
from deeplake_core.plugins.specs import PluginInfo, QueryFunctionSpec

LABELS = np.array([0, 1, 2, 1, 0, 3, 0, 2, 1, 0], dtype=np.int32)


def rows(view) -> list[int]:
    return list(view.sample_indices)


@pytest.fixture
def ds(request):
    ds = deeplake.empty(f"mem://query-{request.node.name}", overwrite=True)
    with ds:
        ds.create_tensor("labels", htype="class_label", class_names=["cat", "dog", "bird", "fish"])
        ds.create_tensor("score", dtype="float32")
        ds.create_tensor("boxes", dtype="float32")
        ds.labels.extend(LABELS)
        ds.score.extend(np.linspace(0, 0.9, 10, dtype=np.float32))
        ds.boxes.extend(np.arange(40, dtype=np.float32).reshape(10, 2, 2))
    return ds


# ----------------------------------------------------------------------------- basics


def test_where_returns_a_view_of_matching_rows(ds):
    view = ds.query("select * where labels == 0")
    assert len(view) == 4
    assert rows(view) == [0, 4, 6, 9]
    assert view.is_view
    assert view.labels.numpy().ravel().tolist() == [0, 0, 0, 0]
    assert set(view.tensors) == {"labels", "score", "boxes"}
    np.testing.assert_array_equal(view.boxes.numpy(), ds.boxes.numpy()[[0, 4, 6, 9]])


def test_single_equals_and_from_is_ignored(ds):
    assert rows(ds.query("SELECT * FROM 'elsewhere' WHERE labels = 1")) == [1, 3, 8]
    assert rows(ds.query("select * from whatever where labels != 1")) == [0, 2, 4, 5, 6, 7, 9]


def test_order_by_keeps_result_order(ds):
    view = ds.query("select * order by score desc limit 3")
    assert rows(view) == [9, 8, 7]
    np.testing.assert_allclose(view.score.numpy().ravel(), [0.9, 0.8, 0.7], rtol=1e-6)
    assert [int(s.labels.numpy()[0]) for s in view] == [0, 1, 2]
    assert rows(ds.query("select * order by labels asc, score desc limit 4")) == [9, 6, 4, 0]


def test_limit_offset_between_in_and_logic(ds):
    assert rows(ds.query("select * where labels == 0 limit 2 offset 1")) == [4, 6]
    assert rows(ds.query("select * where labels BETWEEN 1 and 2")) == [1, 2, 3, 7, 8]
    assert rows(ds.query("select * where labels in ARRAY[0, 2]")) == [0, 2, 4, 6, 7, 9]
    assert rows(ds.query("select * where labels == 0 OR labels == 3")) == [0, 4, 5, 6, 9]
    assert rows(ds.query("select * where NOT (labels == 0) AND score > 0.5")) == [7, 8]


def test_subscripts_slices_and_functions(ds):
    # boxes[i] is [[4i, 4i+1], [4i+2, 4i+3]]
    assert rows(ds.query("select * where boxes[0, 1] == 5")) == [1]
    assert rows(ds.query("select * where ALL(boxes[:, 0] >= 30)")) == [8, 9]
    assert rows(ds.query("select * where ANY(boxes == 13)")) == [3]
    assert rows(ds.query("select * where SHAPE(boxes)[0] == 2 limit 1")) == [0]


def test_set_operations(ds):
    q = "(select * where labels == 0) union (select * where labels == 3)"
    assert rows(ds.query(q)) == [0, 4, 5, 6, 9]
    q = "(select * where score < 0.5) intersect (select * where labels == 0)"
    assert rows(ds.query(q)) == [0, 4]
    q = "(select * where labels == 0) except (select * where score > 0.5)"
    assert rows(ds.query(q)) == [0, 4]


def test_selected_tensors_restrict_the_view(ds):
    view = ds.query("select labels, score where labels == 2")
    assert set(view.tensors) == {"labels", "score"}
    assert rows(view) == [2, 7]


def test_random_order_follows_the_library_seed(ds):
    deeplake.random.seed(7)
    first = rows(ds.query("select * order by RANDOM()"))
    deeplake.random.seed(7)
    second = rows(ds.query("select * order by RANDOM()"))
    deeplake.random.seed(None)
    assert first == second and sorted(first) == list(range(10))


def test_empty_result(ds):
    view = ds.query("select * where labels == 99")
    assert len(view) == 0
    assert view.labels.numpy().shape[0] == 0
    assert len(view.query("select * where labels == 1")) == 0


# ----------------------------------------------------------------------------- views


def test_query_on_views_and_views_of_query_views(ds):
    part = ds[2:8]
    view = part.query("select * where labels == 0")
    assert rows(view) == [4, 6]
    listed = ds[[9, 1, 4, 6]].query("select * where labels == 0")
    assert rows(listed) == [9, 4, 6]
    again = view.query("select * where score > 0.5")
    assert rows(again) == [6]
    stepped = ds[::3].query("select * where labels <= 1")
    assert rows(stepped) == [0, 3, 6, 9]
    top = ds.query("select * order by score desc")
    assert rows(top[1:3]) == [8, 7]
    assert rows(top[[0, 2]].query("select * where labels == 0")) == [9]
    np.testing.assert_array_equal(top[0].score.numpy(), ds.score[9].numpy())


def test_group_tensors_are_columns(ds):
    with ds:
        ds.create_group("extra")
        ds["extra"].create_tensor("weight", dtype="int64")
        ds["extra/weight"].extend(np.arange(10) * 10)
    assert rows(ds.query("select * where extra/weight >= 70")) == [7, 8, 9]
    assert rows(ds["extra"].query("select * where weight < 20")) == [0, 1]


def test_query_view_records_what_made_it(ds):
    view = ds.query("select * where labels == 1")
    info = view._query_info
    assert isinstance(info, QueryInfo)
    assert info.query == "select * where labels == 1" and info.kind == "query"
    assert info.source_path == ds.path and info.source_version == ds.version_id
    assert list(view.index.values(len(ds))) == [1, 3, 8]
    assert ds._query_info is None


def test_padded_view_reads_missing_rows_as_null():
    ds = deeplake.empty("mem://query-padded", overwrite=True)
    with ds:
        ds.create_tensor("a", dtype="int32")
        ds.create_tensor("b", dtype="int32")
        ds.a.extend(np.arange(5, dtype=np.int32))
        ds.b.extend(np.arange(3, dtype=np.int32))
    assert rows(ds.query("select * where a >= 1")) == [1, 2]  # min view: 3 rows
    assert rows(ds.max_view.query("select * where b IS NULL")) == [3, 4]
    assert rows(ds.max_view.query("select * where a > 2")) == [3, 4]


# ----------------------------------------------------------------------------- htypes


def test_class_label_strings(ds):
    assert rows(ds.query("select * where labels == 'cat'")) == [0, 4, 6, 9]
    assert rows(ds.query("select * where labels != 'cat' and labels != 'dog'")) == [2, 5, 7]
    assert rows(ds.query("select * where labels in ARRAY['fish', 'bird']")) == [2, 5, 7]
    assert rows(ds.query("select * where contains(labels, 'fish')")) == [5]


def test_multi_label_class_label_contains_union():
    ds = deeplake.empty("mem://query-coco", overwrite=True)
    with ds:
        ds.create_tensor(
            "categories", htype="class_label", class_names=["person", "car", "motorcycle"]
        )
        ds.categories.extend([[0, 1], [2], [0], [1, 2], [], [1]])
    q = (
        "(select * where contains(categories, 'car')) union "
        "(select * where contains(categories, 'motorcycle'))"
    )
    assert rows(ds.query(q)) == [0, 1, 3, 5]
    q = (
        "(select * where contains(categories, 'car') limit 2) union "
        "(select * where contains(categories, 'motorcycle') limit 1)"
    )
    assert rows(ds.query(q)) == [0, 1, 3]


def test_text_and_json_comparisons():
    ds = deeplake.empty("mem://query-text", overwrite=True)
    with ds:
        ds.create_tensor("caption", htype="text")
        ds.create_tensor("index_meta", htype="json")
        ds.caption.extend(["a cat", "dog", "bird", "dog", ""])
        ds.index_meta.extend(
            [{"id": "x1", "n": 1}, {"id": "x2", "n": 5}, {"id": "x3"}, {"id": "x1", "n": 9}, {}]
        )
    assert rows(ds.query("select * where caption == 'dog'")) == [1, 3]
    assert rows(ds.query("select * where caption > 'b'")) == [1, 2, 3]
    assert rows(ds.query("select * where index_meta['id'] == 'x1'")) == [0, 3]
    assert rows(ds.query("select * where index_meta['n'] > 2")) == [1, 3]
    assert rows(ds.query("select * where contains(caption, 'cat')")) == [0]
    assert rows(ds.query("select * order by caption limit 2")) == [4, 0]
    assert rows(ds[1:].query("select * where caption == 'dog'")) == [1, 3]


def test_ragged_arrays_use_the_per_sample_path():
    ds = deeplake.empty("mem://query-ragged", overwrite=True)
    with ds:
        ds.create_tensor("r", dtype="int64")
        for sample in ([1, 2, 3], [4], [], [5, 6]):
            ds.r.append(np.array(sample, dtype=np.int64))
    assert rows(ds.query("select * where SHAPE(r)[0] == 2")) == [3]
    assert rows(ds.query("select * where ANY(r > 3)")) == [1, 3]
    assert rows(ds.query("select * where ALL_STRICT(r > 0)")) == [0, 1, 3]


# ----------------------------------------------------------------------------- errors


def test_errors_have_positions(ds):
    with pytest.raises(TQLSyntaxError) as err:
        ds.query("select * wher labels == 0")
    assert err.value.line == 1 and err.value.column is not None
    with pytest.raises(TQLError, match="nolabels"):
        ds.query("select * where nolabels == 0")
    with pytest.raises(TypeError):
        ds.query(42)


def test_runtime_and_return_data(ds):
    assert rows(ds.query("select * where labels == 3", runtime={"tensor_db": False})) == [5]
    assert rows(ds.query("select * where labels == 3", runtime={"tensor_db": True})) == [5]
    with pytest.raises(ValueError, match="tensor_db"):
        ds.query("select * where labels == 3", return_data=True)
    with pytest.raises(ValueError, match="locally"):
        ds.query("select *", runtime={"tensor_db": True}, return_data=True)


def test_explain_and_prepare_on_a_dataset(ds):
    plan = ds.explain_query("select * where labels == ? order by score desc limit 1")
    assert "labels" in plan.filter_reads and plan.strategy == "top-k"
    assert "top" in str(plan).lower()
    ex = ds.prepare_query("select * where labels == ? order by score desc")
    assert ex.get_query_string().startswith("select")
    assert rows(ex.run_single([0])) == [9, 6, 4, 0]
    assert [rows(v) for v in ex.run_batch([[3], ["bird"]])] == [[5], [7, 2]]
    assert rows(ex.run_single_async([1]).result()) == [8, 3, 1]
    assert [rows(v) for v in ex.run_batch_async([[3]]).result()] == [[5]]
    with pytest.raises(TQLError):
        ds.prepare_query("select * where missing == ?")


# ----------------------------------------------------------------------------- functions


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


def triple(ctx, x):
    """Vectorised test function: three times each value."""
    return np.asarray(x) * 3


def test_custom_query_function_registered_in_process(ds):
    spec = QueryFunctionSpec(
        name="triple", impl=f"{__name__}:triple", arg_types=("number",), return_type="number"
    )
    with plugins.register(_plugin(spec), name="query_dataset_test_functions"):
        assert rows(ds.query("select * where TRIPLE(labels) == 6")) == [2, 7]
        assert rows(ds.query("select * order by triple(score) desc limit 1")) == [9]
    with pytest.raises(TQLError, match="TRIPLE"):
        ds.query("select * where TRIPLE(labels) == 6")


# ----------------------------------------------------------------------------- column cache


def test_cached_columns_follow_writes(ds):
    assert rows(ds.query("select * where labels == 3")) == [5]
    ds.labels[0] = 3
    assert rows(ds.query("select * where labels == 3")) == [0, 5]
    with ds:
        ds.labels[1] = 3
        assert rows(ds.query("select * where labels == 3")) == [0, 1, 5]
    ds.labels.append(3)
    ds.score.append(1.0)
    ds.boxes.append(np.zeros((2, 2), np.float32))
    assert rows(ds.query("select * where labels == 3")) == [0, 1, 5, 10]


def test_cached_columns_are_read_only_and_shared(ds):
    ds.query("select * where score > 0.5")
    cache = column_cache(ds._state)
    assert cache.used > 0
    src = DatasetSource(ds)
    _, values = next(src.read_column("score", None, 4))
    assert not values.flags.writeable
    # a view over a few rows of a small tensor reads through the cache too
    assert rows(ds[[1, 2]].query("select * where score > 0.15")) == [2]


def test_cache_budget_is_respected(ds):
    cache = column_cache(ds._state)
    cache.clear()
    cache.budget = 8  # bytes: nothing fits
    try:
        assert rows(ds.query("select * where score > 0.85")) == [9]
        assert cache.used == 0
    finally:
        cache.budget = 1 << 30


def test_cached_columns_follow_version_changes(ds):
    first = ds.commit("first")
    assert rows(ds.query("select * where labels == 3")) == [5]
    ds.checkout("alt", create=True)
    ds.labels[0] = 3
    assert rows(ds.query("select * where labels == 3")) == [0, 5]
    ds.commit("second")
    ds.checkout(first)
    assert rows(ds.query("select * where labels == 3")) == [5]
    ds.checkout("alt")
    assert rows(ds.query("select * where labels == 3")) == [0, 5]


def test_query_on_a_single_row_view(ds):
    one = ds[5]
    assert rows(one.query("select * where labels == 3")) == [5]
    assert rows(one.query("select * where labels == 0")) == []
    assert rows(one.filter("labels == 3")) == [5]
    assert rows(ds[["labels"]][5].query("select * where labels == 3")) == [5]
    assert set(ds[["labels"]][5].query("select *").tensors) == {"labels"}
    assert rows(one.sample_by([1.0], size=2)) == [5, 5]
