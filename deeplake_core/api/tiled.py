"""``deeplake.tiled``: an empty sample to be filled later by slice assignment."""

from __future__ import annotations

from typing import Any

import numpy as np

from deeplake_core.core.sample import PartialSample


def tiled(
    sample_shape: tuple[int, ...],
    tile_shape: tuple[int, ...] | None = None,
    dtype: Any = np.dtype("uint8"),
) -> PartialSample:
    """An all-zero sample of ``sample_shape`` to append, then fill with
    ``ds.t[i][region] = values``. Samples larger than the tensor's tiling threshold are
    stored as tiles, and reading a region fetches only the tiles it touches
    (``tile_shape`` is recorded as a hint; the tensor's tiling chooses the tiles)."""
    return PartialSample(sample_shape, tile_shape, dtype)
