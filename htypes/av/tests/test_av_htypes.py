"""The video and audio htypes: conformance suite and the documented dataset behaviour."""

from __future__ import annotations

import numpy as np
import pytest
from deeplake_core_av import video
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from media import make_audio, make_video, write

import deeplake_core as deeplake
from deeplake_core.exceptions import (
    DeepLakeCoreError,
    InvalidOperationError,
    SampleCompressionError,
    SampleDecompressionError,
    SampleHtypeMismatchError,
    TensorInvalidSampleShapeError,
    TensorMetaMissingRequiredValue,
    UnsupportedCompressionError,
)
from deeplake_core.htype import build_tensor_config, present
from deeplake_core.testing.htype import HtypeConformance

ENTRY = "deeplake_core_av._plugin"


class _MediaSuite(HtypeConformance):
    """Raw arrays are valid only without compression (the documented rule), so the
    suite's configs default to ``sample_compression=None``."""

    def config(self, htype=None, **kwargs):
        kwargs.setdefault("sample_compression", None)
        return super().config(htype, **kwargs)


class TestVideo(_MediaSuite):
    htype = "video"
    entry_module = ENTRY
    data_value_key = "frames"
    valid_samples = [
        np.zeros((2, 4, 5, 3), np.uint8),
        np.arange(3 * 2 * 2, dtype=np.uint8).reshape(3, 2, 2),
    ]
    invalid_samples = [
        (np.zeros((4, 5), np.uint8), TensorInvalidSampleShapeError),
        ("not a video", SampleHtypeMismatchError),
    ]

    def sample_strategy(self):
        shapes = hnp.array_shapes(min_dims=3, max_dims=4, max_side=4)
        return hnp.arrays(np.uint8, shapes)

    def test_data_has_frames_timestamps_and_info(self) -> None:
        cfg = self.config()
        stored = [self.valid_samples[0]]
        data = present(cfg, stored, cfg.info, "data", single=True, extras={"timestamps": [0.0]})
        assert set(data) == {"frames", "timestamps", "sample_info"}
        assert data["frames"].shape == (2, 4, 5, 3) and data["timestamps"] == [0.0]


class TestAudio(_MediaSuite):
    htype = "audio"
    entry_module = ENTRY
    valid_samples = [np.zeros((10, 2)), np.linspace(-1, 1, 7)]
    invalid_samples = [
        (np.zeros((2, 2, 2)), TensorInvalidSampleShapeError),
        ("not audio", SampleHtypeMismatchError),
    ]

    def sample_strategy(self):
        shapes = hnp.array_shapes(min_dims=1, max_dims=2, max_side=8)
        return hnp.arrays(np.float64, shapes, elements=st.floats(-1, 1))


# ------------------------------------------------------------------ configuration


def test_compression_is_required_and_checked() -> None:
    for htype, ok in (("video", ("mp4", "mkv", "avi")), ("audio", ("mp3", "wav", "flac"))):
        with pytest.raises(TensorMetaMissingRequiredValue):
            build_tensor_config(htype)
        for name in (None, *ok):
            assert build_tensor_config(htype, sample_compression=name).sample_compression == name
        with pytest.raises(UnsupportedCompressionError, match="chunk compression"):
            build_tensor_config(htype, chunk_compression=ok[0])
        with pytest.raises(UnsupportedCompressionError):
            build_tensor_config(htype, sample_compression="png" if htype == "audio" else "wav")
    assert build_tensor_config("video", sample_compression=None).dtype == "uint8"
    assert build_tensor_config("audio", sample_compression=None).dtype == "float64"


# ------------------------------------------------------------------ datasets


@pytest.fixture
def ds():
    return deeplake.empty("mem://av-htypes", overwrite=True)


@pytest.mark.parametrize("ext", ["mp4", "mkv", "avi"])
def test_video_file_stored_as_read(ds, tmp_path, ext: str) -> None:
    path = write(tmp_path, f"clip.{ext}", make_video(ext))
    ds.create_tensor("videos", htype="video", sample_compression=ext)
    ds.videos.append(deeplake.read(path))
    ds.videos.extend([deeplake.read(path) for _ in range(2)])
    assert ds.videos.shape == (3, 30, 24, 32, 3)
    assert ds.videos[0].tobytes() == make_video(ext)
    info = ds.videos[1].sample_info
    assert {"duration", "fps", "timebase", "shape", "format", "filename", "modified"} <= set(info)
    assert info["filename"] == path and info["format"] == ext
    frames = ds.videos[2].numpy()
    assert frames.shape == (30, 24, 32, 3) and frames.dtype == np.uint8


def test_frame_slicing_decodes_only_what_it_needs(ds, tmp_path) -> None:
    path = write(tmp_path, "long.mp4", make_video("mp4", frames=60, gop=10))
    ds.create_tensor("videos", htype="video", sample_compression="mp4")
    ds.videos.append(deeplake.read(path))
    before = video.frames_decoded()
    whole = ds.videos[0].numpy()
    assert video.frames_decoded() - before == 60
    before = video.frames_decoded()
    part = ds.videos[0, 45:48].numpy()
    assert video.frames_decoded() - before <= 13
    assert np.array_equal(part, whole[45:48])
    assert np.array_equal(ds.videos[0][45:48].numpy(), whole[45:48])
    assert np.array_equal(ds.videos[0, 50, 2:4].numpy(), whole[50, 2:4])
    ds.videos.append(deeplake.read(path))
    assert np.array_equal(ds.videos[:, 5:10].numpy(), np.stack([whole[5:10]] * 2))
    assert [a.shape for a in ds.videos[:, 5:10].numpy(aslist=True)] == [(5, 24, 32, 3)] * 2


def test_timestamps_and_data(ds, tmp_path) -> None:
    path = write(tmp_path, "clip.mp4", make_video("mp4"))
    ds.create_tensor("videos", htype="video", sample_compression="mp4")
    ds.videos.append(deeplake.read(path))
    stamps = ds.videos[0].timestamps
    assert stamps.shape == (30,) and stamps.dtype == np.float32
    np.testing.assert_allclose(ds.videos[0, 5:10].timestamps, np.arange(5, 10) / 25, atol=1e-3)
    assert float(ds.videos[0, 3].timestamps) == pytest.approx(0.12, abs=1e-3)
    assert len(ds.videos[:1].timestamps) == 1
    data = ds.videos[0, 2:4].data()
    assert set(data) == {"frames", "timestamps", "sample_info"}
    assert np.array_equal(data["frames"], ds.videos[0, 2:4].numpy())
    np.testing.assert_allclose(data["timestamps"], [0.08, 0.12], atol=1e-3)
    assert data["sample_info"]["shape"] == [30, 24, 32, 3]


def test_raw_frames_only_without_compression(ds, tmp_path) -> None:
    path = write(tmp_path, "clip.mp4", make_video("mp4"))
    ds.create_tensor("videos", htype="video", sample_compression="mp4")
    with pytest.raises(SampleCompressionError, match="sample_compression=None"):
        ds.videos.append(np.zeros((2, 4, 4, 3), np.uint8))
    ds.create_tensor("mkvs", htype="video", sample_compression="mkv")
    with pytest.raises(SampleCompressionError, match="recompress"):
        ds.mkvs.append(deeplake.read(path))
    assert len(ds.videos) == 0 and len(ds.mkvs) == 0
    ds.create_tensor("raw", htype="video", sample_compression=None)
    ds.raw.append(np.ones((2, 4, 4, 3), np.uint8))
    ds.raw.append(deeplake.read(path))  # decoded into raw frames
    assert ds.raw[1].numpy().shape == (30, 24, 32, 3)
    assert ds.raw[0].data()["timestamps"] is None
    with pytest.raises(InvalidOperationError, match="timestamps"):
        _ = ds.raw[0].timestamps
    with pytest.raises(InvalidOperationError, match="Jupyter"):
        ds.raw[0].play()


def test_large_files_are_stored_whole(tmp_path) -> None:
    data = make_video("mp4", frames=60)
    path = write(tmp_path, "clip.mp4", data)
    ds = deeplake.empty(str(tmp_path / "ds"), overwrite=True)
    ds.create_tensor(
        "videos",
        htype="video",
        sample_compression="mp4",
        tiling_threshold=1000,
        max_chunk_size=2000,
    )
    ds.videos.extend([deeplake.read(path)] * 2)
    ds.flush()
    ds = deeplake.load(str(tmp_path / "ds"))
    assert ds.videos[1].tobytes() == data
    assert ds.videos[0, 10:12].numpy().shape == (2, 24, 32, 3)


@pytest.mark.parametrize("ext", ["mp3", "wav", "flac"])
def test_audio_files(ds, tmp_path, ext: str) -> None:
    path = write(tmp_path, f"tone.{ext}", make_audio(ext))
    ds.create_tensor("audios", htype="audio", sample_compression=ext)
    ds.audios.append(deeplake.read(path))
    ds.audios.extend([deeplake.read(path) for _ in range(2)])
    assert ds.audios.shape == (3, 8000, 2)
    assert ds.audios[0].tobytes() == make_audio(ext)
    arr = ds.audios[2].numpy()
    assert arr.dtype == np.float64 and arr.shape == (8000, 2)
    assert np.array_equal(ds.audios[1, 100:200].numpy(), arr[100:200])
    info = ds.audios[0].sample_info
    assert info["sample_rate"] == 16000 and info["nchannels"] == 2 and info["filename"] == path
    with pytest.raises(SampleCompressionError):
        ds.audios.append(np.zeros((10, 2)))
    ds.create_tensor("raw", htype="audio", sample_compression=None)
    ds.raw.extend([np.zeros((5, 2)), deeplake.read(path)])
    assert ds.raw[1].numpy().shape == (8000, 2)


def test_corrupt_file_refused_without_side_effects(ds, tmp_path) -> None:
    good = write(tmp_path, "good.mp4", make_video("mp4"))
    bad = write(tmp_path, "bad.mp4", b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 100)
    cut = write(tmp_path, "cut.wav", make_audio("wav")[:5000])
    ds.create_tensor("videos", htype="video", sample_compression="mp4")
    ds.create_tensor("audios", htype="audio", sample_compression="wav")
    ds.videos.append(deeplake.read(good))
    with pytest.raises(SampleDecompressionError):
        ds.videos.append(deeplake.read(bad))
    with pytest.raises(DeepLakeCoreError, match="truncated"):
        ds.audios.append(deeplake.read(cut))
    assert len(ds.videos) == 1 and len(ds.audios) == 0
    assert ds.videos[0].tobytes() == make_video("mp4")


def test_sequence_and_link_of_video(ds, tmp_path) -> None:
    path = write(tmp_path, "clip.mkv", make_video("mkv"))
    ds.create_tensor("seq", htype="sequence[video]", sample_compression="mkv")
    ds.seq.append([deeplake.read(path), deeplake.read(path)])
    assert ds.seq[0].numpy().shape == (2, 30, 24, 32, 3)
    ds.create_tensor("links", htype="link[video]")
    ds.links.append(deeplake.link(path))
    assert ds.links[0].numpy().shape == (30, 24, 32, 3)


def test_blocked_plugin_names_the_package(tmp_path) -> None:
    from deeplake_core.exceptions import MissingPluginError
    from deeplake_core.plugins import block, unblock

    path = write(tmp_path, "clip.mp4", make_video("mp4"))
    ds = deeplake.empty(str(tmp_path / "ds"), overwrite=True)
    ds.create_tensor("videos", htype="video", sample_compression="mp4")
    ds.create_tensor("labels")
    ds.videos.append(deeplake.read(path))
    ds.labels.append(np.arange(3))
    ds.flush()
    block("av")
    try:
        ds = deeplake.load(str(tmp_path / "ds"), read_only=True)
        assert np.array_equal(ds.labels[0].numpy(), np.arange(3))
        with pytest.raises(MissingPluginError, match="deeplake-core-av"):
            ds.videos[0].numpy()
    finally:
        unblock("av")
