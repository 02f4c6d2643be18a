"""Bake every kind, install the results next to the kernel in a fresh virtual
environment, and run each baked package's own tests there.

This is what a third party does with the template, minus the editing. One venv holds
the kernel (built from this repository, not editable, without the first-party
plugins) and all four baked packages, so it also checks that plugins of different
kinds coexist. Installs come from the configured package index (pip's cache makes
repeats fast). Measured at about a minute on the project machine, so it stays in the
default run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cookiecutter_bake import KINDS, REPO, bake_into

pytest.importorskip("cookiecutter")

#: Kernel files a wheel is built from.
KERNEL_FILES = ("pyproject.toml", "README.md", "deeplake_core")
#: Environment variables of this process that must not leak into the fresh venv.
LEAKY_PREFIXES = ("PYTHON", "VIRTUAL_ENV", "DEEPLAKE_CORE_", "PYTEST_", "HYPOTHESIS_")


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(LEAKY_PREFIXES)}


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(cmd: list[str | Path], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in cmd],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def copy_kernel(dest: Path) -> Path:
    """The kernel's sources, copied so that building its wheel writes nothing into
    the repository."""
    dest.mkdir()
    for name in KERNEL_FILES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dest / name)
    return dest


@pytest.mark.timeout(900)
def test_baked_packages_pass_their_tests_in_a_fresh_venv(
    tmp_path: Path, cookiecutter_config: Path
) -> None:
    started = time.perf_counter()
    projects = [bake_into(tmp_path / "baked", cookiecutter_config, kind=k) for k in KINDS]
    kernel = copy_kernel(tmp_path / "kernel")

    venv = tmp_path / "venv"
    proc = run([sys.executable, "-m", "venv", venv], tmp_path, 300)
    assert proc.returncode == 0, proc.stderr
    python = venv_python(venv)
    install = [python, "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    # The build backend goes in once, rather than into an isolated env per project.
    for args in (["setuptools>=70.1"], ["--no-build-isolation", kernel, *projects]):
        proc = run([*install, *args, "pytest", "hypothesis"], tmp_path, 600)
        assert proc.returncode == 0, (
            f"pip install failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    installed = time.perf_counter()

    failures = []
    for project in projects:
        proc = run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], project, 600)
        if proc.returncode != 0:
            failures.append(f"--- {project.name}\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}")
    done = time.perf_counter()
    print(
        f"fresh venv: setup+install {installed - started:.1f}s, "
        f"baked tests {done - installed:.1f}s, total {done - started:.1f}s"
    )
    assert not failures, "\n".join(failures)
