"""Keep only the files of the chosen kind.

The template holds one overlay per kind under ``_kinds/<kind>/``, laid out like the
project itself (``src/<module>/_plugin.py``, ``src/<module>/_impl.py``,
``tests/...``). This hook copies the chosen kind's overlay over the project and
deletes ``_kinds/`` with the other kinds. Cookiecutter runs it inside the new project.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

KIND = "{{ cookiecutter.kind }}"


def apply_overlay(project: Path, kind: str) -> None:
    """Copy ``_kinds/<kind>`` over ``project`` and remove ``_kinds``."""
    overlays = project / "_kinds"
    chosen = overlays / kind
    if not chosen.is_dir():
        known = sorted(p.name for p in overlays.iterdir()) if overlays.is_dir() else []
        raise SystemExit(f"error: no template files for kind {kind!r} (known: {known})")
    shutil.copytree(chosen, project, dirs_exist_ok=True)
    shutil.rmtree(overlays)


if __name__ == "__main__":
    apply_overlay(Path.cwd(), KIND)
    sys.exit(0)
