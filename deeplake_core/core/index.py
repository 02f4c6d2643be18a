"""Indexes into tensors and datasets: which samples (and which parts of them) a view sees.

An :class:`IndexEntry` selects positions along one axis. Its ``value`` is one of

* an ``int`` (the axis is collapsed: ``t[3]``),
* a ``slice`` (``t[2:10:2]``),
* a read-only 1-D ``int64`` ``numpy.ndarray`` (fancy indexing: ``t[[4, 1, 7]]``; lists,
  tuples, ranges with negative values and boolean masks are converted to it).

An :class:`Index` holds one entry per axis; ``values[0]`` is the primary (sample) axis.
Indexing an entry or index again composes the two selections into one (a view of a view
is again a single index): two slices compose into a slice, so views of views never
materialise position lists. Negative positions count from the end of the axis; they are
resolved as soon as the axis length is known (pass ``parent_length``), and kept as given
on an entry that selects the whole axis (``IndexEntry()[-1]`` is ``IndexEntry(-1)``).
Without the length, composing a negative position into a partial slice is ambiguous and
raises ``NotImplementedError`` (pass ``parent_length``), and range checks wait until
:meth:`IndexEntry.validate` / :meth:`IndexEntry.to_array`, so an out-of-range position
that a later selection drops goes unnoticed. The dataset layer always passes the length.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from deeplake_core.exceptions import InvalidKeyTypeError

IndexValue = int | slice | tuple[int, ...] | list[int] | range | np.ndarray

_ARRAY_REPR_LIMIT = 20
_ITEM_TYPES = (int, np.integer, slice, list, tuple, range, np.ndarray)


# ------------------------------------------------------------------------ slice helpers


def _slice_parts(s: slice) -> tuple[int | None, int | None, int | None]:
    start = None if s.start is None else operator.index(s.start)
    stop = None if s.stop is None else operator.index(s.stop)
    step = None if s.step is None else operator.index(s.step)
    if step == 0:
        raise ValueError("slice step cannot be zero; use a positive or negative step")
    return start, stop, step


def _is_full_slice(s: slice) -> bool:
    return s.start in (None, 0) and s.stop is None and s.step in (None, 1)


def merge_slices(existing_slice: slice, new_slice: slice) -> slice:
    """Compose two slices without knowing the length of what they index.

    For any sequence ``x``: ``x[existing_slice][new_slice] == x[merge_slices(existing_slice,
    new_slice)]``. ``new_slice`` must not contain negative values and ``existing_slice``
    may contain them only when ``new_slice`` selects everything; otherwise the result
    depends on ``len(x)`` and ``NotImplementedError`` is raised (compose with a known
    length instead: :meth:`IndexEntry.compose`).
    """
    a_start, a_stop, a_step = _slice_parts(existing_slice)
    b_start, b_stop, b_step = _slice_parts(new_slice)
    if _is_full_slice(new_slice):
        return slice(a_start, a_stop, a_step)
    if any(v is not None and v < 0 for v in (b_start, b_stop, b_step)):
        raise NotImplementedError(
            f"cannot compose {existing_slice} with {new_slice}: negative values are only "
            "supported in the first slice; pass the parent length to resolve them"
        )
    if _is_full_slice(existing_slice):
        return slice(b_start, b_stop, b_step)
    if any(v is not None and v < 0 for v in (a_start, a_stop, a_step)):
        raise NotImplementedError(
            f"cannot compose {existing_slice} with {new_slice} without the parent length: "
            "the first slice has negative values"
        )
    a0 = a_start or 0
    a_s = a_step or 1
    b_s = b_step or 1
    start = a0 + (b_start or 0) * a_s
    stops = [s for s in (a_stop, None if b_stop is None else a0 + b_stop * a_s) if s is not None]
    stop = min(stops) if stops else None
    step = a_s * b_s
    return slice(start, stop, None if step == 1 else step)


def slice_at_int(s: slice, i: int) -> int:
    """Position in the parent of the ``i``-th element selected by ``s``.

    ``slice_at_int(slice(None), 10) == 10``; ``slice_at_int(slice(10, 20, 2), 3) == 16``.
    A negative ``i`` is only accepted for a slice selecting everything
    (``NotImplementedError`` otherwise); ``IndexError`` if ``i`` falls outside the slice's
    bounds (for a negative step, also if ``start`` is not greater than ``stop``).
    """
    i = operator.index(i)
    start, stop, step = _slice_parts(s)
    if _is_full_slice(s):
        return i
    if i < 0:
        raise NotImplementedError(
            f"cannot take element {i} of {s} without the parent length; pass the length "
            "or use a non-negative position"
        )
    step = step or 1
    if step > 0:
        start = start or 0
        if start < 0 or (stop is not None and stop < 0):
            raise NotImplementedError(
                f"cannot index {s} without the parent length: it has negative bounds"
            )
        value = start + i * step
        if stop is not None and value >= stop:
            raise IndexError(f"position {i} is out of range for {s}")
        return value
    if start is not None and stop is not None and 0 <= start <= stop:
        raise IndexError(f"{s} has a negative step and start <= stop, so it is empty")
    # Where a reversed slice starts depends on the parent length (start is clipped to it).
    raise NotImplementedError(
        f"cannot index {s} without the parent length: a negative step starts at "
        "min(start, length - 1); pass the length"
    )


def slice_length(s: slice, parent_length: int) -> int:
    """Number of elements ``s`` selects from a sequence of ``parent_length`` elements."""
    return len(range(*s.indices(parent_length)))


def _range_to_slice(r: range) -> slice:
    """The slice selecting exactly ``r`` from any sequence longer than ``max(r)``."""
    if len(r) == 0:
        return slice(0, 0, None)
    stop: int | None
    if r.step > 0:
        stop = r[-1] + 1
    else:
        stop = r[-1] - 1 if r[-1] > 0 else None
    return slice(r.start, stop, None if r.step == 1 else r.step)


# ------------------------------------------------------------------------ value helpers


class _Mask:
    """A boolean mask item, converted to positions once the masked length is known."""

    __slots__ = ("mask",)

    def __init__(self, mask: np.ndarray):
        self.mask = mask

    def positions(self, length: int | None) -> np.ndarray:
        if length is not None and len(self.mask) != length:
            raise IndexError(
                f"boolean mask has {len(self.mask)} values but the axis has {length}; "
                "pass one boolean per element"
            )
        return _freeze(np.flatnonzero(self.mask))


def _freeze(arr: np.ndarray) -> np.ndarray:
    arr = np.asarray(arr, dtype=np.int64)
    if arr.flags.writeable:
        arr.setflags(write=False)
    return arr


def _coerce(item: Any) -> int | slice | np.ndarray | _Mask:
    """Turn a user item into an int, slice, int64 array or :class:`_Mask`."""
    if isinstance(item, IndexEntry):
        return item.value
    if isinstance(item, slice):
        start, stop, step = _slice_parts(item)
        return slice(start, stop, step)
    if isinstance(item, (bool, np.bool_)):
        raise InvalidKeyTypeError(item)
    if isinstance(item, (int, np.integer)):
        return int(item)
    if isinstance(item, range):
        if len(item) == 0 or min(item[0], item[-1]) >= 0:
            return _range_to_slice(item)
        return _freeze(np.arange(item.start, item.stop, item.step, dtype=np.int64))
    if isinstance(item, (list, tuple, np.ndarray)):
        arr = np.asarray(item)
        if arr.ndim == 0 and arr.dtype.kind in "iu":
            return int(arr)
        if arr.ndim != 1:
            raise InvalidKeyTypeError(item)
        if arr.dtype.kind == "b":
            return _Mask(arr)
        if arr.size == 0:
            return _freeze(np.empty(0, dtype=np.int64))
        if arr.dtype.kind not in "iu":
            raise InvalidKeyTypeError(item)
        if arr.dtype.kind == "u" and arr.size and arr.max() > np.iinfo(np.int64).max:
            raise IndexError("index value too large")
        if arr is item:  # never alias a caller's array
            arr = arr.copy()
        return _freeze(arr)
    raise InvalidKeyTypeError(item)


def _resolve_int(i: int, length: int) -> int:
    if not -length <= i < length:
        raise IndexError(
            f"index {i} is out of range for an axis of length {length}; use a value "
            f"from {-length} to {length - 1}"
        )
    return i + length if i < 0 else i


def _resolve_array(arr: np.ndarray, length: int) -> np.ndarray:
    if arr.size == 0:
        return arr
    lo, hi = int(arr.min()), int(arr.max())
    if lo < -length or hi >= length:
        bad = lo if lo < -length else hi
        raise IndexError(
            f"index {bad} is out of range for an axis of length {length}; use values "
            f"from {-length} to {length - 1}"
        )
    if lo < 0:
        arr = np.where(arr < 0, arr + length, arr)
    return _freeze(arr)


def _index_range(r: range, item: int | slice | np.ndarray | _Mask) -> int | slice | np.ndarray:
    """Compose ``item`` into the positions ``r`` (a resolved slice)."""
    n = len(r)
    if isinstance(item, int):
        return r[_resolve_int(item, n)]
    if isinstance(item, slice):
        return _range_to_slice(r[item])
    if isinstance(item, _Mask):
        item = item.positions(n)
    arr = _resolve_array(item, n)
    return _freeze(r.start + arr * r.step)


def _index_array(a: np.ndarray, item: int | slice | np.ndarray | _Mask) -> int | np.ndarray:
    """Compose ``item`` into the explicit positions ``a``."""
    n = len(a)
    if isinstance(item, int):
        return int(a[_resolve_int(item, n)])
    if isinstance(item, slice):
        return _freeze(a[item])
    if isinstance(item, _Mask):
        return _freeze(a[item.positions(n)])
    return _freeze(a[_resolve_array(item, n)])


def _format_value(value: int | slice | np.ndarray) -> str:
    if isinstance(value, np.ndarray):
        if len(value) > _ARRAY_REPR_LIMIT:
            head = ", ".join(map(str, value[: _ARRAY_REPR_LIMIT - 1].tolist()))
            return f"({head}, ..., {int(value[-1])})"
        return repr(tuple(value.tolist()))
    return repr(value)


def _apply_outer(sample: np.ndarray, entries: list[IndexEntry]) -> np.ndarray:
    out, axis = sample, 0
    for entry in entries:
        out = out[(slice(None),) * axis + (entry.value,)]
        if not isinstance(entry.value, int):
            axis += 1
    return out


# ---------------------------------------------------------------------------- IndexEntry


class IndexEntry:
    """The selection along one axis: an int, a slice or an array of positions."""

    __slots__ = ("value",)

    value: int | slice | np.ndarray

    def __init__(self, value: IndexValue | IndexEntry = slice(None)):
        coerced = _coerce(value)
        if isinstance(coerced, _Mask):
            coerced = coerced.positions(None)
        self.value = coerced

    @classmethod
    def _of(cls, value: int | slice | np.ndarray) -> IndexEntry:
        entry = cls.__new__(cls)
        entry.value = value
        return entry

    # -- composition -----------------------------------------------------------------
    def __getitem__(self, item: Any) -> IndexEntry:
        """Compose ``item`` into this entry: ``IndexEntry()[100:200][5] == IndexEntry(105)``."""
        return self.compose(item)

    def compose(self, item: Any, parent_length: int | None = None) -> IndexEntry:
        """The entry selecting ``parent[self][item]``.

        With ``parent_length`` (the length of the axis this entry indexes) every item is
        accepted, negative positions are resolved and out-of-range ints raise
        ``IndexError``. Without it, see the module notes.
        """
        if isinstance(self.value, int):
            raise TypeError(
                f"entry {self.value} selects a single element and cannot be indexed "
                "further; index the axes after it instead"
            )
        sub = _coerce(item)
        if isinstance(self.value, np.ndarray):
            base = self.value
            if parent_length is not None:
                base = _resolve_array(base, parent_length)
            return IndexEntry._of(_index_array(base, sub))
        if parent_length is not None:
            return IndexEntry._of(_index_range(range(*self.value.indices(parent_length)), sub))
        if _is_full_slice(self.value):
            if isinstance(sub, _Mask):
                sub = sub.positions(None)
            return IndexEntry._of(sub)
        if isinstance(sub, int):
            return IndexEntry._of(slice_at_int(self.value, sub))
        if isinstance(sub, slice):
            return IndexEntry._of(merge_slices(self.value, sub))
        return IndexEntry._of(self._slice_take(sub))

    def _slice_take(self, sub: np.ndarray | _Mask) -> np.ndarray:
        """Positions ``sub`` of this (partial) slice, without knowing the parent length."""
        start, stop, step = _slice_parts(self.value)
        step = step or 1
        start = start or 0
        if isinstance(sub, _Mask) or step < 0 or start < 0 or (stop is not None and stop < 0):
            raise NotImplementedError(
                f"cannot take {'a boolean mask' if isinstance(sub, _Mask) else 'positions'} "
                f"of {self.value} without the parent length; pass parent_length"
            )
        if sub.size and int(sub.min()) < 0:
            raise NotImplementedError(
                f"cannot resolve negative positions in {self.value} without the parent "
                "length; pass parent_length"
            )
        out = start + sub * step
        if stop is not None and out.size and int(out.max()) >= stop:
            raise IndexError(
                f"position {int(sub.max())} is out of range for {self.value}; the slice "
                f"has at most {slice_length(self.value, stop)} elements"
            )
        return _freeze(out)

    # -- queries ---------------------------------------------------------------------
    def subscriptable(self) -> bool:
        """Whether this entry keeps its axis (and so can be indexed further)."""
        return not isinstance(self.value, int)

    def is_trivial(self, parent_length: int | None = None) -> bool:
        """Whether the entry selects the whole axis in order.

        Without ``parent_length`` only ``[:]`` (``slice(None)``, ``slice(0, None, 1)``)
        counts; with it, any entry selecting ``0 .. parent_length - 1`` in order does.
        """
        v = self.value
        if isinstance(v, slice):
            if _is_full_slice(v):
                return True
            return parent_length is not None and range(*v.indices(parent_length)) == range(
                parent_length
            )
        if parent_length is None:
            return False
        if isinstance(v, int):
            return False  # an int collapses the axis
        return len(v) == parent_length and bool(
            np.array_equal(_resolve_array(v, parent_length), np.arange(parent_length))
        )

    def length(self, parent_length: int) -> int:
        """Number of positions selected from an axis of ``parent_length`` elements.

        ``IndexEntry(slice(5, 10)).length(100) == 5``;
        ``IndexEntry(slice(5, 100)).length(50) == 45``; ``IndexEntry(0).length(10) == 1``.
        """
        v = self.value
        if isinstance(v, int):
            return 1
        if isinstance(v, slice):
            return slice_length(v, parent_length)
        return len(v)

    def validate(self, parent_length: int) -> None:
        """``IndexError`` if the entry selects a position outside ``0 .. parent_length-1``.

        Slices never fail (they clip, as in Python and NumPy).
        """
        v = self.value
        if isinstance(v, int):
            _resolve_int(v, parent_length)
        elif isinstance(v, np.ndarray):
            _resolve_array(v, parent_length)

    def normalize(self, parent_length: int) -> IndexEntry:
        """Equivalent entry without negative positions (validated against the length)."""
        v = self.value
        if isinstance(v, int):
            return IndexEntry._of(_resolve_int(v, parent_length))
        if isinstance(v, slice):
            return IndexEntry._of(_range_to_slice(range(*v.indices(parent_length))))
        return IndexEntry._of(_resolve_array(v, parent_length))

    def to_array(self, parent_length: int) -> np.ndarray:
        """The selected positions as a read-only ``int64`` array (negatives resolved)."""
        v = self.value
        if isinstance(v, int):
            return _freeze(np.array([_resolve_int(v, parent_length)], dtype=np.int64))
        if isinstance(v, slice):
            return _freeze(np.arange(*v.indices(parent_length), dtype=np.int64))
        return _resolve_array(v, parent_length)

    def indices(self, length: int) -> np.ndarray:
        """The positions selected from an axis of ``length`` elements (see :meth:`to_array`)."""
        return self.to_array(length)

    def downsample(self, factor: int, length: int) -> IndexEntry:
        """The entry selecting the same region in data downsampled by ``factor``.

        ``length`` is the axis length after downsampling; the result is clipped to it.
        ``TypeError`` for position arrays and for negative bounds (which need the original
        length).
        """
        v = self.value
        if isinstance(v, int):
            if v < 0:
                raise TypeError(f"cannot downsample the negative index {v}; normalize it first")
            return IndexEntry._of(min(v // factor, max(length - 1, 0)))
        if isinstance(v, slice):
            start, stop, step = _slice_parts(v)
            if any(x is not None and x < 0 for x in (start, stop, step)):
                raise TypeError(f"cannot downsample {v}: negative bounds or step; normalize first")
            new_start = (start or 0) // factor
            new_stop = length if stop is None else min(math.ceil(stop / factor), length)
            new_step = None if step in (None, 1) else max(step // factor, 1)
            if new_step == 1:
                new_step = None
            return IndexEntry._of(slice(new_start, new_stop, new_step))
        raise TypeError("an entry holding a list of positions cannot be downsampled")

    # -- serialisation ---------------------------------------------------------------
    def to_json(self) -> int | dict[str, Any]:
        """A JSON-compatible description (see :meth:`from_json`)."""
        v = self.value
        if isinstance(v, int):
            return v
        if isinstance(v, slice):
            return {"start": v.start, "stop": v.stop, "step": v.step}
        return {"positions": v.tolist()}

    @classmethod
    def from_json(cls, data: int | dict[str, Any]) -> IndexEntry:
        if isinstance(data, int):
            return cls(data)
        if "positions" in data:
            return cls(np.asarray(data["positions"], dtype=np.int64))
        return cls(slice(data["start"], data["stop"], data["step"]))

    # -- dunder ----------------------------------------------------------------------
    def _key(self) -> tuple:
        v = self.value
        if isinstance(v, np.ndarray):
            return ("a", v.tobytes())
        if isinstance(v, slice):
            return ("s", v.start, v.stop, v.step)
        return ("i", v)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, IndexEntry):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"IndexEntry({_format_value(self.value)})"

    def __str__(self) -> str:
        v = self.value
        if isinstance(v, slice):
            parts = ["" if v.start is None else str(v.start), "" if v.stop is None else str(v.stop)]
            if v.step is not None:
                parts.append(str(v.step))
            return ":".join(parts)
        if isinstance(v, np.ndarray):
            return f"[{_format_value(v)[1:-1].rstrip(',')}]"
        return str(v)


# --------------------------------------------------------------------------------- Index


class Index:
    """One :class:`IndexEntry` per axis, like a NumPy index expression.

    ``Index()`` is ``[:]``; ``Index(5)``, ``Index(slice(2, 4))`` and ``Index((1, 3))``
    (positions) index the primary axis; ``Index([5, slice(None)])`` gives one entry per
    listed value; ``Index(other_index)`` copies.
    """

    __slots__ = ("values",)

    values: list[IndexEntry]

    def __init__(
        self,
        item: IndexValue | Index | Sequence[IndexEntry | IndexValue] | None = slice(None),
    ):
        if isinstance(item, Index):
            values = list(item.values)
        elif item is None or (isinstance(item, (list, tuple)) and len(item) == 0):
            values = [IndexEntry()]
        elif isinstance(item, list):
            values = [v if isinstance(v, IndexEntry) else IndexEntry(v) for v in item]
        elif isinstance(item, IndexEntry):
            values = [item]
        else:
            values = [IndexEntry(item)]
        self.values = values

    # -- composition -----------------------------------------------------------------
    def __getitem__(self, item: Any) -> Index:
        """Compose a subscript into this index, NumPy-style.

        ``Index([5, slice(None)])[5] == Index([5, 5])``;
        ``Index([5])[5:6] == Index([5, slice(5, 6)])``;
        ``Index()[0, 1, 2:5, 3] == Index([0, 1, slice(2, 5), 3])``.
        """
        return self.compose(item)

    def compose(self, item: Any, parent_length: int | None = None) -> Index:
        """The index selecting ``parent[self][item]``.

        A tuple item indexes several axes: its k-th element applies to the k-th axis this
        index keeps (entries that are ints are skipped), extra elements add axes.
        ``parent_length`` is the length of the primary axis (see
        :meth:`IndexEntry.compose`).
        """
        if item is None:
            return self
        if isinstance(item, Index):
            item = tuple(v.value for v in item.values)
        elif isinstance(item, IndexEntry):
            item = (item.value,)
        elif not isinstance(item, tuple):
            item = (item,)
        for sub in item:
            if not isinstance(sub, _ITEM_TYPES):
                raise InvalidKeyTypeError(sub)
        values = list(self.values)
        axes = [k for k, v in enumerate(values) if v.subscriptable()]
        for pos, sub in enumerate(item):
            if pos < len(axes):
                ax = axes[pos]
                values[ax] = values[ax].compose(sub, parent_length if ax == 0 else None)
            else:
                values.append(IndexEntry(sub))
        return Index(values)

    def compose_at(
        self, item: IndexValue, i: int | None = None, parent_length: int | None = None
    ) -> Index:
        """Compose ``item`` into axis ``i``, or append it as a new axis if ``i`` is None.

        ``Index([slice(None), slice(None)]).compose_at(5)`` is
        ``Index([slice(None), slice(None), 5])``;
        ``Index([slice(None), slice(5, 10), slice(None)]).compose_at(3, 1)`` is
        ``Index([slice(None), 8, slice(None)])``.
        """
        if i is None:
            return Index([*self.values, IndexEntry(item)])
        values = list(self.values)
        values[i] = values[i].compose(item, parent_length)
        return Index(values)

    # -- queries ---------------------------------------------------------------------
    def find_axis(self, offset: int = 0) -> int | None:
        """Position of the ``offset``-th (0-based) axis that can still be indexed, or None."""
        seen = 0
        for k, entry in enumerate(self.values):
            if entry.subscriptable():
                if seen == offset:
                    return k
                seen += 1
        return None

    def subscriptable(self) -> bool:
        """Whether the primary axis is kept (the index selects several samples)."""
        return self.values[0].subscriptable()

    def is_trivial(self, parent_length: int | None = None) -> bool:
        """Whether the index is equivalent to ``[:]``."""
        return self.values[0].is_trivial(parent_length) and all(
            v.is_trivial() for v in self.values[1:]
        )

    def length(self, parent_length: int) -> int:
        """Number of samples selected from ``parent_length`` (see :meth:`IndexEntry.length`)."""
        return self.values[0].length(parent_length)

    def validate(self, parent_length: int) -> None:
        """``IndexError`` if the primary axis selects a sample outside the parent."""
        self.values[0].validate(parent_length)

    def to_array(self, parent_length: int) -> np.ndarray:
        """Selected sample positions of the primary axis, as an ``int64`` array."""
        return self.values[0].to_array(parent_length)

    # -- application -----------------------------------------------------------------
    def sample_index(self) -> tuple:
        """The NumPy index for the axes after the primary one (applied to each sample)."""
        return tuple(v.value for v in self.values[1:])

    def apply(self, samples: list[np.ndarray]) -> list[np.ndarray]:
        """Apply the non-primary axes to each of ``samples`` (already selected by axis 0).

        Each axis is indexed independently (outer indexing): position arrays on two axes
        select the sub-grid, unlike NumPy's pairing of index arrays.
        """
        entries = self.values[1:]
        if not entries:
            return list(samples)
        n_arrays = sum(isinstance(e.value, np.ndarray) for e in entries)
        has_int = any(isinstance(e.value, int) for e in entries)
        if n_arrays == 0 or (n_arrays == 1 and not has_int):
            sub = self.sample_index()
            return [np.asarray(s)[sub] for s in samples]
        return [_apply_outer(np.asarray(s), entries) for s in samples]

    def apply_squeeze(self, samples: list[Any]) -> Any:
        """``samples`` if the primary axis is kept, else its only element."""
        return samples if self.subscriptable() else samples[0]

    def downsample(self, factor: int, shape: tuple[int, ...]) -> Index:
        """The index selecting the same region of samples downsampled by ``factor``.

        The primary (sample) axis is kept; the next two axes (height and width) are
        downsampled, with ``shape`` the downsampled sample shape; later axes (channels)
        are kept.
        """
        values = [self.values[0]]
        for k, entry in enumerate(self.values[1:3]):
            values.append(entry.downsample(factor, shape[k]))
        values.extend(self.values[3:])
        return Index(values)

    # -- serialisation ---------------------------------------------------------------
    def to_json(self) -> list[int | dict[str, Any]]:
        """A JSON-compatible description (see :meth:`from_json`)."""
        return [v.to_json() for v in self.values]

    @classmethod
    def from_json(cls, data: list[int | dict[str, Any]]) -> Index:
        return cls([IndexEntry.from_json(d) for d in data])

    # -- dunder ----------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Index):
            return NotImplemented
        return self.values == other.values

    def __hash__(self) -> int:
        return hash(tuple(self.values))

    def __repr__(self) -> str:
        return f"Index([{', '.join(_format_value(v.value) for v in self.values)}])"

    def __str__(self) -> str:
        return f"[{', '.join(str(v) for v in self.values)}]"
