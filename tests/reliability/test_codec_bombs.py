"""Decompression and size bombs: tiny inputs that declare or inflate to gigabytes.

* lz4 (kernel): frames declaring sizes over the limit, sizes LZ4 cannot produce from
  the input, and frames without a declared size are refused before any output is
  allocated; the limit is configurable and named in the error.
* Every installed ``ArrayCodec`` refuses a sample whose decoded size is over its
  plugin's limit (set low through the plugin's documented variable).
* Crafted headers (PNG) declaring huge images are refused from the header alone.
* Text/JSON samples whose index declares an absurd size are refused before decoding.
"""

from __future__ import annotations

import struct
import zlib

import lz4.frame
import numpy as np
import pytest

from deeplake_core.codecs import lz4 as lz4codec
from deeplake_core.codecs.base import ArrayCodec
from deeplake_core.exceptions import (
    CorruptChunkError,
    CorruptedSampleError,
    CorruptIndexError,
    DecompressionBombError,
    SampleDecompressionError,
)

from .conftest import bounded_memory

LIMIT_VARS = (
    "DEEPLAKE_CORE_LZ4_MAX_BYTES",
    "DEEPLAKE_CORE_IMAGE_MAX_BYTES",
    "DEEPLAKE_CORE_AV_MAX_BYTES",
    "DEEPLAKE_CORE_MEDICAL_MAX_BYTES",
    "DEEPLAKE_CORE_3D_MAX_BYTES",
)


# ------------------------------------------------------------------------------- lz4


def _xxh32(data: bytes, seed: int = 0) -> int:
    """xxHash32 of a short input (< 16 bytes), for lz4 frame descriptor checksums."""
    p1, p2, p3, p4, p5 = 2654435761, 2246822519, 3266489917, 668265263, 374761393
    m = 0xFFFFFFFF

    def rotl(x: int, r: int) -> int:
        return ((x << r) | (x >> (32 - r))) & m

    h = (seed + p5 + len(data)) & m
    i = 0
    while i + 4 <= len(data):
        h = (rotl((h + struct.unpack_from("<I", data, i)[0] * p3) & m, 17) * p4) & m
        i += 4
    for b in data[i:]:
        h = (rotl((h + b * p5) & m, 11) * p1) & m
    h ^= h >> 15
    h = (h * p2) & m
    h ^= h >> 13
    h = (h * p3) & m
    return h ^ (h >> 16)


def _frame_declaring(size: int, payload: bytes = b"x") -> bytes:
    """A well-formed frame whose header claims ``size`` content bytes over ``payload``."""
    frame = bytearray(lz4.frame.compress(payload, store_size=True, content_checksum=True))
    assert frame[4] & 0x08  # content size present: bytes 6..13
    struct.pack_into("<Q", frame, 6, size)
    frame[14] = (_xxh32(bytes(frame[4:14])) >> 8) & 0xFF
    return bytes(frame)


def test_crafted_frames_have_valid_headers() -> None:
    frame = _frame_declaring(1)
    assert lz4.frame.get_frame_info(frame)["content_size"] == 1
    assert lz4codec.LZ4Codec().decompress(frame) == b"x"


def test_lz4_frame_without_size_cannot_inflate(monkeypatch) -> None:
    bomb = lz4.frame.compress(bytes(256 << 20), store_size=False, content_checksum=True)
    assert len(bomb) < 2 << 20
    with bounded_memory(16 << 20), pytest.raises(SampleDecompressionError):
        lz4codec.LZ4Codec().decompress(bomb)


def test_lz4_over_limit_raises_bomb_error_naming_the_setting(monkeypatch) -> None:
    data = lz4codec.LZ4Codec().compress(bytes(1 << 20))
    monkeypatch.setenv("DEEPLAKE_CORE_LZ4_MAX_BYTES", str(1 << 16))
    with pytest.raises(DecompressionBombError, match="DEEPLAKE_CORE_LZ4_MAX_BYTES") as info:
        lz4codec.LZ4Codec().decompress(data)
    assert info.value.size == 1 << 20 and info.value.limit == 1 << 16
    monkeypatch.delenv("DEEPLAKE_CORE_LZ4_MAX_BYTES")
    lz4codec.set_max_decoded_bytes(1 << 10)
    try:
        with pytest.raises(DecompressionBombError):
            lz4codec.LZ4Codec().decompress(data)
    finally:
        lz4codec.set_max_decoded_bytes(None)
    assert lz4codec.LZ4Codec().decompress(data) == bytes(1 << 20)
    with pytest.raises(ValueError):
        lz4codec.set_max_decoded_bytes(0)


@pytest.mark.parametrize("declared", [1 << 20, 1 << 32, 1 << 40, 2**64 - 1])
def test_lz4_declared_size_beyond_what_the_input_can_produce(declared) -> None:
    frame = _frame_declaring(declared)
    with bounded_memory(4 << 20), pytest.raises(SampleDecompressionError):
        lz4codec.LZ4Codec().decompress(frame)


@pytest.mark.parametrize("cut", [0, 3, 4, 7, 10, 15, 20, -5, -1])
def test_lz4_truncated_frames(cut) -> None:
    data = lz4codec.LZ4Codec().compress(np.arange(5000).tobytes())
    with pytest.raises(SampleDecompressionError):
        lz4codec.LZ4Codec().decompress(data[:cut])


def test_lz4_trailing_garbage_is_refused() -> None:
    data = lz4codec.LZ4Codec().compress(b"abc" * 100)
    with pytest.raises(SampleDecompressionError):
        lz4codec.LZ4Codec().decompress(data + data)


# ------------------------------------------------------------------ every ArrayCodec

_CANDIDATES = [
    np.full((48, 40, 3), 7, np.uint8),
    np.full((48, 40), 7, np.uint8),
    np.full((4, 48, 40, 3), 7, np.uint8),
    np.zeros((800, 1), np.int16),
    np.zeros((800, 2), np.int16),
    np.zeros((800,), np.float32),
    np.zeros((40, 3), np.float32),
    np.zeros((40, 6), np.float32),
    np.zeros((16, 16, 8), np.int16),
]


def _array_codecs() -> list[str]:
    from deeplake_core.plugins import get_registry

    reg = get_registry()
    out = []
    for name in sorted(reg.codecs.names()):
        try:
            if isinstance(reg.codecs.load(name), ArrayCodec):
                out.append(name)
        except Exception:  # a plugin whose optional dependency is missing
            continue
    return out


def _sample(codec: ArrayCodec) -> bytes | None:
    for arr in _CANDIDATES:
        try:
            data = codec.encode(arr)
            codec.decode(data)
        except Exception:
            continue
        return data
    return None


@pytest.mark.parametrize("name", _array_codecs())
def test_every_array_codec_enforces_its_decode_limit(name, monkeypatch) -> None:
    from deeplake_core.plugins import get_registry

    codec = get_registry().codecs.load(name)
    data = _sample(codec)
    if data is None:
        pytest.skip(f"{name}: cannot be written here (read-only format or missing encoder)")
    for var in LIMIT_VARS:
        monkeypatch.setenv(var, "64")
    assert codec.max_decoded_bytes == 64, f"{name} ignores its plugin's byte limit"
    with pytest.raises(DecompressionBombError):
        codec.decode(data)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@pytest.mark.parametrize("size", [(100_000, 100_000), (1 << 30, 1), (65_535, 65_535)])
def test_png_header_declaring_a_huge_image_is_refused(size) -> None:
    pytest.importorskip("deeplake_core_image")
    from deeplake_core.plugins import get_registry

    codec = get_registry().codecs.load("png")
    w, h = size
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    png = (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )
    with bounded_memory(32 << 20), pytest.raises(SampleDecompressionError):
        codec.decode(png)


def test_wav_header_declaring_a_huge_stream_is_refused() -> None:
    pytest.importorskip("deeplake_core_av")
    from deeplake_core.plugins import get_registry

    codec = get_registry().codecs.load("wav")
    fmt = struct.pack("<HHIIHH", 1, 8, 48000, 48000 * 16, 16, 16)
    data_len = 0xFFFFFFF0  # ~4 GiB of samples declared, 64 bytes present
    wav = (
        b"RIFF"
        + struct.pack("<I", 0xFFFFFFF8)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", data_len)
        + bytes(64)
    )
    # refused from the header: too large, or (here) shorter than it declares
    with bounded_memory(32 << 20), pytest.raises((SampleDecompressionError, CorruptedSampleError)):
        codec.decode(wav)


# ------------------------------------------------------------ text and json samples


@pytest.mark.parametrize("htype", ["text", "json"])
@pytest.mark.parametrize("compression", [None, "lz4"])
def test_text_sample_with_absurd_declared_size_is_refused(tmp_path, htype, compression) -> None:
    """An index whose shape table says a text/json sample is 2**40 bytes long."""
    import json

    import deeplake_core as deeplake
    from deeplake_core.core.engine.index_file import dump_index, load_index

    path = tmp_path / "ds"
    ds = deeplake.empty(str(path))
    ds.create_tensor("t", htype=htype, sample_compression=compression)
    ds.t.extend(["abc", "defg"] if htype == "text" else [{"a": 1}, {"b": 2}])
    ds.close()
    head = json.loads((path / "refs/branches/main.json").read_text())["head"]
    man = json.loads((path / "versions" / head / "manifest.json").read_text())["manifest"]
    idx = path / man["tensors"]["t"]["index_key"]
    arrays = load_index(idx.read_bytes(), "i")
    arrays["shape_values"] = np.full_like(arrays["shape_values"], 1 << 40)
    idx.write_bytes(dump_index(arrays))
    ds = deeplake.load(str(path), read_only=True, check_integrity=False)
    with (
        bounded_memory(32 << 20),
        pytest.raises(
            (
                CorruptIndexError,
                CorruptChunkError,
                SampleDecompressionError,
                deeplake.exceptions.DatasetCorruptError,
            )
        ),
    ):
        ds.t.numpy()
