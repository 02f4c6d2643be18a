"""The htype passes the kernel's htype conformance suite and works in a dataset."""

from __future__ import annotations

import deeplake_core as deeplake
import numpy as np
import pytest
from deeplake_core import plugins
from deeplake_core.exceptions import (
    MissingPluginError,
    TensorDtypeMismatchError,
    TensorInvalidSampleShapeError,
    TensorMetaInvalidHtypeOverwriteValue,
)
from deeplake_core.testing.htype import HtypeConformance
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from {{ cookiecutter.module_name }}._impl import {{ cookiecutter.__class_name }}ValueError
from {{ cookiecutter.module_name }}._plugin import HTYPE

DIST = "{{ cookiecutter.dist_name }}"
ENTRY_POINT = "{{ cookiecutter.__entry_point }}"


class Test{{ cookiecutter.__class_name }}Conformance(HtypeConformance):
    """Every check of the kernel's suite, run against this htype."""

    htype = HTYPE
    entry_module = "{{ cookiecutter.module_name }}._plugin"
    creation_kwargs = {"bit_depth": 8}
    invalid_creation_kwargs = [
        ({"bit_depth": 0}, TensorMetaInvalidHtypeOverwriteValue),
        ({"bit_depth": 17}, TensorMetaInvalidHtypeOverwriteValue),
        ({"bit_depth": "8"}, TensorMetaInvalidHtypeOverwriteValue),
    ]
    valid_samples = [
        np.zeros((4, 5), np.uint16),
        [[0, 255], [17, 3]],
        np.full((2, 3), 255, np.uint8),
        np.zeros((0, 3), np.uint16),
    ]
    invalid_samples = [
        (np.full((2, 2), 256), {{ cookiecutter.__class_name }}ValueError),
        (np.zeros(3, np.uint16), TensorInvalidSampleShapeError),
        (np.array([[-1, 2]]), TensorDtypeMismatchError),
    ]

    def sample_strategy(self):
        shapes = hnp.array_shapes(min_dims=2, max_dims=2, min_side=0, max_side=6)
        return hnp.arrays(np.uint16, shapes, elements=st.integers(0, 255))


def test_dataset_round_trip(tmp_path) -> None:
    path = str(tmp_path / "ds")
    ds = deeplake.empty(path)
    ds.create_tensor("scans", htype=HTYPE, bit_depth=10)
    ds.scans.append(np.arange(12, dtype=np.uint16).reshape(3, 4))
    ds.scans.append(np.full((2, 2), 1023, np.uint16))
    with pytest.raises({{ cookiecutter.__class_name }}ValueError, match="1024 does not fit in 10 bits"):
        ds.scans.append(np.full((2, 2), 1024))
    ds.flush()

    again = deeplake.load(path)
    assert again.scans.htype == HTYPE
    assert again.scans.info["bit_depth"] == 10
    assert len(again.scans) == 2
    np.testing.assert_array_equal(again.scans[1].numpy(), np.full((2, 2), 1023))
    assert again.scans[0].numpy().dtype == np.uint16


def test_missing_plugin_names_the_distribution(tmp_path, plugin_registry) -> None:
    """With the plugin blocked (as if uninstalled), reading the tensor names the
    package to install; the dataset's other tensors still read."""
    path = str(tmp_path / "ds")
    ds = deeplake.empty(path)
    ds.create_tensor("scans", htype=HTYPE)
    ds.scans.append(np.ones((2, 2), np.uint16))
    ds.create_tensor("labels")
    ds.labels.append(7)
    ds.flush()

    plugins.block(ENTRY_POINT)  # undone by the plugin_registry fixture
    again = deeplake.load(path)
    assert again.labels.numpy().ravel().tolist() == [7]
    with pytest.raises(MissingPluginError, match=DIST):
        again.scans.numpy()
