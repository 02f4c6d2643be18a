"""Registry access for the htype layer: spec look-ups and behaviour loading.

The htype layer needs only part of the plugin registry: ``registry.htypes.get(name)``
(aliases resolved), ``registry.htypes.names()``, ``registry.codecs.get(name)`` and
``registry.codecs.names()``. Tests may pass any object with that shape.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from deeplake_core.exceptions import MissingPluginError, TensorMetaInvalidHtype
from deeplake_core.htype.base import HtypeBehavior


def resolve(registry: Any = None) -> Any:
    if registry is not None:
        return registry
    from deeplake_core.plugins import get_registry

    return get_registry()


def htype_spec(registry: Any, name: str) -> Any:
    """The spec of htype ``name``; :class:`TensorMetaInvalidHtype` if none provides it."""
    try:
        return registry.htypes.get(name)
    except (KeyError, MissingPluginError) as exc:
        available = sorted(registry.htypes.names())
        err = TensorMetaInvalidHtype(name, available)
        extra = ""
        if isinstance(exc, MissingPluginError) and exc.distribution:
            extra = f" It is provided by {exc.distribution}: pip install {exc.distribution}."
        else:
            extra = " If a plugin provides it, install that plugin."
        err.args = (f"{err.args[0]}{extra}",)
        raise err from None


def codec_spec(registry: Any, name: str) -> Any | None:
    """The codec spec for ``name`` (aliases resolved), or None if no plugin has it."""
    try:
        return registry.codecs.get(name)
    except (KeyError, MissingPluginError):
        return None


def codec_names(registry: Any) -> list[str]:
    return sorted(registry.codecs.names())


@cache
def import_string(path: str) -> Any:
    """Resolve ``"package.module:attr"`` (attr may be dotted)."""
    module_name, _, attr = path.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


@cache
def _load(path: str) -> HtypeBehavior:
    behavior = import_string(path)()
    if not isinstance(behavior, HtypeBehavior):
        raise TypeError(f"{path} is not a subclass of deeplake_core.htype.HtypeBehavior")
    return behavior


_DEFAULT = HtypeBehavior()


def behavior_of(spec: Any) -> HtypeBehavior:
    """The behaviour instance for ``spec`` (the neutral default when it names none)."""
    path = getattr(spec, "behavior", None)
    return _load(path) if path else _DEFAULT
