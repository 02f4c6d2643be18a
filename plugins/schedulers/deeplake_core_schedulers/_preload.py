"""Imported once by the ``forkserver`` process of the ``processed`` scheduler, so
every worker forked from it starts with the kernel imported and the plugin registry
built (a worker then costs a fork, not an interpreter start-up)."""

from __future__ import annotations

import contextlib

import numpy  # noqa: F401

import deeplake_core.transform  # noqa: F401
from deeplake_core.plugins import get_registry

with contextlib.suppress(Exception):  # a broken plugin is reported where it is used
    get_registry()
