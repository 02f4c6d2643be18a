"""The pluggy markers of the ``deeplake_core`` hook namespace.

Kept apart from :mod:`deeplake_core.plugins` so that importing the package does not
import pluggy; ``deeplake_core.plugins.hookimpl`` resolves here on first access.
"""

from __future__ import annotations

import pluggy

#: pluggy project name; also the entry-point group plugins are declared in.
PROJECT = "deeplake_core"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
