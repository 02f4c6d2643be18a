"""The kernel distribution works on its own, in a fresh virtual environment.

Installs only ``deeplake-core`` (from this checkout, not editable) into a new venv and
checks, in that interpreter, that memory and local storage and the four built-in
htypes work, that only the built-in plugin is found, and that no heavy library is
importable there at all.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHECK = textwrap.dedent(
    """
    import importlib.util, sys, tempfile
    import numpy as np
    import deeplake_core as deeplake
    from deeplake_core.plugins import get_registry, list_plugins

    heavy = ["PIL", "av", "pydicom", "nibabel", "laspy", "trimesh", "torch",
             "tensorflow", "wandb", "ray"]
    present = [m for m in heavy if importlib.util.find_spec(m) is not None]
    assert not present, f"heavy libraries importable in a kernel-only venv: {present}"

    names = [p.name for p in list_plugins()]
    assert names == ["builtin"], names
    reg = get_registry()
    assert set(reg.htypes.names()) >= {"generic", "text", "json", "list"}
    assert "lz4" in reg.codecs.names()

    for path in ("mem://alone", tempfile.mkdtemp() + "/ds"):
        ds = deeplake.empty(path, overwrite=True)
        ds.create_tensor("x", dtype="float32", chunk_compression="lz4")
        ds.create_tensor("t", htype="text")
        ds.create_tensor("j", htype="json")
        ds.create_tensor("l", htype="list")
        with ds:
            ds.x.extend(np.arange(12, dtype="float32").reshape(3, 4))
            ds.t.extend(["a", "b", "c"])
            ds.j.extend([{"k": 1}, {}, {"k": [2]}])
            ds.l.extend([[1], [], ["x", 2]])
        ds = deeplake.load(path, read_only=True)
        assert ds.x.numpy().sum() == 66
        assert ds.t[1].text() == "b"
        assert ds.j[2].dict() == {"k": [2]}
        assert ds.l[2].list() == ["x", 2]
    print("kernel-alone ok")
    """
)


@pytest.mark.timeout(600)
def test_kernel_alone_in_fresh_venv(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    install = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", str(ROOT)],
        capture_output=True,
        text=True,
    )
    if install.returncode != 0:
        pytest.fail(f"installing the kernel alone failed:\n{install.stderr[-3000:]}")
    run = subprocess.run(
        [str(py), "-c", CHECK], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "kernel-alone ok" in run.stdout
