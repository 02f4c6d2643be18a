"""Basic htypes for deeplake-core: ``class_label``, ``tag``, ``bbox``, ``bbox.3d``,
``intrinsics`` (alias ``intrinsic``), ``segment_mask``, ``binary_mask``,
``keypoints_coco``, ``point``, ``polygon``, ``embedding`` and ``instance_label``.

Installed, the package registers them through the ``deeplake_core`` entry point
``htypes_basic`` (:mod:`deeplake_core_htypes_basic._plugin`); nothing needs importing.
"""

__version__ = "0.1.0"
