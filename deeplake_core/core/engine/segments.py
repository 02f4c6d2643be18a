"""Detached segments: chunks one engine writes and another engine's index adopts.

Parallel writers (transform workers) and one coordinator build a tensor together:

* a writer calls :meth:`SegmentOps.write_detached` with its samples. They are packed
  into chunks exactly as ``extend`` would pack them; every chunk that fills up is
  stored at once under the tensor's chunk prefix (chunk ids are random 64-bit values,
  so writers never collide, and chunks are immutable). What is left (the partial last
  chunk, the *tail*) is not stored: its bytes travel in the returned
  :class:`DetachedSegment` together with a compact index fragment (chunk table,
  checksums, shape and byte-position runs, tiles) of all the samples;
* the coordinator calls :meth:`SegmentOps.attach` for each segment in output order.
  The segment's chunk rows and per-sample runs are appended to its index (no chunk is
  read or rewritten), and the tail's bytes are packed into the coordinator's open chunk
  like any append, so the tails of many segments fill shared chunks instead of each
  leaving a small chunk behind.

Physical order: the coordinator's open chunk is always last in the physical stream,
so attaching inserts the segment's chunks before it and renumbers the (fewer than one
chunk of) samples in the open chunk; the sample map keeps the logical order (the
segment's samples come after every existing sample).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deeplake_core.core.engine import chunk as chunkfmt
from deeplake_core.core.engine.encoders import I64, BytePositions, Growable, RunEncoder
from deeplake_core.core.engine.io import NO_CHUNK
from deeplake_core.exceptions import ChunkEngineError

#: Default share of ``max_chunk_size`` from which a writer stores its last, partial
#: chunk itself instead of handing its bytes to the coordinator.
DEFAULT_TAIL_LIMIT = 0.5


def _empty(dtype: Any = I64, width: int | None = None) -> np.ndarray:
    return np.empty((0,) if width is None else (0, width), dtype)


@dataclass
class DetachedSegment:
    """Samples a writer packed into chunks, not yet part of any index.

    Samples ``0 <= i < sealed`` are in stored chunks (``c_*`` columns, local sample
    numbers); samples ``sealed <= i < count`` are the tail, whose bytes are ``tail``.
    ``shape_*`` and ``pos_runs`` are the run-length encoded shapes and byte positions
    of all ``count`` samples (positions of tail samples are offsets into ``tail``).
    Only numpy arrays, bytes and plain values: cheap to send between processes.
    """

    tensor_id: str
    codec: str | None
    flags: int
    dtype: str | None
    ndim: int | None
    count: int
    sealed: int
    min_shape: list[int] | None = None
    max_shape: list[int] | None = None
    sum_block: int = chunkfmt.SUM_BLOCK
    c_ids: np.ndarray = field(default_factory=lambda: _empty(np.uint64))
    c_start: np.ndarray = field(default_factory=_empty)
    c_stored: np.ndarray = field(default_factory=_empty)
    c_raw: np.ndarray = field(default_factory=_empty)
    c_sum0: np.ndarray = field(default_factory=_empty)
    sums: np.ndarray = field(default_factory=lambda: _empty(np.uint64))
    t_phys: np.ndarray = field(default_factory=_empty)
    t_shape: np.ndarray = field(default_factory=lambda: _empty(I64, 0))
    t_first: np.ndarray = field(default_factory=_empty)
    tile_ids: np.ndarray = field(default_factory=lambda: _empty(np.uint64))
    shape_starts: np.ndarray = field(default_factory=_empty)
    shape_values: np.ndarray = field(default_factory=lambda: _empty(I64, 0))
    pos_runs: np.ndarray = field(default_factory=lambda: _empty(I64, 3))
    tail: bytes = b""

    @property
    def chunks_written(self) -> int:
        """Chunks (data and tiles) the writer stored for this segment."""
        return int(np.count_nonzero(self.c_ids != NO_CHUNK)) + len(self.tile_ids)

    @property
    def chunk_ids(self) -> list[int]:
        """Ids of every chunk the segment references (data chunks, then tiles)."""
        ids = np.concatenate([self.c_ids, self.tile_ids])
        return [int(c) for c in ids if int(c) != NO_CHUNK]

    @property
    def nbytes(self) -> int:
        """Payload bytes of the segment (stored chunks plus the tail)."""
        return int(self.c_stored.sum()) + len(self.tail)

    def __repr__(self) -> str:
        return (
            f"DetachedSegment({self.tensor_id!r}, {self.count} samples, "
            f"{self.sealed} in {self.chunks_written} chunks, tail {len(self.tail)} bytes)"
        )


# ---------------------------------------------------------------------- run helpers


def _split_runs(starts: np.ndarray, values: np.ndarray, at: int, n: int) -> tuple:
    """Runs covering keys ``[at, n)`` of a run-encoded array, keys made relative to
    ``at`` (the run that contains ``at`` is cut there)."""
    if at >= n or len(starts) == 0:
        return _empty(), values[:0]
    i = int(np.searchsorted(starts, at, side="right")) - 1
    rel = starts[i:] - at
    rel[0] = 0
    return rel, values[i:]


def _split_pos(runs: np.ndarray, at: int, n: int) -> np.ndarray:
    """Byte-position runs ``(key, offset, nbytes)`` of keys ``[at, n)``, keys relative."""
    if at >= n or len(runs) == 0:
        return runs[:0]
    i = int(np.searchsorted(runs[:, 0], at, side="right")) - 1
    out = runs[i:].copy()
    s, o, b = (int(v) for v in out[0])
    out[0] = (at, o + (at - s) * b, b)
    out[:, 0] -= at
    return out


def _head(starts: np.ndarray, k: int) -> int:
    """Number of runs that start before key ``k``."""
    return int(np.searchsorted(starts, k, side="left"))


def _shift_map(m: Any, at: int, k: int) -> None:
    """Shift the physical side of sample-map pieces at or past ``at`` by ``k``
    (pieces straddling ``at`` are cut first)."""
    phys, lens = m.phys, m.lens
    if len(phys) == 0 or k == 0:
        return
    end = phys + lens
    cut = (phys < at) & (end > at)
    if cut.any():
        rep = np.where(cut, 2, 1)
        new_p = np.repeat(phys, rep)
        new_l = np.repeat(lens, rep)
        first = np.cumsum(rep) - rep  # position of each original piece
        cf = first[cut]
        new_l[cf] = at - phys[cut]
        new_p[cf + 1] = at
        new_l[cf + 1] = end[cut] - at
        phys, lens = new_p, new_l
    phys = np.where(phys >= at, phys + k, phys).astype(I64)
    m.phys, m.lens = phys, np.asarray(lens, I64)
    m._starts = None


# ---------------------------------------------------------------------- engine mixin


class SegmentOps:
    """``write_detached`` / ``attach`` (mixin of :class:`TensorEngine`)."""

    # provided by the engine
    storage: Any
    tensor_id: str
    meta: Any
    stats: Any
    _codec_name: str | None
    _data_flags: int

    def write_detached(
        self, samples: Any, tail_limit: float = DEFAULT_TAIL_LIMIT, durable: bool = True
    ) -> DetachedSegment:
        """Pack ``samples`` (anything ``extend`` takes) into chunks of this tensor
        without touching this engine's index; return them as a segment to
        :meth:`attach` (here or in another process).

        Full chunks are stored now; the partial last chunk too when it holds at least
        ``tail_limit * max_chunk_size`` bytes, otherwise its bytes are the segment's
        tail. The tensor's dtype and ndim, when known, are applied to the samples as
        ``extend`` would. ``durable``: flush the storage, so the chunks are durable
        before any index names them.
        """
        from deeplake_core.core.engine.meta import TensorMeta

        meta = TensorMeta.model_validate(self.meta.model_dump())
        meta.length, meta.min_shape, meta.max_shape = 0, None, None
        scratch = type(self)(self.storage, self.tensor_id, meta)  # type: ignore[call-arg]
        scratch.extend(samples)
        if scratch._olen and scratch._olen >= tail_limit * meta.max_chunk_size:
            scratch._seal()
        scratch._drain()
        seg = scratch._detach()
        self.stats.chunks_written += scratch.stats.chunks_written
        self.stats.bytes_written += scratch.stats.bytes_written
        if durable and seg.chunks_written:
            self.storage.flush()
        return seg

    def _detach(self: Any) -> DetachedSegment:
        """This (scratch) engine's state as a segment: sealed chunks plus open bytes."""
        k, n = self._open_first, self._nphys
        return DetachedSegment(
            tensor_id=self.tensor_id,
            codec=self._codec_name,
            flags=self._data_flags,
            dtype=self.meta.dtype,
            ndim=self.meta.ndim,
            count=n,
            sealed=k,
            min_shape=self.meta.min_shape,
            max_shape=self.meta.max_shape,
            c_ids=self._c_ids.view.copy(),
            c_start=self._c_start.view.copy(),
            c_stored=self._c_stored.view.copy(),
            c_raw=self._c_raw.view.copy(),
            c_sum0=self._c_sum0.view.copy(),
            sums=self._sums.view.copy(),
            t_phys=self._t_phys.view.copy(),
            t_shape=self._t_shape.view.copy(),
            t_first=self._t_first.view.copy(),
            tile_ids=self._tile_ids.view.copy(),
            shape_starts=self._shapes.starts.view.copy(),
            shape_values=self._shapes.values.view.copy(),
            pos_runs=self._pos.runs.view.copy(),
            tail=bytes(self._obuf[: self._olen]) if self._olen else b"",
        )

    # ------------------------------------------------------------------ attach
    def attach(self: Any, seg: DetachedSegment) -> None:
        """Append the segment's samples after every existing sample: its chunks are
        adopted by the index as they are, its tail bytes go into the open chunk.
        All or nothing (a failure leaves the tensor's samples unchanged)."""
        self._check_segment(seg)
        if seg.count == 0:
            return
        saved_meta = self.meta.model_dump(include={"dtype", "ndim", "min_shape", "max_shape"})
        try:
            self._adopt_layout(seg)
        except BaseException:
            for key, value in saved_meta.items():
                setattr(self.meta, key, value)
            raise
        width = self._shapes.width
        at = self._open_first
        k = seg.sealed
        base_tiles = self._splice_sealed(seg, width)
        snap = self._snapshot()
        try:
            first = self._nphys
            self._append_tail(seg, width, base_tiles)
        except BaseException:
            self._rollback(snap)  # the adopted chunks stay as unreferenced samples
            raise
        self._protected = None
        if self._deferred is not None:
            self._spare.append(self._deferred)
            self._deferred = None
        self._map.append(at, k)
        self._map.append(first, seg.count - k)
        if seg.min_shape is not None:
            self._track_shapes(np.asarray(seg.min_shape, I64), np.asarray(seg.max_shape, I64))
        elif self.meta.ndim is not None:  # only empty samples
            zeros = np.zeros(self.meta.ndim, I64)
            self._track_shapes(zeros, zeros)
        self.meta.length = self.num_samples
        self._cache = None

    def _check_segment(self: Any, seg: DetachedSegment) -> None:
        def bad(why: str) -> ChunkEngineError:
            return ChunkEngineError(
                f"cannot attach a detached segment to tensor {self.tensor_id!r}: {why}"
            )

        if seg.tensor_id != self.tensor_id:
            raise bad(f"it holds chunks of tensor {seg.tensor_id!r}; write it with this tensor")
        if (seg.codec or None) != (self._codec_name or None) or seg.flags != self._data_flags:
            raise bad(
                f"it is compressed with {seg.codec!r} (flags {seg.flags}), the tensor with "
                f"{self._codec_name!r} (flags {self._data_flags})"
            )
        if seg.sum_block != chunkfmt.SUM_BLOCK:
            raise bad("its checksum block size differs from this release's")
        if seg.dtype is not None and self.meta.dtype is not None and seg.dtype != self.meta.dtype:
            raise bad(f"its samples are {seg.dtype}, the tensor's are {self.meta.dtype}")
        if seg.ndim is not None and self.meta.ndim is not None and seg.ndim != self.meta.ndim:
            raise bad(f"its samples have {seg.ndim} dimensions, the tensor's {self.meta.ndim}")
        nc = len(seg.c_ids)
        if not (len(seg.c_start) == len(seg.c_stored) == len(seg.c_raw) == len(seg.c_sum0) == nc):
            raise bad("its chunk table columns differ in length")
        if not 0 <= seg.sealed <= seg.count or (nc == 0) != (seg.sealed == 0):
            raise bad("its sample counts are inconsistent")
        if nc and (seg.c_start[0] != 0 or (np.diff(seg.c_start) <= 0).any()):
            raise bad("its chunk start positions are not increasing")
        if nc and int(seg.c_start[-1]) >= seg.sealed:
            raise bad("its last chunk starts past its sealed samples")
        pos = BytePositions(seg.pos_runs, seg.count)
        keys = np.arange(seg.sealed, seg.count, dtype=I64)
        if len(keys):
            offs, sizes = pos.lookup(keys)
            ends = offs + sizes
            if offs[0] != 0 or (offs[1:] != ends[:-1]).any() or int(ends[-1]) != len(seg.tail):
                raise bad("its tail bytes do not match the tail's byte positions")
        elif seg.tail:
            raise bad("it has tail bytes but no tail samples")
        tp = seg.t_phys
        if len(seg.t_first) != len(tp) or len(seg.t_shape) != len(tp):
            raise bad("its tile table columns differ in length")
        if len(tp) and (tp.min() < 0 or tp.max() >= seg.count or (np.diff(tp) <= 0).any()):
            raise bad("its tiled samples are out of order")
        widths = {seg.shape_values.shape[1] if seg.shape_values.ndim == 2 else -1}
        if len(seg.t_shape):
            widths.add(seg.t_shape.shape[1])
        if seg.ndim is not None and widths - {seg.ndim}:
            raise bad("its shape rows do not match its ndim")

    def _adopt_layout(self: Any, seg: DetachedSegment) -> None:
        """Take the segment's dtype / ndim when this tensor has none yet."""
        if seg.ndim is not None:
            dtype = np.dtype(seg.dtype) if seg.dtype is not None else self.dtype
            probe = np.empty((0,) * seg.ndim, dtype or np.uint8)
            self._coerce(probe, seg.ndim)  # sets dtype/ndim, widens shapes if needed
        elif seg.dtype is not None and self.meta.dtype is None:
            self.meta.dtype = seg.dtype

    def _splice_sealed(self: Any, seg: DetachedSegment, width: int) -> int:
        """Insert the segment's stored chunks before the open chunk (pure index edits;
        the samples are not in the sample map yet). Returns where the segment's tile
        ids start in the tile table."""
        at, n, k = self._open_first, self._nphys, seg.sealed
        base_tiles = len(self._tile_ids)
        self._tile_ids.append(seg.tile_ids)
        if k == 0:
            return base_tiles
        seg_vals = _rows(seg.shape_values, width)
        # per-sample runs: [0, at) existing, [at, at + k) segment, then the open chunk
        sh = self._shapes
        tail_s, tail_v = _split_runs(sh.starts.view, sh.values.view, at, n)
        tail_v = tail_v.copy()
        sh.truncate(at)
        h = _head(seg.shape_starts, k)
        sh.starts.append(seg.shape_starts[:h] + at)
        sh.values.append(seg_vals[:h])
        sh.starts.append(tail_s + at + k)
        sh.values.append(tail_v)
        sh.n = n + k
        pos = self._pos
        tail_p = _split_pos(pos.runs.view, at, n)
        pos.truncate(at)
        h = _head(seg.pos_runs[:, 0], k)
        head_p = seg.pos_runs[:h].copy()
        head_p[:, 0] += at
        pos.runs.append(head_p)
        tail_p[:, 0] += at + k
        pos.runs.append(tail_p)
        pos.n = n + k
        # tiles: segment rows of sealed samples go before the open chunk's rows
        sel = seg.t_phys < k
        if sel.any() or len(self._t_phys):
            tp = self._t_phys.view
            cut = int(np.searchsorted(tp, at))
            self._t_phys = Growable(
                I64, None, np.concatenate([tp[:cut], seg.t_phys[sel] + at, tp[cut:] + k])
            )
            self._t_first = Growable(
                I64,
                None,
                np.concatenate(
                    [
                        self._t_first.view[:cut],
                        seg.t_first[sel] + base_tiles,
                        self._t_first.view[cut:],
                    ]
                ),
            )
            ts = self._t_shape.view
            self._t_shape = Growable(
                I64, width, np.concatenate([ts[:cut], _rows(seg.t_shape[sel], width), ts[cut:]])
            )
        # chunk rows
        self._c_ids.append(seg.c_ids)
        self._c_start.append(seg.c_start + at)
        self._c_stored.append(seg.c_stored)
        self._c_raw.append(seg.c_raw)
        self._c_sum0.append(seg.c_sum0 + len(self._sums))
        self._sums.append(seg.sums)
        _shift_map(self._map, at, k)
        self._open_first = at + k
        self._nphys = n + k
        return base_tiles

    def _append_tail(self: Any, seg: DetachedSegment, width: int, base_tiles: int) -> None:
        """Pack the segment's tail samples into the open chunk (sealing full ones)."""
        k, m = seg.sealed, seg.count - seg.sealed
        if m == 0:
            return
        keys = np.arange(k, seg.count, dtype=I64)
        offs, sizes = BytePositions(seg.pos_runs, seg.count).lookup(keys)
        ends = offs + sizes
        enc = RunEncoder(seg.shape_values.shape[1], seg.shape_starts, seg.shape_values, seg.count)
        shapes = _rows(enc.lookup(keys), width)
        tail = memoryview(seg.tail)
        first = self._nphys
        cap = self.meta.max_chunk_size
        i = 0
        while i < m:
            room = cap - self._olen
            j = int(np.searchsorted(ends, offs[i] + room, side="right"))
            if j <= i:
                if self._olen:
                    self._seal()
                    continue
                j = i + 1  # one sample larger than a chunk (tiling off)
            self._pos.extend(offs[i:j] - offs[i] + self._olen, sizes[i:j])
            self._shapes.extend(shapes[i:j])
            if ends[j - 1] > offs[i]:
                self._append_raw(tail[int(offs[i]) : int(ends[j - 1])])
            self._nphys += j - i
            if self._olen >= cap:
                self._seal()
            i = j
        sel = seg.t_phys >= k
        if sel.any():
            self._t_phys.append(seg.t_phys[sel] - k + first)
            self._t_first.append(seg.t_first[sel] + base_tiles)
            self._t_shape.append(_rows(seg.t_shape[sel], width))


def _rows(values: np.ndarray, width: int) -> np.ndarray:
    """Shape rows at ``width`` columns (a segment of only empty samples has none)."""
    values = np.asarray(values, I64)
    if values.ndim == 2 and values.shape[1] == width:
        return values
    return np.zeros((len(values), width), I64)
