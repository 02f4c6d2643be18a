"""Entry module: declares the basic htypes. Imports nothing but the plugin API.

Behaviours (checks a spec field cannot express) live in sibling modules, named by
import strings and imported when a tensor of that htype is first used.
"""

from __future__ import annotations

from typing import Any

from deeplake_core.plugins import PLUGIN_API, hookimpl
from deeplake_core.plugins.specs import HtypeSpec, PluginInfo

_PKG = "deeplake_core_htypes_basic"

# Every spec leaves allowed_compressions=None: any registered byte codec (lz4 in the
# kernel), as sample or chunk compression. The reference docs recommend
# chunk_compression for labels and lz4 for masks but set no default.


def _class_names_args() -> dict[str, Any]:
    """Creation arguments of the htypes whose values index ``info.class_names``."""
    return {
        "creation_args": {"class_names": []},
        "creation_args_model": f"{_PKG}.args:ClassNamesArgs",
    }


@hookimpl
def plugin_info() -> PluginInfo:
    return PluginInfo(api=PLUGIN_API, description="labels, boxes, masks, points, polygons")


@hookimpl
def register_htypes() -> list[HtypeSpec]:
    return [
        HtypeSpec(
            name="class_label",
            dtype="uint32",
            sample_ndim=frozenset({1}),
            **_class_names_args(),
            behavior=f"{_PKG}.labels:ClassLabelBehavior",
            description="indices into info.class_names; strings are added to it",
        ),
        HtypeSpec(
            name="tag",
            fixed_dtype="str",
            sample_form="list",
            behavior=f"{_PKG}.labels:TagBehavior",
            description="one or more string tags per sample",
        ),
        HtypeSpec(
            name="bbox",
            dtype="float32",
            sample_ndim=frozenset({2}),
            last_dim=frozenset({4}),
            creation_args={"coords": {}},
            creation_args_model=f"{_PKG}.args:BBoxArgs",
            description="2-D boxes, shape (# boxes, 4); coords={'type', 'mode'}",
        ),
        HtypeSpec(
            name="bbox.3d",
            dtype="float32",
            sample_ndim=frozenset({2, 3}),
            last_dim=frozenset({9, 3}),
            creation_args={"coords": {}},
            creation_args_model=f"{_PKG}.args:BBox3DArgs",
            behavior=f"{_PKG}.geometry:BBox3DBehavior",
            description="3-D boxes: (# boxes, 9) in center mode, (# boxes, 8, 3) in vertex mode",
        ),
        HtypeSpec(
            name="intrinsics",
            aliases=frozenset({"intrinsic"}),
            dtype="float32",
            sample_ndim=frozenset({2, 3}),
            last_dim=frozenset({3}),
            behavior=f"{_PKG}.geometry:IntrinsicsBehavior",
            description="camera intrinsic matrices, (3, 3) or (# matrices, 3, 3)",
        ),
        HtypeSpec(
            name="segment_mask",
            dtype="uint32",
            sample_ndim=frozenset({2}),
            **_class_names_args(),
            description="per-pixel class indices, (height, width)",
        ),
        HtypeSpec(
            name="binary_mask",
            dtype="bool",
            sample_ndim=frozenset({3}),
            description="one channel per object, (height, width, # objects)",
        ),
        HtypeSpec(
            name="keypoints_coco",
            dtype="int32",
            sample_ndim=frozenset({2}),
            creation_args={"keypoints": [], "connections": []},
            creation_args_model=f"{_PKG}.args:KeypointsArgs",
            behavior=f"{_PKG}.geometry:KeypointsCocoBehavior",
            description="COCO keypoints, (3 x # keypoints, # objects)",
        ),
        HtypeSpec(
            name="point",
            dtype="int32",
            sample_ndim=frozenset({2}),
            last_dim=frozenset({2, 3}),
            description="2-D or 3-D points, (# points, 2 or 3)",
        ),
        HtypeSpec(
            name="polygon",
            dtype="float32",
            sample_ndim=frozenset({3}),
            behavior=f"{_PKG}.polygon:PolygonBehavior",
            description="lists of polygons; polygons may have different numbers of points",
        ),
        HtypeSpec(
            name="embedding",
            sample_ndim=frozenset({1}),
            description="vectors, (# elements,)",
        ),
        HtypeSpec(
            name="instance_label",
            dtype="uint32",
            description="instance ids",
        ),
    ]
