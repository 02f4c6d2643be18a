"""Row selection for dataset and tensor views.

A :class:`RowIndex` says which samples (rows) of a tensor a view covers: everything
(``None`` base, following the tensor's current length), a ``range`` (any slice), or an
int64 array (list indexing, random splits). Selections compose like numpy indexing and
stay vectorised: composing a list index over a million rows is one numpy operation.

Indices inside a sample (``ds.images[0, 5:10]``) are kept separately as a chain of
numpy index tuples (:attr:`RowIndex.sub`) and applied to the data after reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def _is_int(x: Any) -> bool:
    return isinstance(x, int | np.integer) and not isinstance(x, bool | np.bool_)


class RowIndex:
    """An immutable row selection plus a chain of in-sample indices."""

    __slots__ = ("base", "squeeze", "sub")

    def __init__(
        self,
        base: range | np.ndarray | None = None,
        squeeze: bool = False,
        sub: tuple[tuple[Any, ...], ...] = (),
    ):
        self.base = base
        self.squeeze = squeeze
        self.sub = sub

    # -- queries --------------------------------------------------------------------
    @property
    def is_trivial(self) -> bool:
        return self.base is None and not self.sub

    def length(self, tensor_length: int) -> int:
        if self.base is None:
            return tensor_length
        return len(self.base)

    def rows(self, tensor_length: int) -> range | np.ndarray:
        """Absolute rows selected, given the tensor's length."""
        if self.base is None:
            return range(tensor_length)
        return self.base

    def as_slice_or_array(self, tensor_length: int) -> slice | np.ndarray:
        """What to hand the engine: a slice for ranges, else an int64 array."""
        rows = self.rows(tensor_length)
        if isinstance(rows, range):
            if rows.step < 0:
                return np.arange(rows.start, rows.stop, rows.step, dtype=np.int64)
            return slice(rows.start, rows.stop, rows.step)
        return rows

    def values(self, tensor_length: int) -> np.ndarray:
        rows = self.rows(tensor_length)
        if isinstance(rows, range):
            return np.arange(rows.start, rows.stop, rows.step, dtype=np.int64)
        return rows

    def max_row(self, tensor_length: int) -> int:
        """Largest row referenced (-1 if none)."""
        rows = self.rows(tensor_length)
        if len(rows) == 0:
            return -1
        if isinstance(rows, range):
            return max(rows[0], rows[-1])
        return int(rows.max())

    # -- composition ----------------------------------------------------------------
    def compose(self, item: Any, length: int, allow_past_end: bool = False) -> RowIndex:
        """Apply ``item`` to this selection of a tensor of ``length`` rows.

        ``allow_past_end`` lets a single int point at or beyond the end (for writes
        that pad a tensor).
        """
        if not isinstance(item, tuple):
            item = (item,)
        if not item:
            return self
        if self.squeeze:
            return RowIndex(self.base, True, (*self.sub, item))
        first, rest = item[0], item[1:]
        if first is Ellipsis:
            first, rest = slice(None), item
        new = self._compose_rows(first, length, allow_past_end)
        sub = self.sub
        if self.sub:
            # in-sample indices already set: the row axis is consumed first, rest goes on
            sub = (*sub, rest) if rest else sub
        elif rest:
            sub = (rest,)
        return RowIndex(new.base, new.squeeze, sub)

    def _compose_rows(self, first: Any, length: int, allow_past_end: bool) -> RowIndex:
        n = self.length(length)
        if _is_int(first):
            i = int(first)
            if i < 0:
                i += n
            if self.base is None:
                if i < 0 or (i >= n and not allow_past_end):
                    raise IndexError(f"index {first} is out of range for length {n}")
                return RowIndex(range(i, i + 1), True)
            if not 0 <= i < n:
                raise IndexError(f"index {first} is out of range for length {n}")
            r = int(self.base[i])
            return RowIndex(range(r, r + 1), True)
        if isinstance(first, slice):
            if self.base is None:
                return RowIndex(range(*first.indices(n)))
            return RowIndex(self.base[first])
        if isinstance(first, range):
            return self._compose_rows(np.asarray(first, dtype=np.int64), length, allow_past_end)
        if isinstance(first, str):
            raise TypeError(f"a tensor name {first!r} cannot index rows here")
        arr = np.asarray(first)
        if arr.dtype == bool:
            if arr.ndim != 1 or len(arr) != n:
                raise IndexError(f"boolean mask of length {len(arr)} for {n} rows")
            arr = np.flatnonzero(arr)
        elif arr.size == 0:
            arr = arr.astype(np.int64)
        elif not np.issubdtype(arr.dtype, np.integer) or arr.ndim != 1:
            raise TypeError(f"cannot index rows with {type(first).__name__} {first!r}")
        arr = arr.astype(np.int64, copy=True)
        if arr.size:
            neg = arr < 0
            if neg.any():
                arr[neg] += n
            if arr.min() < 0 or arr.max() >= n:
                raise IndexError(f"row index out of range for length {n}")
        if self.base is None:
            return RowIndex(arr)
        if isinstance(self.base, range):
            b = self.base
            return RowIndex(b.start + arr * b.step)
        return RowIndex(self.base[arr])

    # -- applying in-sample indices -------------------------------------------------
    def apply_sub_batch(self, data: Any) -> Any:
        """Apply the in-sample chain to a batch (array with a row axis, or a list)."""
        if not self.sub:
            return data
        if isinstance(data, np.ndarray) and data.dtype != object:
            for s in self.sub:
                data = data[(slice(None), *s)]
            return data
        return [self.apply_sub_sample(x) for x in data]

    def apply_sub_sample(self, sample: Any) -> Any:
        for s in self.sub:
            sample = sample[s if len(s) != 1 else s[0]]
        return sample

    def __repr__(self) -> str:
        return f"RowIndex(base={self.base!r}, squeeze={self.squeeze}, sub={self.sub!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RowIndex):
            return NotImplemented
        if self.squeeze != other.squeeze or self.sub != other.sub:
            return False
        a, b = self.base, other.base
        if a is None or b is None:
            return a is None and b is None
        return np.array_equal(np.asarray(a), np.asarray(b))

    __hash__ = None  # type: ignore[assignment]


def split_lengths(lengths: Sequence[int | float], total: int) -> list[int]:
    """Turn ``random_split`` lengths or fractions into integer lengths summing to ``total``."""
    if not lengths:
        raise ValueError("random_split needs at least one length")
    if all(_is_int(x) for x in lengths):
        out = [int(x) for x in lengths]
        if any(x < 0 for x in out):
            raise ValueError(f"split lengths must not be negative, got {list(lengths)}")
        if sum(out) != total:
            raise ValueError(
                f"split lengths {out} sum to {sum(out)}, not to the dataset length {total}"
            )
        return out
    fracs = [float(x) for x in lengths]
    if any(not 0 <= f <= 1 for f in fracs):
        raise ValueError(f"fractions must lie between 0 and 1, got {list(lengths)}")
    if not np.isclose(sum(fracs), 1.0):
        raise ValueError(f"fractions {list(lengths)} must sum to 1")
    out = [int(np.floor(f * total)) for f in fracs]
    rest = total - sum(out)
    i = 0
    while rest > 0:
        out[i % len(out)] += 1
        rest -= 1
        i += 1
    return out
