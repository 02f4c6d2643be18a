"""The embeddings benchmark runs (quick mode), so it cannot rot unnoticed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_embeddings.py"


def test_bench_embeddings_quick_mode(tmp_path) -> None:
    env = {**os.environ, "DEEPLAKE_BENCH_QUICK": "1"}
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--dir", str(tmp_path), "--rows", "3000", "--batch", "700"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for label in ("ingest (no fsync)", "ingest (durable)", "scan", "random row"):
        assert label in out, out
    assert "np.save" in out and "np.load" in out and "ratio" in out
    assert list(tmp_path.iterdir()) == []  # scratch data removed
