"""Every query, filter, sampler and random-split example of the Deep Lake 3 reference
(Tensor Query Language, Sampler, Random Split, ``Dataset.query/filter/sample_by/
random_split``, saved filter views), on local stand-ins for the hub datasets they load:

* mnist-train: 60,000 rows of which 5,923 have label 0 (the documented count);
* coco-train: 20,000 rows of multi-label ``categories`` in which 14,376 rows hold
  'car' or 'motorcycle' (the documented union count).

The dataloader forms (``ds.dataloader().query/sample_by``) are in
tests/loaders/test_seed_examples.py, the Deep Lake 4 examples in tests/v4.
"""

from __future__ import annotations

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core.exceptions import TQLError

MNIST_ROWS, MNIST_ZEROS = 60_000, 5_923
COCO_ROWS, COCO_CAR_OR_MOTORCYCLE = 20_000, 14_376


def rows(view) -> list[int]:
    return [int(i) for i in view.sample_indices]


@pytest.fixture(scope="module")
def mnist(tmp_path_factory):
    """mnist-train stand-in: ``labels`` (class_label 0-9) + tiny ``images``."""
    rng = np.random.default_rng(0)
    labels = rng.integers(1, 10, MNIST_ROWS).astype(np.uint32)
    labels[rng.choice(MNIST_ROWS, MNIST_ZEROS, replace=False)] = 0
    path = str(tmp_path_factory.mktemp("seeds") / "mnist-train")
    ds = deeplake.dataset(path, overwrite=True)
    with ds:
        ds.create_tensor("images", dtype="uint8")
        ds.create_tensor("labels", htype="class_label", class_names=[str(i) for i in range(10)])
        ds.images.extend(rng.integers(0, 255, (MNIST_ROWS, 2, 2), dtype=np.uint8))
        ds.labels.extend(labels)
    ds.commit("mnist")
    return ds, labels


@pytest.fixture(scope="module")
def coco():
    """coco-train stand-in: ``categories`` holds 'car' in rows 0-9999, 'motorcycle' in
    rows 8000-14375 and 'person' everywhere."""
    names = ["person", "car", "motorcycle", "bicycle"]
    ds = deeplake.dataset("mem://seed-coco-train", overwrite=True)
    ds.create_tensor("categories", htype="class_label", class_names=names)
    samples = []
    for i in range(COCO_ROWS):
        labels = [0] + ([1] if i < 10_000 else []) + ([2] if 8_000 <= i < 14_376 else [])
        samples.append(np.asarray(labels + ([3] if i % 7 == 0 else []), dtype=np.uint32))
    ds.categories.extend(samples)
    return ds


# ----------------------------------------------------------------------------- TQL examples


def test_mnist_zeros(mnist):
    ds, labels = mnist
    result = ds.query("select * where labels == 0")
    assert len(result) == MNIST_ZEROS
    assert rows(result) == np.flatnonzero(labels == 0).tolist()


def test_coco_car_union_motorcycle(coco):
    result = coco.query(
        "(select * where contains(categories, 'car')) union "
        "(select * where contains(categories, 'motorcycle'))"
    )
    assert len(result) == COCO_CAR_OR_MOTORCYCLE
    assert rows(result) == list(range(COCO_CAR_OR_MOTORCYCLE))


def test_coco_first_thousand_of_each(coco):
    query_ds_train = coco.query(
        "(select * where contains(categories, 'car') limit 1000) union "
        "(select * where contains(categories, 'motorcycle') limit 1000)"
    )
    assert rows(query_ds_train) == list(range(1000)) + list(range(8000, 9000))
    assert len(coco.query("select * where CONTAINS(categories, 'person')")) == COCO_ROWS


def test_fashion_mnist_labels_other_than_5(mnist):
    ds, labels = mnist
    query_ds = ds.query("select * where labels != 5")
    assert rows(query_ds) == np.flatnonzero(labels != 5).tolist()


def test_experimental_query_function(mnist):
    from deeplake_core.experimental import query, sample_by

    ds, _ = mnist
    assert len(query(ds, "select * where labels == 0")) == MNIST_ZEROS
    sampled = sample_by(ds, "max_weight(labels == 5: 10, labels == 6: 5)", size=100)
    assert set(ds.labels.numpy()[rows(sampled)].ravel().tolist()) <= {5, 6}
    assert deeplake.experimental.query is query


# ----------------------------------------------------------------------------- grammar


@pytest.fixture
def small():
    """Every tensor kind the TQL section uses in its expressions."""
    ds = deeplake.dataset("mem://seed-tql-small", overwrite=True)
    with ds:
        ds.create_tensor("labels", htype="class_label", class_names=[f"c{i}" for i in range(10)])
        ds.create_tensor("categories", dtype="int32")
        ds.create_tensor("boxes", dtype="float32")
        ds.create_tensor("index_meta", htype="json")
        ds.create_tensor("caption", htype="text")
        ds.labels.extend(np.array([0, 1, 2, 5, 6, 7, 8, 9], dtype=np.uint32))
        ds.categories.extend(np.array([[1, 2], [0, 1], [1, 1], [3, 0]] * 2, dtype=np.int32))
        ds.boxes.extend((np.arange(48, dtype=np.float32) - 10).reshape(8, 2, 3))
        ds.index_meta.extend([{"id": f"id{i}", "score": (i * 3) % 5} for i in range(7)] + [{}])
        ds.caption.extend(["a cat", "dog", "", "cat and dog", "bird", "Cat", "x", "cat"])
    return ds


GRAMMAR = [
    # SELECT * [FROM string] [WHERE expression] [LIMIT n [OFFSET m]] [ORDER BY e [ASC/DESC]]
    ("SELECT *", list(range(8))),
    ("select * from 'anything' where labels == 0", [0]),
    ("select * where labels >= 5 limit 2 offset 1", [4, 5]),
    ("select * where labels >= 5 limit 2 offset 1 order by labels desc", [6, 5]),
    ("select * where labels >= 5 order by labels desc limit 2 offset 1", [6, 5]),
    ("select * order by labels desc", [7, 6, 5, 4, 3, 2, 1, 0]),
    ("select * order by labels asc limit 3", [0, 1, 2]),
    ("select * order by index_meta['score'] desc, labels", [3, 1, 6, 4, 2, 0, 5, 7]),
    ("select * order by caption limit 3", [2, 5, 0]),
    # comparisons, strings on class_label/json/text, subscripts and slicing
    ("select * where labels != 5", [0, 1, 2, 4, 5, 6, 7]),
    ("select * where labels < 2", [0, 1]),
    ("select * where labels <= 2", [0, 1, 2]),
    ("select * where labels > 7", [6, 7]),
    ("select * where labels == 'c9'", [7]),
    ("select * where index_meta['id'] == 'id3'", [3]),
    ("select * where caption == 'cat'", [7]),
    ("select * where categories[0] == 1", [0, 2, 4, 6]),
    ("select * where ALL(boxes[:2] > 0)", [2, 3, 4, 5, 6, 7]),
    ("select * where boxes[1, 2] > 20", [5, 6, 7]),
    # logic, BETWEEN, IN
    ("select * where labels == 0 OR labels == 1", [0, 1]),
    ("select * where labels BETWEEN 0 and 5", [0, 1, 2, 3]),
    ("select * where labels in ARRAY[0, 2, 4, 6, 8]", [0, 2, 4, 6]),
    ("select * where NOT labels in ARRAY[0, 2, 4, 6, 8] AND labels > 1", [3, 5, 7]),
    # functions
    ("select * where CONTAINS(categories, 3)", [3, 7]),
    ("select * where CONTAINS(caption, 'cat')", [0, 3, 7]),
    ("select * where SHAPE(boxes)[0] == 2", list(range(8))),
    ("select * where ALL(categories == 1)", [2, 6]),
    ("select * where ALL_STRICT(categories > 0)", [0, 2, 4, 6]),
    ("select * where ANY(categories == 3)", [3, 7]),
    ("select * where ANY(LOGICAL_AND(categories > 0, categories < 2))", [0, 1, 2, 4, 5, 6]),
    ("select * where ALL(LOGICAL_OR(categories == 1, categories == 2))", [0, 2, 4, 6]),
    # set operations
    ("(select * where labels < 5) union (select * where labels > 8)", [0, 1, 2, 7]),
    ("(select * where labels < 7) intersect (select * where labels > 1)", [2, 3, 4]),
    ("(select * where labels < 7) except (select * where labels > 1)", [0, 1]),
]


@pytest.mark.parametrize(("query", "expected"), GRAMMAR)
def test_documented_grammar(small, query, expected):
    assert rows(small.query(query)) == expected


@pytest.mark.parametrize("condition", ["caption", "index_meta", "boxes"])
def test_where_on_text_json_or_arrays_is_an_error(small, condition):
    with pytest.raises(TQLError, match="one true/false"):
        small.query(f"select * where {condition}")


def test_order_by_random_shuffles_reproducibly(small):
    deeplake.random.seed(7)
    first = rows(small.query("select * ORDER BY RANDOM()"))
    deeplake.random.seed(7)
    assert rows(small.query("select * ORDER BY RANDOM()")) == first
    assert sorted(first) == list(range(8))


# ----------------------------------------------------------------------------- filter


def test_filter_function_and_expression_are_identical(mnist):
    ds, labels = mnist
    head = ds[:3000]
    by_function = head.filter(lambda sample: sample.labels.numpy() == 2)
    by_expression = head.filter("labels == 2")
    want = np.flatnonzero(labels[:3000] == 2).tolist()
    assert rows(by_function) == rows(by_expression) == want


def test_saved_filter_view(mnist):
    ds, _ = mnist
    zeros = ds.filter("labels == 0")
    zeros.save_view(id="zeros")
    zeros = ds.load_view(id="zeros")
    assert len(zeros) == MNIST_ZEROS


# ----------------------------------------------------------------------------- sampler


def test_sample_by_max_weight_draws_5_twice_as_often_as_6(mnist):
    ds, labels = mnist
    deeplake.random.seed(1)
    sampled_ds = ds.sample_by("max_weight(labels == 5: 10, labels == 6: 5)")
    assert len(sampled_ds) == len(ds)
    drawn = labels[rows(sampled_ds)]
    assert set(drawn.tolist()) == {5, 6}
    n5, n6 = (labels == 5).sum(), (labels == 6).sum()
    ratio = (drawn == 5).sum() / (drawn == 6).sum()
    assert ratio == pytest.approx(2 * n5 / n6, rel=0.06)


def test_sample_by_labels_tensor_as_weights(mnist):
    ds, labels = mnist
    deeplake.random.seed(2)
    drawn = labels[rows(ds.sample_by("labels"))]
    assert 0 not in drawn
    counts = np.bincount(drawn, minlength=10)
    expected = np.bincount(labels, minlength=10) * np.arange(10)
    np.testing.assert_allclose(counts[1:] / counts.sum(), expected[1:] / expected.sum(), atol=0.01)


def test_sample_by_list_of_weights_without_replacement(mnist):
    ds, _ = mnist
    weights = list()
    for i in range(len(ds)):
        weights.append(i % 5)
    sampled_ds = ds.sample_by(weights, replace=False)
    drawn = rows(sampled_ds)
    assert len(drawn) == len(set(drawn))
    assert all(i % 5 for i in drawn)
    assert len(ds.sample_by(weights, replace=False, size=10)) == 10


# ----------------------------------------------------------------------------- random split


def test_random_split_example(tmp_path):
    ds = deeplake.dataset(str(tmp_path / "test_ds"), overwrite=True)
    ds.create_tensor("labels", htype="class_label")
    ds.labels.extend([0, 1, 2, 1, 3])
    assert len(ds) == 5
    train_ds, val_ds = ds.random_split([0.8, 0.2])
    assert (len(train_ds), len(val_ds)) == (4, 1)
    train_ds, val_ds = ds.random_split([3, 2])
    assert (len(train_ds), len(val_ds)) == (3, 2)
    assert sorted(rows(train_ds) + rows(val_ds)) == [0, 1, 2, 3, 4]


def test_random_split_remainders_round_robin(mnist):
    ds, _ = mnist
    parts = ds[:10].random_split([0.25, 0.25, 0.5])  # 2.5, 2.5, 5 -> 3, 2, 5
    assert [len(p) for p in parts] == [3, 2, 5]
    assert sorted(i for p in parts for i in rows(p)) == list(range(10))
