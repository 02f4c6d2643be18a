"""A conformance suite that every codec plugin's tests can reuse.

Subclass :class:`CodecConformance` in a test module, name the codec, and pytest runs
every check against it::

    from deeplake_core.testing.codec import CodecConformance

    class TestZstd(CodecConformance):
        codec_name = "zstd"          # looked up through the plugin registry
        # or: codec = ZstdCodec()    # an instance, to test before registering

Byte codecs (:class:`~deeplake_core.codecs.base.ByteCodec`) must round-trip any bytes
exactly and refuse corrupted or truncated input with ``SampleDecompressionError``.
Array codecs (:class:`~deeplake_core.codecs.base.ArrayCodec`) must round-trip the
arrays of :meth:`CodecConformance.sample_arrays` (exactly when lossless, within
``lossy_tolerance`` otherwise), report shape/dtype without disagreeing with ``decode``,
and refuse garbage with ``SampleDecompressionError`` or ``CorruptedSampleError``.

Requires ``pytest`` and ``hypothesis`` (test-only dependencies).
"""

from __future__ import annotations

import contextlib
from typing import Any, ClassVar

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deeplake_core.codecs.base import ArrayCodec, ByteCodec
from deeplake_core.exceptions import CorruptedSampleError, SampleDecompressionError

_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.differing_executors]
)
_DECODE_ERRORS = (SampleDecompressionError, CorruptedSampleError)


class CodecConformance:
    """Checks shared by all codecs. Set ``codec_name`` or ``codec`` in a subclass."""

    #: Registered codec name (resolved through the plugin registry).
    codec_name: ClassVar[str | None] = None
    #: Or a codec instance, which takes precedence over ``codec_name``.
    codec: ClassVar[ByteCodec | ArrayCodec | None] = None
    #: Whether decoding returns exactly what was encoded.
    lossless: ClassVar[bool] = True
    #: Largest absolute difference allowed per element for lossy array codecs.
    lossy_tolerance: ClassVar[float] = 8.0
    #: Number of single-byte corruptions tried per encoded sample.
    corruption_trials: ClassVar[int] = 64

    # -- helpers ------------------------------------------------------------------
    def get_codec(self) -> ByteCodec | ArrayCodec:
        if type(self).codec is not None:
            return type(self).codec
        if not self.codec_name:
            pytest.fail("set codec_name or codec on the CodecConformance subclass")
        from deeplake_core.core.engine.codecs import get_codec

        return get_codec(self.codec_name)

    def sample_arrays(self) -> list[np.ndarray]:
        """Arrays an array codec must encode (override for formats with constraints)."""
        rng = np.random.default_rng(0)
        return [
            rng.integers(0, 256, (16, 16, 3), dtype=np.uint8),
            rng.integers(0, 256, (7, 33, 3), dtype=np.uint8),
            np.zeros((8, 8, 3), dtype=np.uint8),
        ]

    def _encoded_samples(self) -> list[bytes]:
        codec = self.get_codec()
        if isinstance(codec, ByteCodec):
            rng = np.random.default_rng(1)
            return [
                codec.compress(b"hello deeplake " * 50),
                codec.compress(rng.integers(0, 256, 3000, dtype=np.uint8).tobytes()),
            ]
        return [codec.encode(a) for a in self.sample_arrays()]

    def _decode(self, data: bytes) -> Any:
        codec = self.get_codec()
        if isinstance(codec, ByteCodec):
            return codec.decompress(data)
        return codec.decode(data)

    def _assert_refused_or_same(self, data: bytes, original: Any) -> None:
        """Corrupted input must raise a decode error, or (rarely, for bytes the format
        ignores) decode to exactly the original: never to different data."""
        try:
            out = self._decode(data)
        except _DECODE_ERRORS:
            return
        if isinstance(out, np.ndarray):
            same = isinstance(original, np.ndarray) and np.array_equal(out, original)
        else:
            same = bytes(out) == bytes(original)
        assert same, "corrupted input decoded to different data instead of raising"

    # -- checks for every codec ---------------------------------------------------
    def test_implements_a_codec_interface(self) -> None:
        assert isinstance(self.get_codec(), ByteCodec | ArrayCodec)

    def test_registered_spec_matches(self) -> None:
        if type(self).codec is not None or not self.codec_name:
            pytest.skip("codec given as an instance")
        try:
            from deeplake_core.plugins import get_registry
        except ImportError:
            pytest.skip("plugin registry not available")
        spec = get_registry().codecs.get(self.codec_name)
        is_byte = isinstance(self.get_codec(), ByteCodec)
        assert (spec.codec_kind == "byte") == is_byte
        assert spec.lossless == self.lossless

    def test_truncated_input_refused(self) -> None:
        for enc in self._encoded_samples():
            original = self._decode(enc)
            for cut in sorted({0, 1, len(enc) // 2, len(enc) - 1}):
                if cut < len(enc):
                    self._assert_refused_or_same(enc[:cut], original)

    def test_flipped_bytes_refused(self) -> None:
        rng = np.random.default_rng(2)
        for enc in self._encoded_samples():
            original = self._decode(enc)
            for pos in rng.integers(0, len(enc), self.corruption_trials).tolist():
                bad = bytearray(enc)
                bad[pos] ^= 0xFF
                self._assert_refused_or_same(bytes(bad), original)

    @_SETTINGS
    @given(garbage=st.binary(min_size=0, max_size=256))
    def test_garbage_refused(self, garbage: bytes) -> None:
        """Arbitrary bytes either decode or raise a decode error; nothing else escapes."""
        with contextlib.suppress(*_DECODE_ERRORS):
            self._decode(garbage)

    # -- byte codecs ----------------------------------------------------------------
    @_SETTINGS
    @given(data=st.binary(min_size=0, max_size=4096))
    def test_bytes_round_trip(self, data: bytes) -> None:
        codec = self.get_codec()
        if not isinstance(codec, ByteCodec):
            pytest.skip("not a byte codec")
        packed = codec.compress(data)
        assert isinstance(packed, bytes | bytearray)
        assert bytes(codec.decompress(packed)) == data
        assert bytes(codec.decompress(memoryview(packed))) == data

    def test_bytes_accepts_buffers(self) -> None:
        codec = self.get_codec()
        if not isinstance(codec, ByteCodec):
            pytest.skip("not a byte codec")
        data = np.arange(10_000, dtype=np.int64).tobytes()
        for buf in (data, bytearray(data), memoryview(data)):
            assert bytes(codec.decompress(codec.compress(buf))) == data

    def test_bytes_large_and_compressible(self) -> None:
        codec = self.get_codec()
        if not isinstance(codec, ByteCodec):
            pytest.skip("not a byte codec")
        data = bytes(4 << 20)
        packed = codec.compress(data)
        assert len(packed) < len(data) // 10
        assert bytes(codec.decompress(packed)) == data

    # -- array codecs ---------------------------------------------------------------
    def test_arrays_round_trip(self) -> None:
        codec = self.get_codec()
        if not isinstance(codec, ArrayCodec):
            pytest.skip("not an array codec")
        for arr in self.sample_arrays():
            out = codec.decode(codec.encode(arr))
            assert out.shape == arr.shape and out.dtype == arr.dtype
            if self.lossless:
                assert np.array_equal(out, arr)
            else:
                diff = np.abs(out.astype(np.float64) - arr.astype(np.float64))
                assert diff.mean() <= self.lossy_tolerance

    def test_shape_dtype_from_header(self) -> None:
        codec = self.get_codec()
        if not isinstance(codec, ArrayCodec):
            pytest.skip("not an array codec")
        for arr in self.sample_arrays():
            enc = codec.encode(arr)
            shape, dtype = codec.read_shape_dtype(enc)
            assert tuple(shape) == arr.shape and np.dtype(dtype) == arr.dtype

    def test_verify_refuses_garbage(self) -> None:
        codec = self.get_codec()
        if not isinstance(codec, ArrayCodec):
            pytest.skip("not an array codec")
        codec.verify(codec.encode(self.sample_arrays()[0]))
        with pytest.raises(_DECODE_ERRORS):
            codec.verify(b"definitely not a media file" * 3)
