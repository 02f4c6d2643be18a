"""Run the benchmark scripts ``benchmarks/bench_*.py``, each in its own interpreter.

Each script prints its own figures next to a plain reference measured in the same run
(so numbers from different machines can still be compared as ratios)::

    python benchmarks/run.py                 # every benchmark, full sizes
    python benchmarks/run.py --quick         # smaller sizes (DEEPLAKE_BENCH_QUICK=1)
    python benchmarks/run.py --only import   # bench_import.py only (repeatable flag)

Exit status is non-zero if any benchmark failed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def discover() -> dict[str, Path]:
    """Benchmark name (``import`` for ``bench_import.py``) -> script path."""
    return {p.stem.removeprefix("bench_"): p for p in sorted(HERE.glob("bench_*.py"))}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="run only this benchmark (name without bench_ and .py); may be repeated",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smaller sizes, for a smoke run (seconds)"
    )
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    benches = discover()
    if args.list:
        print("\n".join(benches))
        return 0
    if args.only:
        unknown = sorted(set(args.only) - set(benches))
        if unknown:
            print(
                f"unknown benchmark(s) {unknown}; available: {', '.join(benches)}",
                file=sys.stderr,
            )
            return 2
        benches = {name: benches[name] for name in args.only}

    env = dict(os.environ)
    if args.quick:
        env["DEEPLAKE_BENCH_QUICK"] = "1"
    failed = []
    for name, script in benches.items():
        print(f"=== {name} ({script.name}){' [quick]' if args.quick else ''}", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(script)], env=env, cwd=HERE.parent)
        took = time.perf_counter() - started
        status = "ok" if code == 0 else f"FAILED (exit {code})"
        print(f"=== {name}: {status} in {took:.1f}s\n", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"failed benchmarks: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
