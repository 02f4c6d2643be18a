"""``deeplake.link_tiled``: links to equal tiles that form one large image."""

from __future__ import annotations

import numpy as np

from deeplake_core.core.sample import LinkedTiledSample


def link_tiled(path_array: np.ndarray, creds_key: str | None = None) -> LinkedTiledSample:
    """A link to a large image made of tiles (all of the same shape).

    ``path_array`` is an object array of paths; its shape is the grid of tiles, so a
    (10, 10) grid of 1000x1200x3 images is a 10000x12000x3 sample. Stored in a
    ``link[image]`` tensor; tiles are fetched when the sample is read.
    """
    return LinkedTiledSample(path_array, creds_key)
