"""What a query reads from: the :class:`QuerySource` protocol and an in-memory source.

The dataset layer adapts a dataset (or a view) to :class:`QuerySource`; tests and
benchmarks use :class:`ArraySource`, a table of numpy arrays and lists.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

SampleForm = Literal["array", "text", "json", "list"]


@dataclass(frozen=True)
class ColumnInfo:
    """What the planner knows about a column before reading it.

    ``ndim`` and ``fixed_shape`` describe one sample (the row axis excluded);
    ``fixed_shape`` is ``None`` when samples differ in shape (ragged data, read as a
    list of arrays). ``class_names`` maps ``class_label`` strings to label values.
    """

    htype: str = "generic"
    dtype: str | None = None
    ndim: int | None = None
    class_names: tuple[str, ...] | None = None
    fixed_shape: tuple[int, ...] | None = None
    sample_form: SampleForm = "array"

    def __post_init__(self) -> None:
        if self.class_names is not None and not isinstance(self.class_names, tuple):
            object.__setattr__(self, "class_names", tuple(self.class_names))
        if self.fixed_shape is not None and not isinstance(self.fixed_shape, tuple):
            object.__setattr__(self, "fixed_shape", tuple(self.fixed_shape))


@runtime_checkable
class QuerySource(Protocol):
    """A table of equally long columns that a query runs over.

    ``read_column`` yields ``(row_indices, values)`` batches, in order, that together
    cover ``indices`` (all rows when ``None``), each at most ``batch_rows`` long.
    ``values`` is an ``np.ndarray`` whose first axis is the batch when samples share a
    shape, else a list with one item per row (arrays, strings, json objects, ``None``).

    A source may also offer ``derived_column(name, tag, compute, indices)``: the result
    of ``compute(whole column)`` at rows ``indices``, computed once and kept while the
    column is unchanged, or ``None`` when it cannot keep it (the engine then computes
    per batch). Query functions reach it through ``CallContext.derived``.
    """

    def __len__(self) -> int: ...

    def column_names(self) -> list[str]: ...

    def column_info(self, name: str) -> ColumnInfo: ...

    def read_column(
        self, name: str, indices: np.ndarray | None, batch_rows: int
    ) -> Iterator[tuple[np.ndarray, np.ndarray | list]]: ...


def _infer_info(values: np.ndarray | Sequence[Any]) -> ColumnInfo:
    if isinstance(values, np.ndarray):
        if values.dtype.kind in "US":
            return ColumnInfo(htype="text", dtype="str", ndim=0, fixed_shape=(), sample_form="text")
        if values.dtype.kind == "O":
            return _infer_info(list(values))
        return ColumnInfo(
            dtype=values.dtype.name,
            ndim=values.ndim - 1,
            fixed_shape=tuple(values.shape[1:]),
        )
    items = [v for v in values if v is not None]
    if items and all(isinstance(v, str) for v in items):
        return ColumnInfo(htype="text", dtype="str", ndim=0, sample_form="text")
    if items and all(isinstance(v, np.ndarray) for v in items):
        shapes = {v.shape for v in items}
        ndims = {v.ndim for v in items}
        dtypes = {v.dtype for v in items}
        return ColumnInfo(
            dtype=np.result_type(*dtypes).name,
            ndim=ndims.pop() if len(ndims) == 1 else None,
            fixed_shape=None if len(shapes) != 1 or len(items) != len(values) else shapes.pop(),
        )
    return ColumnInfo(htype="json", dtype="Any", sample_form="json")


def _contiguous(indices: np.ndarray) -> slice | None:
    """``indices`` as a slice when they are consecutive ascending rows."""
    if len(indices) == 0:
        return slice(0, 0)
    first, last = int(indices[0]), int(indices[-1])
    # strictly increasing over exactly that span: consecutive (cheaper than np.diff)
    if last - first + 1 == len(indices) and (
        len(indices) < 3 or bool(np.all(indices[1:] > indices[:-1]))
    ):
        return slice(first, last + 1)
    return None


class ArraySource:
    """An in-memory :class:`QuerySource`: ``{name: np.ndarray | list}`` of equal length.

    Column infos are inferred (a string array is ``text``, a list of dicts ``json``, a
    list of differently shaped arrays ragged) unless given in ``infos``.
    """

    def __init__(
        self,
        columns: Mapping[str, np.ndarray | Sequence[Any]],
        infos: Mapping[str, ColumnInfo] | None = None,
    ):
        lengths = {name: len(values) for name, values in columns.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"ArraySource columns must be equally long, got {lengths}")
        self._columns = {
            name: values if isinstance(values, np.ndarray) else list(values)
            for name, values in columns.items()
        }
        self._length = next(iter(lengths.values()), 0)
        given = dict(infos or {})
        unknown = set(given) - set(self._columns)
        if unknown:
            raise ValueError(f"infos given for unknown columns {sorted(unknown)}")
        self._infos = {
            name: given.get(name) or _infer_info(values) for name, values in self._columns.items()
        }

    def __len__(self) -> int:
        return self._length

    def column_names(self) -> list[str]:
        return list(self._columns)

    def column_info(self, name: str) -> ColumnInfo:
        return self._infos[name]

    def read_column(
        self, name: str, indices: np.ndarray | None, batch_rows: int
    ) -> Iterator[tuple[np.ndarray, np.ndarray | list]]:
        values = self._columns[name]
        if indices is None:
            for start in range(0, self._length, batch_rows):
                stop = min(start + batch_rows, self._length)
                yield np.arange(start, stop, dtype=np.int64), values[start:stop]
            return
        indices = np.asarray(indices, dtype=np.int64)
        for start in range(0, len(indices), batch_rows):
            part = indices[start : start + batch_rows]
            window = _contiguous(part)
            if window is not None:
                yield part, values[window]
            elif isinstance(values, np.ndarray):
                yield part, values[part]
            else:
                yield part, [values[i] for i in part]
