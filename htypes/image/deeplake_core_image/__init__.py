"""Image htypes and Pillow-backed image codecs for deeplake-core.

The entry module (:mod:`deeplake_core_image._plugin`) only declares specs; Pillow is
imported when an image is first encoded or decoded. Decode limits live in
:mod:`deeplake_core_image.limits`.
"""
