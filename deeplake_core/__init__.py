"""deeplake-core: a database for AI data.

``import deeplake_core as deeplake`` is cheap: the public names below are resolved on
first access (PEP 562), and no plugin is discovered until something needs one.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> "module:attribute". Add new public names here.
_LAZY: dict[str, str] = {
    # errors
    "exceptions": "deeplake_core.exceptions:",
    # plugins
    "plugins": "deeplake_core.plugins:",
}


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'deeplake_core' has no attribute {name!r}")
    module_name, _, attr = target.partition(":")
    module = importlib.import_module(module_name)
    value = getattr(module, attr) if attr else module
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
