"""The built-in lz4 codec passes the shared codec conformance suite."""

from __future__ import annotations

import pytest

from deeplake_core.codecs.lz4 import LZ4Codec
from deeplake_core.exceptions import SampleDecompressionError
from deeplake_core.testing.codec import CodecConformance


class TestLZ4ByName(CodecConformance):
    codec_name = "lz4"


class TestLZ4Instance(CodecConformance):
    codec = LZ4Codec()


def test_decompression_bomb_refused() -> None:
    codec = LZ4Codec()
    codec.max_decoded_bytes = 1000
    with pytest.raises(SampleDecompressionError):
        codec.decompress(codec.compress(bytes(5000)))


def test_compression_level_config() -> None:
    codec = LZ4Codec()
    data = b"abc" * 10_000
    assert codec.decompress(codec.compress(data, {"level": 9})) == data
