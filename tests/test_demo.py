"""The demo (``python3 scripts/dev.py demo``) runs and checks what it reads back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from deeplake_core import demo


def test_demo_main_writes_and_reads_back(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert demo.main([str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "builtin" in out and "lz4" in out
    assert "checked every sample" in out and "identical" in out
    assert (tmp_path / "out" / demo.DATASET_NAME).is_dir()
    # A second run replaces the dataset rather than failing or appending.
    assert demo.main([str(tmp_path / "out")]) == 0
    assert "Wrote 32 rows" in capsys.readouterr().out


def test_demo_check_detects_a_changed_sample(tmp_path: Path) -> None:
    import deeplake_core as deeplake

    root = str(tmp_path / "ds")
    rows = demo.sample_rows(6)
    demo.build_dataset(root, rows)
    demo.check_dataset(root, rows)
    ds = deeplake.load(root)
    ds.embeddings[2] = np.zeros(16, dtype=np.float32)
    ds.flush()
    with pytest.raises(SystemExit, match=r"embeddings\[2\] differs"):
        demo.check_dataset(root, rows)
