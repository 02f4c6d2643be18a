"""Fuzzing of the engine's file parsers: chunk files and tensor index files.

Every damaged or hostile file must end in ``CorruptChunkError`` / ``CorruptIndexError``
(never another exception type), without hanging and without allocating memory in
proportion to a count or length the file declares. Damage comes in two kinds: random
(flips, truncations, extensions: caught by checksums) and hostile (fields rewritten
and the checksums recomputed, so only the parsers' own bounds checks stand between the
file and the reader).
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deeplake_core.core.engine import TensorEngine, TensorMeta
from deeplake_core.core.engine import chunk as chunkfmt
from deeplake_core.core.engine.index_file import _ENTRY, _HEAD, dump_index, load_index
from deeplake_core.exceptions import (
    CorruptChunkError,
    CorruptIndexError,
    DynamicTensorNumpyError,
    SampleDecompressionError,
)
from deeplake_core.testing.storage import DictStore

from .conftest import bounded_memory

#: What a reader may raise on a damaged tensor: the engine's corruption errors, the
#: "shapes differ" refusal when a hostile index makes shapes ragged, and the codec's
#: error when an index points a sample-compressed read at other (checksummed) bytes.
ALLOWED = (
    CorruptChunkError,
    CorruptIndexError,
    DynamicTensorNumpyError,
    SampleDecompressionError,
)
MEMORY_LIMIT = 48 << 20
FAST = settings(
    max_examples=60,
    deadline=5000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
DEEP = settings(
    max_examples=2000,
    deadline=5000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

CONFIGS = {
    "plain": {},
    "sample-lz4": {"sample_compression": "lz4"},
    "chunk-lz4": {"chunk_compression": "lz4"},
}


def _build(comp: dict) -> tuple[dict[str, bytes], TensorMeta, list[np.ndarray]]:
    store = DictStore()
    meta = TensorMeta(max_chunk_size=2048, tiling_threshold=1500, **comp)
    eng = TensorEngine(store, "t", meta)
    rng = np.random.default_rng(7)
    samples = [
        rng.integers(0, 1000, size=(rng.integers(1, 8), 6)).astype(np.int32) for _ in range(60)
    ]
    samples.append(np.arange(600, dtype=np.int32).reshape(100, 6))  # 2400 bytes: tiled
    eng.extend(samples)
    eng.flush("idx")
    return store.data, meta, samples


class Written(tuple):
    """``(config name, files, meta JSON, samples)``, with a short repr for reports."""

    def __repr__(self) -> str:
        return f"<written {self[0]}>"


@pytest.fixture(scope="module", params=sorted(CONFIGS))
def written(request):
    data, meta, samples = _build(CONFIGS[request.param])
    return Written((request.param, data, meta.model_dump_json(), samples))


def _open(data: dict[str, bytes], meta_json: str) -> TensorEngine:
    return TensorEngine(DictStore(data), "t", TensorMeta.model_validate_json(meta_json), "idx")


def _exercise(data: dict[str, bytes], meta_json: str, samples: list[np.ndarray]) -> None:
    """Open and read everything; every outcome is a correct value or an allowed error."""
    with bounded_memory(MEMORY_LIMIT):
        try:
            eng = _open(data, meta_json)
        except ALLOWED:
            return
        n = eng.num_samples
        ops = [
            lambda: eng.read(slice(0, min(n, 5))),
            lambda: eng.read_sample(0),
            lambda: eng.read_sample(n - 1),
            lambda: eng.read_bytes(0),
            eng.check_integrity,
        ]
        if n <= 10 * len(samples):  # whole-tensor reads only when it has a sane length
            ops += [
                lambda: eng.read(slice(None), aslist=True),
                lambda: eng.read_bytes_many(slice(None)),
            ]
        for op in ops:
            if n == 0 and op is not eng.check_integrity:
                continue
            try:
                op()
            except ALLOWED:
                pass
            except Exception as exc:
                if "chunk-compressed" in str(exc) or "tiled" in str(exc):
                    continue  # read_bytes refusals that do not depend on the damage
                raise


def _chunk_keys(data: dict[str, bytes]) -> list[str]:
    return sorted(k for k in data if k.startswith("tensors/t/chunks/"))


def test_undamaged_files_read_back(written) -> None:
    _name, data, meta_json, samples = written
    eng = _open(data, meta_json)
    got = eng.read(slice(None), aslist=True)
    assert len(got) == len(samples)
    for a, b in zip(got, samples, strict=True):
        np.testing.assert_array_equal(a, b)
    eng.check_integrity()


# ----------------------------------------------------------------------- chunk files


def _resign_chunk(raw: bytes) -> bytes:
    """Recompute a chunk's header checksum over whatever its header now says."""
    if len(raw) < chunkfmt.FIXED_HEADER_LEN:
        return raw
    (hlen,) = struct.unpack_from("<I", raw, 24)
    hlen = min(hlen, len(raw))
    crc = zlib.crc32(raw[chunkfmt.FIXED_HEADER_LEN : hlen], zlib.crc32(raw[:28]))
    return raw[:28] + struct.pack("<I", crc) + raw[32:]


# (offset, struct format) of each fixed header field but the checksum
_CHUNK_FIELDS = [
    (4, "<H"),
    (6, "<H"),
    (8, "<B"),
    (9, "<B"),
    (10, "<H"),
    (12, "<I"),
    (16, "<Q"),
    (24, "<I"),
]
_EXTREMES = [0, 1, 2, 15, 16, 17, 255, 2**15, 2**16 - 1, 2**31, 2**32 - 1, 2**60, 2**64 - 1]


def _fit(value: int, fmt: str) -> int:
    return value % (1 << (8 * struct.calcsize(fmt)))


@st.composite
def chunk_damage(draw, raw: bytes) -> bytes:
    kind = draw(st.sampled_from(["flip", "truncate", "extend", "field", "field-resigned", "zero"]))
    if kind == "zero":
        return b""
    if kind == "flip":
        out = bytearray(raw)
        for _ in range(draw(st.integers(1, 4))):
            i = draw(st.integers(0, len(raw) - 1))
            out[i] ^= draw(st.integers(1, 255))
        return bytes(out)
    if kind == "truncate":
        return raw[: draw(st.integers(0, len(raw) - 1))]
    if kind == "extend":
        return raw + draw(st.binary(min_size=1, max_size=64))
    off, fmt = draw(st.sampled_from(_CHUNK_FIELDS))
    value = _fit(draw(st.one_of(st.sampled_from(_EXTREMES), st.integers(0, 2**64 - 1))), fmt)
    out = bytearray(raw)
    struct.pack_into(fmt, out, off, value)
    return _resign_chunk(bytes(out)) if kind == "field-resigned" else bytes(out)


def _fuzz_chunks(written, data_strategy) -> None:
    _name, data, meta_json, samples = written
    keys = _chunk_keys(data)
    key = data_strategy.draw(st.sampled_from(keys))
    damaged = dict(data)
    damaged[key] = data_strategy.draw(chunk_damage(data[key]))
    _exercise(damaged, meta_json, samples)


@FAST
@given(st.data())
def test_damaged_chunks_raise_corrupt_chunk_error(written, data) -> None:
    _fuzz_chunks(written, data)


@pytest.mark.slow
@DEEP
@given(st.data())
def test_damaged_chunks_raise_corrupt_chunk_error_deep(written, data) -> None:
    _fuzz_chunks(written, data)


def test_chunk_truncated_at_every_header_boundary(written) -> None:
    _name, data, meta_json, _samples = written
    key = _chunk_keys(data)[0]
    raw = data[key]
    (hlen,) = struct.unpack_from("<I", raw, 24)
    cuts = {0, 1, 4, 6, 8, 9, 10, 12, 16, 24, 28, 31, 32, hlen - 1, hlen, hlen + 1, len(raw) - 1}
    for cut in sorted(c for c in cuts if 0 <= c < len(raw)):
        for damaged_raw in (raw[:cut], _resign_chunk(raw[:cut])):
            damaged = {**data, key: damaged_raw}
            eng = _open(damaged, meta_json)
            with pytest.raises(CorruptChunkError):
                eng.check_integrity()


@pytest.mark.parametrize("value", [2**32 - 1, 2**31])
def test_chunk_declaring_huge_sample_count_does_not_allocate(written, value) -> None:
    _name, data, meta_json, _samples = written
    key = _chunk_keys(data)[0]
    out = bytearray(data[key])
    struct.pack_into("<I", out, 12, value)
    damaged = {**data, key: _resign_chunk(bytes(out))}
    with bounded_memory(MEMORY_LIMIT), pytest.raises(CorruptChunkError, match="sample count"):
        _open(damaged, meta_json).check_integrity()


def test_chunk_declaring_huge_payload_does_not_allocate() -> None:
    head = bytearray(chunkfmt.make_header(1, 0, np.empty(0, np.uint32), 0, None))
    struct.pack_into("<Q", head, 16, 2**60)
    with bounded_memory(MEMORY_LIMIT), pytest.raises(CorruptChunkError):
        chunkfmt.parse_chunk(_resign_chunk(bytes(head)), "k")


# ----------------------------------------------------------------------- index files


def _resign_index(raw: bytes) -> bytes:
    """Recompute an index file's checksum and total length over its current bytes."""
    if len(raw) < _HEAD.size:
        return raw
    magic, version, r, count, _crc, _total = _HEAD.unpack_from(raw)
    body = raw[_HEAD.size :]
    return _HEAD.pack(magic, version, r, count, zlib.crc32(body), len(raw)) + body


_INDEX_HEAD_FIELDS = [(4, "<H"), (6, "<H"), (8, "<I"), (16, "<Q")]
# offsets inside a directory entry: ndim, shape0, shape1, offset, byte length
_ENTRY_FIELDS = [(20, "<B"), (24, "<Q"), (32, "<Q"), (40, "<Q"), (48, "<Q")]


@st.composite
def index_damage(draw, raw: bytes) -> bytes:
    kind = draw(
        st.sampled_from(["flip", "flip-resigned", "truncate", "head", "entry", "dtype", "zero"])
    )
    if kind == "zero":
        return b""
    if kind == "truncate":
        cut = draw(st.integers(0, len(raw) - 1))
        return draw(st.sampled_from([raw[:cut], _resign_index(raw[:cut])]))
    out = bytearray(raw)
    if kind.startswith("flip"):
        for _ in range(draw(st.integers(1, 4))):
            i = draw(st.integers(0, len(raw) - 1))
            out[i] ^= draw(st.integers(1, 255))
        return _resign_index(bytes(out)) if kind == "flip-resigned" else bytes(out)
    values = st.one_of(st.sampled_from(_EXTREMES), st.integers(0, 2**64 - 1))
    if kind == "head":
        off, fmt = draw(st.sampled_from(_INDEX_HEAD_FIELDS))
        struct.pack_into(fmt, out, off, _fit(draw(values), fmt))
        return bytes(out) if off == 16 else _resign_index(bytes(out))
    (count,) = struct.unpack_from("<I", raw, 8)
    entry = _HEAD.size + _ENTRY.size * draw(st.integers(0, count - 1))
    if kind == "dtype":
        code = draw(
            st.sampled_from([b"|O\0\0", b"<f8\0", b"<V8\0", b"<i8\0", b"|u1\0", b"\0\0\0\0"])
        )
        out[entry + 16 : entry + 20] = code
    else:
        off, fmt = draw(st.sampled_from(_ENTRY_FIELDS))
        struct.pack_into(fmt, out, entry + off, _fit(draw(values), fmt))
    return _resign_index(bytes(out))


_INT_VALUES = st.one_of(
    st.sampled_from(
        [0, 1, -1, 2, 2**31, 2**32, 2**40, 2**60, 2**62, -(2**62), 2**63 - 1, -(2**63)]
    ),
    st.integers(-(2**63), 2**63 - 1),
)


@st.composite
def table_damage(draw, raw: bytes) -> bytes:
    """A well-formed index file whose tables lie (written by a buggy or hostile tool)."""
    arrays = load_index(raw, "idx")
    name = draw(st.sampled_from(sorted(arrays)))
    arr = arrays[name].copy()
    how = draw(st.sampled_from(["set", "drop", "grow", "shrink"]))
    if how == "drop":
        del arrays[name]
    elif how == "grow":
        extra = np.zeros((draw(st.integers(1, 3)), *arr.shape[1:]), arr.dtype)
        arrays[name] = np.concatenate([arr, extra])
    elif how == "shrink" and len(arr):
        arrays[name] = arr[: draw(st.integers(0, len(arr) - 1))]
    elif arr.size:
        flat = arr.reshape(-1)
        i = draw(st.integers(0, flat.size - 1))
        v = draw(_INT_VALUES)
        info = np.iinfo(arr.dtype)
        flat[i] = min(max(v, info.min), info.max)
        arrays[name] = flat.reshape(arr.shape)
    return dump_index(arrays)


def _fuzz_index(written, data_strategy, strategy) -> None:
    _name, data, meta_json, samples = written
    damaged = dict(data)
    damaged["idx"] = data_strategy.draw(strategy(data["idx"]))
    _exercise(damaged, meta_json, samples)


@FAST
@given(st.data())
def test_damaged_index_files_raise_corrupt_index_error(written, data) -> None:
    _fuzz_index(written, data, index_damage)


@FAST
@given(st.data())
def test_lying_index_tables_raise_specific_errors(written, data) -> None:
    _fuzz_index(written, data, table_damage)


@pytest.mark.slow
@DEEP
@given(st.data())
def test_damaged_index_files_deep(written, data) -> None:
    _fuzz_index(written, data, index_damage)
    _fuzz_index(written, data, table_damage)


def test_index_truncated_at_every_boundary(written) -> None:
    _name, data, meta_json, _samples = written
    raw = data["idx"]
    (count,) = struct.unpack_from("<I", raw, 8)
    cuts = {0, 1, 4, 6, 8, 12, 16, 23, 24, len(raw) - 1}
    for i in range(count + 1):
        cuts.add(_HEAD.size + i * _ENTRY.size)
        cuts.add(_HEAD.size + i * _ENTRY.size - 1)
    for cut in sorted(c for c in cuts if 0 <= c < len(raw)):
        for damaged_raw in (raw[:cut], _resign_index(raw[:cut])):
            with pytest.raises(CorruptIndexError):
                _open({**data, "idx": damaged_raw}, meta_json)


@pytest.mark.parametrize(
    "shape", [(2**32, 2**32), (2**63, 2), (2**62, 4), (2**61, 0), (2**64 - 1, 1)]
)
def test_index_array_with_overflowing_shape_is_refused(shape) -> None:
    """Shapes whose element count overflows 64 bits must not pass the size check."""
    raw = bytearray(dump_index({"a": np.zeros((1, 1), "<i8")}))
    struct.pack_into("<QQ", raw, _HEAD.size + 24, *shape)
    struct.pack_into("<Q", raw, _HEAD.size + 48, 0)  # declared byte length 0
    with bounded_memory(MEMORY_LIMIT), pytest.raises(CorruptIndexError):
        load_index(_resign_index(bytes(raw)), "k")


def test_index_declaring_huge_array_count_does_not_allocate() -> None:
    raw = bytearray(dump_index({"a": np.zeros(3, "<i8")}))
    struct.pack_into("<I", raw, 8, 2**32 - 1)
    with bounded_memory(MEMORY_LIMIT), pytest.raises(CorruptIndexError):
        load_index(_resign_index(bytes(raw)), "k")


def test_index_declaring_2_pow_60_samples_is_refused(written) -> None:
    """Scalars and sample map claiming 2**60 samples: refused when the index is opened."""
    _name, data, meta_json, _samples = written
    arrays = load_index(data["idx"], "idx")
    arrays["map_lens"] = np.array([2**60], np.int64)
    arrays["map_phys"] = np.array([0], np.int64)
    sc = arrays["scalars"].copy()
    sc[1] = sc[4] = 2**60
    arrays["scalars"] = sc
    with bounded_memory(MEMORY_LIMIT), pytest.raises(CorruptIndexError, match="out of range"):
        _open({**data, "idx": dump_index(arrays)}, meta_json)
