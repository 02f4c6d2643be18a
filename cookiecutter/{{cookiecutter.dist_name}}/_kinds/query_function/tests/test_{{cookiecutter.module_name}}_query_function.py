"""The function passes the kernel's query-function conformance suite and runs in
dataset queries."""

from __future__ import annotations

import uuid

import deeplake_core as deeplake
import numpy as np
import pytest
from deeplake_core import plugins
from deeplake_core.exceptions import DeepLakeCoreError, MissingPluginError, TQLError
from deeplake_core.testing.query import QueryFunctionConformance
from deeplake_core.tql.functions import resolve_function

from {{ cookiecutter.module_name }}._plugin import FUNCTION

DIST = "{{ cookiecutter.dist_name }}"
ENTRY_POINT = "{{ cookiecutter.__entry_point }}"


class Test{{ cookiecutter.__class_name }}Batches(QueryFunctionConformance):
    """Every check of the kernel's suite, on a column of equal-shape samples."""

    name = FUNCTION

    def make_args(self, rng, n):
        return [(rng.integers(-50, 50, (n, 3, 2)), True)]


class Test{{ cookiecutter.__class_name }}Ragged(QueryFunctionConformance):
    """... and on ragged samples (a list per batch), some of them empty."""

    name = FUNCTION

    def make_args(self, rng, n):
        return [([rng.random(int(rng.integers(0, 5))) for _ in range(n)], True)]


@pytest.fixture
def ds():
    ds = deeplake.empty(f"mem://{ENTRY_POINT}-{uuid.uuid4().hex}")
    ds.create_tensor("x")
    ds.x.extend([np.array([1, 5]), np.array([3, 3, 3]), np.array([-2, 9]), np.array([7])])
    ds.create_tensor("text", htype="text")
    ds.text.extend(["a", "b", "c", "d"])
    return ds


def test_filter_and_order_by(ds) -> None:
    view = ds.query(f"SELECT * WHERE {FUNCTION}(x) > 2")
    assert [int(v) for v in view.x.numpy(aslist=True)[0]] == [1, 5]
    assert len(view) == 2
    ordered = ds.query(f"SELECT * ORDER BY {FUNCTION.upper()}(x) DESC")
    assert [s.tolist() for s in ordered.x.numpy(aslist=True)] == [[-2, 9], [1, 5], [3, 3, 3], [7]]


def test_bad_argument_reported(ds) -> None:
    with pytest.raises(TQLError, match="numeric"):
        ds.query(f"SELECT * WHERE {FUNCTION}(text) > 0")


def test_missing_plugin_names_the_distribution(ds, plugin_registry) -> None:
    """With the plugin blocked (as if uninstalled), looking the function up names the
    blocked distribution, and a query using it is refused."""
    plugins.block(ENTRY_POINT)  # undone by the plugin_registry fixture
    with pytest.raises(MissingPluginError, match=DIST):
        resolve_function(FUNCTION)
    with pytest.raises(DeepLakeCoreError, match=f"(?i){FUNCTION}"):
        ds.query(f"SELECT * WHERE {FUNCTION}(x) > 2")
