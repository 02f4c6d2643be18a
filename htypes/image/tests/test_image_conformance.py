"""Every image codec passes the codec conformance suite; every image htype the htype suite."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest

from deeplake_core.exceptions import (
    CorruptedSampleError,
    InvalidImageDimensions,
    SampleCompressionError,
    SampleDecompressionError,
    SampleHtypeMismatchError,
    TensorInvalidSampleShapeError,
    TensorMetaMissingRequiredValue,
)
from deeplake_core.htype import build_tensor_config
from deeplake_core.testing.codec import CodecConformance
from deeplake_core.testing.htype import HtypeConformance

ENTRY = "deeplake_core_image._plugin"
_DECODE_ERRORS = (SampleDecompressionError, CorruptedSampleError)


class _NoChecksum:
    """Formats without an internal checksum cannot detect every flipped byte; flipped
    input must still either raise a decode error or decode to an array of the same
    kind (never crash with another exception). Stored data is covered by the chunk
    engine's CRCs."""

    def test_flipped_bytes_refused(self) -> None:
        codec = self.get_codec()
        rng = np.random.default_rng(2)
        for arr in self.sample_arrays():
            enc = codec.encode(arr)
            for pos in rng.integers(0, len(enc), self.corruption_trials).tolist():
                bad = bytearray(enc)
                bad[pos] ^= 0xFF
                with contextlib.suppress(*_DECODE_ERRORS):
                    out = codec.decode(bytes(bad))
                    assert isinstance(out, np.ndarray) and out.dtype.kind in "uif"


class TestPng(CodecConformance):
    codec_name = "png"


class TestApng(_NoChecksum, CodecConformance):
    codec_name = "apng"


def _smooth(h: int, w: int, seed: int) -> np.ndarray:
    """A photo-like image: gradients plus mild noise (JPEG's intended input)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x * 255 / max(w - 1, 1), y * 255 / max(h - 1, 1), (x + y) * 2 % 256], -1)
    return np.clip(base + rng.normal(0, 4, base.shape), 0, 255).astype(np.uint8)


class TestJpeg(_NoChecksum, CodecConformance):
    codec_name = "jpeg"
    lossless = False

    def sample_arrays(self) -> list[np.ndarray]:
        return [_smooth(16, 16, 0), _smooth(7, 33, 1), np.zeros((8, 8, 3), np.uint8)]


class TestJpeg2000(_NoChecksum, CodecConformance):
    codec_name = "jpeg2000"


class TestWebp(_NoChecksum, CodecConformance):
    codec_name = "webp"


class TestTiff(_NoChecksum, CodecConformance):
    codec_name = "tiff"

    def sample_arrays(self) -> list[np.ndarray]:
        rng = np.random.default_rng(0)
        return [
            *super().sample_arrays(),
            rng.integers(0, 65535, (9, 11), dtype=np.uint16),
            rng.standard_normal((5, 6)).astype(np.float32),
        ]


class TestGif(_NoChecksum, CodecConformance):
    codec_name = "gif"
    lossless = False


@pytest.mark.parametrize("name", ["bmp", "dib", "pcx", "ppm", "sgi", "tga"])
def test_raw_formats_conform(name: str) -> None:
    """Uncompressed formats: round trip, header shape and garbage refusal."""

    class Suite(_NoChecksum, CodecConformance):
        codec_name = name

    suite = Suite()
    for test in (
        "test_implements_a_codec_interface",
        "test_registered_spec_matches",
        "test_arrays_round_trip",
        "test_shape_dtype_from_header",
        "test_verify_refuses_garbage",
        "test_truncated_input_refused",
        "test_flipped_bytes_refused",
    ):
        getattr(suite, test)()


class TestIco(_NoChecksum, CodecConformance):
    codec_name = "ico"


def test_ico_size_limit() -> None:
    from deeplake_core.core.engine.codecs import get_codec

    with pytest.raises(SampleCompressionError, match="256"):
        get_codec("ico").encode(np.zeros((300, 10, 3), np.uint8))


# ------------------------------------------------------------------ htypes
_IMG = np.arange(5 * 6 * 3, dtype=np.uint8).reshape(5, 6, 3)


class _ImageSuite(HtypeConformance):
    def config(self, htype=None, **kwargs):
        # image htypes require a compression choice; "no compression" by default here
        if "chunk_compression" not in kwargs:
            kwargs.setdefault("sample_compression", None)
        return super().config(htype, **kwargs)


class TestImage(_ImageSuite):
    htype = "image"
    entry_module = ENTRY
    creation_kwargs = {"sample_compression": "png"}
    valid_samples = [_IMG, _IMG[:, :, 0], np.zeros((1, 1, 4), np.uint8)]
    invalid_samples = [
        (np.zeros((2, 2, 2, 2), np.uint8), TensorInvalidSampleShapeError),
        ("not an image", SampleHtypeMismatchError),
    ]


class TestImageRGB(_ImageSuite):
    htype = "image.rgb"
    creation_kwargs = {"sample_compression": "png"}
    valid_samples = [_IMG, _IMG[:, :, 0], np.zeros((3, 3, 4), np.uint8)]
    invalid_samples = [(np.zeros((2, 2, 5), np.uint8), InvalidImageDimensions)]


class TestImageGray(_ImageSuite):
    htype = "image.gray"
    creation_kwargs = {"sample_compression": "png"}
    valid_samples = [_IMG[:, :, 0], _IMG]
    invalid_samples = [(np.zeros((2, 2, 2, 2), np.uint8), InvalidImageDimensions)]


def test_image_requires_a_compression_choice() -> None:
    with pytest.raises(TensorMetaMissingRequiredValue):
        build_tensor_config("image")
    assert build_tensor_config("image", sample_compression=None).sample_compression is None
    assert build_tensor_config("image", sample_compression="jpg").sample_compression == "jpeg"
    assert build_tensor_config("image", chunk_compression="png").chunk_compression == "png"


def test_read_only_formats_cannot_be_chosen() -> None:
    from deeplake_core.exceptions import UnsupportedCompressionError

    for name in ("mpo", "xbm", "msp", "fli", "im", "wmf", "eps"):
        with pytest.raises(UnsupportedCompressionError, match="only be read"):
            build_tensor_config("image", sample_compression=name)
