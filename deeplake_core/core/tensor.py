"""The Deep Lake 3 style ``Tensor``: one column of a dataset, or a view of it.

A :class:`Tensor` is a key into a shared :class:`~deeplake_core.core.state.
DatasetState` plus a :class:`~deeplake_core.core.views.RowIndex`. Numeric batch paths
(``extend(array)``, ``numpy()`` over a slice) make one engine call each: no Python loop
per sample.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from deeplake_core.core.views import RowIndex
from deeplake_core.exceptions import (
    DynamicTensorNumpyError,
    InvalidOperationError,
    SampleExtendError,
)

if TYPE_CHECKING:
    from deeplake_core.core.state import Column, DatasetState


def _sample_shape_after(
    shape: tuple[int, ...], subs: tuple[tuple[Any, ...], ...]
) -> tuple[int, ...]:
    """Shape of ``x[s1][s2]...`` for an array ``x`` of ``shape`` (without data)."""
    view = np.broadcast_to(np.empty((), np.uint8), shape)
    for s in subs:
        view = view[s]
    return tuple(view.shape)


class Tensor:
    """A tensor of a dataset, or a view of some of its samples."""

    def __init__(
        self, state: DatasetState, key: str, index: RowIndex | None = None, dataset: Any = None
    ):
        self._state = state
        self.key = key
        self._index = index or RowIndex()
        self._ds = dataset

    # ---------------------------------------------------------------- internals
    @property
    def _entry(self) -> Any:
        return self._state.manifest.tensors[self.key]

    @property
    def _col(self) -> Column:
        return self._state.column(self.key)

    @property
    def _cfg(self) -> Any:
        return self._col.cfg

    @property
    def _engine(self) -> Any:
        return self._col.engine

    @property
    def _pad(self) -> bool:
        return bool(self._ds is not None and self._ds._pad)

    @property
    def _name(self) -> str:
        if self._ds is not None and self._ds._group:
            return self.key[len(self._ds._group) + 1 :]
        return self.key

    @property
    def _compression(self) -> str | None:
        cfg = self._entry.config
        return cfg.get("sample_compression") or cfg.get("chunk_compression")

    def _length(self) -> int:
        return self._col.length()

    def _view(self, index: RowIndex) -> Tensor:
        return Tensor(self._state, self.key, index, self._ds)

    # ---------------------------------------------------------------- indexing
    def __getitem__(self, item: Any) -> Tensor:
        n = self._length()
        if self._pad and self._index.base is None and self._ds is not None:
            n = max(n, len(self._ds))
        return self._view(self._index.compose(item, n))

    def __setitem__(self, item: Any, value: Any) -> None:
        index = self._index.compose(item, self._length(), allow_past_end=True)
        with self._state.write():
            self._set(index, value)

    def __len__(self) -> int:
        if self._index.squeeze:
            return 1
        if self._index.base is not None:
            return len(self._index.base)
        if self._pad and self._ds is not None:
            return len(self._ds)
        return self._length()

    def __iter__(self) -> Iterator[Tensor]:
        for i in range(len(self)):
            yield self[i]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        arr = self.numpy()
        return arr.astype(dtype) if dtype is not None else arr

    @property
    def index(self) -> RowIndex:
        return self._index

    @property
    def sample_indices(self) -> list[int]:
        return [int(i) for i in self._index.values(self._length())]

    # ---------------------------------------------------------------- writing
    def _check_whole(self, what: str) -> None:
        if self._index.base is not None or self._index.sub:
            raise InvalidOperationError(what, "a tensor view")

    def append(self, sample: Any) -> None:
        """Append one sample (array, scalar, str, dict, list, ``deeplake.read`` file)."""
        self.extend([sample])

    def extend(self, samples: Any, progressbar: bool = False, ignore_errors: bool = False) -> None:
        """Append a batch: a sequence of samples, or an array whose axis 0 indexes them."""
        from deeplake_core.core import columns

        self._check_whole("extend")
        self._state.check_writable()
        if isinstance(samples, Tensor):
            samples = samples.numpy(aslist=True)
        col = self._col
        try:
            prepared = columns.prepare(col, samples)
        except Exception:
            if not ignore_errors:
                raise
            bad = set(columns.find_bad_rows(col, samples))
            keep = [i for i in range(len(samples)) if i not in bad]
            samples = (
                samples[keep] if isinstance(samples, np.ndarray) else [samples[i] for i in keep]
            )
            prepared = columns.prepare(col, samples)
        with self._state.write():
            try:
                columns.write(col, prepared)
            except Exception as exc:
                from deeplake_core.exceptions import DeepLakeCoreError

                if isinstance(exc, DeepLakeCoreError | ValueError | TypeError):
                    raise
                raise SampleExtendError(f"extend of tensor {self._name!r} failed: {exc}") from exc
            finally:
                self._state.mark_data(col.tensor_id)

    def _set(self, index: RowIndex | None, value: Any) -> None:
        """Write ``value`` at ``index`` (the view's own rows when ``None``)."""
        from deeplake_core.core import columns

        col = self._col
        index = self._index if index is None else index
        n = col.length()
        rows = index.values(n)
        if index.sub:
            if not index.squeeze:
                current = self._engine.read(rows, aslist=True)
                value_list = [value] * len(rows) if np.ndim(value) == 0 else list(value)
                new = []
                for cur, v in zip(current, value_list, strict=True):
                    cur = np.array(cur)
                    _assign(cur, index.sub, v)
                    new.append(cur)
                samples: Any = new
            else:
                cur = np.array(self._engine.read_sample(int(rows[0])))
                _assign(cur, index.sub, value)
                samples = [cur]
        elif index.squeeze:
            samples = [value]
        else:
            samples = value
            if (np.ndim(value) == 0 and not isinstance(value, str | dict)) or isinstance(
                value, str | dict
            ):
                samples = [value] * len(rows)
        prepared = columns.prepare(col, samples)
        if prepared.n != len(rows):
            raise ValueError(
                f"got {prepared.n} samples to write at {len(rows)} positions; pass one "
                "sample per position"
            )
        top = int(rows.max()) + 1 if len(rows) else 0
        if top > n:
            col.engine.pad_to(top)
        col.engine.update(rows, prepared.data)
        if prepared.info is not None:
            col.entry.info.clear()
            col.entry.info.update(prepared.info)
            self._state.mark_meta()
        columns.sync_entry(col)
        self._state.mark_data(col.tensor_id)

    def _snapshot(self) -> tuple[Any, int]:
        """Values under this view (for rolling back a failed ``Dataset.update``)."""
        n = self._length()
        rows = self._index.values(n)
        keep = rows[rows < n]
        return (rows, self._engine.read(keep, aslist=True) if len(keep) else []), n

    def _restore(self, snap: tuple[Any, int]) -> None:
        (rows, values), n = snap
        col = self._col
        keep = rows[rows < n]
        if len(keep):
            col.engine.update(keep, values)
        if col.length() > n:
            col.engine.pop(list(range(n, col.length())))
        self._state.mark_data(col.tensor_id)

    def pop(self, index: int | list[int] | None = None) -> None:
        """Remove the sample(s) at ``index`` (default: the last one)."""
        col = self._col
        n = col.length()
        if index is None:
            if n == 0:
                raise IndexError("pop from an empty tensor")
            idx = [n - 1]
        elif isinstance(index, int | np.integer):
            idx = [int(index)]
        else:
            idx = [int(i) for i in index]
            if len(set(idx)) != len(idx):
                raise ValueError(f"duplicate indices in {index}")
        norm = [i + n if i < 0 else i for i in idx]
        if any(not 0 <= i < n for i in norm):
            raise IndexError(f"index {index} is out of range for a tensor of {n} samples")
        with self._state.write():
            col.engine.pop(norm)
            self._state.mark_data(col.tensor_id)

    def _pop(self, index: list[int]) -> None:
        self.pop(index)

    def clear(self) -> None:
        """Remove every sample of the tensor."""
        self._check_whole("clear")
        col = self._col
        with self._state.write():
            col.engine.clear()
            self._state.mark_data(col.tensor_id)

    # ---------------------------------------------------------------- reading
    def _pad_rows(self, rows: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        present = rows < n
        return rows[present], present

    def _read(self, aslist: bool) -> Any:
        """Stored values under the view: arrays, or decoded bytes for byte forms."""
        col = self._col
        cfg = col.cfg
        eng = col.engine
        idx = self._index
        n = eng.num_samples
        if idx.squeeze:
            r = int(idx.base[0])
            if r >= n:
                if self._pad:
                    return None
                raise IndexError(
                    f"index {r} is out of range for tensor {self._name!r} of length {n}"
                )
            if cfg.byte_encoded:
                return idx.apply_sub_sample(_decode_one(cfg, eng.read_sample(r)))
            if len(idx.sub) == 1:
                return eng.read_sample(r, idx.sub[0])
            return idx.apply_sub_sample(eng.read_sample(r))
        if self._pad and (idx.base is None or idx.max_row(n) >= n):
            rows = idx.values(max(n, len(self)))
            have, present = self._pad_rows(rows, n)
            got = eng.read(have, aslist=True) if len(have) else []
            if cfg.byte_encoded:
                got = [_decode_one(cfg, x) for x in got]
            it = iter(got)
            out = [idx.apply_sub_sample(next(it)) if p else None for p in present]
            return out
        sel = idx.as_slice_or_array(n)
        if cfg.byte_encoded:
            return [idx.apply_sub_sample(_decode_one(cfg, x)) for x in eng.read(sel, aslist=True)]
        try:
            data = eng.read(sel, aslist=aslist)
        except DynamicTensorNumpyError:
            raise DynamicTensorNumpyError(self._name, idx, "shape") from None
        return idx.apply_sub_batch(data)

    def numpy(self, aslist: bool = False, fetch_chunks: bool = False) -> Any:
        """The samples as one array (``aslist=True``: a list, for dynamic shapes)."""
        cfg = self._cfg
        if cfg.behavior().numpy_aslist:
            aslist = True
        data = self._read(aslist)
        if cfg.byte_encoded and cfg.sample_form in ("text", "json", "list"):
            return _byte_form_numpy(cfg.sample_form, data, self._index.squeeze, aslist)
        if self._index.squeeze:
            if data is None:
                return np.array([None], dtype=object)
            return np.asarray(data) if not cfg.byte_encoded else data
        if isinstance(data, list) and not aslist:
            if any(x is None for x in data):
                out = np.empty(len(data), dtype=object)
                for i, x in enumerate(data):
                    out[i] = x
                return out
            try:
                return (
                    np.stack(data)
                    if data
                    else np.zeros((0,), dtype=self._engine.dtype or np.float64)
                )
            except ValueError:
                raise DynamicTensorNumpyError(self._name, self._index, "shape") from None
        return data

    def data(self, aslist: bool = False, fetch_chunks: bool = False) -> dict[str, Any]:
        """The samples in the form their htype defines (``{"value": ...}`` and more)."""
        cfg = self._cfg
        form = cfg.sample_form
        if form == "text":
            value: Any = self.text()
        elif form == "json":
            value = self.dict()
        elif form == "list":
            value = self.list()
        else:
            value = self.numpy(aslist=aslist)
        extras: dict[str, Any] = {}
        return cfg.behavior().data(cfg, value, self._entry.info, extras)

    def _python_values(self, form: str, what: str) -> Any:
        cfg = self._cfg
        if cfg.sample_form != form and not (form == "list" and cfg.base_htype == "tag"):
            raise InvalidOperationError(what, f"a tensor of htype {cfg.htype!r}")
        data = self._read(True)
        return data

    def text(self, fetch_chunks: bool = False) -> str | list[str]:
        """The strings of a ``text`` tensor (one str, or a list for several samples)."""
        return self._python_values("text", "text")

    def dict(self, fetch_chunks: bool = False) -> Any:
        """The objects of a ``json`` tensor."""
        return self._python_values("json", "dict")

    def list(self, fetch_chunks: bool = False) -> Any:
        """The lists of a ``list`` (or ``tag``) tensor."""
        return self._python_values("list", "list")

    def tobytes(self) -> bytes:
        """The stored bytes of one sample (compressed bytes when sample-compressed)."""
        if not self._index.squeeze or self._index.sub:
            raise ValueError("tobytes() reads exactly one whole sample; index one: t[i].tobytes()")
        return bytes(self._engine.read_bytes(int(self._index.base[0])))

    def shapes(self) -> np.ndarray:
        """Shapes of the samples under this view, as an ``(n, ndim)`` array."""
        eng = self._engine
        n = eng.num_samples
        if self._cfg.byte_encoded:
            k = 1 if self._index.squeeze else len(self)
            return np.ones((k, 1), dtype=np.int64)
        rows = self._index.as_slice_or_array(n)
        sh = eng.shapes(rows)
        if self._index.sub:
            sh = np.array(
                [_sample_shape_after(tuple(s), self._index.sub) for s in sh], dtype=np.int64
            )
        return sh[0] if self._index.squeeze else sh

    # ---------------------------------------------------------------- properties
    @property
    def htype(self) -> str:
        return self._entry.htype

    @property
    def base_htype(self) -> str:
        return self._entry.config.get("base_htype", self._entry.htype)

    @property
    def dtype(self) -> np.dtype | None:
        name = self._entry.config.get("dtype")
        if name is None:
            meta_dtype = self._entry.meta.get("dtype")
            if self._col.loaded:
                meta_dtype = self._engine.meta.dtype
            return np.dtype(meta_dtype) if meta_dtype else None
        return np.dtype(str) if name == "str" else np.dtype(name)

    def _bounds(self) -> tuple[list[int | None], list[int | None]]:
        """(lower, upper) sample shape bounds under this view."""
        if self._cfg.byte_encoded:
            return [1], [1]
        idx = self._index
        eng = self._engine
        sh = self.shapes()
        if idx.squeeze:
            return list(sh), list(sh)
        if len(sh) == 0:
            nd = eng.meta.ndim or 0
            return [0] * nd, [0] * nd
        return list(sh.min(axis=0)), list(sh.max(axis=0))

    @property
    def shape(self) -> tuple[int | None, ...]:
        """Shape including the sample axis; ``None`` for axes whose size varies."""
        lo, hi = self._bounds()
        dims = tuple(int(a) if a == b else None for a, b in zip(lo, hi, strict=True))
        if self._index.squeeze:
            return dims
        return (len(self), *dims)

    @property
    def shape_interval(self) -> Any:
        from deeplake_core.util.shape_interval import ShapeInterval

        lo, hi = self._bounds()
        if self._index.squeeze:
            return ShapeInterval(tuple(int(x) for x in lo), tuple(int(x) for x in hi))
        n = len(self)
        return ShapeInterval((n, *(int(x) for x in lo)), (n, *(int(x) for x in hi)))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def num_samples(self) -> int:
        """Number of samples in the whole tensor (views ignored)."""
        return self._length()

    @property
    def is_dynamic(self) -> bool:
        lo, hi = self._bounds()
        return lo != hi

    @property
    def is_sequence(self) -> bool:
        return bool(self._entry.config.get("is_sequence"))

    @property
    def is_link(self) -> bool:
        return bool(self._entry.config.get("is_link"))

    @property
    def verify(self) -> bool:
        return bool(self._entry.create_args.get("verify", False)) and self.is_link

    @property
    def hidden(self) -> bool:
        return self._entry.hidden

    @property
    def meta(self) -> Any:
        """The engine's ``TensorMeta`` (htype, dtype, compressions, shape bounds)."""
        return self._engine.meta

    @property
    def _config(self) -> dict[str, Any]:
        e = self._entry
        return {
            "htype": e.htype,
            "dtype": self.dtype,
            "sample_compression": e.config.get("sample_compression"),
            "chunk_compression": e.config.get("chunk_compression"),
            "hidden": e.hidden,
            "is_link": self.is_link,
            "is_sequence": self.is_sequence,
        }

    @property
    def info(self) -> Any:
        from deeplake_core.core.columns import make_info

        return make_info(self._state, self._entry.info)

    @info.setter
    def info(self, value: dict) -> None:
        self.info.replace_with(value)

    @property
    def sample_info(self) -> Any:
        """Per-sample metadata (``{}`` for samples that carry none)."""
        if self._index.squeeze:
            return {}
        return [{} for _ in range(len(self))]

    def _check_compatibility_with_htype(self, htype: str) -> None:
        from deeplake_core.htype.config import build_tensor_config

        cfg = build_tensor_config(htype, dtype=self._entry.config.get("dtype") or "unspecified")
        if cfg.sample_form != self._cfg.sample_form:
            raise ValueError(f"tensor {self._name!r} ({self.htype}) cannot become htype {htype!r}")

    def summary(self) -> None:
        """Print the tensor's name, htype, shape, dtype and compression."""
        print(
            f"Tensor(key={self._name!r})\n  htype: {self.htype}\n  shape: {self.shape}\n"
            f"  dtype: {self.dtype}\n  compression: {self._compression}\n"
            f"  samples: {len(self)}"
        )

    def __repr__(self) -> str:
        if self._index.base is not None:
            return f"Tensor(key={self._name!r}, index={self._index.base!r})"
        return f"Tensor(key={self._name!r})"

    def __eq__(self, other: object) -> Any:
        if isinstance(other, Tensor):
            return (
                self._state is other._state
                and self.key == other.key
                and self._index == other._index
            )
        return self.numpy() == other

    __hash__ = object.__hash__


# ---------------------------------------------------------------- helpers


def _assign(arr: np.ndarray, subs: tuple[tuple[Any, ...], ...], value: Any) -> None:
    target = arr
    for s in subs[:-1]:
        target = target[s]
    target[subs[-1]] = value


def _decode_one(cfg: Any, stored: Any) -> Any:
    from deeplake_core.core.columns import decode_bytes

    return decode_bytes(cfg, stored)


def _byte_form_numpy(form: str, data: Any, squeeze: bool, aslist: bool) -> Any:
    """numpy() of text/json/list samples: text as ``<U`` arrays, objects otherwise."""

    def one(v: Any) -> np.ndarray:
        if form == "text":
            return np.array([v if v is not None else ""])
        if form == "list":
            return (
                np.array(v if v is not None else [], dtype=object)
                if v and any(isinstance(x, list | dict) for x in v)
                else np.array(v if v is not None else [])
            )
        out = np.empty(1, dtype=object)
        out[0] = v
        return out

    if squeeze:
        return one(data)
    items = [one(v) for v in data]
    if aslist or form == "list":
        return items
    if not items:
        return np.zeros((0, 1), dtype=str if form == "text" else object)
    if form == "text":
        return np.stack(items)
    out = np.empty((len(items), 1), dtype=object)
    for i, v in enumerate(data):
        out[i, 0] = v
    return out
