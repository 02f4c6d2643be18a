"""A dataset that names an unknown htype, codec or storage provider must not make the
kernel import anything by that name (RELIABILITY 15), and its other tensors must keep
reading while the affected tensor raises ``MissingPluginError``.

The names used are those of a real, importable trap module on ``PYTHONPATH`` that
records its own import, so an accidental ``import_module(name)`` cannot go unnoticed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

import deeplake_core as deeplake
from deeplake_core.core import manifest as mf

TRAP = "acme_evil_trap"

CHILD = """
import json, sys
import deeplake_core as deeplake

path = sys.argv[1]
out = {}
ds = deeplake.load(path, read_only=True)
out["x"] = ds.x.numpy().reshape(-1).tolist()
try:
    ds.y.numpy()
    out["y"] = "read"
except Exception as exc:
    out["y"] = type(exc).__name__
    out["y_message"] = str(exc)
out["x_again"] = ds.x.numpy().reshape(-1).tolist()
try:
    deeplake.load("TRAP://bucket/ds", read_only=True)
    out["provider"] = "opened"
except Exception as exc:
    out["provider"] = type(exc).__name__
out["trap_in_modules"] = any("TRAP" in m for m in sys.modules)
print(json.dumps(out))
""".replace("TRAP", TRAP)


def _rewrite_manifest(path: Path, edit) -> None:
    for man in path.glob("versions/*/manifest*.json"):
        doc = json.loads(man.read_bytes())
        edit(doc["manifest"]["tensors"]["y"])
        doc["crc32"] = zlib.crc32(mf._canonical(doc["manifest"]))
        man.write_bytes(mf._canonical(doc))


def _unknown_htype(entry: dict) -> None:
    entry["htype"] = TRAP
    entry["config"].update(htype=TRAP, base_htype=TRAP)
    entry["meta"]["htype"] = TRAP
    entry["requires"] = [{"kind": "htypes", "name": TRAP, "distribution": "acme-evil"}]


def _unknown_codec(entry: dict) -> None:
    entry["config"]["sample_compression"] = TRAP
    entry["meta"]["sample_compression"] = f"{TRAP}:Codec"
    entry["requires"] = [{"kind": "codecs", "name": TRAP, "distribution": "acme-evil"}]


def _import_path_codec(entry: dict) -> None:
    """An import string where a registry name belongs."""
    entry["config"]["sample_compression"] = f"{TRAP}:Codec"
    entry["meta"]["sample_compression"] = f"{TRAP}:Codec"
    entry["requires"] = []


@pytest.mark.parametrize("edit", [_unknown_htype, _unknown_codec, _import_path_codec])
def test_unknown_plugin_names_import_nothing(tmp_path, edit) -> None:
    trap_dir = tmp_path / "trap"
    trap_dir.mkdir()
    marker = tmp_path / "imported"
    (trap_dir / f"{TRAP}.py").write_text(
        f"open({str(marker)!r}, 'w').write('imported')\nclass Codec:\n    pass\n"
    )
    path = tmp_path / "ds"
    ds = deeplake.empty(str(path))
    ds.create_tensor("x", dtype="int64")
    ds.create_tensor("y", dtype="int64", sample_compression="lz4")
    ds.x.extend(np.arange(4))
    ds.y.extend(np.arange(4))
    ds.close()
    _rewrite_manifest(path, edit)

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(trap_dir), *sys.path])}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert not marker.exists(), "the trap module was imported"
    assert out["trap_in_modules"] is False
    assert out["x"] == out["x_again"] == [0, 1, 2, 3]
    assert out["y"] in {"MissingPluginError", "DatasetCorruptError", "CorruptChunkError"}, out
    if edit is not _import_path_codec:
        assert out["y"] == "MissingPluginError", out
        assert "acme-evil" in out["y_message"]  # names the package to install
    assert out["provider"] == "MissingPluginError", out
