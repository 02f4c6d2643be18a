"""Packaging: the plugin is discovered, and without it a dataset using its htypes names
the package to install while its other tensors still read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from medical_files import make_dicom, make_nifti, mr_pixels, volume

import deeplake_core as deeplake


def test_plugin_is_discovered() -> None:
    from deeplake_core.plugins import get_registry

    reg = get_registry()
    for kind, name in (("htypes", "dicom"), ("htypes", "nifti"), ("codecs", "nii.gz")):
        assert getattr(reg, kind).get(name).name == name
    cli = Path(sys.executable).with_name("deeplake-core")
    out = subprocess.run([cli, "plugins", "--load"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    line = next(x for x in out.stdout.splitlines() if "deeplake-core-medical" in x)
    assert "loaded" in line
    assert "dicom, nifti" in out.stdout and "dcm, nii, nii.gz" in out.stdout


def test_blocked_plugin_names_the_package(tmp_path: Path) -> None:
    (tmp_path / "p.nii.gz").write_bytes(make_nifti(volume(), gz=True))
    (tmp_path / "s.dcm").write_bytes(make_dicom(mr_pixels()))
    ds = deeplake.empty(str(tmp_path / "ds"))
    ds.create_tensor("patients", htype="nifti", sample_compression="nii.gz")
    ds.create_tensor("scans", htype="dicom")
    ds.create_tensor("labels", htype="class_label")
    ds.patients.append(deeplake.read(tmp_path / "p.nii.gz"))
    ds.scans.append(deeplake.read(tmp_path / "s.dcm"))
    ds.labels.append(3)
    ds.flush()
    code = (
        "import deeplake_core as deeplake\n"
        f"ds = deeplake.load({str(tmp_path / 'ds')!r}, read_only=True)\n"
        "assert ds.labels.numpy().tolist() == [[3]]\n"
        "for name in ('patients', 'scans'):\n"
        "    try:\n"
        "        ds[name].numpy()\n"
        "    except Exception as exc:\n"
        "        print(type(exc).__name__, exc)\n"
    )
    env = {**os.environ, "DEEPLAKE_CORE_BLOCK_PLUGINS": "medical"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 2
    for line in lines:
        assert line.startswith("MissingPluginError") and "deeplake-core-medical" in line
