"""What ``ds.indexing_mode`` controls: the query data kept for embedding columns.

Vector search here has no separate index files. What plays that part is the per-open-
dataset *column cache* of the query layer (:mod:`deeplake_core.core.query_source`):
the decoded whole column and its row norms (``COSINE_SIMILARITY``), built from the
stored data, kept while the column is unchanged and dropped when it changes. The
mode decides when that data is built and whether it is kept:

* ``Automatic`` (default): a query builds it the first time it needs it and later
  queries reuse it until the column changes.
* ``Always``: it is rebuilt for every ``Embedding`` column right after each write
  through the Deep Lake 4 ``Dataset`` (``append``, ``delete``, ``column[i] = v``,
  column changes, ``commit``) and when the mode is set, so the first search after a
  write costs no more than later ones (each write pays a scan of those columns).
* ``Off``: nothing is kept between queries: each query reads and computes what it
  needs and the cache is emptied after it (flat memory, every search scans).

The mode is a dataset setting (``dataset_properties.json``), read by every object that
opens the dataset through the Deep Lake 4 face; Deep Lake 3 objects ignore it (they
behave as ``Automatic``). Text columns have no index to build: ``CONTAINS`` and
friends scan in every mode.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import numpy as np

from deeplake_core.exceptions import TQLError
from deeplake_core.v4 import properties
from deeplake_core.v4.properties import IndexingMode

if TYPE_CHECKING:
    from deeplake_core.core.dataset import Dataset as CoreDataset

#: Query building the row norms of an embedding column (the search vector is ``?``).
_WARM_QUERY = 'SELECT * ORDER BY COSINE_SIMILARITY("{name}", ?) DESC LIMIT 1'


def parse(value: Any) -> IndexingMode:
    """An :class:`IndexingMode` from itself or its name/value (any case)."""
    if isinstance(value, IndexingMode):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        for mode in IndexingMode:
            if text in (mode.value, mode.name.lower()):
                return mode
    choices = ", ".join(f"IndexingMode.{m.name}" for m in IndexingMode)
    raise ValueError(
        f"indexing_mode is one of {choices} (or 'always', 'automatic', 'off'), got {value!r}"
    )


def mode_of(storage: Any) -> IndexingMode:
    """The dataset's mode (``Automatic`` unless one was set)."""
    value = properties.read(storage).get("indexing_mode")
    return parse(value) if value else IndexingMode.Automatic


def after_write(core: CoreDataset) -> None:
    """Apply the mode after a write through a v4 ``Dataset``."""
    if mode_of(core._state.storage) is IndexingMode.Always:
        build(core)


def after_query(core: CoreDataset) -> None:
    """Apply the mode after a query of ``core`` (or a view of it)."""
    if mode_of(core._state.storage) is IndexingMode.Off:
        drop(core)


def applied(core: CoreDataset, mode: IndexingMode) -> None:
    """Bring the kept data in line with a newly set ``mode``."""
    if mode is IndexingMode.Always:
        build(core)
    elif mode is IndexingMode.Off:
        drop(core)


def drop(core: CoreDataset) -> None:
    from deeplake_core.core.query_source import clear_column_cache

    clear_column_cache(core._state)


def embedding_columns(core: CoreDataset) -> list[tuple[str, int]]:
    """``(name, vector length)`` of the non-empty fixed-length embedding columns."""
    out = []
    for key in core._tensor_keys():
        tensor = core[core._rel(key)]
        if str(tensor.htype) != "embedding" or len(tensor) == 0:
            continue
        shape = tensor.shape
        if len(shape) == 2 and shape[1]:
            out.append((core._rel(key), int(shape[1])))
    return out


def build(core: CoreDataset) -> list[str]:
    """Build the kept query data of every embedding column now; return their names.

    Runs the same top-1 cosine search a user query would, so what is kept is exactly
    what later searches reuse. Columns whose name cannot be quoted in TQL, and
    datasets without the cosine function plugin, are left to ``Automatic``."""
    from deeplake_core.core.query_api import run_query
    from deeplake_core.plugins import get_registry

    if "cosine_similarity" not in get_registry().query_functions:
        return []
    root = core.no_view_dataset
    root._state.flush()
    built = []
    for name, dim in embedding_columns(root):
        if '"' in name:
            continue
        probe = np.ones(dim, np.float32).tolist()
        with contextlib.suppress(TQLError):
            run_query(root, _WARM_QUERY.format(name=name), [probe])
            built.append(name)
    return built


__all__ = ["IndexingMode", "after_query", "after_write", "build", "drop", "mode_of", "parse"]
