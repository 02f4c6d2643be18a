"""Epoch planning: which samples a loader yields, in which order, fetched how.

Everything here works on integer arrays only (no data is touched), so a plan for a
million samples costs a few numpy calls and is a pure function of its inputs. That is
what makes a mid-epoch ``state_dict`` enough to resume: the same seed and epoch give
the same plan, and the loader skips what it already yielded.

Terms: a *position* is an index into the view being loaded (``0 .. n-1``); a *chunk
key* is the chunk (of the largest tensor) that holds a position's row. A plan is

* ``order``: positions in the order they are yielded (this rank's share only), and
* ``groups``: the same positions split into fetch groups, each inside one chunk, listed
  in the order they are first needed. A group is read with one engine call per tensor,
  so a chunk is fetched once per group.

Shuffling (``shuffle=True``) permutes chunk groups, cuts the resulting stream into
per-rank shares, then moves each sample at most ``buffer`` places along its share
(sorting by ``position_in_stream + buffer * U(0, 1)``). At any time fewer than
``buffer`` samples have been fetched but not yet yielded (plus one group), so memory
is bounded by the buffer, while every chunk is still fetched exactly once per epoch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

I64 = np.int64


@dataclass(frozen=True)
class EpochPlan:
    """Order of yielded positions and the fetch groups that cover them."""

    order: np.ndarray
    groups: list[np.ndarray]

    def __len__(self) -> int:
        return len(self.order)


def epoch_rng(seed: int, epoch: int, stream: int = 0) -> np.random.Generator:
    """The generator for one epoch (``stream`` separates independent uses)."""
    return np.random.default_rng([int(seed) & (2**63 - 1), int(epoch), int(stream)])


def split_by_chunk(positions: np.ndarray, chunk_keys: np.ndarray, max_group: int) -> list:
    """Positions grouped by chunk key (groups ordered by first position, positions kept
    in their given order), each group cut into pieces of at most ``max_group``."""
    if len(positions) == 0:
        return []
    keys = chunk_keys[positions]
    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    cuts = np.flatnonzero(sk[1:] != sk[:-1]) + 1
    groups = np.split(positions[order], cuts)
    groups.sort(key=lambda g: int(g[0]) if len(g) else 0)
    out = []
    for g in groups:
        if len(g) <= max_group:
            out.append(g)
        else:
            out.extend(np.split(g, range(max_group, len(g), max_group)))
    return out


def shard_bounds(n: int, rank: int, world: int) -> tuple[int, int]:
    """``[start, stop)`` of rank ``rank``'s share of ``n`` items (sizes differ by <= 1)."""
    if world < 1 or not 0 <= rank < world:
        raise ValueError(f"rank {rank} is not in range for a world of size {world}")
    base, extra = divmod(n, world)
    start = rank * base + min(rank, extra)
    return start, start + base + (1 if rank < extra else 0)


def _windowed_groups(order: np.ndarray, chunk_keys: np.ndarray, window: int) -> list:
    """Fetch groups for a fixed ``order``: within each window of ``window`` consecutive
    positions, positions sharing a chunk form one group; groups by first need."""
    n = len(order)
    if n == 0:
        return []
    keys = chunk_keys[order]
    win = np.arange(n, dtype=I64) // max(1, window)
    # stable sort by (window, chunk key) keeps order inside a group = yield order
    idx = np.lexsort((keys, win))
    k2, w2 = keys[idx], win[idx]
    cuts = np.flatnonzero((k2[1:] != k2[:-1]) | (w2[1:] != w2[:-1])) + 1
    parts = np.split(idx, cuts)
    parts.sort(key=lambda p: int(p[0]))  # first need = smallest yield index
    return [order[p] for p in parts]


def plan_epoch(
    positions: np.ndarray,
    chunk_keys: np.ndarray,
    *,
    shuffle: bool,
    buffer: int,
    seed: int,
    epoch: int,
    rank: int = 0,
    world: int = 1,
) -> EpochPlan:
    """Plan one epoch over ``positions`` (the view's positions, in view order).

    ``chunk_keys[p]`` is the chunk of position ``p``; ``buffer`` the shuffle buffer and
    fetch window in samples. Ranks partition the positions: the union of every rank's
    ``order`` is ``positions``, each exactly once.
    """
    positions = np.asarray(positions, I64)
    chunk_keys = np.asarray(chunk_keys, I64)
    buffer = max(1, int(buffer))
    if not shuffle:
        lo, hi = shard_bounds(len(positions), rank, world)
        order = positions[lo:hi]
        return EpochPlan(order, _windowed_groups(order, chunk_keys, buffer))
    rng = epoch_rng(seed, epoch)
    pieces = split_by_chunk(positions, chunk_keys, max(1, buffer // 4))
    pieces = [pieces[i] for i in rng.permutation(len(pieces))]
    stream = np.concatenate(pieces) if pieces else positions[:0]
    lo, hi = shard_bounds(len(stream), rank, world)
    share = stream[lo:hi]
    # fetch groups: the stream's pieces, cut at this rank's share boundaries
    ends = np.cumsum([len(p) for p in pieces], dtype=I64)
    cuts = ends[(ends > lo) & (ends < hi)] - lo
    fetch = [g for g in np.split(share, cuts) if len(g)]
    local = epoch_rng(seed, epoch, stream=1 + rank)
    m = len(share)
    if m <= buffer:
        order = share[local.permutation(m)]
    else:
        keys = np.arange(m, dtype=np.float64) + local.random(m) * buffer
        order = share[np.argsort(keys, kind="stable")]
    if m:
        first_need = np.empty(len(chunk_keys), I64)
        first_need[order] = np.arange(m, dtype=I64)
        fetch.sort(key=lambda g: int(first_need[g].min()))
    return EpochPlan(order, fetch)
