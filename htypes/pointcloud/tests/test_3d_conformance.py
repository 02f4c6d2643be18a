"""The las and ply codecs pass the codec suite; point_cloud and mesh the htype suite."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from deeplake_core.exceptions import (
    CorruptedSampleError,
    SampleCompressionError,
    SampleDecompressionError,
    TensorInvalidSampleShapeError,
    UnsupportedCompressionError,
)
from deeplake_core.htype import build_tensor_config
from deeplake_core.testing.codec import CodecConformance
from deeplake_core.testing.htype import HtypeConformance

ENTRY = "deeplake_core_3d._plugin"
_DECODE_ERRORS = (SampleDecompressionError, CorruptedSampleError)


class _NoChecksum:
    """LAS and PLY carry no checksum: a flipped coordinate byte decodes to another
    coordinate. Flipped input must still raise a decode error or decode to an array of
    the declared kind, never escape with another exception. (Stored data is covered by
    the chunk engine's CRCs.)"""

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
                    assert isinstance(out, np.ndarray) and out.shape[1:] == (3,)


class TestLas(_NoChecksum, CodecConformance):
    codec_name = "las"
    lossless = False
    lossy_tolerance = 1e-6

    def sample_arrays(self) -> list[np.ndarray]:
        rng = np.random.default_rng(0)
        return [
            rng.uniform(-500, 500, (40, 3)),
            rng.integers(0, 10, (5, 3)).astype(np.float64),
            np.zeros((1, 3)),
        ]

    def test_whole_numbers_are_exact(self) -> None:
        arr = np.random.default_rng(1).integers(-(10**6), 10**6, (30, 3)).astype(np.float64)
        codec = self.get_codec()
        assert np.array_equal(codec.decode(codec.encode(arr)), arr)


class TestPly(_NoChecksum, CodecConformance):
    codec_name = "ply"

    def sample_arrays(self) -> list[np.ndarray]:
        rng = np.random.default_rng(0)
        return [
            rng.standard_normal((16, 3)).astype(np.float32),
            rng.standard_normal((7, 3)),
            rng.integers(-100, 100, (5, 3)).astype(np.int32),
            np.zeros((1, 3), np.uint8),
        ]


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("las", np.zeros((4, 2))),
        ("las", np.array([[np.nan, 0, 0]])),
        ("ply", np.zeros((4, 2), np.float32)),
        ("ply", np.zeros((4, 3), np.int64)),
        ("ply", np.zeros((2, 3, 3), np.float32)),
    ],
)
def test_encode_refusals(name: str, bad: np.ndarray) -> None:
    from deeplake_core.core.engine.codecs import get_codec

    with pytest.raises(SampleCompressionError):
        get_codec(name).encode(bad)


# ------------------------------------------------------------------ htypes
def _points() -> st.SearchStrategy:
    return hnp.arrays(
        np.float64,
        st.tuples(st.integers(0, 20), st.just(3)),
        elements=st.integers(-1000, 1000).map(float),
    )


class TestPointCloud(HtypeConformance):
    htype = "point_cloud"
    entry_module = ENTRY
    valid_samples = [np.zeros((5, 3)), np.arange(45, dtype=np.int64).reshape(15, 3)]
    invalid_samples = [
        (np.zeros((5, 4)), TensorInvalidSampleShapeError),
        (np.zeros(3), TensorInvalidSampleShapeError),
    ]

    def sample_strategy(self):
        return _points()


class TestPointCloudRaw(TestPointCloud):
    creation_kwargs = {"sample_compression": None}


class TestMesh(HtypeConformance):
    htype = "mesh"
    entry_module = ENTRY
    valid_samples = [np.zeros((4, 3), np.float32), np.ones((2, 3)), [[1, 2, 3]]]
    invalid_samples = [(np.zeros((4, 2), np.float32), TensorInvalidSampleShapeError)]


def test_no_chunk_compression() -> None:
    for htype in ("point_cloud", "mesh"):
        with pytest.raises(UnsupportedCompressionError, match="chunk compression"):
            build_tensor_config(htype, chunk_compression="lz4")
    assert build_tensor_config("point_cloud").sample_compression == "las"
    assert build_tensor_config("mesh").sample_compression == "ply"
