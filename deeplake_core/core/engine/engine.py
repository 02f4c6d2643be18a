"""``TensorEngine``: one tensor's samples as immutable chunks on a StorageProvider.

Physical samples are numbered in the order they were written (appends and update
patches alike) and packed into chunks in that order. A :class:`SampleMap` maps the
tensor's logical indices onto physical samples, so ``update`` writes only the new
samples and re-points their indices, and ``pop`` only edits the map. Which physical
samples live in which chunk, where their bytes are and what shape they have is kept
by the encoders in :mod:`.encoders` and saved, per flush, in one index file.
See docs/format.md for the byte layouts.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import random
import secrets
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deeplake_core.codecs.base import ArrayCodec, ByteCodec
from deeplake_core.core.engine import chunk as chunkfmt
from deeplake_core.core.engine import tiling
from deeplake_core.core.engine.codecs import get_codec
from deeplake_core.core.engine.encoders import I64, BytePositions, Growable, RunEncoder, SampleMap
from deeplake_core.core.engine.index_file import dump_index, load_index
from deeplake_core.core.engine.meta import TensorMeta
from deeplake_core.exceptions import (
    ChunkEngineError,
    CorruptChunkError,
    CorruptIndexError,
    DynamicTensorNumpyError,
    TensorInvalidSampleShapeError,
)
from deeplake_core.storage.base import StorageProvider

ENGINE_INDEX_VERSION = 1
#: Threads fetching and verifying whole chunks for multi-chunk reads.
FETCH_THREADS = max(2, min(8, os.cpu_count() or 2))
_POOL: tuple[int, ThreadPoolExecutor] | None = None
_pool_lock = threading.Lock()


#: Sealed chunks allowed to be in flight (being checksummed/written) per engine.
WRITE_BEHIND = 2


@dataclass
class _WriteJob:
    row: int
    key: str
    buf: bytearray
    nsamples: int
    future: Future | None = None


def _done(fn: Any, *args: Any) -> Future:
    """Run ``fn`` now; its outcome as a completed future."""
    fut: Future = Future()
    try:
        fut.set_result(fn(*args))
    except Exception as exc:
        fut.set_exception(exc)
    return fut


def _pool() -> ThreadPoolExecutor:
    """The shared I/O pool (chunk fetches and write-behind), rebuilt in a forked child
    (threads do not survive fork)."""
    global _POOL
    with _pool_lock:
        if _POOL is None or _POOL[0] != os.getpid():
            _POOL = (
                os.getpid(),
                ThreadPoolExecutor(FETCH_THREADS, thread_name_prefix="deeplake-core-io"),
            )
        return _POOL[1]


_NO_CHUNK = 0  # chunk id of a chunk whose payload is empty (never stored)


@dataclass(frozen=True)
class EncodedSample:
    """An already-compressed sample (e.g. a JPEG file's bytes) with its decoded shape.

    ``compression=None`` means ``buffer`` holds the raw C-order array bytes.
    """

    buffer: bytes | bytearray | memoryview
    shape: tuple[int, ...]
    dtype: Any
    compression: str | None


@dataclass
class EngineStats:
    """I/O counters of one engine (payload and header bytes included)."""

    bytes_written: int = 0
    bytes_read: int = 0
    chunks_written: int = 0
    chunks_read: int = 0
    range_reads: int = 0
    index_bytes_written: int = 0
    extra: dict[str, int] = field(default_factory=dict)


class TensorEngine:
    """Chunked storage of one tensor. See the module docstring and docs/format.md."""

    def __init__(
        self,
        storage: StorageProvider,
        tensor_id: str,
        meta: TensorMeta,
        index_key: str | None = None,
    ):
        self.storage = storage
        self.tensor_id = tensor_id
        self.meta = meta
        self.stats = EngineStats()
        self._chunk_prefix = f"tensors/{tensor_id}/chunks/"
        codec_name = meta.chunk_compression or meta.sample_compression
        self._hlen = chunkfmt.header_length(codec_name)
        self._data_flags = (
            chunkfmt.FLAG_CHUNK_COMPRESSED
            if meta.chunk_compression
            else chunkfmt.FLAG_SAMPLE_COMPRESSED
            if meta.sample_compression
            else 0
        )
        self._codec_name = codec_name
        self._codec: ByteCodec | ArrayCodec | None = None
        if meta.chunk_compression and not isinstance(self.codec, ByteCodec):
            raise ChunkEngineError(
                f"chunk_compression={meta.chunk_compression!r} is a media format; chunk "
                "compression needs a byte codec such as 'lz4' (use sample_compression for "
                "media formats)"
            )
        self._reset()
        if index_key is not None:
            self._load(index_key)

    # ------------------------------------------------------------------ state
    def _reset(self) -> None:
        if getattr(self, "_inflight", None):
            self._abandon_inflight(0)
        ndim = self.meta.ndim or 0
        self._nphys = 0
        # chunk table (sealed chunks, in physical order)
        self._c_ids = Growable(np.uint64)
        self._c_start = Growable(I64)
        self._c_stored = Growable(I64)
        self._c_raw = Growable(I64)
        self._c_crc0 = Growable(I64)
        self._crcs = Growable(np.uint32)
        # tiled samples
        self._t_phys = Growable(I64)
        self._t_shape = Growable(I64, ndim)
        self._t_first = Growable(I64)
        self._tile_ids = Growable(np.uint64)
        # per physical sample
        self._shapes = RunEncoder(ndim)
        self._pos = BytePositions()
        self._map = SampleMap()
        # open (unsealed) chunk
        self._obuf = chunkfmt.new_chunk_buffer(self._codec_name)
        self._open_first = 0
        self._inflight: deque[_WriteJob] = deque()
        self._cache: tuple[int, memoryview] | None = None

    @property
    def _open_nbytes(self) -> int:
        """Payload bytes in the open chunk."""
        return len(self._obuf) - self._hlen

    @property
    def codec(self) -> ByteCodec | ArrayCodec | None:
        if self._codec is None and self._codec_name:
            self._codec = get_codec(self._codec_name)
        return self._codec

    @property
    def num_samples(self) -> int:
        return self._map.length

    def __len__(self) -> int:
        return self.num_samples

    @property
    def dtype(self) -> np.dtype | None:
        return np.dtype(self.meta.dtype) if self.meta.dtype is not None else None

    def _chunk_key(self, cid: int) -> str:
        return f"{self._chunk_prefix}{cid:016x}"

    # ------------------------------------------------------------------ writing
    def extend(self, samples: Any) -> None:
        """Append samples: an ``(N, *shape)`` array, or an iterable of arrays,
        :class:`EncodedSample` and ``None`` (empty sample). All or nothing."""
        snap = self._snapshot()
        try:
            first = self._nphys
            self._write(samples)
            self._map.append(first, self._nphys - first)
        except BaseException:
            self._rollback(snap)
            raise
        self.meta.length = self.num_samples

    def append(self, sample: Any) -> None:
        self.extend([sample])

    def pad_to(self, n: int) -> None:
        """Append empty samples until the tensor holds ``n`` samples."""
        k = n - self.num_samples
        if k <= 0:
            return
        first = self._nphys
        self._append_empty(k)
        self._map.append(first, k)
        self.meta.length = self.num_samples

    def update(self, indices: Any, samples: Any) -> None:
        """Replace the samples at ``indices`` (shapes may change). Writes only the new
        samples; with repeated indices the last sample wins."""
        idx = self._indices(indices)
        items = _as_items(samples, len(idx))
        rev_unique, rev_pos = np.unique(idx[::-1], return_index=True)
        pos = len(idx) - 1 - rev_pos
        if isinstance(items, np.ndarray):
            chosen: Any = items[pos]
        else:
            chosen = [items[int(p)] for p in pos]
        snap = self._snapshot()
        try:
            first = self._nphys
            self._write(chosen)
            self._map.repoint(rev_unique, first)
        except BaseException:
            self._rollback(snap)
            raise

    def pop(self, indices: Any) -> None:
        """Remove the samples at ``indices``; later samples move down."""
        idx = np.unique(self._indices(indices))
        self._map.delete(idx)
        self.meta.length = self.num_samples

    def clear(self) -> None:
        """Remove every sample. Chunks stay in storage (older versions may use them)."""
        self._reset()
        self.meta.length = 0

    def flush(self, index_key: str) -> None:
        """Write the open chunk, then the index file at ``index_key`` (use a new key
        each time and switch the manifest to it afterwards)."""
        self._seal()
        self._drain()
        data = dump_index(self._index_arrays())
        self.storage.set(index_key, data)
        self.stats.index_bytes_written += len(data)
        self.stats.bytes_written += len(data)

    def rechunk(self) -> None:
        """Rewrite the live samples into fresh, full chunks (drops update/pop garbage)."""
        n = self.num_samples
        if n == 0:
            self.clear()
            return
        sh = self.shapes(slice(None))
        uniform = bool((sh == sh[0]).all()) and not self._t_phys_any()
        if uniform and not self.meta.sample_compression:
            data: Any = self.read(slice(None))
        else:
            data = [self._stored_item(i) for i in range(n)]
        meta_shapes = (self.meta.min_shape, self.meta.max_shape)
        self._reset()
        self.extend(data)
        self.meta.min_shape, self.meta.max_shape = meta_shapes

    # -- internals of writing
    def _write(self, samples: Any) -> None:
        if isinstance(samples, np.ndarray) and samples.dtype != object and samples.ndim >= 1:
            self._write_batch(samples)
            return
        for item in samples:
            if item is None:
                self._append_empty(1)
            elif isinstance(item, EncodedSample):
                self._append_encoded(item)
            else:
                self._append_array(np.asarray(item))

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
        flat = _raw_view(batch)
        cap = self.meta.max_chunk_size
        done = 0
        while done < n:
            room = cap - self._open_nbytes
            k = n - done if s == 0 else room // s
            if k == 0:
                if self._open_nbytes:
                    self._seal()
                    continue
                k = 1  # one sample bigger than a chunk, tiling off
            k = min(k, n - done)
            self._pos.extend_uniform(self._open_nbytes, s, k)
            if s:
                self._obuf += flat[done * s : (done + k) * s]
            self._nphys += k
            done += k
            if self._open_nbytes >= cap:
                self._seal()
        self._shapes.extend_repeat(shape, n)
        self._track_shapes(np.asarray(shape, I64), np.asarray(shape, I64))

    def _append_empty(self, k: int) -> None:
        if self.meta.ndim == 0:
            raise ChunkEngineError(
                "a tensor of scalars cannot hold empty samples (None); append a value, or "
                "store samples as 1-D arrays so that an empty one has shape (0,)"
            )
        ndim = self.meta.ndim or 0
        self._pos.extend_uniform(self._open_nbytes, 0, k)
        self._shapes.extend_repeat(np.zeros(ndim, I64), k)
        if self.meta.ndim is not None:
            self._track_shapes(np.zeros(ndim, I64), np.zeros(ndim, I64))
        self._nphys += k

    def _append_array(self, arr: np.ndarray) -> None:
        arr = self._coerce(arr, arr.ndim)
        if arr.size and self.meta.sample_compression:
            data: bytes | memoryview = self._encode(arr)
        else:
            data = _raw_view(arr)
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
            if np.dtype(item.dtype) != self.dtype or len(item.buffer) > (
                self.meta.effective_tiling_threshold() or math.inf
            ):
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
        if self._open_nbytes and self._open_nbytes + n > self.meta.max_chunk_size:
            self._seal()
        self._pos.extend_uniform(self._open_nbytes, n, 1)
        if n:
            self._obuf += data
        shp = np.asarray(shape, I64)
        self._shapes.extend(shp.reshape(1, -1))
        self._track_shapes(shp, shp)
        self._nphys += 1
        if self._open_nbytes >= self.meta.max_chunk_size:
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
                payload = _raw_view(tile)
            buf, _ = chunkfmt.build_chunk(payload, 1, flags, self._codec_name)
            self._tile_ids.append([self._put_chunk(buf)])
        self._append_bytes(b"", arr.shape)  # placeholder in the physical stream

    def _encode(self, arr: np.ndarray) -> bytes:
        codec = self.codec
        if isinstance(codec, ArrayCodec):
            return codec.encode(arr)
        return codec.compress(np.ascontiguousarray(arr).tobytes())

    def _put_chunk(self, buf: bytearray) -> int:
        """Store a finished chunk now (tiles); returns its id."""
        cid = _new_chunk_id()
        self.storage.set(self._chunk_key(cid), buf)
        self.stats.bytes_written += len(buf)
        self.stats.chunks_written += 1
        return cid

    def _seal(self) -> None:
        """Close the open chunk and hand it to the write-behind pool (checksums,
        optional compression and the storage write run off the caller's thread)."""
        nsamples = self._nphys - self._open_first
        if nsamples == 0:
            return
        raw_len = self._open_nbytes
        row = len(self._c_ids)
        cid = _NO_CHUNK
        nblocks = 0
        if raw_len:
            cid = _new_chunk_id()
            if not self.meta.chunk_compression:
                nblocks = -(-raw_len // chunkfmt.CRC_BLOCK)
        self._c_ids.append([cid])
        self._c_start.append([self._open_first])
        self._c_stored.append([raw_len])  # final value set when the write completes
        self._c_raw.append([raw_len])
        self._c_crc0.append([len(self._crcs)])
        self._crcs.append(np.zeros(nblocks, np.uint32))
        if raw_len:
            job = _WriteJob(row, self._chunk_key(cid), self._obuf, nsamples)
            job.future = _pool().submit(self._write_chunk, job)
            self._inflight.append(job)
            if len(self._inflight) > WRITE_BEHIND:
                self._drain(limit=len(self._inflight) - WRITE_BEHIND)
        self._obuf = chunkfmt.new_chunk_buffer(self._codec_name)
        self._open_first = self._nphys

    def _write_chunk(self, job: _WriteJob) -> tuple[np.ndarray, int]:
        """Finish and store one sealed chunk; returns (running crcs, stored length)."""
        buf = job.buf
        if self.meta.chunk_compression:
            with memoryview(buf) as mv:
                packed = self.codec.compress(mv[self._hlen :])
            buf, crcs = chunkfmt.build_chunk(
                packed, job.nsamples, self._data_flags, self._codec_name
            )
        else:
            crcs = chunkfmt.finish_chunk(
                buf, job.nsamples, self._data_flags, self._codec_name, True
            )
        self.storage.set(job.key, buf)
        return crcs, len(buf)

    def _drain(self, limit: int | None = None) -> None:
        """Wait for (the ``limit`` oldest) pending chunk writes and record their results.
        A failed write is retried once here; if it fails again it stays pending and the
        error propagates (a later flush retries it)."""
        while self._inflight and (limit is None or limit > 0):
            job = self._inflight[0]
            try:
                crcs, total = job.future.result()
            except Exception:
                job.future = _done(self._write_chunk, job)
                crcs, total = job.future.result()
            self._inflight.popleft()
            c0 = int(self._c_crc0.view[job.row])
            self._crcs.view[c0 : c0 + len(crcs)] = crcs
            self._c_stored.view[job.row] = total - self._hlen
            self.stats.bytes_written += total
            self.stats.chunks_written += 1
            if limit is not None:
                limit -= 1

    def _snapshot(self) -> tuple:
        """Cheap marks to undo a failed write of the physical stream (O(1))."""
        return (
            self._nphys,
            len(self._c_ids),
            len(self._crcs),
            len(self._t_phys),
            len(self._tile_ids),
            self._shapes.width,
            self._obuf,
            len(self._obuf),
            self._open_first,
            self.meta.model_dump(include={"dtype", "ndim", "min_shape", "max_shape"}),
        )

    def _abandon_inflight(self, from_row: int) -> None:
        """Wait for pending writes of chunk rows ``>= from_row`` and forget them (their
        chunks, if written, are unreferenced garbage)."""
        keep: deque[_WriteJob] = deque()
        for job in self._inflight:
            if job.row >= from_row:
                with contextlib.suppress(Exception):
                    job.future.result()
            else:
                keep.append(job)
        self._inflight = keep

    def _rollback(self, snap: tuple) -> None:
        """Undo a failed write. Chunks already written become unreferenced garbage."""
        nphys, nchunks, ncrcs, ntiled, ntiles, width, obuf, olen, ofirst, meta = snap
        self._abandon_inflight(nchunks)
        self._nphys = nphys
        for g in (self._c_ids, self._c_start, self._c_stored, self._c_raw, self._c_crc0):
            g.truncate(nchunks)
        self._crcs.truncate(ncrcs)
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
        if obuf is self._obuf:
            del obuf[olen:]
        else:  # that buffer was handed to storage as a chunk during the failed write
            self._obuf = bytearray(obuf[:olen])
        self._open_first = ofirst
        self._cache = None
        for k, v in meta.items():
            setattr(self.meta, k, v)

    # ------------------------------------------------------------------ reading
    def _indices(self, indices: Any) -> np.ndarray:
        n = self.num_samples
        if isinstance(indices, slice):
            return np.arange(*indices.indices(n), dtype=I64)
        idx = np.asarray(indices)
        if idx.dtype == bool:
            raise TypeError("boolean masks are not sample indices; pass np.flatnonzero(mask)")
        idx = idx.astype(I64).reshape(-1)
        if len(idx) and (idx.min() < -n or idx.max() >= n):
            raise IndexError(f"sample index out of range for a tensor of {n} samples")
        return np.where(idx < 0, idx + n, idx)

    def _phys(self, indices: Any) -> np.ndarray:
        return self._map.to_phys(self._indices(indices))

    def shapes(self, indices: Any) -> np.ndarray:
        """Shapes of the samples at ``indices``: int64 array ``(n, ndim)``."""
        phys = self._phys(indices)
        return (
            self._shapes.lookup(phys)
            if len(self._shapes.starts)
            else np.zeros((len(phys), self._shapes.width), I64)
        )

    def sample_nbytes(self, indices: Any) -> np.ndarray:
        """Uncompressed size in bytes of each sample at ``indices``."""
        sh = self.shapes(indices)
        itemsize = self.dtype.itemsize if self.dtype is not None else 0
        return np.prod(sh, axis=1, dtype=I64) * itemsize

    def _t_phys_any(self) -> bool:
        return len(self._t_phys) > 0

    def _tiled_rows(self, phys: np.ndarray) -> np.ndarray:
        """Row in the tile table of each physical sample, -1 when not tiled."""
        if not self._t_phys_any():
            return np.full(len(phys), -1, I64)
        t = self._t_phys.view
        r = np.searchsorted(t, phys)
        r = np.minimum(r, len(t) - 1)
        return np.where(t[r] == phys, r, -1)

    def read(self, indices: Any, aslist: bool = False) -> np.ndarray | list[np.ndarray]:
        """Samples at ``indices`` (slice or int array; any order, repeats allowed) as one
        ``(N, ...)`` array, or a list of arrays when ``aslist``."""
        if (
            isinstance(indices, slice)
            and not aslist
            and not self.meta.sample_compression
            and self.dtype is not None
        ):
            a, b, step = indices.indices(self.num_samples)
            if step == 1 and b > a:
                fast = self._read_range(a, b)
                if fast is not None:
                    return fast
        idx = self._indices(indices)
        phys = self._map.to_phys(idx)
        n = len(phys)
        dtype = self.dtype or np.dtype("float64")
        if self.meta.ndim is None:  # only empty samples so far: their rank is unknown
            if aslist:
                return [np.zeros((0,), dtype) for _ in range(n)]
            return np.zeros((n, 0), dtype)
        ndim = self.meta.ndim or 0
        shapes = self._shapes.lookup(phys) if n else np.zeros((0, ndim), I64)
        if not aslist and n and not (shapes == shapes[0]).all():
            bad = int(np.flatnonzero((shapes != shapes[0]).any(axis=1))[0])
            raise DynamicTensorNumpyError(self.tensor_id, int(idx[bad]), "shape")
        trows = self._tiled_rows(phys)
        if aslist or self.meta.sample_compression or (trows >= 0).any():
            items = self._read_items(phys, shapes, trows, dtype)
            if aslist:
                return items
            if n == 0:
                return np.empty((0, *self._empty_shape()), dtype)
            out = np.empty((n, *shapes[0]), dtype)
            for i, a in enumerate(items):
                out[i] = a
            return out
        sample_shape = tuple(int(d) for d in shapes[0]) if n else self._empty_shape()
        out = np.empty((n, *sample_shape), dtype)
        if out.nbytes:
            self._gather_into(memoryview(out).cast("B"), phys)
        return out

    def _empty_shape(self) -> tuple[int, ...]:
        lo, hi = self.meta.min_shape, self.meta.max_shape
        if lo is not None and lo == hi:
            return tuple(lo)
        return (0,) * (self.meta.ndim or 0)

    def read_sample(self, index: int, subindex: tuple | None = None) -> np.ndarray:
        """One sample, optionally sliced by ``subindex`` (ints/slices on the sample
        axes). Tiled samples read only the tiles that ``subindex`` touches."""
        phys = self._phys([index])
        trow = int(self._tiled_rows(phys)[0])
        if trow >= 0:
            shape = tuple(int(d) for d in self._shapes.lookup(phys)[0])
            return self._read_tiled(trow, shape, subindex)
        arr = self.read([index], aslist=True)[0]
        if subindex is None:
            return arr
        box, post = tiling.normalize_subindex(arr.shape, subindex)
        sel = tuple(slice(lo, hi) for lo, hi in box)
        return arr[sel][post]

    def read_bytes(self, index: int) -> bytes:
        """Stored bytes of one sample: compressed bytes when sample-compressed, raw
        C-order bytes when uncompressed."""
        if self.meta.chunk_compression:
            raise ChunkEngineError(
                "the stored bytes of one sample are not available for a chunk-compressed "
                "tensor (its chunks are compressed as a whole); read the sample as an array"
            )
        phys = self._phys([index])
        if self._tiled_rows(phys)[0] >= 0:
            if self.meta.sample_compression:
                raise ChunkEngineError(
                    "this sample is tiled, so its compressed bytes are stored per tile and no "
                    "single compressed file exists; read it as an array"
                )
            return self.read_sample(index).tobytes()
        offs, sizes = self._pos.lookup(phys)
        rows = self._chunk_rows(phys)
        parts: list[bytes] = []
        self._visit_segments(rows, offs, sizes, lambda _j, seg: parts.append(bytes(seg)))
        return b"".join(parts)

    # -- internals of reading
    def _chunk_rows(self, phys: np.ndarray) -> np.ndarray:
        rows = np.searchsorted(self._c_start.view, phys, side="right") - 1
        rows[phys >= self._open_first] = -1
        return rows

    def _gather_into(self, out: memoryview, phys: np.ndarray) -> None:
        """Copy uncompressed samples ``phys`` back to back into ``out`` (bytes)."""
        rows = self._chunk_rows(phys)
        n = len(phys)
        brk = np.ones(n, dtype=bool)
        if n > 1:
            brk[1:] = (phys[1:] != phys[:-1] + 1) | (rows[1:] != rows[:-1])
        first = np.flatnonzero(brk)
        last = np.append(first[1:], n) - 1
        self._copy_segments(out, rows[first], phys[first], phys[last])

    def _copy_segments(
        self, out: memoryview, rows: np.ndarray, first: np.ndarray, last: np.ndarray
    ) -> None:
        """Copy runs of consecutive physical samples ``[first, last]`` (each inside chunk
        ``rows``) back to back into ``out``."""
        start, _ = self._pos.lookup(first)
        end_off, end_len = self._pos.lookup(last)
        seg_len = end_off + end_len - start
        dst = np.concatenate([[0], np.cumsum(seg_len)])
        if (seg_len < 0).any() or int(dst[-1]) != out.nbytes:
            raise CorruptIndexError(
                f"tensor {self.tensor_id!r}: recorded sample sizes disagree with their shapes; "
                "the index is corrupted"
            )
        out_u8 = np.frombuffer(out, np.uint8)

        def sink(j: int, src: bytes | memoryview) -> None:
            d = int(dst[j])
            out_u8[d : d + len(src)] = np.frombuffer(src, np.uint8)

        self._visit_segments(rows, start, seg_len, sink, threaded=True)

    def _read_range(self, a: int, b: int) -> np.ndarray | None:
        """Fast path for logical ``[a, b)`` of uncompressed, untiled, equal-shape samples:
        work per chunk and per map piece, never per sample. ``None`` if not applicable."""
        p, c = self._map.ranges(a, b)
        q = p + c  # exclusive physical ends
        ss = self._shapes.starts.view
        r0 = np.searchsorted(ss, p, side="right") - 1
        r1 = np.searchsorted(ss, q - 1, side="right") - 1
        cover = np.zeros(len(ss) + 1, I64)
        np.add.at(cover, r0, 1)
        np.add.at(cover, r1 + 1, -1)
        vals = self._shapes.values.view[np.cumsum(cover[:-1]) > 0]
        if not (vals == vals[0]).all():
            return None
        if self._t_phys_any():
            t = self._t_phys.view
            if (np.searchsorted(t, p) != np.searchsorted(t, q)).any():
                return None
        bounds = np.append(self._c_start.view, self._open_first)
        seg_rows, seg_first, seg_last = [], [], []
        for lo, hi in zip(p.tolist(), q.tolist(), strict=True):
            k0 = int(np.searchsorted(bounds, lo, side="right")) - 1
            k1 = int(np.searchsorted(bounds, hi - 1, side="right")) - 1
            for k in range(k0, k1 + 1):
                seg_rows.append(k if k < len(bounds) - 1 else -1)
                seg_first.append(max(lo, int(bounds[k])))
                seg_last.append(min(hi, int(bounds[k + 1]) if k + 1 < len(bounds) else hi) - 1)
        shape = tuple(int(d) for d in vals[0])
        out = np.empty((b - a, *shape), self.dtype)
        if out.nbytes:
            self._copy_segments(
                memoryview(out).cast("B"),
                np.asarray(seg_rows, I64),
                np.asarray(seg_first, I64),
                np.asarray(seg_last, I64),
            )
        return out

    def _read_items(
        self, phys: np.ndarray, shapes: np.ndarray, trows: np.ndarray, dtype: np.dtype
    ) -> list[np.ndarray]:
        n = len(phys)
        items: list[np.ndarray | None] = [None] * n
        plain = np.flatnonzero(trows < 0)
        if len(plain):
            p = phys[plain]
            offs, sizes = self._pos.lookup(p)

            def sink(j: int, seg: bytes | memoryview) -> None:
                i = int(plain[j])
                items[i] = self._decode_stored(seg, tuple(int(d) for d in shapes[i]), dtype)

            self._visit_segments(self._chunk_rows(p), offs, sizes, sink)
        for i in np.flatnonzero(trows >= 0).tolist():
            shape = tuple(int(d) for d in shapes[i])
            items[i] = self._read_tiled(int(trows[i]), shape, None)
        return items  # type: ignore[return-value]

    def _decode_stored(
        self, data: memoryview, shape: tuple[int, ...], dtype: np.dtype
    ) -> np.ndarray:
        if math.prod(shape) == 0:
            return np.zeros(shape, dtype)
        if self.meta.sample_compression:
            return self._decode(data, shape, dtype, self.meta.sample_compression)
        if len(data) != math.prod(shape) * dtype.itemsize:
            raise CorruptChunkError(
                f"a sample of tensor {self.tensor_id!r} has {len(data)} bytes but its shape "
                f"{shape} needs {math.prod(shape) * dtype.itemsize}; the index or chunk is "
                "corrupted"
            )
        return np.frombuffer(data, dtype).reshape(shape).copy()

    def _decode(
        self, data: bytes | memoryview, shape: tuple[int, ...], dtype: np.dtype, comp: str | None
    ) -> np.ndarray:
        if comp is None:
            raw: bytes | memoryview = data
        else:
            codec = self.codec if comp == self._codec_name else get_codec(comp)
            if isinstance(codec, ArrayCodec):
                arr = codec.decode(data)
                if tuple(arr.shape) != tuple(shape):
                    raise CorruptChunkError(
                        f"a {comp} sample decoded to shape {arr.shape}, the index records "
                        f"{shape}; the sample or the index is corrupted"
                    )
                return arr.astype(dtype, copy=False)
            raw = codec.decompress(data)
        if len(raw) != math.prod(shape) * dtype.itemsize:
            raise CorruptChunkError(
                f"a sample decoded to {len(raw)} bytes, but shape {shape} of {dtype} needs "
                f"{math.prod(shape) * dtype.itemsize}; the sample or the index is corrupted"
            )
        return np.frombuffer(raw, dtype).reshape(shape).copy()

    def _visit_segments(
        self,
        rows: np.ndarray,
        starts: np.ndarray,
        lens: np.ndarray,
        sink: Callable[[int, bytes | memoryview], None],
        threaded: bool = False,
    ) -> None:
        """Call ``sink(j, bytes [starts[j], starts[j] + lens[j]) of chunk rows[j]'s raw
        payload)`` for every segment ``j``. One fetch per chunk: the whole chunk, or
        verified byte ranges when only a small part of it is needed. Whole chunks are
        fetched and verified by the thread pool; with ``threaded`` the sink also runs
        there (it must then be thread-safe, e.g. copies into disjoint slices)."""
        if self._inflight:
            self._drain()
        order = np.argsort(rows, kind="stable")
        bounds = np.flatnonzero(np.diff(rows[order])) + 1
        full: list[tuple[int, list]] = []
        for group in np.split(order, bounds):
            if not len(group):
                continue
            row = int(rows[group[0]])
            segs = list(
                zip(group.tolist(), starts[group].tolist(), lens[group].tolist(), strict=True)
            )
            need = int(lens[group].sum())
            if need == 0:
                for j, _s, _ln in segs:
                    sink(j, b"")
            elif row < 0:
                hl = self._hlen
                with memoryview(self._obuf) as mv:
                    copies = [(j, bytes(mv[hl + s : hl + s + ln])) for j, s, ln in segs]
                for j, data in copies:
                    sink(j, data)
            elif int(self._c_ids.view[row]) == _NO_CHUNK:
                raise CorruptIndexError(
                    f"tensor {self.tensor_id!r}: the index points into an empty chunk; "
                    "the index is corrupted"
                )
            elif (
                (self._cache is not None and self._cache[0] == row)
                or self.meta.chunk_compression
                or 2 * (need + len(segs) * chunkfmt.CRC_BLOCK) >= int(self._c_raw.view[row])
            ):
                full.append((row, segs))
            else:
                for j, s, ln in segs:
                    sink(j, self._range(row, s, ln))
        if not full:
            return

        def deliver(row: int, payload: memoryview, segs: list) -> None:
            for j, s, ln in segs:
                if s + ln > len(payload):
                    raise CorruptIndexError(
                        f"tensor {self.tensor_id!r}: a sample lies past the end of its "
                        "chunk; the index is corrupted"
                    )
                sink(j, payload[s : s + ln])

        cached = [(r, g) for r, g in full if self._cache is not None and self._cache[0] == r]
        for row, segs in cached:
            deliver(row, self._payload(row), segs)
        rest = [(r, g) for r, g in full if not (self._cache is not None and self._cache[0] == r)]
        if len(rest) < 2:
            for row, segs in rest:
                deliver(row, self._payload(row), segs)
            return

        def job(row: int, segs: list) -> tuple[int, memoryview | None]:
            payload, nread = self._load_payload(row)
            if threaded:
                deliver(row, payload, segs)
                return nread, None
            return nread, payload

        pool = _pool()
        pending: deque = deque()
        todo = iter(rest)
        try:
            for row, segs in itertools.islice(todo, 2 * FETCH_THREADS):
                pending.append((row, segs, pool.submit(job, row, segs)))
            while pending:
                row, segs, fut = pending.popleft()
                nread, payload = fut.result()
                self._count_chunk_read(nread)
                if payload is not None:
                    self._cache = (row, payload)
                    deliver(row, payload, segs)
                nxt = next(todo, None)
                if nxt is not None:
                    pending.append((*nxt, pool.submit(job, *nxt)))
        finally:
            for *_, fut in pending:
                fut.cancel()
            for *_, fut in pending:
                with contextlib.suppress(Exception):
                    if not fut.cancelled():
                        fut.result()

    def _payload(self, row: int) -> memoryview:
        """Whole raw (decompressed) payload of a sealed chunk, verified (cached)."""
        if self._inflight:
            self._drain()
        if self._cache is not None and self._cache[0] == row:
            return self._cache[1]
        payload, nread = self._load_payload(row)
        self._count_chunk_read(nread)
        self._cache = (row, payload)
        return payload

    def _count_chunk_read(self, nbytes: int) -> None:
        self.stats.bytes_read += nbytes
        self.stats.chunks_read += 1

    def _load_payload(self, row: int) -> tuple[memoryview, int]:
        """Fetch and verify a sealed chunk; (raw payload, bytes read). Thread-safe:
        touches no mutable engine state."""
        key = self._chunk_key(int(self._c_ids.view[row]))
        try:
            data = self.storage.get(key)
        except KeyError as exc:
            raise _missing(key) from exc
        nsamples = self._chunk_end(row) - int(self._c_start.view[row])
        payload = chunkfmt.parse_chunk(
            data,
            key,
            nsamples=nsamples,
            payload_len=int(self._c_stored.view[row]),
            flags=self._data_flags,
            codec=self._codec_name,
        )
        if self.meta.chunk_compression:
            try:
                payload = memoryview(self.codec.decompress(payload))
            except Exception as exc:
                raise CorruptChunkError(
                    f"Chunk {key!r} is corrupted: its payload does not decompress with "
                    f"{self._codec_name!r}. Restore it from a copy or load an earlier version."
                ) from exc
        if len(payload) != int(self._c_raw.view[row]):
            raise CorruptChunkError(
                f"Chunk {key!r} is corrupted: {len(payload)} payload bytes, the index expects "
                f"{int(self._c_raw.view[row])}. Restore it from a copy or load an earlier version."
            )
        return payload, len(data)

    def _range(self, row: int, start: int, length: int) -> memoryview:
        """Verified bytes ``[start, start + length)`` of an uncompressed chunk's payload."""
        B = chunkfmt.CRC_BLOCK
        stored = int(self._c_stored.view[row])
        if start + length > stored:
            raise CorruptIndexError(
                f"tensor {self.tensor_id!r}: a sample lies past the end of its chunk; the "
                "index is corrupted"
            )
        b0 = start // B
        end = min(-(-(start + length) // B) * B, stored)
        key = self._chunk_key(int(self._c_ids.view[row]))
        try:
            data = self.storage.get_range(key, self._hlen + b0 * B, self._hlen + end)
        except KeyError as exc:
            raise _missing(key) from exc
        self.stats.bytes_read += len(data)
        self.stats.range_reads += 1
        c0 = int(self._c_crc0.view[row])
        chunkfmt.verify_range(data, key, b0, self._crcs.view[c0:], end - b0 * B)
        lo = start - b0 * B
        return memoryview(data)[lo : lo + length]

    def _get(self, key: str) -> bytes:
        try:
            data = self.storage.get(key)
        except KeyError as exc:
            raise _missing(key) from exc
        self.stats.bytes_read += len(data)
        self.stats.chunks_read += 1
        return data

    def _chunk_end(self, row: int) -> int:
        starts = self._c_start.view
        return int(starts[row + 1]) if row + 1 < len(starts) else self._open_first

    def _read_tiled(self, trow: int, shape: tuple[int, ...], subindex: tuple | None) -> np.ndarray:
        dtype = self.dtype
        tile_shape = tuple(int(d) for d in self._t_shape.view[trow])
        first = int(self._t_first.view[trow])
        box, post = tiling.normalize_subindex(shape, subindex)
        region = np.empty([hi - lo for lo, hi in box], dtype)
        flags = chunkfmt.FLAG_TILE | self._data_flags
        for flat, in_tile, in_box in tiling.tiles_in_box(shape, tile_shape, box):
            key = self._chunk_key(int(self._tile_ids.view[first + flat]))
            payload = chunkfmt.parse_chunk(
                self._get(key), key, nsamples=1, flags=flags, codec=self._codec_name
            )
            extent = tiling.tile_extent(shape, tile_shape, flat)
            if self.meta.chunk_compression:
                tile = self._decode(payload, extent, dtype, self.meta.chunk_compression)
            else:
                tile = self._decode(payload, extent, dtype, self.meta.sample_compression)
            region[in_box] = tile[in_tile]
        return region[post]

    def _stored_item(self, i: int) -> Any:
        """Sample ``i`` in the cheapest form ``extend`` accepts (keeps compressed bytes)."""
        phys = self._phys([i])
        shape = tuple(int(d) for d in self._shapes.lookup(phys)[0])
        if self.meta.sample_compression and self._tiled_rows(phys)[0] < 0 and math.prod(shape):
            return EncodedSample(
                self.read_bytes(i), shape, self.dtype, self.meta.sample_compression
            )
        return self.read_sample(i)

    # ------------------------------------------------------------------ index file
    def _index_arrays(self) -> dict[str, np.ndarray]:
        ndim = self.meta.ndim if self.meta.ndim is not None else -1
        return {
            "scalars": np.array(
                [ENGINE_INDEX_VERSION, self._nphys, ndim, chunkfmt.CRC_BLOCK, self._shapes.n], I64
            ),
            "c_ids": self._c_ids.view,
            "c_start": self._c_start.view,
            "c_stored": self._c_stored.view,
            "c_raw": self._c_raw.view,
            "c_crc0": self._c_crc0.view,
            "crcs": self._crcs.view,
            "t_phys": self._t_phys.view,
            "t_shape": self._t_shape.view,
            "t_first": self._t_first.view,
            "tile_ids": self._tile_ids.view,
            "shape_starts": self._shapes.starts.view,
            "shape_values": self._shapes.values.view,
            "pos_runs": self._pos.runs.view,
            "map_phys": self._map.phys,
            "map_lens": self._map.lens,
        }

    def _load(self, key: str) -> None:
        try:
            data = self.storage.get(key)
        except KeyError as exc:
            raise CorruptIndexError(
                f"Tensor index file {key!r} is missing; the dataset manifest points at a "
                "file that was never written or was deleted. Load an earlier version."
            ) from exc
        self.stats.bytes_read += len(data)
        a = load_index(data, key)
        try:
            version, nphys, ndim, block, nshapes = (int(v) for v in a["scalars"])
            if version != ENGINE_INDEX_VERSION or block != chunkfmt.CRC_BLOCK:
                raise ValueError("unsupported index version or checksum block size")
            self._nphys = nphys
            nd = None if ndim < 0 else ndim
            if nd is not None and self.meta.ndim is not None and nd != self.meta.ndim:
                raise ValueError(f"ndim {nd} disagrees with the tensor meta ({self.meta.ndim})")
            self.meta.ndim = nd
            width = nd or 0
            self._c_ids = Growable(np.uint64, None, a["c_ids"])
            self._c_start = Growable(I64, None, a["c_start"])
            self._c_stored = Growable(I64, None, a["c_stored"])
            self._c_raw = Growable(I64, None, a["c_raw"])
            self._c_crc0 = Growable(I64, None, a["c_crc0"])
            self._crcs = Growable(np.uint32, None, a["crcs"])
            self._t_phys = Growable(I64, None, a["t_phys"])
            if a["t_shape"].shape[1:] != (width,) or a["shape_values"].shape[1:] != (width,):
                raise ValueError("shape arrays do not match ndim")
            self._t_shape = Growable(I64, width, a["t_shape"])
            self._t_first = Growable(I64, None, a["t_first"])
            self._tile_ids = Growable(np.uint64, None, a["tile_ids"])
            self._shapes = RunEncoder(width, a["shape_starts"], a["shape_values"], nshapes)
            if a["pos_runs"].shape[1:] != (3,):
                raise ValueError("byte-position runs are malformed")
            self._pos = BytePositions(a["pos_runs"], nphys)
            self._map = SampleMap(a["map_phys"], a["map_lens"])
            self._open_first = nphys
            self._validate_index()
        except (KeyError, ValueError, IndexError) as exc:
            raise CorruptIndexError(
                f"Tensor index file {key!r} is inconsistent ({exc}); load an earlier version "
                "of the dataset or restore the file from a copy."
            ) from exc
        self.meta.length = self.num_samples

    def _validate_index(self) -> None:
        nc = len(self._c_ids)
        if not (
            len(self._c_start) == len(self._c_stored) == len(self._c_raw) == len(self._c_crc0) == nc
        ):
            raise ValueError("chunk table columns differ in length")
        starts = self._c_start.view
        if nc and (starts[0] != 0 or (np.diff(starts) <= 0).any() or starts[-1] >= self._nphys):
            raise ValueError("chunk start positions are not increasing")
        if self._nphys and not nc:
            raise ValueError("samples but no chunks")
        if self._shapes.n != self._nphys or (len(self._shapes.starts) == 0) != (self._nphys == 0):
            raise ValueError("shape encoder length differs from the sample count")
        runs = self._pos.runs.view
        if self._nphys and (len(runs) == 0 or runs[0, 0] != 0 or (runs < 0).any()):
            raise ValueError("byte-position runs are malformed")
        c0 = self._c_crc0.view
        if nc and ((c0 < 0).any() or (c0 > len(self._crcs)).any()):
            raise ValueError("checksum offsets out of range")
        if len(self._t_first) != len(self._t_phys) or len(self._t_shape) != len(self._t_phys):
            raise ValueError("tile table columns differ in length")
        tf = self._t_first.view
        if len(tf) and ((tf < 0).any() or (tf > len(self._tile_ids)).any()):
            raise ValueError("tile offsets out of range")
        m = self._map
        if len(m.phys) != len(m.lens) or (m.lens <= 0).any():
            raise ValueError("sample map is malformed")
        if len(m.phys) and (m.phys.min() < 0 or (m.phys + m.lens).max() > self._nphys):
            raise ValueError("sample map points past the physical samples")

    # ------------------------------------------------------------------ maintenance
    def chunk_keys(self) -> set[str]:
        """Keys of every chunk the current state references (data and tile chunks)."""
        ids = np.concatenate([self._c_ids.view, self._tile_ids.view])
        return {self._chunk_key(int(c)) for c in ids if int(c) != _NO_CHUNK}

    def check_integrity(self) -> None:
        """Read and verify every referenced chunk; raise :class:`CorruptChunkError`
        naming all bad chunks (missing, truncated, checksum or header mismatch)."""
        self._drain()
        bad: list[str] = []
        saved = self._cache
        for row in range(len(self._c_ids)):
            if int(self._c_ids.view[row]) == _NO_CHUNK:
                continue
            self._cache = None
            try:
                self._payload(row)
            except CorruptChunkError as exc:
                bad.append(str(exc))
        flags = chunkfmt.FLAG_TILE | self._data_flags
        for cid in self._tile_ids.view.tolist():
            key = self._chunk_key(int(cid))
            try:
                chunkfmt.parse_chunk(
                    self._get(key), key, nsamples=1, flags=flags, codec=self._codec_name
                )
            except CorruptChunkError as exc:
                bad.append(str(exc))
        self._cache = saved
        if bad:
            raise CorruptChunkError(
                f"{len(bad)} corrupted chunk(s) in tensor {self.tensor_id!r}:\n" + "\n".join(bad)
            )


def _new_chunk_id() -> int:
    """A random non-zero 64-bit chunk id. Drawn from a PRNG seeded from the OS once per
    process (re-seeded after fork, so parallel writers never share a sequence):
    ``os.urandom`` per chunk is measurably slow on some VMs."""
    global _ID_RNG
    if _ID_RNG is None or _ID_RNG[0] != os.getpid():
        _ID_RNG = (os.getpid(), random.Random(secrets.randbits(128)))
    cid = 0
    while cid == _NO_CHUNK:
        cid = _ID_RNG[1].getrandbits(64)
    return cid


_ID_RNG: tuple[int, random.Random] | None = None


def _raw_view(arr: np.ndarray) -> memoryview:
    """The C-order bytes of ``arr`` as a flat memoryview (no copy when contiguous)."""
    return memoryview(np.ascontiguousarray(arr).reshape(-1).view(np.uint8))


def _as_items(samples: Any, n: int) -> Any:
    if isinstance(samples, np.ndarray) and samples.dtype != object and samples.ndim >= 1:
        items: Any = samples
    else:
        items = list(samples)
    if len(items) != n:
        raise ValueError(f"got {len(items)} samples for {n} indices; pass one sample per index")
    return items


def _missing(key: str) -> CorruptChunkError:
    return CorruptChunkError(
        f"Chunk {key!r} is missing from storage although the tensor index references it. "
        "Restore it from a copy, or load an earlier version of the dataset."
    )
