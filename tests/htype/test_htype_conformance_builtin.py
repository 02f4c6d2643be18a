"""The kernel's built-in htypes pass the conformance suite plugin authors use."""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from deeplake_core.exceptions import (
    SampleHtypeMismatchError,
    TensorDtypeMismatchError,
    TensorInvalidSampleShapeError,
)
from deeplake_core.testing.htype import HtypeConformance


class TestGeneric(HtypeConformance):
    htype = "generic"
    entry_module = "deeplake_core.builtin._plugin"
    valid_samples = [np.zeros((2, 3)), [1.5, 2.5], 3.0, np.float64(1)]
    invalid_samples = [
        ("text", SampleHtypeMismatchError),
        ([[1, 2], [3]], TensorInvalidSampleShapeError),
    ]

    def sample_strategy(self):
        return hnp.arrays(
            np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), elements=st.floats()
        )


class TestGenericTyped(HtypeConformance):
    htype = "generic"
    creation_kwargs = {"dtype": "uint8"}
    valid_samples = [[1, 2], np.zeros(3, np.int64)]
    invalid_samples = [([-1], TensorDtypeMismatchError), ([0.5], TensorDtypeMismatchError)]


class TestText(HtypeConformance):
    htype = "text"
    valid_samples = ["hello", "", "naïve ✓", np.str_("x")]
    invalid_samples = [(1, SampleHtypeMismatchError), ({"a": 1}, SampleHtypeMismatchError)]

    def sample_strategy(self):
        return st.text()


class TestJson(HtypeConformance):
    htype = "json"
    valid_samples = [{"a": 1, "b": [1, 2.5, None]}, [1, "x"], "s", 3, {}]
    invalid_samples = [({1: 2}, SampleHtypeMismatchError), (object(), SampleHtypeMismatchError)]

    def sample_strategy(self):
        return st.dictionaries(st.text(max_size=4), st.integers() | st.text(), max_size=4)


class TestList(HtypeConformance):
    htype = "list"
    valid_samples = [[1, "a", None], [], ("x",)]
    invalid_samples = [("abc", SampleHtypeMismatchError), (5, SampleHtypeMismatchError)]

    def sample_strategy(self):
        return st.lists(st.integers() | st.text(), max_size=5)
