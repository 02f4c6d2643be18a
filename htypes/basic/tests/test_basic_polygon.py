import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from deeplake_core.exceptions import (
    CorruptedSampleError,
    TensorDtypeMismatchError,
    TensorInvalidSampleShapeError,
)
from deeplake_core.htype import build_tensor_config, coerce_samples, logical_shape, present


@pytest.fixture
def cfg():
    return build_tensor_config("polygon", sample_compression=None)


def test_documented_samples(cfg):
    poly2d = [
        [(1, 2), (2, 3), (3, 4)],
        [(10, 12), (14, 19)],
        [(33, 32), (54, 67), (67, 43), (56, 98)],
    ]
    poly3d = [[(10, 2, 9), (12, 3, 8), (12, 10, 4)], [(10, 1, 8), (5, 17, 11)]]
    regular = np.random.randint(0, 10, (5, 7, 2))
    arrays = [np.random.randint(0, 10, (n, 2)) for n in (5, 8, 3)]
    stored = coerce_samples(cfg, [poly2d, poly3d, regular, arrays], {})
    assert all(s.dtype == np.uint8 and s.ndim == 1 for s in stored)
    assert [logical_shape(cfg, s) for s in stored] == [(3, 4, 2), (2, 3, 3), (5, 7, 2), (3, 8, 2)]
    values = present(cfg, stored, {})  # always a list
    assert isinstance(values, list) and len(values) == 4
    assert [p.tolist() for p in values[0]] == [[list(pt) for pt in poly] for poly in poly2d]
    assert all(p.dtype == np.float32 for p in values[0])
    np.testing.assert_array_equal(np.stack(values[2]), regular.astype(np.float32))
    single = present(cfg, stored[:1], {}, single=True)
    assert len(single) == 3


def test_empty(cfg):
    stored = coerce_samples(cfg, [[], None, [[], [(1, 2)]]], {})
    assert present(cfg, stored[:1], {}, single=True) == []
    assert stored[1] is None and present(cfg, [None], {}, single=True) == []
    polys = present(cfg, stored[2:], {}, single=True)
    assert [p.shape for p in polys] == [(0, 2), (1, 2)]
    assert logical_shape(cfg, stored[0]) == (0, 0, 0)


@pytest.mark.parametrize(
    ("sample", "message"),
    [
        ([[(1, 2)], [(1, 2, 3)]], "same number of coordinates"),
        ([[1, 2, 3]], "list of points"),
        (np.zeros((3, 2)), "array of shape \\(3, 2\\)"),
        (5, "list of polygons"),
    ],
)
def test_bad_polygons(cfg, sample, message):
    with pytest.raises(TensorInvalidSampleShapeError, match=message):
        coerce_samples(cfg, [sample], {})


def test_dtype_rule(cfg):
    int_cfg = build_tensor_config("polygon", dtype="int32")
    with pytest.raises(TensorDtypeMismatchError):
        coerce_samples(int_cfg, [[[(0.5, 1.0)]]], {})
    stored = coerce_samples(int_cfg, [[[(1, 2), (3, 4)]]], {})
    assert present(int_cfg, stored, {}, single=True)[0].dtype == np.int32


def test_corrupt_bytes(cfg):
    with pytest.raises(CorruptedSampleError):
        present(cfg, [np.zeros(3, np.uint8)], {})
    with pytest.raises(CorruptedSampleError):
        present(cfg, [np.array([1, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0], np.uint8)], {})


def test_sequence_of_polygons():
    cfg = build_tensor_config("sequence[polygon]")
    stored = coerce_samples(cfg, [[[[(1, 2)]], [[(3, 4), (5, 6)]]]], {})
    items = present(cfg, stored, {}, single=True)
    assert [[p.tolist() for p in item] for item in items] == [[[[1, 2]]], [[[3, 4], [5, 6]]]]


coords = st.integers(-1000, 1000)


@given(
    st.integers(2, 3).flatmap(
        lambda n: st.lists(
            st.lists(st.tuples(*[coords] * n), min_size=1, max_size=6), min_size=0, max_size=5
        )
    )
)
def test_round_trip(sample):
    cfg = build_tensor_config("polygon")
    stored = coerce_samples(cfg, [sample], {})
    back = present(cfg, stored, {}, single=True)
    assert [p.tolist() for p in back] == [[list(pt) for pt in poly] for poly in sample]
