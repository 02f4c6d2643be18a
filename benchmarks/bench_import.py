"""Start-up cost: wall time of ``import deeplake_core`` in fresh interpreters.

Reference: ``import numpy`` measured the same way in the same run. Also measured:
the interpreter alone (``pass``), and the first plugin-registry build when
``deeplake_core.plugins.get_registry`` exists. Then the largest entries of
``python -X importtime -c "import deeplake_core"``.

Environment: ``DEEPLAKE_BENCH_QUICK=1`` runs fewer repetitions.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

QUICK = os.environ.get("DEEPLAKE_BENCH_QUICK") == "1"
REPEATS = 5 if QUICK else 21
TOP = 12

CASES = {
    "python -c pass (interpreter only)": "pass",
    "import numpy (reference)": "import numpy",
    "import deeplake_core": "import deeplake_core; deeplake_core.__version__",
    "import deeplake_core + get_registry()": (
        "import deeplake_core.plugins as p; p.get_registry()"
    ),
}


def wall_times(cases: dict[str, str], repeats: int) -> dict[str, list[float]]:
    """Wall seconds of ``python -c code`` per case, ``repeats`` fresh interpreters each.

    The cases are interleaved (one run of each per round) so that load from other
    processes on the machine affects them alike.
    """
    times: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(repeats):
        for label, code in cases.items():
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
            times[label].append(time.perf_counter() - started)
    return times


def has_registry() -> bool:
    proc = subprocess.run(
        [sys.executable, "-c", "import deeplake_core.plugins as p; p.get_registry"],
        capture_output=True,
    )
    return proc.returncode == 0


def importtime_top(module: str, n: int) -> list[tuple[int, int, str]]:
    """``(self_us, cumulative_us, name)`` of the ``n`` largest cumulative entries among
    the imports done by ``import module`` (interpreter start-up excluded)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        check=True,
        capture_output=True,
        text=True,
    )
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, name = line.removeprefix("import time:").split("|")
        rows.append((int(self_us), int(cumulative_us), name.rstrip()))
    # -X importtime prints a module after its children: the module's subtree is the
    # run of deeper-indented lines just before its own line.
    top = next(i for i, r in enumerate(rows) if r[2].strip() == module)
    depth = len(rows[top][2]) - len(rows[top][2].lstrip())
    first = top
    while first > 0 and len(rows[first - 1][2]) - len(rows[first - 1][2].lstrip()) > depth:
        first -= 1
    return sorted(rows[first : top + 1], key=lambda r: r[1], reverse=True)[:n]


def main() -> None:
    print(f"python {sys.version.split()[0]}, {REPEATS} fresh interpreters per case")
    cases = dict(CASES)
    if not has_registry():
        del cases["import deeplake_core + get_registry()"]
        print("  (get_registry case skipped: deeplake_core.plugins.get_registry not available)")
    results = {}
    for label, times in wall_times(cases, REPEATS).items():
        results[label] = statistics.median(times)
        print(
            f"  {label:42s} median {results[label] * 1e3:7.1f} ms   min {min(times) * 1e3:7.1f} ms"
        )

    base = results["python -c pass (interpreter only)"]
    print("\nimport cost above the bare interpreter (median):")
    for label, median in results.items():
        if label.startswith("python -c pass"):
            continue
        print(f"  {label:42s} {(median - base) * 1e3:7.1f} ms")

    print(f"\npython -X importtime -c 'import deeplake_core' (top {TOP} by cumulative):")
    print(f"  {'self ms':>8} {'cumul. ms':>9}  module")
    for self_us, cumulative_us, name in importtime_top("deeplake_core", TOP):
        print(f"  {self_us / 1e3:8.2f} {cumulative_us / 1e3:9.2f}  {name}")


if __name__ == "__main__":
    main()
