"""Behaviour of the ``dicom`` and ``nifti`` htypes.

Both add the per-sample metadata kept at append time to ``data()``:
``{"value": numpy(), "sample_info": ...}``. ``nifti`` tensors need an explicit
compression choice (``"nii.gz"``, ``"nii"`` or ``None``); raw arrays go only into
``None``-compressed nifti tensors (the spec's ``raw_arrays_allowed=False``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deeplake_core.htype.base import HtypeBehavior


class _MedicalBehavior(HtypeBehavior):
    def data(
        self, cfg: Any, value: Any, info: Mapping[str, Any], extras: Mapping[str, Any]
    ) -> dict[str, Any]:
        return {"value": value, "sample_info": extras.get("sample_info")}


class DicomBehavior(_MedicalBehavior):
    """``dicom``: DICOM images, stored as the appended ``.dcm`` files."""


class NiftiBehavior(_MedicalBehavior):
    """``nifti``: NIfTI volumes; the compression must be chosen at creation."""

    compression_required = True
