"""Alias of :mod:`deeplake_core.exceptions` at the reference API's path
(``deeplake.util.exceptions``)."""

from typing import Any

from deeplake_core import exceptions as _exceptions
from deeplake_core.exceptions import *  # noqa: F403
from deeplake_core.exceptions import __all__  # noqa: F401


def __getattr__(name: str) -> Any:
    # Names added to deeplake_core.exceptions after its ``__all__`` was computed.
    try:
        return getattr(_exceptions, name)
    except AttributeError:
        raise AttributeError(
            f"module 'deeplake_core.util.exceptions' has no attribute {name!r}"
        ) from None
