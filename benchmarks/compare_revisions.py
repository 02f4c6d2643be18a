"""Compare a benchmark between two git revisions, alternating fresh processes.

On a noisy machine (a small VM whose memory and disk speed drift within minutes), two
runs of a benchmark taken minutes apart do not compare: a change looks 20% better or
worse by chance. This script checks both revisions out as temporary worktrees and runs
``benchmarks/bench_<name>.py`` of each alternately (A B, B A, A B ...), each in a new
interpreter whose ``deeplake_core`` is the worktree's, then prints every ``ratio``
figure the benchmark reported, per line and revision, with medians::

    .venv/bin/python benchmarks/compare_revisions.py HEAD~1 HEAD --pairs 8 \\
        -- --repeat 5

Arguments after ``--`` go to the benchmark. Plugins and dependencies come from the
current environment; only the kernel package is taken from each worktree.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: A result line: its label, then "deeplake ...", then "ratio <x>".
_RATIO = re.compile(r"^(?P<label>\S.*?)\s+deeplake\b.*?\bratio\s+(?P<ratio>\d+(?:\.\d+)?)")

_RUNNER = (
    "import runpy, sys; root = sys.argv[1]; sys.path.insert(0, root); "
    "import deeplake_core; "
    "assert deeplake_core.__file__.startswith(root), deeplake_core.__file__; "
    "sys.argv = sys.argv[2:]; runpy.run_path(sys.argv[0], run_name='__main__')"
)


def parse_ratios(output: str) -> dict[str, float]:
    """``{label: ratio}`` of the result lines of a benchmark's output."""
    found = {}
    for line in output.splitlines():
        m = _RATIO.match(line)
        if m:
            found[m["label"].strip()] = float(m["ratio"])
    return found


def run_bench(tree: Path, bench: str, args: list[str]) -> dict[str, float]:
    """Run ``bench`` of the worktree ``tree`` in a fresh interpreter; its ratios."""
    script = tree / "benchmarks" / f"bench_{bench}.py"
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER, str(tree), str(script), *args],
        capture_output=True,
        text=True,
        cwd=tree,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{script} failed:\n{proc.stdout}\n{proc.stderr}")
    return parse_ratios(proc.stdout)


def compare(rev_a: str, rev_b: str, bench: str, pairs: int, args: list[str]) -> dict:
    """``{label: {rev: [ratios]}}`` over ``pairs`` alternating runs of each revision."""
    results: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="dlc-compare-") as tmp:
        trees = {}
        try:
            for name, rev in (("A", rev_a), ("B", rev_b)):
                tree = Path(tmp) / name
                subprocess.run(
                    ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), rev],
                    check=True,
                    capture_output=True,
                )
                trees[name] = tree
            for i in range(pairs):
                for name in ("A", "B") if i % 2 == 0 else ("B", "A"):
                    for label, ratio in run_bench(trees[name], bench, args).items():
                        results.setdefault(label, {"A": [], "B": []})[name].append(ratio)
                    print(f"pair {i + 1}/{pairs}: {name} done", file=sys.stderr, flush=True)
        finally:
            for tree in trees.values():
                subprocess.run(
                    ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                    check=False,
                    capture_output=True,
                )
    return results


def report(results: dict, rev_a: str, rev_b: str) -> str:
    lines = [f"A = {rev_a}, B = {rev_b}; ratio to the benchmark's reference, per run"]
    for label, by_rev in results.items():
        for name in ("A", "B"):
            vals = by_rev[name]
            med = statistics.median(vals) if vals else float("nan")
            runs = " ".join(f"{v:.2f}" for v in vals)
            lines.append(f"{label:<20} {name}: median {med:.2f}  [{runs}]")
    return "\n".join(lines)


def main() -> None:
    argv = sys.argv[1:]
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1 :]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rev_a")
    ap.add_argument("rev_b")
    ap.add_argument("--bench", default="embeddings", help="runs benchmarks/bench_<name>.py")
    ap.add_argument("--pairs", type=int, default=6)
    a = ap.parse_args(argv)
    print(report(compare(a.rev_a, a.rev_b, a.bench, a.pairs, extra), a.rev_a, a.rev_b))


if __name__ == "__main__":
    main()
