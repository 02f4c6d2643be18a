"""The video and audio codecs: conformance suite, headers, partial decode, limits."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from deeplake_core_av import limits, video
from media import frame_pattern, make_audio, make_video, tone

from deeplake_core.codecs.base import ArrayCodec, has_partial_decode
from deeplake_core.core.engine.codecs import get_codec
from deeplake_core.exceptions import (
    CorruptedSampleError,
    DecompressionBombError,
    SampleCompressionError,
    SampleDecompressionError,
)
from deeplake_core.testing.codec import CodecConformance

_DECODE_ERRORS = (SampleDecompressionError, CorruptedSampleError)
VIDEO = ("mp4", "mkv", "avi")
AUDIO = ("mp3", "wav", "flac")


class _MediaSuite(CodecConformance):
    """These codecs read files and never encode arrays, so the suite's samples are
    generated files. Media formats carry no checksum and FFmpeg conceals damaged
    packets, so a flipped byte must raise a decode error or decode to an array of the
    same kind, never escape as another exception."""

    corruption_trials = 24

    def files(self) -> list[bytes]:
        raise AssertionError("subclasses list their files")

    def expected(self, data: bytes) -> np.ndarray:
        raise AssertionError("subclasses give the decoded content")

    def _encoded_samples(self) -> list[bytes]:
        return self.files()

    def test_arrays_round_trip(self) -> None:
        codec = self.get_codec()
        for data in self.files():
            want = self.expected(data)
            got = codec.decode(data)
            assert got.shape == want.shape and got.dtype == want.dtype
            diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
            assert diff.mean() <= self.lossy_tolerance

    def test_shape_dtype_from_header(self) -> None:
        codec = self.get_codec()
        for data in self.files():
            shape, dtype = codec.read_shape_dtype(data)
            arr = codec.decode(data)
            assert tuple(shape) == arr.shape and np.dtype(dtype) == arr.dtype

    def test_verify_refuses_garbage(self) -> None:
        codec = self.get_codec()
        codec.verify(self.files()[0])
        with pytest.raises(_DECODE_ERRORS):
            codec.verify(b"definitely not a media file" * 3)

    def test_flipped_bytes_refused(self) -> None:
        codec = self.get_codec()
        rng = np.random.default_rng(2)
        for enc in self.files():
            for pos in rng.integers(0, len(enc), self.corruption_trials).tolist():
                bad = bytearray(enc)
                bad[pos] ^= 0xFF
                with contextlib.suppress(*_DECODE_ERRORS):
                    out = codec.decode(bytes(bad))
                    assert isinstance(out, np.ndarray) and out.dtype == self.expected(enc).dtype

    def test_encode_is_refused(self) -> None:
        with pytest.raises(SampleCompressionError, match=r"deeplake\.read"):
            self.get_codec().encode(self.expected(self.files()[0]))


class _VideoSuite(_MediaSuite):
    lossless = False
    lossy_tolerance = 6.0

    def files(self) -> list[bytes]:
        return [make_video(self.codec_name), make_video(self.codec_name, frames=7, w=16, h=16)]

    def expected(self, data: bytes) -> np.ndarray:
        n = 30 if data == make_video(self.codec_name) else 7
        h, w = (24, 32) if n == 30 else (16, 16)
        return np.stack([frame_pattern(i, h, w) for i in range(n)])


class TestMp4(_VideoSuite):
    codec_name = "mp4"


class TestMkv(_VideoSuite):
    codec_name = "mkv"


class TestAvi(_VideoSuite):
    codec_name = "avi"


class _AudioSuite(_MediaSuite):
    def files(self) -> list[bytes]:
        return [make_audio(self.codec_name), make_audio(self.codec_name, n=3000, channels=1)]

    def expected(self, data: bytes) -> np.ndarray:
        n, ch = (8000, 2) if data == make_audio(self.codec_name) else (3000, 1)
        sig = tone(n, 16000, ch)
        return np.round(sig * 32767) / 32768 if self.lossless else sig


class TestWav(_AudioSuite):
    codec_name = "wav"
    lossy_tolerance = 1e-12


class TestFlac(_AudioSuite):
    codec_name = "flac"
    lossy_tolerance = 1e-12


class TestMp3(_AudioSuite):
    codec_name = "mp3"
    lossless = False
    lossy_tolerance = 0.05


# ------------------------------------------------------------------ headers


@pytest.mark.parametrize("ext", VIDEO)
def test_video_shape_and_info_without_decoding(ext: str) -> None:
    codec = get_codec(ext)
    data = make_video(ext)
    before = video.frames_decoded()
    assert codec.read_shape_dtype(data) == ((30, 24, 32, 3), np.dtype("uint8"))
    info = codec.sample_info(data)
    assert video.frames_decoded() == before
    assert info["shape"] == [30, 24, 32, 3] and info["format"] == ext
    assert info["fps"] == pytest.approx(25.0) and info["modified"] is False
    assert info["duration"] * info["timebase"] == pytest.approx(30 / 25, abs=0.05)


@pytest.mark.parametrize("ext", AUDIO)
def test_audio_shape_and_info(ext: str) -> None:
    codec = get_codec(ext)
    data = make_audio(ext)
    assert codec.read_shape_dtype(data) == ((8000, 2), np.dtype("float64"))
    info = codec.sample_info(data)
    assert info["sample_rate"] == 16000 and info["nchannels"] == 2
    assert info["shape"] == [8000, 2] and info["format"] == ext
    assert info["duration"] * info["timebase"] == pytest.approx(0.5, abs=0.01)


@pytest.mark.parametrize("ext", ["wav", "flac"])
def test_lossless_audio_is_exact(ext: str) -> None:
    got = get_codec(ext).decode(make_audio(ext))
    assert np.array_equal(got, np.round(tone(8000, 16000, 2) * 32767) / 32768)


@pytest.mark.parametrize("ext", VIDEO)
def test_timestamps(ext: str) -> None:
    stamps = get_codec(ext).timestamps(make_video(ext))
    assert stamps.dtype == np.float32 and stamps.shape == (30,)
    np.testing.assert_allclose(stamps, np.arange(30) / 25, atol=1e-3)


def test_audio_has_no_timestamps() -> None:
    assert get_codec("wav").timestamps(make_audio("wav")) is None


# ------------------------------------------------------------------ partial decode


@pytest.mark.parametrize("ext", VIDEO)
def test_partial_decode_seeks(ext: str) -> None:
    codec = get_codec(ext)
    data = make_video(ext, frames=60, gop=10)
    assert has_partial_decode(codec) and not has_partial_decode(get_codec("wav"))
    full = codec.decode(data)
    before = video.frames_decoded()
    part = codec.decode_partial(data, (slice(45, 48),))
    decoded = video.frames_decoded() - before
    assert np.array_equal(part, full[45:48])
    assert 3 <= decoded <= 13, decoded  # from the keyframe at or before 45, not from 0


@pytest.mark.parametrize(
    "sub",
    [
        (slice(5, 10),),
        (7,),
        (-1,),
        (slice(None, None, 7),),
        ([12, 3, 12],),
        (slice(2, 4), 1, slice(0, 5)),
        (3, slice(1, 3), 2, 0),
        (slice(5, 5),),
    ],
)
def test_partial_decode_matches_slicing(sub: tuple) -> None:
    codec = get_codec("mp4")
    data = make_video("mp4")
    assert np.array_equal(codec.decode_partial(data, sub), codec.decode(data)[sub])


def test_partial_decode_out_of_range() -> None:
    with pytest.raises(IndexError):
        get_codec("mp4").decode_partial(make_video("mp4"), (30,))


def test_default_partial_decode_slices() -> None:
    data = make_audio("wav")
    codec = get_codec("wav")
    assert isinstance(codec, ArrayCodec)
    assert np.array_equal(
        codec.decode_partial(data, (slice(10, 20), 1)), codec.decode(data)[10:20, 1]
    )


# ------------------------------------------------------------------ safety


@pytest.fixture
def small_limit():
    limits.set_max_bytes(10 * 24 * 32 * 3)  # ten frames
    yield
    limits.set_max_bytes(None)


def test_decompression_bomb_guard(small_limit) -> None:
    codec = get_codec("mp4")
    data = make_video("mp4")
    before = video.frames_decoded()
    with pytest.raises(DecompressionBombError, match="set_max_bytes"):
        codec.decode(data)
    assert video.frames_decoded() == before  # refused from the headers, before decoding
    assert codec.decode_partial(data, (slice(0, 10),)).shape == (10, 24, 32, 3)
    with pytest.raises(DecompressionBombError):
        get_codec("wav").decode(make_audio("wav", n=20000))


def test_limit_from_environment(monkeypatch) -> None:
    monkeypatch.setenv(limits.ENV, "100")
    with pytest.raises(DecompressionBombError):
        get_codec("flac").decode(make_audio("flac"))
    monkeypatch.setenv(limits.ENV, "lots")
    with pytest.raises(ValueError, match=limits.ENV):
        limits.max_bytes()
    with pytest.raises(ValueError):
        limits.set_max_bytes(0)


@pytest.mark.parametrize("ext", [*VIDEO, *AUDIO])
def test_truncated_files_are_corrupt(ext: str) -> None:
    data = make_video(ext) if ext in VIDEO else make_audio(ext)
    with pytest.raises(_DECODE_ERRORS):
        get_codec(ext).decode(data[: len(data) * 2 // 3])


@pytest.mark.parametrize(("ext", "other"), [("mp4", "mkv"), ("avi", "mp4"), ("wav", "flac")])
def test_wrong_format_is_corrupt(ext: str, other: str) -> None:
    data = make_video(other) if other in VIDEO else make_audio(other)
    with pytest.raises(CorruptedSampleError):
        get_codec(ext).read_shape_dtype(data)


def test_audio_file_is_not_a_video() -> None:
    with pytest.raises(_DECODE_ERRORS):
        get_codec("mp4").decode(make_audio("wav"))
    with pytest.raises(CorruptedSampleError):
        get_codec("mkv").verify(make_video("mkv")[:-50])
