"""Alias of :mod:`deeplake_core.exceptions` at the reference API's path."""

from deeplake_core.exceptions import *  # noqa: F403
