import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from deeplake_core.exceptions import SampleHtypeMismatchError, TensorDtypeMismatchError
from deeplake_core.htype import cast_array


def test_same_dtype_is_not_copied():
    arr = np.zeros((4, 3), dtype=np.float32)
    assert cast_array(arr, np.dtype("float32"), "generic") is arr


@pytest.mark.parametrize(
    ("values", "src", "dst"),
    [
        ([1, 2], "int16", "int32"),  # safe
        ([1, 2], "uint8", "float32"),  # safe
        ([True, False], "bool", "uint8"),  # safe
        ([0.1, 1e30], "float64", "float32"),  # float narrowing, in range
        ([0.0, 3.0], "float64", "uint32"),  # exact float -> int
        ([5, 7], "int64", "uint32"),  # non-negative into unsigned
        ([100, -100], "int64", "int8"),  # in range
        ([0.0, 1.0], "float64", "bool"),  # exact 0/1
        ([3 + 0j], "complex128", "float64"),  # no imaginary part
        ([2**24], "int64", "float32"),  # exactly representable
    ],
)
def test_value_preserving_casts_accepted(values, src, dst):
    arr = np.array(values, dtype=src)
    out = cast_array(arr, np.dtype(dst), "generic")
    assert out.dtype == np.dtype(dst)
    np.testing.assert_allclose(out.astype(src), arr, rtol=1e-6)


@pytest.mark.parametrize(
    ("values", "src", "dst"),
    [
        ([0.5], "float64", "int32"),
        ([-1], "int64", "uint32"),
        ([300], "int64", "uint8"),
        ([1e39], "float64", "float32"),  # overflows to inf
        ([np.nan], "float64", "int32"),
        ([2.0], "float64", "bool"),
        ([1 + 1j], "complex128", "float64"),
        ([2**24 + 1], "int64", "float32"),
    ],
)
def test_value_changing_casts_refused(values, src, dst):
    with pytest.raises(TensorDtypeMismatchError, match=f"has dtype '{dst}'.*{src}"):
        cast_array(np.array(values, dtype=src), np.dtype(dst), "bbox")


def test_infinities_stay_infinite_when_narrowing():
    out = cast_array(np.array([np.inf, -np.inf, np.nan]), np.dtype("float32"), "generic")
    assert np.isinf(out[:2]).all() and np.isnan(out[2])


def test_strings_never_become_numbers():
    with pytest.raises(SampleHtypeMismatchError, match=r"htype='text' for strings"):
        cast_array(np.array(["1"]), np.dtype("int32"), "generic")


def test_empty_arrays_cast_freely():
    assert cast_array(np.zeros((0, 4)), np.dtype("uint8"), "bbox").dtype == np.uint8


@given(
    hnp.arrays(np.int64, hnp.array_shapes(max_dims=2, max_side=5), elements=st.integers(-400, 400)),
    st.sampled_from(["uint8", "int8", "uint16", "int16", "uint32", "bool", "float16"]),
)
def test_int_cast_accepted_iff_values_survive(arr, dst):
    dtype = np.dtype(dst)
    survives = np.array_equal(arr.astype(dtype).astype(np.int64), arr)
    if survives or arr.size == 0:
        np.testing.assert_array_equal(cast_array(arr, dtype, "generic").astype(np.int64), arr)
    else:
        with pytest.raises(TensorDtypeMismatchError):
            cast_array(arr, dtype, "generic")


@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=5)))
def test_float_to_int_only_for_integral_values(arr):
    integral = bool(np.all(np.isfinite(arr))) and bool(np.all(arr == np.round(arr)))
    fits = integral and bool(np.all(np.abs(arr) < 2**31))
    if fits or arr.size == 0:
        assert cast_array(arr, np.dtype("int32"), "generic").dtype == np.int32
    else:
        with pytest.raises(TensorDtypeMismatchError):
            cast_array(arr, np.dtype("int32"), "generic")
