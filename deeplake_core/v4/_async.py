"""Running Deep Lake 4 ``*_async`` members: one shared future type for the project."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def submit(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run ``fn(*args, **kwargs)`` in the background; return the project's Future
    (``result()``, ``wait()``, ``is_completed()``, awaitable)."""
    from deeplake_core.core.futures import submit as _submit

    return _submit(fn, *args, **kwargs)
