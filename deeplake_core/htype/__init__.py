"""The htype layer: what an htype means for the samples of a tensor.

It sits between Dataset/Tensor and the chunk engine. Contract:

``parse_htype(s) -> ParsedHtype(name, is_sequence, is_link, full)``
    Split ``"sequence[link[image]]"`` into its base name and wrappers
    (:mod:`~deeplake_core.htype.parse`).

``build_tensor_config(htype, dtype, sample_compression, chunk_compression, registry=None, **kwargs) -> TensorConfig``
    Validate creation settings against the htype spec and the registered codecs;
    ``TensorConfig.info`` holds the creation arguments for the tensor's info
    (:mod:`~deeplake_core.htype.config`).

``coerce_samples(cfg, samples, info, *, ndim=None, registry=None)``
    Samples -> an ndarray batch, or a list of ndarray / ``None`` / pass-through objects
    (one list of items per sample for sequences); text, json and list samples become
    1-D ``uint8`` byte arrays. Updates ``info`` (new class names ...) only on success
    (:mod:`~deeplake_core.htype.coerce`, dtype rule in :mod:`~deeplake_core.htype.casting`).

``present(cfg, arrays, info, form="numpy", *, aslist=False, single=False, extras=None)``
    Stored arrays -> ``numpy()``, ``text()``, ``dict()``, ``list()`` or ``data()`` values;
    ``logical_shape(cfg, stored)`` gives the user-visible shape of a stored sample
    (:mod:`~deeplake_core.htype.present`).

``HtypeBehavior``
    Base class of the code an htype plugin attaches to its spec
    (:mod:`~deeplake_core.htype.base`).
"""

from __future__ import annotations

from deeplake_core.htype.base import HtypeBehavior
from deeplake_core.htype.casting import cast_array
from deeplake_core.htype.coerce import coerce_samples
from deeplake_core.htype.config import (
    COMMON_OPTIONS,
    UNSPECIFIED,
    TensorConfig,
    allowed_compressions,
    build_tensor_config,
    normalize_dtype,
)
from deeplake_core.htype.parse import DEFAULT_HTYPE, ParsedHtype, compose_htype, parse_htype
from deeplake_core.htype.present import logical_shape, present

__all__ = [
    "COMMON_OPTIONS",
    "DEFAULT_HTYPE",
    "UNSPECIFIED",
    "HtypeBehavior",
    "ParsedHtype",
    "TensorConfig",
    "allowed_compressions",
    "build_tensor_config",
    "cast_array",
    "coerce_samples",
    "compose_htype",
    "logical_shape",
    "normalize_dtype",
    "parse_htype",
    "present",
]
