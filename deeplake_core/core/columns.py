"""Bridge between the Dataset/Tensor layer and the layers beneath it.

Everything that touches the htype layer (:mod:`deeplake_core.htype`), the chunk engine
(:mod:`deeplake_core.core.engine`) or the plugin registry goes through here, so that
``dataset.py`` and ``tensor.py`` deal only in tensors, groups and views.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np

from deeplake_core.core import manifest as mf
from deeplake_core.exceptions import DatasetCorruptError, MissingPluginError

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
    meta = TensorMeta(
        htype=cfg.htype,
        dtype=cfg.storage_dtype if cfg.storage_dtype != "str" else None,
        sample_compression=cfg.sample_compression,
        chunk_compression=cfg.chunk_compression,
        tiling_threshold=tiling_threshold,
        is_text_like=cfg.byte_encoded,
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
    ):
        cfg.dtype = eng.meta.dtype
        entry.config = cfg.model_dump(mode="json")


# ------------------------------------------------------------------ writing


def _encoded(sample: Any) -> Any:
    from deeplake_core.core.engine.engine import EncodedSample
    from deeplake_core.htype.samples import is_encoded_sample, known_dtype, known_shape

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
    """Samples converted for the engine, plus the info updates they bring."""

    __slots__ = ("data", "info", "n")

    def __init__(self, data: Any, info: dict[str, Any] | None, n: int):
        self.data = data
        self.info = info
        self.n = n


def prepare(col: Column, samples: Any) -> Prepared:
    """Validate and convert a batch for ``col`` without writing anything."""
    from deeplake_core.htype.coerce import coerce_samples

    cfg = col.cfg
    info = dict(col.entry.info)
    ndim = None if cfg.byte_encoded else col.engine.meta.ndim
    out = coerce_samples(cfg, samples, info, ndim=ndim)
    if cfg.is_sequence:
        out = [_sequence_sample(x) for x in out]
    elif isinstance(out, list):
        out = [_encoded(x) for x in out]
    return Prepared(out, info if info != col.entry.info else None, len(out))


def _sequence_sample(items: Any) -> Any:
    """Store a sequence sample as one array with an item axis."""
    if items is None:
        return None
    arrays = [np.asarray(x) for x in items]
    if not arrays:
        return np.zeros((0,), dtype=np.uint8)
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        from deeplake_core.exceptions import TensorInvalidSampleShapeError

        raise TensorInvalidSampleShapeError(sorted(shapes)[0], len(next(iter(shapes))))
    return np.stack(arrays)


def write(col: Column, prepared: Prepared) -> None:
    """Append prepared samples to the column (all or nothing, in the engine)."""
    col.engine.extend(prepared.data)
    if prepared.info is not None:
        col.entry.info.clear()
        col.entry.info.update(prepared.info)
        col.state.mark_meta()
    sync_entry(col)


def find_bad_rows(col: Column, samples: Any) -> list[int]:
    """Rows of ``samples`` that cannot be converted (for ``ignore_errors``)."""
    from deeplake_core.htype.coerce import coerce_samples

    bad = []
    cfg = col.cfg
    ndim = None if cfg.byte_encoded else col.engine.meta.ndim
    for i, s in enumerate(samples):
        try:
            coerce_samples(cfg, [s], dict(col.entry.info), ndim=ndim)
        except Exception:
            bad.append(i)
    return bad


# ------------------------------------------------------------------ reading


def decode_bytes(cfg: Any, stored: Any) -> Any:
    """Python value of one byte-encoded sample (text / json / list / encoded htypes)."""
    from deeplake_core.htype import forms

    if cfg.sample_form in ("text", "json", "list"):
        return forms.decode(cfg.sample_form, stored)
    return cfg.behavior().decode(cfg, stored)


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
