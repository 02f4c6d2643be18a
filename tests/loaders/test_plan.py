"""Epoch plans: partitions, chunk grouping and the memory bound of shuffling."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from deeplake_core.loaders.plan import plan_epoch, shard_bounds


def _chunks(n: int, per: int) -> np.ndarray:
    return np.arange(n, dtype=np.int64) // per


def _max_held(plan) -> int:
    """Most samples fetched (group of a yielded sample opened) but not yet yielded."""
    gid = {}
    for k, g in enumerate(plan.groups):
        for p in g.tolist():
            gid[p] = k
    opened, held, worst = set(), 0, 0
    for p in plan.order.tolist():
        k = gid[p]
        if k not in opened:
            opened.add(k)
            held += len(plan.groups[k])
        held -= 1
        worst = max(worst, held + 1)
    return worst


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 400),
    per=st.integers(1, 50),
    world=st.integers(1, 4),
    shuffle=st.booleans(),
    buffer=st.integers(1, 500),
    seed=st.integers(0, 2**32),
)
def test_ranks_partition_positions_and_groups_cover_order(n, per, world, shuffle, buffer, seed):
    positions = np.arange(n, dtype=np.int64)
    keys = _chunks(n, per)
    seen = []
    for rank in range(world):
        plan = plan_epoch(
            positions,
            keys,
            shuffle=shuffle,
            buffer=buffer,
            seed=seed,
            epoch=3,
            rank=rank,
            world=world,
        )
        seen.extend(plan.order.tolist())
        flat = np.concatenate(plan.groups) if plan.groups else np.zeros(0, np.int64)
        assert sorted(flat.tolist()) == sorted(plan.order.tolist())
        for g in plan.groups:  # a group never spans two chunks
            assert len(set(keys[g].tolist())) == 1
        lo, hi = shard_bounds(n, rank, world)
        assert len(plan) == hi - lo
    assert sorted(seen) == list(range(n))


@settings(max_examples=40, deadline=None)
@given(n=st.integers(50, 600), per=st.integers(2, 40), buffer=st.integers(8, 200))
def test_shuffle_holds_at_most_buffer_plus_one_group(n, per, buffer):
    plan = plan_epoch(
        np.arange(n, dtype=np.int64), _chunks(n, per), shuffle=True, buffer=buffer, seed=1, epoch=0
    )
    biggest = max(len(g) for g in plan.groups)
    assert _max_held(plan) <= buffer + 2 * biggest


def test_same_seed_same_plan_other_epoch_other_order():
    pos, keys = np.arange(300, dtype=np.int64), _chunks(300, 10)
    a = plan_epoch(pos, keys, shuffle=True, buffer=100, seed=5, epoch=1)
    b = plan_epoch(pos, keys, shuffle=True, buffer=100, seed=5, epoch=1)
    c = plan_epoch(pos, keys, shuffle=True, buffer=100, seed=5, epoch=2)
    assert a.order.tolist() == b.order.tolist() != c.order.tolist()


def test_unshuffled_random_view_fetches_each_chunk_once_per_window():
    rng = np.random.default_rng(0)
    rows_chunk = _chunks(1000, 25)  # 40 chunks
    view = rng.permutation(1000)[:400]  # a random-order view
    keys = rows_chunk[view]
    plan = plan_epoch(np.arange(400), keys, shuffle=False, buffer=1000, seed=0, epoch=0)
    assert plan.order.tolist() == list(range(400))
    assert len(plan.groups) == len(np.unique(keys))  # one fetch per chunk
