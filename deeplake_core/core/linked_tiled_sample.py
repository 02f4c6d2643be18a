"""``deeplake.core.linked_tiled_sample``: the reference module name of :class:`LinkedTiledSample`."""

from deeplake_core.core.sample import LinkedTiledSample

#: The reference documents this spelling too.
LinkerTiledSample = LinkedTiledSample

__all__ = ["LinkedTiledSample", "LinkerTiledSample"]
