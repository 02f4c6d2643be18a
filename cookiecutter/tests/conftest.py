"""Fixtures of the template's tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from cookiecutter_bake import Bake, bake_into


@pytest.fixture(scope="session")
def cookiecutter_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cookiecutter config keeping replay files and clones out of the home folder."""
    root = tmp_path_factory.mktemp("cookiecutter-home")
    config = root / "config.yaml"
    config.write_text(f"cookiecutters_dir: {root / 'templates'}\nreplay_dir: {root / 'replay'}\n")
    return config


@pytest.fixture
def bake(tmp_path: Path, cookiecutter_config: Path) -> Bake:
    """``bake(kind="codec", plugin_name="squash", ...)`` -> the generated project."""

    count = 0

    def factory(**answers: str) -> Path:
        nonlocal count
        count += 1
        return bake_into(tmp_path / f"baked{count}", cookiecutter_config, **answers)

    return factory
