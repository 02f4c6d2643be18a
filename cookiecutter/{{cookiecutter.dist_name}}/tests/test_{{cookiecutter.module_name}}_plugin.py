"""The plugin is installed, found through its entry point, and cheap to import."""

from __future__ import annotations

import json
import subprocess
import sys

from deeplake_core.plugins import PLUGIN_API, get_registry
from deeplake_core.plugins.specs import SPEC_KINDS, PluginInfo
from deeplake_core.testing.htype import HEAVY_MODULES

import {{ cookiecutter.module_name }}._plugin as entry_module

DIST = "{{ cookiecutter.dist_name }}"
ENTRY_POINT = "{{ cookiecutter.__entry_point }}"
KIND = "{{ cookiecutter.__registry_kind }}"
NAME = "{{ cookiecutter.__spec_name }}"
PACKAGE = "{{ cookiecutter.module_name }}"


def test_plugin_is_installed() -> None:
    """``deeplake-core plugins --load --json`` lists the plugin as loaded."""
    proc = subprocess.run(
        [sys.executable, "-m", "deeplake_core", "plugins", "--load", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    records = {r["name"]: r for r in json.loads(proc.stdout or "[]")}
    assert ENTRY_POINT in records, f"plugin not found; stderr:\n{proc.stderr}"
    record = records[ENTRY_POINT]
    assert record["status"] == "loaded", record
    assert record["distribution"] == DIST
    assert record["api"] == PLUGIN_API
    assert NAME in record["provides"][KIND]


def test_registry_attributes_the_spec_to_this_distribution() -> None:
    provenance = get_registry()[KIND].provenance(NAME)
    assert provenance.distribution == DIST
    assert provenance.plugin == ENTRY_POINT


def test_hooks_return_valid_specs() -> None:
    info = PluginInfo.model_validate(entry_module.plugin_info())
    assert info.api == PLUGIN_API
    specs = getattr(entry_module, f"register_{KIND}")()
    model = SPEC_KINDS[KIND]
    assert [model.model_validate(s).name for s in specs] == [NAME]


def test_entry_module_is_light() -> None:
    """Importing the entry module and calling its hooks imports none of the
    implementation (``_impl``) and no heavy library."""
    code = (
        "import json, sys\n"
        f"import {PACKAGE}._plugin as m\n"
        f"m.plugin_info(); m.register_{KIND}()\n"
        f"own = sorted(n for n in sys.modules if n.split('.')[0] == {PACKAGE!r})\n"
        f"heavy = [n for n in {list(HEAVY_MODULES)!r} if n in sys.modules]\n"
        "print(json.dumps({'own': own, 'heavy': heavy}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert loaded == {"own": [PACKAGE, f"{PACKAGE}._plugin"], "heavy": []}
