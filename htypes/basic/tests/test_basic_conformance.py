"""Every basic htype passes the kernel's htype conformance suite."""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from deeplake_core.exceptions import (
    SampleHtypeMismatchError,
    TensorDtypeMismatchError,
    TensorInvalidSampleShapeError,
    TensorMetaInvalidHtypeOverwriteValue,
)
from deeplake_core.testing.htype import HtypeConformance

ENTRY = "deeplake_core_htypes_basic._plugin"
BAD_VALUE = TensorMetaInvalidHtypeOverwriteValue


def arrays(dtype, shapes, elements):
    return hnp.arrays(dtype, shapes, elements=elements)


class TestClassLabel(HtypeConformance):
    htype = "class_label"
    entry_module = ENTRY
    creation_kwargs = {"class_names": ["cat", "dog"], "chunk_compression": "lz4"}
    invalid_creation_kwargs = [({"class_names": "cat"}, BAD_VALUE)]
    valid_samples = [0, [0, 1], "cat", ["dog", "bird"], np.zeros(3, np.uint32)]
    invalid_samples = [
        ([-1], TensorDtypeMismatchError),
        (np.zeros((2, 2)), TensorInvalidSampleShapeError),
        ({"a": 1}, SampleHtypeMismatchError),
    ]

    def sample_strategy(self):
        return st.lists(
            st.integers(0, 2**32 - 1) | st.sampled_from(["cat", "dog", "x"]), max_size=6
        )


class TestTag(HtypeConformance):
    htype = "tag"
    valid_samples = ["verified", ["a", "b"], []]
    invalid_samples = [(1, SampleHtypeMismatchError), ([1], SampleHtypeMismatchError)]

    def sample_strategy(self):
        return st.lists(st.text(), max_size=5) | st.text()


class TestBBox(HtypeConformance):
    htype = "bbox"
    creation_kwargs = {"coords": {"type": "pixel", "mode": "LTWH"}}
    invalid_creation_kwargs = [({"coords": {"mode": "XYZW"}}, BAD_VALUE)]
    valid_samples = [np.zeros((2, 4)), [[1, 2, 3, 4]], []]
    invalid_samples = [
        (np.zeros((2, 5)), TensorInvalidSampleShapeError),
        ([1, 2, 3, 4], TensorInvalidSampleShapeError),
        ([["a", "b", "c", "d"]], SampleHtypeMismatchError),
    ]

    def sample_strategy(self):
        return arrays(np.float32, st.tuples(st.integers(0, 5), st.just(4)), st.floats(width=32))


class TestBBox3D(HtypeConformance):
    htype = "bbox.3d"
    creation_kwargs = {"coords": {"mode": "vertex"}}
    invalid_creation_kwargs = [({"coords": {"mode": "corner"}}, BAD_VALUE)]
    valid_samples = [np.zeros((2, 8, 3)), np.ones((1, 8, 3), np.float32)]
    invalid_samples = [(np.zeros((2, 9)), TensorInvalidSampleShapeError)]


class TestIntrinsics(HtypeConformance):
    htype = "intrinsic"  # the alias resolves
    valid_samples = [np.zeros((3, 3)), np.eye(3, dtype=np.float32)]
    invalid_samples = [(np.zeros((3, 4)), TensorInvalidSampleShapeError)]


class TestSegmentMask(HtypeConformance):
    htype = "segment_mask"
    creation_kwargs = {"class_names": ["bg", "boat"], "sample_compression": "lz4"}
    valid_samples = [np.zeros((8, 8)), np.ones((4, 6), np.uint8)]
    invalid_samples = [
        (np.zeros((4, 4, 2)), TensorInvalidSampleShapeError),
        (np.full((2, 2), 0.5), TensorDtypeMismatchError),
    ]

    def sample_strategy(self):
        return arrays(np.uint32, hnp.array_shapes(min_dims=2, max_dims=2, max_side=6), None)


class TestBinaryMask(HtypeConformance):
    htype = "binary_mask"
    valid_samples = [np.zeros((4, 4, 2), bool), np.ones((2, 2, 1), np.uint8)]
    invalid_samples = [(np.full((2, 2, 1), 2), TensorDtypeMismatchError)]

    def sample_strategy(self):
        return arrays(bool, hnp.array_shapes(min_dims=3, max_dims=3, max_side=4), None)


class TestKeypointsCoco(HtypeConformance):
    htype = "keypoints_coco"
    creation_kwargs = {"keypoints": ["knee", "elbow"], "connections": [[0, 1]]}
    invalid_creation_kwargs = [({"connections": [[0]]}, BAD_VALUE)]
    valid_samples = [np.zeros((6, 4), np.int32), [[1], [2], [2]]]
    invalid_samples = [(np.zeros((4, 4)), TensorInvalidSampleShapeError)]


class TestPoint(HtypeConformance):
    htype = "point"
    valid_samples = [[[0, 1], [1, 3]], np.zeros((2, 2))]
    invalid_samples = [(np.zeros((2, 4)), TensorInvalidSampleShapeError)]

    def sample_strategy(self):
        return arrays(np.int32, st.tuples(st.integers(0, 5), st.just(2)), None)


class TestPolygon(HtypeConformance):
    htype = "polygon"
    valid_samples = [[[(1, 2), (2, 3), (3, 4)], [(10, 12), (14, 19)]], np.zeros((2, 3, 2)), []]
    invalid_samples = [([[(1, 2)], [(1, 2, 3)]], TensorInvalidSampleShapeError)]

    def sample_strategy(self):
        point = st.tuples(st.integers(-99, 99), st.integers(-99, 99))
        return st.lists(st.lists(point, min_size=1, max_size=5), max_size=4)


class TestEmbedding(HtypeConformance):
    htype = "embedding"
    valid_samples = [np.random.default_rng(0).uniform(-1, 1, 16), [0.5, 0.25]]
    invalid_samples = [(np.zeros((2, 2)), TensorInvalidSampleShapeError)]

    def sample_strategy(self):
        return arrays(np.float32, st.tuples(st.integers(1, 32)), st.floats(width=32))


class TestInstanceLabel(HtypeConformance):
    htype = "instance_label"
    valid_samples = [[1, 2], 5]
    invalid_samples = [([-3], TensorDtypeMismatchError)]
