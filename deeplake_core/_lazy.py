"""Lazy module attributes (PEP 562) for packages that must import cheaply.

A package keeps a map ``public name -> target`` and installs the two hooks made by
:func:`lazy_attributes`. A target is ``"module:attr"`` (that attribute of that module),
``"module:"`` (the module itself) or ``"module"`` (its attribute of the same name).
Only :mod:`importlib` is imported here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_attributes(
    package: str, targets: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package`` resolving ``targets`` on first access.

    A resolved value is stored in ``namespace`` (the package's ``globals()``), so each
    name is imported once. ``targets`` is read at call time: entries added after the
    hooks were made are honoured.
    """

    def __getattr__(name: str) -> Any:
        target = targets.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module_name, colon, attr = target.partition(":")
        module = importlib.import_module(module_name)
        if not colon:
            attr = name
        value = getattr(module, attr) if attr else module
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(targets))

    return __getattr__, __dir__
