"""deeplake_core.core.index: documented examples and equivalence with NumPy indexing."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from deeplake_core.core.index import (
    Index,
    IndexEntry,
    merge_slices,
    slice_at_int,
    slice_length,
)
from deeplake_core.exceptions import InvalidKeyTypeError

# ------------------------------------------------------------------ documented examples


def test_index_entry_doc_examples():
    assert IndexEntry()[0:100] == IndexEntry(slice(0, 100, None))
    assert IndexEntry()[100:200][5] == IndexEntry(105)
    assert IndexEntry()[(0, 1, 2, 3)] == IndexEntry((0, 1, 2, 3))
    assert IndexEntry()[1, 2, 3] == IndexEntry((1, 2, 3))
    assert repr(IndexEntry()[0:100]) == "IndexEntry(slice(0, 100, None))"
    assert repr(IndexEntry((0, 1, 2, 3))) == "IndexEntry((0, 1, 2, 3))"
    assert IndexEntry(slice(5, 10)).length(100) == 5
    assert IndexEntry(slice(5, 100)).length(50) == 45
    assert IndexEntry(0).length(10) == 1
    with pytest.raises(TypeError):
        IndexEntry(3)[0]


def test_index_doc_examples():
    assert Index([5, slice(None)])[5] == Index([5, 5])
    assert Index([5])[5:6] == Index([5, slice(5, 6)])
    assert Index()[0, 1, 2:5, 3] == Index([0, 1, slice(2, 5), 3])
    assert Index([slice(None), slice(None)]).compose_at(5) == Index([slice(None), slice(None), 5])
    assert Index([slice(None), slice(5, 10), slice(None)]).compose_at(3, 1) == Index(
        [slice(None), 8, slice(None)]
    )
    assert repr(Index([5, slice(5, 6)])) == "Index([5, slice(5, 6, None)])"
    with pytest.raises(TypeError):
        Index()["images"]
    with pytest.raises(InvalidKeyTypeError):
        Index()[1.5]


def test_module_function_doc_examples():
    assert slice_at_int(slice(None), 10) == 10
    assert slice_at_int(slice(10, 20, 2), 3) == 16
    with pytest.raises(NotImplementedError):
        slice_at_int(slice(2, 10), -1)
    with pytest.raises(IndexError):
        slice_at_int(slice(2, 5, -1), 0)
    with pytest.raises(NotImplementedError):
        merge_slices(slice(0, 10), slice(-3, None))
    assert slice_length(slice(5, 100), 50) == 45
    assert slice_length(slice(None, None, -2), 5) == 3


def test_index_queries():
    idx = Index([slice(None), 3, slice(1, 4)])
    assert idx.find_axis() == 0 and idx.find_axis(1) == 2 and idx.find_axis(2) is None
    assert Index().is_trivial() and Index([slice(None), slice(None)]).is_trivial()
    assert not Index(slice(1, None)).is_trivial()
    assert Index(slice(0, 10)).is_trivial(parent_length=10)
    assert Index([0, 1, 2]).values[0].subscriptable() is False
    assert Index(5).subscriptable() is False and Index([[1, 2]]).subscriptable()
    assert Index(slice(2, 8)).length(5) == 3
    Index(4).validate(5)
    Index(-5).validate(5)
    with pytest.raises(IndexError, match="out of range"):
        Index(5).validate(5)
    with pytest.raises(IndexError):
        Index([[0, 9]]).validate(5)
    Index(slice(0, 1000)).validate(5)  # slices clip


def test_to_array_is_vectorised_int64_and_read_only():
    arr = IndexEntry(slice(2, None, 3)).to_array(10)
    assert arr.dtype == np.int64 and arr.tolist() == [2, 5, 8]
    assert not arr.flags.writeable
    assert IndexEntry(-1).indices(10).tolist() == [9]
    assert IndexEntry([-1, 0]).to_array(4).tolist() == [3, 0]
    big = IndexEntry(slice(None)).to_array(10_000_000)
    assert big.shape == (10_000_000,) and big[-1] == 9_999_999


def test_views_of_views_stay_slices():
    e = IndexEntry()
    for _ in range(50):
        e = e.compose(slice(1, None, 1), 10**12)
    assert isinstance(e.value, slice) and e.length(10**12) == 10**12 - 50
    # a position array composed with a slice gives a view-sized array
    e = IndexEntry(np.arange(0, 10**6, 2)).compose(slice(10, 20))
    assert e.to_array(10**6).tolist() == list(range(20, 40, 2))


def test_input_arrays_are_copied():
    src = np.array([3, 1, 2])
    e = IndexEntry(src)
    src[0] = 0
    assert e.value.tolist() == [3, 1, 2]


def test_boolean_masks():
    mask = np.array([True, False, True, True, False])
    assert IndexEntry().compose(mask, 5).to_array(5).tolist() == [0, 2, 3]
    assert IndexEntry(slice(1, None)).compose(mask[:4], 5).to_array(5).tolist() == [1, 3, 4]
    with pytest.raises(IndexError, match="boolean"):
        IndexEntry().compose(mask, 6)


def test_json_round_trip():
    idx = Index([slice(2, None, 3), 4, (5, 1), slice(None)])
    data = json.loads(json.dumps(idx.to_json()))
    assert Index.from_json(data) == idx


def test_str_and_hash():
    assert str(Index([slice(2, 5), 3, [1, 2]])) == "[2:5, 3, [1, 2]]"
    assert len({Index([1, slice(2)]), Index([1, slice(2)]), Index([(1,)])}) == 2


def test_apply_and_apply_squeeze():
    samples = [np.arange(24).reshape(2, 3, 4), np.arange(24, 48).reshape(2, 3, 4)]
    idx = Index([slice(None), 1, slice(None), [0, 3]])
    out = idx.apply(samples)
    assert [o.tolist() for o in out] == [s[1][:, [0, 3]].tolist() for s in samples]
    idx = Index([slice(None), slice(None), [0, 2], [1, 3]])  # outer, not paired
    assert idx.apply(samples)[0].tolist() == samples[0][:, [0, 2]][:, :, [1, 3]].tolist()
    assert Index(0).apply_squeeze(["a"]) == "a"
    assert Index(slice(0, 1)).apply_squeeze(["a"]) == ["a"]
    assert Index().apply(samples) == samples


def test_downsample():
    idx = Index([0, slice(10, 50), slice(None), slice(None)])
    down = idx.downsample(2, (50, 60, 3))
    assert down == Index([0, slice(5, 25), slice(0, 60), slice(None)])
    with pytest.raises(TypeError):
        IndexEntry([1, 2]).downsample(2, 10)


# ------------------------------------------------------------------ NumPy equivalence

MAX_N = 30


def _items(n: int, masks: bool = True):
    bound = st.integers(-n - 3, n + 3)
    slices = st.builds(
        slice,
        st.none() | bound,
        st.none() | bound,
        st.none() | st.integers(-4, 4).filter(bool),
    )
    lists = st.lists(st.integers(-n - 2, n + 2), max_size=8)
    options = [st.integers(-n - 2, n + 2), slices, slices, lists]
    if masks:
        options.append(
            st.integers(0, n + 1).flatmap(lambda k: st.lists(st.booleans(), min_size=k, max_size=k))
        )
    return st.one_of(*options)


def _np_item(item):
    if isinstance(item, list) and item and isinstance(item[0], bool):
        return np.array(item, dtype=bool)
    if isinstance(item, list):
        return np.array(item, dtype=np.int64)
    return item


def _numpy_chain(n, items):
    """Result of np.arange(n)[i0][i1]...: ("ok", array|int), ("index",) or ("type",)."""
    ref = np.arange(n)
    for item in items:
        if np.ndim(ref) == 0:
            return ("type",)
        try:
            ref = ref[_np_item(item)]
        except IndexError:
            return ("index",)
    return ("ok", ref)


@settings(max_examples=400, deadline=None)
@given(
    st.integers(0, MAX_N).flatmap(lambda n: st.tuples(st.just(n), st.lists(_items(n), max_size=4)))
)
def test_composition_with_length_matches_numpy(case):
    n, items = case
    expected = _numpy_chain(n, items)
    entry = IndexEntry()
    try:
        for item in items:
            entry = entry.compose(item, parent_length=n)
        got = entry.to_array(n)
    except TypeError:
        assert expected == ("type",)
        return
    except IndexError:
        assert expected == ("index",)
        return
    assert expected[0] == "ok", expected
    ref = expected[1]
    if np.ndim(ref) == 0:
        assert not entry.subscriptable() and got.tolist() == [int(ref)]
    else:
        assert entry.subscriptable() and got.tolist() == ref.tolist()
        assert entry.length(n) == len(ref)


@settings(max_examples=400, deadline=None)
@given(
    st.integers(0, MAX_N).flatmap(
        lambda n: st.tuples(st.just(n), st.lists(_items(n, masks=False), max_size=4))
    )
)
def test_composition_without_length_matches_numpy(case):
    n, items = case
    expected = _numpy_chain(n, items)
    # Without the length, a position that is out of range but dropped by a later
    # selection goes unnoticed, so only chains NumPy accepts are compared.
    assume(expected != ("index",))
    entry = IndexEntry()
    try:
        for item in items:
            entry = entry[item]
    except NotImplementedError:
        assume(False)
    except TypeError:
        assert expected == ("type",)
        return
    except IndexError:
        assert expected == ("index",)
        return
    try:
        got = entry.to_array(n)
    except IndexError:
        assert expected == ("index",)
        return
    assert expected[0] == "ok", (expected, entry)
    ref = expected[1]
    assert got.tolist() == np.atleast_1d(ref).tolist()


@settings(max_examples=300, deadline=None)
@given(
    st.builds(
        slice,
        st.none() | st.integers(0, 40),
        st.none() | st.integers(0, 40),
        st.none() | st.integers(1, 5),
    ),
    st.builds(
        slice,
        st.none() | st.integers(0, 40),
        st.none() | st.integers(0, 40),
        st.none() | st.integers(1, 5),
    ),
)
def test_merge_slices_law(a, b):
    merged = merge_slices(a, b)
    for n in (0, 1, 7, 20, 45):
        x = list(range(n))
        assert x[a][b] == x[merged]


@settings(max_examples=300, deadline=None)
@given(
    st.builds(
        slice,
        st.none() | st.integers(-5, 30),
        st.none() | st.integers(-5, 30),
        st.none() | st.integers(-3, 3).filter(bool),
    ),
    st.integers(-5, 20),
    st.integers(0, 30),
)
def test_slice_at_int_law(s, i, n):
    try:
        pos = slice_at_int(s, i)
    except NotImplementedError:
        assert i < 0 or any(v is not None and v < 0 for v in (s.start, s.stop)) or (s.step or 1) < 0
        return
    except IndexError:
        with pytest.raises(IndexError):
            _ = list(range(n))[s][i]
        return
    x = list(range(n))
    try:
        ref = x[s][i]
    except IndexError:
        assert not -n <= pos < n or pos not in x[s]
        return
    assert ref == (pos if pos >= 0 else n + pos)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(1, 6),
    st.integers(1, 6),
    st.lists(
        st.lists(
            st.one_of(
                st.builds(
                    slice,
                    st.none() | st.integers(-7, 7),
                    st.none() | st.integers(-7, 7),
                    st.none() | st.integers(-2, 2).filter(bool),
                ),
                st.lists(st.integers(0, 5), min_size=1, max_size=3),
            ),
            min_size=1,
            max_size=3,
        ),
        max_size=3,
    ),
)
def test_multi_axis_index_matches_numpy_chain(d0, d1, d2, chain):
    """Tuples of slices and (at most one per tuple) lists, applied as in NumPy."""
    x = np.arange(d0 * d1 * d2).reshape(d0, d1, d2)
    ref = x
    idx = Index()
    for items in chain:
        lists = [k for k, it in enumerate(items) if isinstance(it, list)]
        assume(len(lists) <= 1)
        try:
            ref = ref[tuple(_np_item(it) for it in items)]
        except IndexError:
            return
        try:
            idx = idx.compose(tuple(items), parent_length=d0)
        except NotImplementedError:  # negative bounds on a sample axis of unknown length
            assume(False)
    try:
        for k, entry in enumerate(idx.values):
            entry.validate(x.shape[k])
    except IndexError:
        return  # numpy raised at a later step we skipped; nothing to compare
    primary = idx.values[0].to_array(d0)
    got = idx.apply([x[i] for i in primary])
    got = np.stack(got) if got else np.empty((0, *ref.shape[1:]), dtype=x.dtype)
    assert got.tolist() == ref.tolist()
