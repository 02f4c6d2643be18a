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

from deeplake_core.core import media
from deeplake_core.core.links import LinkTensorMixin
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


class Tensor(LinkTensorMixin):
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
        self._extend(samples, ignore_errors, None)

    def _extend_with_ids(self, samples: Any, ids: Any) -> None:
        """Append samples recording the given sample ids (merges keep ids)."""
        self._extend(samples, False, ids)

    def _extend(self, samples: Any, ignore_errors: bool, ids: Any) -> None:
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
            if ids is not None:
                ids = np.asarray(ids)[keep]
            prepared = columns.prepare(col, samples)
        with self._state.write():
            try:
                columns.write(col, prepared, ids)
            except Exception as exc:
                from deeplake_core.exceptions import DeepLakeCoreError

                if isinstance(exc, DeepLakeCoreError | ValueError | TypeError):
                    raise
                raise SampleExtendError(f"extend of tensor {self._name!r} failed: {exc}") from exc

    def _set(self, index: RowIndex | None, value: Any) -> None:
        """Write ``value`` at ``index`` (the view's own rows when ``None``)."""
        from deeplake_core.core import columns

        col = self._col
        index = self._index if index is None else index
        n = col.length()
        rows = index.values(n)
        if index.sub:
            if not _plain(col.cfg):
                raise InvalidOperationError(
                    "assigning to part of a sample", f"tensor of htype {col.cfg.htype!r}"
                )
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
        columns.update(col, rows, prepared)

    def _snapshot(self) -> Any:
        """Stored values under this view (for rolling back a failed ``Dataset.update``)."""
        from deeplake_core.core import columns

        return columns.snapshot(self._col, self._index.values(self._length()))

    def _restore(self, snap: Any) -> None:
        from deeplake_core.core import columns

        columns.restore(self._col, snap)

    def pop(self, index: int | list[int] | None = None) -> None:
        """Remove the sample(s) at ``index`` (default: the last one)."""
        from deeplake_core.core import columns

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
            columns.pop(col, norm)

    def _pop(self, index: list[int]) -> None:
        self.pop(index)

    def clear(self) -> None:
        """Remove every sample of the tensor."""
        from deeplake_core.core import columns

        self._check_whole("clear")
        with self._state.write():
            columns.clear(self._col)

    def modified_samples(self, target_id: str | None = None, return_indexes: bool = False) -> Any:
        """The samples added or modified since ``target_id`` (default: the previous
        commit), as a tensor view; with ``return_indexes`` also their row indexes.
        ``TensorModifiedError`` if ``target_id`` is not an ancestor of this version."""
        from deeplake_core.core.vc.diff import modified_rows

        rows = modified_rows(self._state, self.key, target_id)
        view = self._view(RowIndex(rows))
        return (view, [int(i) for i in rows]) if return_indexes else view

    def _sample_ids(self, indices: Any = None) -> np.ndarray:
        """uint64 ids of the samples at ``indices`` (absolute rows; default: this view's
        rows). Ids are assigned at append, kept by updates and removed with pops."""
        from deeplake_core.core import columns

        if indices is None:
            indices = self._index.values(self._length())
        return columns.sample_ids(self._col, indices)

    # ---------------------------------------------------------------- reading
    def _view_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """(rows under the view, mask of rows that exist); rows past the end exist only
        in a ``max_view`` (they read as ``None``)."""
        n = self._length()
        idx = self._index
        if idx.squeeze:
            rows = idx.values(n)
        elif self._pad:
            rows = idx.values(max(n, len(self)))
        else:
            rows = idx.values(n)
        return rows, rows < n

    def _check_row(self) -> bool:
        """For a one-sample view: whether the sample exists (False: a padded row)."""
        r = int(self._index.base[0])
        n = self._length()
        if r < n:
            return True
        if self._pad:
            return False
        raise IndexError(f"index {r} is out of range for tensor {self._name!r} of length {n}")

    def _read(self, aslist: bool) -> Any:
        """Samples of a plain array tensor under the view (no htype conversion)."""
        col = self._col
        eng = col.engine
        idx = self._index
        n = eng.num_samples
        if idx.squeeze:
            if not self._check_row():
                return None
            r = int(idx.base[0])
            part = media.read_partial(eng, [r], idx.sub)  # video frames: seek, not decode all
            if part is not None:
                return part[0]
            if len(idx.sub) == 1:
                return eng.read_sample(r, idx.sub[0])
            return idx.apply_sub_sample(eng.read_sample(r))
        if self._pad and (idx.base is None or idx.max_row(n) >= n):
            rows, have = self._view_rows()
            got = iter(eng.read(rows[have], aslist=True) if have.any() else [])
            return [idx.apply_sub_sample(next(got)) if p else None for p in have]
        parts = media.read_partial(eng, idx.values(n), idx.sub) if idx.sub else None
        if parts is not None:
            return parts  # numpy() stacks them unless aslist
        sel = idx.as_slice_or_array(n)
        try:
            data = eng.read(sel, aslist=aslist)
        except DynamicTensorNumpyError:
            raise DynamicTensorNumpyError(self._name, idx, "shape") from None
        return idx.apply_sub_batch(data)

    def _stored(self) -> list[Any]:
        """Stored values under the view, in the form :func:`present` takes."""
        from deeplake_core.core import columns

        rows, have = self._view_rows()
        col = self._col
        if self._index.squeeze:
            if not self._check_row():
                return [None]
            return columns.stored_values(col, rows)
        if have.all():
            return columns.stored_values(col, rows)
        got = iter(columns.stored_values(col, rows[have]))
        return [next(got) if p else None for p in have]

    def _present(self, form: str, aslist: bool = False, extras: Any = None) -> Any:
        from deeplake_core.htype import present

        cfg = self._cfg
        try:
            value = present(
                cfg,
                self._stored(),
                self._entry.info,
                form,
                aslist=aslist,
                single=self._index.squeeze,
                extras=extras,
            )
        except DynamicTensorNumpyError as exc:
            raise DynamicTensorNumpyError(self._name, self._index, "shape") from exc
        idx = self._index
        if not idx.sub or form != "numpy":
            return value
        if idx.squeeze or isinstance(value, list):
            return (
                idx.apply_sub_sample(value)
                if idx.squeeze
                else [idx.apply_sub_sample(v) for v in value]
            )
        return idx.apply_sub_batch(value)

    def numpy(self, aslist: bool = False, fetch_chunks: bool = False) -> Any:
        """The samples as one array (``aslist=True``: a list, for dynamic shapes).

        Text, json, list, polygon and sequence tensors read through their htype (see
        :func:`deeplake_core.htype.present`); rows that only exist in a ``max_view``
        read as ``None``.
        """
        cfg = self._cfg
        if cfg.is_link:  # fetched and decoded by core/links.py
            from deeplake_core.core import links

            return links.numpy(self, aslist)
        if not _plain(cfg):
            if self._index.squeeze and not self._check_row():
                return np.array([None], dtype=object)
            return self._present("numpy", aslist)
        data = self._read(aslist)
        if self._index.squeeze:
            if data is None:
                return np.array([None], dtype=object)
            return np.asarray(data)
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
        """The samples in the form their htype defines: ``{"value": text()}`` for text,
        ``dict()`` for json, ``list()`` for list and tag; ``{"value": numpy()}`` plus
        what the htype adds (class_label: ``"text"``; media: ``"sample_info"``)."""
        cfg = self._cfg
        extras = media.LazyExtras(sample_info=lambda: self.sample_info, timestamps=self._timestamps)
        if _plain(cfg):
            return cfg.behavior().data(cfg, self.numpy(aslist=aslist), self._entry.info, extras)
        return self._present("data", aslist, extras)

    def text(self, fetch_chunks: bool = False) -> str | list[str]:
        """The strings of a ``text`` tensor (one str, or a list for several samples)."""
        return self._present("text")

    def dict(self, fetch_chunks: bool = False) -> Any:
        """The objects of a ``json`` tensor."""
        return self._present("dict")

    def list(self, fetch_chunks: bool = False) -> Any:
        """The lists of a ``list`` (or ``tag``) tensor."""
        return self._present("list")

    def tobytes(self) -> bytes:
        """The stored bytes of one sample (compressed bytes when sample-compressed)."""
        if not self._index.squeeze or self._index.sub:
            raise ValueError("tobytes() reads exactly one whole sample; index one: t[i].tobytes()")
        if self._cfg.is_link:  # the linked file's bytes
            from deeplake_core.core import links

            return links.tobytes(self)
        return bytes(self._engine.read_bytes(int(self._index.base[0])))

    def _shape_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """(lower, upper) logical shape of each sample under the view, ``(n, ndim)``;
        in-sample indices applied."""
        from deeplake_core.core import columns

        rows, have = self._view_rows()
        rows = rows[have]
        lo, hi = columns.logical_shapes(self._col, rows)
        if self._index.sub and len(rows):
            lo = np.array(
                [_sample_shape_after(tuple(s), self._index.sub) for s in lo], dtype=np.int64
            )
            hi = np.array(
                [_sample_shape_after(tuple(s), self._index.sub) for s in hi], dtype=np.int64
            )
        return lo, hi

    def shapes(self) -> np.ndarray:
        """Shapes of the samples under this view, as an ``(n, ndim)`` array (one sample:
        its shape). For a sequence sample whose items differ in size, an axis holds the
        largest size."""
        _lo, hi = self._shape_rows()
        hi = np.maximum(hi, 0)
        if self._index.squeeze:
            return hi[0] if len(hi) else np.zeros(0, dtype=np.int64)
        return hi

    def _bounds(self) -> tuple[list[int], list[int]]:
        """(lower, upper) sample shape bounds under this view."""
        lo, hi = self._shape_rows()
        if len(lo) == 0:
            nd = lo.shape[1] if lo.ndim == 2 else 0
            return [0] * nd, [0] * nd
        big = np.iinfo(np.int64).max
        low = np.where(lo < 0, big, lo).min(axis=0)  # -1: size left open by the sample
        low = np.where(low == big, 0, low)
        return [int(x) for x in low], [int(x) for x in np.maximum(hi.max(axis=0), 0)]

    @property
    def shape(self) -> tuple[int | None, ...]:
        """Shape including the sample axis; ``None`` for axes whose size varies."""
        lo, hi = self._bounds()
        dims = tuple(a if a == b else None for a, b in zip(lo, hi, strict=True))
        if self._index.squeeze:
            return dims
        return (len(self), *dims)

    @property
    def shape_interval(self) -> Any:
        """Lower and upper shape bounds (sample axis included)."""
        from deeplake_core.util.shape_interval import ShapeInterval

        lo, hi = self._bounds()
        if self._index.squeeze:
            return ShapeInterval(tuple(lo), tuple(hi))
        n = len(self)
        return ShapeInterval((n, *lo), (n, *hi))

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
        """Per-sample metadata: a dict for one sample, else a list of dicts. Files read
        with ``deeplake.read`` carry theirs (shape, format, exif ...); other samples
        have ``{}``."""
        from deeplake_core.core import columns
        from deeplake_core.htype import forms

        rows, have = self._view_rows()
        comp = columns.companion(self._col, "sample_info")
        out: list[dict[str, Any]] = [{} for _ in range(len(rows))]
        if comp is not None and comp.length():
            inside = np.flatnonzero(have & (rows < comp.length()))
            if len(inside):
                stored = comp.engine.read(rows[inside], aslist=True)
                for i, s in zip(inside, stored, strict=True):
                    out[int(i)] = forms.decode("json", s) or {}
        return out[0] if self._index.squeeze else out

    def _timestamps(self) -> Any:
        """Frame times under this view (see :attr:`timestamps`); None if unavailable."""
        if self._cfg.is_link or self._cfg.is_sequence:
            return None
        rows, have = self._view_rows()
        got = media.timestamps(self._engine, rows[have])
        if got is None:
            return None
        it = iter(got)
        out = [media.frame_times(next(it), self._index.sub) if h else None for h in have]
        return out[0] if self._index.squeeze else out

    @property
    def timestamps(self) -> Any:
        """Presentation time in seconds (float32) of each frame of a video sample, for
        the frames the view selects (``ds.videos[0, 5:10].timestamps``); a list of
        arrays for several samples. Needs a sample-compressed video tensor (mp4, mkv,
        avi): raw frames carry no timing."""
        stamps = self._timestamps()
        if stamps is None:
            raise media.unsupported(
                "timestamps",
                f"timestamps are only available for video tensors whose samples are "
                f"video files (sample_compression mp4, mkv or avi); tensor {self._name!r} "
                f"has htype {self.htype!r} and sample_compression "
                f"{self._entry.config.get('sample_compression')!r}.",
            )
        return stamps

    def play(self) -> None:
        """Playing a video needs the Deep Lake app's streaming server inside a Jupyter
        notebook, which deeplake-core does not provide: this always raises."""
        raise media.unsupported(
            "play",
            "Tensor.play() streams video to the Deep Lake visualizer in Jupyter, which "
            "deeplake-core does not include. Read the frames with ds.videos[i].numpy() "
            "(or ds.videos[i, start:stop]) or the file with ds.videos[i].tobytes(), and "
            "show them with your own player.",
        )

    def invalidate_libdeeplake_dataset(self) -> None:
        """Drop cached reader state of the dataset's query engine. deeplake-core's query
        engine reads tensors directly and caches nothing, so there is nothing to drop."""

    def _check_compatibility_with_htype(self, htype: str) -> None:
        """Raise ``ValueError`` if this tensor's samples could not be those of ``htype``
        (another sample form, or a dtype the htype refuses)."""
        from deeplake_core.exceptions import MetaError
        from deeplake_core.htype.config import build_tensor_config

        try:
            cfg = build_tensor_config(htype, dtype=self._entry.config.get("dtype") or "unspecified")
        except MetaError as exc:
            raise ValueError(f"tensor {self._name!r} cannot become htype {htype!r}: {exc}") from exc
        if cfg.sample_form != self._cfg.sample_form or cfg.is_sequence != self.is_sequence:
            raise ValueError(f"tensor {self._name!r} ({self.htype}) cannot become htype {htype!r}")

    def summary(self) -> None:
        """Print a one-row table: name, htype, shape interval, dtype, compression."""
        print(summary_table(repr(self), {self._name: self}))

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


def _plain(cfg: Any) -> bool:
    """Samples are arrays stored as they are read (no byte form, no packing)."""
    return not (cfg.byte_encoded or cfg.is_sequence or cfg.is_link)


def _assign(arr: np.ndarray, subs: tuple[tuple[Any, ...], ...], value: Any) -> None:
    target = arr
    for s in subs[:-1]:
        target = target[s]
    target[subs[-1]] = value


def summary_table(title: str, tensors: dict[str, Tensor]) -> str:
    """The table ``summary()`` prints: one row per tensor (name, htype, shape, dtype,
    compression); shapes as shape intervals (``(10, 28:32, 3)``)."""
    rows = [("tensor", "htype", "shape", "dtype", "compression")]
    for name, t in tensors.items():
        try:
            shape = str(t.shape_interval)
            dtype = str(t.dtype) if t.dtype is not None else "None"
            htype = t.htype
            compression = str(t._compression)
        except Exception as exc:  # a tensor whose plugin is missing
            shape, dtype, htype, compression = f"<{type(exc).__name__}>", "?", "?", "?"
        rows.append((name, htype, shape, dtype, compression))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = [title, ""]
    for j, r in enumerate(rows):
        lines.append(" " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if j == 0:
            lines.append(" " + "  ".join("-" * w for w in widths))
    return "\n".join(lines)
