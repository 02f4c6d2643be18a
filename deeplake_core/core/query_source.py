"""``DatasetSource``: a dataset or view as a :class:`~deeplake_core.tql.QuerySource`.

Rows of the source are the rows of the view (``0 .. len(view) - 1``); the adapter maps
them to the dataset's rows and reads only the tensors the query asks for, through the
Tensor API, a batch of rows at a time.

Fixed-shape numeric tensors that a query scans (most of) are read whole, with one
engine call, and the decoded array is kept in a per-dataset *column cache*, so the
next query over the same data reads no chunk at all. A cached array is used only
while the tensor is unchanged, and tensors with unflushed changes bypass the cache.
The cache holds at most half the dataset's ``memory_cache_size`` (least recently used
columns are dropped first).

A cache key is the tensor's runtime ``Column`` object (replaced whenever the manifest
is reloaded: checkout, reset, reopen), its index file name (a new one on every flush
that changed it), its length and the version id.

The same cache keeps per-row data that query functions derive from a whole column
(``DatasetSource.derived_column``: row norms for ``COSINE_SIMILARITY``), under the
column's key and token, so it is dropped with the column's data whenever that changes.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from deeplake_core.exceptions import DynamicTensorNumpyError, TQLError
from deeplake_core.tql.source import ColumnInfo

if TYPE_CHECKING:
    from deeplake_core.core.dataset import Dataset
    from deeplake_core.core.state import DatasetState
    from deeplake_core.core.tensor import Tensor

#: A tensor is read whole when the view covers at least this share of its rows ...
WHOLE_COLUMN_SHARE = 0.25
#: ... or when it is at most this many bytes.
WHOLE_COLUMN_SMALL = 16 << 20
#: Share of the dataset's ``memory_cache_size`` the column cache may hold.
CACHE_SHARE = 0.5
_DEFAULT_MEMORY_CACHE_MB = 2000


# ----------------------------------------------------------------------------- column cache


class ColumnCache:
    """Decoded whole columns of one open dataset, least recently used dropped first."""

    def __init__(self, budget: int):
        self.budget = budget
        self.used = 0
        self._items: OrderedDict[str, tuple[tuple[Any, ...], np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, token: tuple[Any, ...]) -> np.ndarray | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if not _same(item[0], token):
                self._drop(key)
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: str, token: tuple[Any, ...], array: np.ndarray) -> None:
        if array.nbytes > self.budget:
            return
        array.flags.writeable = False  # shared by every query: nobody may change it
        with self._lock:
            if key in self._items:
                self._drop(key)
            while self._items and self.used + array.nbytes > self.budget:
                self._drop(next(iter(self._items)))
            self._items[key] = (token, array)
            self.used += array.nbytes

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.used = 0

    def _drop(self, key: str) -> None:
        _, array = self._items.pop(key)
        self.used -= array.nbytes


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """Tokens match: the same ``Column`` object (identity: a reloaded manifest makes new
    ones) and equal index key, length and version."""
    return a[0] is b[0] and a[1:] == b[1:]


_caches: weakref.WeakKeyDictionary[DatasetState, ColumnCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def column_cache(state: DatasetState) -> ColumnCache:
    """The column cache of an open dataset (created on first use)."""
    with _caches_lock:
        cache = _caches.get(state)
        if cache is None:
            mb = state.settings.get("memory_cache_size", _DEFAULT_MEMORY_CACHE_MB)
            mb = _DEFAULT_MEMORY_CACHE_MB if mb is None else mb
            cache = _caches[state] = ColumnCache(int(mb * CACHE_SHARE * (1 << 20)))
        return cache


def clear_column_cache(state: DatasetState) -> None:
    """Drop the decoded columns kept for ``state`` (``Dataset.clear_cache`` calls this)."""
    with _caches_lock:
        cache = _caches.get(state)
    if cache is not None:
        cache.clear()


# ----------------------------------------------------------------------------- source


class DatasetSource:
    """The rows of a dataset or view, with its visible tensors as columns."""

    def __init__(self, dataset: Dataset):
        self._ds = dataset
        self._state = dataset._state
        self._length = len(dataset)
        base = dataset.index.base
        #: dataset rows of the view (``None``: rows 0 .. length-1)
        self._rows: np.ndarray | None
        if base is None:
            self._rows = None
        elif isinstance(base, range):
            self._rows = None if (base.start == 0 and base.step == 1) else _range_rows(base)
        else:
            self._rows = np.asarray(base, dtype=np.int64)
        self._names = list(dataset.tensors)
        self._full: dict[str, Tensor] = {}
        self._infos: dict[str, ColumnInfo] = {}

    # -------------------------------------------------------------- protocol
    def __len__(self) -> int:
        return self._length

    def column_names(self) -> list[str]:
        return list(self._names)

    def column_info(self, name: str) -> ColumnInfo:
        info = self._infos.get(name)
        if info is None:
            info = self._infos[name] = _info_of(self._tensor(name))
        return info

    def read_column(
        self, name: str, indices: np.ndarray | None, batch_rows: int
    ) -> Iterator[tuple[np.ndarray, np.ndarray | list]]:
        positions = (
            np.arange(self._length, dtype=np.int64)
            if indices is None
            else np.asarray(indices, dtype=np.int64)
        )
        whole = self._whole_column(name) if len(positions) else None
        for start in range(0, len(positions), batch_rows):
            part = positions[start : start + batch_rows]
            rows = self._dataset_rows(part)
            if whole is not None:
                window = _as_slice(rows)
                yield part, whole[window] if window is not None else whole[rows]
            else:
                yield part, self._read_rows(name, rows)

    def derived_column(
        self, name: str, tag: str, compute: Callable[[np.ndarray], np.ndarray], indices: np.ndarray
    ) -> np.ndarray | None:
        """``compute(whole tensor)`` at the view rows ``indices``, computed once and kept
        in the column cache while the tensor is unchanged; ``None`` when the tensor is
        not read whole (ragged, too big, a small view of it) or has unflushed changes."""
        whole = self._whole(name)
        if whole is None or whole[1] is None:
            return None  # unflushed changes: the caller computes per batch
        array, token = whole
        key = f"{self._tensor(name).key}\x00{tag}"
        cache = column_cache(self._state)
        derived = cache.get(key, token)
        if derived is None:
            derived = np.asarray(compute(array))
            if derived.shape[:1] != array.shape[:1]:
                raise TQLError(
                    f"derived data {tag!r} of {name!r} has {derived.shape[:1]} rows for a "
                    f"tensor of {len(array)} rows"
                )
            cache.put(key, token, derived)
        rows = self._dataset_rows(np.asarray(indices, dtype=np.int64))
        window = _as_slice(rows)
        return derived[window] if window is not None else derived[rows]

    # -------------------------------------------------------------- internals
    def _tensor(self, name: str) -> Tensor:
        t = self._full.get(name)
        if t is None:
            if name not in self._names:
                raise KeyError(name)
            t = self._full[name] = self._ds.no_view_dataset[name]
        return t

    def _dataset_rows(self, positions: np.ndarray) -> np.ndarray:
        return positions if self._rows is None else self._rows[positions]

    def _whole_column(self, name: str) -> np.ndarray | None:
        """The whole tensor as one array, when it is numeric with one shape and the view
        covers enough of it (from the column cache when it is there)."""
        whole = self._whole(name)
        return None if whole is None else whole[0]

    def _whole(self, name: str) -> tuple[np.ndarray, tuple[Any, ...] | None] | None:
        """``(whole tensor, cache token)`` as :meth:`_whole_column`; the token is
        ``None`` when the tensor has unflushed changes (nothing may be cached)."""
        info = self.column_info(name)
        if info.sample_form != "array" or info.fixed_shape is None:
            return None
        t = self._tensor(name)
        key = t.key
        col = self._state.column(key)
        n = col.length()
        if n < self._max_row() + 1:
            return None  # padded view: rows past the end read as None
        cache = column_cache(self._state)
        token = (col, col.entry.index_key, n, self._state.version_id)
        dirty = col.tensor_id in self._state.dirty
        if not dirty:
            hit = cache.get(key, token)
            if hit is not None:
                return hit, token
        itemsize = np.dtype(info.dtype).itemsize if info.dtype else 8
        nbytes = n * int(np.prod(info.fixed_shape, dtype=np.int64)) * itemsize
        if self._length < WHOLE_COLUMN_SHARE * n and nbytes > WHOLE_COLUMN_SMALL:
            return None  # a small view of a big tensor: read only its rows
        if nbytes > cache.budget:
            return None  # too big to keep: read batch by batch
        try:
            array = np.asarray(t.numpy())
        except DynamicTensorNumpyError:
            return None
        if array.shape[1:] != info.fixed_shape:
            return None
        if dirty:
            return array, None
        cache.put(key, token, array)
        return array, token

    def _max_row(self) -> int:
        if self._rows is None:
            return self._length - 1
        return int(self._rows.max()) if len(self._rows) else -1

    def _read_rows(self, name: str, rows: np.ndarray) -> np.ndarray | list:
        """Values of ``name`` at dataset ``rows`` (None past the tensor's end)."""
        t = self._tensor(name)
        n = self._state.column(t.key).length()
        if len(rows) and int(rows.max()) >= n:
            present = rows < n
            values = self._read_rows(name, rows[present]) if present.any() else []
            it = iter(values)
            return [next(it) if p else None for p in present]
        info = self.column_info(name)
        window = _as_slice(rows)
        view = t[window if window is not None else rows]
        form = info.sample_form
        if form == "text":
            return _as_list(view.text())
        if form == "json":
            return _as_list(view.dict())
        if form == "list":
            return _as_list(view.list())
        if info.fixed_shape is not None:
            try:
                return np.asarray(view.numpy())
            except DynamicTensorNumpyError:
                pass
        values = view.numpy(aslist=True)
        return list(values) if not isinstance(values, list) else values


def _range_rows(r: range) -> np.ndarray:
    return np.arange(r.start, r.stop, r.step, dtype=np.int64)


def _as_slice(rows: np.ndarray) -> slice | None:
    """``rows`` as a slice when they are consecutive ascending."""
    if len(rows) == 0:
        return slice(0, 0)
    first, last = int(rows[0]), int(rows[-1])
    if last - first + 1 != len(rows):
        return None
    # strictly increasing over exactly that span: consecutive (cheaper than np.diff)
    if len(rows) > 2 and not bool(np.all(rows[1:] > rows[:-1])):
        return None
    return slice(first, last + 1)


def _as_list(values: Any) -> list:
    return values if isinstance(values, list) else [values]


def _info_of(t: Tensor) -> ColumnInfo:
    """What the planner needs to know about tensor ``t`` (without reading samples)."""
    cfg = t._cfg
    htype = t.htype
    form = cfg.sample_form
    class_names = None
    names = t._entry.info.get("class_names")
    if names:
        class_names = tuple(str(x) for x in names)
    if form in ("text", "json", "list"):
        dtype = "str" if form == "text" else "Any"
        ndim = 0 if form == "text" else None
        fixed = () if form == "text" else None
        return ColumnInfo(htype, dtype, ndim, class_names, fixed, form)
    meta = t.meta
    dtype = str(np.dtype(meta.dtype)) if meta.dtype else None
    lo, hi = meta.min_shape, meta.max_shape
    fixed = None
    if (
        lo is not None
        and lo == hi
        and not t.is_sequence
        and not t.is_link
        and not cfg.behavior().numpy_aslist
    ):
        fixed = tuple(int(x) for x in lo)
    return ColumnInfo(htype, dtype, meta.ndim, class_names, fixed, "array")


__all__ = ["ColumnCache", "DatasetSource", "clear_column_cache", "column_cache"]
