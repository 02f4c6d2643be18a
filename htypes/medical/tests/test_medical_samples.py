"""dicom and nifti tensors: the seed examples, bytes kept as given, header-only appends,
sample_info, corrupt files and the decode limit."""

from __future__ import annotations

import gzip
import io
import json

import nibabel as nib
import numpy as np
import pydicom
import pytest
from deeplake_core_medical import dicom, limits, nifti
from medical_files import make_dicom, mr_pixels, volume

import deeplake_core as deeplake
from deeplake_core.exceptions import (
    CorruptedSampleError,
    DecompressionBombError,
    SampleCompressionError,
    SampleDecompressionError,
    TensorDtypeMismatchError,
    TensorMetaMissingRequiredValue,
    UnsupportedCompressionError,
)


def _no_decode(monkeypatch) -> None:
    def refuse(self, data, config=None):
        raise AssertionError("the file should not be decoded on append")

    for cls in (dicom.DicomCodec, nifti.NiftiCodec):
        monkeypatch.setattr(cls, "decode", refuse)
        monkeypatch.setattr(cls, "encode", refuse)


# ------------------------------------------------------------------ dicom
def test_dicom_seed_defaults(ds) -> None:
    ds.create_tensor("scans", htype="dicom")
    assert ds.scans.meta.sample_compression == "dcm"
    with pytest.raises(UnsupportedCompressionError):
        ds.create_tensor("bad", htype="dicom", sample_compression="jpg")
    with pytest.raises(UnsupportedCompressionError):
        ds.create_tensor("bad2", htype="dicom", chunk_compression="lz4")


def test_dicom_bytes_stored_as_is(ds, files, monkeypatch) -> None:
    ds.create_tensor("scans", htype="dicom")
    sample = deeplake.read(files["mr.dcm"])
    assert sample.compression == "dcm"
    assert sample.shape == (64, 64, 1) and sample.dtype == np.int16
    _no_decode(monkeypatch)
    ds.scans.append(sample)
    ds.scans.extend([deeplake.read(str(files["mr2.dcm"]))])
    monkeypatch.undo()
    assert ds.scans[0].tobytes() == files["mr.dcm"].read_bytes()
    assert ds.scans[1].tobytes() == files["mr2.dcm"].read_bytes()
    assert ds.scans.dtype == np.int16
    assert ds.scans.shape == (2, None, None, 1)
    assert np.array_equal(ds.scans[0].numpy()[:, :, 0], mr_pixels())
    assert np.array_equal(ds.scans[1].numpy()[:, :, 0], mr_pixels((32, 48), seed=1))


def test_dicom_sample_info_and_data(ds, files) -> None:
    ds.create_tensor("scans", htype="dicom")
    ds.scans.append(deeplake.read(files["mr.dcm"], verify=True))
    info = ds.scans[0].sample_info
    json.dumps(info)
    source = pydicom.dcmread(files["mr.dcm"])
    for elem in source:
        if not isinstance(elem.value, bytes):
            assert elem.keyword in info, elem.keyword
    assert info["PatientID"] == "P-0001"
    assert info["PatientName"] == "Doe^Jane"
    assert info["PixelSpacing"] == [0.5, 0.75]
    assert info["SliceThickness"] == 1.25
    assert info["ImageType"] == ["ORIGINAL", "PRIMARY"]
    assert set(info["ReferencedImageSequence"][0]) == {"ReferencedSOPInstanceUID"}
    assert info["TransferSyntaxUID"] == "1.2.840.10008.1.2.1"
    assert "PixelData" not in info
    data = ds.scans[0].data()
    assert data["value"].shape == (64, 64, 1)
    assert data["sample_info"]["Modality"] == "MR"


def test_dicom_rgb_multiframe_and_arrays(ds, files) -> None:
    ds.create_tensor("rgb", htype="dicom")
    ds.rgb.append(deeplake.read(files["rgb.dcm"]))
    assert ds.rgb[0].numpy().shape == (20, 30, 3)
    ds.create_tensor("frames", htype="dicom")
    movie = np.arange(3 * 4 * 5, dtype=np.uint16).reshape(3, 4, 5, 1)
    ds.frames.append(movie)  # raw arrays are written as Secondary Capture files
    assert ds.frames[0].tobytes()[128:132] == b"DICM"
    assert np.array_equal(ds.frames[0].numpy(), movie)
    assert ds.frames[0].sample_info == {}  # arrays carry no file metadata


def test_dicom_mixed_dtypes_cast_to_tensor_dtype(ds, files, tmp_path) -> None:
    p = tmp_path / "u8.dcm"
    p.write_bytes(make_dicom(np.full((10, 10), 9, np.uint8)))
    ds.create_tensor("x", htype="dicom")
    ds.x.append(deeplake.read(files["mr.dcm"]))
    ds.x.append(deeplake.read(p))
    assert ds.x.dtype == np.int16
    assert ds.x[1].numpy().dtype == np.int16 and int(ds.x[1].numpy()[0, 0, 0]) == 9


def test_dicom_corrupt_files_refused(ds, files, tmp_path) -> None:
    good = files["mr.dcm"].read_bytes()
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(good[: len(good) - 100])
    junk = tmp_path / "junk.dcm"
    junk.write_bytes(b"\0" * 128 + b"DICM" + b"\xff" * 64)
    ds.create_tensor("x", htype="dicom")
    for path in (cut, junk):
        with pytest.raises((CorruptedSampleError, SampleDecompressionError)):
            ds.x.append(deeplake.read(path))
    assert len(ds.x) == 0
    with pytest.raises(CorruptedSampleError):
        deeplake.read(cut, verify=True).array  # noqa: B018


def test_dicom_decompression_bomb(files) -> None:
    from deeplake_core.core.engine.codecs import get_codec

    data = files["mr.dcm"].read_bytes()
    limits.set_max_bytes(1000)
    try:
        with pytest.raises(DecompressionBombError, match="DEEPLAKE_CORE_MEDICAL_MAX_BYTES"):
            get_codec("dcm").read_shape_dtype(data)
        with pytest.raises(DecompressionBombError):
            get_codec("dcm").decode(data)
    finally:
        limits.set_max_bytes(None)
    # a header announcing a huge image over a few bytes of pixel data
    ds_ = pydicom.dcmread(files["mr.dcm"])
    ds_.Rows = ds_.Columns = 60000
    ds_.NumberOfFrames = 1000
    out = io.BytesIO()
    ds_.save_as(out)
    with pytest.raises(DecompressionBombError):
        get_codec("dcm").read_shape_dtype(out.getvalue())


# ------------------------------------------------------------------ nifti
def test_nifti_seed_examples(ds, files, monkeypatch) -> None:
    with pytest.raises(TensorMetaMissingRequiredValue):
        ds.create_tensor("no_choice", htype="nifti")
    ds.create_tensor("patients", htype="nifti", sample_compression="nii.gz")
    _no_decode(monkeypatch)
    ds.patients.append(deeplake.read(str(files["patient0.nii.gz"])))
    ds.patients.extend([deeplake.read(str(files["patient0.nii.gz"])) for _ in range(3)])
    monkeypatch.undo()
    assert ds.patients.shape == (4, 12, 10, 6)
    assert ds.patients[0].tobytes() == files["patient0.nii.gz"].read_bytes()
    img = nib.load(files["patient0.nii.gz"])
    assert np.array_equal(ds.patients[3].numpy(), img.get_fdata())
    assert ds.patients[0].numpy().dtype == np.int16


def test_nifti_4d_2_and_uncompressed(ds, files) -> None:
    ds.create_tensor("vols", htype="nifti", sample_compression="nii")
    ds.vols.append(deeplake.read(files["patient0.nii"]))
    ds.vols.append(deeplake.read(files["v2.nii"]))
    with pytest.raises(TensorDtypeMismatchError):  # float voxels would be truncated
        ds.vols.append(deeplake.read(files["float.nii"]))
    assert len(ds.vols) == 2
    assert ds.vols[1].tobytes() == files["v2.nii"].read_bytes()
    assert np.array_equal(ds.vols[1].numpy(), volume())
    ds.create_tensor("ts", htype="nifti", sample_compression="nii.gz")
    sample = deeplake.read(files["patient1.nii.gz"])
    assert sample.shape == (8, 8, 4, 3)
    ds.ts.append(sample)
    assert ds.ts.shape == (1, 8, 8, 4, 3)


def test_nifti_raw_arrays_only_without_compression(ds, files) -> None:
    ds.create_tensor("packed", htype="nifti", sample_compression="nii.gz")
    with pytest.raises(SampleCompressionError, match="sample_compression=None"):
        ds.packed.append(volume())
    with pytest.raises(SampleCompressionError):  # a .nii file is not recompressed
        ds.packed.append(deeplake.read(files["patient0.nii"]))
    assert len(ds.packed) == 0
    ds.create_tensor("raw", htype="nifti", sample_compression=None)
    ds.raw.append(volume())
    ds.raw.append(deeplake.read(files["patient0.nii.gz"]))
    assert np.array_equal(ds.raw[0].numpy(), ds.raw[1].numpy())


def test_nifti_sample_info(ds, files) -> None:
    ds.create_tensor("patients", htype="nifti", sample_compression="nii.gz")
    ds.patients.append(deeplake.read(files["patient0.nii.gz"]))
    info = ds.patients[0].sample_info
    json.dumps(info)
    assert np.allclose(info["affine"], np.diag([0.8, 0.8, 2.0, 1.0]))
    assert info["xyzt_units"] == ["mm", "sec"]
    assert info["axcodes"] == ["R", "A", "S"]
    assert np.allclose(info["zooms"], [0.8, 0.8, 2.0])
    assert info["shape"] == [12, 10, 6] and info["format"] == "nii.gz"
    assert ds.patients[0].data()["sample_info"]["nifti_version"] == 1


def test_nifti_scaled_volume_reads_as_float() -> None:
    arr = volume()
    img = nib.Nifti1Image(arr, np.eye(4), dtype=np.int16)
    raw = bytearray(img.to_bytes())
    hdr = nib.Nifti1Header.from_fileobj(io.BytesIO(bytes(raw[:348])))
    hdr["scl_slope"], hdr["scl_inter"] = 0.5, 10
    raw[:348] = hdr.binaryblock
    from deeplake_core.core.engine.codecs import get_codec

    codec = get_codec("nii")
    shape, dtype = codec.read_shape_dtype(bytes(raw))
    assert shape == arr.shape
    out = codec.decode(bytes(raw))
    assert out.dtype == dtype and dtype.kind == "f"
    assert np.allclose(out, arr * 0.5 + 10)


def test_nifti_corrupt_and_bombs(files, tmp_path) -> None:
    from deeplake_core.core.engine.codecs import get_codec

    gz = files["patient0.nii.gz"].read_bytes()
    raw = files["patient0.nii"].read_bytes()
    nii, niigz = get_codec("nii"), get_codec("nii.gz")
    with pytest.raises(CorruptedSampleError):
        nii.read_shape_dtype(raw[:-10])  # truncated voxels, seen from the header
    with pytest.raises((CorruptedSampleError, SampleDecompressionError)):
        niigz.decode(gz[: len(gz) // 2])
    with pytest.raises(CorruptedSampleError):
        nii.decode(gz)  # gzip bytes are not a .nii
    with pytest.raises(CorruptedSampleError):
        niigz.decode(raw)
    # a tiny gzip announcing 2**40 voxels
    hdr = nib.Nifti1Header.from_fileobj(io.BytesIO(raw[:348]))
    hdr.set_data_shape((1 << 14, 1 << 14, 1 << 12))
    bomb = gzip.compress(hdr.binaryblock + b"\0" * 4 + b"\0" * (1 << 20))
    with pytest.raises(DecompressionBombError):
        niigz.read_shape_dtype(bomb)
    with pytest.raises(DecompressionBombError):
        niigz.decode(bomb)
    # more inflated data than the header declares is refused, not inflated without end
    padded = gzip.compress(raw + b"\0" * (1 << 20))
    with pytest.raises(CorruptedSampleError):
        niigz.decode(padded)


def test_nifti_in_sequence(ds, files) -> None:
    ds.create_tensor("series", htype="sequence[nifti]", sample_compression="nii.gz")
    ds.series.append([deeplake.read(files["patient0.nii.gz"])] * 2)
    assert ds.series[0].numpy().shape == (2, 12, 10, 6)
