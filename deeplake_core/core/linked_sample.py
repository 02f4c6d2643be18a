"""``deeplake.core.linked_sample``: the reference module name of :class:`LinkedSample`."""

from deeplake_core.core.sample import LinkedSample

__all__ = ["LinkedSample"]
