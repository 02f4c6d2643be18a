"""CSV export and CSV/Parquet import for the Deep Lake 4 face.

CSV cells: numbers as written by ``repr`` (floats round-trip exactly), text as is,
arrays/lists/dicts as JSON. Reading CSV infers one type per column: ``Int64`` if every
non-empty cell is an integer, ``Float64`` if every one is a number (empty cells become
NaN), else ``Text``. Parquet columns map by Arrow type (ints, floats, bools, strings,
lists, structs); pyarrow is needed only for Parquet.
"""

from __future__ import annotations

import csv
import io
import json
import os
from typing import Any

import numpy as np

from deeplake_core.v4 import types

# ----------------------------------------------------------------------------- export


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int | str):
        return value
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return json.dumps(value, default=_json_default)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"cannot write {type(obj).__name__} to CSV")


def write_csv(owner: Any, stream: Any) -> None:
    """Write ``owner``'s rows to a text stream (or a path) as CSV."""
    if isinstance(stream, str | os.PathLike):
        with open(stream, "w", newline="", encoding="utf-8") as f:
            write_csv(owner, f)
        return
    names = owner._column_names()
    writer = csv.writer(stream)
    writer.writerow(names)
    from deeplake_core.v4.delegate import batches

    for batch in batches(owner, 256, False):
        cols = [batch[n] for n in names]
        for row in zip(*cols, strict=True):
            writer.writerow([_cell(v) for v in row])


# ----------------------------------------------------------------------------- import


def _text_of(data: Any, what: str) -> str:
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data).decode("utf-8-sig")
    if isinstance(data, str | os.PathLike):
        with open(data, encoding="utf-8-sig", newline="") as f:
            return f.read()
    if hasattr(data, "read"):
        out = data.read()
        return out.decode("utf-8-sig") if isinstance(out, bytes) else out
    raise TypeError(f"{what} takes a path, bytes or a file object, got {type(data).__name__}")


def _is_int(s: str) -> bool:
    try:
        int(s)
    except ValueError:
        return False
    return True


def _is_float(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def _csv_column(cells: list[str]) -> tuple[types.Type, list[Any]]:
    present = [c for c in cells if c != ""]
    if present and len(present) == len(cells) and all(_is_int(c) for c in present):
        return types.Int64(), [int(c) for c in cells]
    if present and all(_is_float(c) for c in present):
        return types.Float64(), [float(c) if c != "" else float("nan") for c in cells]
    return types.Text(), cells


def read_csv(data: Any) -> tuple[dict[str, types.Type], dict[str, list[Any]]]:
    """Parse CSV (path, bytes, str path or file object) into column types and values."""
    text = _text_of(data, "from_csv")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ValueError("the CSV data is empty (it needs at least a header row)")
    header, body = rows[0], rows[1:]
    if len(set(header)) != len(header):
        raise ValueError(f"the CSV header repeats a column name: {header}")
    for i, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise ValueError(f"CSV row {i} has {len(row)} cells, the header {len(header)}")
    schema: dict[str, types.Type] = {}
    values: dict[str, list[Any]] = {}
    for j, name in enumerate(header):
        schema[name], values[name] = _csv_column([r[j] for r in body])
    return schema, values


def _arrow_type(field_type: Any) -> types.Type:
    import pyarrow as pa

    t = field_type
    if pa.types.is_boolean(t):
        return types.Scalar("bool")
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        return types.Scalar(t.to_pandas_dtype())
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return types.Text()
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        inner = t.value_type
        if pa.types.is_integer(inner) or pa.types.is_floating(inner):
            return types.Array(inner.to_pandas_dtype(), dimensions=1)
        return types.List()
    if pa.types.is_struct(t) or pa.types.is_map(t):
        return types.Dict()
    raise TypeError(f"Parquet columns of Arrow type {t} are not supported")


def _arrow_values(column: Any, ctype: types.Type) -> Any:
    if ctype.scalar:
        if column.null_count:
            arr = column.to_numpy(zero_copy_only=False)
            return np.where(arr == None, np.nan, arr).astype(np.float64)  # noqa: E711
        return column.to_numpy(zero_copy_only=False)
    values = column.to_pylist()
    if isinstance(ctype, types.Array):
        return [np.asarray(v if v is not None else [], dtype=ctype.dtype) for v in values]
    return values


def read_parquet(data: Any) -> tuple[dict[str, types.Type], dict[str, Any]]:
    """Read Parquet (path, bytes or file object) into column types and values."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        from deeplake_core.exceptions import ModuleNotInstalledException

        raise ModuleNotInstalledException(
            "from_parquet needs the 'pyarrow' package: pip install pyarrow"
        ) from exc
    if isinstance(data, bytes | bytearray | memoryview):
        data = pa.BufferReader(bytes(data))
    table = pq.read_table(data)
    schema: dict[str, types.Type] = {}
    values: dict[str, Any] = {}
    for field in table.schema:
        ctype = _arrow_type(field.type)
        column = table.column(field.name)
        if ctype.scalar and column.null_count and ctype.dtype != "float64":
            ctype = types.Float64()
        schema[field.name] = ctype
        values[field.name] = _arrow_values(column, ctype)
    return schema, values
