"""Entry module: declares the ``dicom`` and ``nifti`` htypes and the ``dcm``, ``nii`` and
``nii.gz`` codecs. Imports nothing but the plugin API; pydicom and nibabel are imported
by :mod:`deeplake_core_medical.dicom` / :mod:`deeplake_core_medical.nifti` on first use.
"""

from __future__ import annotations

from deeplake_core.plugins import PLUGIN_API, hookimpl
from deeplake_core.plugins.specs import CodecSpec, HtypeSpec, PluginInfo

_PKG = "deeplake_core_medical"


@hookimpl
def plugin_info() -> PluginInfo:
    return PluginInfo(api=PLUGIN_API, description="dicom and nifti htypes (pydicom, nibabel)")


@hookimpl
def register_codecs() -> list[CodecSpec]:
    def codec(name: str, cls: str, exts: set[str], description: str) -> CodecSpec:
        return CodecSpec(
            name=name,
            codec_kind="medical",
            applies_to=frozenset({"sample"}),
            lossless=True,
            file_extensions=frozenset(exts),
            impl=f"{_PKG}.{cls}",
            description=description,
        )

    return [
        codec("dcm", "dicom:DicomCodec", {"dcm", "dicom"}, "DICOM files (pydicom)"),
        codec("nii", "nifti:NiftiCodec", {"nii"}, "NIfTI-1/2 volumes (nibabel)"),
        codec("nii.gz", "nifti:NiftiGzCodec", {"nii.gz"}, "gzipped NIfTI-1/2 volumes (nibabel)"),
    ]


@hookimpl
def register_htypes() -> list[HtypeSpec]:
    return [
        HtypeSpec(
            name="dicom",
            sample_ndim=frozenset({3, 4}),
            default_sample_compression="dcm",
            allowed_compressions=frozenset({"dcm"}),
            chunk_compression_allowed=False,
            supports_link=True,
            behavior=f"{_PKG}.behavior:DicomBehavior",
            file_extensions=frozenset({"dcm", "dicom"}),
            mimetypes=frozenset({"application/dicom"}),
            magic=frozenset({(128, b"DICM")}),
            description="DICOM images: (rows, columns, samples) or (frames, rows, columns, samples)",
        ),
        HtypeSpec(
            name="nifti",
            sample_ndim=frozenset({2, 3, 4, 5, 6, 7}),
            allowed_compressions=frozenset({"nii", "nii.gz"}),
            chunk_compression_allowed=False,
            raw_arrays_allowed=False,
            supports_link=True,
            behavior=f"{_PKG}.behavior:NiftiBehavior",
            file_extensions=frozenset({"nii", "nii.gz"}),
            magic=frozenset({(344, b"n+1\x00"), (4, b"n+2\x00")}),
            description="NIfTI volumes: (height, width, slices[, time ...])",
        ),
    ]
