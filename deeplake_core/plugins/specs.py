"""Pydantic models that describe what a plugin provides.

A plugin's entry module returns instances of these models (or plain mappings that
validate into them) from the ``register_*`` hooks. Specs are *data*: the code that
implements a spec is named by an import string (``"package.module:attr"``) and is
imported only when first used, so importing a plugin's entry module stays cheap.

Provenance (which distribution and entry point provided a spec) is stamped by the
kernel in :mod:`deeplake_core.plugins.registry`, never supplied by the plugin.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

#: ``image``, ``image.rgb``, ``bbox.3d``, ``acme.xray``: lowercase dotted identifiers.
NAME_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$"
#: ``package.module:attr`` (attr may be dotted).
IMPORT_PATTERN = r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$"

SpecName = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
ImportPath = Annotated[str, StringConstraints(pattern=IMPORT_PATTERN)]


class PluginSpec(BaseModel):
    """Fields shared by every kind of spec."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    name: SpecName
    #: Name of a spec of the same kind that this one deliberately overrides.
    replaces: SpecName | None = None
    #: One line for listings (``deeplake-core plugins --load``).
    description: str = ""

    #: The kind, used in messages and the registry; set by each subclass.
    kind: str = ""


class HtypeSpec(PluginSpec):
    """An htype: the meaning, defaults and checks of a kind of tensor."""

    kind: Literal["htype"] = "htype"
    #: Names this htype also answers to (``intrinsic`` for ``intrinsics``).
    aliases: frozenset[SpecName] = frozenset()
    #: Parent htype for variants (``image.rgb`` -> ``image``); ``base_htype`` reports it.
    base: SpecName | None = None
    #: Default numpy dtype string; ``None`` means "taken from the first sample".
    dtype: str | None = None
    #: dtype forced whatever the user passes (``text`` is always ``str``); None = free.
    fixed_dtype: str | None = None
    #: Ranks one sample may have (batch axis excluded); None = any.
    sample_ndim: frozenset[int] | None = None
    #: Allowed sizes of the last axis (bbox {4}, point {2, 3}); None = any.
    last_dim: frozenset[int] | None = None
    default_sample_compression: str | None = None
    default_chunk_compression: str | None = None
    #: Codec names allowed for this htype; None = every registered byte codec.
    allowed_compressions: frozenset[str] | None = None
    #: Whether chunk-wise compression is allowed at all (not for audio/video).
    chunk_compression_allowed: bool = True
    #: Whether raw arrays may be appended (audio/video only accept compressed files).
    raw_arrays_allowed: bool = True
    #: Creation arguments and their defaults (``class_names``, ``coords`` ...); these are
    #: kept in the tensor's ``info``. Unknown keyword arguments are refused.
    creation_args: dict[str, Any] = Field(default_factory=dict)
    #: Optional pydantic model (import string) validating ``creation_args`` values.
    creation_args_model: ImportPath | None = None
    #: Python-side form of one sample: "array" (numpy), "text", "json", "list".
    sample_form: Literal["array", "text", "json", "list"] = "array"
    supports_sequence: bool = True
    supports_link: bool = False
    #: Import string of a class implementing :class:`deeplake_core.htype.base.HtypeBehavior`
    #: for checks and conversions a field cannot express (class-label strings ...).
    behavior: ImportPath | None = None
    #: Ingest detection.
    file_extensions: frozenset[str] = frozenset()
    mimetypes: frozenset[str] = frozenset()
    #: ``(offset, bytes)`` signatures, e.g. ``(128, b"DICM")``.
    magic: frozenset[tuple[int, bytes]] = frozenset()

    @field_validator("dtype", "fixed_dtype")
    @classmethod
    def _dtype_is_numpy(cls, v: str | None) -> str | None:
        if v is None:
            return v
        import numpy as np

        try:
            np.dtype(v)
        except TypeError as exc:  # pragma: no cover - message path tested via registry
            raise ValueError(f"{v!r} is not a numpy dtype") from exc
        return v


CodecKind = Literal["byte", "image", "video", "audio", "point_cloud", "mesh", "medical"]


class CodecSpec(PluginSpec):
    """A compression format.

    ``impl`` resolves to a class implementing :class:`deeplake_core.codecs.base.ByteCodec`
    (``kind == "byte"``: bytes in, bytes out; usable for sample and chunk compression)
    or :class:`deeplake_core.codecs.base.ArrayCodec` (media: array <-> file bytes).
    One name means one byte format forever: an incompatible change takes a new name.
    """

    kind: Literal["codec"] = "codec"
    codec_kind: CodecKind = "byte"
    aliases: frozenset[SpecName] = frozenset()
    applies_to: frozenset[Literal["sample", "chunk"]] = frozenset({"sample", "chunk"})
    lossless: bool = True
    #: Decode-only formats (can be read, never written).
    read_only: bool = False
    file_extensions: frozenset[str] = frozenset()
    impl: ImportPath
    #: Import string of a pydantic model for the codec's configuration (level ...).
    config_model: ImportPath | None = None


class StorageProviderSpec(PluginSpec):
    """A storage provider for one or more URL schemes."""

    kind: Literal["storage_provider"] = "storage_provider"
    #: URL schemes served (``mem``, ``file``, ``s3`` ...). ``""`` means plain paths;
    #: ``"*"`` makes the provider the fallback for schemes no other provider serves.
    schemes: frozenset[str]
    impl: ImportPath
    #: Import names that must be importable (checked without importing).
    requires: tuple[str, ...] = ()
    install_hint: str = ""
    supports_writes: bool = True
    supports_deletes: bool = True
    supports_listing: bool = True
    supports_range_reads: bool = True
    supports_conditional_put: bool = False

    @field_validator("schemes")
    @classmethod
    def _schemes_lowercase(cls, v: frozenset[str]) -> frozenset[str]:
        for s in v:
            if s and s != "*" and not re.fullmatch(r"[a-z][a-z0-9+.-]*", s):
                raise ValueError(f"invalid URL scheme {s!r}")
        return v


class QueryFunctionSpec(PluginSpec):
    """A TQL function (``CONTAINS``, ``COSINE_SIMILARITY`` ...). Names are matched
    case-insensitively; specs use lowercase."""

    kind: Literal["query_function"] = "query_function"
    impl: ImportPath
    #: Argument kinds, for the planner's checks: "any", "array", "scalar", "string", "number", "bool".
    arg_types: tuple[str, ...] = ()
    #: Whether the last argument kind repeats (variadic).
    variadic: bool = False
    return_type: str = "any"
    deterministic: bool = True
    #: True: called once per batch with columns; False: once per row.
    vectorized: bool = True
    aggregate: bool = False


class _RequiresSpec(PluginSpec):
    impl: ImportPath
    requires: tuple[str, ...] = ()
    install_hint: str = ""


class SchedulerSpec(_RequiresSpec):
    """A compute scheduler for transforms (``serial``, ``threaded``, ``processed``, ``ray``)."""

    kind: Literal["scheduler"] = "scheduler"


class VectorIndexSpec(_RequiresSpec):
    """A vector index for embedding search."""

    kind: Literal["vector_index"] = "vector_index"
    metrics: frozenset[str] = frozenset({"cos", "l2"})


class IngestSourceSpec(_RequiresSpec):
    """A source of data for ``ingest_*`` functions (a folder layout, COCO, a dataframe ...)."""

    kind: Literal["ingest_source"] = "ingest_source"


class IntegrationSpec(_RequiresSpec):
    """An integration (W&B, MMDetection, Hugging Face, Kaggle ...)."""

    kind: Literal["integration"] = "integration"


class PluginInfo(BaseModel):
    """What a plugin's entry module declares about itself (``plugin_info`` hook)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: The plugin API major version the plugin was written for.
    api: int
    description: str = ""


class Provenance(BaseModel):
    """Where a spec (or a plugin) comes from. Stamped by the kernel, never by plugins."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Plugin name: the entry-point name, or the name given to ``register()``.
    plugin: str
    #: Distribution (package) name; ``None`` for plugins registered in-process.
    distribution: str | None = None
    version: str | None = None
    #: Entry-point value (``"acme_htypes._plugin"``); ``None`` for in-process plugins.
    entry_point: str | None = None

    def describe(self) -> str:
        """``plugin 'acme' (acme-htypes 1.2, entry point acme = acme_htypes._plugin)``."""
        if self.distribution is None:
            return f"plugin {self.plugin!r} (registered in-process)"
        where = f"{self.distribution} {self.version or '?'}"
        if self.entry_point:
            where += f", entry point {self.plugin} = {self.entry_point}"
        return f"plugin {self.plugin!r} ({where})"


#: Registry kind name -> spec model. The single source of truth for the kinds.
SPEC_KINDS: dict[str, type[PluginSpec]] = {
    "htypes": HtypeSpec,
    "codecs": CodecSpec,
    "storage_providers": StorageProviderSpec,
    "query_functions": QueryFunctionSpec,
    "schedulers": SchedulerSpec,
    "vector_indexes": VectorIndexSpec,
    "ingest_sources": IngestSourceSpec,
    "integrations": IntegrationSpec,
}
