"""Reading samples back: index lookups, verified chunk and range reads, decoding.

Whole-chunk segments of a contiguous scan of uncompressed, equal-shape samples are
read straight into their slice of the preallocated output
(``StorageProvider.read_into``) and verified there against the running CRCs kept in
the index, on the I/O pool (read and checksum of different chunks overlap). Other
reads fetch a chunk once (whole and verified, or as verified byte ranges when only a
small part of it is needed) and copy the samples out.
"""

from __future__ import annotations

import contextlib
import itertools
import math
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

from deeplake_core.codecs.base import ArrayCodec
from deeplake_core.core.engine import chunk as chunkfmt
from deeplake_core.core.engine import tiling
from deeplake_core.core.engine.codecs import get_codec
from deeplake_core.core.engine.encoders import I64
from deeplake_core.core.engine.io import (
    FETCH_THREADS,
    NO_CHUNK,
    missing_chunk,
    pool,
    run_parallel,
)
from deeplake_core.core.engine.payload_cache import payload_cache
from deeplake_core.core.engine.types import EncodedSample
from deeplake_core.exceptions import (
    ChunkEngineError,
    CorruptChunkError,
    CorruptIndexError,
    DynamicTensorNumpyError,
)


class ReadPath:
    """Read side of :class:`TensorEngine` (mixin; state lives in the engine)."""

    # provided by the engine
    meta: Any
    storage: Any
    stats: Any
    tensor_id: str
    _codec_name: str | None
    _data_flags: int
    #: last decompressed payload of a chunk-compressed tensor: (row, payload)
    _cache: tuple[int, memoryview] | None

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
        if self.meta.ndim is None:  # only empty samples so far
            arr = self.read([index], aslist=True)[0]
        else:
            p = self._phys_one(index)
            trow = self._tile_row(p)
            if trow >= 0:
                return self._read_tiled(trow, self._shapes.lookup_one(p), subindex)
            arr = self._read_one(p)
        if subindex is None:
            return arr
        box, post = tiling.normalize_subindex(arr.shape, subindex)
        sel = tuple(slice(lo, hi) for lo, hi in box)
        return arr[sel][post]

    def _phys_one(self, index: int) -> int:
        """Physical sample of logical ``index`` (negative counts from the end)."""
        n = self.num_samples
        i = int(index)
        if not -n <= i < n:
            raise IndexError(f"sample index {i} out of range for a tensor of {n} samples")
        return self._map.phys_one(i + n if i < 0 else i)

    def _tile_row(self, p: int) -> int:
        """Row of physical sample ``p`` in the tile table; -1 if it is not tiled."""
        if not self._t_phys_any():
            return -1
        t = self._t_phys.view
        r = int(np.searchsorted(t, p))
        return r if r < len(t) and int(t[r]) == p else -1

    def _read_one(self, p: int) -> np.ndarray:
        """Untiled physical sample ``p`` as an array: scalar lookups and at most one
        verified byte-range read, no per-call array machinery."""
        shape = self._shapes.lookup_one(p)
        dtype = self.dtype or np.dtype("float64")
        off, size = self._pos.lookup_one(p)
        if size == 0:
            return self._decode_stored(memoryview(b""), shape, dtype)
        if p >= self._open_first:
            if self._obuf is None or off + size > self._olen:
                raise CorruptIndexError(
                    f"tensor {self.tensor_id!r}: a sample lies past the end of the open "
                    "chunk; the index is corrupted"
                )
            data: bytes | memoryview = self._obuf[off : off + size].tobytes()
        else:
            if self._inflight:
                self._drain()
            row = int(np.searchsorted(self._c_start.view, p, side="right")) - 1
            if int(self._c_ids.view[row]) == NO_CHUNK:
                raise CorruptIndexError(
                    f"tensor {self.tensor_id!r}: the index points into an empty chunk; "
                    "the index is corrupted"
                )
            if self.meta.chunk_compression:
                payload = self._payload(row)
                if off + size > len(payload):
                    raise CorruptIndexError(
                        f"tensor {self.tensor_id!r}: a sample lies past the end of its "
                        "chunk; the index is corrupted"
                    )
                data = payload[off : off + size]
            else:
                data = self._sample_bytes(row, off, size)
        return self._decode_stored(data, shape, dtype)

    def _sample_bytes(self, row: int, off: int, size: int) -> memoryview:
        """Verified payload bytes ``[off, off + size)`` of sealed uncompressed chunk
        ``row``, for a single-sample read: a slice of the whole payload when it is in
        the payload cache, else a range read. A small chunk, or one that single-sample
        reads keep coming back to, is fetched whole (verified once) and cached."""
        key = (id(self.storage), self._row_key(row))
        cache = payload_cache()
        payload = cache.get(key)
        if payload is None:
            hits = self.__dict__.setdefault("_range_hits", {})
            seen = hits.get(row, 0)
            if int(self._c_raw.view[row]) > _SMALL_PAYLOAD and seen < _PROMOTE_AFTER:
                hits[row] = seen + 1
                return self._range(row, off, size)
            hits.pop(row, None)
            payload, nread = self._load_payload(row)
            self._count_chunk_read(nread)
            cache.put(key, payload)
        if off + size > len(payload):
            raise CorruptIndexError(
                f"tensor {self.tensor_id!r}: a sample lies past the end of its chunk; the "
                "index is corrupted"
            )
        return payload[off : off + size]

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

    def read_bytes_many(self, indices: Any) -> list[bytes]:
        """Stored bytes of many samples (see :meth:`read_bytes`), fetching each chunk
        once."""
        phys = self._phys(indices)
        if self.meta.chunk_compression or (self._tiled_rows(phys) >= 0).any():
            return [self.read_bytes(int(i)) for i in self._indices(indices)]
        offs, sizes = self._pos.lookup(phys)
        out: list[bytes] = [b""] * len(phys)

        def sink(j: int, seg: bytes | memoryview) -> None:
            out[j] = bytes(seg)

        self._visit_segments(self._chunk_rows(phys), offs, sizes, sink)
        return out

    def chunk_ids(self, indices: Any) -> np.ndarray:
        """A chunk number for each sample at ``indices`` (samples with equal numbers
        are read with one chunk fetch; -1 is the not yet written open chunk)."""
        return self._chunk_rows(self._phys(indices))

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
        dst = dst[:-1]
        if self._inflight:
            self._drain()
        direct = self._whole_chunks(rows, start, seg_len)
        if direct.any():
            self._read_direct(out, rows[direct], dst[direct], seg_len[direct])
            keep = ~direct
            rows, start, seg_len, dst = rows[keep], start[keep], seg_len[keep], dst[keep]
            if not len(rows):
                return
        out_u8 = np.frombuffer(out, np.uint8)

        def sink(j: int, src: bytes | memoryview) -> None:
            d = int(dst[j])
            out_u8[d : d + len(src)] = np.frombuffer(src, np.uint8)

        self._visit_segments(rows, start, seg_len, sink, threaded=True)

    def _whole_chunks(self, rows: np.ndarray, start: np.ndarray, lens: np.ndarray) -> np.ndarray:
        """Mask of segments that are the whole payload of a sealed, stored,
        uncompressed chunk (readable straight into the output)."""
        sealed = rows >= 0
        if self.meta.chunk_compression or self.meta.sample_compression or not sealed.any():
            return np.zeros(len(rows), bool)
        r = np.where(sealed, rows, 0)
        return (
            sealed
            & (start == 0)
            & (lens > 0)
            & (lens == self._c_raw.view[r])
            & (self._c_ids.view[r] != NO_CHUNK)
        )

    def _read_direct(
        self, out: memoryview, rows: np.ndarray, dst: np.ndarray, lens: np.ndarray
    ) -> None:
        """Read whole chunk payloads straight into ``out[dst[j] : dst[j] + lens[j]]``
        and verify each there as strictly as a whole-chunk read (header, file length,
        the header's block checksums equal to the index's, every payload block).

        Each chunk is read and then verified by one task; the tasks run on the I/O
        pool (reads fill fresh output memory on several threads; the checksums of one
        chunk run while another is read)."""
        jobs = list(zip(rows.tolist(), dst.tolist(), lens.tolist(), strict=True))

        def job(row: int, d: int, ln: int) -> int:
            view, key, sums, nread = self._fill_direct(out, row, d, ln)
            chunkfmt.verify_blocks(view, key, sums)
            return nread

        for nread in run_parallel(lambda a: job(*a), jobs):
            self._count_chunk_read(nread)

    def _fill_direct(
        self, out: memoryview, row: int, d: int, ln: int
    ) -> tuple[memoryview, str, np.ndarray, int]:
        """Read chunk ``row``'s payload into ``out[d : d + ln]`` and check its header
        against the index; returns (the filled view, key, block sums, bytes read).
        Thread-safe: touches no mutable engine state."""
        key = self._row_key(row)
        view = out[d : d + ln]
        hlen = chunkfmt.header_length(self._codec_name, ln)
        head = bytearray(hlen)
        # one scatter read: header, payload, and one more byte to notice a longer file
        try:
            n = self.storage.read_into(key, [head, view, bytearray(1)])
        except KeyError as exc:
            raise missing_chunk(key) from exc
        _, sums = chunkfmt.parse_header(
            memoryview(head)[: min(n, hlen)],
            key,
            n,
            nsamples=self._chunk_end(row) - int(self._c_start.view[row]),
            payload_len=ln,
            flags=self._data_flags,
            codec=self._codec_name,
        )
        k = int(self._c_sum0.view[row])
        if not np.array_equal(sums, self._sums.view[k : k + len(sums)]):
            raise chunkfmt.corrupt(key, "its block checksums differ from the index's")
        return view, key, sums, n

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

            rows = self._chunk_rows(p)
            if self.meta.sample_compression and len(plain) > 1:
                # fetch every chunk once, then decode the samples on the I/O pool
                # (codecs release the GIL while decoding)
                segs: list[Any] = [None] * len(plain)

                def keep(j: int, seg: bytes | memoryview) -> None:
                    segs[j] = seg

                self._visit_segments(rows, offs, sizes, keep, threaded=True)

                slots = self._decode_slots(shapes[plain], dtype)

                def decode(span: tuple[int, int]) -> None:
                    for j in range(*span):
                        i = int(plain[j])
                        shape = tuple(int(d) for d in shapes[i])
                        out = slots[j] if slots is not None else None
                        if out is not None:
                            items[i] = self._decode_into(segs[j], out, shape, dtype)
                        else:
                            items[i] = self._decode_stored(segs[j], shape, dtype)
                        segs[j] = None

                m = len(plain)
                run_parallel(
                    decode, [(a, min(a + _DECODE_TASK, m)) for a in range(0, m, _DECODE_TASK)]
                )
            else:

                def sink(j: int, seg: bytes | memoryview) -> None:
                    i = int(plain[j])
                    items[i] = self._decode_stored(seg, tuple(int(d) for d in shapes[i]), dtype)

                self._visit_segments(rows, offs, sizes, sink)
        for i in np.flatnonzero(trows >= 0).tolist():
            shape = tuple(int(d) for d in shapes[i])
            items[i] = self._read_tiled(int(trows[i]), shape, None)
        return items  # type: ignore[return-value]

    def _decode_slots(self, shapes: np.ndarray, dtype: np.dtype) -> list[Any] | None:
        """Output arrays for a batch of sample-compressed samples, carved from slabs of
        about :data:`_SLAB_BYTES` when the codec can decode into a given buffer (``None``
        otherwise). One allocation per slab instead of per sample: the decoders then
        page-fault far less, and malloc keeps freed slabs for the next batch instead of
        returning every image's pages to the OS."""
        if dtype != np.uint8 or self.meta.sample_compression != self._codec_name:
            return None
        if getattr(self.codec, "decode_into", None) is None:
            return None
        sizes = np.prod(shapes, axis=1) if shapes.ndim == 2 and shapes.shape[1] else None
        if sizes is None or len(sizes) < 2:
            return None
        sizes = sizes.astype(I64)
        slots: list[Any] = [None] * len(sizes)
        j, n = 0, len(sizes)
        while j < n:
            k, total = j, 0
            while k < n and (total < _SLAB_BYTES or k == j):
                total += int(sizes[k])
                k += 1
            slab = np.empty(total, np.uint8)
            off = 0
            for m in range(j, k):
                size = int(sizes[m])
                if size:
                    slots[m] = slab[off : off + size].reshape(tuple(int(d) for d in shapes[m]))
                off += size
            j = k
        return slots

    def _decode_into(
        self, data: memoryview, out: np.ndarray, shape: tuple[int, ...], dtype: np.dtype
    ) -> np.ndarray:
        """Decode a sample of this tensor's codec into ``out`` (see :meth:`_decode_slots`)."""
        arr = self.codec.decode_into(data, out)
        if arr is out:
            return out
        if tuple(arr.shape) != shape and arr.size == math.prod(shape):
            arr = arr.reshape(shape)
        if tuple(arr.shape) != shape:
            raise CorruptChunkError(
                f"a {self._codec_name} sample decoded to shape {arr.shape}, the index records "
                f"{shape}; the sample or the index is corrupted"
            )
        return arr.astype(dtype, copy=False)

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
                if tuple(arr.shape) != tuple(shape) and arr.size == math.prod(shape):
                    arr = arr.reshape(shape)  # unit axes the format does not keep
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
        kept = self._cache  # read once: other threads may replace it meanwhile
        kept_row = kept[0] if kept is not None else None
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
                buf = self._obuf
                if buf is None or max(s + ln for _j, s, ln in segs) > self._olen:
                    raise CorruptIndexError(
                        f"tensor {self.tensor_id!r}: a sample lies past the end of the open "
                        "chunk; the index is corrupted"
                    )
                for j, s, ln in segs:
                    sink(j, buf[s : s + ln].tobytes())
            elif int(self._c_ids.view[row]) == NO_CHUNK:
                raise CorruptIndexError(
                    f"tensor {self.tensor_id!r}: the index points into an empty chunk; "
                    "the index is corrupted"
                )
            elif (
                row == kept_row
                or self.meta.chunk_compression
                or 2 * (need + len(segs) * chunkfmt.SUM_BLOCK) >= int(self._c_raw.view[row])
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

        for row, segs in full:
            if kept is not None and row == kept_row:
                deliver(row, kept[1], segs)
        rest = [(r, g) for r, g in full if r != kept_row]
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

        ex = pool()
        pending: deque = deque()
        todo = iter(rest)
        try:
            for row, segs in itertools.islice(todo, 2 * FETCH_THREADS):
                pending.append((row, segs, ex.submit(job, row, segs)))
            while pending:
                row, segs, fut = pending.popleft()
                nread, payload = fut.result()
                self._count_chunk_read(nread)
                if payload is not None:
                    self._keep(row, payload)
                    deliver(row, payload, segs)
                nxt = next(todo, None)
                if nxt is not None:
                    pending.append((*nxt, ex.submit(job, *nxt)))
        finally:
            for *_, fut in pending:
                fut.cancel()
            for *_, fut in pending:
                with contextlib.suppress(Exception):
                    if not fut.cancelled():
                        fut.result()

    def _payload(self, row: int) -> memoryview:
        """Whole raw (decompressed) payload of a sealed chunk, verified."""
        if self._inflight:
            self._drain()
        kept = self._cache  # read once: other threads may replace it meanwhile
        if kept is not None and kept[0] == row:
            return kept[1]
        payload, nread = self._load_payload(row)
        self._count_chunk_read(nread)
        self._keep(row, payload)
        return payload

    def _keep(self, row: int, payload: memoryview) -> None:
        """Remember the last decompressed payload (chunk-compressed tensors only: raw
        chunk bytes are the storage cache's to keep, never held twice)."""
        if self.meta.chunk_compression:
            self._cache = (row, payload)

    def _count_chunk_read(self, nbytes: int) -> None:
        self.stats.bytes_read += nbytes
        self.stats.chunks_read += 1

    def _load_payload(self, row: int) -> tuple[memoryview, int]:
        """Fetch and verify a sealed chunk; (raw payload, bytes read). Thread-safe:
        touches no mutable engine state."""
        key = self._row_key(row)
        try:
            data = self.storage.get(key)
        except KeyError as exc:
            raise missing_chunk(key) from exc
        nsamples = self._chunk_end(row) - int(self._c_start.view[row])
        payload, sums = chunkfmt.parse_chunk(
            data,
            key,
            nsamples=nsamples,
            payload_len=int(self._c_stored.view[row]),
            flags=self._data_flags,
            codec=self._codec_name,
        )
        if not self.meta.chunk_compression:
            k = int(self._c_sum0.view[row])
            if not np.array_equal(sums, self._sums.view[k : k + len(sums)]):
                raise chunkfmt.corrupt(key, "its block checksums differ from the index's")
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
        B = chunkfmt.SUM_BLOCK
        stored = int(self._c_stored.view[row])
        if start + length > stored:
            raise CorruptIndexError(
                f"tensor {self.tensor_id!r}: a sample lies past the end of its chunk; the "
                "index is corrupted"
            )
        b0 = start // B
        end = min(-(-(start + length) // B) * B, stored)
        key = self._row_key(row)
        try:
            hlen = chunkfmt.header_length(self._codec_name, stored)
            data = self.storage.get_range(key, hlen + b0 * B, hlen + end)
        except KeyError as exc:
            raise missing_chunk(key) from exc
        self.stats.bytes_read += len(data)
        self.stats.range_reads += 1
        c0 = int(self._c_sum0.view[row])
        chunkfmt.verify_range(data, key, b0, self._sums.view[c0:], end - b0 * B)
        lo = start - b0 * B
        return memoryview(data)[lo : lo + length]

    def _get(self, key: str) -> bytes:
        try:
            data = self.storage.get(key)
        except KeyError as exc:
            raise missing_chunk(key) from exc
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
            payload, _ = chunkfmt.parse_chunk(
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


#: Chunks with at most this many payload bytes are read whole by single-sample reads.
_SMALL_PAYLOAD = 4 * chunkfmt.SUM_BLOCK
#: Range reads of one chunk by single-sample reads before it is fetched whole.
_PROMOTE_AFTER = 2
#: Samples per task when decoding many sample-compressed samples in parallel.
_DECODE_TASK = 4
#: Bytes of one buffer that batched decodes of small samples share (see _decode_slots):
#: far below malloc's largest dynamic mmap threshold (32 MiB), so freed slabs are reused,
#: and below numpy's huge-page size (4 MiB; compaction stalls measured slower here).
_SLAB_BYTES = 2 << 20
