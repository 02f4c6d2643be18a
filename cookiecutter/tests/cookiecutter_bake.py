"""Helpers shared by the template's tests: bake the template, load its hooks."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

TEMPLATE = Path(__file__).resolve().parent.parent
REPO = TEMPLATE.parent
KINDS = ("htype", "codec", "storage_provider", "query_function")
#: A plugin name per kind, so all four baked packages can be installed side by side.
PLUGIN_NAMES = {
    "htype": "scan",
    "codec": "squash",
    "storage_provider": "vault",
    "query_function": "spread",
}

Bake = Callable[..., Path]


def load_hook(name: str) -> ModuleType:
    """Import ``hooks/<name>.py`` as a module (its placeholders stay literal)."""
    spec = importlib.util.spec_from_file_location(
        f"_cookiecutter_{name}", TEMPLATE / "hooks" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bake_into(output_dir: Path, config: Path, **answers: str) -> Path:
    """Bake the template with ``answers`` (defaults for the rest) into ``output_dir``;
    return the generated project folder."""
    from cookiecutter.main import cookiecutter

    answers.setdefault("plugin_name", PLUGIN_NAMES[answers.get("kind", "htype")])
    return Path(
        cookiecutter(
            str(TEMPLATE),
            no_input=True,
            extra_context=answers,
            output_dir=str(output_dir),
            config_file=str(config),
        )
    )
