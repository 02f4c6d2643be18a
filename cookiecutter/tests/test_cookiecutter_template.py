"""Fast checks of the plugin template: answers are validated, every kind bakes into
the documented layout, the baked code is lint-clean and its entry module registers
specs the kernel accepts. (test_cookiecutter_fresh_venv.py installs and tests the
baked packages for real.)"""

from __future__ import annotations

import contextlib
import importlib
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from cookiecutter_bake import KINDS, PLUGIN_NAMES, TEMPLATE, Bake, load_hook

pytest.importorskip("cookiecutter")

pre_gen = load_hook("pre_gen_project")
post_gen = load_hook("post_gen_project")

GOOD = {
    "org_prefix": "acme",
    "plugin_name": "scan",
    "dist_name": "acme-scan",
    "module_name": "acme_scan",
    "kind": "htype",
    "version": "0.1.0",
    "deeplake_core_min_version": "0.1",
    "description": "Scans",
    "author_name": "A. Author",
    "author_email": "a@example.com",
}


def project_files(project: Path) -> set[str]:
    return {
        p.relative_to(project).as_posix()
        for p in project.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


# ------------------------------------------------------------------ answers


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"plugin_name": "Scan"}, "plugin_name 'Scan' must be lowercase"),
        ({"plugin_name": "x-ray"}, "plugin_name 'x-ray' must be lowercase"),
        ({"plugin_name": "scan_"}, "plugin_name 'scan_' must be lowercase"),
        ({"plugin_name": "a" * 33}, "at most 32 characters"),
        ({"plugin_name": "deeplake_scan"}, "may not start with 'deeplake'"),
        ({"org_prefix": "deeplake"}, "org_prefix 'deeplake' may not start with 'deeplake'"),
        ({"org_prefix": "1acme"}, "org_prefix '1acme' must be lowercase"),
        ({"plugin_name": "lz4"}, "'lz4' is a name deeplake-core or its plugins already use"),
        ({"plugin_name": "image"}, "'image' is a name deeplake-core"),
        ({"org_prefix": "sequence"}, "'sequence' is a name deeplake-core"),
        ({"dist_name": "deeplake-scan"}, "dist_name 'deeplake-scan' may not start"),
        ({"dist_name": "Acme_Scan"}, "dist_name 'Acme_Scan' must be lowercase words"),
        ({"module_name": "acme-scan"}, "module_name 'acme-scan' must be a lowercase"),
        ({"module_name": "class"}, "module_name 'class' must be a lowercase Python identifier"),
        ({"module_name": "json"}, "module_name 'json' would shadow"),
        ({"module_name": "deeplake_scan"}, "module_name 'deeplake_scan' may not start"),
        ({"kind": "scheduler"}, "kind 'scheduler' must be one of"),
        ({"deeplake_core_min_version": "latest"}, "must look like '0.1'"),
        ({"description": 'say "hi"'}, "description .* may not contain quotes"),
        ({"author_name": "a\\b"}, "author_name .* may not contain"),
    ],
)
def test_bad_answers_refused(changes: dict[str, str], message: str) -> None:
    found = pre_gen.problems({**GOOD, **changes})
    assert len(found) == 1, found
    assert re.search(message, found[0]), found


def test_good_answers_accepted() -> None:
    assert pre_gen.problems(GOOD) == []
    assert pre_gen.problems({**GOOD, "org_prefix": "big_co", "plugin_name": "x2"}) == []


def test_reserved_names_cover_the_kernel_builtins() -> None:
    """The hook has no kernel to ask at bake time, so its list must include every name
    the kernel's built-in plugin provides (and its URL schemes)."""
    from deeplake_core.plugins import get_registry, list_plugins

    builtin = next(r for r in list_plugins(load=True) if r.builtin)
    names = {builtin.name, *(n for names in builtin.provides.values() for n in names)}
    schemes = get_registry().storage_providers.schemes()
    names |= {s for s, provider in schemes.items() if provider in names and s}
    assert names <= pre_gen.KERNEL_NAMES, names - pre_gen.KERNEL_NAMES


def test_bake_refuses_bad_answers_and_writes_nothing(bake: Bake, tmp_path: Path) -> None:
    from cookiecutter.exceptions import FailedHookException

    with pytest.raises(FailedHookException):
        bake(kind="htype", plugin_name="deeplake_scan")
    baked = tmp_path / "baked1"
    assert not baked.exists() or not any(baked.iterdir())


def test_overlay_of_unknown_kind_refused(tmp_path: Path) -> None:
    (tmp_path / "_kinds" / "htype").mkdir(parents=True)
    with pytest.raises(SystemExit, match="no template files for kind 'scheduler'"):
        post_gen.apply_overlay(tmp_path, "scheduler")


# ------------------------------------------------------------------ layout


@pytest.mark.parametrize("kind", KINDS)
def test_layout(bake: Bake, kind: str) -> None:
    project = bake(kind=kind)
    name = PLUGIN_NAMES[kind]
    module = f"acme_{name}"
    assert project.name == f"acme-{name}"
    assert project_files(project) == {
        ".gitignore",
        "README.md",
        "pyproject.toml",
        f"src/{module}/__init__.py",
        f"src/{module}/_plugin.py",
        f"src/{module}/_impl.py",
        "tests/conftest.py",
        f"tests/test_{module}_plugin.py",
        f"tests/test_{module}_{kind}.py",
    }
    for path in project.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            for leftover in ("{{", "{%", "cookiecutter."):
                assert leftover not in text, f"{leftover!r} left in {path.name}"
            if path.suffix == ".py":
                compile(text, str(path), "exec")

    meta = tomllib.loads((project / "pyproject.toml").read_text())
    assert meta["project"]["name"] == f"acme-{name}"
    assert meta["project"]["dependencies"][0] == "deeplake-core>=0.1,<1"
    assert meta["project"]["entry-points"]["deeplake_core"] == {module: f"{module}._plugin"}
    assert meta["tool"]["setuptools"]["packages"]["find"] == {"where": ["src"]}


def test_derived_names(bake: Bake) -> None:
    project = bake(
        kind="query_function",
        org_prefix="big_co",
        plugin_name="thermal_cam",
        deeplake_core_min_version="2.3",
    )
    assert project.name == "big-co-thermal-cam"
    meta = tomllib.loads((project / "pyproject.toml").read_text())
    assert meta["project"]["dependencies"][0] == "deeplake-core>=2.3,<3"
    entry = (project / "src/big_co_thermal_cam/_plugin.py").read_text()
    assert 'FUNCTION = "big_co_thermal_cam"' in entry
    project = bake(kind="storage_provider", org_prefix="big_co", plugin_name="thermal_cam")
    entry = (project / "src/big_co_thermal_cam/_plugin.py").read_text()
    assert 'PROVIDER = "big_co.thermal_cam"' in entry and 'SCHEME = "big-co-thermal-cam"' in entry
    tests = (project / "tests/test_big_co_thermal_cam_storage_provider.py").read_text()
    assert "class TestThermalCamConformance(StorageProviderConformance)" in tests


@pytest.mark.parametrize("kind", KINDS)
def test_baked_code_is_lint_clean(bake: Bake, kind: str) -> None:
    pytest.importorskip("ruff")
    project = bake(kind=kind)
    for args in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
        proc = subprocess.run(
            [sys.executable, "-m", "ruff", *args], cwd=project, capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr


# ------------------------------------------------------------------ registration


@contextlib.contextmanager
def imported_from(src: Path, package: str) -> Iterator[None]:
    """Make ``package`` importable from ``src`` for the block, then forget it."""
    sys.path.insert(0, str(src))
    importlib.invalidate_caches()
    try:
        yield
    finally:
        sys.path.remove(str(src))
        for name in [n for n in sys.modules if n.split(".")[0] == package]:
            del sys.modules[name]


@pytest.mark.parametrize("kind", KINDS)
def test_entry_module_registers_working_specs(bake: Bake, kind: str) -> None:
    """Registered in-process, the baked plugin's spec validates and its
    implementation loads and works."""
    from deeplake_core.plugins import get_registry, list_plugins, register

    project = bake(kind=kind)
    module = f"acme_{PLUGIN_NAMES[kind]}"
    with imported_from(project / "src", module):
        entry = importlib.import_module(f"{module}._plugin")
        with register(entry, name=module):
            check_kind = globals()[f"_check_{kind}"]
            check_kind(get_registry(), entry)
    assert module not in {r.name for r in list_plugins()}  # unregistered again


def _check_htype(registry, entry) -> None:
    from deeplake_core.htype import build_tensor_config, coerce_samples

    cfg = build_tensor_config(entry.HTYPE, bit_depth=4)
    assert cfg.info == {"bit_depth": 4} and cfg.dtype == "uint16"
    coerce_samples(cfg, [np.full((2, 2), 15)], dict(cfg.info))
    impl = importlib.import_module(f"{entry.__package__}._impl")
    with pytest.raises(impl.ScanValueError, match="16 does not fit in 4 bits"):
        coerce_samples(cfg, [np.full((2, 2), 16)], dict(cfg.info))


def _check_codec(registry, entry) -> None:
    codec = registry.codecs.load(entry.CODEC)
    data = bytes(range(256)) * 64
    assert codec.decompress(codec.compress(data)) == data


def _check_storage_provider(registry, entry) -> None:
    from deeplake_core.storage import get_base_storage, open_storage

    storage = get_base_storage(open_storage(f"{entry.SCHEME}://template-test"))
    assert registry.storage_providers.for_scheme(entry.SCHEME).name == entry.PROVIDER
    storage.set("a/b", b"value")
    assert storage.get_range("a/b", 1, 3) == b"al"
    storage.clear()


def _check_query_function(registry, entry) -> None:
    from deeplake_core.tql.functions import CallContext, resolve_function

    fn = resolve_function(entry.FUNCTION.upper())
    ctx = CallContext(entry.FUNCTION, 2, (True,), (None,), np.random.default_rng(0), True)
    out = fn.impl(ctx, np.array([[1, 4], [2, 2]]))
    assert out.tolist() == [3.0, 0.0]


def test_template_folder_is_not_collected() -> None:
    """The unrendered tests inside the template are excluded from collection."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            str(TEMPLATE),
        ],
        capture_output=True,
        text=True,
        cwd=TEMPLATE.parent,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr  # 2 if a collection error
    collected = [line for line in proc.stdout.splitlines() if "::" in line]
    assert collected and all(line.startswith("cookiecutter/tests/") for line in collected), (
        proc.stdout
    )
