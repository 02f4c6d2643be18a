"""deeplake_core.util.shape_interval.ShapeInterval."""

from __future__ import annotations

import numpy as np
import pytest

from deeplake_core.exceptions import InvalidShapeIntervalError
from deeplake_core.util.shape_interval import ShapeInterval


def test_fixed_shape():
    s = ShapeInterval((2, 10, 10))
    assert s.lower == s.upper == (2, 10, 10)
    assert s.is_fixed and not s.is_dynamic
    assert s.astuple() == (2, 10, 10)
    assert str(s) == "(2, 10, 10)" and len(s) == 3


def test_dynamic_shape():
    s = ShapeInterval([2, 10, 10], [2, 10, 15])
    assert s.is_dynamic and not s.is_fixed
    assert s.astuple() == (2, 10, None)
    assert str(s) == "(2, 10, 10:15)" == repr(s)
    assert s == ShapeInterval((2, 10, 10), (2, 10, 15))
    assert hash(s) == hash(ShapeInterval((2, 10, 10), (2, 10, 15)))


def test_numpy_ints_and_scalars():
    s = ShapeInterval(np.array([3]), (np.int64(5),))
    assert s.lower == (3,) and s.upper == (5,) and str(s) == "(3:5,)"
    assert str(ShapeInterval(())) == "()"


@pytest.mark.parametrize(
    "lower,upper",
    [((1, 2), (1,)), ((3,), (2,)), ((-1,), None), ((1.5,), None), ((1,), ("a",))],
)
def test_invalid_bounds(lower, upper):
    with pytest.raises(InvalidShapeIntervalError) as info:
        ShapeInterval(lower, upper)
    assert str(info.value)
