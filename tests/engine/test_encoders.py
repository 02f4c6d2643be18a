"""Index encoders agree with plain Python reference models."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from deeplake_core.core.engine.encoders import BytePositions, Growable, RunEncoder, SampleMap

FAST = settings(max_examples=80, deadline=None)


@FAST
@given(
    st.lists(
        st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=0, max_size=20),
        max_size=6,
    )
)
def test_run_encoder_matches_list(batches: list[list[tuple[int, int]]]) -> None:
    enc = RunEncoder(2)
    ref: list[tuple[int, int]] = []
    for b in batches:
        enc.extend(np.array(b, dtype=np.int64).reshape(-1, 2))
        ref.extend(b)
    assert enc.n == len(ref)
    if ref:
        got = enc.lookup(np.arange(len(ref)))
        assert [tuple(r) for r in got.tolist()] == ref
        # runs are maximal: no two neighbouring runs hold equal values
        vals = enc.values.view
        assert not (vals[1:] == vals[:-1]).all(axis=1).any()
        cut = len(ref) // 2
        enc.truncate(cut)
        if cut:
            assert [tuple(r) for r in enc.lookup(np.arange(cut)).tolist()] == ref[:cut]


def test_run_encoder_widen_and_repeat() -> None:
    enc = RunEncoder(0)
    enc.extend_repeat((), 3)
    enc.widen(2)
    enc.extend_repeat((4, 5), 2)
    assert enc.lookup(np.arange(5)).tolist() == [[0, 0]] * 3 + [[4, 5]] * 2


@FAST
@given(st.lists(st.lists(st.integers(0, 5), max_size=12), max_size=5))
def test_byte_positions_match_offsets(chunks: list[list[int]]) -> None:
    """Each inner list is one chunk's sample sizes; offsets restart at 0 per chunk."""
    bp = BytePositions()
    ref: list[tuple[int, int]] = []
    for sizes in chunks:
        s = np.array(sizes, dtype=np.int64)
        offs = np.concatenate([[0], np.cumsum(s)[:-1]]) if len(s) else s
        if len(s) % 2:
            bp.extend(offs, s)
        else:  # exercise the uniform path too
            for o, n in zip(offs.tolist(), sizes, strict=True):
                bp.extend_uniform(o, n, 1)
        ref.extend(zip(offs.tolist(), sizes, strict=True))
    if ref:
        o, n = bp.lookup(np.arange(len(ref)))
        assert list(zip(o.tolist(), n.tolist(), strict=True)) == ref


def test_growable_keeps_values() -> None:
    g = Growable(np.int64, 3)
    for i in range(100):
        g.append([[i, i, i]])
    assert g.view[:, 0].tolist() == list(range(100))


edits = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.integers(1, 5)),
        st.tuples(st.just("update"), st.lists(st.integers(0, 400), min_size=1, max_size=8)),
        st.tuples(st.just("pop"), st.lists(st.integers(0, 400), min_size=1, max_size=8)),
    ),
    max_size=25,
)


@FAST
@given(edits, st.booleans())
def test_sample_map_matches_list(ops: list, dense_edits: bool) -> None:
    m = SampleMap()
    if dense_edits:
        m.DENSE_EDIT_THRESHOLD = 0
    ref: list[int] = []
    nphys = 0
    for op, arg in ops:
        if op == "append":
            m.append(nphys, arg)
            ref.extend(range(nphys, nphys + arg))
            nphys += arg
        elif not ref:
            continue
        elif op == "update":
            idx = sorted({i % len(ref) for i in arg})
            m.repoint(np.array(idx), nphys)
            for k, i in enumerate(idx):
                ref[i] = nphys + k
            nphys += len(idx)
        else:
            idx = sorted({i % len(ref) for i in arg})
            m.delete(np.array(idx))
            for i in reversed(idx):
                del ref[i]
        assert m.length == len(ref)
        assert m.dense().tolist() == ref
        if ref:
            a, b = len(ref) // 3, len(ref)
            p, c = m.ranges(a, b)
            flat = [x for s, n in zip(p.tolist(), c.tolist(), strict=True) for x in range(s, s + n)]
            assert flat == ref[a:b]
