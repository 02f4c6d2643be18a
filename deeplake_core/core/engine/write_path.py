"""Appending samples to a tensor's physical stream and writing sealed chunks.

The open chunk's payload is ``_obuf[:_olen]`` (engine-owned). A batch slice that
completes a chunk is not copied: the chunk is written as header + open bytes + a
slice of the caller's array (``StorageProvider.set_framed``), and the write call
waits for such *borrowed* chunks before it returns. Borrowed chunks are *lent*
rather than queued on the pool: the calling thread writes them itself while it
waits (newest first), and when a write lends two or more, pool helpers take them
from the other end (see :meth:`WritePath._lend`). A batch of small
samples that fills at least half a chunk is cut into chunks of equal size (with the
open chunk's bytes in the first), between half and all of ``max_chunk_size``, and
written whole; smaller appends fill the open buffer (a copy) up to a full chunk, as
does the tail of a batch of large samples, and a chunk completed by less than half a
chunk of the caller's data is written from the buffer in the background (at most
``WRITE_BEHIND`` such chunks in flight per tensor). Checksums, optional chunk
compression and storage writes of the other chunks run on the pool, so several
chunks are written in parallel while the caller continues. A chunk goes to storage
as a :class:`~deeplake_core.core.engine.chunk.ChunkFrame` (``set_framed``): local
storage hashes and writes its payload 4 MiB at a time, each piece while it is still
in the CPU cache, and the header with the checksums last (docs/architecture.md,
"Checksums").
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import numpy as np

from deeplake_core.codecs.base import ArrayCodec
from deeplake_core.core.engine import buffers, tiling
from deeplake_core.core.engine import chunk as chunkfmt
from deeplake_core.core.engine.encoders import I64, Growable, RunEncoder
from deeplake_core.core.engine.io import (
    FETCH_THREADS,
    NO_CHUNK,
    WRITE_BEHIND,
    WriteJob,
    done_future,
    fulfil,
    new_chunk_id,
    pool,
    raw_view,
)
from deeplake_core.core.engine.types import EncodedSample
from deeplake_core.exceptions import ChunkEngineError, TensorInvalidSampleShapeError

#: Smallest allocation of an open-chunk buffer (it grows by doubling to the chunk size).
_MIN_OPEN_BUFFER = 1 << 16
#: A batch of at least half a chunk of samples this many times smaller than
#: ``max_chunk_size`` (or smaller) is cut into chunks of equal size, so nothing of it
#: is copied into the open buffer (see ``_write_batch``).
_BALANCE_ROWS = 16


class WritePath:
    """Write side of :class:`TensorEngine` (mixin; state lives in the engine)."""

    # provided by the engine
    meta: Any
    storage: Any
    stats: Any
    _codec_name: str | None
    _data_flags: int

    def _reset_open(self) -> None:
        self._obuf: np.ndarray | None = None
        self._olen = 0
        self._inflight: deque[WriteJob] = deque()
        self._nborrowed = 0
        #: lent (borrowed) chunks nobody has started writing, oldest first
        self._lent: deque[WriteJob] = deque()
        self._helpers = 0  # pool helpers asked for by the current write
        #: full-size open buffers whose chunk is written, for reuse (fresh memory is
        #: slow to fault in); never the buffer a pending rollback may restore
        self._spare: list[np.ndarray] = []
        self._protected: np.ndarray | None = None
        self._deferred: np.ndarray | None = None  # the protected buffer, once written
        self._dtype_cache: tuple[str, np.dtype] | None = None

    @property
    def _open_nbytes(self) -> int:
        """Payload bytes in the open chunk."""
        return self._olen

    # ------------------------------------------------------------------ samples
    def _write(self, samples: Any, wait: bool = True) -> None:
        """Append ``samples`` to the physical stream; waits for chunks that borrow the
        caller's memory before returning (``wait=False``: the caller finishes the write
        with :meth:`_finish_write` before the engine is used again)."""
        if isinstance(samples, np.ndarray) and samples.dtype != object and samples.ndim >= 1:
            self._write_batch(samples)
        else:
            self._write_items(samples if isinstance(samples, list) else list(samples))
        if wait:
            self._finish_write()

    def _finish_write(self) -> None:
        """Wait for the borrowed chunks of the last write; it has then succeeded."""
        self._settle_borrowed()
        self._helpers = 0
        # the write succeeded: the snapshot's buffer can no longer be restored
        self._protected = None
        if self._deferred is not None:
            self._spare.append(self._deferred)
            self._deferred = None

    def _write_items(self, items: list) -> None:
        """Append a list of samples. Runs of items that are stored as given (encoded
        samples in the tensor's format, uncompressed arrays below the tiling threshold)
        go through :meth:`_append_many` together; others one by one. The result is
        byte for byte what appending them one at a time gives."""
        data: list[Any] = []
        shapes: list[tuple[int, ...]] = []
        limit = self._tile_limit if items else 0
        for item in items:
            got = self._plain_item(item, limit)
            if got is not None:
                data.append(got[0])
                shapes.append(got[1])
                continue
            if data:
                self._append_many(data, shapes)
                data, shapes = [], []
            if item is None:
                self._append_empty(1)
            elif isinstance(item, EncodedSample):
                self._append_encoded(item)
            else:
                self._append_array(np.asarray(item))
        if data:
            self._append_many(data, shapes)

    def _plain_item(self, item: Any, limit: float) -> tuple[Any, tuple[int, ...]] | None:
        """(bytes to store, shape) of an item stored without conversion once the
        tensor's dtype and rank are known (``limit``: :attr:`_tile_limit`); None when
        it needs the per-sample path."""
        meta = self.meta
        ndim = meta.ndim
        if ndim is None or meta.dtype is None:
            return None
        if isinstance(item, EncodedSample):
            comp = item.compression
            shape = item.shape
            if comp is None or comp != meta.sample_compression or len(shape) != ndim:
                return None
            if item.dtype is not self._dtype_obj and np.dtype(item.dtype) != self._dtype_obj:
                return None
            shape = tuple(int(d) for d in shape)
            buf = item.buffer
            if not math.prod(shape):
                return b"", shape
            if len(buf) > limit:
                return None
            return (buf if isinstance(buf, bytes) else bytes(buf)), shape
        if (
            type(item) is np.ndarray
            and item.ndim == ndim
            and item.dtype == self._dtype_obj
            and not meta.sample_compression
            and item.nbytes <= limit
        ):
            return raw_view(item), item.shape
        return None

    @property
    def _dtype_obj(self) -> np.dtype:
        dt = self._dtype_cache
        if dt is None or dt[0] != self.meta.dtype:
            dt = self._dtype_cache = (self.meta.dtype, np.dtype(self.meta.dtype))
        return dt[1]

    @property
    def _tile_limit(self) -> float:
        """Largest stored sample size (bytes) that is not tiled."""
        thr = self.meta.effective_tiling_threshold()
        if thr is None or (
            self.meta.sample_compression and not getattr(self.codec, "tileable", True)
        ):
            return math.inf
        return thr

    def _append_many(self, data: list[Any], shapes: list[tuple[int, ...]]) -> None:
        """Append samples given as stored bytes, with index updates per chunk (one
        vectorised update of positions and shapes each), sealing chunks exactly where
        :meth:`_append_bytes` called per sample would."""
        n = len(data)
        sizes = np.fromiter(map(len, data), I64, n)
        ends = np.cumsum(sizes)
        shp = np.asarray(shapes, I64).reshape(n, self.meta.ndim)
        cap = self.meta.max_chunk_size
        i = 0
        while i < n:
            o = self._olen
            base = int(ends[i - 1]) if i else 0
            # the first sample from i on that brings the chunk to (or past) its size
            t = int(np.searchsorted(ends, base + cap - o, side="left"))
            seal = True
            if t >= n:
                stop, seal = n, False
            elif o + int(ends[t]) - base == cap:
                stop = t + 1
            elif o + (int(ends[t - 1]) - base if t > i else 0) == 0:
                stop = t + 1  # bigger than a chunk: goes into the still empty one
            elif t > i:
                stop = t
            else:
                self._seal()  # sample i does not fit in the open chunk
                continue
            offs = o + ends[i:stop] - sizes[i:stop] - base
            self._pos.extend(offs, sizes[i:stop])
            self._copy_in(data, i, stop, o + int(ends[stop - 1]) - base)
            self._shapes.extend(shp[i:stop])
            self._nphys += stop - i
            if seal:
                self._seal()
            i = stop
        self._track_shapes(shp.min(axis=0), shp.max(axis=0))

    def _copy_in(self, data: list[Any], i: int, stop: int, need: int) -> None:
        """Copy ``data[i:stop]`` to the end of the open chunk, which then ends at
        ``need``."""
        if need == self._olen:
            return
        self._reserve(need)
        mv = memoryview(self._obuf)
        o = self._olen
        for j in range(i, stop):
            d = data[j]
            k = len(d)
            if k:
                mv[o : o + k] = d
                o += k
        self._olen = o

    def _coerce(self, arr: np.ndarray, sample_ndim: int) -> np.ndarray:
        if arr.dtype == object:
            raise ChunkEngineError(
                "object arrays cannot be stored; convert samples to a numeric dtype first"
            )
        if self.meta.dtype is None:
            self.meta.dtype = str(arr.dtype)
        elif arr.dtype != self.dtype:
            arr = arr.astype(self.dtype)
        if self.meta.ndim is None:
            if sample_ndim == 0 and self._nphys:
                raise ChunkEngineError(
                    "this tensor holds empty samples, which need at least one axis, so it "
                    "cannot hold scalars; append 1-element arrays instead"
                )
            self.meta.ndim = sample_ndim
            self._shapes.widen(sample_ndim)
            if self._nphys:  # empty samples written before the rank was known
                zeros = np.zeros(sample_ndim, I64)
                self._track_shapes(zeros, zeros)
            self._t_shape = Growable(I64, sample_ndim)
        elif sample_ndim != self.meta.ndim:
            raise TensorInvalidSampleShapeError(
                arr.shape[-sample_ndim:] if sample_ndim else (), self.meta.ndim
            )
        return arr

    def _track_shapes(self, lo: np.ndarray, hi: np.ndarray) -> None:
        if self.meta.min_shape is None:
            self.meta.min_shape, self.meta.max_shape = lo.tolist(), hi.tolist()
        else:
            self.meta.min_shape = np.minimum(self.meta.min_shape, lo).tolist()
            self.meta.max_shape = np.maximum(self.meta.max_shape, hi).tolist()

    def _write_batch(self, batch: np.ndarray) -> None:
        batch = self._coerce(batch, batch.ndim - 1)
        n, shape = len(batch), batch.shape[1:]
        if n == 0:
            return
        s = math.prod(shape) * batch.dtype.itemsize
        thr = self.meta.effective_tiling_threshold()
        if self.meta.sample_compression or (thr is not None and s > thr and shape):
            for row in batch:
                self._append_array(row)
            return
        flat = raw_view(batch)
        cap = self.meta.max_chunk_size
        done = 0
        while done < n:
            room = cap - self._olen
            k = n - done if s == 0 else room // s
            if k == 0:
                if self._olen:
                    self._seal()
                    continue
                k = 1  # one sample bigger than a chunk, tiling off
            k = min(k, n - done)
            seal = bool(s) and self._olen + k * s >= cap
            if s and s * _BALANCE_ROWS <= cap:
                rest = self._olen + (n - done) * s
                if 2 * (n - done) * s >= cap:  # the rest of the batch fills at least half
                    # a chunk: write it all now, in chunks of equal size, copying nothing
                    target = rest // -(-rest // cap)
                    k = min(k, max(1, (target - self._olen) // s))
                    seal = True
            self._pos.extend_uniform(self._olen, s, k)
            self._nphys += k
            piece = flat[done * s : (done + k) * s]
            done += k
            if seal and self._olen and 2 * len(piece) < cap:
                # a small piece completes the open chunk: copy it, so the chunk is
                # written in the background instead of before this call returns
                self._append_raw(piece)
                self._seal()
            elif seal:
                self._seal(tail=piece)  # written from the caller's memory
            elif s:
                self._append_raw(piece)
        self._shapes.extend_repeat(shape, n)
        self._track_shapes(np.asarray(shape, I64), np.asarray(shape, I64))

    def _append_raw(self, data: bytes | memoryview) -> None:
        """Copy ``data`` to the end of the open chunk's buffer."""
        need = self._olen + len(data)
        self._reserve(need)
        self._obuf[self._olen : need] = np.frombuffer(data, np.uint8)
        self._olen = need

    def _reserve(self, need: int) -> None:
        """Make the open buffer at least ``need`` bytes long (keeping its content)."""
        buf = self._obuf
        if buf is None or need > len(buf):
            cap = self.meta.max_chunk_size
            pooled = None
            if need <= cap:  # a full-size buffer written before: no growing, no faults
                pooled = self._spare.pop() if self._spare else buffers.take(cap)
            if pooled is not None:
                new = pooled
            else:  # double from a small start; go to full size at once for big data
                grow = max(_MIN_OPEN_BUFFER, 2 * (len(buf) if buf is not None else 0))
                if need > cap // 8:
                    grow = cap
                new = np.empty(max(need, min(grow, cap)), np.uint8)
            if self._olen:
                new[: self._olen] = buf[: self._olen]
            self._obuf = new

    def _append_empty(self, k: int) -> None:
        if self.meta.ndim == 0:
            raise ChunkEngineError(
                "a tensor of scalars cannot hold empty samples (None); append a value, or "
                "store samples as 1-D arrays so that an empty one has shape (0,)"
            )
        ndim = self.meta.ndim or 0
        self._pos.extend_uniform(self._olen, 0, k)
        self._shapes.extend_repeat(np.zeros(ndim, I64), k)
        if self.meta.ndim is not None:
            self._track_shapes(np.zeros(ndim, I64), np.zeros(ndim, I64))
        self._nphys += k

    def _append_array(self, arr: np.ndarray) -> None:
        arr = self._coerce(arr, arr.ndim)
        if arr.size and self.meta.sample_compression:
            data: bytes | memoryview = self._encode(arr)
        else:
            data = raw_view(arr)
        thr = self.meta.effective_tiling_threshold()
        if thr is not None and arr.ndim and len(data) > thr:
            self._append_tiled(arr)
        else:
            self._append_bytes(data, arr.shape)

    def _append_encoded(self, item: EncodedSample) -> None:
        comp = item.compression
        if comp is not None and comp == self.meta.sample_compression:
            shape = tuple(int(d) for d in item.shape)
            probe = np.empty((0,) * len(shape), dtype=np.dtype(item.dtype))
            self._coerce(probe, len(shape))
            too_big = len(item.buffer) > (self.meta.effective_tiling_threshold() or math.inf)
            if too_big and not getattr(self.codec, "tileable", True):
                too_big = False  # video/audio: stored whole, they cannot be re-encoded
            if np.dtype(item.dtype) != self.dtype or too_big:
                self._append_array(
                    self._decode(bytes(item.buffer), shape, np.dtype(item.dtype), comp)
                )
                return
            self._append_bytes(bytes(item.buffer) if math.prod(shape) else b"", shape)
            return
        arr = self._decode(bytes(item.buffer), tuple(item.shape), np.dtype(item.dtype), comp)
        self._append_array(arr)

    def _append_bytes(self, data: bytes | memoryview, shape: tuple[int, ...]) -> None:
        n = len(data)
        if self._olen and self._olen + n > self.meta.max_chunk_size:
            self._seal()
        self._pos.extend_uniform(self._olen, n, 1)
        if n:
            self._append_raw(data)
        shp = np.asarray(shape, I64)
        self._shapes.extend(shp.reshape(1, -1))
        self._track_shapes(shp, shp)
        self._nphys += 1
        if self._olen >= self.meta.max_chunk_size:
            self._seal()

    def _append_tiled(self, arr: np.ndarray) -> None:
        thr = self.meta.effective_tiling_threshold() or self.meta.max_chunk_size
        tile_shape = tiling.choose_tile_shape(arr.shape, arr.dtype.itemsize, thr)
        flags = chunkfmt.FLAG_TILE | self._data_flags
        self._t_phys.append([self._nphys])
        self._t_shape.append(np.asarray(tile_shape, I64).reshape(1, -1))
        self._t_first.append([len(self._tile_ids)])
        for sl in tiling.iter_tiles(arr.shape, tile_shape):
            tile = np.ascontiguousarray(arr[sl])
            if self.meta.sample_compression:
                payload: bytes | memoryview = self._encode(tile)
            elif self.meta.chunk_compression:
                payload = self.codec.compress(tile.tobytes())
            else:
                payload = raw_view(tile)
            frame = chunkfmt.ChunkFrame([payload], 1, flags, self._codec_name)
            self._tile_ids.append([self._put_chunk(frame)])
        self._append_bytes(b"", arr.shape)  # placeholder in the physical stream

    def _encode(self, arr: np.ndarray) -> bytes:
        codec = self.codec
        if isinstance(codec, ArrayCodec):
            return codec.encode(arr)
        return codec.compress(np.ascontiguousarray(arr).tobytes())

    # ------------------------------------------------------------------ chunks
    def _put_chunk(self, frame: chunkfmt.ChunkFrame) -> int:
        """Store a finished chunk now (tiles), as sealed chunks are; returns its id."""
        cid = new_chunk_id()
        self.storage.set_framed(self._chunk_key(cid), frame)
        self.stats.bytes_written += frame.head_len + frame.payload_len
        self.stats.chunks_written += 1
        return cid

    def _write_encoded(self, payload: bytes, n: int, shape: tuple[int, ...], dtype: Any) -> None:
        """Append ``n`` samples of ``shape`` and ``dtype`` as one chunk whose payload,
        compressed with the tensor's chunk codec, is ``payload``."""
        self._coerce(np.empty((0, *shape), dtype), len(shape))
        if n:
            self._seal()
            s = math.prod(shape) * self._dtype_obj.itemsize
            self._pos.extend_uniform(0, s, n)
            self._nphys += n
            self._shapes.extend_repeat(shape, n)
            self._track_shapes(np.asarray(shape, I64), np.asarray(shape, I64))
            self._seal(encoded=(payload, n * s))
        self._finish_write()

    def _seal(
        self, tail: memoryview | None = None, encoded: tuple[bytes, int] | None = None
    ) -> None:
        """Close the open chunk (plus ``tail``, a slice of the caller's batch that
        completes it) and hand it to the I/O pool for checksums and the write.
        ``encoded``: (compressed payload, raw length) of a chunk made by the caller
        (the open chunk is then empty)."""
        nsamples = self._nphys - self._open_first
        if nsamples == 0:
            return
        parts: list[Any] = []
        owned = self._obuf if self._olen else None
        if self._olen:
            parts.append(memoryview(self._obuf)[: self._olen])
        if tail is not None and len(tail):
            parts.append(tail)
        raw_len = sum(len(p) for p in parts)
        if encoded is not None:
            parts, raw_len = [encoded[0]], encoded[1]
        row = len(self._c_ids)
        cid = NO_CHUNK
        nblocks = 0
        if raw_len:
            cid = new_chunk_id()
            if not self.meta.chunk_compression:
                nblocks = chunkfmt.n_blocks(raw_len)
        self._c_ids.append([cid])
        self._c_start.append([self._open_first])
        self._c_stored.append([raw_len])  # final value set when the write completes
        self._c_raw.append([raw_len])
        self._c_sum0.append([len(self._sums)])
        self._sums.append(np.zeros(nblocks, np.uint64))
        self._obuf, self._olen = None, 0  # the job owns the old buffer now
        self._open_first = self._nphys
        if not raw_len:
            return
        borrowed = tail is not None and len(tail) > 0
        job = WriteJob(row, self._chunk_key(cid), parts, nsamples, borrowed, owned)
        job.encoded = encoded is not None
        self._inflight.append(job)
        if borrowed:
            self._lend(job)
            return
        job.future = pool().submit(self._write_chunk, job)
        if len(self._inflight) - self._nborrowed > WRITE_BEHIND:
            self._drain(limit=len(self._inflight) - self._nborrowed - WRITE_BEHIND)

    def _lend(self, job: WriteJob) -> None:
        """Queue a borrowed chunk for the writers of the current write: the calling
        thread, once it waits for the write (:meth:`_take_lent`, newest first), and,
        from the second borrowed chunk on, pool helpers (oldest first; at most
        ``FETCH_THREADS - 1``, so that with the caller there is one writer per pool
        thread). A single borrowed chunk is written by the caller alone.

        Measured against queueing every borrowed chunk on the pool while the caller
        only waited (``bench_embeddings``: two 12.8 MB chunks per 50,000-row batch):
        the loop of extends took 88-99 ms against 98-118 (in-process medians of 12-16
        alternating ingests), and fresh processes ingested at 7.0-8.1 M rows/s
        against 6.4-7.2. The caller has to wait anyway; writing a chunk itself saves
        the hand-off to a pool thread and back, and keeps at most one runnable
        thread per core."""
        job.future = Future()
        self._lent.append(job)
        self._nborrowed += 1
        if self._helpers < min(FETCH_THREADS - 1, self._nborrowed - 1):
            self._helpers += 1
            pool().submit(_write_lent, self._lent, self._write_chunk)

    def _take_lent(self) -> None:
        """Write, on this thread, the lent chunks no helper has started."""
        lent = self._lent
        while lent:
            try:
                job = lent.pop()
            except IndexError:  # a helper took the last one meanwhile
                return
            fulfil(job.future, self._write_chunk, job)

    def _write_chunk(self, job: WriteJob) -> tuple[np.ndarray, int, int]:
        """Checksum (and compress) one sealed chunk and store it; returns (block sums
        for the index, payload length, bytes written). Runs on the pool: touches no
        mutable engine state."""
        parts = job.parts
        compressed = bool(self.meta.chunk_compression)
        if compressed and not job.encoded:
            raw = parts[0] if len(parts) == 1 else b"".join(parts)
            parts = [self.codec.compress(raw)]
        frame = chunkfmt.ChunkFrame(parts, job.nsamples, self._data_flags, self._codec_name)
        self.storage.set_framed(job.key, frame)
        # range reads of a compressed chunk decompress all of it: the index needs no sums
        index_sums = np.empty(0, np.uint64) if compressed else frame.sums
        return index_sums, frame.payload_len, frame.head_len + frame.payload_len

    def _drain(self, limit: int | None = None) -> None:
        """Wait for (the ``limit`` oldest) pending chunk writes and record their results.
        A failed write is retried once here; if it fails again it stays pending and the
        error propagates (a later flush retries it). Lent chunks nobody has started are
        written here first, so nothing waits for a write that no thread will do."""
        if self._lent:
            self._take_lent()
        while self._inflight and (limit is None or limit > 0):
            job = self._inflight[0]
            try:
                sums, plen, total = job.future.result()
            except Exception:
                job.future = done_future(self._write_chunk, job)
                sums, plen, total = job.future.result()
            self._inflight.popleft()
            if job.borrowed:
                self._nborrowed -= 1
            self._recycle(job)
            c0 = int(self._c_sum0.view[job.row])
            self._sums.view[c0 : c0 + len(sums)] = sums
            self._c_stored.view[job.row] = plen
            self.stats.bytes_written += total
            self.stats.chunks_written += 1
            if limit is not None:
                limit -= 1

    def _recycle(self, job: WriteJob) -> None:
        """Keep the open buffer of a written chunk for reuse if it is full-size (two at
        most; more go to the process-wide pool)."""
        owned = job.owned
        job.owned = None
        if owned is None or len(owned) != self.meta.max_chunk_size:
            return
        job.parts = []  # the buffer is reused: drop the job's view of it
        if owned is self._protected:  # a rollback of the current write may restore it
            self._deferred = owned
        elif len(self._spare) < 2:
            self._spare.append(owned)
        else:
            buffers.give(owned)

    def _release_spares(self) -> None:
        """Hand the spare buffers to the process-wide pool (after a flush)."""
        while self._spare:
            buffers.give(self._spare.pop())

    def _settle_borrowed(self) -> None:
        """Wait until no pending write reads the caller's memory, writing the lent
        chunks no helper has started on this thread (:meth:`_drain`). Borrowed chunks
        are never queued on the pool, so a caller that is itself a pool thread never
        waits for work queued behind it."""
        while self._nborrowed:
            self._drain(limit=1)

    # ------------------------------------------------------------------ rollback
    def _snapshot(self) -> tuple:
        """Cheap marks to undo a failed write of the physical stream (O(1))."""
        self._protected = self._obuf
        return (
            self._nphys,
            len(self._c_ids),
            len(self._sums),
            len(self._t_phys),
            len(self._tile_ids),
            self._shapes.width,
            self._obuf,
            self._olen,
            self._open_first,
            self.meta.model_dump(include={"dtype", "ndim", "min_shape", "max_shape"}),
        )

    def _abandon_inflight(self, from_row: int) -> None:
        """Wait for pending writes of chunk rows ``>= from_row`` and forget them (their
        chunks, if written, are unreferenced garbage). Lent chunks of those rows that
        nobody has started are not written at all."""
        while self._lent:
            try:
                job = self._lent.pop()
            except IndexError:
                break
            if job.row >= from_row:
                job.future.cancel()
            else:
                fulfil(job.future, self._write_chunk, job)
        self._helpers = 0
        keep: deque[WriteJob] = deque()
        for job in self._inflight:
            if job.row >= from_row:
                if not job.future.cancelled():
                    job.future.exception()  # waits; an error (or interruption) is moot
            else:
                keep.append(job)
        self._inflight = keep
        self._nborrowed = sum(1 for j in keep if j.borrowed)

    def _rollback(self, snap: tuple) -> None:
        """Undo a failed write. Chunks already written become unreferenced garbage.

        The open buffer of the snapshot is restored as it was: bytes below its fill
        mark are never modified (appends go past it; a sealed buffer is never
        reused), even if it was sealed during the failed write.
        """
        nphys, nchunks, nsums, ntiled, ntiles, width, obuf, olen, ofirst, meta = snap
        self._abandon_inflight(nchunks)
        self._nphys = nphys
        for g in (self._c_ids, self._c_start, self._c_stored, self._c_raw, self._c_sum0):
            g.truncate(nchunks)
        self._sums.truncate(nsums)
        for g in (self._t_phys, self._t_first):
            g.truncate(ntiled)
        self._tile_ids.truncate(ntiles)
        if self._shapes.width != width:  # ndim became known during the failed write
            self._shapes = RunEncoder(width)
            self._shapes.extend_repeat(np.zeros(width, I64), nphys)
            self._t_shape = Growable(I64, width)
        else:
            self._shapes.truncate(nphys)
            self._t_shape.truncate(ntiled)
        self._pos.truncate(nphys)
        self._obuf, self._olen = obuf, olen
        self._deferred = self._protected = None
        self._open_first = ofirst
        self._cache = None
        for k, v in meta.items():
            setattr(self.meta, k, v)


def _write_lent(lent: deque[WriteJob], write: Callable[[WriteJob], Any]) -> None:
    """Pool helper of a write that lent several chunks: write them from the oldest
    until none is left (the caller takes them from the newest end)."""
    while lent:
        try:
            job = lent.popleft()
        except IndexError:
            return
        fulfil(job.future, write, job)
