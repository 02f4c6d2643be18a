"""What a loader reads: the tensors of a dataset view, one fetch group at a time.

:class:`LoaderSource` turns view positions into dataset rows, picks the tensor whose
chunks decide the fetch groups (the one with the largest samples), and reads a group
of rows of every requested tensor with one engine call each.

Reads run on many threads at once. Each thread gets its own engine per tensor (opened
from the flushed index; engines keep a one-chunk cache that is not meant to be shared
between threads), so chunk fetch and decode proceed in parallel without locks. The
engines are keyed by process id as well: after ``fork`` a child opens fresh ones rather
than use objects whose locks another thread may have held at the fork.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from deeplake_core.exceptions import EmptyTensorError, TensorDoesNotExistError

DECODE_METHODS = ("numpy", "tobytes", "pil")
_PIL_COMPRESSIONS = ("jpeg", "jpg", "png")
_FORMS = {"text": "text", "json": "dict", "list": "list"}


class _EngineColumn:
    """The two attributes of a Column that ``columns.stored_values`` reads."""

    def __init__(self, engine: Any, cfg: Any):
        self.engine = engine
        self.cfg = cfg


def _dtype_bytes(meta: Any) -> int:
    shape = meta.max_shape or []
    dt = np.dtype(meta.dtype) if meta.dtype else np.dtype(np.uint8)
    return max(1, int(np.prod(shape, dtype=np.int64)) * dt.itemsize)


class TensorReader:
    """How to read one tensor: its column, decode method and engine clones."""

    def __init__(self, source: LoaderSource, name: str, key: str, decode: str):
        self.source = source
        self.name = name
        self.key = key
        self.decode = decode
        col = source.state.column(key)
        self.cfg = col.cfg
        self.entry = col.entry
        self.length = col.length()
        htype = str(self.cfg.htype)
        self.exotic = htype.startswith("link[")
        self.plain = not (self.cfg.byte_encoded or self.cfg.is_sequence)
        self.sample_compression = self.entry.config.get("sample_compression")
        if decode == "pil" and (self.sample_compression or "").lower() not in _PIL_COMPRESSIONS:
            raise ValueError(
                f"decode_method 'pil' needs a tensor with sample_compression 'jpeg' or "
                f"'png'; tensor {name!r} has sample_compression={self.sample_compression!r}. "
                "Use 'numpy' (arrays) or 'tobytes' instead."
            )
        meta = col.engine.meta
        self.dtype = np.dtype(meta.dtype) if meta.dtype else np.dtype(np.float64)
        self.sample_bytes = _dtype_bytes(meta) if not self.cfg.byte_encoded else 64

    # ------------------------------------------------------------------ engines
    def engine(self) -> Any:
        """This thread's engine for the tensor (opened on first use, per process)."""
        return self.source.engine_for(self)

    def chunk_keys(self, rows: np.ndarray) -> np.ndarray:
        """A chunk number for each row (rows past the tensor's end get -2)."""
        eng = self.source.state.column(self.key).engine
        keys = np.full(len(rows), -2, np.int64)
        have = rows < eng.num_samples
        if not have.any():
            return keys
        keys[have] = np.asarray(eng.chunk_ids(rows[have]), np.int64)
        return keys

    # ------------------------------------------------------------------ reading
    @property
    def deferred(self) -> bool:
        """Whether :meth:`fetch` returns compressed bytes that :meth:`finish` decodes
        (so decoding can be spread over threads in the order samples are needed)."""
        return (
            self.plain
            and not self.exotic
            and bool(self.sample_compression)
            and self.decode in ("numpy", "pil")
        )

    def fetch(self, rows: np.ndarray) -> list[Any]:
        """Samples at ``rows`` (ascending is fastest): final values, or
        :class:`Encoded` values when :attr:`deferred`. Rows past the end give None."""
        if len(rows) and int(rows.max()) >= self.length:
            out: list[Any] = [None] * len(rows)
            idx = np.flatnonzero(rows < self.length)
            if len(idx):
                for i, v in zip(idx.tolist(), self.fetch(rows[idx]), strict=True):
                    out[i] = v
            return out
        if self.exotic:
            return self._read_via_tensor(rows)
        eng = self.engine()
        if self.decode == "tobytes":
            if self.entry.config.get("chunk_compression"):
                return [a.tobytes() for a in eng.read(rows, aslist=True)]
            raw = stored_bytes(eng, rows)
            return raw if raw is not None else [eng.read_bytes(int(r)) for r in rows]
        if self.deferred:
            raw = stored_bytes(eng, rows)
            if raw is not None:
                shapes = eng.shapes(rows)
                return [
                    Encoded(b, tuple(int(d) for d in sh)) for b, sh in zip(raw, shapes, strict=True)
                ]
            if self.decode == "pil":
                return [Encoded(eng.read_bytes(int(r)), ()) for r in rows]
        if self.plain:
            return eng.read(rows, aslist=True)
        return self._present(eng, rows)

    def finish(self, value: Any) -> Any:
        """Decode a value :meth:`fetch` left encoded (others are returned as they are)."""
        if not isinstance(value, Encoded):
            return value
        if self.decode == "pil":
            from PIL import Image

            img = Image.open(io.BytesIO(value.data))
            img.load()
            return img
        return self._decode_array(value)

    def _decode_array(self, enc: Encoded) -> np.ndarray:
        from deeplake_core.codecs.base import ArrayCodec
        from deeplake_core.core.engine.codecs import get_codec
        from deeplake_core.exceptions import CorruptChunkError

        dtype = self.dtype
        if int(np.prod(enc.shape, dtype=np.int64)) == 0:
            return np.zeros(enc.shape, dtype)
        codec = get_codec(self.sample_compression)
        if isinstance(codec, ArrayCodec):
            arr = codec.decode(enc.data)
        else:
            arr = np.frombuffer(codec.decompress(enc.data), dtype).copy()
            if arr.size == int(np.prod(enc.shape)):
                arr = arr.reshape(enc.shape)
        if tuple(arr.shape) != enc.shape:
            raise CorruptChunkError(
                f"a sample of tensor {self.name!r} decoded to shape {arr.shape}, the index "
                f"records {enc.shape}; the sample or the index is corrupted"
            )
        return arr.astype(dtype, copy=False)

    def read(self, rows: np.ndarray) -> list[Any]:
        """Samples at ``rows``, fully decoded."""
        return [self.finish(v) for v in self.fetch(rows)]

    def _present(self, eng: Any, rows: np.ndarray) -> list[Any]:
        """Text, json, list, sequence ... samples as their htype presents them."""
        from deeplake_core.core import columns
        from deeplake_core.htype import present

        cfg = self.cfg
        stored = columns.stored_values(_EngineColumn(eng, cfg), rows)
        form = _FORMS.get(cfg.sample_form, "numpy")
        return list(present(cfg, stored, self.entry.info, form, aslist=True))

    def _read_via_tensor(self, rows: np.ndarray) -> list[Any]:
        from deeplake_core.core.tensor import Tensor
        from deeplake_core.core.views import RowIndex

        with self.source.lock():
            t = Tensor(self.source.state, self.key, RowIndex(np.asarray(rows, np.int64)))
            data = t.numpy(aslist=True)
        return list(data)


class Encoded:
    """A sample's stored (compressed) bytes and its decoded shape."""

    __slots__ = ("data", "shape")

    def __init__(self, data: bytes, shape: tuple[int, ...]):
        self.data = data
        self.shape = shape


def stored_bytes(eng: Any, rows: np.ndarray) -> list[bytes] | None:
    """Stored bytes of many samples (compressed files for sample-compressed tensors),
    fetching each chunk once (``TensorEngine.read_bytes_many``); None when they are not
    available as files (a tiled sample, a chunk-compressed tensor)."""
    from deeplake_core.exceptions import ChunkEngineError

    try:
        return eng.read_bytes_many(rows)
    except ChunkEngineError:
        return None


class LoaderSource:
    """The rows and tensors of a dataset view, readable from many threads."""

    def __init__(
        self,
        dataset: Any,
        tensors: Sequence[str] | None = None,
        decode_method: dict[str, str] | None = None,
        tobytes: bool | Sequence[str] = False,
        require_nonempty: bool = False,
        use_local_cache: bool = False,
        local_cache_bytes: int = 0,
        pad_tensors: bool = False,
    ):
        if pad_tensors:
            dataset = dataset.max_view
        self.pad = pad_tensors
        self.dataset = dataset
        self.state = dataset._state
        if not self.state.read_only and self.state.has_unflushed:
            dataset.flush()  # engine clones open the flushed index
        names = list(dataset.tensors) if tensors is None else list(tensors)
        if isinstance(tensors, str):
            names = [tensors]
        for n in names:
            if not isinstance(n, str) or n not in dataset.tensors:
                raise TensorDoesNotExistError(str(n))
        if tensors is not None and names:
            dataset = dataset[names]  # the view's length comes from these tensors only
        self.dataset = dataset
        decode = dict(decode_method or {})
        if tobytes is True:
            decode.update({n: "tobytes" for n in names})
        elif tobytes:
            decode.update({n: "tobytes" for n in tobytes})
        for n, m in decode.items():
            if m not in DECODE_METHODS:
                raise ValueError(
                    f"unknown decode method {m!r} for tensor {n!r}; use one of {DECODE_METHODS}"
                )
            if n not in names:
                raise ValueError(
                    f"decode_method names tensor {n!r}, which is not among the tensors "
                    f"loaded ({names})"
                )
        self.readers: list[TensorReader] = []
        for n in names:
            t = dataset.tensors[n]
            self.readers.append(TensorReader(self, n, t.key, decode.get(n, "numpy")))
        if require_nonempty:
            empty = [r.name for r in self.readers if r.length == 0]
            if empty:
                raise EmptyTensorError(
                    f"tensor(s) {empty} have no samples; fill them or leave them out with "
                    "tensors=[...]"
                )
        idx = dataset.index
        n = len(dataset)
        self.rows = np.asarray(idx.values(n), np.int64)
        self.sub = idx.sub
        self._local = threading.local()
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._engines: list[Any] = []
        self._pools: tuple | None = None
        self._storage = self._make_storage(use_local_cache, local_cache_bytes)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.readers]

    # ------------------------------------------------------------------ process safety
    def _check_pid(self) -> None:
        if self._pid != os.getpid():
            # a forked child: locks copied from the parent may be held by threads that
            # do not exist here, so build fresh ones (and fresh storage caches)
            self._pid = os.getpid()
            self._lock = threading.Lock()
            self._local = threading.local()
            self._engines = []
            self._pools = None
            self._storage = self._reopen_storage()

    def _reopen_storage(self) -> Any:
        st = self.state
        if str(st.path).startswith("mem://"):
            return self._storage
        from deeplake_core.storage import open_storage

        settings = st.settings
        return open_storage(
            st.path,
            creds=settings.get("creds"),
            read_only=True,
            memory_cache_size=settings.get("memory_cache_size", 2000),
        )

    def pools(self, threads: int) -> tuple[Any, Any]:
        """The (fetch, decode) thread pools, kept across epochs so that each thread's
        engines are opened once; new ones in a forked child."""
        from concurrent.futures import ThreadPoolExecutor

        self._check_pid()
        with self._lock:
            if self._pools is None or self._pools[0] != (os.getpid(), threads):
                self._pools = (
                    (os.getpid(), threads),
                    ThreadPoolExecutor(threads, thread_name_prefix="deeplake-fetch"),
                    ThreadPoolExecutor(threads, thread_name_prefix="deeplake-decode"),
                )
            return self._pools[1], self._pools[2]

    def close(self) -> None:
        """Stop the thread pools (idle threads exit; a later epoch starts new ones)."""
        pools, self._pools = self._pools, None
        if pools is not None and pools[0][0] == os.getpid():
            for pool in pools[1:]:
                pool.shutdown(wait=False, cancel_futures=True)

    def lock(self) -> threading.Lock:
        self._check_pid()
        return self._lock

    def engine_for(self, reader: TensorReader) -> Any:
        self._check_pid()
        engines = getattr(self._local, "engines", None)
        if engines is None:
            engines = self._local.engines = {}
        eng = engines.get(reader.key)
        if eng is None:
            from deeplake_core.core.columns import open_engine

            eng = engines[reader.key] = open_engine(self._storage, reader.entry, reader.cfg)
            with self._lock:
                self._engines.append(eng)
        return eng

    def chunk_reads(self) -> int:
        """Whole chunks fetched by this source's engines so far (for tests, stats)."""
        with self.lock():
            return sum(e.stats.chunks_read for e in self._engines)

    def _make_storage(self, use_local_cache: bool, nbytes: int) -> Any:
        storage = self.state.storage
        path = str(self.state.path)
        if not use_local_cache or path.startswith("mem://"):
            return storage
        from deeplake_core.storage.cache import LRUCache
        from deeplake_core.storage.local import LocalProvider

        prefix = os.environ.get("LOCAL_CACHE_PREFIX") or os.path.join("~", "activeloop", "cache")
        digest = hashlib.sha256(path.encode()).hexdigest()[:16]
        root = os.path.join(os.path.expanduser(prefix), digest)
        os.makedirs(root, exist_ok=True)
        # chunks are immutable with unique keys, so a cached chunk never goes stale
        return LRUCache(LocalProvider(root, durable=False), storage, cache_size_bytes=nbytes)

    # ------------------------------------------------------------------ planning help
    def primary(self) -> TensorReader | None:
        """The reader whose chunks define the fetch groups (largest samples)."""
        cands = [r for r in self.readers if r.length > 0]
        return max(cands, key=lambda r: r.sample_bytes) if cands else None

    def sample_nbytes(self) -> int:
        """Estimated decoded bytes of one sample (all tensors)."""
        return max(1, sum(r.sample_bytes for r in self.readers))

    def chunk_keys(self) -> np.ndarray:
        """Chunk key per view position (for grouping fetches)."""
        p = self.primary()
        if p is None:
            return np.zeros(len(self.rows), np.int64)
        return p.chunk_keys(self.rows)

    # ------------------------------------------------------------------ reading
    def fetch_group(self, positions: np.ndarray) -> list[dict[str, Any]]:
        """Raw samples at view ``positions``, in order: compressed values of deferred
        tensors are left for :meth:`finish_sample`."""
        rows = self.rows[positions]
        order = np.argsort(rows, kind="stable")
        srows = rows[order]
        cols: dict[str, list[Any]] = {}
        for r in self.readers:
            vals = r.fetch(srows)
            back: list[Any] = [None] * len(rows)
            for j, v in zip(order.tolist(), vals, strict=True):
                back[j] = v
            cols[r.name] = back
        out = []
        for i, row in enumerate(rows.tolist()):
            s = {name: vals[i] for name, vals in cols.items()}
            s["index"] = row
            out.append(s)
        return out

    def finish_sample(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Decode a raw sample's deferred values; pad and apply in-sample indexing."""
        s = {}
        for r in self.readers:
            v = r.finish(raw[r.name])
            if v is None and self.pad:
                v = self._empty(r.name)
            if self.sub:
                v = _apply_sub(self.sub, v)
            s[r.name] = v
        s["index"] = raw["index"]
        return s

    def read_group(self, positions: np.ndarray) -> list[dict[str, Any]]:
        """Decoded samples (``{tensor: value, "index": row}``) at view ``positions``."""
        return [self.finish_sample(s) for s in self.fetch_group(positions)]

    def _empty(self, name: str) -> np.ndarray:
        r = next(r for r in self.readers if r.name == name)
        meta = self.state.column(r.key).engine.meta
        dt = np.dtype(meta.dtype) if meta.dtype else np.dtype(np.float64)
        return np.zeros((0,) * (meta.ndim or 1), dt)


def _apply_sub(sub: tuple, value: Any) -> Any:
    if value is None or not isinstance(value, np.ndarray):
        return value
    for s in sub:
        value = value[s if len(s) != 1 else s[0]]
    return value
