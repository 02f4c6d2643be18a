"""``link[...]`` tensors: what they store, how targets are fetched, and what is allowed.

**Stored form.** A link tensor keeps one JSON record per sample, as a 1-D ``uint8``
array in the engine (no compression; the tensor's ``sample_compression`` only
describes the linked files):
``{"path": ..., "creds_key": ...}`` for :func:`deeplake.link`, and
``{"tiles": [[...]], "creds_key": ..., "tile_shape": [...]}`` for
:func:`deeplake.link_tiled` (``tile_shape`` when the tiles were verified). Credentials
are never in a record: only the creds key's name (see :mod:`.link_creds`).

**At append** (``verify=True``, the default) every target is fetched and its header
read: unreachable or undecodable links are refused, a format the htype does not allow
is refused, and the shape and sample info go to the hidden ``_<name>_shape`` and
``_<name>_info`` companions. ``verify=False`` (which also turns both companions off)
fetches nothing. URLs other than local files, ``http(s)`` and ``mem://`` (``s3://``,
``gcs://``, ``az://`` ...) need a ``creds_key`` at append.

**On read** (``numpy()``, ``data()``, ``tobytes()``) targets are fetched (in threads
for batches) and decoded with the codec of the file's format, then passed through the
htype's ``prepare`` (``link[image.rgb]`` gives 3 channels). A tiled link assembles its
tiles; reading part of one (``t[i, :512, :512]``) fetches only the tiles it covers.

Fetching and the access policy for link targets: :mod:`.link_fetch`.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

import numpy as np

from deeplake_core.core.link_fetch import (
    FREE_SCHEMES,
    fetch,
    remember_local,
)
from deeplake_core.core.sample import LinkedSample, LinkedTiledSample, redact
from deeplake_core.exceptions import InvalidOperationError, LinkedSampleError

if TYPE_CHECKING:
    from deeplake_core.core.state import Column

_FETCH_THREADS = 16


# ------------------------------------------------------------------ records


def encode_record(link: Any, tile_shape: tuple[int, ...] | None = None) -> np.ndarray:
    """The stored form (1-D ``uint8`` JSON) of a normalised link."""
    if isinstance(link, LinkedTiledSample):
        doc: dict[str, Any] = {"tiles": link.path_array.tolist(), "creds_key": link.creds_key}
        if tile_shape is not None:
            doc["tile_shape"] = [int(d) for d in tile_shape]
    else:
        doc = {"path": link.path, "creds_key": link.creds_key}
    data = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    return np.frombuffer(data, dtype=np.uint8)


class Record:
    """A decoded record: the link and, for verified tiles, their shape."""

    __slots__ = ("link", "tile_shape")

    def __init__(self, link: Any, tile_shape: tuple[int, ...] | None = None):
        self.link = link
        self.tile_shape = tile_shape


def decode_record(stored: Any) -> Record | None:
    """Invert :func:`encode_record`; None for an empty sample."""
    if stored is None:
        return None
    raw = stored.tobytes() if isinstance(stored, np.ndarray) else bytes(stored)
    if not raw:
        return None
    try:
        doc = json.loads(raw.decode("utf-8"))
        key = doc.get("creds_key")
        if "tiles" in doc:
            arr = np.empty(np.shape(doc["tiles"]), dtype=object)
            arr[...] = _nested(doc["tiles"], arr.ndim)
            shape = doc.get("tile_shape")
            return Record(LinkedTiledSample(arr, key), tuple(shape) if shape else None)
        return Record(LinkedSample(doc["path"], key))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise LinkedSampleError(f"a stored link record is damaged ({exc})") from None


def _nested(values: Any, ndim: int) -> np.ndarray:
    out = np.empty(np.shape(values)[:ndim], dtype=object)
    for idx in np.ndindex(out.shape):
        v: Any = values
        for i in idx:
            v = v[i]
        out[idx] = v
    return out


def stored_records(col: Column, rows: Any) -> list[Any]:
    """Records of the samples at ``rows`` (nothing fetched); for ``sequence[link[...]]``
    one list of records per sample."""
    if isinstance(rows, np.ndarray) and len(rows) == 0:
        return []
    cfg = col.cfg
    return [_records_of(cfg, x) for x in col.engine.read(rows, aslist=True)]


def _parallel(fn: Any, items: list[Any]) -> list[Any]:
    if len(items) <= 1:
        return [fn(x) for x in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(min(_FETCH_THREADS, len(items))) as pool:
        return list(pool.map(fn, items))


# ------------------------------------------------------------------ decoding


def _compression(path: str, data: bytes) -> str:
    from deeplake_core.core.sample import compression_from_bytes, compression_from_path

    comp = compression_from_bytes(data) or compression_from_path(path)  # content first
    if comp is None:
        raise LinkedSampleError(
            f"cannot tell the format of the linked file {redact(path)!r} from its name or "
            "first bytes"
        )
    return comp


def _check_format(cfg: Any, comp: str, path: str) -> None:
    allowed = cfg.spec().allowed_compressions
    if allowed is not None and comp not in allowed:
        raise LinkedSampleError(
            f"the linked file {redact(path)!r} is {comp!r}, which htype {cfg.base_htype!r} "
            "does not read"
        )


def _codec(comp: str) -> Any:
    from deeplake_core.codecs.base import ArrayCodec
    from deeplake_core.core.engine.codecs import get_codec

    codec = get_codec(comp)
    if not isinstance(codec, ArrayCodec):
        raise LinkedSampleError(f"linked files must be media files; {comp!r} is not a format")
    return codec


def _decode(cfg: Any, path: str, data: bytes) -> np.ndarray:
    comp = _compression(path, data)
    _check_format(cfg, comp, path)
    arr = _codec(comp).decode(data)
    out, _ = cfg.behavior().prepare(cfg, [arr], {})
    return np.asarray(out[0])


class Inspected:
    """What verification learnt about one link: shape, dtype and sample info."""

    __slots__ = ("dtype", "info", "shape", "tile_shape")

    def __init__(self, shape: tuple[int, ...], dtype: Any, info: dict[str, Any]):
        self.shape = shape
        self.dtype = dtype
        self.info = info
        self.tile_shape: tuple[int, ...] | None = None


def _inspect_file(state: Any, cfg: Any, path: str, creds_key: str | None, info: bool) -> Any:
    from deeplake_core.core.sample import Sample
    from deeplake_core.htype.samples import known_shape

    try:
        data = fetch(state, path, creds_key)
        comp = _compression(path, data)
        _check_format(cfg, comp, path)
        codec = _codec(comp)
        shape, dtype = codec.read_shape_dtype(data)
        sample = Sample(buffer=data, compression=comp)
        sample._shape, sample._dtype, sample._header_read = tuple(shape), np.dtype(dtype), True
        out, _ = cfg.behavior().prepare(cfg, [sample], {})
        got = out[0]
        shape = known_shape(got) if got is sample else np.shape(got)
        dtype = np.dtype(dtype) if got is sample else np.asarray(got).dtype
        details: dict[str, Any] = {}
        if info:
            try:
                details = dict(codec.sample_info(data))
            except Exception:  # info is best effort; the header was read
                details = {}
            details["filename"] = redact(path)
    except LinkedSampleError:
        raise
    except Exception as exc:
        raise LinkedSampleError(
            f"verifying the link {redact(path)!r} failed: {type(exc).__name__}: "
            f"{str(exc).rstrip('.')}. "
            "Fix the link, or create the tensor with verify=False to skip verification"
        ) from None
    return Inspected(tuple(int(d) for d in shape), dtype, details)


def _inspect(state: Any, cfg: Any, link: Any, info: bool, all_tiles: bool = True) -> Inspected:
    """Fetch and check a link's target(s). For a tiled link, ``all_tiles=False`` reads
    only the first tile and takes the others to have its shape."""
    if not isinstance(link, LinkedTiledSample):
        return _inspect_file(state, cfg, link.path, link.creds_key, info)
    paths = [str(p) for p in link.path_array.flat]
    if not all_tiles:
        paths = paths[:1]
    found = _parallel(
        lambda k: _inspect_file(state, cfg, paths[k], link.creds_key, info and k == 0),
        list(range(len(paths))),
    )
    first = found[0]
    for p, f in zip(paths, found, strict=True):
        if f.shape != first.shape:
            raise LinkedSampleError(
                f"tiles of a link_tiled sample must all have one shape: {redact(paths[0])!r} "
                f"is {first.shape}, {redact(p)!r} is {f.shape}"
            )
    grid = link.path_array.shape
    if len(grid) > len(first.shape):
        raise LinkedSampleError(
            f"a {len(grid)}-D grid of tiles needs tiles of at least {len(grid)} dimensions"
        )
    full = _full_shape(Record(link, first.shape))
    details: dict[str, Any] = {}
    if info:
        details = {**first.info, "shape": list(full), "tiles": list(grid)}
    out = Inspected(full, first.dtype, details)
    out.tile_shape = first.shape
    return out


# ------------------------------------------------------------------ writing


def normalize(state: Any, sample: Any) -> Any:
    """The link to store for ``sample``: local paths made absolute, creds key checked,
    URLs that need a creds key refused without one."""
    from deeplake_core.core.fetch import local_path, scheme_of
    from deeplake_core.core.link_creds import creds_keys

    key = sample.creds_key
    if key is not None and key not in creds_keys(state):
        raise LinkedSampleError(
            f"creds key {key!r} is not in this dataset; add it with ds.add_creds_key({key!r}) "
            "and populate it with ds.populate_creds before linking"
        )

    def one(path: str) -> str:
        scheme = scheme_of(path)
        if scheme in ("", "file"):
            return os.path.abspath(local_path(path))
        if key is None and scheme not in FREE_SCHEMES:
            raise LinkedSampleError(
                f"links to {scheme}:// always need a creds key: use "
                f"deeplake.link({redact(path)!r}, creds_key=...) with a key added by "
                "ds.add_creds_key and filled by ds.populate_creds"
            )
        return path

    if isinstance(sample, LinkedTiledSample):
        arr = np.empty(sample.path_array.shape, dtype=object)
        for idx in np.ndindex(arr.shape):
            arr[idx] = one(str(sample.path_array[idx]))
        return LinkedTiledSample(arr, key)
    return LinkedSample(one(sample.path), key)


def _local_paths(link: Any) -> list[str]:
    from deeplake_core.core.fetch import scheme_of

    paths = (
        [str(p) for p in link.path_array.flat]
        if isinstance(link, LinkedTiledSample)
        else [link.path]
    )
    return [p for p in paths if scheme_of(p) == ""]


def _flat(items: list[Any], is_sequence: bool) -> list[Any]:
    """Every link of a batch (sequence samples contribute their items)."""
    if not is_sequence:
        return list(items)
    return [x for sample in items for x in (sample or [])]


def _regroup(flat: list[Any], items: list[Any], is_sequence: bool) -> list[Any]:
    """Invert :func:`_flat`: one list per sequence sample (None kept)."""
    if not is_sequence:
        return flat
    out: list[Any] = []
    pos = 0
    for sample in items:
        if sample is None:
            out.append(None)
            continue
        out.append(flat[pos : pos + len(sample)])
        pos += len(sample)
    return out


def _shape_row(shapes: list[tuple[int, ...] | None], sequence: bool) -> np.ndarray:
    """``[lo..., hi...]`` of one sample (a sequence: item axis first)."""
    known = [s for s in shapes if s is not None and len(s)]
    if not sequence:
        shape = known[0] if known else ()
        return np.asarray([*shape, *shape] if known else [0, 0], dtype=np.int64)
    n = len(shapes)
    if not known or len({len(s) for s in known}) != 1:
        return np.asarray([n, n], dtype=np.int64)
    arr = np.asarray(known, dtype=np.int64)
    return np.asarray([n, *arr.min(axis=0), n, *arr.max(axis=0)], dtype=np.int64)


def prepare(col: Column, samples: Any) -> Any:
    """``columns.prepare`` for link tensors (``sequence[link[...]]`` too): records,
    plus shapes and infos when the tensor verifies links."""
    from deeplake_core.core import columns, sequences
    from deeplake_core.htype.coerce import coerce_samples

    cfg = col.cfg
    state = col.state
    seq = cfg.is_sequence
    items = coerce_samples(cfg, samples, {}, ndim=None)
    flat = [None if s is None else normalize(state, s) for s in _flat(items, seq)]
    for link in flat:  # the user linked these files: reading them is allowed
        if link is not None:
            for p in _local_paths(link):
                remember_local(p)
    verify = bool(col.entry.create_args.get("verify", False))
    want_shape = columns.companion(col, "shape") is not None and verify
    want_info = columns.companion(col, "sample_info") is not None and verify and not seq
    found: list[Inspected | None] = [None] * len(flat)
    if verify:
        todo = [i for i, link in enumerate(flat) if link is not None]
        got = _parallel(lambda i: _inspect(state, cfg, flat[i], want_info), todo)
        for i, g in zip(todo, got, strict=True):
            found[i] = g
    records = [
        None if link is None else encode_record(link, f.tile_shape if f is not None else None)
        for link, f in zip(flat, found, strict=True)
    ]
    grouped = _regroup(list(zip(records, found, strict=True)), items, seq)
    data: list[Any] = []
    shapes: list[np.ndarray] = []
    infos: list[dict[str, Any]] = []
    for sample in grouped:
        parts = [sample] if not seq else (sample if sample is not None else None)
        if parts is None:
            data.append(None)
            shapes.append(np.zeros(2, dtype=np.int64))
            infos.append({})
            continue
        item_shapes = [f.shape if f is not None else None for _r, f in parts]
        if seq:
            data.append(sequences.pack([r for r, _f in parts], None))
        else:
            data.append(parts[0][0])
        shapes.append(_shape_row(item_shapes, seq))
        first = parts[0][1] if parts else None
        infos.append(first.info if first is not None and not seq else {})
    return columns.Prepared(
        data,
        None,
        len(data),
        shapes if want_shape else None,
        infos if want_info and any(infos) else None,
    )


def _records_of(cfg: Any, stored: Any) -> Any:
    """Records of one stored sample: a Record (or None); a list of them for sequences."""
    if not cfg.is_sequence:
        return decode_record(stored)
    from deeplake_core.core import sequences

    items = sequences.unpack(stored)
    return None if items is None else [decode_record(x) for x in items]


def rename_creds_key(state: Any, old: str, new: str) -> None:
    """Point every link of the current version that uses ``old`` at ``new``."""
    from deeplake_core.core import sequences

    def moved(rec: Record | None) -> Any:
        if rec is None:
            return None
        link = rec.link
        if link.creds_key == old:
            if isinstance(link, LinkedTiledSample):
                link = LinkedTiledSample(link.path_array, new)
            else:
                link = LinkedSample(link.path, new)
        return encode_record(link, rec.tile_shape)

    for key, entry in list(state.manifest.tensors.items()):
        if not entry.config.get("is_link"):
            continue
        col = state.column(key)
        cfg = col.cfg
        n = col.length()
        rows, new_records = [], []
        for i, stored in enumerate(col.engine.read(slice(0, n), aslist=True) if n else []):
            recs = _records_of(cfg, stored)
            flat = recs if isinstance(recs, list) else [recs]
            if not any(r is not None and r.link.creds_key == old for r in flat):
                continue
            rows.append(i)
            if cfg.is_sequence:
                new_records.append(sequences.pack([moved(r) for r in flat], None))
            else:
                new_records.append(moved(recs))
        if rows:
            col.engine.update(np.asarray(rows, dtype=np.int64), new_records)
            state.mark_data(col.tensor_id)


# ------------------------------------------------------------------ reading


def _read_tiles(
    state: Any, cfg: Any, rec: Record, region: list[tuple[int, int]] | None = None
) -> tuple[np.ndarray, tuple[int, ...]]:
    """The tiled image, or the tile-aligned block covering ``region`` (per grid axis,
    first and last pixel wanted), with the block's origin in the full image."""
    link = rec.link
    grid = link.path_array.shape
    g = len(grid)
    tile_shape = rec.tile_shape
    first = None
    if tile_shape is None:
        first = _decode(cfg, str(link.path_array.flat[0]), fetch(state, link.path, link.creds_key))
        tile_shape = first.shape
    if region is None:
        region = [(0, grid[a] * tile_shape[a] - 1) for a in range(g)]
    lo = [region[a][0] // tile_shape[a] for a in range(g)]
    hi = [region[a][1] // tile_shape[a] for a in range(g)]
    cells = list(np.ndindex(*[h - lo_ + 1 for lo_, h in zip(lo, hi, strict=True)]))

    def load(cell: tuple[int, ...]) -> np.ndarray:
        idx = tuple(c + lo[a] for a, c in enumerate(cell))
        if first is not None and not any(idx):
            return first
        path = str(link.path_array[idx])
        return _decode(cfg, path, fetch(state, path, link.creds_key))

    tiles = _parallel(load, cells)
    block_shape = tuple(
        (h - lo_ + 1) * tile_shape[a] for a, (lo_, h) in enumerate(zip(lo, hi, strict=True))
    )
    out = np.empty(block_shape + tuple(tiles[0].shape[g:]), dtype=tiles[0].dtype)
    for cell, tile in zip(cells, tiles, strict=True):
        if tile.shape[:g] != tuple(tile_shape[:g]):
            raise LinkedSampleError(
                "a tile of a link_tiled sample changed shape since it was linked; re-link it"
            )
        where = tuple(slice(c * tile_shape[a], (c + 1) * tile_shape[a]) for a, c in enumerate(cell))
        out[where] = tile
    return out, tuple(lo[a] * tile_shape[a] for a in range(g))


def _read_record(state: Any, cfg: Any, rec: Record | None) -> np.ndarray | None:
    """Fetch and decode one link (None for an empty sample or item)."""
    if rec is None:
        return None
    if isinstance(rec.link, LinkedTiledSample):
        return _read_tiles(state, cfg, rec)[0]
    link = rec.link
    return _decode(cfg, link.path, fetch(state, link.path, link.creds_key))


def _check_shapes(col: Column, rows: Any, arrays: list[Any]) -> None:
    """Refuse targets whose shape differs from the one recorded when they were linked."""
    from deeplake_core.core import columns

    comp = columns.companion(col, "shape")
    if comp is None or comp.length() < col.length():
        return
    recorded = comp.engine.read(rows, aslist=True)
    for want, arr in zip(recorded, arrays, strict=True):
        if arr is None or len(want) < 2:
            continue
        shape = tuple(int(d) for d in want[: len(want) // 2])
        if shape and shape != tuple(arr.shape):
            raise LinkedSampleError(
                f"a linked file now decodes to shape {tuple(arr.shape)}, but it had shape "
                f"{shape} when linked; the file changed: link it again "
                "(ds.tensor[i] = deeplake.link(...))"
            )


def read_values(col: Column, rows: Any) -> list[Any]:
    """``columns.stored_values`` for link tensors: the decoded targets (None when empty;
    for sequences one list of decoded items per sample)."""
    state = col.state
    cfg = col.cfg
    records = stored_records(col, rows)
    flat = _flat(records, cfg.is_sequence)
    arrays = _parallel(lambda r: _read_record(state, cfg, r), flat)
    if cfg.is_sequence:
        return _regroup(arrays, records, True)
    _check_shapes(col, rows, arrays)
    return arrays


def shape_rows(col: Column, rows: Any) -> list[np.ndarray]:
    """``[shape..., shape...]`` per sample from the targets' headers (tensors without a
    shape companion)."""
    state = col.state
    cfg = col.cfg

    def one(rec: Record | None) -> tuple[int, ...] | None:
        if rec is None:
            return None
        if rec.tile_shape is not None:
            return _full_shape(rec)
        return _inspect(state, cfg, rec.link, False, all_tiles=False).shape

    records = stored_records(col, rows)
    shapes = _parallel(one, _flat(records, cfg.is_sequence))
    if not cfg.is_sequence:
        return [_shape_row([s], False) for s in shapes]
    return [
        np.zeros(2, dtype=np.int64) if g is None else _shape_row(g, True)
        for g in _regroup(shapes, records, True)
    ]


def _full_shape(rec: Record) -> tuple[int, ...]:
    """Shape of a tiled sample whose tile shape is known."""
    grid = rec.link.path_array.shape
    tile = rec.tile_shape or ()
    return tuple(g * t for g, t in zip(grid, tile, strict=False)) + tuple(tile[len(grid) :])


def _region(sub: tuple[Any, ...], full: tuple[int, ...], g: int) -> Any:
    """For an in-sample index on the grid axes of a tiled sample: (region, index
    relative to the region), or None when the index is not plain ints and slices."""
    if len(sub) != 1:
        return None
    s = sub[0]
    if not isinstance(s, tuple):
        s = (s,)
    if len(s) > len(full) or any(not isinstance(x, int | np.integer | slice) for x in s[:g]):
        return None
    region, rel = [], []
    for a in range(g):
        x = s[a] if a < len(s) else slice(None)
        if isinstance(x, slice):
            pos = range(*x.indices(full[a]))
            if len(pos) == 0:
                return None
            first, last = min(pos[0], pos[-1]), max(pos[0], pos[-1])
            region.append((first, last))
            rel.append(x)
        else:
            i = int(x) + (full[a] if int(x) < 0 else 0)
            if not 0 <= i < full[a]:
                return None
            region.append((i, i))
            rel.append(i)
    return region, rel, s[g:]


def _relative(x: Any, origin: int, size: int) -> Any:
    if isinstance(x, int):
        return x - origin
    pos = range(*x.indices(size))
    step = pos.step
    start, last = pos[0] - origin, pos[-1] - origin
    stop = last + (1 if step > 0 else -1)
    return slice(start, stop if stop >= 0 else None, step)


def numpy(tensor: Any, aslist: bool) -> Any:
    """``Tensor.numpy`` for link tensors."""
    idx = tensor._index
    col = tensor._col
    if not idx.squeeze:
        return tensor._present("numpy", aslist)
    if not tensor._check_row():
        return np.array([None], dtype=object)
    row = int(idx.base[0])
    rec = stored_records(col, np.asarray([row]))[0]
    if isinstance(rec, Record) and isinstance(rec.link, LinkedTiledSample) and idx.sub:
        if rec.tile_shape is None:  # not verified: the first tile tells the tile shape
            first = _inspect(col.state, col.cfg, rec.link, False, all_tiles=False)
            rec = Record(rec.link, first.tile_shape)
        shape = _full_shape(rec)
        g = rec.link.path_array.ndim
        plan = _region(idx.sub, shape, g) if len(shape) >= g else None
        if plan is not None:
            region, rel, rest = plan
            block, origin = _read_tiles(col.state, col.cfg, rec, region)
            key = tuple(_relative(rel[a], origin[a], shape[a]) for a in range(g)) + tuple(rest)
            return block[key]
    return tensor._present("numpy", aslist)


def tobytes(tensor: Any) -> bytes:
    """``Tensor.tobytes`` for link tensors: the linked file's bytes."""
    col = tensor._col
    if not tensor._check_row():
        return b""
    rec = stored_records(col, np.asarray([int(tensor._index.base[0])]))[0]
    if rec is None:
        return b""
    if isinstance(rec, list) or isinstance(rec.link, LinkedTiledSample):
        raise ValueError(
            "this sample links several files (tiles or a sequence); read it with "
            "numpy(), or the files' paths with path()"
        )
    return fetch(col.state, rec.link.path, rec.link.creds_key)


# ------------------------------------------------------------------ Tensor methods


class LinkTensorMixin:
    """``path()``, ``creds_key()`` and ``_linked_sample()`` of ``Tensor`` (link tensors)."""

    def _link_records(self) -> list[Record | None]:
        t: Any = self
        if not t.is_link:
            raise InvalidOperationError("this method", f"tensor of htype {t.htype!r} (not a link)")
        rows, have = t._view_rows()
        got = iter(stored_records(t._col, rows[have]) if have.any() else [])
        return [next(got) if p else None for p in have]

    def _link_values(self, what: str, aslist: bool) -> Any:
        t: Any = self

        def value(rec: Any) -> Any:
            if rec is None:
                return None
            if isinstance(rec, list):  # a sequence sample: one value per item
                return [value(r) for r in rec]
            if what == "creds_key":
                return rec.link.creds_key
            if isinstance(rec.link, LinkedTiledSample):
                return rec.link.path_array
            return rec.link.path

        out = [value(rec) for rec in self._link_records()]
        if t._index.squeeze:
            return out[0]
        if aslist:
            return out
        arr = np.empty(len(out), dtype=object)
        arr[:] = out
        return arr

    def path(self, aslist: bool = True, fetch_chunks: bool = False) -> Any:
        """The linked paths (one str for one sample; a tiled sample gives its array of
        tile paths). Only for ``link[...]`` tensors."""
        return self._link_values("path", aslist)

    def creds_key(self) -> Any:
        """The creds key of each linked sample (None where there is none)."""
        return self._link_values("creds_key", True)

    def _linked_sample(self) -> Any:
        """The :class:`LinkedSample` (or ``LinkedTiledSample``) of exactly one sample."""
        t: Any = self
        if not t._index.squeeze:
            raise ValueError("_linked_sample() reads exactly one sample; index one: t[i]")
        rec = self._link_records()[0]
        if isinstance(rec, list):
            return [None if r is None else r.link for r in rec]
        return None if rec is None else rec.link
