"""Values flowing through query evaluation, and what each operator means.

A value is a :class:`Const` (one value for every row: a literal, a bound parameter) or
:class:`Rows` (one value per row of the batch: a numpy array whose first axis is the row,
or a list for ragged arrays, text with nulls and json).

Each operator has one definition per row (the ``scalar_*`` functions); the vectorised
numpy paths compute exactly the same thing for whole batches and are used whenever the
operands are plain numeric (or, for comparisons, text) arrays:

* comparisons: numbers compare numerically (arrays elementwise, numpy broadcasting);
  strings compare as strings; ``NULL == NULL`` is true and ``x == NULL`` is true only
  for nulls; any other comparison with a null or between mismatched kinds is false
  (``!=``: true).
* arithmetic (``+ - * / %``, numpy semantics, booleans count as integers): a null or
  non-numeric operand gives null.
* conditions (``WHERE``, ``AND``, ``OR``, ``NOT``): a number is true when non-zero, a
  one-element array by its element, an empty array and null are false; strings, json
  objects and longer arrays are an error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any

import numpy as np

from deeplake_core.tql.source import ColumnInfo


class ValueFault(Exception):
    """A value cannot be used as the query asks; the executor adds the position."""


@dataclass(frozen=True, slots=True)
class Const:
    value: Any


@dataclass(frozen=True, slots=True)
class Rows:
    data: np.ndarray | list
    #: Info of the tensor this value was read from (kept through subscripts).
    info: ColumnInfo | None = None


Value = Const | Rows

COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": np.equal,
    "!=": np.not_equal,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
}
ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.true_divide,
    "%": np.remainder,
}
_PY_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


# ----------------------------------------------------------------------------- kinds


def is_number(x: Any) -> bool:
    return isinstance(x, bool | int | float | np.bool_ | np.number)


def is_numeric(x: Any) -> bool:
    """A number or a numeric (bool/int/float) array."""
    return is_number(x) or (isinstance(x, np.ndarray) and x.dtype.kind in "biuf")


def _is_text_array(x: Any) -> bool:
    return isinstance(x, np.ndarray) and x.dtype.kind in "US"


def _unbool(x: Any) -> Any:
    if isinstance(x, bool | np.bool_):
        return np.int64(x)
    if isinstance(x, np.ndarray) and x.dtype.kind == "b":
        return x.astype(np.int64)
    return x


def row_values(value: Value, n: int) -> Sequence[Any]:
    """One item per row."""
    if isinstance(value, Const):
        return [value.value] * n
    return value.data if isinstance(value.data, list) else list(value.data)


def pack(results: list[Any]) -> np.ndarray | list:
    """Per-row results as an array when they are all numbers, strings or equally
    shaped numeric arrays, else as a list."""
    if not results:
        return np.zeros(0, dtype=bool)
    if all(is_number(r) for r in results):
        return np.asarray(results)
    if all(isinstance(r, str) for r in results):
        return np.asarray(results, dtype=str)
    first = results[0]
    if (
        isinstance(first, np.ndarray)
        and first.dtype.kind in "biuf"
        and all(
            isinstance(r, np.ndarray) and r.shape == first.shape and r.dtype.kind in "biuf"
            for r in results
        )
    ):
        return np.stack(results)
    return list(results)


def const_array(items: list[Any]) -> np.ndarray:
    """An ``ARRAY[...]`` literal: numeric, string, or (mixed) object array."""
    if all(is_numeric(i) for i in items) or all(isinstance(i, str) for i in items):
        try:
            return np.asarray(items)
        except ValueError as exc:  # ragged nesting
            raise ValueFault(f"array items have different shapes: {exc}") from None
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


# ----------------------------------------------------------------------------- per row


def scalar_compare(op: str, x: Any, y: Any) -> Any:
    """``x op y`` for one row (see the module docstring)."""
    if x is None or y is None:
        both = x is None and y is None
        if op == "==":
            return np.bool_(both)
        return np.bool_(not both) if op == "!=" else np.False_
    if is_numeric(x) and is_numeric(y):
        try:
            return COMPARE[op](x, y)
        except ValueError:  # shapes do not broadcast
            return np.bool_(op == "!=")
    if isinstance(x, str) and isinstance(y, str):
        return np.bool_(_PY_COMPARE[op](str(x), str(y)))
    if op in ("==", "!="):
        same = (
            not isinstance(x, np.ndarray)
            and not isinstance(y, np.ndarray)
            and type(x) is type(y)
            and x == y
        )
        return np.bool_(same if op == "==" else not same)
    return np.False_


def scalar_arith(op: str, x: Any, y: Any) -> Any:
    """``x op y`` for one row; null unless both sides are numeric."""
    if not (is_numeric(x) and is_numeric(y)):
        return None
    try:
        with np.errstate(all="ignore"):
            return ARITH[op](_unbool(x), _unbool(y))
    except (ValueError, TypeError):
        return None


def scalar_negate(x: Any) -> Any:
    if not is_numeric(x):
        return None
    with np.errstate(all="ignore"):
        return np.negative(_unbool(x))


def scalar_truth(x: Any, describe: str) -> bool:
    """Truth of one row's value as a condition."""
    if x is None:
        return False
    if is_number(x):
        return bool(x)
    if isinstance(x, np.ndarray) and x.dtype.kind in "biuf":
        if x.size == 0:
            return False
        if x.size == 1:
            return bool(x.reshape(-1)[0])
        raise ValueFault(_truth_message(describe, f"{x.size} values"))
    raise ValueFault(_truth_message(describe, _kind_name(x)))


def _kind_name(x: Any) -> str:
    if isinstance(x, str):
        return "text"
    if isinstance(x, np.ndarray):
        return f"an array of {x.dtype}"
    return f"a json {type(x).__name__}"


def _truth_message(describe: str, got: str) -> str:
    return (
        f"a condition needs one true/false (or numeric) value per row, but {describe} "
        f"gives {got}; compare it, or reduce it with ANY(...), ALL(...) or an index"
    )


def index_row(x: Any, items: Sequence[Any]) -> Any:
    """``x[items]`` for one row; null when the index does not apply or is out of range."""
    if x is None:
        return None
    if isinstance(x, np.ndarray):
        if any(isinstance(i, str) for i in items):
            return None
        try:
            return x[tuple(items)]
        except IndexError:
            return None
    for item in items:
        if isinstance(item, str):
            x = x.get(item) if isinstance(x, dict) else None
        elif isinstance(item, slice):
            x = x[item] if isinstance(x, list) else None
        elif isinstance(x, list) and -len(x) <= item < len(x):
            x = x[item]
        else:
            x = None
        if x is None:
            return None
    return x


# ----------------------------------------------------------------------------- batches


def _dense(value: Value) -> np.ndarray | None:
    """The value as an array (Const scalars included) when it can take a numpy path."""
    if isinstance(value, Rows):
        return value.data if isinstance(value.data, np.ndarray) else None
    v = value.value
    if isinstance(v, np.ndarray) and v.dtype.kind != "O":
        return v
    if is_number(v) or isinstance(v, str):
        return np.asarray(v)
    return None


def _align(a: np.ndarray, a_rows: bool, b: np.ndarray, b_rows: bool, n: int):
    """Reshape so that per-row shapes broadcast like one row's values would."""
    sa = a.shape[1:] if a_rows else a.shape
    sb = b.shape[1:] if b_rows else b.shape
    rank = max(len(sa), len(sb))
    if a_rows:
        a = a.reshape((n,) + (1,) * (rank - len(sa)) + sa)
    if b_rows:
        b = b.reshape((n,) + (1,) * (rank - len(sb)) + sb)
    return a, b


def apply_binary(
    array_fn: Callable[[Any, Any], Any],
    row_fn: Callable[[Any, Any], Any],
    a: Value,
    b: Value,
    n: int,
    vectorise: Callable[[np.ndarray, np.ndarray], bool],
) -> Value:
    """Combine two values: ``array_fn`` on whole batches when ``vectorise(a, b)``
    accepts the arrays, else ``row_fn`` row by row."""
    if isinstance(a, Const) and isinstance(b, Const):
        return Const(row_fn(a.value, b.value))
    da, db = _dense(a), _dense(b)
    if da is not None and db is not None and vectorise(da, db):
        x, y = _align(da, isinstance(a, Rows), db, isinstance(b, Rows), n)
        try:
            with np.errstate(all="ignore"):
                return Rows(array_fn(x, y))
        except ValueError:
            shape_a = da.shape[1:] if isinstance(a, Rows) else da.shape
            shape_b = db.shape[1:] if isinstance(b, Rows) else db.shape
            raise ValueFault(
                f"values of shapes {shape_a} and {shape_b} cannot be combined"
            ) from None
    return Rows(
        pack([row_fn(x, y) for x, y in zip(row_values(a, n), row_values(b, n), strict=False)])
    )


def _both_numeric(x: np.ndarray, y: np.ndarray) -> bool:
    return x.dtype.kind in "biuf" and y.dtype.kind in "biuf"


def _comparable(x: np.ndarray, y: np.ndarray) -> bool:
    return _both_numeric(x, y) or (x.dtype.kind in "US" and y.dtype.kind in "US")


def map_class_names(value: Value, info: ColumnInfo, describe: str) -> Value:
    """Replace class-name strings in a constant by their label values."""
    names = info.class_names or ()

    def label(name: Any) -> Any:
        if not isinstance(name, str):
            return name
        try:
            return np.int64(names.index(name))
        except ValueError:
            shown = ", ".join(repr(c) for c in names[:20]) + (", ..." if len(names) > 20 else "")
            raise ValueFault(
                f"{name!r} is not a class name of {describe} (class names: {shown or 'none'})"
            ) from None

    if not isinstance(value, Const):
        return value
    v = value.value
    if isinstance(v, str):
        return Const(label(v))
    if isinstance(v, np.ndarray) and v.dtype.kind in "USO":
        return Const(const_array([label(i) for i in v.tolist()]))
    return value


def class_info(value: Value) -> ColumnInfo | None:
    if isinstance(value, Rows) and value.info is not None and value.info.class_names:
        return value.info
    return None


def _numeric_tensor(info: ColumnInfo | None) -> bool:
    """Whether values come from a numeric array tensor (a string never matches them)."""
    if info is None or info.sample_form != "array" or info.dtype is None:
        return False
    try:
        return np.dtype(info.dtype).kind in "biuf"
    except TypeError:
        return False


def compare(op: str, a: Value, b: Value, n: int, describe: tuple[str, str]) -> Value:
    """``a op b`` with class names mapped to labels for ``class_label`` tensors."""
    info_a, info_b = class_info(a), class_info(b)
    if info_a is not None:
        b = map_class_names(b, info_a, describe[0])
    if info_b is not None:
        a = map_class_names(a, info_b, describe[1])
    for mine, other, text in ((a, b, describe[0]), (b, a, describe[1])):
        if (
            isinstance(mine, Rows)
            and _numeric_tensor(mine.info)
            and isinstance(other, Const)
            and isinstance(other.value, str)
        ):
            raise ValueFault(
                f"{text} is numeric and cannot be compared with the string "
                f"{other.value!r}; strings compare with text, json and class_label tensors"
            )
    return apply_binary(
        COMPARE[op],
        lambda x, y: scalar_compare(op, x, y),
        a,
        b,
        n,
        _comparable,
    )


def arith(op: str, a: Value, b: Value, n: int) -> Value:
    return apply_binary(
        lambda x, y: ARITH[op](_unbool(x), _unbool(y)),
        lambda x, y: scalar_arith(op, x, y),
        a,
        b,
        n,
        _both_numeric,
    )


def negate(a: Value, n: int) -> Value:
    if isinstance(a, Const):
        return Const(scalar_negate(a.value))
    if isinstance(a.data, np.ndarray) and a.data.dtype.kind in "biuf":
        with np.errstate(all="ignore"):
            return Rows(np.negative(_unbool(a.data)))
    return Rows(pack([scalar_negate(x) for x in row_values(a, n)]))


def elementwise(fn: Callable[[Any, Any], Any], a: Value, b: Value, n: int) -> Value:
    """A boolean elementwise ``fn`` (``np.logical_and`` ...) of two comparison results."""

    def row(x: Any, y: Any) -> Any:
        try:
            return fn(x, y)
        except ValueError:
            return np.False_

    return apply_binary(fn, row, a, b, n, lambda x, y: True)


def logical_not_elementwise(a: Value, n: int) -> Value:
    if isinstance(a, Const):
        return Const(np.logical_not(a.value))
    if isinstance(a.data, np.ndarray):
        return Rows(np.logical_not(a.data))
    return Rows(pack([np.logical_not(x) for x in a.data]))


def is_in(a: Value, items: list[Any], n: int, describe: str) -> Value:
    """``a IN items``: ``a == item`` for some item, elementwise."""
    info = class_info(a)
    if info is not None:
        items = [map_class_names(Const(i), info, describe).value for i in items]
    data = a.data if isinstance(a, Rows) else None
    if isinstance(data, np.ndarray):
        if not items:
            return Rows(np.zeros(data.shape, dtype=bool))
        if (data.dtype.kind in "biuf" and all(is_number(i) for i in items)) or (
            data.dtype.kind in "US" and all(isinstance(i, str) for i in items)
        ):
            return Rows(np.isin(data, np.asarray(items)))
    if not items:
        return Const(np.False_) if isinstance(a, Const) else Rows(np.zeros(n, dtype=bool))
    results = [compare("==", a, Const(i), n, (describe, describe)) for i in items]
    return reduce(lambda x, y: elementwise(np.logical_or, x, y, n), results)


def is_null(a: Value, n: int) -> Value:
    if isinstance(a, Const):
        return Const(np.bool_(a.value is None))
    if isinstance(a.data, np.ndarray):
        return Rows(np.zeros(n, dtype=bool))
    return Rows(np.fromiter((x is None for x in a.data), dtype=bool, count=n))


def truth(value: Value, n: int, describe: str) -> np.ndarray:
    """One bool per row (see the module docstring)."""
    if isinstance(value, Const):
        return np.full(n, scalar_truth(_as_row(value.value), describe), dtype=bool)
    data = value.data
    if isinstance(data, np.ndarray):
        if data.dtype.kind in "biuf":
            flat = data.reshape(n, per_row_size(data))
            if flat.shape[1] == 1:
                column = flat[:, 0]
                return column if column.dtype == bool else column != 0
            if flat.shape[1] == 0:
                return np.zeros(n, dtype=bool)
            raise ValueFault(_truth_message(describe, f"{flat.shape[1]} values per row"))
        if data.dtype.kind != "O":
            raise ValueFault(_truth_message(describe, "text"))
    return np.fromiter((scalar_truth(x, describe) for x in data), dtype=bool, count=n)


def per_row_size(array: np.ndarray) -> int:
    """Values per row of a batch array (works for empty batches too)."""
    return int(np.prod(array.shape[1:], dtype=np.int64))


def _as_row(v: Any) -> Any:
    return np.asarray(v) if isinstance(v, list) else v


def subscript(value: Value, items: list[Any], n: int, describe: str) -> Value:
    """``value[items]``: numpy indexing on arrays, key/position lookup on json."""
    if isinstance(value, Const):
        v = value.value
        if isinstance(v, np.ndarray) and not any(isinstance(i, str) for i in items):
            try:
                return Const(v[tuple(items)])
            except IndexError as exc:
                raise ValueFault(f"cannot index {describe}: {exc}") from None
        return Const(index_row(v, items))
    data = value.data
    if isinstance(data, np.ndarray):
        if data.dtype.kind in "US":
            raise ValueFault(f"{describe} is text and cannot be indexed")
        if any(isinstance(i, str) for i in items):
            raise ValueFault(f"{describe} is an array; string keys index json tensors only")
        try:
            return Rows(data[(slice(None), *items)], value.info)
        except IndexError as exc:
            raise ValueFault(
                f"cannot index {describe} (one sample has shape {data.shape[1:]}): {exc}"
            ) from None
    return Rows(pack([index_row(x, items) for x in data]), value.info)
