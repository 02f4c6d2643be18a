"""Public API faces (Deep Lake 3 module functions, info, read/link helpers).

Submodules load on first attribute access, so ``deeplake.api.dataset.dataset`` and
``deeplake.api.read.read`` work after a plain ``import deeplake_core as deeplake``.
"""

from __future__ import annotations

import importlib
from typing import Any


def __getattr__(name: str) -> Any:
    if name.startswith("_"):
        raise AttributeError(name)
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
