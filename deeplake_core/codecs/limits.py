"""Process-wide decode limits for codec plugins (protection against decompression bombs).

A :class:`DecodeLimit` is read, in order, from a value set in this process
(:meth:`DecodeLimit.set`), an environment variable, or its default. Each media plugin
keeps its limits in its own ``limits`` module and decides what to check against them.
"""

from __future__ import annotations

import os


class DecodeLimit:
    """One integer limit named by environment variable ``env_var``."""

    def __init__(self, env_var: str, default: int, minimum: int = 1) -> None:
        self.env_var = env_var
        self.default = default
        self.minimum = minimum
        self._override: int | None = None
        #: (raw environment value, parsed limit) last read: parse only when it changes
        self._cached: tuple[str | None, int] = (None, default)

    def get(self) -> int:
        """The limit in force (``ValueError`` if the variable is not an integer)."""
        if self._override is not None:
            return self._override
        value = os.environ.get(self.env_var)
        if not value:
            return self.default
        cached = self._cached
        if cached[0] == value:
            return cached[1]
        try:
            limit = int(value)
        except ValueError:
            raise ValueError(f"{self.env_var} must be an integer, got {value!r}") from None
        self._cached = (value, limit)
        return limit

    def set(self, value: int | None) -> None:
        """Set the limit for this process; ``None`` goes back to the variable or default."""
        if value is not None and (not isinstance(value, int) or value < self.minimum):
            raise ValueError(
                f"the {self.env_var} limit is an int >= {self.minimum} or None, got {value!r}"
            )
        self._override = value
