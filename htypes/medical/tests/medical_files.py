"""Helpers of the tests: small DICOM and NIfTI files generated with pydicom and nibabel."""

from __future__ import annotations

import gzip
import io

import nibabel as nib
import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage, generate_uid


def make_dicom(arr: np.ndarray, **tags) -> bytes:
    """An MR image file holding ``arr`` ((rows, cols) int16/uint16 or (rows, cols, 3) uint8)."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = MRImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.preamble = b"\0" * 128
    ds.SOPClassUID = MRImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.PatientName = "Doe^Jane"
    ds.PatientID = "P-0001"
    ds.StudyDate = "20240131"
    ds.Modality = "MR"
    ds.PixelSpacing = [0.5, 0.75]
    ds.SliceThickness = "1.25"
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ref = Dataset()
    ref.ReferencedSOPInstanceUID = generate_uid()
    ds.ReferencedImageSequence = [ref]
    ds.Rows, ds.Columns = arr.shape[:2]
    ds.SamplesPerPixel = 1 if arr.ndim == 2 else arr.shape[2]
    ds.PhotometricInterpretation = "MONOCHROME2" if arr.ndim == 2 else "RGB"
    if arr.ndim == 3:
        ds.PlanarConfiguration = 0
    bits = arr.dtype.itemsize * 8
    ds.BitsAllocated = ds.BitsStored = bits
    ds.HighBit = bits - 1
    ds.PixelRepresentation = 1 if arr.dtype.kind == "i" else 0
    ds.PixelData = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
    ds["PixelData"].VR = "OB" if bits == 8 else "OW"
    for key, value in tags.items():
        setattr(ds, key, value)
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def mr_pixels(shape=(64, 64), seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(-500, 2000, shape).astype(np.int16)


def make_nifti(arr: np.ndarray, affine=None, gz: bool = False, version: int = 1) -> bytes:
    klass = nib.Nifti1Image if version == 1 else nib.Nifti2Image
    img = klass(arr, np.diag([0.8, 0.8, 2.0, 1.0]) if affine is None else affine, dtype=arr.dtype)
    img.header.set_xyzt_units("mm", "sec")
    raw = img.to_bytes()
    return gzip.compress(raw) if gz else raw


def volume(shape=(12, 10, 6), dtype=np.int16, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 1000, shape).astype(dtype)
