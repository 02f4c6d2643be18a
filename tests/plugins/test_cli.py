"""``deeplake-core plugins``: metadata listing without imports, ``--load``, ``--json``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import deeplake_core
from deeplake_core.cli import main

SCAN = {"htypes": [{"name": "acme.scan"}]}


def run_cli(*args: str, env: dict[str, str] | None = None, code: str | None = None):
    """Run ``python -m deeplake_core <args>`` (or ``code``) in a fresh interpreter."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DEEPLAKE_CORE_")}
    full_env.update(env or {})
    command = (
        [sys.executable, "-c", code] if code else [sys.executable, "-m", "deeplake_core", *args]
    )
    return subprocess.run(command, capture_output=True, text=True, env=full_env, timeout=120)


def test_json_lists_the_builtin_with_its_version() -> None:
    proc = run_cli("plugins", "--all", "--json")
    assert proc.returncode == 0, proc.stderr
    records = json.loads(proc.stdout)
    (builtin,) = [r for r in records if r["builtin"]]
    assert builtin["name"] == "builtin"
    assert builtin["distribution"] == "deeplake-core"
    assert builtin["version"] == deeplake_core.__version__
    assert builtin["status"] == "not loaded"


def test_listing_does_not_import_plugins(make_plugin) -> None:
    dist = make_plugin("acme-cli", "acmecli", SCAN, version="0.7")
    code = (
        "import json, sys\n"
        "from deeplake_core.cli import main\n"
        "main(['plugins', '--json'])\n"
        "print(json.dumps(sorted(m for m in ('acmecli_entry', 'deeplake_core.builtin._plugin', 'pluggy') "
        "if m in sys.modules)))\n"
    )
    proc = run_cli(code=code, env={"PYTHONPATH": str(dist.path)})
    assert proc.returncode == 0, proc.stderr
    *listing, imported = proc.stdout.strip().splitlines()
    assert json.loads(imported) == []
    records = json.loads("\n".join(listing))
    (mine,) = [r for r in records if r["name"] == "acmecli"]
    assert (mine["distribution"], mine["version"], mine["entry_point"], mine["status"]) == (
        "acme-cli",
        "0.7",
        "acmecli_entry",
        "not loaded",
    )
    assert not any(r["builtin"] for r in records)  # only with --all


def test_load_shows_provides_hooks_and_failures(make_plugin, only, capsys) -> None:
    extra = "\n@hookimpl\ndef on_commit(commit_id):\n    pass\n"
    make_plugin("acme-cli", "acmecli", SCAN, extra=extra)
    make_plugin("acme-broken", "acmebroken", source="raise RuntimeError('kaput')\n")
    only("acmecli", "acmebroken")
    with pytest.warns(UserWarning):
        code = main(["plugins", "--load"])
    out = capsys.readouterr().out
    assert code == 1  # a plugin failed
    assert "acmecli" in out and "htypes: acme.scan" in out and "hooks: on_commit" in out
    assert (
        "failed (importing entry point acmebroken = acmebroken_entry failed: RuntimeError: kaput)"
        in out
    )
    assert "builtin" not in out


def test_statuses_without_loading(make_plugin, only, monkeypatch, capsys) -> None:
    make_plugin("acme-cli", "acmecli", SCAN)
    make_plugin("acme-other", "other", SCAN, module="other_mod")
    only("acmecli", "other")
    monkeypatch.setenv("DEEPLAKE_CORE_BLOCK_PLUGINS", "other")
    assert main(["plugins", "--all"]) == 0
    out = capsys.readouterr().out
    assert "blocked (DEEPLAKE_CORE_BLOCK_PLUGINS or block())" in out
    assert "builtin" in out and "not loaded" in out
    assert "acmecli_entry" not in sys.modules


def test_requirements_and_version(make_plugin, only, capsys) -> None:
    make_plugin("acme-cli", "acmecli", SCAN, version="0.7")
    only("acmecli")
    assert main(["plugins", "--requirements", "--all"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert f"deeplake-core=={deeplake_core.__version__}" in lines and "acme-cli==0.7" in lines
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"deeplake-core {deeplake_core.__version__}"


def test_no_command_prints_help(capsys) -> None:
    assert main([]) == 2
    assert "plugins" in capsys.readouterr().out


def test_errors_are_reported_without_traceback(monkeypatch, capsys) -> None:
    monkeypatch.setenv("DEEPLAKE_CORE_BLOCK_PLUGINS", "builtin")
    assert main(["plugins", "--load"]) == 1
    assert "deeplake-core: error: cannot block 'builtin'" in capsys.readouterr().err


def test_console_script_is_installed() -> None:
    script = os.path.join(os.path.dirname(sys.executable), "deeplake-core")
    if not os.path.exists(script):
        pytest.skip("console script not installed in this environment")
    proc = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == f"deeplake-core {deeplake_core.__version__}"
