"""The dcm, nii and nii.gz codecs pass the codec suite; dicom and nifti the htype suite."""

from __future__ import annotations

import contextlib

import numpy as np

from deeplake_core.exceptions import (
    CorruptedSampleError,
    SampleCompressionError,
    SampleDecompressionError,
    TensorInvalidSampleShapeError,
)
from deeplake_core.testing.codec import CodecConformance
from deeplake_core.testing.htype import HtypeConformance

ENTRY = "deeplake_core_medical._plugin"
_DECODE_ERRORS = (SampleDecompressionError, CorruptedSampleError)


class _NoChecksum:
    """DICOM and uncompressed NIfTI carry no checksum: a flipped voxel byte decodes to a
    different voxel. Flipped input must still raise a decode error or decode to an
    array of the declared kind, never escape with another exception. (Stored data is
    covered by the chunk engine's CRCs.)"""

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


class TestDcm(_NoChecksum, CodecConformance):
    codec_name = "dcm"

    def sample_arrays(self) -> list[np.ndarray]:
        rng = np.random.default_rng(0)
        return [
            rng.integers(0, 256, (16, 16, 3), dtype=np.uint8),
            rng.integers(-3000, 3000, (7, 33, 1)).astype(np.int16),
            rng.integers(0, 65535, (3, 5, 4, 1)).astype(np.uint16),
            rng.standard_normal((4, 6, 1)).astype(np.float32),
        ]


def _volumes() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [
        rng.integers(0, 1000, (9, 8, 7)).astype(np.int16),
        rng.standard_normal((4, 5, 3, 2)).astype(np.float32),
        np.zeros((3, 3, 3), np.uint8),
    ]


class TestNii(_NoChecksum, CodecConformance):
    codec_name = "nii"

    def sample_arrays(self) -> list[np.ndarray]:
        return _volumes()


class TestNiiGz(CodecConformance):
    """gzip's CRC-32 catches every flipped byte: the full suite applies."""

    codec_name = "nii.gz"

    def sample_arrays(self) -> list[np.ndarray]:
        return _volumes()


def test_encode_refusals() -> None:
    from deeplake_core.core.engine.codecs import get_codec

    dcm = get_codec("dcm")
    for bad in (
        np.zeros((4, 4, 2), np.uint8),  # 2 samples per pixel
        np.zeros((1, 4, 4, 1), np.uint8),  # a single frame must be 3-D
        np.zeros((4, 4, 1), np.int64),
        np.zeros((4, 4), np.uint8),
    ):
        try:
            dcm.encode(bad)
        except SampleCompressionError:
            continue
        raise AssertionError(f"{bad.shape} {bad.dtype} was encoded")
    nii = get_codec("nii")
    for bad in (np.zeros((2, 2), bool), np.zeros((2,) * 8, np.uint8), np.array(["a"])):
        try:
            nii.encode(bad)
        except SampleCompressionError:
            continue
        raise AssertionError(f"{bad.shape} {bad.dtype} was encoded")


# ------------------------------------------------------------------ htypes
class TestDicom(HtypeConformance):
    htype = "dicom"
    entry_module = ENTRY
    valid_samples = [
        np.zeros((4, 5, 1), np.int16),
        np.arange(2 * 3 * 4 * 3, dtype=np.int16).reshape(2, 3, 4, 3),
    ]
    invalid_samples = [
        (np.zeros((4, 5), np.int16), TensorInvalidSampleShapeError),
        (np.zeros(3, np.int16), TensorInvalidSampleShapeError),
    ]


class TestNifti(HtypeConformance):
    htype = "nifti"
    entry_module = ENTRY
    creation_kwargs = {"sample_compression": None}
    valid_samples = [np.zeros((4, 5, 6), np.int16), np.ones((2, 3, 4, 5), np.int16)]
    invalid_samples = [(np.zeros(4, np.int16), TensorInvalidSampleShapeError)]

    def config(self, htype=None, **kwargs):
        # nifti requires a compression choice; "no compression" unless one is given
        if "chunk_compression" not in kwargs:
            kwargs.setdefault("sample_compression", None)
        return super().config(htype, **kwargs)


def test_nifti_raw_arrays_only_uncompressed() -> None:
    import copy

    from deeplake_core.htype import build_tensor_config, coerce_samples

    cfg = build_tensor_config("nifti", sample_compression="nii.gz")
    try:
        coerce_samples(cfg, [np.zeros((2, 2, 2), np.int16)], copy.deepcopy(cfg.info))
    except SampleCompressionError as exc:
        assert "sample_compression=None" in str(exc)
    else:
        raise AssertionError("a raw array was accepted by a nii.gz tensor")
