"""The built-in runs64 codec: conformance, run encoding, corruption and limits."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deeplake_core.codecs import runs64
from deeplake_core.codecs.runs64 import MODE_RAW, MODE_RUNS, Runs64Codec, frame_unit_runs
from deeplake_core.core.engine import TensorEngine
from deeplake_core.core.engine.meta import TensorMeta
from deeplake_core.exceptions import DecompressionBombError, SampleDecompressionError
from deeplake_core.storage.memory import MemoryProvider
from deeplake_core.testing.codec import CodecConformance

U64 = np.uint64


class TestRuns64ByName(CodecConformance):
    codec_name = "runs64"


class TestRuns64Instance(CodecConformance):
    codec = Runs64Codec()

    def _encoded_samples(self) -> list[bytes]:  # runs mode too, not only raw frames
        return [*super()._encoded_samples(), self.codec.compress(_id_runs(5, 300).tobytes())]


def _id_runs(batches: int, size: int, seed: int = 0) -> np.ndarray:
    starts = np.random.default_rng(seed).integers(1, 2**63, batches, dtype=U64)
    return np.concatenate([np.arange(size, dtype=U64) + s for s in starts])


def _mode(frame: bytes) -> int:
    return frame[4]


def test_id_runs_shrink_to_a_few_bytes_per_run() -> None:
    ids = _id_runs(20, 50_000)
    frame = Runs64Codec().compress(ids.tobytes())
    assert _mode(frame) == MODE_RUNS
    assert len(frame) < 24 + 16 + 16 * 40  # header, first/count, at most 2 runs per batch
    assert Runs64Codec().decompress(frame) == ids.tobytes()


def test_incompressible_words_are_stored_raw() -> None:
    data = np.random.default_rng(3).integers(0, 2**64 - 1, 1000, dtype=U64).tobytes()
    frame = Runs64Codec().compress(data)
    assert _mode(frame) == MODE_RAW
    assert len(frame) == len(data) + 24


@settings(max_examples=200, deadline=None)
@given(
    runs=st.lists(
        st.tuples(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1), st.integers(1, 40)),
        min_size=1,
        max_size=12,
    )
)
def test_runs_round_trip_with_wrapping(runs: list[tuple[int, int, int]]) -> None:
    """Words made of arithmetic runs (any start and step, wrapping modulo 2**64)."""
    with np.errstate(over="ignore"):
        parts = [
            U64(start) + U64(step) * np.arange(count, dtype=U64) for start, step, count in runs
        ]
    words = np.concatenate(parts)
    data = words.tobytes()
    out = Runs64Codec().decompress(Runs64Codec().compress(data))
    assert out == data
    first, steps, lengths = runs64.encode_runs(words)
    assert np.array_equal(runs64.decode_runs(first, steps, lengths), words)
    assert int(lengths.sum()) == len(words) - 1


def _reference_runs(words: list[int]) -> tuple[list[int], list[int]]:
    """Maximal runs of equal successive differences, one word at a time."""
    steps: list[int] = []
    lengths: list[int] = []
    for a, b in itertools.pairwise(words):
        d = (b - a) % 2**64
        if steps and steps[-1] == d:
            lengths[-1] += 1
        else:
            steps.append(d)
            lengths.append(1)
    return steps, lengths


@settings(max_examples=150, deadline=None)
@given(
    runs=st.lists(
        st.tuples(
            st.integers(0, 2**64 - 1), st.sampled_from([0, 1, 2, 2**64 - 1]), st.integers(1, 9)
        ),
        min_size=1,
        max_size=10,
    ),
    block=st.sampled_from([1, 2, 3, 5, 8]),
    max_runs=st.one_of(st.none(), st.integers(0, 12)),
)
def test_encode_runs_matches_a_reference_across_block_edges(
    runs: list[tuple[int, int, int]], block: int, max_runs: int | None
) -> None:
    """The blockwise encoder joins runs that cross its blocks, and gives up exactly
    when the reference has more than ``max_runs`` runs."""
    words = [(start + step * i) % 2**64 for start, step, count in runs for i in range(count)]
    want_steps, want_lengths = _reference_runs(words)
    saved = runs64.ENCODE_BLOCK
    runs64.ENCODE_BLOCK = block
    try:
        got = runs64.encode_runs(np.array(words, U64), max_runs=max_runs)
    finally:
        runs64.ENCODE_BLOCK = saved
    if max_runs is not None and len(want_steps) > max_runs:
        assert got is None
        return
    assert got is not None
    first, steps, lengths = got
    assert first == words[0]
    assert steps.tolist() == want_steps
    assert lengths.tolist() == want_lengths


def test_every_flipped_byte_of_a_runs_frame_is_refused() -> None:
    frame = Runs64Codec().compress(_id_runs(3, 100).tobytes())
    for pos in range(len(frame)):
        bad = bytearray(frame)
        bad[pos] ^= 0x01
        with pytest.raises(SampleDecompressionError):
            Runs64Codec().decompress(bytes(bad))


def test_lengths_that_do_not_add_up_are_refused_even_with_a_valid_checksum() -> None:
    import xxhash

    words = np.arange(10, dtype=U64)
    body = runs64._RUNS_HEAD.pack(0, 1) + U64(1).tobytes() + U64(5).tobytes()  # 6 words
    digest = xxhash.xxh3_64_intdigest(body)
    head = runs64._HEADER.pack(runs64.MAGIC, MODE_RUNS, bytes(3), words.nbytes, digest)
    with pytest.raises(SampleDecompressionError):
        Runs64Codec().decompress(head + body)


def test_decoded_size_limit() -> None:
    frame = Runs64Codec().compress(np.arange(1000, dtype=U64).tobytes())
    runs64.set_max_decoded_bytes(4000)
    try:
        with pytest.raises(DecompressionBombError, match="RUNS64_MAX_BYTES"):
            Runs64Codec().decompress(frame)
    finally:
        runs64.set_max_decoded_bytes(None)
    assert len(Runs64Codec().decompress(frame)) == 8000


def test_tensor_with_runs64_chunks_round_trips() -> None:
    store = MemoryProvider()
    meta = TensorMeta(dtype="uint64", chunk_compression="runs64", max_chunk_size=1 << 16)
    eng = TensorEngine(store, "t", meta)
    ids = _id_runs(7, 3000).reshape(-1, 1)
    for k in range(0, len(ids), 1000):
        eng.extend(ids[k : k + 1000])
    eng.flush("t.idx")
    reopened = TensorEngine(store, "t", meta, index_key="t.idx")
    for e in (eng, reopened):
        assert np.array_equal(e.read(slice(None)), ids)
        assert int(e.read_sample(4321)[0]) == int(ids[4321, 0])
    stored = sum(len(store[k]) for k in store if "/chunks/" in k)
    assert stored < ids.nbytes // 20


_SPACE = 1 << 64
_starts = st.one_of(
    st.integers(1, _SPACE - 1), st.integers(_SPACE - 5, _SPACE - 1), st.integers(1, 50)
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_starts, st.integers(0, 40)), max_size=12))
def test_frame_unit_runs_is_what_compress_makes_of_the_words(runs) -> None:
    """Framing id runs directly gives byte for byte the frame of the materialized
    words (or None exactly where compress stores them raw)."""
    words = [(a + i) % _SPACE for a, n in runs for i in range(n)]
    raw = np.array(words, np.uint64).tobytes()
    expected = Runs64Codec().compress(raw)
    got = frame_unit_runs(runs)
    if got is None:
        assert expected[4] == MODE_RAW
    else:
        assert got == expected
        assert Runs64Codec().decompress(got) == raw


def test_extend_encoded_appends_a_chunk_readable_like_extend() -> None:
    """An engine fed a pre-framed runs64 chunk (after samples in its open chunk)
    reads back the same words and survives a reopen; a tensor without chunk
    compression refuses it."""
    store = MemoryProvider()
    meta = TensorMeta(dtype="uint64", chunk_compression="runs64")
    eng = TensorEngine(store, "t", meta)
    eng.extend(np.arange(5, dtype=U64).reshape(5, 1))
    runs = [(100, 30), (7, 10)]
    eng.extend_encoded(frame_unit_runs(runs), 40, (1,), U64)
    expected = np.concatenate([np.arange(5), np.arange(100, 130), np.arange(7, 17)])
    assert eng.num_samples == 45
    assert np.array_equal(eng.read(slice(None)).ravel(), expected.astype(U64))
    eng.flush("t.idx")
    again = TensorEngine(store, "t", meta, index_key="t.idx")
    assert np.array_equal(again.read(slice(None)).ravel(), expected.astype(U64))
    assert int(again.read_sample(20)[0]) == 115
    plain = TensorEngine(MemoryProvider(), "p", TensorMeta(dtype="uint64"))
    with pytest.raises(Exception, match="chunk-compressed"):
        plain.extend_encoded(frame_unit_runs(runs), 40, (1,), U64)
