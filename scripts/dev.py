#!/usr/bin/env python3
"""Developer entry point: set up the environment, run the demo, run the tests.

Standard library only, so it runs on a machine that has nothing but Python 3.11+::

    python3 scripts/dev.py setup            # create .venv and install everything (editable)
    python3 scripts/dev.py demo [ARGS]      # setup, then python -m deeplake_core.demo ARGS
    python3 scripts/dev.py test [PYTEST ARGS]  # setup, then ruff check + pytest

``setup`` installs the kernel with its ``dev`` extra plus every first-party plugin
distribution found under ``htypes/``, ``providers/`` and ``plugins/`` in one pip call.
A stamp file in the venv records a hash of all ``pyproject.toml`` files, so a repeat
``setup`` with nothing changed returns in milliseconds.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / ".deeplake-dev-stamp.json"
MIN_PYTHON = (3, 11)

#: Folders whose immediate sub-folders holding a ``pyproject.toml`` are plugin distributions.
PLUGIN_ROOTS = ("htypes", "providers", "plugins")
#: Extras of the kernel installed by ``setup``: the test tools plus both deep-learning
#: stacks, so the loader tests run everywhere (``torch`` is pinned to the CPU wheel).
#: ``DEEPLAKE_DEV_EXTRAS`` (comma-separated) adds more; ``DEEPLAKE_DEV_LIGHT=1`` installs
#: only ``dev`` (the torch/tensorflow tests then skip with a reason).
KERNEL_EXTRAS = ("dev", "torch", "tensorflow")
#: Extra test roots collected besides the kernel's ``tests/`` and each plugin's ``tests/``.
EXTRA_TEST_ROOTS = ("cookiecutter/tests",)
#: Per-test timeout in seconds (pytest-timeout); ``DEEPLAKE_TEST_TIMEOUT`` overrides it.
DEFAULT_TEST_TIMEOUT = 300
#: Bump to force a reinstall when this script's install logic changes.
SETUP_VERSION = 2


def log(msg: str) -> None:
    print(f"[dev] {msg}", flush=True)


def fail(msg: str, code: int = 1) -> int:
    print(f"[dev] error: {msg}", file=sys.stderr, flush=True)
    return code


def venv_bin(name: str) -> Path:
    """Path of an executable inside ``.venv`` (POSIX or Windows layout)."""
    if os.name == "nt":
        return VENV / "Scripts" / f"{name}.exe"
    return VENV / "bin" / name


def plugin_distributions() -> list[Path]:
    """First-party plugin distribution folders, sorted for a stable order."""
    found: list[Path] = []
    for root in PLUGIN_ROOTS:
        found.extend(p.parent for p in (ROOT / root).glob("*/pyproject.toml"))
    return sorted(found)


def dist_name(project_dir: Path) -> str:
    """The ``[project].name`` of a distribution folder (folder name if absent)."""
    with open(project_dir / "pyproject.toml", "rb") as f:
        data = tomllib.load(f)
    return str(data.get("project", {}).get("name", project_dir.name))


def kernel_extras() -> list[str]:
    base = ("dev",) if os.environ.get("DEEPLAKE_DEV_LIGHT") == "1" else KERNEL_EXTRAS
    extra = [e.strip() for e in os.environ.get("DEEPLAKE_DEV_EXTRAS", "").split(",")]
    return list(dict.fromkeys([*base, *(e for e in extra if e)]))


def setup_fingerprint(dists: list[Path]) -> str:
    """Hash of everything that decides what ``setup`` installs."""
    h = hashlib.sha256()
    h.update(f"{SETUP_VERSION}|{sys.version_info[:2]}|{kernel_extras()}".encode())
    for project in [ROOT, *dists]:
        h.update(str(project.relative_to(ROOT)).encode() + b"\0")
        h.update((project / "pyproject.toml").read_bytes() + b"\0")
    return h.hexdigest()


def read_stamp() -> dict:
    try:
        return json.loads(STAMP.read_text())
    except (OSError, ValueError):
        return {}


def run(cmd: list[str], **kwargs) -> int:
    """Run a command from the repository root; return its exit code."""
    log(f"$ {shlex.join(str(c) for c in cmd)}")
    return subprocess.call([str(c) for c in cmd], cwd=kwargs.pop("cwd", ROOT), **kwargs)


def create_venv() -> int:
    if sys.version_info < MIN_PYTHON:
        return fail(
            f"Python {'.'.join(map(str, MIN_PYTHON))}+ is required, this is "
            f"{sys.version.split()[0]}; run the script with python3.11 or newer."
        )
    if venv_bin("python").exists():
        return 0
    if VENV.exists():
        log(f"{VENV} exists but has no interpreter; recreating it")
        shutil.rmtree(VENV)
    log(f"creating virtual environment {VENV}")
    code = run([sys.executable, "-m", "venv", VENV])
    if code != 0 or not venv_bin("pip").exists():
        return fail(
            "could not create .venv with pip inside it. On Debian/Ubuntu install the "
            "'python3-venv' package (it provides ensurepip), then run setup again."
        )
    return 0


def setup(force: bool = False) -> int:
    """Create ``.venv`` if needed and install kernel + plugins; quick when up to date."""
    code = create_venv()
    if code:
        return code
    dists = plugin_distributions()
    fingerprint = setup_fingerprint(dists)
    stamp = read_stamp()
    if not force and stamp.get("fingerprint") == fingerprint:
        return 0

    started = time.perf_counter()
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    names = [dist_name(d) for d in dists]
    stale = sorted(set(stamp.get("plugins", [])) - set(names))
    if stale:
        code = run([venv_bin("python"), "-m", "pip", "uninstall", "-y", *stale], env=env)
        if code:
            return fail(f"could not uninstall removed plugin distributions {stale}")

    kernel = f".[{','.join(kernel_extras())}]"
    cmd: list[object] = [venv_bin("python"), "-m", "pip", "install", "-e", kernel]
    for d in dists:
        cmd += ["-e", d.relative_to(ROOT)]
    code = run(cmd, env=env)
    if code:
        return fail("pip install failed (see the output above); fix it and run setup again")

    STAMP.write_text(json.dumps({"fingerprint": fingerprint, "plugins": names}, indent=1))
    plugins = ", ".join(names) or "none"
    log(f"setup done in {time.perf_counter() - started:.1f}s (plugins: {plugins})")
    return 0


def test_paths() -> list[str]:
    """The kernel's tests plus every plugin distribution's ``tests/`` folder."""
    paths = [ROOT / "tests", *(d / "tests" for d in plugin_distributions())]
    paths += [ROOT / p for p in EXTRA_TEST_ROOTS]
    return [str(p.relative_to(ROOT)) for p in paths if p.is_dir()]


def has_option(args: list[str], *names: str) -> bool:
    return any(a == n or a.startswith(n + "=") for a in args for n in names)


def pytest_command(args: list[str]) -> list[str]:
    """One pytest invocation over all test folders, with the project defaults.

    pytest's default import mode is kept (test folders may import sibling helper
    modules), so test module names must be unique across all the test folders.
    """
    cmd = [str(venv_bin("python")), "-m", "pytest", "-p", "no:cacheprovider"]
    if not has_option(args, "-m"):
        cmd += ["-m", "not slow"]
    if not has_option(args, "--timeout"):
        timeout = os.environ.get("DEEPLAKE_TEST_TIMEOUT", str(DEFAULT_TEST_TIMEOUT))
        cmd.append(f"--timeout={timeout}")
    return cmd + args + ([] if explicit_paths(args) else test_paths())


#: pytest options whose value is the next argument (so that value is not a path).
_OPTIONS_WITH_VALUE = {"-k", "-m", "-p", "-c", "-o", "-W", "--rootdir", "--confcutdir"}


def explicit_paths(args: list[str]) -> list[str]:
    """Test paths given on the command line; they replace the default test folders."""
    found = []
    for prev, arg in zip(["", *args], args, strict=False):
        if arg.startswith("-") or prev in _OPTIONS_WITH_VALUE:
            continue
        if (ROOT / arg.split("::")[0]).exists():
            found.append(arg)
    return found


def test(args: list[str]) -> int:
    """ruff, then pytest (run even when ruff fails, so CI reports both)."""
    code = setup()
    if code:
        return code
    started = time.perf_counter()
    lint = run([venv_bin("ruff"), "check", "."])
    code = run(pytest_command(args))
    took = time.perf_counter() - started
    if code == 5:
        fail(f"pytest collected no tests (after {took:.0f}s); check the paths and -m/-k")
    elif code:
        fail(f"tests failed (pytest exit code {code}, after {took:.0f}s)")
    if lint:
        fail("ruff check found problems (see above; '.venv/bin/ruff check --fix .' fixes some)")
    if code or lint:
        return code or lint
    log(f"lint and tests passed in {took:.0f}s")
    return 0


def demo(args: list[str]) -> int:
    code = setup()
    if code:
        return code
    return run([venv_bin("python"), "-m", "deeplake_core.demo", *args])


USAGE = f"""usage: python3 scripts/dev.py COMMAND [ARGS]

commands:
  setup [--force]     create .venv and install the kernel and all plugins (editable)
  demo [ARGS]         setup, then run the demo (python -m deeplake_core.demo ARGS)
  test [PYTEST ARGS]  setup, then 'ruff check .' and pytest over kernel + plugin tests
                      (defaults: -m "not slow", --timeout={DEFAULT_TEST_TIMEOUT}; pass -m slow for slow suites)
"""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE, end="")
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "setup":
        unknown = [a for a in rest if a != "--force"]
        if unknown:
            return fail(f"setup takes only --force, got {unknown}")
        return setup(force="--force" in rest)
    if command == "demo":
        return demo(rest)
    if command == "test":
        return test(rest)
    print(USAGE, end="", file=sys.stderr)
    return fail(f"unknown command {command!r}", 2)


if __name__ == "__main__":
    sys.exit(main())
