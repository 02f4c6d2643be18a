"""Deep Lake 4 module functions: ``create``, ``open``, ``open_read_only``, ``like``,
``exists``, ``delete``, ``delete_async``, ``from_csv``, ``from_parquet`` and the
module-level queries.

Paths are those of the Deep Lake 3 face (local, ``mem://``, ``file://`` and every
scheme a storage plugin serves); ``creds`` go to the storage provider and are never
stored. ``token``/``org_id`` are accepted for compatibility; hosted (``hub://``)
paths raise a clear error.
"""

from __future__ import annotations

import os
from typing import Any

from deeplake_core.core import manifest as mf
from deeplake_core.exceptions import DatasetHandlerError
from deeplake_core.v4.dataset import Dataset, DatasetView, ReadOnlyDataset, _Readable


def _core_of(obj: Any, creds: Any = None) -> Any:
    """The Deep Lake 3 dataset behind a v4 object, a v3 dataset or a path."""
    from deeplake_core.api import dataset as v3
    from deeplake_core.core.dataset import Dataset as CoreDataset

    if isinstance(obj, _Readable):
        return obj._core
    if isinstance(obj, CoreDataset):
        return obj
    return v3.load(obj, read_only=True, creds=creds, check_integrity=False)


def create(
    url: Any,
    creds: dict | str | None = None,
    token: str | None = None,
    org_id: str | None = None,
    schema: Any = None,
) -> Dataset:
    """Create an empty dataset at ``url`` and open it for writing.

    ``schema``: ``{column: type}`` to add at once. Raises ``DatasetHandlerError`` if a
    dataset exists there (delete it first with ``deeplake.delete``).
    """
    from deeplake_core.api import dataset as v3

    core = v3.empty(url, creds=creds, token=token, org_id=org_id, overwrite=False)
    ds = Dataset(core, creds)
    if schema is not None:
        items = schema.items() if hasattr(schema, "items") else schema
        for name, ctype in items:
            ds.add_column(name, ctype)
    return ds


def open(url: Any, creds: dict | str | None = None, token: str | None = None) -> Dataset:
    """Open the dataset at ``url`` (``url@branch`` / ``url@version`` for another
    version) for reading and writing."""
    from deeplake_core.api import dataset as v3

    return Dataset(v3.load(url, read_only=False, creds=creds, token=token), creds)


def open_read_only(
    url: Any, creds: dict | str | None = None, token: str | None = None
) -> ReadOnlyDataset:
    """Open the dataset at ``url`` for reading only (no writer lock is taken)."""
    from deeplake_core.api import dataset as v3

    core = v3.load(url, read_only=True, creds=creds, token=token, lock_enabled=False)
    return ReadOnlyDataset(core, creds)


def exists(url: Any, creds: dict | str | None = None, token: str | None = None) -> bool:
    """Whether a dataset exists at ``url``."""
    from deeplake_core.api import dataset as v3

    return v3.exists(url, creds=creds, token=token)


def delete(url: Any, creds: dict | str | None = None, token: str | None = None) -> None:
    """Delete the dataset at ``url`` with all its versions (irreversible)."""
    from deeplake_core.api import dataset as v3

    v3.delete(url, creds=creds, token=token, large_ok=True)


def delete_async(url: Any, creds: dict | str | None = None, token: str | None = None) -> Any:
    """A future of :func:`delete`."""
    from deeplake_core.v4._async import submit

    return submit(delete, url, creds, token)


def like(src: Any, dest: Any, creds: dict | str | None = None, token: str | None = None) -> Dataset:
    """Create a dataset at ``dest`` with the columns, types and metadata of ``src`` (a
    dataset, view or path) and no rows."""
    from deeplake_core.api import dataset as v3

    src_core = _core_of(src)
    out = v3.like(dest if not isinstance(dest, _Readable) else dest._core, src_core, creds=creds)
    src_tensors = src_core._state.manifest.tensors
    state = out._state
    with state.write():
        for key in src_core._tensor_keys():
            rel = src_core._rel(key)
            if rel in state.manifest.tensors:
                state.manifest.tensors[rel].column_type = src_tensors[key].column_type
        state.mark_meta()
    return Dataset(out, creds)


def like_any(*args: Any, **kwargs: Any) -> Any:
    """The top-level ``like``: Deep Lake 4 ``like(src, dest)`` or Deep Lake 3
    ``like(dest, src, ...)``, told apart by the arguments (see docs/compat.md)."""
    from deeplake_core.api import dataset as v3
    from deeplake_core.api.dataset import split_version

    if len(args) > 2:
        return v3.like(*args, **kwargs)
    named = dict(zip(("first", "second"), args, strict=False))
    first, second = named.get("first"), named.get("second")
    v4_only = set(kwargs) <= {"src", "dest", "creds", "token"}
    if any(isinstance(x, _Readable) for x in (first, second, *kwargs.values())):
        if "src" in kwargs or "dest" in kwargs:
            src = kwargs.pop("src", first if "dest" in kwargs else second)
            dest = kwargs.pop("dest", second if "src" not in kwargs else first)
            if isinstance(dest, _Readable) and not isinstance(src, _Readable):
                src, dest = dest, src
        else:
            src, dest = (first, second) if isinstance(first, _Readable) else (second, first)
        return like(src, dest, **kwargs)
    if "src" in kwargs or "dest" in kwargs or not v4_only or len(args) < 2:
        return v3.like(*args, **kwargs)

    def holds_dataset(x: Any) -> bool:
        if not isinstance(x, str | os.PathLike):
            return True  # a Deep Lake 3 dataset object
        return v3.exists(split_version(os.fspath(x))[0], creds=kwargs.get("creds"))

    a, b = holds_dataset(first), holds_dataset(second)
    if a and not b:
        return like(first, second, **kwargs)  # Deep Lake 4 order: like(src, dest)
    if b and not a:
        return v3.like(first, second, **kwargs)  # Deep Lake 3 order: like(dest, src)
    if not a:
        raise DatasetHandlerError(
            f"like(): there is no dataset at {first!r} or {second!r} to copy the structure of"
        )
    raise DatasetHandlerError(
        f"like(): datasets exist at both {first!r} and {second!r}, so which one is the "
        "source is unclear; call deeplake.v4.api.like(src, dest) after deleting the "
        "destination, or the Deep Lake 3 form like(dest, src, overwrite=True)"
    )


# ----------------------------------------------------------------------------- import


def _build(schema: dict[str, Any], values: dict[str, Any], dest: Any, creds: Any) -> Any:
    ds = create(dest if dest is not None else f"mem://import-{mf.new_id(8)}", creds=creds)
    for name, ctype in schema.items():
        ds.add_column(name, ctype)
    if values and len(next(iter(values.values()))):
        ds.append(values)
    if dest is not None:
        return ds
    from deeplake_core.api.dataset import set_read_only

    set_read_only(ds._state, True)
    return ReadOnlyDataset(ds._core)


def from_csv(data: Any, dest: Any = None, creds: dict | str | None = None) -> Any:
    """A dataset from CSV (a path, bytes or a file object).

    Without ``dest`` the data is held in memory and a ``ReadOnlyDataset`` is returned;
    with ``dest`` a dataset is created there and returned writable.
    """
    from deeplake_core.v4.io import read_csv

    schema, values = read_csv(data)
    return _build(schema, values, dest, creds)


def from_parquet(data: Any, dest: Any = None, creds: dict | str | None = None) -> Any:
    """A dataset from Parquet (a path, bytes or a file object); needs ``pyarrow``.
    ``dest`` as for :func:`from_csv`."""
    from deeplake_core.v4.io import read_parquet

    schema, values = read_parquet(data)
    return _build(schema, values, dest, creds)


# ----------------------------------------------------------------------------- queries


def query(query: str, params: Any = None, token: str | None = None, creds: Any = None) -> Any:
    """Run a TQL query whose ``FROM 'path'`` names the dataset; returns a
    :class:`DatasetView`."""
    from deeplake_core.api import query as q

    if params is not None:
        return _view(q.prepare_query(query, token=token, creds=creds).run_single(params))
    return _view(q.query(query, token=token, creds=creds))


def query_async(query: str, params: Any = None, token: str | None = None, creds: Any = None) -> Any:
    """A future of :func:`query`."""
    from deeplake_core.v4._async import submit

    return submit(globals()["query"], query, params, token, creds)


def explain_query(
    query: str, params: Any = None, token: str | None = None, creds: Any = None
) -> Any:
    """The plan of a query with ``FROM 'path'`` (``print()`` it, ``to_dict()``)."""
    from deeplake_core.api import query as q

    plan = q.explain_query(query, token=token, creds=creds)
    if params is not None:
        from deeplake_core.tql import explain

        return explain(query, None, params)
    return plan


def prepare_query(query: str, token: str | None = None, creds: Any = None) -> Any:
    """A reusable executor of a query with ``FROM 'path'`` and ``?`` parameters;
    ``run_single``/``run_batch`` return :class:`DatasetView`."""
    from deeplake_core.api import query as q
    from deeplake_core.v4.delegate import QueryExecutor

    return QueryExecutor(q.prepare_query(query, token=token, creds=creds), _view)


def _view(result: Any) -> Any:
    from deeplake_core.v4.indexing import after_query

    if isinstance(result, _Readable):
        return result
    after_query(result)
    return DatasetView(result)
