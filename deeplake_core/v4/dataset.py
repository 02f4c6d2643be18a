"""The Deep Lake 4 dataset classes: ``Dataset``, ``ReadOnlyDataset``, ``DatasetView``.

Each wraps a Deep Lake 3 :class:`~deeplake_core.core.dataset.Dataset` (the engine
object: one state, its storage and manifest) and changes only the semantics of its
members: ``ds["col"][i]`` returns data, ``ds.append([row, ...])`` takes rows,
``ds.branch(name)`` creates a branch, ``metadata`` is persisted at once. A dataset
written through either face opens and reads through the other.

``ReadOnlyDataset`` and ``DatasetView`` refuse every write with ``ReadOnlyModeError``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from deeplake_core.exceptions import (
    ReadOnlyModeError,
    TensorAlreadyExistsError,
    TensorDoesNotExistError,
)
from deeplake_core.v4 import properties
from deeplake_core.v4.columns import (
    ROW_BLOCK,
    Column,
    ColumnView,
    Row,
    RowView,
    Schema,
    SchemaView,
    read_values,
)
from deeplake_core.v4.metadata import Metadata, ReadOnlyMetadata
from deeplake_core.v4.properties import IndexingMode
from deeplake_core.v4.types import Type, parse_type

if TYPE_CHECKING:
    from deeplake_core.core.dataset import Dataset as CoreDataset


def _settable(cls: type, name: str) -> bool:
    prop = getattr(cls, name, None)
    return isinstance(prop, property) and prop.fset is not None


def _refuse(what: str, where: str) -> ReadOnlyModeError:
    return ReadOnlyModeError(
        f"cannot {what}: {where} is read-only; open the dataset with deeplake.open() to modify it"
    )


class _Readable:
    """Members shared by all three classes: columns, rows, schema, export, queries,
    loaders."""

    _column_cls: type[ColumnView] = ColumnView
    _row_cls: type[RowView] = RowView
    _schema_cls: type[SchemaView] = SchemaView
    _kind = "this dataset view"

    def __init__(self, core: CoreDataset, creds: Any = None):
        object.__setattr__(self, "_core", core)
        object.__setattr__(self, "_creds", creds)

    # -- columns and rows -----------------------------------------------------------
    def _column_names(self) -> list[str]:
        core = self._core
        return [core._rel(k) for k in core._tensor_keys()]

    def _has_column(self, name: str) -> bool:
        core = self._core
        key = core._abs(name)
        return key in core._state.manifest.tensors and not core._state.manifest.tensors[key].hidden

    def __getitem__(self, item: Any) -> Any:
        """``ds["col"]`` a column; ``ds[i]`` a row; ``ds[a:b]``, ``ds[[i, j]]`` a view."""
        if isinstance(item, str):
            if not self._has_column(item):
                raise TensorDoesNotExistError(item)
            return self._column_cls(self._core, item, self)
        if isinstance(item, int | np.integer) and not isinstance(item, bool):
            n = len(self)
            i = int(item)
            if i < 0:
                i += n
            if not 0 <= i < n:
                raise IndexError(f"row {item} is out of range for {n} rows")
            return self._row_cls(self, i)
        if isinstance(item, list | tuple) and item and all(isinstance(x, str) for x in item):
            for name in item:
                if not self._has_column(name):
                    raise TensorDoesNotExistError(name)
            return DatasetView(self._core[list(item)], self._creds)
        return DatasetView(self._core[item], self._creds)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._has_column(name):
            return self[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute or column {name!r}")

    def __len__(self) -> int:
        return len(self._core)

    def __iter__(self) -> Iterator[RowView]:
        """Rows in order; columns are read a block of rows at a time."""
        n = len(self)
        names = self._column_names()
        for start in range(0, n, ROW_BLOCK):
            stop = min(n, start + ROW_BLOCK)
            block = {name: self._read_block(name, start, stop) for name in names}
            for i in range(start, stop):
                yield self._row_cls(self, i, {k: v[i - start] for k, v in block.items()})

    def _read_block(self, name: str, start: int, stop: int) -> Any:
        col = self._column_cls(self._core, name)
        return read_values(col._tensor[start:stop], col.dtype)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._has_column(name)

    @property
    def read_only(self) -> bool:
        """Whether writes are refused (``ReadOnlyDataset`` and ``DatasetView``)."""
        return self._column_cls is ColumnView

    @property
    def schema(self) -> SchemaView:
        """The columns and their types."""
        return self._schema_cls(self)

    def summary(self) -> None:
        """Print the columns, their types and the number of rows."""
        print(self._summary_text())

    def _summary_text(self) -> str:
        rows = [("column", "type")] + [
            (name, repr(self._column_cls(self._core, name).dtype)) for name in self._column_names()
        ]
        width = max(len(r[0]) for r in rows)
        lines = [f"{type(self).__name__}(length={len(self)}, columns={len(rows) - 1})"]
        for j, (a, b) in enumerate(rows):
            lines.append(f"  {a.ljust(width)}  {b}")
            if j == 0:
                lines.append(f"  {'-' * width}  {'-' * 4}")
        return "\n".join(lines)

    # -- export ---------------------------------------------------------------------
    def to_csv(self, stream: Any) -> None:
        """Write the rows as CSV (header = column names) to a text stream or a path."""
        from deeplake_core.v4.io import write_csv

        write_csv(self, stream)

    # -- queries ---------------------------------------------------------------------
    def query(self, query: str, params: Any = None) -> DatasetView:
        """Run a TQL query over these rows; the result is a :class:`DatasetView`."""
        from deeplake_core.v4.delegate import run_query
        from deeplake_core.v4.indexing import after_query

        try:
            return DatasetView(run_query(self._core, query, params), self._creds)
        finally:
            after_query(self._core)

    def query_async(self, query: str, params: Any = None) -> Any:
        """A future of :meth:`query`."""
        from deeplake_core.v4._async import submit

        return submit(self.query, query, params)

    def prepare_query(self, query: str) -> Any:
        """Parse and check ``query`` once; run it with ``run_single(params)`` /
        ``run_batch(param_list)`` (results are :class:`DatasetView`)."""
        from deeplake_core.v4.delegate import prepare_query
        from deeplake_core.v4.indexing import after_query

        def wrap(result: Any) -> DatasetView:
            after_query(self._core)
            return DatasetView(result, self._creds)

        return prepare_query(self._core, query, wrap)

    def explain_query(self, query: str, params: Any = None) -> Any:
        """The plan of ``query`` over these rows (``print()`` it)."""
        from deeplake_core.v4.delegate import explain_query

        return explain_query(self._core, query, params)

    # -- loaders ---------------------------------------------------------------------
    def batches(self, batch_size: int = 1, drop_last: bool = False) -> Any:
        """Iterate over the rows in batches of ``batch_size`` (``len()`` = number of
        batches): each batch maps column name -> the values a column read gives
        (``ds[col][a:b]``). Reads go through the dataloader core."""
        from deeplake_core.v4.delegate import batches

        return batches(self, batch_size, drop_last)

    def pytorch(self, *args: Any, **kwargs: Any) -> Any:
        """A PyTorch dataloader over these rows (see the Deep Lake 3 ``pytorch``)."""
        return self._core.pytorch(*args, **kwargs)

    def tensorflow(self, *args: Any, **kwargs: Any) -> Any:
        """A ``tf.data.Dataset`` over these rows (see the Deep Lake 3 ``tensorflow``)."""
        return self._core.tensorflow(*args, **kwargs)

    # -- refused writes (overridden by Dataset) --------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_") or _settable(type(self), name):
            object.__setattr__(self, name, value)
            return
        raise _refuse(f"set {name!r}", self._kind)

    def append(self, data: Any) -> None:
        raise _refuse("append rows", self._kind)

    def delete(self, offset: int) -> None:
        raise _refuse("delete rows", self._kind)

    def add_column(self, name: str, dtype: Any, default_value: Any = None) -> None:
        raise _refuse("add a column", self._kind)

    def remove_column(self, name: str) -> None:
        raise _refuse("remove a column", self._kind)

    def rename_column(self, name: str, new_name: str) -> None:
        raise _refuse("rename a column", self._kind)

    def commit(self, message: str | None = None) -> None:
        raise _refuse("commit", self._kind)

    def commit_async(self, message: str | None = None) -> Any:
        raise _refuse("commit", self._kind)

    def merge(self, branch_name: str, version: str | None = None) -> None:
        raise _refuse("merge", self._kind)

    def push(self, url: str, creds: Any = None, token: str | None = None) -> None:
        raise _refuse("push", self._kind)

    def push_async(self, url: str, creds: Any = None, token: str | None = None) -> Any:
        raise _refuse("push", self._kind)

    def pull(self, url: str, creds: Any = None, token: str | None = None) -> None:
        raise _refuse("pull", self._kind)

    def pull_async(self, url: str, creds: Any = None, token: str | None = None) -> Any:
        raise _refuse("pull", self._kind)

    def set_creds_key(self, key: str, token: str | None = None) -> None:
        raise _refuse("set the creds key", self._kind)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(columns={tuple(self._column_names())}, length={len(self)})"


class DatasetView(_Readable):
    """A read-only set of rows: the result of a query, a slice or a tag."""

    @property
    def sample_indices(self) -> list[int]:
        """The rows of the underlying dataset this view shows, in view order."""
        return [int(i) for i in self._core.sample_indices]

    def tag(self, name: str) -> Any:
        """Tag the version these rows come from with ``name`` (the rows selected are
        kept with the tag, so ``tags[name].open()`` gives this view back)."""
        from deeplake_core.v4.delegate import tag_view

        return tag_view(self, name)


class _Opened(_Readable):
    """Members of whole datasets (read-only or not): identity, metadata, versions."""

    _kind = "this read-only dataset"

    # -- identity -------------------------------------------------------------------
    @property
    def _state(self) -> Any:
        return self._core._state

    @property
    def path(self) -> str:
        return self._state.path

    @property
    def name(self) -> str:
        """The dataset's name (the last part of its path unless one was set)."""
        props = properties.read(self._state.storage)
        if props.get("name"):
            return str(props["name"])
        return self.path.rstrip("/").split("/")[-1].split("://")[-1] or self.path

    @property
    def description(self) -> str:
        return str(properties.read(self._state.storage).get("description", ""))

    @property
    def id(self) -> str:
        """A stable unique id: the id of the dataset's first version."""
        rec = properties.root_version(self._state.storage, self._state.version_id)
        return rec.version_id if rec is not None else self._state.version_id

    @property
    def created_time(self) -> Any:
        """When the dataset was created (UTC ``datetime``)."""
        return properties.created_time(
            properties.root_version(self._state.storage, self._state.version_id)
        )

    @property
    def creds_key(self) -> str | None:
        """The managed-credentials key set with ``set_creds_key`` (or ``None``)."""
        return properties.read(self._state.storage).get("creds_key")

    @property
    def indexing_mode(self) -> IndexingMode:
        """When the query data of embedding columns (decoded vectors, row norms) is
        built and whether it is kept: see :mod:`deeplake_core.v4.indexing`."""
        from deeplake_core.v4.indexing import mode_of

        return mode_of(self._state.storage)

    @property
    def auto_commit_enabled(self) -> bool:
        return False

    @property
    def metadata(self) -> ReadOnlyMetadata:
        """Dataset-level metadata (the Deep Lake 3 ``ds.info``)."""
        return ReadOnlyMetadata(lambda: self._state.manifest.info, "the dataset")

    # -- versions -------------------------------------------------------------------
    @property
    def version(self) -> str:
        """The id of the version this dataset shows: its last commit, or the id the
        next commit will get while there are uncommitted changes (or no commit yet)."""
        from deeplake_core.core.vc import ops

        state = self._state
        if not state.at_head:
            return state.version_id
        if state.read_only or not ops.has_head_changes(state):
            return ops.commit_id(state) or state.version_id
        return state.version_id

    @property
    def history(self) -> Any:
        """The versions leading to this one (``History``)."""
        from deeplake_core.v4.delegate import history

        return history(self)

    @property
    def branches(self) -> Any:
        from deeplake_core.v4.versioning import Branches

        return Branches(self)

    @property
    def current_branch(self) -> Any:
        from deeplake_core.v4.versioning import Branch

        return Branch(self, self._state.branch) if self._state.branch else None

    @property
    def tags(self) -> Any:
        from deeplake_core.v4.delegate import tags

        return tags(self)

    def tag(self, name: str, version: str | None = None) -> Any:
        """Tag ``version`` (default: this one) with ``name``; return the tag."""
        from deeplake_core.v4.delegate import create_tag

        return create_tag(self, name, version)

    def refresh(self) -> None:
        """Show the latest state of the dataset's storage (changes of other writers)."""
        from deeplake_core.v4.delegate import refresh

        refresh(self)

    def refresh_async(self) -> Any:
        from deeplake_core.v4._async import submit

        return submit(self.refresh)


class ReadOnlyDataset(_Opened):
    """A dataset opened for reading (``deeplake.open_read_only``)."""


class Dataset(_Opened):
    """A dataset opened for reading and writing (``deeplake.create``/``deeplake.open``)."""

    _column_cls = Column
    _row_cls = Row
    _schema_cls = Schema
    _kind = "this dataset"

    def __init__(self, core: CoreDataset, creds: Any = None):
        super().__init__(core, creds)
        object.__setattr__(self, "_auto_commit", False)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_") or _settable(type(self), name):
            object.__setattr__(self, name, value)
            return
        if isinstance(getattr(type(self), name, None), property):
            raise AttributeError(f"{name!r} is a read-only property")
        raise AttributeError(
            f"cannot set {name!r} on a dataset; add a column with add_column({name!r}, type)"
        )

    # -- settings -------------------------------------------------------------------
    @property
    def metadata(self) -> Metadata:
        state = self._state

        def persist(change: Any) -> None:
            with state.write():
                change(state.manifest.info)
                state.mark_meta()

        return Metadata(lambda: state.manifest.info, "the dataset", persist)

    def _set_property(self, **changes: Any) -> None:
        self._state.check_writable()
        properties.write(self._state.storage, **changes)

    @_Opened.name.setter  # type: ignore[attr-defined]
    def name(self, value: str) -> None:
        if not isinstance(value, str) or not value:
            raise ValueError("a dataset name is a non-empty string")
        self._set_property(name=value)

    @_Opened.description.setter  # type: ignore[attr-defined]
    def description(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("a description is a string")
        self._set_property(description=value)

    @_Opened.indexing_mode.setter  # type: ignore[attr-defined]
    def indexing_mode(self, value: IndexingMode | str) -> None:
        from deeplake_core.v4 import indexing

        mode = indexing.parse(value)
        self._set_property(indexing_mode=mode.value)
        indexing.applied(self._core, mode)

    @property
    def auto_commit_enabled(self) -> bool:
        """When true, every write through this object is committed at once."""
        return self._auto_commit

    @auto_commit_enabled.setter
    def auto_commit_enabled(self, value: bool) -> None:
        object.__setattr__(self, "_auto_commit", bool(value))

    def set_creds_key(self, key: str, token: str | None = None) -> None:
        """Record the managed-credentials key linked data of this dataset uses."""
        if not isinstance(key, str) or not key:
            raise ValueError("a creds key is a non-empty string")
        self._set_property(creds_key=key)

    def _written(self, message: str) -> None:
        """After each write call: auto-commit, then the indexing mode's work."""
        from deeplake_core.v4.indexing import after_write

        if self._auto_commit:
            from deeplake_core.exceptions import EmptyCommitError

            with contextlib.suppress(EmptyCommitError):
                self._core.commit(f"auto-commit: {message}")
        after_write(self._core)

    # -- schema ---------------------------------------------------------------------
    def add_column(self, name: str, dtype: Any, default_value: Any = None) -> None:
        """Add a column of type ``dtype`` (a ``deeplake_core.types`` type, a dtype
        string such as ``"float32"``, or an htype name); existing rows get
        ``default_value`` (0 for numbers, empty otherwise)."""
        if not isinstance(name, str) or not name:
            raise ValueError("a column name is a non-empty string")
        ctype = parse_type(dtype)
        core = self._core
        if self._has_column(name):
            raise TensorAlreadyExistsError(name)
        n = len(self)
        state = core._state
        with state.write():
            tensor = core.create_tensor(name, **ctype.tensor_args())
            state.manifest.tensors[tensor.key].column_type = ctype.to_json()
            state.mark_meta()
            if n:
                fill = _default(ctype) if default_value is None else default_value
                tensor.extend([fill] * n)
        self._written(f"add column {name}")

    def remove_column(self, name: str) -> None:
        if not self._has_column(name):
            raise TensorDoesNotExistError(name)
        self._core.delete_tensor(name, large_ok=True)
        self._written(f"remove column {name}")

    def rename_column(self, name: str, new_name: str) -> None:
        if not self._has_column(name):
            raise TensorDoesNotExistError(name)
        self._core.rename_tensor(name, new_name)
        self._written(f"rename column {name}")

    # -- rows -----------------------------------------------------------------------
    def append(self, data: Any) -> None:
        """Append rows: a list of ``{column: value}`` dicts, a dict of
        ``{column: [values]}``, or another dataset/view with the same columns.
        Columns a row leaves out get their type's default."""
        columns = self._columns_of(data)
        if not columns:
            return
        names = self._column_names()
        unknown = [k for k in columns if k not in names]
        if unknown:
            raise TensorDoesNotExistError(unknown[0])
        counts = {k: len(v) for k, v in columns.items()}
        if len(set(counts.values())) > 1:
            raise ValueError(f"every column needs the same number of values, got {counts}")
        n = next(iter(counts.values()))
        if n == 0:
            return
        types = {k: self._column_cls(self._core, k).dtype for k in names}
        for k, values in columns.items():
            if isinstance(values, list) and any(v is _MISSING for v in values):
                columns[k] = values = _fill_missing(values, types[k])
            types[k].check(k, values)
        full = {k: columns.get(k, [_default(types[k])] * n) for k in names}
        self._core.extend(full)
        self._written("append")

    def _columns_of(self, data: Any) -> dict[str, Any]:
        if isinstance(data, _Readable):
            return {name: data[name][:] for name in data._column_names()}
        if isinstance(data, Mapping):
            out = {}
            for k, v in data.items():
                if isinstance(v, str | bytes | dict) or (
                    not isinstance(v, list | tuple | np.ndarray) and np.ndim(v) == 0
                ):
                    raise TypeError(
                        f"append(dict) takes a list of values per column; for one row pass "
                        f"a list of dicts: append([{{{k!r}: ...}}])"
                    )
                out[k] = v
            return out
        if isinstance(data, list | tuple):
            names: list[str] = []
            for row in data:
                if not isinstance(row, Mapping):
                    raise TypeError(
                        f"append() takes a list of dicts (one per row), got a list holding "
                        f"{type(row).__name__}"
                    )
                names.extend(k for k in row if k not in names)
            return {k: [row.get(k, _MISSING) for row in data] for k in names}
        raise TypeError(
            "append() takes a list of {column: value} dicts, a dict of {column: [values]} "
            f"or a dataset, got {type(data).__name__}"
        )

    def delete(self, offset: int) -> None:
        """Delete the row at ``offset``."""
        n = len(self)
        i = int(offset) + (n if int(offset) < 0 else 0)
        if not 0 <= i < n:
            raise IndexError(f"row {offset} is out of range for {n} rows")
        self._core.pop(i)
        self._written(f"delete row {i}")

    # -- versions -------------------------------------------------------------------
    def commit(self, message: str | None = None) -> str:
        """Record the current state as a version; return its id."""
        from deeplake_core.exceptions import EmptyCommitError
        from deeplake_core.v4.indexing import after_write

        try:
            commit_id = self._core.commit(message, allow_empty=False)
        except EmptyCommitError:
            commit_id = self._core.commit(message, allow_empty=True)
        after_write(self._core)
        return commit_id

    def commit_async(self, message: str | None = None) -> Any:
        from deeplake_core.v4._async import submit

        return submit(self.commit, message)

    def branch(self, name: str, version: str | None = None) -> Any:
        """Create branch ``name`` from ``version`` (default: this version); the dataset
        stays on its branch. Open the new one with ``ds.branches[name].open()``."""
        from deeplake_core.v4.versioning import create_branch

        return create_branch(self, name, version)

    def merge(self, branch_name: str, version: str | None = None) -> None:
        """Merge branch ``branch_name`` (or one of its versions) into this branch."""
        from deeplake_core.v4.versioning import merge

        merge(self, branch_name, version)

    def push(self, url: str, creds: Any = None, token: str | None = None) -> None:
        """Copy every version of this dataset to ``url`` (created if missing)."""
        from deeplake_core.v4.versioning import push

        push(self, url, creds)

    def push_async(self, url: str, creds: Any = None, token: str | None = None) -> Any:
        from deeplake_core.v4._async import submit

        return submit(self.push, url, creds, token)

    def pull(self, url: str, creds: Any = None, token: str | None = None) -> None:
        """Copy every version of the dataset at ``url`` into this one; its branches
        replace this dataset's branches of the same name."""
        from deeplake_core.v4.versioning import pull

        pull(self, url, creds)

    def pull_async(self, url: str, creds: Any = None, token: str | None = None) -> Any:
        from deeplake_core.v4._async import submit

        return submit(self.pull, url, creds, token)


class _Missing:
    """A value left out of a row in ``append([...])``."""


_MISSING = _Missing()


def _default(ctype: Type) -> Any:
    """The value rows get in a column they leave out: 0 for numbers, else empty."""
    if ctype.scalar:
        return False if ctype.dtype == "bool" else 0
    return None


def _fill_missing(values: list[Any], ctype: Type) -> list[Any]:
    return [_default(ctype) if v is _MISSING else v for v in values]
