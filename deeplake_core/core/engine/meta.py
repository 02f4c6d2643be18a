"""``TensorMeta``: what the engine needs to know about a tensor (JSON-serialisable)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: Default target size of a chunk in bytes (see docs/format.md for the measurement).
DEFAULT_MAX_CHUNK_SIZE = 16 * 1024 * 1024


class TensorMeta(BaseModel):
    """Per-tensor settings and running statistics kept in the dataset manifest.

    The engine updates ``dtype`` (from the first sample when ``None``), ``ndim``,
    ``min_shape``/``max_shape`` (bounds over every sample ever written, as in the
    reference ``shape_interval``) and ``length``. Extra fields are kept as given, so
    upper layers may store their own settings here.
    """

    model_config = ConfigDict(extra="allow")

    htype: str = "generic"
    dtype: str | None = None
    sample_compression: str | None = None
    chunk_compression: str | None = None
    max_chunk_size: int = Field(default=DEFAULT_MAX_CHUNK_SIZE, ge=1)
    #: Samples larger than this many (stored) bytes are tiled. ``None``: the chunk
    #: size; ``-1``: never tile.
    tiling_threshold: int | None = None
    is_text_like: bool = False
    ndim: int | None = None
    min_shape: list[int] | None = None
    max_shape: list[int] | None = None
    length: int = 0

    @model_validator(mode="after")
    def _check(self) -> TensorMeta:
        if self.sample_compression and self.chunk_compression:
            raise ValueError(
                "sample_compression and chunk_compression are mutually exclusive; set one"
            )
        t = self.tiling_threshold
        if t is not None and t != -1 and t < 1:
            raise ValueError("tiling_threshold must be a positive byte count, -1 or None")
        return self

    def effective_tiling_threshold(self) -> int | None:
        """Byte size above which a sample is tiled; ``None`` when tiling is off."""
        if self.tiling_threshold == -1:
            return None
        return self.tiling_threshold or self.max_chunk_size
