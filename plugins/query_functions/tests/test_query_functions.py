from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from deeplake_core.plugins import get_registry
from deeplake_core.testing.query import QueryFunctionConformance
from deeplake_core.tql import ArraySource, ColumnInfo, execute

# ----------------------------------------------------------------------------- conformance


class TestContains(QueryFunctionConformance):
    name = "contains"

    def make_args(self, rng, n):
        return [(rng.integers(0, 5, (n, 3)), True), (np.int64(2), False)]


class TestContainsRagged(QueryFunctionConformance):
    name = "contains"

    def make_args(self, rng, n):
        return [([rng.integers(0, 4, int(rng.integers(0, 4))) for _ in range(n)], True), (1, False)]


class TestShape(QueryFunctionConformance):
    name = "shape"

    def make_args(self, rng, n):
        return [([np.zeros((int(rng.integers(0, 3)), 2)) for _ in range(n)], True)]


class TestRandom(QueryFunctionConformance):
    name = "random"

    def make_args(self, rng, n):
        return []


@pytest.mark.parametrize("fn", ["all", "all_strict", "any"])
class TestReductions(QueryFunctionConformance):
    @pytest.fixture(autouse=True)
    def _name(self, fn):
        self.name = fn

    def make_args(self, rng, n):
        return [(rng.random((n, 2)) > 0.5, True)]


@pytest.mark.parametrize("fn", ["logical_and", "logical_or"])
class TestLogical(QueryFunctionConformance):
    @pytest.fixture(autouse=True)
    def _name(self, fn):
        self.name = fn

    def make_args(self, rng, n):
        return [(rng.random((n, 3)) > 0.5, True), (np.array([True, False, True]), False)]


@pytest.mark.parametrize("fn", ["cosine_similarity", "l2_norm", "l1_norm", "linf_norm"])
class TestVectors(QueryFunctionConformance):
    @pytest.fixture(autouse=True)
    def _name(self, fn):
        self.name = fn

    def make_args(self, rng, n):
        return [(rng.normal(size=(n, 4)).astype(np.float32), True), (rng.normal(size=4), False)]


class TestMaxWeight(QueryFunctionConformance):
    name = "max_weight"

    def make_args(self, rng, n):
        labels = rng.integers(0, 3, n)
        return [((labels == 1, 10), (True, False)), ((labels == 2, rng.random(n)), (True, True))]


# ----------------------------------------------------------------------------- behaviour

SRC = ArraySource(
    {
        "labels": np.array([[0], [1], [2], [1]], dtype=np.uint32),
        "text": np.array(["a cat", "dog", "", "cats"]),
        "meta": [{"tags": ["x", "y"]}, {"tags": []}, {"k": 1}, None],
        "boxes": [np.zeros((2, 4)), np.zeros((0, 4)), np.zeros((1, 4)), np.zeros((3, 4))],
        "flags": np.array([[True, True], [True, False], [False, False], [True, True]]),
        "other": np.array([[True, False], [True, True], [False, True], [True, True]]),
    },
    {
        "labels": ColumnInfo(
            htype="class_label",
            dtype="uint32",
            ndim=1,
            class_names=["cat", "dog", "bird"],
            fixed_shape=(1,),
        )
    },
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT * WHERE CONTAINS(labels, 'dog')", [1, 3]),
        ("SELECT * WHERE contains(text, 'cat')", [0, 3]),
        ("SELECT * WHERE contains(meta['tags'], 'y')", [0]),
        ("SELECT * WHERE contains(meta, 'k')", [2]),
        ("SELECT * WHERE SHAPE(boxes)[0] >= 2", [0, 3]),
        ("SELECT * WHERE ALL(flags)", [0, 3]),
        ("SELECT * WHERE ANY(flags) AND NOT ALL(flags)", [1]),
        ("SELECT * WHERE ALL(boxes[:, 0] == 0)", [0, 1, 2, 3]),
        ("SELECT * WHERE ALL_STRICT(boxes[:, 0] == 0)", [0, 2, 3]),
        ("SELECT * WHERE ALL(LOGICAL_AND(flags, other))", [3]),
        ("SELECT * WHERE ANY(LOGICAL_OR(flags, ARRAY[false, false]))", [0, 1, 3]),
        ("SELECT * WHERE ANY(LOGICAL_OR(flags, ARRAY[true, true, true]))", []),
    ],
)
def test_functions_in_queries(query, expected):
    assert execute(query, SRC).indices.tolist() == expected


def test_bad_arguments_are_query_errors():
    from deeplake_core.exceptions import TQLError

    with pytest.raises(TQLError, match="not one of the class names"):
        execute("SELECT * WHERE contains(labels, 'zebra')", SRC)
    with pytest.raises(TQLError, match="must be a constant"):
        execute("SELECT * WHERE contains(text, text)", SRC)
    with pytest.raises(TQLError, match="different lengths"):
        execute("SELECT * ORDER BY cosine_similarity(flags, ARRAY[1, 2, 3]) LIMIT 1", SRC)


def test_all_functions_registered():
    names = set(get_registry().query_functions.names())
    assert {
        "contains",
        "random",
        "shape",
        "all",
        "all_strict",
        "any",
        "logical_and",
        "logical_or",
        "cosine_similarity",
        "l2_norm",
        "l1_norm",
        "linf_norm",
        "max_weight",
    } <= names


def test_entry_module_is_light():
    code = (
        "import sys, deeplake_core_query_functions._plugin as p;"
        "p.register_query_functions();"
        "assert 'deeplake_core_query_functions.functions' not in sys.modules;"
        "assert 'deeplake_core.tql' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
