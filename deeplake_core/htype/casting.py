"""The dtype rule applied when samples are written.

A sample whose dtype differs from the tensor's is converted when no value changes
meaning; otherwise :class:`~deeplake_core.exceptions.TensorDtypeMismatchError` is
raised and nothing is written. Precisely, from source dtype ``S`` to tensor dtype ``T``:

1. ``S == T``: stored as is (no copy).
2. ``S`` casts to ``T`` under numpy's ``"safe"`` rule (``int16 -> int32``,
   ``uint8 -> float32``, ``bool -> uint8``): converted.
3. Narrowing within floats (``float64 -> float32``): converted, rounding as numpy
   does, unless a finite value would overflow to infinity.
4. Anything else (``float -> int``, ``int -> uint``, ``int64 -> int32``,
   ``int64 -> float32``, ``float -> bool``, complex to real): converted only if every
   value survives the round trip exactly, so ``np.zeros((512, 512))`` goes into a
   ``uint32`` mask but ``[0.5]`` into an ``int32`` tensor, ``-1`` into ``uint32`` or
   ``300`` into ``uint8`` are refused.

This extends to arrays the value-based rule the reference implementation applies to
Python scalars (where ``3`` fits ``uint8``), and keeps its "equal or safely castable"
guarantee: a stored value is always the value given, up to float rounding.
Strings, bytes and objects never convert to numbers
(:class:`~deeplake_core.exceptions.SampleHtypeMismatchError`).

All checks are vectorised: one ``astype`` plus min/max reductions, or a round-trip
comparison where a range cannot decide (float to int, int to float); never a Python
loop over elements.
"""

from __future__ import annotations

import warnings

import numpy as np

from deeplake_core.exceptions import SampleHtypeMismatchError, TensorDtypeMismatchError

#: dtype kinds that hold numbers (bool, signed, unsigned, float, complex).
NUMERIC_KINDS = frozenset("biufc")


def dtype_mismatch(expected: np.dtype, actual: np.dtype, htype: str) -> TensorDtypeMismatchError:
    """The error for a sample that cannot be stored under the tensor's dtype."""
    exc = TensorDtypeMismatchError(str(expected), str(actual), htype)
    exc.args = (
        f"Tensor of htype {htype!r} has dtype {str(expected)!r}; a sample of dtype "
        f"{str(actual)!r} cannot be stored without changing its values (fractions into "
        "integers, negative numbers into unsigned, or values out of range). Convert the "
        f"sample with .astype({str(expected)!r}) if that loss is intended, or create the "
        "tensor with a wider dtype.",
    )
    return exc


def cast_array(arr: np.ndarray, dtype: np.dtype, htype: str) -> np.ndarray:
    """Return ``arr`` as ``dtype`` under the module's rule, or raise."""
    src = arr.dtype
    if src == dtype:
        return arr
    if src.kind not in NUMERIC_KINDS:
        exc = SampleHtypeMismatchError(htype, src)
        exc.args = (
            f"Samples of dtype {str(src)!r} (strings, bytes or objects) cannot be stored in "
            f"a numeric tensor of htype {htype!r}; use htype='text' for strings or "
            "htype='json' for objects.",
        )
        raise exc
    if np.can_cast(src, dtype, "safe") or arr.size == 0:
        return arr.astype(dtype)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        ok = _fits(arr, dtype)
        out = arr.astype(dtype) if ok is not False else None
        if ok is None:  # no cheap answer: compare values after a round trip
            if src.kind == "f" and dtype.kind == "f":
                ok = not bool(np.any(np.isinf(out) & np.isfinite(arr)))
            else:
                ok = bool(np.array_equal(out.astype(src), arr))
    if not ok:
        raise dtype_mismatch(dtype, src, htype)
    return out


def _fits(arr: np.ndarray, dtype: np.dtype) -> bool | None:
    """Range check by two reductions (no temporary arrays); None when undecided."""
    src = arr.dtype
    if src.kind in "iub" and dtype.kind in "iu":
        limits = np.iinfo(dtype)
        return bool(arr.min() >= limits.min and arr.max() <= limits.max)
    if src.kind == "f" and dtype.kind == "f":
        top = np.finfo(dtype).max
        if arr.min() >= -top and arr.max() <= top:
            return True  # NaN or infinities fail these tests: decided value by value
    return None
