"""Packaging: the plugin is discovered, and without it a dataset using its htypes names
the package to install while its other tensors still read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from threed_files import las_points, make_las, make_ply

import deeplake_core as deeplake


def test_plugin_is_discovered() -> None:
    cli = Path(sys.executable).with_name("deeplake-core")
    out = subprocess.run([cli, "plugins", "--load"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    line = next(x for x in out.stdout.splitlines() if "deeplake-core-3d" in x)
    assert "loaded" in line
    assert "mesh, point_cloud" in out.stdout and "las, ply" in out.stdout


def test_blocked_plugin_names_the_package(tmp_path: Path) -> None:
    (tmp_path / "p.las").write_bytes(make_las(las_points(10)))
    (tmp_path / "m.ply").write_bytes(make_ply(10, 5))
    ds = deeplake.empty(str(tmp_path / "ds"))
    ds.create_tensor("clouds", htype="point_cloud")
    ds.create_tensor("meshes", htype="mesh")
    ds.create_tensor("labels", htype="class_label")
    ds.clouds.append(deeplake.read(tmp_path / "p.las"))
    ds.meshes.append(deeplake.read(tmp_path / "m.ply"))
    ds.labels.append(2)
    ds.flush()
    code = (
        "import deeplake_core as deeplake\n"
        f"ds = deeplake.load({str(tmp_path / 'ds')!r}, read_only=True)\n"
        "assert ds.labels.numpy().tolist() == [[2]]\n"
        "for name in ('clouds', 'meshes'):\n"
        "    try:\n"
        "        ds[name].numpy()\n"
        "    except Exception as exc:\n"
        "        print(type(exc).__name__, exc)\n"
    )
    env = {**os.environ, "DEEPLAKE_CORE_BLOCK_PLUGINS": "deeplake-core-3d"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 2
    for line in lines:
        assert line.startswith("MissingPluginError") and "deeplake-core-3d" in line
