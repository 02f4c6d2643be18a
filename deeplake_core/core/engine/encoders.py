"""Compact, vectorised index encoders.

* :class:`Growable` - an append-only numpy array with amortised O(1) appends.
* :class:`RunEncoder` - keys ``0..n-1`` -> row vectors, stored as runs of equal rows
  (sample shapes).
* :class:`BytePositions` - keys -> (byte offset, byte length) inside a chunk, stored as
  runs of equal-length, back-to-back samples.
* :class:`SampleMap` - a piece table from logical sample index to physical sample index,
  so updates and pops re-point indices instead of moving data.
"""

from __future__ import annotations

import numpy as np

I64 = np.int64


class Growable:
    """A growable 1-D (``width=None``) or 2-D numpy array."""

    def __init__(self, dtype: np.dtype | type = I64, width: int | None = None, data=None):
        self.dtype = np.dtype(dtype)
        self.width = width
        shape = (0,) if width is None else (0, width)
        init = np.empty(shape, self.dtype) if data is None else np.asarray(data, self.dtype)
        self._buf = init.copy()
        self._n = len(init)

    def __len__(self) -> int:
        return self._n

    @property
    def view(self) -> np.ndarray:
        return self._buf[: self._n]

    def append(self, values) -> None:
        v = np.asarray(values, self.dtype)
        if self.width is None:
            v = v.reshape(-1)
        elif v.ndim == 1:  # a single row
            v = v.reshape(1, self.width)
        k = len(v)
        if self._n + k > len(self._buf):
            cap = max(16, 2 * len(self._buf), self._n + k)
            new = np.empty((cap, *self._buf.shape[1:]), self.dtype)
            new[: self._n] = self._buf[: self._n]
            self._buf = new
        self._buf[self._n : self._n + k] = v
        self._n += k

    def truncate(self, n: int) -> None:
        self._n = n

    def set_last(self, value) -> None:
        self._buf[self._n - 1] = value


class RunEncoder:
    """Keys ``0..n-1`` mapped to row vectors of ``width`` int64 values, run-length encoded."""

    def __init__(self, width: int, starts=None, values=None, n: int = 0):
        self.width = width
        self.starts = Growable(I64, None, starts)
        self.values = Growable(I64, width, values)
        self.n = n

    def extend(self, values: np.ndarray) -> None:
        """Append one row per new key (vectorised); ``values`` is ``(k, width)``."""
        values = np.asarray(values, I64)
        k = len(values)
        if k == 0:
            return
        change = np.ones(k, dtype=bool)
        if k > 1:
            change[1:] = np.any(values[1:] != values[:-1], axis=1)
        if len(self.starts) and np.array_equal(self.values.view[-1], values[0]):
            change[0] = False
        idx = np.flatnonzero(change)
        self.starts.append(self.n + idx)
        self.values.append(values[idx])
        self.n += k

    def extend_repeat(self, value, count: int) -> None:
        """Append ``count`` keys that all map to ``value``."""
        if count <= 0:
            return
        row = np.asarray(value, I64).reshape(1, self.width)
        if not (len(self.starts) and np.array_equal(self.values.view[-1], row[0])):
            self.starts.append([self.n])
            self.values.append(row)
        self.n += count

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Rows for ``keys`` (int64 array), shape ``(len(keys), width)``."""
        runs = np.searchsorted(self.starts.view, keys, side="right") - 1
        return self.values.view[runs]

    def lookup_one(self, key: int) -> tuple[int, ...]:
        """Row of one key, as a tuple of ints."""
        run = int(np.searchsorted(self.starts.view, key, side="right")) - 1
        return tuple(int(v) for v in self.values.view[run])

    def is_uniform(self) -> bool:
        return len(self.starts) <= 1

    def widen(self, width: int) -> None:
        """Grow the row width, filling new columns with zeros (ndim becoming known)."""
        old = self.values.view
        new = np.zeros((len(old), width), I64)
        new[:, : self.width] = old
        self.width = width
        self.values = Growable(I64, width, new)

    def truncate(self, n: int) -> None:
        """Forget keys ``>= n``."""
        keep = int(np.searchsorted(self.starts.view, n, side="left"))
        self.starts.truncate(keep)
        self.values.truncate(keep)
        self.n = n


class BytePositions:
    """Keys -> (offset, length) of each sample's bytes inside its chunk payload.

    A run ``(start_key, offset, nbytes)`` covers keys whose bytes follow one another
    with equal lengths: key ``k`` is at ``offset + (k - start_key) * nbytes``.
    """

    def __init__(self, runs=None, n: int = 0):
        self.runs = Growable(I64, 3, runs)
        self.n = n

    def extend(self, offsets: np.ndarray, sizes: np.ndarray) -> None:
        """Append keys at byte ``offsets`` with lengths ``sizes`` (vectorised)."""
        offsets = np.asarray(offsets, I64)
        sizes = np.asarray(sizes, I64)
        k = len(sizes)
        if k == 0:
            return
        brk = np.ones(k, dtype=bool)
        if k > 1:
            brk[1:] = (sizes[1:] != sizes[:-1]) | (offsets[1:] != offsets[:-1] + sizes[:-1])
        if len(self.runs):
            s, o, b = self.runs.view[-1]
            if b == sizes[0] and o + (self.n - s) * b == offsets[0]:
                brk[0] = False
        idx = np.flatnonzero(brk)
        self.runs.append(np.stack([self.n + idx, offsets[idx], sizes[idx]], axis=1))
        self.n += k

    def extend_uniform(self, offset: int, nbytes: int, count: int) -> None:
        """Append ``count`` back-to-back keys of ``nbytes`` each, starting at ``offset``."""
        if count <= 0:
            return
        if len(self.runs):
            s, o, b = self.runs.view[-1]
            if b == nbytes and o + (self.n - s) * b == offset:
                self.n += count
                return
        self.runs.append([[self.n, offset, nbytes]])
        self.n += count

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r = self.runs.view[np.searchsorted(self.runs.view[:, 0], keys, side="right") - 1]
        return r[:, 1] + (keys - r[:, 0]) * r[:, 2], r[:, 2].copy()

    def lookup_one(self, key: int) -> tuple[int, int]:
        """(offset, length) of one key."""
        runs = self.runs.view
        s, o, b = runs[int(np.searchsorted(runs[:, 0], key, side="right")) - 1].tolist()
        return o + (key - s) * b, b

    def truncate(self, n: int) -> None:
        keep = int(np.searchsorted(self.runs.view[:, 0], n, side="left"))
        self.runs.truncate(keep)
        self.n = n


class SampleMap:
    """Piece table: logical sample index -> physical sample index.

    Piece ``j`` maps logical indices ``[L_j, L_j + len_j)`` to physical
    ``[phys_j, phys_j + len_j)``, where ``L_j`` is the sum of earlier lengths.
    """

    #: Above this many separate ranges, an edit goes through a dense array instead.
    DENSE_EDIT_THRESHOLD = 64

    def __init__(self, phys=None, lens=None):
        self.phys = np.asarray(phys if phys is not None else [], I64).copy()
        self.lens = np.asarray(lens if lens is not None else [], I64).copy()
        self._starts: np.ndarray | None = None

    @property
    def length(self) -> int:
        return int(self.starts[-1])

    @property
    def starts(self) -> np.ndarray:
        if self._starts is None:
            self._starts = np.concatenate([[0], np.cumsum(self.lens)]).astype(I64)
        return self._starts

    def is_identity(self) -> bool:
        return len(self.phys) == 0 or (len(self.phys) == 1 and self.phys[0] == 0)

    def append(self, phys_start: int, count: int) -> None:
        if count <= 0:
            return
        if len(self.phys) and self.phys[-1] + self.lens[-1] == phys_start:
            self.lens[-1] += count
        else:
            self.phys = np.append(self.phys, I64(phys_start))
            self.lens = np.append(self.lens, I64(count))
        self._starts = None

    def to_phys(self, logical: np.ndarray) -> np.ndarray:
        logical = np.asarray(logical, I64)
        if self.is_identity():
            return logical.copy()
        j = np.searchsorted(self.starts, logical, side="right") - 1
        return self.phys[j] + (logical - self.starts[j])

    def phys_one(self, i: int) -> int:
        """Physical index of one logical index ``0 <= i < length``."""
        if self.is_identity():
            return i
        st = self.starts
        j = int(np.searchsorted(st, i, side="right")) - 1
        return int(self.phys[j]) + i - int(st[j])

    def ranges(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        """Physical runs ``(starts, counts)`` covering logical ``[a, b)``, in order."""
        st = self.starts
        if b <= a:
            return np.empty(0, I64), np.empty(0, I64)
        j0 = int(np.searchsorted(st, a, side="right")) - 1
        j1 = int(np.searchsorted(st, b - 1, side="right")) - 1
        js = np.arange(j0, j1 + 1)
        lo = np.maximum(a, st[js])
        hi = np.minimum(b, st[js + 1])
        return self.phys[js] + (lo - st[js]), hi - lo

    def dense(self) -> np.ndarray:
        return self.to_phys(np.arange(self.length, dtype=I64))

    def set_dense(self, dense: np.ndarray) -> None:
        dense = np.asarray(dense, I64)
        if len(dense) == 0:
            self.phys = np.empty(0, I64)
            self.lens = np.empty(0, I64)
        else:
            brk = np.ones(len(dense), dtype=bool)
            brk[1:] = dense[1:] != dense[:-1] + 1
            first = np.flatnonzero(brk)
            self.phys = dense[first]
            self.lens = np.diff(np.append(first, len(dense)))
        self._starts = None

    def _splice(self, a: int, b: int, phys: np.ndarray, lens: np.ndarray) -> None:
        """Replace logical range ``[a, b)`` by pieces ``(phys, lens)``."""
        st = self.starts
        k = len(self.lens)
        ja = int(np.searchsorted(st, a, side="right")) - 1  # piece holding a (k: at end)
        jb = int(np.searchsorted(st, b, side="right")) - 1  # piece holding b (k: at end)
        parts_p = [self.phys[:ja]]
        parts_l = [self.lens[:ja]]
        if ja < k and a > st[ja]:
            parts_p.append(self.phys[ja : ja + 1])
            parts_l.append(np.array([a - st[ja]], I64))
        parts_p.append(np.asarray(phys, I64))
        parts_l.append(np.asarray(lens, I64))
        if jb < k:
            parts_p.append(np.array([self.phys[jb] + (b - st[jb])], I64))
            parts_l.append(np.array([st[jb + 1] - b], I64))
            parts_p.append(self.phys[jb + 1 :])
            parts_l.append(self.lens[jb + 1 :])
        p = np.concatenate(parts_p).astype(I64)
        ln = np.concatenate(parts_l).astype(I64)
        keep = ln > 0
        self.phys, self.lens = p[keep], ln[keep]
        self._starts = None
        self._merge()

    def _merge(self) -> None:
        if len(self.phys) < 2:
            return
        contig = self.phys[1:] == self.phys[:-1] + self.lens[:-1]
        if not contig.any():
            return
        first = np.flatnonzero(np.concatenate([[True], ~contig]))
        self.lens = np.add.reduceat(self.lens, first)
        self.phys = self.phys[first]
        self._starts = None

    @staticmethod
    def _ranges(sorted_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Maximal runs of consecutive values in a sorted unique array: (starts, lengths)."""
        if len(sorted_idx) == 0:
            return np.empty(0, I64), np.empty(0, I64)
        brk = np.ones(len(sorted_idx), dtype=bool)
        brk[1:] = sorted_idx[1:] != sorted_idx[:-1] + 1
        first = np.flatnonzero(brk)
        return sorted_idx[first], np.diff(np.append(first, len(sorted_idx)))

    def repoint(self, logical: np.ndarray, phys_start: int) -> None:
        """Point sorted unique ``logical`` indices at ``phys_start, phys_start + 1, ...``."""
        starts, lens = self._ranges(np.asarray(logical, I64))
        if len(starts) > self.DENSE_EDIT_THRESHOLD:
            d = self.dense()
            d[logical] = np.arange(phys_start, phys_start + len(logical), dtype=I64)
            self.set_dense(d)
            return
        p = phys_start
        for s, n in zip(starts.tolist(), lens.tolist(), strict=True):
            self._splice(s, s + n, np.array([p], I64), np.array([n], I64))
            p += n

    def delete(self, logical: np.ndarray) -> None:
        """Remove sorted unique ``logical`` indices; later indices shift down."""
        starts, lens = self._ranges(np.asarray(logical, I64))
        if len(starts) > self.DENSE_EDIT_THRESHOLD:
            self.set_dense(np.delete(self.dense(), logical))
            return
        for s, n in zip(starts[::-1].tolist(), lens[::-1].tolist(), strict=True):
            self._splice(s, s + n, np.empty(0, I64), np.empty(0, I64))
