"""``ds.filter``, ``ds.sample_by`` and ``ds.random_split`` as documented."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core.exceptions import (
    DatasetViewSavingError,
    FilterError,
    MemoryDatasetCanNotBePickledError,
    TQLError,
)

N = 60


def rows(view) -> list[int]:
    return list(view.sample_indices)


@pytest.fixture
def ds(request):
    ds = deeplake.empty(f"mem://fss-{request.node.name}", overwrite=True)
    with ds:
        ds.create_tensor("labels", htype="class_label", class_names=[str(i) for i in range(10)])
        ds.create_tensor("w", dtype="float64")
        ds.labels.extend(np.arange(N) % 10)
        ds.w.extend((np.arange(N) % 3).astype(np.float64))
    yield ds
    deeplake.random.seed(None)


# ----------------------------------------------------------------------------- filter


def test_filter_function_and_expression_agree(ds):
    want = [i for i in range(N) if i % 10 == 2]
    by_fn = ds.filter(lambda sample: sample.labels.numpy() == 2, progressbar=False)
    by_expr = ds.filter("labels == 2")
    assert rows(by_fn) == rows(by_expr) == want
    assert by_expr._query_info.query == "labels == 2"
    assert by_fn._query_info.kind == "filter" and by_fn._query_info.query is None


@pytest.mark.parametrize("workers", [1, 2, 3, 7])
def test_filter_threads_over_contiguous_blocks(ds, workers):
    seen: set[str] = set()

    def fn(sample):
        seen.add(threading.current_thread().name)
        return int(sample.labels.numpy()[0]) in (1, 7)

    view = ds.filter(fn, num_workers=workers, progressbar=False)
    assert rows(view) == [i for i in range(N) if i % 10 in (1, 7)]
    assert all(name.startswith("deeplake-filter") for name in seen)
    serial = ds.filter(fn, num_workers=workers, scheduler="serial", progressbar=False)
    assert rows(serial) == rows(view)


def test_filter_on_views_and_progressbar(ds):
    view = ds[10:30].filter("labels >= 8")
    assert rows(view) == [18, 19, 28, 29]
    again = view.filter(lambda s: float(s.w.numpy()[0]) > 0, progressbar=True)
    assert rows(again) == [i for i in [18, 19, 28, 29] if i % 3]


def test_filter_errors(ds):
    def boom(sample):
        raise RuntimeError("bad sample")

    with pytest.raises(FilterError, match="bad sample"):
        ds.filter(boom, progressbar=False)
    with pytest.raises(FilterError, match="bad sample"):
        ds.filter(boom, num_workers=2, progressbar=False)
    with pytest.raises(FilterError, match="one bool"):
        ds.filter(lambda s: np.array([True, False]), progressbar=False)
    with pytest.raises(TQLError):
        ds.filter("labels ==")
    with pytest.raises(TypeError):
        ds.filter(3)
    with pytest.raises(ValueError, match="scheduler"):
        ds.filter("labels == 1", scheduler="fast")
    with pytest.raises(MemoryDatasetCanNotBePickledError, match="threaded"):
        ds.filter(lambda s: True, num_workers=2, scheduler="processed")  # in memory
    with pytest.raises(ValueError, match="num_workers"):
        ds.filter("labels == 1", num_workers=-1)


def test_filter_save_result_without_save_view(ds, monkeypatch):
    monkeypatch.setattr(type(ds), "save_view", None, raising=False)
    with pytest.raises(DatasetViewSavingError, match="committed"):
        ds.filter("labels == 1", save_result=True, result_path="mem://x")


def test_filter_save_result_saves_the_view(tmp_path):
    ds = deeplake.empty(str(tmp_path / "mnist"))
    ds.create_tensor("labels", htype="class_label")
    ds.labels.extend(np.arange(N) % 10)
    with pytest.raises(DatasetViewSavingError):  # nothing committed yet
        ds.filter("labels == 0", save_result=True)
    ds.commit("data")
    # the documented flow: filter, save the view, load it back
    zeros = ds.filter("labels == 0")
    zeros.save_view(id="zeros")
    zeros = ds.load_view(id="zeros")
    assert len(zeros) == N // 10
    assert rows(zeros) == list(range(0, N, 10))
    ones = ds.filter(lambda s: s.labels.numpy()[0] == 1, save_result=True, progressbar=False)
    assert rows(ones) == list(range(1, N, 10))
    assert len(ds.get_views()) == 2  # "zeros" and the filter's own
    copy = ds.filter("labels == 2", save_result=True, result_path=str(tmp_path / "twos"))
    assert rows(copy) == list(range(2, N, 10))
    assert deeplake.load(str(tmp_path / "twos")).labels.numpy().ravel().tolist() == [2] * 6
    ranked = ds.query("select * where labels >= 8 order by labels desc limit 4")
    ranked.save_view(id="ranked")
    assert rows(ds.load_view(id="ranked")) == rows(ranked) == [9, 19, 29, 39]


# ----------------------------------------------------------------------------- sample_by


def test_sample_by_expression_weights(ds):
    deeplake.random.seed(3)
    view = ds.sample_by("max_weight(labels == 5: 10, labels == 6: 5)")
    labels = view.labels.numpy().ravel()
    assert len(view) == N
    assert set(labels.tolist()) <= {5, 6}
    assert (labels == 5).sum() > (labels == 6).sum()
    assert view._query_info.kind == "sample_by"


def test_sample_by_class_name_in_expression(ds):
    deeplake.random.seed(4)
    view = ds.sample_by("max_weight(labels == '3': 1)", size=25)
    assert len(view) == 25 and set(view.labels.numpy().ravel().tolist()) == {3}


def test_sample_by_tensor_name_and_lists(ds):
    deeplake.random.seed(5)
    by_tensor = ds.sample_by("w")
    assert all(i % 3 for i in rows(by_tensor))  # weight 0 rows are never drawn
    weights = [i % 5 for i in range(N)]
    for given in (weights, tuple(weights), np.asarray(weights)):
        view = ds.sample_by(given, replace=False)
        # the documented example: without replacement and without a size, every row
        # whose weight is above 0 is drawn once, in weighted random order
        assert sorted(rows(view)) == [i for i in range(N) if i % 5]
    with pytest.raises(ValueError, match="distinct"):
        ds.sample_by(weights, replace=False, size=N)


def test_sample_by_replace_false_draws_distinct_rows(ds):
    deeplake.random.seed(6)
    view = ds.sample_by([1.0] * N, replace=False, size=N)
    assert sorted(rows(view)) == list(range(N)) and rows(view) != list(range(N))
    view = ds.sample_by([1.0] * N, replace=True, size=200)
    assert len(view) == 200 and len(set(rows(view))) < 200


def test_sample_by_is_reproducible_with_the_seed(ds):
    deeplake.random.seed(11)
    a = rows(ds.sample_by("labels + 1", size=30))
    deeplake.random.seed(11)
    b = rows(ds.sample_by("labels + 1", size=30))
    assert a == b


def test_sample_by_on_a_view(ds):
    deeplake.random.seed(1)
    view = ds[20:30].sample_by([0] * 9 + [1], size=3)
    assert rows(view) == [29, 29, 29]
    view = ds[20:30].sample_by([0] * 8 + [1, 1000], replace=False)
    assert sorted(rows(view)) == [28, 29]


def test_sample_by_errors(ds):
    with pytest.raises(ValueError, match="negative"):
        ds.sample_by([-1.0] + [1.0] * (N - 1))
    with pytest.raises(ValueError, match="every weight is 0"):
        ds.sample_by([0] * N)
    with pytest.raises(ValueError, match="values for a dataset"):
        ds.sample_by([1, 2, 3])
    with pytest.raises(ValueError, match="NaN"):
        ds.sample_by([float("nan")] * N)
    with pytest.raises(ValueError, match="size"):
        ds.sample_by("w", size=-1)
    with pytest.raises(TypeError):
        ds.sample_by(5)
    with pytest.raises(TQLError):
        ds.sample_by("nosuchtensor")
    assert len(ds.sample_by("w", size=0)) == 0


# ----------------------------------------------------------------------------- random_split


def test_random_split_documented_example(tmp_path):
    ds = deeplake.dataset(str(tmp_path / "test_ds"), overwrite=True)
    ds.create_tensor("labels", htype="class_label")
    ds.labels.extend([0, 1, 2, 1, 3])
    assert len(ds) == 5
    train_ds, val_ds = ds.random_split([0.8, 0.2])
    assert (len(train_ds), len(val_ds)) == (4, 1)
    train_ds, val_ds = ds.random_split([3, 2])
    assert (len(train_ds), len(val_ds)) == (3, 2)
    assert sorted(rows(train_ds) + rows(val_ds)) == [0, 1, 2, 3, 4]


def test_random_split_fractions_round_robin_remainders(ds):
    parts = ds.random_split([0.25, 0.25, 0.25, 0.25])  # 60 rows: 15 each
    assert [len(p) for p in parts] == [15, 15, 15, 15]
    parts = ds[:7].random_split([0.5, 0.3, 0.2])  # floor: 3, 2, 1 -> one left, to the first
    assert [len(p) for p in parts] == [4, 2, 1]
    all_rows = sorted(r for p in parts for r in rows(p))
    assert all_rows == list(range(7))


def test_random_split_views_query_and_seed(ds):
    deeplake.random.seed(2)
    a = [rows(p) for p in ds.random_split([0.5, 0.5])]
    deeplake.random.seed(2)
    b = [rows(p) for p in ds.random_split([0.5, 0.5])]
    assert a == b
    train, _ = ds.random_split([30, 30])
    assert all(i % 10 == 4 for i in rows(train.query("select * where labels == 4")))


def test_random_split_errors(ds):
    with pytest.raises(ValueError):
        ds.random_split([10, 10])  # sum is not the length
    with pytest.raises(ValueError):
        ds.random_split([1.5, -0.5])  # fractions outside [0, 1]
    ds.labels.append(1)  # tensors now differ in length
    with pytest.raises(ValueError):
        ds.random_split([0.5, 0.5])
