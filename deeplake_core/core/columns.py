"""Bridge between the Dataset/Tensor layer and the layers beneath it.

Everything that touches the htype layer (:mod:`deeplake_core.htype`), the chunk engine
(:mod:`deeplake_core.core.engine`) or the plugin registry goes through here, so that
``dataset.py`` and ``tensor.py`` deal only in tensors, groups and views.
"""

from __future__ import annotations

import logging
import os
import random
from typing import TYPE_CHECKING, Any

import numpy as np

from deeplake_core.core import manifest as mf
from deeplake_core.exceptions import DatasetCorruptError, InvalidOperationError, MissingPluginError

if TYPE_CHECKING:
    from deeplake_core.core.state import Column, DatasetState

logger = logging.getLogger("deeplake")

#: htypes whose tensors accept ``downsampling``.
DOWNSAMPLING_HTYPES = frozenset({"image", "binary_mask", "segment_mask", "class_label_mask"})
_KERNEL_DIST = "deeplake-core"


# ------------------------------------------------------------------ creation


def _provenance(kind: str, name: str) -> mf.Requirement:
    from deeplake_core.plugins import get_registry

    reg = getattr(get_registry(), kind)
    dist = version = None
    try:
        prov = reg.provenance(name)
        dist, version = prov.distribution, prov.version
    except Exception:  # in-process plugins have no distribution
        pass
    return mf.Requirement(kind=kind, name=name, distribution=dist, version=version)


def new_entry(
    htype: str,
    dtype: Any,
    sample_compression: Any,
    chunk_compression: Any,
    hidden: bool,
    create_sample_info_tensor: bool,
    create_shape_tensor: bool,
    create_id_tensor: bool,
    verify: bool,
    downsampling: tuple[int, int] | None,
    tiling_threshold: int | None,
    verbose: bool,
    **kwargs: Any,
) -> mf.TensorEntry:
    """Validate ``create_tensor``'s arguments and build the tensor's manifest entry."""
    from deeplake_core.core.engine.meta import TensorMeta
    from deeplake_core.htype.config import build_tensor_config

    if htype is None or htype == "unspecified":
        htype = "generic"
    cfg = build_tensor_config(
        htype,
        dtype,
        sample_compression,
        chunk_compression,
        tiling_threshold=tiling_threshold,
        hidden=hidden,
        verify=verify,
        **kwargs,
    )
    if downsampling is not None:
        if cfg.base_htype not in DOWNSAMPLING_HTYPES or cfg.is_sequence:
            raise ValueError(
                f"downsampling applies to image and mask tensors, not htype {cfg.htype!r}"
            )
        if (
            not isinstance(downsampling, tuple | list)
            or len(downsampling) != 2
            or not all(isinstance(x, int) and x > 0 for x in downsampling)
            or downsampling[0] < 2
        ):
            raise ValueError(
                f"downsampling is (factor, layers) with factor >= 2 and layers >= 1, "
                f"got {downsampling!r}"
            )
    if tiling_threshold is not None and tiling_threshold != -1 and tiling_threshold < 1:
        raise ValueError("tiling_threshold is a positive number of bytes, or -1 to disable tiling")
    if not verify and cfg.is_link:
        create_shape_tensor = create_sample_info_tensor = False
    engine_sc, engine_cc, engine_dtype = cfg.sample_compression, cfg.chunk_compression, None
    if cfg.is_sequence:  # packed samples (core/sequences.py): items compressed there
        from deeplake_core.core.sequences import is_byte_codec

        engine_sc, engine_dtype = None, "uint8"
        if engine_cc is not None and not is_byte_codec(engine_cc):
            engine_cc = None
    elif cfg.storage_dtype != "str":
        engine_dtype = cfg.storage_dtype
    if cfg.is_link and not cfg.is_sequence:  # JSON link records (core/links.py)
        engine_sc, engine_cc, engine_dtype = None, None, "uint8"
    meta = TensorMeta(
        htype=cfg.htype,
        dtype=engine_dtype,
        sample_compression=engine_sc,
        chunk_compression=engine_cc,
        tiling_threshold=tiling_threshold,
        is_text_like=cfg.byte_encoded or cfg.is_sequence or cfg.is_link,
        **({"max_chunk_size": cfg.max_chunk_size} if cfg.max_chunk_size else {}),
    )
    requires = [_provenance("htypes", cfg.base_htype)]
    for codec in {cfg.sample_compression, cfg.chunk_compression} - {None}:
        requires.append(_provenance("codecs", codec))
    create_args = {
        "htype": cfg.htype,
        "dtype": cfg.dtype,
        "sample_compression": cfg.sample_compression,
        "chunk_compression": cfg.chunk_compression,
        "hidden": hidden,
        "create_sample_info_tensor": create_sample_info_tensor,
        "create_shape_tensor": create_shape_tensor,
        "create_id_tensor": create_id_tensor,
        "verify": verify,
        "downsampling": list(downsampling) if downsampling else None,
        "tiling_threshold": tiling_threshold,
        **({"max_chunk_size": cfg.max_chunk_size} if cfg.max_chunk_size else {}),
    }
    return mf.TensorEntry(
        tensor_id=mf.new_id(8),
        htype=cfg.htype,
        meta=meta.model_dump(mode="json"),
        config=cfg.model_dump(mode="json"),
        hidden=hidden,
        info=dict(cfg.info),
        create_args=create_args,
        htype_args=sorted(cfg.info),
        requires=requires,
    )


def like_args(entry: mf.TensorEntry, unlink: bool = False) -> dict[str, Any]:
    """``create_tensor`` arguments that recreate ``entry``'s tensor."""
    args = dict(entry.create_args)
    args.pop("dtype", None)
    cfg = entry.config
    if cfg.get("dtype") is not None:
        args["dtype"] = cfg["dtype"]
    if args.get("downsampling") is not None:
        args["downsampling"] = tuple(args["downsampling"])
    if unlink and cfg.get("is_link"):
        args["htype"] = args["htype"].replace("link[", "", 1).replace("]", "", 1)
    for key in entry.htype_args:
        if key in entry.info:
            args[key] = entry.info[key]
    return args


# ------------------------------------------------------------------ opening


def check_requirements(entry: mf.TensorEntry) -> None:
    """Raise :class:`MissingPluginError` naming the package if a plugin is missing."""
    from deeplake_core.plugins import get_registry

    reg = get_registry()
    for req in entry.requires:
        names = getattr(reg, req.kind, None)
        if names is None or req.name in names:
            continue
        dist = req.distribution if req.distribution != _KERNEL_DIST else None
        raise MissingPluginError(req.kind, req.name, dist)


def config_from_entry(entry: mf.TensorEntry) -> Any:
    from deeplake_core.htype.config import TensorConfig

    data = entry.config
    if not data:
        raise DatasetCorruptError(f"tensor {entry.tensor_id!r} has no htype configuration")
    return TensorConfig.model_validate(data)


def open_engine(storage: Any, entry: mf.TensorEntry, cfg: Any) -> Any:
    from deeplake_core.core.engine.engine import TensorEngine
    from deeplake_core.core.engine.meta import TensorMeta

    meta = TensorMeta.model_validate(entry.meta)
    return TensorEngine(storage, entry.tensor_id, meta, entry.index_key)


def _touch(col: Column) -> None:
    """After a write: record a dtype the first samples chose (the coercion of later
    batches depends on it). The rest of the entry is synced by the next flush."""
    cfg = col._cfg
    eng = col._engine
    if (
        cfg is not None
        and eng is not None
        and cfg.dtype is None
        and eng.meta.dtype is not None
        and not cfg.byte_encoded
        and not cfg.is_sequence
        and not cfg.is_link
    ):
        sync_entry(col)


def sync_entry(col: Column) -> None:
    """Copy the engine's running meta (dtype, shapes, length) into the manifest entry."""
    eng = col._engine
    if eng is None:
        return
    entry = col.entry
    entry.meta = eng.meta.model_dump(mode="json")
    entry.length = int(eng.num_samples)
    cfg = col._cfg
    if (
        cfg is not None
        and cfg.dtype is None
        and eng.meta.dtype is not None
        and not cfg.byte_encoded
        and not cfg.is_sequence
        and not cfg.is_link
    ):
        cfg.dtype = eng.meta.dtype
        entry.config = cfg.model_dump(mode="json")


# ------------------------------------------------------------------ writing


def _encoded(sample: Any) -> Any:
    from deeplake_core.core.engine.engine import EncodedSample
    from deeplake_core.core.sample import Sample
    from deeplake_core.htype.samples import (
        is_encoded_sample,
        is_partial_sample,
        known_dtype,
        known_shape,
    )

    if type(sample) is Sample:  # deeplake.read: its bytes, when stored as given
        got = sample.stored_form(sample.compression)
        if got is not None:
            return EncodedSample(got[0], got[1], got[2], sample.compression)
    if is_partial_sample(sample):  # deeplake.tiled: zeros, tiled by the engine if large
        return np.zeros(sample.sample_shape, sample.dtype)
    if not is_encoded_sample(sample):
        return sample
    shape = known_shape(sample)
    dtype = known_dtype(sample)
    if shape is None or dtype is None:
        arr = np.asarray(sample.array)
        shape, dtype = arr.shape, arr.dtype
    return EncodedSample(
        buffer=sample.compressed_bytes(sample.compression),
        shape=tuple(shape),
        dtype=dtype,
        compression=sample.compression,
    )


class Prepared:
    """Samples converted for the engine, plus what their companions record.

    ``shapes``: one logical-shape row per sample for the shape companion (or None);
    ``infos``: one sample-info dict per sample (or None when no sample has any);
    ``dtype``: item dtype chosen by the first samples of a sequence tensor.
    """

    __slots__ = ("data", "dtype", "info", "infos", "n", "shapes")

    def __init__(
        self,
        data: Any,
        info: dict[str, Any] | None,
        n: int,
        shapes: list[np.ndarray] | None = None,
        infos: list[dict[str, Any]] | None = None,
        dtype: str | None = None,
    ):
        self.data = data
        self.info = info
        self.n = n
        self.shapes = shapes
        self.infos = infos
        self.dtype = dtype


def packs_samples(cfg: Any) -> bool:
    """Whether the engine holds this tensor's samples in a packed byte form whose
    engine shape is not the shape users see (sequences, lists, polygons)."""
    return (
        cfg.is_sequence
        or cfg.is_link
        or (cfg.byte_encoded and cfg.sample_form not in ("text", "json"))
    )


def _shape_row(lo: tuple[int, ...], hi: tuple[int, ...]) -> np.ndarray:
    return np.asarray([*lo, *hi], dtype=np.int64)


def _item_shape(cfg: Any, item: Any) -> tuple[int, ...] | None:
    from deeplake_core.htype import logical_shape
    from deeplake_core.htype.samples import known_shape

    if item is None:
        return None
    if isinstance(item, np.ndarray):
        if cfg.byte_encoded:
            return tuple(logical_shape(cfg, item))
        return tuple(item.shape)
    shape = known_shape(item)
    return tuple(shape) if shape is not None else tuple(np.shape(item.array))


def sequence_shape_row(cfg: Any, items: list[Any] | None, item_ndim: int | None) -> np.ndarray:
    """``[lo..., hi...]`` over a sequence sample's items, the item axis first."""
    shapes = [s for s in (_item_shape(cfg, x) for x in (items or [])) if s is not None]
    n = len(items or [])
    if not shapes:  # no items: their sizes are unknown (-1), not zero
        k = item_ndim or 0
        return _shape_row((n, *([-1] * k)), (n, *([-1] * k)))
    arr = np.asarray(shapes, dtype=np.int64)
    return _shape_row((n, *arr.min(axis=0)), (n, *arr.max(axis=0)))


def _flat_shape_row(cfg: Any, stored: Any) -> np.ndarray:
    from deeplake_core.htype import logical_shape

    shape = tuple(logical_shape(cfg, stored if stored is not None else np.zeros(0, dtype=np.uint8)))
    return _shape_row(shape, shape)


_PLAIN_TYPES = frozenset(
    {np.ndarray, list, tuple, str, dict, int, float, bool, type(None), np.str_}
    | {t for t in np.sctypeDict.values() if isinstance(t, type)}
)


def _sample_infos(col: Column, samples: Any) -> list[dict[str, Any]] | None:
    """Per-sample info carried by the samples themselves (files read with
    ``deeplake.read`` expose ``sample_info``); None when no sample has any."""
    if isinstance(samples, np.ndarray) or not col.entry.companions.get("sample_info"):
        return None
    try:
        if set(map(type, samples)) <= _PLAIN_TYPES:  # no sample object carries info
            return None
    except TypeError:  # not iterable: coercion reports it
        return None
    from deeplake_core.core.sample import Sample
    from deeplake_core.htype.samples import is_encoded_sample

    out: list[dict[str, Any]] = []
    found = False
    for s in samples:
        info: Any = None
        if type(s) is Sample:
            info = _codec_sample_info(s)
        elif not isinstance(s, np.ndarray | list | tuple | str | dict | int | float | bool):
            info = getattr(s, "sample_info", None)
            if info is None and is_encoded_sample(s):
                info = _codec_sample_info(s)
        if isinstance(info, dict) and info:
            found = True
            out.append(dict(info))
        else:
            out.append({})
    return out if found else None


def _codec_sample_info(sample: Any) -> dict[str, Any] | None:
    from deeplake_core.codecs.base import ArrayCodec
    from deeplake_core.core.engine.codecs import get_codec

    try:
        comp = sample.compression
        codec = get_codec(str(comp))
        if not isinstance(codec, ArrayCodec):
            return None
        info = dict(codec.sample_info(sample.compressed_bytes(comp)))
    except Exception:  # info is best effort; the sample itself was already validated
        return None
    path = getattr(sample, "path", None)
    if path is not None:
        info.setdefault("filename", str(path))
    return info


def prepare(col: Column, samples: Any) -> Prepared:
    """Validate and convert a batch for ``col`` without writing anything."""
    from deeplake_core.core import sequences
    from deeplake_core.htype.coerce import coerce_samples

    cfg = col.cfg
    if cfg.is_link:
        from deeplake_core.core import links

        return links.prepare(col, samples)
    info = dict(col.entry.info)
    if isinstance(samples, list):
        from deeplake_core.core.sample import prefetch

        prefetch(samples)
    infos = _sample_infos(col, samples)
    if cfg.is_sequence:
        item_ndim = _sequence_item_ndim(col)
        seq_ndim = None if item_ndim is None or cfg.byte_encoded else item_ndim + 1
        out = coerce_samples(cfg, samples, info, ndim=seq_ndim)
        codec = sequences.item_codec_name(cfg)
        dtype = None
        if cfg.dtype is None and cfg.sample_form == "array":
            first = next(
                (x for items in out for x in (items or []) if isinstance(x, np.ndarray)), None
            )
            dtype = first.dtype.name if first is not None else None
        shapes = [sequence_shape_row(cfg, items, item_ndim) for items in out]
        data = [None if items is None else sequences.pack(items, codec) for items in out]
        changed = info if info != col.entry.info else None
        return Prepared(data, changed, len(data), shapes, infos, dtype)
    ndim = None if cfg.byte_encoded else col.engine.meta.ndim
    out = coerce_samples(cfg, samples, info, ndim=ndim)
    shapes = None
    comp = companion(col, "shape")
    if comp is not None:
        shapes = [_flat_shape_row(cfg, x) for x in out]
    if isinstance(out, list) and not set(map(type, out)) <= {np.ndarray, type(None)}:
        out = [_encoded(x) for x in out]
    return Prepared(out, info if info != col.entry.info else None, len(out), shapes, infos)


def _sequence_item_ndim(col: Column) -> int | None:
    """Rank of a sequence tensor's items, from its shape companion or stored samples."""
    comp = companion(col, "shape")
    if comp is not None:
        hi = comp.engine.meta.max_shape
        if hi and hi[0] >= 4:
            return hi[0] // 2 - 1
        return None
    from deeplake_core.core import sequences

    eng = col.engine
    for i in range(min(eng.num_samples, 64)):
        shapes = [s for s in sequences.item_shapes(eng.read_sample(i)) if s is not None]
        if shapes:
            return len(shapes[0]) if not col.cfg.byte_encoded else 1
    return None


# ------------------------------------------------------------------ companions


#: Companion roles -> suffix of the hidden tensor's name (``_<name>_<suffix>``).
COMPANION_SUFFIX = {"id": "id", "shape": "shape", "sample_info": "info"}


def companion_key(key: str, role: str) -> str:
    """Full key of ``key``'s hidden companion tensor for ``role``."""
    head, _, last = key.rpartition("/")
    name = f"_{last}_{COMPANION_SUFFIX[role]}"
    return f"{head}/{name}" if head else name


def companion_entries(entry: mf.TensorEntry, key: str) -> dict[str, mf.TensorEntry]:
    """Hidden companion tensors a new tensor gets, by full key."""
    args = entry.create_args
    cfg = config_from_entry(entry)
    plain = {
        "hidden": True,
        "create_sample_info_tensor": False,
        "create_shape_tensor": False,
        "create_id_tensor": False,
        "verify": False,
        "downsampling": None,
        "tiling_threshold": None,
        "verbose": False,
    }
    out: dict[str, mf.TensorEntry] = {}
    roles: list[tuple[str, str, Any, Any]] = []
    if args.get("create_id_tensor"):
        # ids come in runs of consecutive values (new_ids): a few bytes per batch
        roles.append(("id", "generic", "uint64", "runs64"))
    if args.get("create_shape_tensor") and packs_samples(cfg):
        roles.append(("shape", "generic", "int64", "unspecified"))
    if args.get("create_sample_info_tensor"):
        roles.append(("sample_info", "json", "unspecified", "unspecified"))
    for role, htype, dtype, chunk_compression in roles:
        comp = new_entry(
            htype=htype,
            dtype=dtype,
            sample_compression=None,
            chunk_compression=chunk_compression,
            **plain,
        )
        ckey = companion_key(key, role)
        entry.companions[role] = ckey
        out[ckey] = comp
    return out


_ID_GEN: tuple[int, random.Random] | None = None
_ID_SPACE = 1 << 64


def _run_start(n: int) -> int:
    """A random start for a run of ``n`` new ids (see :func:`new_ids`)."""
    global _ID_GEN
    pid = os.getpid()
    if _ID_GEN is None or _ID_GEN[0] != pid:
        _ID_GEN = (pid, random.Random(int.from_bytes(os.urandom(16), "little")))
    rng = _ID_GEN[1]
    start = 0
    while start == 0 or start > _ID_SPACE - n:  # 0 means "no id"; a run never wraps
        start = rng.getrandbits(64)
    return start


def new_ids(n: int) -> np.ndarray:
    """``n`` new non-zero 64-bit sample ids, shape ``(n, 1)``: consecutive values from
    a random start drawn per call.

    Ids only need to be unique (merges and diffs match samples by id). Two batches
    collide only if their runs overlap, which for ``B`` batches of ``n`` ids has
    probability about ``B**2 * n / 2**64``: lower than for independently drawn ids
    (``(B * n)**2 / 2**65``), and a run costs an ``arange`` instead of ``n`` draws.
    The start comes from a per-process generator seeded from the OS (re-seeded in a
    forked child, so processes never share a sequence)."""
    return run_ids(_run_start(n), n)


def run_ids(start: int, n: int) -> np.ndarray:
    """The ids ``start, start + 1, ...`` of a run of ``n``, shape ``(n, 1)``."""
    ids = np.arange(n, dtype=np.uint64).reshape(n, 1)
    ids += np.uint64(start)
    return ids


def _write_new_ids(st: DatasetState, comp: Column, n: int) -> None:
    """Append ``n`` new ids (a run, as :func:`new_ids` makes) to the id companion.

    Only the run's start is drawn here: the ids reach the companion's engine when
    anything next uses it (:func:`write_id_runs`, at the latest at the flush). So a
    batch ``extend`` does no per-row id work while its chunks are written, where each
    numpy call released the GIL and waited to take it back from the pool's hashing
    (docs/architecture.md, "New id runs stay runs")."""
    if n:
        comp.id_runs.append((_run_start(n), n))
        st.mark_data(comp.tensor_id)


def write_id_runs(col: Column, runs: list[tuple[int, int]]) -> None:
    """Write the pending id ``runs`` (start, count) of the id companion ``col`` to its
    engine: as one ``runs64`` chunk framed straight from the runs when the companion
    uses that codec, else with one ``extend``."""
    from deeplake_core.codecs import runs64

    eng = col.engine
    total = sum(n for _, n in runs)
    if eng.meta.chunk_compression == "runs64" and not eng.meta.sample_compression:
        frame = runs64.frame_unit_runs(runs)
        if frame is not None:
            eng.extend_encoded(frame, total, (1,), np.uint64)
            return
    eng.extend(np.concatenate([run_ids(start, n) for start, n in runs]))


def companion(col: Column, role: str) -> Column | None:
    """The column of ``col``'s companion for ``role``, or None if it has none."""
    key = col.entry.companions.get(role)
    if key is None or key not in col.state.manifest.tensors:
        return None
    return col.state.column(key)


def _companions(col: Column) -> list[tuple[str, Column]]:
    out = []
    for role in col.entry.companions:
        comp = companion(col, role)
        if comp is not None:
            out.append((role, comp))
    return out


def _fill_ids(st: DatasetState, comp: Column, n: int) -> None:
    """Give new ids to rows below ``n`` that have none (written without the companion)."""
    k = n - comp.length()
    if k > 0:
        _write_new_ids(st, comp, k)


def _comp_write(st: DatasetState, comp: Column, data: Any) -> None:
    comp.engine.extend(data)
    st.mark_data(comp.tensor_id)
    _touch(comp)


def _info_batch(comp: Column, infos: list[dict[str, Any]]) -> list[np.ndarray]:
    from deeplake_core.htype import forms

    out = []
    for i in infos:
        enc = _info_json(i)
        out.append(enc if enc is not None else forms.encode_json(i, "json"))
    return out


def _info_json(info: dict[str, Any]) -> np.ndarray | None:
    """``forms.encode_json(info, "json")`` for an info made of plain JSON values
    (what codecs report), without its per-value conversion; None for anything else."""
    import json

    if not _str_keys(info):
        return None
    try:  # values json cannot write (numpy scalars, arrays ...) raise TypeError
        data = json.dumps(info, ensure_ascii=False, separators=(",", ":"), allow_nan=True)
    except (TypeError, ValueError):
        return None
    return np.frombuffer(data.encode("utf-8"), dtype=np.uint8)


_CONTAINERS = (dict, list, tuple)


def _str_keys(value: Any) -> bool:
    """Whether every dict inside ``value`` (plain dicts, lists and tuples only) has
    str keys: json.dumps would silently turn other keys into strings."""
    if type(value) is dict:
        if not all(type(k) is str for k in value):
            return False
        items: Any = value.values()
    elif type(value) in _CONTAINERS:
        items = value
    else:
        return not isinstance(value, _CONTAINERS)  # container subclasses: slow path
    return all(_str_keys(v) for v in items if isinstance(v, _CONTAINERS))


def _append_companions(col: Column, prepared: Prepared, n0: int, ids: Any) -> None:
    st = col.state
    n = prepared.n
    for role, comp in _companions(col):
        if role == "id":
            _fill_ids(st, comp, n0)
            if ids is None:
                _write_new_ids(st, comp, n)
            else:
                _comp_write(st, comp, np.asarray(ids, dtype=np.uint64).reshape(n, 1))
        elif role == "shape":
            comp.engine.pad_to(n0)
            rows = prepared.shapes if prepared.shapes is not None else [None] * n
            _comp_write(st, comp, rows)
        elif role == "sample_info" and prepared.infos is not None:
            comp.engine.pad_to(n0)
            _comp_write(st, comp, _info_batch(comp, prepared.infos))


def write(col: Column, prepared: Prepared, ids: Any = None) -> None:
    """Append prepared samples to the column and its companions (all or nothing).

    ``ids``: sample ids to record instead of new random ones (merges keep ids).
    """
    n0 = col.length()
    eng = col.engine
    eng.extend(prepared.data, wait=False)  # its chunks are written meanwhile
    try:
        _append_companions(col, prepared, n0, ids)
    except BaseException:
        eng.abandon()
        truncate(col, n0)
        raise
    try:
        eng.settle()
    except BaseException:
        truncate(col, n0)
        raise
    _commit_prepared(col, prepared)


def attach(col: Column, segment: Any, infos: list[dict[str, Any]] | None = None) -> None:
    """Append a detached segment (samples another engine already wrote as chunks, see
    ``core/engine/segments.py``) and its companions' rows (all or nothing).

    ``infos``: the segment's per-sample info for the ``sample_info`` companion.
    """
    n0 = col.length()
    col.engine.attach(segment)
    prepared = Prepared(None, None, segment.count, None, infos)
    try:
        _append_companions(col, prepared, n0, None)
    except BaseException:
        truncate(col, n0)
        raise
    _commit_prepared(col, prepared)


def _commit_prepared(col: Column, prepared: Prepared) -> None:
    if prepared.info is not None:
        col.entry.info.clear()
        col.entry.info.update(prepared.info)
        col.state.mark_meta()
    if prepared.dtype is not None and col.cfg.dtype is None:
        col.cfg.dtype = prepared.dtype
        col.entry.config = col.cfg.model_dump(mode="json")
        col.state.mark_meta()
    col.state.mark_data(col.tensor_id)
    _touch(col)


def pad_to(col: Column, n: int) -> None:
    """Append empty samples (``None``) until the column holds ``n``; new ids for them."""
    if n <= col.length():
        return
    col.engine.pad_to(n)
    st = col.state
    for role, comp in _companions(col):
        if role == "id":
            _fill_ids(st, comp, n)
        elif role == "shape":
            comp.engine.pad_to(n)
            st.mark_data(comp.tensor_id)
            _touch(comp)
    st.mark_data(col.tensor_id)
    _touch(col)


def update(col: Column, rows: np.ndarray, prepared: Prepared) -> None:
    """Replace the samples at ``rows`` (ids are kept; shapes and infos follow)."""
    top = int(rows.max()) + 1 if len(rows) else 0
    if top > col.length():
        pad_to(col, top)
    col.engine.update(rows, prepared.data)
    st = col.state
    for role, comp in _companions(col):
        if role == "shape":
            comp.engine.pad_to(col.length())
            data = prepared.shapes if prepared.shapes is not None else [None] * len(rows)
            comp.engine.update(rows, data)
        elif role == "sample_info":
            infos = prepared.infos
            if infos is None:
                have = rows < comp.length()
                if not have.any():
                    continue
                comp.engine.update(rows[have], _info_batch(comp, [{}] * int(have.sum())))
            else:
                comp.engine.pad_to(max(comp.length(), top))
                comp.engine.update(rows, _info_batch(comp, infos))
        else:
            continue
        st.mark_data(comp.tensor_id)
        _touch(comp)
    _commit_prepared(col, prepared)


def pop(col: Column, indices: list[int]) -> None:
    """Remove the samples at ``indices`` from the column and its companions."""
    col.engine.pop(indices)
    st = col.state
    for _role, comp in _companions(col):
        n = comp.length()
        mine = [i for i in indices if i < n]
        if mine:
            comp.engine.pop(mine)
            st.mark_data(comp.tensor_id)
            _touch(comp)
    st.mark_data(col.tensor_id)
    _touch(col)


def truncate(col: Column, n: int) -> None:
    """Drop every sample from position ``n`` on (rollback of a failed write)."""
    for c in [col, *(comp for _r, comp in _companions(col))]:
        _trim_id_runs(c, n)
        cur = c.length()
        if cur > n:
            c.engine.pop(list(range(n, cur)))
            c.state.mark_data(c.tensor_id)
            _touch(c)


def _trim_id_runs(col: Column, n: int) -> None:
    """Drop pending id runs (see :func:`_write_new_ids`) from row ``n`` on."""
    if not col.id_runs:
        return
    at = col.length() - sum(k for _, k in col.id_runs)
    keep = []
    for start, k in col.id_runs:
        if at >= n:
            break
        keep.append((start, min(k, n - at)))
        at += k
    col.id_runs = keep


def clear(col: Column) -> None:
    """Remove every sample of the column and its companions."""
    for c in [col, *(comp for _r, comp in _companions(col))]:
        c.engine.clear()
        c.state.mark_data(c.tensor_id)
        _touch(c)


def snapshot(col: Column, rows: np.ndarray) -> list[tuple[Column, int, np.ndarray, list]]:
    """Stored values of the column and its companions at ``rows`` (for rollback)."""
    out = []
    for c in [col, *(comp for _r, comp in _companions(col))]:
        n = c.length()
        keep = rows[rows < n]
        values = c.engine.read(keep, aslist=True) if len(keep) else []
        out.append((c, n, keep, values))
    return out


def restore(col: Column, snap: list[tuple[Column, int, np.ndarray, list]]) -> None:
    """Undo writes made since :func:`snapshot` (lengths and values)."""
    for c, n, keep, values in snap:
        if c.length() > n:
            c.engine.pop(list(range(n, c.length())))
        if len(keep):
            c.engine.update(keep, values)
        c.state.mark_data(c.tensor_id)
        _touch(c)


def sample_ids(col: Column, rows: Any) -> np.ndarray:
    """The uint64 ids of the samples at ``rows`` (absolute indices or a slice)."""
    comp = companion(col, "id")
    if comp is None:
        raise InvalidOperationError("sample ids", "tensor created with create_id_tensor=False")
    n = col.length()
    if isinstance(rows, slice):
        rows = np.arange(*rows.indices(n), dtype=np.int64)
    rows = np.asarray(rows, dtype=np.int64).reshape(-1)
    if not len(rows):
        return np.zeros(0, dtype=np.uint64)
    sel: Any = rows
    if rows[-1] - rows[0] == len(rows) - 1 and (np.diff(rows) == 1).all():
        sel = slice(int(rows[0]), int(rows[-1]) + 1)  # contiguous: the engine's bulk path
    return np.asarray(comp.engine.read(sel)).reshape(len(rows), -1)[:, 0].astype(np.uint64)


def find_bad_rows(col: Column, samples: Any) -> list[int]:
    """Rows of ``samples`` that cannot be converted (for ``ignore_errors``)."""
    bad = []
    for i, s in enumerate(samples):
        try:
            prepare(col, [s])
        except Exception:
            bad.append(i)
    return bad


# ------------------------------------------------------------------ reading


def stored_values(col: Column, rows: Any) -> list[Any]:
    """What ``present`` takes for the samples at ``rows``: one stored array (or None)
    per sample; for sequences one list of stored items (or None) per sample."""
    from deeplake_core.core import sequences

    eng = col.engine
    cfg = col.cfg
    if isinstance(rows, np.ndarray) and len(rows) == 0:
        return []
    if cfg.is_link:
        from deeplake_core.core import links

        return links.read_values(col, rows)
    data = eng.read(rows, aslist=True)
    if cfg.is_sequence:
        return [sequences.unpack(x) for x in data]
    if cfg.byte_encoded:
        return [None if x.size == 0 else x for x in data]
    return data


def logical_shapes(col: Column, rows: Any) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) logical shape per sample at ``rows``: two ``(n, ndim)`` arrays.

    ``-1`` marks an axis whose size a sample leaves open (item axes of an empty
    sequence); callers ignore it when they combine bounds.
    """
    cfg = col.cfg
    eng = col.engine
    if not packs_samples(cfg):
        sh = eng.shapes(rows)
        if cfg.byte_encoded:  # text / json: one value per sample, (0,) when empty
            sh = (sh[:, :1] > 0).astype(np.int64) if sh.shape[1] else np.zeros((len(sh), 1))
        return sh, sh
    comp = companion(col, "shape")
    if comp is not None and comp.length() >= col.length():
        data = comp.engine.read(rows, aslist=True)
    else:
        data = _computed_shape_rows(col, rows)
    width = max((len(r) for r in data), default=0)
    if width == 0:
        width = 2 if cfg.is_sequence else len(_flat_shape_row(cfg, None))
    full = np.zeros((len(data), width), dtype=np.int64)
    if cfg.is_sequence:
        full[:, 1:] = -1  # rows written before the item rank was known
    for i, r in enumerate(data):
        if len(r):
            full[i, : len(r) // 2] = r[: len(r) // 2]
            full[i, width // 2 : width // 2 + len(r) // 2] = r[len(r) // 2 :]
    half = width // 2
    return full[:, :half], full[:, half:]


def _computed_shape_rows(col: Column, rows: Any) -> list[np.ndarray]:
    cfg = col.cfg
    if cfg.is_link:
        from deeplake_core.core import links

        return links.shape_rows(col, rows)
    stored = stored_values(col, rows)
    if cfg.is_sequence:
        item_ndim = None
        return [sequence_shape_row(cfg, items, item_ndim) for items in stored]
    return [_flat_shape_row(cfg, x) for x in stored]


def stored_nbytes(col: Column) -> int:
    """Approximate bytes of sample data held by a column."""
    eng = col.engine
    if eng.num_samples == 0:
        return 0
    try:
        return int(eng.sample_nbytes(slice(None)).sum())
    except Exception:
        return 0


def check_integrity(col: Column, name: str) -> None:
    from deeplake_core.exceptions import ChunkEngineError

    try:
        eng = col.engine
        if int(eng.num_samples) != col.entry.length and not col.state.dirty:
            raise DatasetCorruptError(
                f"tensor {name!r}: the index holds {eng.num_samples} samples, the manifest "
                f"{col.entry.length}"
            )
        eng.check_integrity()
    except ChunkEngineError as exc:
        raise DatasetCorruptError(f"tensor {name!r} is corrupted: {exc}", cause=exc) from exc


# ------------------------------------------------------------------ info & events


def make_info(state: DatasetState, data: dict[str, Any]) -> Any:
    """An ``Info`` over ``data`` (a dict inside the manifest) that persists changes."""
    from deeplake_core.api.info import Info

    def changed(*_: Any) -> None:
        if state.read_only:
            raise_read_only(state)
        state.mark_meta()
        if state.with_depth == 0 and state.depth == 0:
            state.flush()

    return Info(data, on_change=changed)


def raise_read_only(state: DatasetState) -> None:
    state.check_writable()


def emit_event(event: str, **kwargs: Any) -> None:
    """Tell plugins about a dataset event (``on_dataset_created`` ...)."""
    try:
        from deeplake_core.plugins import emit
    except ImportError:  # pragma: no cover - plugin kernel always present
        return
    emit(event, **kwargs)
