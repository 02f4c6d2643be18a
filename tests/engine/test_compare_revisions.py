"""benchmarks/compare_revisions.py: parsing of benchmark output, and a real run."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "compare_revisions", ROOT / "benchmarks" / "compare_revisions.py"
)
assert _spec is not None and _spec.loader is not None
cmp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cmp)

SAMPLE = """rows=1000000 dim=128 batch=50000 repeat=7 chunk_mb=16 data=492 MiB
ingest (no fsync)  deeplake  5.40 M rows/s  2.79 GB/s (best 0.151 s)  np.save   8.34 M rows/s  4.30 GB/s (best 0.101 s)  ratio 0.65 (paired 0.62, best/best 0.67; cpu s 0.22 vs 0.12)
ingest (durable)   deeplake  2.69 M rows/s  1.39 GB/s (best 0.324 s)  np.save+fsync  2.66 M rows/s  ratio 1.01 (best/best 1.10; cpu s 0.26 vs 0.14)
scan               deeplake 15.13 M rows/s  7.80 GB/s (best 0.059 s)  np.load  21.54 M rows/s  ratio 0.7 (best/best 0.77)
random row (1000 reads)  ds.embedding[i].numpy() median    33.1 us
"""


def test_parse_ratios_takes_the_label_and_the_first_ratio() -> None:
    assert cmp.parse_ratios(SAMPLE) == {
        "ingest (no fsync)": 0.65,
        "ingest (durable)": 1.01,
        "scan": 0.7,
    }
    assert cmp.parse_ratios("no results here\n") == {}


def test_report_lists_both_revisions_with_medians() -> None:
    text = cmp.report({"scan": {"A": [0.6, 0.8, 0.7], "B": [0.9]}}, "v1", "v2")
    assert "A = v1, B = v2" in text
    assert "scan" in text and "A: median 0.70  [0.60 0.80 0.70]" in text
    assert "B: median 0.90  [0.90]" in text


def test_compare_head_with_itself_in_quick_mode(monkeypatch, tmp_path) -> None:
    probe = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("not a git checkout")
    monkeypatch.setenv("DEEPLAKE_BENCH_QUICK", "1")
    args = ["--rows", "3000", "--batch", "700", "--dir", str(tmp_path)]
    results = cmp.compare("HEAD", "HEAD", "embeddings", 1, args)
    assert set(results) == {"ingest (no fsync)", "ingest (durable)", "scan"}
    for by_rev in results.values():
        assert len(by_rev["A"]) == 1 and len(by_rev["B"]) == 1
        # parsed numbers; not a timing check (at quick-mode sizes a fresh dataset
        # load against np.load of 1.5 MB can print a ratio of 0.00)
        assert all(isinstance(r, float) and r >= 0 for r in by_rev["A"] + by_rev["B"])
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "list"], capture_output=True, text=True
    ).stdout
    assert "dlc-compare-" not in listed  # worktrees removed
