"""``deeplake.core.partial_sample``: the reference module name of :class:`PartialSample`."""

from deeplake_core.core.sample import PartialSample

__all__ = ["PartialSample"]
