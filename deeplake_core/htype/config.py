"""Tensor configuration: an htype's defaults combined with the user's choices.

:func:`build_tensor_config` is what ``create_tensor`` calls. It resolves the htype
(aliases, ``sequence[...]``/``link[...]`` wrappers), the dtype, the two compressions
and the htype's creation arguments, checks each one against the htype's spec and the
registered codecs, and returns a :class:`TensorConfig`. Creation arguments and their
defaults (``class_names``, ``coords``, ``keypoints`` ...) go to ``TensorConfig.info``,
which the caller copies into the tensor's ``info``.

Rules:

* ``"unspecified"`` (the default of every parameter) means "use the htype's default";
  ``None`` is an explicit choice (no compression, dtype from the first sample).
* ``sample_compression`` and ``chunk_compression`` exclude each other. Passing one
  drops the htype's default for the other, unless the one passed is ``None``.
* A compression must be a registered codec (aliases such as ``jpg`` resolve to the
  canonical name), allowed by the htype (``allowed_compressions``; ``None`` there
  means every registered byte codec), usable in that role (``applies_to``) and not
  decode-only. Chunk compression is refused for htypes that forbid it (video, audio).
* The dtype of ``text`` (``str``), ``json`` and ``list`` (``object``) is fixed; other
  htypes take any numeric dtype.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError

from deeplake_core.exceptions import (
    TensorMetaInvalidHtype,
    TensorMetaInvalidHtypeOverwriteKey,
    TensorMetaInvalidHtypeOverwriteValue,
    TensorMetaMissingRequiredValue,
    TensorMetaMutuallyExclusiveKeysError,
    UnsupportedCompressionError,
)
from deeplake_core.htype import _registry
from deeplake_core.htype.base import HtypeBehavior
from deeplake_core.htype.casting import NUMERIC_KINDS
from deeplake_core.htype.parse import compose_htype, parse_htype

UNSPECIFIED = "unspecified"

#: Keyword arguments every htype accepts besides its creation arguments.
COMMON_OPTIONS: dict[str, Any] = {
    "max_chunk_size": None,
    "tiling_threshold": None,
    "hidden": False,
    "verify": False,
}

_OBJECT_ALIASES = {"object", "any", "list", "dict", "json"}


class TensorConfig(BaseModel):
    """Everything fixed at tensor creation that the htype decides.

    Serialise with ``model_dump(mode="json")`` and rebuild with
    ``TensorConfig.model_validate(data)``; the spec and behaviour are looked up again
    (from the registry) on first use after a rebuild.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    #: Full htype with aliases resolved: ``bbox``, ``sequence[image]``, ``link[video]``.
    htype: str
    #: The innermost htype name (``image`` for ``sequence[link[image]]``).
    base_htype: str
    #: numpy dtype name, ``"str"`` (text), ``"object"`` (json, list) or ``None`` when
    #: the first sample decides (the caller then records that sample's dtype here).
    dtype: str | None = None
    sample_compression: str | None = None
    chunk_compression: str | None = None
    #: Creation arguments with defaults, for the tensor's ``info``.
    info: dict[str, Any] = {}
    is_sequence: bool = False
    is_link: bool = False
    #: "array", "text", "json" or "list" (the spec's ``sample_form``).
    sample_form: Literal["array", "text", "json", "list"] = "array"
    #: Samples reach the engine as 1-D ``uint8`` byte arrays (text, json, list, and
    #: htypes whose behaviour encodes samples, such as polygon); their shape as users
    #: see it comes from :func:`deeplake_core.htype.logical_shape`.
    byte_encoded: bool = False
    max_chunk_size: int | None = None
    tiling_threshold: int | None = None
    hidden: bool = False
    verify: bool = False

    _spec: Any = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:
        # Fields only: the cached spec is not part of the configuration.
        return isinstance(other, TensorConfig) and self.model_dump() == other.model_dump()

    __hash__ = None  # type: ignore[assignment]  # mutable

    def spec(self, registry: Any = None) -> Any:
        """The :class:`~deeplake_core.plugins.specs.HtypeSpec` of ``base_htype``."""
        if self._spec is None or registry is not None:
            self._spec = _registry.htype_spec(_registry.resolve(registry), self.base_htype)
        return self._spec

    def behavior(self, registry: Any = None) -> HtypeBehavior:
        """The htype's :class:`~deeplake_core.htype.base.HtypeBehavior`."""
        return _registry.behavior_of(self.spec(registry))

    @property
    def numpy_dtype(self) -> np.dtype | None:
        """``dtype`` as a numpy dtype (``str`` gives ``<U0``)."""
        return None if self.dtype is None else np.dtype(self.dtype)

    @property
    def storage_dtype(self) -> str | None:
        """dtype of the arrays handed to the engine: ``uint8`` for byte forms."""
        return "uint8" if self.byte_encoded else self.dtype


def normalize_dtype(value: Any) -> str | None:
    """``np.float32``/``"float32"``/``np.dtype("f4")`` -> ``"float32"``; ``str`` -> ``"str"``."""
    if value is None:
        return None
    if value is str or (isinstance(value, str) and value.lower() in ("str", "string")):
        return "str"
    if value in (object, dict, list) or (
        isinstance(value, str) and value.lower() in _OBJECT_ALIASES
    ):
        return "object"
    try:
        dt = np.dtype(value)
    except (TypeError, ValueError) as exc:
        raise TensorMetaInvalidHtypeOverwriteValue(
            "dtype", value, "Use a numpy dtype such as 'float32', 'uint8' or 'bool'."
        ) from exc
    if dt.kind == "U":
        return "str"
    if dt.kind == "O":
        return "object"
    return dt.name


def _resolve_dtype(spec: Any, dtype: Any) -> str | None:
    if dtype is UNSPECIFIED or (isinstance(dtype, str) and dtype == UNSPECIFIED):
        return spec.fixed_dtype or spec.dtype
    name = normalize_dtype(dtype)
    if spec.fixed_dtype is not None:
        if name is not None and name != normalize_dtype(spec.fixed_dtype):
            raise TensorMetaInvalidHtypeOverwriteValue(
                "dtype",
                dtype,
                f"Tensors of htype {spec.name!r} always have dtype {spec.fixed_dtype!r}; "
                "leave dtype unset.",
            )
        return spec.fixed_dtype
    if name is not None and np.dtype(name if name != "str" else "U").kind not in NUMERIC_KINDS:
        raise TensorMetaInvalidHtypeOverwriteValue(
            "dtype",
            dtype,
            f"Tensors of htype {spec.name!r} hold numbers; use htype='text' for strings "
            "or htype='json' for objects.",
        )
    return name


def _unsupported(compression: Any, htype: str, message: str) -> UnsupportedCompressionError:
    exc = UnsupportedCompressionError(compression, htype)
    exc.args = (message,)
    return exc


def allowed_compressions(spec: Any, registry: Any, role: str = "sample") -> list[str]:
    """Registered codecs usable by ``spec`` as its ``role`` ("sample" or "chunk")."""
    if role == "chunk" and not spec.chunk_compression_allowed:
        return []
    out = []
    for name in _registry.codec_names(registry):
        codec = _registry.codec_spec(registry, name)
        if codec is None or codec.read_only or role not in codec.applies_to:
            continue
        if spec.allowed_compressions is None:
            ok = codec.codec_kind == "byte"
        else:
            ok = codec.name in spec.allowed_compressions
        if ok:
            out.append(codec.name)
    return sorted(set(out))


def _check_compression(spec: Any, registry: Any, value: Any, role: str) -> str | None:
    if value is None:
        return None
    key = f"{role}_compression"
    if not isinstance(value, str):
        raise TensorMetaInvalidHtypeOverwriteValue(
            key, value, "A compression is a codec name such as 'lz4' or 'png', or None."
        )
    usable = allowed_compressions(spec, registry, role)
    hint = (
        f"Compressions usable as {key} for htype {spec.name!r}: "
        f"{', '.join(usable) if usable else '(none)'}, or None."
    )
    if role == "chunk" and not spec.chunk_compression_allowed:
        raise _unsupported(
            value,
            spec.name,
            f"Htype {spec.name!r} does not support chunk compression; use "
            "sample_compression instead.",
        )
    codec = _registry.codec_spec(registry, value.lower())
    if codec is None:
        raise _unsupported(
            value,
            spec.name,
            f"Unknown compression {value!r}: no installed plugin provides it. {hint}",
        )
    allowed = spec.allowed_compressions
    if (allowed is None and codec.codec_kind != "byte") or (
        allowed is not None and codec.name not in allowed
    ):
        raise _unsupported(
            value,
            spec.name,
            f"Compression {value!r} is not supported for htype {spec.name!r}. {hint}",
        )
    if codec.read_only or role not in codec.applies_to:
        why = "can only be read" if codec.read_only else f"cannot be used as {key}"
        raise _unsupported(value, spec.name, f"Compression {codec.name!r} {why}. {hint}")
    return codec.name


def _resolve_compressions(
    spec: Any, behavior: HtypeBehavior, registry: Any, sc: Any, cc: Any, is_link: bool
) -> tuple[str | None, str | None]:
    sc_given = not (isinstance(sc, str) and sc == UNSPECIFIED)
    cc_given = not (isinstance(cc, str) and cc == UNSPECIFIED)
    if sc_given and cc_given and sc is not None and cc is not None:
        raise TensorMetaMutuallyExclusiveKeysError(
            custom_message=(
                "Specify sample_compression or chunk_compression, not both: "
                f"got sample_compression={sc!r} and chunk_compression={cc!r}."
            )
        )
    if not sc_given and not cc_given:
        sc, cc = spec.default_sample_compression, spec.default_chunk_compression
        if behavior.compression_required and sc is None and cc is None and not is_link:
            raise TensorMetaMissingRequiredValue(
                spec.name, ["sample_compression", "chunk_compression"]
            )
    elif sc_given and not cc_given:
        cc = spec.default_chunk_compression if sc is None else None
    elif cc_given and not sc_given:
        sc = spec.default_sample_compression if cc is None else None
    if sc is not None and cc is not None:
        cc = None  # the spec declares both defaults: sample compression wins
    return (
        _check_compression(spec, registry, sc, "sample"),
        _check_compression(spec, registry, cc, "chunk"),
    )


def _resolve_args(spec: Any, behavior: HtypeBehavior, kwargs: dict[str, Any]) -> dict[str, Any]:
    args = copy.deepcopy(dict(spec.creation_args))
    args.update(kwargs)
    if spec.creation_args_model:
        model = _registry.import_string(spec.creation_args_model)
        try:
            validated = model.model_validate(args)
        except ValidationError as exc:
            err = exc.errors()[0]
            key = str(err["loc"][0]) if err.get("loc") else "creation arguments"
            raise TensorMetaInvalidHtypeOverwriteValue(
                key, args.get(key), f"{err['msg']} (htype {spec.name!r})."
            ) from None
        # Keep what the user wrote (``coords={}`` stays ``{}``), normalised to JSON.
        args = {**args, **validated.model_dump(mode="json", exclude_unset=True)}
    return behavior.check_creation_args(spec.name, args)


def build_tensor_config(
    htype: str | None = "generic",
    dtype: Any = UNSPECIFIED,
    sample_compression: Any = UNSPECIFIED,
    chunk_compression: Any = UNSPECIFIED,
    registry: Any = None,
    **kwargs: Any,
) -> TensorConfig:
    """Validate a tensor's creation settings against its htype; see the module doc.

    Raises ``TensorMetaInvalidHtype`` (unknown or malformed htype),
    ``TensorMetaInvalidHtypeOverwriteKey`` (argument the htype does not take),
    ``TensorMetaInvalidHtypeOverwriteValue`` (bad value, dtype included),
    ``TensorMetaMutuallyExclusiveKeysError`` (both compressions),
    ``TensorMetaMissingRequiredValue`` (htype needs a compression choice) and
    ``UnsupportedCompressionError`` (unknown or disallowed compression).
    """
    parsed = parse_htype(htype)
    registry = _registry.resolve(registry)
    spec = _registry.htype_spec(registry, parsed.name)
    for wrapped, allowed in (("sequence", spec.supports_sequence), ("link", spec.supports_link)):
        if getattr(parsed, f"is_{wrapped}") and not allowed:
            exc = TensorMetaInvalidHtype(parsed.full, [])
            exc.args = (
                f"Htype {spec.name!r} cannot be wrapped in {wrapped}[...]; use {spec.name!r} "
                "directly or another htype.",
            )
            raise exc
    behavior = _registry.behavior_of(spec)
    options = {k: kwargs.pop(k) for k in list(kwargs) if k in COMMON_OPTIONS}
    unknown = [k for k in kwargs if k not in spec.creation_args]
    if unknown:
        available = [
            "dtype",
            "sample_compression",
            "chunk_compression",
            *COMMON_OPTIONS,
            *spec.creation_args,
        ]
        raise TensorMetaInvalidHtypeOverwriteKey(spec.name, unknown[0], available)
    resolved_dtype = _resolve_dtype(spec, dtype)
    sc, cc = _resolve_compressions(
        spec, behavior, registry, sample_compression, chunk_compression, parsed.is_link
    )
    info = _resolve_args(spec, behavior, kwargs)
    byte_encoded = spec.sample_form != "array" or behavior.encodes_samples
    cfg = TensorConfig(
        htype=compose_htype(spec.name, parsed.is_sequence, parsed.is_link),
        base_htype=spec.name,
        dtype=resolved_dtype,
        sample_compression=sc,
        chunk_compression=cc,
        info=info,
        is_sequence=parsed.is_sequence,
        is_link=parsed.is_link,
        sample_form=spec.sample_form,
        byte_encoded=byte_encoded,
        **{**COMMON_OPTIONS, **options},
    )
    cfg._spec = spec
    return cfg


__all__ = [
    "COMMON_OPTIONS",
    "UNSPECIFIED",
    "TensorConfig",
    "allowed_compressions",
    "build_tensor_config",
    "normalize_dtype",
]
