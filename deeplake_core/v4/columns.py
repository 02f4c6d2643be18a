"""Columns, rows and the schema of the Deep Lake 4 face.

A column is a Deep Lake 3 :class:`~deeplake_core.core.tensor.Tensor` seen through its
column type: indexing returns the data itself (``ds["labels"][0]`` is a number,
``ds["images"][:]`` an array or a list of arrays, ``ds["text"][:2]`` a list of str),
never a tensor view.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from deeplake_core.exceptions import DynamicTensorNumpyError, ReadOnlyModeError
from deeplake_core.v4.metadata import Metadata, ReadOnlyMetadata
from deeplake_core.v4.types import Type, type_of_entry

if TYPE_CHECKING:
    from deeplake_core.core.dataset import Dataset as CoreDataset
    from deeplake_core.core.tensor import Tensor

#: Rows read per block when iterating a dataset row by row.
ROW_BLOCK = 64


def read_values(tensor: Tensor, ctype: Type) -> Any:
    """The data under a tensor (view) in the form its column type defines."""
    single = tensor.index.squeeze
    form = tensor._cfg.sample_form
    if form == "text":
        return tensor.text()
    if form == "json":
        return tensor.dict()
    if form == "list":
        return tensor.list()
    try:
        data: Any = tensor.numpy()
    except DynamicTensorNumpyError:
        data = tensor.numpy(aslist=True)
    if not ctype.scalar:
        return data
    if single:
        arr = np.asarray(data)
        return arr.reshape(-1)[0] if arr.size == 1 else None
    if isinstance(data, np.ndarray) and data.ndim == 2 and data.shape[1] == 1:
        return data[:, 0]
    if isinstance(data, np.ndarray) and data.ndim == 1:
        return data
    return [np.asarray(x).reshape(-1)[0] if np.size(x) == 1 else None for x in data]


def _row_index(item: Any) -> Any:
    if isinstance(item, np.integer):
        return int(item)
    return item


class ColumnView:
    """Read access to one column (of a dataset or a view of it)."""

    _writable = False

    def __init__(self, core: CoreDataset, name: str, owner: Any = None):
        self._core = core
        self._name = name
        #: the v4 dataset object this column was taken from (told about writes)
        self._owner = owner

    # -- identity -------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def _tensor(self) -> Tensor:
        return self._core[self._name]

    @property
    def _entry(self) -> Any:
        return self._core._state.manifest.tensors[self._core._abs(self._name)]

    @property
    def dtype(self) -> Type:
        """The column's type (a :mod:`deeplake_core.types` type)."""
        return type_of_entry(self._entry)

    @property
    def metadata(self) -> ReadOnlyMetadata:
        return ReadOnlyMetadata(lambda: self._entry.info, f"column {self._name!r}")

    def __len__(self) -> int:
        return len(self._tensor)

    # -- reading --------------------------------------------------------------------
    def __getitem__(self, item: Any) -> Any:
        """Data of row ``item`` (int), or of rows (slice, list of ints, int array)."""
        item = _row_index(item)
        if isinstance(item, tuple):
            raise TypeError(
                "a column is indexed by rows only (an int, slice or list of ints); index the "
                "returned array for in-sample axes"
            )
        return read_values(self._tensor[item], self.dtype)

    def get_async(self, item: Any) -> Any:
        """A future of ``self[item]`` (``.result()``, ``.wait()``, ``await``)."""
        from deeplake_core.v4._async import submit

        return submit(self.__getitem__, item)

    def __iter__(self) -> Iterator[Any]:
        ctype = self.dtype
        n = len(self)
        for start in range(0, n, ROW_BLOCK):
            block = read_values(self._tensor[start : min(n, start + ROW_BLOCK)], ctype)
            yield from block

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        data = np.asarray(self[:])
        return data.astype(dtype) if dtype is not None else data

    def numpy(self) -> Any:
        """Every row's data (same as ``column[:]``)."""
        return self[:]

    def __setitem__(self, item: Any, value: Any) -> None:
        raise ReadOnlyModeError(
            f"column {self._name!r} is read-only here (a read-only dataset or a view); "
            "open the dataset with deeplake.open() to change it"
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self._name!r}, dtype={self.dtype!r})"


class Column(ColumnView):
    """A column of a writable dataset: read, write (``column[i] = value``) and
    metadata persisted at once."""

    _writable = True

    @property
    def metadata(self) -> Metadata:
        core = self._core

        def persist(change: Any) -> None:
            state = core._state
            with state.write():
                change(self._entry.info)
                state.mark_meta()

        return Metadata(lambda: self._entry.info, f"column {self._name!r}", persist)

    def __setitem__(self, item: Any, value: Any) -> None:
        item = _row_index(item)
        ctype = self.dtype
        if isinstance(item, int):
            ctype.check(self._name, [value])
        else:
            ctype.check(self._name, value if not isinstance(value, str | dict) else [value])
        self._tensor[item] = value
        written = getattr(self._owner, "_written", None)
        if written is not None:
            written(f"update column {self._name}")

    def set_async(self, item: Any, value: Any) -> Any:
        """A future that writes ``value`` at ``item``."""
        from deeplake_core.v4._async import submit

        return submit(self.__setitem__, item, value)


class RowView:
    """Read access to one row: ``row["column"]`` is that column's data."""

    _writable = False

    def __init__(self, owner: Any, index: int, cache: dict[str, Any] | None = None):
        self._owner = owner
        self._index = index
        self._cache = cache if cache is not None else {}

    @property
    def row_id(self) -> int:
        """The row's position in the dataset (for a view: in the underlying dataset)."""
        rows = self._owner._core._index.values(len(self._owner._core))
        return int(rows[self._index]) if self._owner._core._index.base is not None else self._index

    def __getitem__(self, column: str) -> Any:
        if column in self._cache:
            return self._cache[column]
        return self._owner[column][self._index]

    def keys(self) -> list[str]:
        return self._owner._column_names()

    def to_dict(self) -> dict[str, Any]:
        return {name: self[name] for name in self.keys()}

    def __contains__(self, column: object) -> bool:
        return column in self.keys()

    def __setitem__(self, column: str, value: Any) -> None:
        raise ReadOnlyModeError(
            "this row is read-only (a read-only dataset or a view); open the dataset with "
            "deeplake.open() to change it"
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(index={self._index})"


class Row(RowView):
    """One row of a writable dataset: ``row["column"] = value`` updates it."""

    _writable = True

    def __setitem__(self, column: str, value: Any) -> None:
        self._owner[column][self._index] = value
        self._cache.pop(column, None)


class ColumnDefinitionView:
    """Name and type of one column of a schema."""

    def __init__(self, name: str, dtype: Type, owner: Any = None):
        self.name = name
        self.dtype = dtype
        self._owner = owner

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, dtype={self.dtype!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ColumnDefinitionView) and (self.name, self.dtype) == (
            other.name,
            other.dtype,
        )

    __hash__ = None  # type: ignore[assignment]


class ColumnDefinition(ColumnDefinitionView):
    """A column of a writable dataset's schema (``drop()``, ``rename(new_name)``)."""

    def drop(self) -> None:
        self._owner.remove_column(self.name)

    def rename(self, new_name: str) -> None:
        self._owner.rename_column(self.name, new_name)
        self.name = new_name


class SchemaView:
    """The columns of a dataset and their types: ``schema["images"].dtype``,
    ``len(schema)``, ``schema.columns``, ``"images" in schema``."""

    _definition: type[ColumnDefinitionView] = ColumnDefinitionView

    def __init__(self, owner: Any):
        self._owner = owner

    @property
    def columns(self) -> list[ColumnDefinitionView]:
        return [self[name] for name in self._owner._column_names()]

    def __getitem__(self, name: str) -> ColumnDefinitionView:
        return self._definition(name, self._owner[name].dtype, self._owner)

    def __contains__(self, name: object) -> bool:
        return name in self._owner._column_names()

    def __iter__(self) -> Iterator[str]:
        return iter(self._owner._column_names())

    def __len__(self) -> int:
        return len(self._owner._column_names())

    def to_dict(self) -> dict[str, Type]:
        return {c.name: c.dtype for c in self.columns}

    def __repr__(self) -> str:
        inner = ", ".join(f"{c.name}: {c.dtype!r}" for c in self.columns)
        return f"{type(self).__name__}({inner})"


class Schema(SchemaView):
    """The schema of a writable dataset; ``add_column``/``remove_column``/
    ``rename_column`` as on the dataset."""

    _definition = ColumnDefinition

    def add_column(self, name: str, dtype: Any, default_value: Any = None) -> None:
        self._owner.add_column(name, dtype, default_value)

    def remove_column(self, name: str) -> None:
        self._owner.remove_column(name)

    def rename_column(self, name: str, new_name: str) -> None:
        self._owner.rename_column(name, new_name)
