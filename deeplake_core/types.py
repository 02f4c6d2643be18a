"""Column types of the Deep Lake 4 face (``from deeplake_core import types``); defined
in :mod:`deeplake_core.v4.types`."""

from deeplake_core.v4.types import *  # noqa: F403
from deeplake_core.v4.types import __all__  # noqa: F401
