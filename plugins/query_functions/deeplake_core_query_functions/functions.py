"""Implementations of the query functions (vectorised over batches of rows).

Each takes a :class:`deeplake_core.tql.CallContext` and the argument values: a per-row
argument is an array whose first axis is the row (or a list with one item per row), a
constant argument is the value itself. See :mod:`deeplake_core.tql.functions`.
Bad arguments raise ``ValueError``; the engine reports it with the query position.
``ALL`` and ``ANY`` are ``all_`` and ``any_`` here (not to shadow the builtins).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deeplake_core.tql.functions import CallContext

# ----------------------------------------------------------------------------- helpers


def _per_row_size(array: np.ndarray) -> int:
    """Values per row of a batch array (works for empty batches too)."""
    return int(np.prod(array.shape[1:], dtype=np.int64))


def _per_row(ctx: CallContext, value: Any, flag: bool, fn) -> Any:
    """Apply ``fn`` to each row of a per-row value, or once to a constant."""
    if not flag:
        return fn(value)
    return [fn(x) for x in value]


def _pack_bools(values: list[Any]) -> np.ndarray:
    return np.fromiter((bool(v) for v in values), dtype=bool, count=len(values))


def _truth(x: Any) -> bool:
    if x is None:
        return False
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"expected a true/false value, got {x!r}")
    if arr.size > 1:
        raise ValueError("expected one true/false value per row, got an array")
    return bool(arr.reshape(-1)[0]) if arr.size else False


def _class_value(ctx: CallContext, index: int, value: Any) -> Any:
    info = ctx.infos[index]
    if isinstance(value, str) and info is not None and info.class_names:
        names = list(info.class_names)
        if value not in names:
            raise ValueError(f"{value!r} is not one of the class names {names[:20]}")
        return names.index(value)
    return value


# ----------------------------------------------------------------------------- CONTAINS


def _contains_one(row: Any, value: Any) -> bool:
    if row is None:
        return False
    if isinstance(row, str):
        return isinstance(value, str) and value in row
    if isinstance(row, np.ndarray):
        if row.dtype.kind in "US":
            return isinstance(value, str) and bool((row == value).any())
        if isinstance(value, str) or row.dtype.kind == "O":
            return any(_contains_one(x, value) for x in row.reshape(-1))
        return bool((row == value).any())
    if isinstance(row, list | dict):
        return value in row
    return row == value


def contains(ctx: CallContext, tensor: Any, value: Any) -> Any:
    """Whether each sample holds ``value``: an element of an array (class names are
    mapped to labels), a substring of a text, an item of a json list or a key of a
    json object."""
    if ctx.per_row[1]:
        raise ValueError("the value to look for must be a constant, not a tensor")
    value = _class_value(ctx, 0, value)
    if isinstance(value, np.ndarray):
        raise ValueError("looks for one value; use IN or ANY(x == ...) for several")
    if not ctx.per_row[0]:
        return _contains_one(tensor, value)
    if isinstance(tensor, np.ndarray):
        n = ctx.n
        if tensor.dtype.kind in "US" and tensor.ndim == 1:
            if not isinstance(value, str):
                return np.zeros(n, dtype=bool)
            return np.char.find(tensor.astype(str), value) >= 0
        if tensor.dtype.kind in "biuf":
            if isinstance(value, str):
                raise ValueError(f"the tensor is numeric and has no class names to match {value!r}")
            return (tensor.reshape(n, _per_row_size(tensor)) == value).any(axis=1)
    return _pack_bools([_contains_one(row, value) for row in tensor])


# ----------------------------------------------------------------------------- RANDOM, SHAPE


def random(ctx: CallContext) -> np.ndarray:
    """A uniform number in [0, 1) per row, from the query's generator."""
    return ctx.rng.random(ctx.n)


def _shape_one(row: Any) -> Any:
    if row is None:
        return None
    if isinstance(row, str):
        return np.zeros(0, dtype=np.int64)
    return np.asarray(np.shape(row), dtype=np.int64)


def shape(ctx: CallContext, tensor: Any) -> Any:
    """The shape of each sample, as an int64 array (one row of the result per row)."""
    if not ctx.per_row[0]:
        return _shape_one(tensor)
    if isinstance(tensor, np.ndarray):
        row_shape = tensor.shape[1:] if tensor.dtype.kind not in "US" else ()
        return np.tile(np.asarray(row_shape, dtype=np.int64), (ctx.n, 1))
    return [_shape_one(row) for row in tensor]


# ----------------------------------------------------------------------------- ALL / ANY


def _reduce(ctx: CallContext, values: Any, kind: str) -> Any:
    def one(x: Any) -> bool:
        if x is None:
            return False
        arr = np.asarray(x)
        if arr.dtype.kind not in "biuf":
            raise ValueError("takes an array of true/false values")
        if kind == "any":
            return bool(arr.any())
        return bool(arr.all()) and (kind == "all" or arr.size > 0)

    if not ctx.per_row[0]:
        return one(values)
    if isinstance(values, np.ndarray) and values.dtype.kind in "biuf":
        flat = values.reshape(ctx.n, _per_row_size(values))
        if kind == "any":
            return flat.any(axis=1)
        out = flat.all(axis=1)
        return out & (flat.shape[1] > 0) if kind == "all_strict" else out
    return _pack_bools([one(x) for x in values])


def all_(ctx: CallContext, values: Any) -> Any:
    """True when every element is true; true for an empty array."""
    return _reduce(ctx, values, "all")


def all_strict(ctx: CallContext, values: Any) -> Any:
    """True when every element is true; false for an empty array."""
    return _reduce(ctx, values, "all_strict")


def any_(ctx: CallContext, values: Any) -> Any:
    """True when at least one element is true."""
    return _reduce(ctx, values, "any")


# ----------------------------------------------------------------------------- LOGICAL_AND/OR


def _logical(ctx: CallContext, a: Any, b: Any, fn) -> Any:
    flag_a, flag_b = ctx.per_row
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and (flag_a or flag_b):
        shape_a = a.shape[1:] if flag_a else a.shape
        shape_b = b.shape[1:] if flag_b else b.shape
        if a.dtype.kind in "biuf" and b.dtype.kind in "biuf":
            if shape_a != shape_b:
                return np.zeros(ctx.n, dtype=bool)
            return fn(a, b)

    def one(x: Any, y: Any) -> Any:
        if x is None or y is None or np.shape(x) != np.shape(y):
            return np.False_
        return fn(np.asarray(x), np.asarray(y))

    if not ctx.rows:
        return one(a, b)
    rows_a = a if flag_a else [a] * ctx.n
    rows_b = b if flag_b else [b] * ctx.n
    return [one(x, y) for x, y in zip(rows_a, rows_b, strict=True)]


def logical_and(ctx: CallContext, a: Any, b: Any) -> Any:
    """Elementwise AND of two equally shaped arrays; false when the shapes differ."""
    return _logical(ctx, a, b, np.logical_and)


def logical_or(ctx: CallContext, a: Any, b: Any) -> Any:
    """Elementwise OR of two equally shaped arrays; false when the shapes differ."""
    return _logical(ctx, a, b, np.logical_or)


# ----------------------------------------------------------------------------- vectors


def _vectors(value: Any, per_row: bool, n: int) -> np.ndarray:
    """A (n, D) matrix for per-row vectors or a (D,) vector for a constant."""
    if per_row:
        if isinstance(value, list):
            if not value or any(v is None for v in value):
                raise ValueError("every row needs a vector (found an empty sample)")
            try:
                value = np.stack([np.asarray(v) for v in value])
            except ValueError:
                raise ValueError("vectors of different lengths in one tensor") from None
        if value.ndim != 2:
            raise ValueError(f"takes 1-D vectors, got samples of shape {value.shape[1:]}")
    else:
        value = np.asarray(value)
        if value.ndim != 1:
            raise ValueError(f"takes a 1-D vector, got shape {value.shape}")
    if value.dtype.kind not in "biuf":
        raise ValueError("takes numeric vectors")
    return value


def _float(m: np.ndarray) -> np.ndarray:
    return m if m.dtype.kind == "f" else m.astype(np.float64)


def _matched(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cast a constant query vector to the tensor's float type (no matrix upcast)."""
    if a.ndim == 2 and b.ndim == 1:
        return a, b.astype(a.dtype)
    if b.ndim == 2 and a.ndim == 1:
        return a.astype(b.dtype), b
    return a, b


def _row_dot(m: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", m, m)


def cosine_similarity(ctx: CallContext, a: Any, b: Any) -> Any:
    """Cosine similarity of two vectors per row (NaN when one has zero length)."""
    if not ctx.rows:
        x, y = _float(_vectors(a, False, 1)), _float(_vectors(b, False, 1))
        _check_dims(x.shape[-1], y.shape[-1])
        with np.errstate(all="ignore"):
            return np.dot(x, y) / (np.linalg.norm(x) * np.linalg.norm(y))
    x = _float(_vectors(a, ctx.per_row[0], ctx.n))
    y = _float(_vectors(b, ctx.per_row[1], ctx.n))
    _check_dims(x.shape[-1], y.shape[-1])
    x, y = _matched(x, y)
    with np.errstate(all="ignore"):
        if x.ndim == 2 and y.ndim == 2:
            dots = np.einsum("ij,ij->i", x, y)
            return dots / (_row_norms(ctx, 0, x) * _row_norms(ctx, 1, y))
        index, matrix, vector = (0, x, y) if x.ndim == 2 else (1, y, x)
        dots = matrix @ vector
        dots /= _row_norms(ctx, index, matrix)
        dots /= np.linalg.norm(vector)
        return dots


def _l2_rows(m: Any) -> np.ndarray:
    """Euclidean length of each row (float rows keep their precision)."""
    m = _float(_vectors(m, True, len(m)))
    with np.errstate(all="ignore"):
        return np.sqrt(_row_dot(m))


def _row_norms(ctx: CallContext, index: int, matrix: np.ndarray) -> np.ndarray:
    """Row lengths of per-row argument ``index`` (``matrix`` in this batch), computed
    once per tensor and kept by the source when it can (see ``CallContext.derived``)."""
    return ctx.derived(index, "cosine_similarity/l2_rows", _l2_rows, matrix)


def _check_dims(d1: int, d2: int) -> None:
    if d1 != d2:
        raise ValueError(f"vectors of different lengths ({d1} and {d2})")


def _norm(ctx: CallContext, args: tuple[Any, ...], order: str) -> Any:
    if len(args) > 2:
        raise ValueError("takes one vector, or two to measure their distance")
    flags = ctx.per_row
    if len(args) == 2:
        x = _float(_vectors(args[0], flags[0], ctx.n))
        y = _float(_vectors(args[1], flags[1], ctx.n))
        _check_dims(x.shape[-1], y.shape[-1])
        x, y = _matched(x, y)
        diff = x - y
    else:
        diff = _float(_vectors(args[0], flags[0], ctx.n))
    if diff.ndim == 1:
        return _norm_rows(diff[None, :], order)[0]
    return _norm_rows(diff, order)


def _norm_rows(m: np.ndarray, order: str) -> np.ndarray:
    if order == "l2":
        return np.sqrt(_row_dot(m))
    if order == "l1":
        return np.abs(m).sum(axis=1)
    if m.shape[1] == 0:
        return np.zeros(len(m), dtype=m.dtype)
    return np.abs(m).max(axis=1)


def l2_norm(ctx: CallContext, *args: Any) -> Any:
    """Euclidean length of a vector, or euclidean distance between two."""
    return _norm(ctx, args, "l2")


def l1_norm(ctx: CallContext, *args: Any) -> Any:
    """Sum of absolute values of a vector, or manhattan distance between two."""
    return _norm(ctx, args, "l1")


def linf_norm(ctx: CallContext, *args: Any) -> Any:
    """Largest absolute value of a vector, or chebyshev distance between two."""
    return _norm(ctx, args, "linf")


# ----------------------------------------------------------------------------- max_weight


def max_weight(ctx: CallContext, *pairs: tuple[Any, Any]) -> Any:
    """``max_weight(cond: weight, ...)``: per row, the largest weight whose condition
    holds, 0 when none does (weights for ``sample_by``)."""
    n = ctx.n if ctx.rows else 1
    best = np.zeros(n, dtype=np.float64)
    for (cond, weight), (cond_rows, weight_rows) in zip(pairs, ctx.per_row, strict=True):
        if cond_rows:
            arr = cond if isinstance(cond, np.ndarray) else None
            if arr is not None and arr.dtype.kind in "biuf" and _per_row_size(arr) == 1:
                mask = arr.reshape(n) != 0
            else:
                mask = np.fromiter((_truth(c) for c in cond), dtype=bool, count=n)
        else:
            mask = np.full(n, _truth(cond))
        if weight_rows:
            w = np.asarray(
                [np.nan if v is None else v for v in weight]
                if isinstance(weight, list)
                else weight,
                dtype=np.float64,
            ).reshape(n)
        else:
            if weight is None or np.asarray(weight).dtype.kind not in "biuf":
                raise ValueError(f"a weight must be a number, got {weight!r}")
            w = np.full(n, float(weight))
        if np.any(w[mask] < 0):
            raise ValueError("weights cannot be negative")
        best = np.where(mask, np.fmax(best, w), best)
    return best if ctx.rows else float(best[0])
