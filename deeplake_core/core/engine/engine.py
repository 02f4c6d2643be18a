"""``TensorEngine``: one tensor's samples as immutable chunks on a StorageProvider.

Physical samples are numbered in the order they were written (appends and update
patches alike) and packed into chunks in that order. A :class:`SampleMap` maps the
tensor's logical indices onto physical samples, so ``update`` writes only the new
samples and re-points their indices, and ``pop`` only edits the map. Which physical
samples live in which chunk, where their bytes are and what shape they have is kept
by the encoders in :mod:`.encoders` and saved, per flush, in one index file.

The class is assembled from three parts: :mod:`.index_state` (the index tables and
their file), :mod:`.write_path` (appending, sealing and writing chunks) and
:mod:`.read_path` (lookups, verified reads, decoding). See docs/format.md for the
byte layouts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from deeplake_core.codecs.base import ArrayCodec, ByteCodec
from deeplake_core.core.engine import chunk as chunkfmt
from deeplake_core.core.engine.codecs import get_codec
from deeplake_core.core.engine.index_state import ENGINE_INDEX_VERSION, IndexState
from deeplake_core.core.engine.io import FETCH_THREADS, NO_CHUNK, WRITE_BEHIND
from deeplake_core.core.engine.meta import TensorMeta
from deeplake_core.core.engine.read_path import ReadPath
from deeplake_core.core.engine.segments import SegmentOps
from deeplake_core.core.engine.types import EncodedSample, EngineStats
from deeplake_core.core.engine.write_path import WritePath
from deeplake_core.exceptions import ChunkEngineError, CorruptChunkError
from deeplake_core.storage.base import StorageProvider

__all__ = [
    "ENGINE_INDEX_VERSION",
    "FETCH_THREADS",
    "WRITE_BEHIND",
    "EncodedSample",
    "EngineStats",
    "TensorEngine",
]


class TensorEngine(IndexState, WritePath, ReadPath, SegmentOps):
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
        self._data_flags = (
            chunkfmt.FLAG_CHUNK_COMPRESSED
            if meta.chunk_compression
            else chunkfmt.FLAG_SAMPLE_COMPRESSED
            if meta.sample_compression
            else 0
        )
        self._codec_name = codec_name
        self._codec: ByteCodec | ArrayCodec | None = None
        #: the last extend(wait=False) until settle()/abandon(): (snapshot, first, count)
        self._unsettled: tuple[tuple, int, int] | None = None
        if meta.chunk_compression and not isinstance(self.codec, ByteCodec):
            raise ChunkEngineError(
                f"chunk_compression={meta.chunk_compression!r} is a media format; chunk "
                "compression needs a byte codec such as 'lz4' (use sample_compression for "
                "media formats)"
            )
        self._reset()
        if index_key is not None:
            self._load(index_key)

    def _reset(self) -> None:
        if getattr(self, "_inflight", None):
            self._abandon_inflight(0)
        self._reset_tables()
        self._reset_open()
        self._cache: tuple[int, memoryview] | None = None

    @property
    def codec(self) -> ByteCodec | ArrayCodec | None:
        if self._codec is None and self._codec_name:
            codec = get_codec(self._codec_name)
            chunk_form = getattr(codec, "chunk_codec", None)
            if self.meta.chunk_compression and isinstance(codec, ArrayCodec) and chunk_form:
                codec = chunk_form() or codec  # e.g. png: a chunk's bytes as one image
            self._codec = codec
        return self._codec

    @property
    def num_samples(self) -> int:
        return self._map.length

    def __len__(self) -> int:
        return self.num_samples

    @property
    def dtype(self) -> np.dtype | None:
        return np.dtype(self.meta.dtype) if self.meta.dtype is not None else None

    # ------------------------------------------------------------------ writing
    def extend(self, samples: Any, *, wait: bool = True) -> None:
        """Append samples: an ``(N, *shape)`` array, or an iterable of arrays,
        :class:`EncodedSample` and ``None`` (empty sample). All or nothing. The
        caller's array is not referenced after the call returns.

        ``wait=False`` returns while chunks written straight from the caller's array
        may still be in flight, so the caller can do other work meanwhile; it must
        then call :meth:`settle` (the samples count from then on) or
        :meth:`abandon` before using this engine or its array again."""
        self._append(lambda: self._write(samples, wait=wait), wait)

    def extend_encoded(self, payload: bytes, n: int, shape: tuple[int, ...], dtype: Any) -> None:
        """Append ``n`` samples of ``shape`` and ``dtype`` given as one chunk payload
        already compressed with this tensor's chunk codec (e.g. sample-id runs that
        ``runs64`` frames directly). All or nothing; the chunk is written in the
        background like a sealed open chunk."""
        if not self.meta.chunk_compression or self.meta.sample_compression:
            raise ChunkEngineError("extend_encoded needs a chunk-compressed tensor")
        self._append(lambda: self._write_encoded(payload, n, shape, dtype), True)

    def _append(self, write: Callable[[], None], wait: bool) -> None:
        """Run ``write`` (which appends to the physical stream) all or nothing; with
        ``wait=False`` it stays unsettled (see :meth:`extend`)."""
        if self._unsettled is not None:
            raise RuntimeError("settle() or abandon() the previous extend(wait=False) first")
        snap = self._snapshot()
        try:
            first = self._nphys
            write()
            count = self._nphys - first
            if wait:
                self._map.append(first, count)
        except BaseException:
            self._rollback(snap)
            raise
        if wait:
            self.meta.length = self.num_samples
        else:
            self._unsettled = (snap, first, count)

    def settle(self) -> None:
        """Finish the last ``extend(wait=False)``: wait for its chunks that read the
        caller's array; if one cannot be written the extend is rolled back and the
        error raised (all or nothing, as with ``wait=True``)."""
        pending, self._unsettled = self._unsettled, None
        if pending is None:
            return
        snap, first, count = pending
        try:
            self._finish_write()
            self._map.append(first, count)
        except BaseException:
            self._rollback(snap)
            raise
        self.meta.length = self.num_samples

    def abandon(self) -> None:
        """Roll back the last ``extend(wait=False)`` (after waiting for its writes that
        read the caller's array)."""
        pending, self._unsettled = self._unsettled, None
        if pending is not None:
            self._rollback(pending[0])

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

    def seal(self) -> None:
        """Start writing the open chunk, however small, in the background (a dataset
        flush seals every tensor first, so their last chunks are written together)."""
        self._seal()

    def flush(self, index_key: str) -> None:
        """Write the open chunk, then the index file at ``index_key`` (use a new key
        each time and switch the manifest to it afterwards)."""
        self._seal()
        self._drain()
        self._release_spares()
        data = self._index_bytes()
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

    # ------------------------------------------------------------------ maintenance
    def check_integrity(self) -> None:
        """Read and verify every referenced chunk; raise :class:`CorruptChunkError`
        naming all bad chunks (missing, truncated, checksum or header mismatch)."""
        self._drain()
        bad: list[str] = []
        saved = self._cache
        for row in range(len(self._c_ids)):
            if int(self._c_ids.view[row]) == NO_CHUNK:
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


def _as_items(samples: Any, n: int) -> Any:
    if isinstance(samples, np.ndarray) and samples.dtype != object and samples.ndim >= 1:
        items: Any = samples
    else:
        items = list(samples)
    if len(items) != n:
        raise ValueError(f"got {len(items)} samples for {n} indices; pass one sample per index")
    return items
