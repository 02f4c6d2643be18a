"""Splitting oversized samples into tiles and reading back only the tiles needed."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

import numpy as np


def choose_tile_shape(shape: tuple[int, ...], itemsize: int, target_bytes: int) -> tuple[int, ...]:
    """Halve the longest axis until one tile holds at most ``target_bytes``."""
    tile = list(shape)
    while math.prod(tile) * itemsize > target_bytes and max(tile, default=1) > 1:
        i = int(np.argmax(tile))
        tile[i] = -(-tile[i] // 2)
    return tuple(tile)


def grid_shape(shape: tuple[int, ...], tile: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(-(-s // t) for s, t in zip(shape, tile, strict=True))


def iter_tiles(shape: tuple[int, ...], tile: tuple[int, ...]) -> Iterator[tuple[slice, ...]]:
    """Slices of every tile of a sample, in C order of the tile grid."""
    for g in itertools.product(*(range(n) for n in grid_shape(shape, tile))):
        yield tuple(
            slice(i * t, min((i + 1) * t, s)) for i, t, s in zip(g, tile, shape, strict=True)
        )


def normalize_subindex(
    shape: tuple[int, ...], subindex: tuple | None
) -> tuple[list[tuple[int, int]], tuple]:
    """Bounding box ``[(lo, hi), ...]`` of a subindex and the index to apply to that box.

    ``subindex`` holds ints and slices for the leading axes (missing axes mean ``:``).
    """
    if subindex is None:
        subindex = ()
    elif not isinstance(subindex, tuple):
        subindex = (subindex,)
    if len(subindex) > len(shape):
        raise IndexError(f"too many indices ({len(subindex)}) for a sample of shape {shape}")
    box: list[tuple[int, int]] = []
    post: list[int | slice] = []
    for axis, dim in enumerate(shape):
        e = subindex[axis] if axis < len(subindex) else slice(None)
        if isinstance(e, (int, np.integer)):
            i = int(e) + dim if e < 0 else int(e)
            if not 0 <= i < dim:
                raise IndexError(f"index {int(e)} is out of bounds for axis {axis} of size {dim}")
            box.append((i, i + 1))
            post.append(0)
        elif isinstance(e, slice):
            start, stop, step = e.indices(dim)
            picked = range(start, stop, step)
            if len(picked) == 0:
                box.append((0, 0))
                post.append(slice(0, 0))
                continue
            lo, hi = min(picked[0], picked[-1]), max(picked[0], picked[-1]) + 1
            box.append((lo, hi))
            if step > 0:
                post.append(slice(0, hi - lo, step))
            else:
                end = stop - lo
                post.append(slice(start - lo, end if end >= 0 else None, step))
        else:
            raise TypeError(
                f"sample subindex entries must be ints or slices, got {type(e).__name__}"
            )
    return box, tuple(post)


def tiles_in_box(
    shape: tuple[int, ...], tile: tuple[int, ...], box: list[tuple[int, int]]
) -> Iterator[tuple[int, tuple[slice, ...], tuple[slice, ...]]]:
    """For each tile meeting ``box``: (flat tile number, slice in tile, slice in box)."""
    if any(hi <= lo for lo, hi in box):
        return
    grid = grid_shape(shape, tile)
    ranges = [range(lo // t, (hi - 1) // t + 1) for (lo, hi), t in zip(box, tile, strict=True)]
    for g in itertools.product(*ranges):
        flat = int(np.ravel_multi_index(g, grid)) if grid else 0
        in_tile, in_box = [], []
        for i, t, (lo, hi), s in zip(g, tile, box, shape, strict=True):
            t_lo, t_hi = i * t, min((i + 1) * t, s)
            a, b = max(lo, t_lo), min(hi, t_hi)
            in_tile.append(slice(a - t_lo, b - t_lo))
            in_box.append(slice(a - lo, b - lo))
        yield flat, tuple(in_tile), tuple(in_box)


def tile_extent(shape: tuple[int, ...], tile: tuple[int, ...], flat: int) -> tuple[int, ...]:
    """Actual shape of tile number ``flat`` (edge tiles are smaller)."""
    g = np.unravel_index(flat, grid_shape(shape, tile)) if shape else ()
    return tuple(min(t, s - int(i) * t) for i, t, s in zip(g, tile, shape, strict=True))
