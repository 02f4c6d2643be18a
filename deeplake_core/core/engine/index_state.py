"""The engine's in-memory index: chunk table, tile table, shape/position encoders and
the sample map, and their round trip through an index file (see docs/format.md)."""

from __future__ import annotations

import numpy as np

from deeplake_core.core.engine import chunk as chunkfmt
from deeplake_core.core.engine.encoders import I64, BytePositions, Growable, RunEncoder, SampleMap
from deeplake_core.core.engine.index_file import dump_index, load_index
from deeplake_core.core.engine.io import NO_CHUNK
from deeplake_core.core.engine.meta import TensorMeta
from deeplake_core.core.engine.types import EngineStats
from deeplake_core.exceptions import CorruptIndexError, IndexFormatVersionError
from deeplake_core.storage.base import StorageProvider

ENGINE_INDEX_VERSION = 3
#: Bound on physical and logical sample counts read from an index file (far beyond any
#: real tensor; keeps index arithmetic inside int64).
MAX_SAMPLES = 1 << 48


class IndexState:
    """Index tables of one tensor (mixin of :class:`TensorEngine`)."""

    storage: StorageProvider
    tensor_id: str
    meta: TensorMeta
    stats: EngineStats
    _chunk_prefix: str

    def _reset_tables(self) -> None:
        ndim = self.meta.ndim or 0
        self._nphys = 0
        # chunk table (sealed chunks, in physical order)
        self._c_ids = Growable(np.uint64)
        self._c_start = Growable(I64)
        self._c_stored = Growable(I64)
        self._c_raw = Growable(I64)
        self._c_sum0 = Growable(I64)
        self._sums = Growable(np.uint64)
        # tiled samples
        self._t_phys = Growable(I64)
        self._t_shape = Growable(I64, ndim)
        self._t_first = Growable(I64)
        self._tile_ids = Growable(np.uint64)
        # per physical sample
        self._shapes = RunEncoder(ndim)
        self._pos = BytePositions()
        self._map = SampleMap()
        self._open_first = 0  # first physical sample of the open chunk

    def _chunk_key(self, cid: int) -> str:
        return f"{self._chunk_prefix}{cid:016x}"

    def _row_key(self, row: int) -> str:
        return self._chunk_key(int(self._c_ids.view[row]))

    def chunk_keys(self) -> set[str]:
        """Keys of every chunk the current state references (data and tile chunks)."""
        ids = np.concatenate([self._c_ids.view, self._tile_ids.view])
        return {self._chunk_key(int(c)) for c in ids if int(c) != NO_CHUNK}

    # ------------------------------------------------------------------ index file
    def _index_bytes(self) -> bytes:
        ndim = self.meta.ndim if self.meta.ndim is not None else -1
        return dump_index(
            {
                "scalars": np.array(
                    [ENGINE_INDEX_VERSION, self._nphys, ndim, chunkfmt.SUM_BLOCK, self._shapes.n],
                    I64,
                ),
                "c_ids": self._c_ids.view,
                "c_start": self._c_start.view,
                "c_stored": self._c_stored.view,
                "c_raw": self._c_raw.view,
                "c_sum0": self._c_sum0.view,
                "sums": self._sums.view,
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
        )

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
            if version != ENGINE_INDEX_VERSION:
                raise IndexFormatVersionError(
                    f"Tensor index file {key!r} has engine index version {version}, which "
                    f"this release does not read (it reads version {ENGINE_INDEX_VERSION}); "
                    + chunkfmt.version_hint(version < ENGINE_INDEX_VERSION)
                )
            if block != chunkfmt.SUM_BLOCK:
                raise ValueError(f"checksum block size {block} (expected {chunkfmt.SUM_BLOCK})")
            if not 0 <= nphys < MAX_SAMPLES:
                raise ValueError(f"sample count {nphys} is out of range")
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
            self._c_sum0 = Growable(I64, None, a["c_sum0"])
            self._sums = Growable(np.uint64, None, a["sums"])
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
        except (KeyError, ValueError, IndexError, TypeError) as exc:
            raise CorruptIndexError(
                f"Tensor index file {key!r} is inconsistent ({exc}); load an earlier version "
                "of the dataset or restore the file from a copy."
            ) from exc
        self.meta.length = self._map.length

    def _validate_index(self) -> None:
        nc = len(self._c_ids)
        if not (
            len(self._c_start) == len(self._c_stored) == len(self._c_raw) == len(self._c_sum0) == nc
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
        c0 = self._c_sum0.view
        if nc and ((c0 < 0).any() or (c0 > len(self._sums)).any()):
            raise ValueError("checksum offsets out of range")
        raw, stored = self._c_raw.view, self._c_stored.view
        if nc and ((raw < 0).any() or (stored < 0).any()):
            raise ValueError("chunk sizes are negative")
        if not self.meta.chunk_compression and nc:
            nblocks = -(-raw // chunkfmt.SUM_BLOCK)  # chunkfmt.n_blocks, vectorised
            if ((c0 + nblocks) > len(self._sums)).any():
                raise ValueError("checksum table is shorter than the chunks need")
        if len(self._t_first) != len(self._t_phys) or len(self._t_shape) != len(self._t_phys):
            raise ValueError("tile table columns differ in length")
        tf = self._t_first.view
        if len(tf) and ((tf < 0).any() or (tf > len(self._tile_ids)).any()):
            raise ValueError("tile offsets out of range")
        m = self._map
        if len(m.phys) != len(m.lens) or (m.lens <= 0).any():
            raise ValueError("sample map is malformed")
        if len(m.phys) and (m.phys.min() < 0 or (m.phys > self._nphys - m.lens).any()):
            raise ValueError("sample map points past the physical samples")
        if m.lens.astype(np.float64).sum() >= MAX_SAMPLES:
            raise ValueError("the sample map is longer than any tensor can be")
        self._validate_runs()

    def _validate_runs(self) -> None:
        """Shape runs, byte-position runs and tiles agree and stay in bounds (a file
        with a valid checksum may still come from a buggy or hostile writer)."""
        n = self._nphys
        sh_starts, sh_vals = self._shapes.starts.view, self._shapes.values.view
        pos = self._pos.runs.view
        for what, st in (("shape", sh_starts), ("byte-position", pos[:, 0])):
            if len(st) and (st[0] != 0 or (np.diff(st) <= 0).any() or st[-1] >= n):
                raise ValueError(f"{what} runs are not increasing")
        if len(sh_starts) != len(sh_vals) or (sh_vals < 0).any():
            raise ValueError("shape runs are malformed")
        if len(sh_vals) and (np.prod(sh_vals.astype(np.float64), axis=1) >= 2.0**56).any():
            raise ValueError("a sample shape is absurdly large")
        tp = self._t_phys.view
        if len(tp):
            if tp[0] < 0 or tp[-1] >= n or (np.diff(tp) <= 0).any():
                raise ValueError("tiled sample positions are malformed")
            tile = self._t_shape.view
            if (tile <= 0).any():
                raise ValueError("tile shapes are not positive")
            grid = -(-self._shapes.lookup(tp) // tile)
            need = self._t_first.view + np.prod(grid.astype(np.float64), axis=1)
            if (need > len(self._tile_ids)).any():
                raise ValueError("the tile table is shorter than the tiled samples need")
        if not n:
            return
        # Cut the samples into segments inside one shape run, one position run and one
        # chunk, tiled samples alone: checking each segment's ends checks every sample.
        cuts = np.unique(np.concatenate([sh_starts, pos[:, 0], self._c_start.view, tp, tp + 1]))
        cuts = cuts[cuts < n]
        last = np.append(cuts[1:], n) - 1
        offs, sizes = self._pos.lookup(cuts)
        rows = np.searchsorted(self._c_start.view, cuts, side="right") - 1
        end = offs + (last - cuts + 1) * sizes
        if (sizes < 0).any() or (offs < 0).any() or (end > self._c_raw.view[rows]).any():
            raise ValueError("sample bytes lie outside their chunk")
        dtype = np.dtype(self.meta.dtype) if self.meta.dtype is not None else None
        if dtype is not None and not self.meta.sample_compression:
            need = np.prod(self._shapes.lookup(cuts), axis=1) * dtype.itemsize
            if ((sizes != need) & ~np.isin(cuts, tp)).any():
                raise ValueError("a sample's byte length disagrees with its shape")
