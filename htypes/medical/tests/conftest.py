"""Fixtures: an empty in-memory dataset and a folder of generated files."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pytest
from medical_files import make_dicom, make_nifti, mr_pixels, volume

import deeplake_core as deeplake


@pytest.fixture
def ds():
    return deeplake.empty(f"mem://medical-{uuid.uuid4().hex}")


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out: dict[str, Path] = {}

    def put(name: str, data: bytes) -> None:
        out[name] = tmp_path / name
        out[name].write_bytes(data)

    put("mr.dcm", make_dicom(mr_pixels()))
    put("mr2.dcm", make_dicom(mr_pixels((32, 48), seed=1)))
    put("rgb.dcm", make_dicom(np.full((20, 30, 3), 7, np.uint8)))
    put("patient0.nii.gz", make_nifti(volume(), gz=True))
    put("patient1.nii.gz", make_nifti(volume((8, 8, 4, 3), seed=1), gz=True))
    put("patient0.nii", make_nifti(volume()))
    put("float.nii", make_nifti(volume(dtype=np.float32)))
    put("v2.nii", make_nifti(volume(), version=2))
    return out
