"""Entry module: declares the ``point_cloud`` and ``mesh`` htypes and the ``las`` and
``ply`` codecs. Imports nothing but the plugin API; laspy and trimesh are imported by
:mod:`deeplake_core_3d.las` / :mod:`deeplake_core_3d.ply` on first use.
"""

from __future__ import annotations

from deeplake_core.plugins import PLUGIN_API, hookimpl
from deeplake_core.plugins.specs import CodecSpec, HtypeSpec, PluginInfo

_PKG = "deeplake_core_3d"


@hookimpl
def plugin_info() -> PluginInfo:
    return PluginInfo(api=PLUGIN_API, description="point_cloud and mesh htypes (laspy, trimesh)")


@hookimpl
def register_codecs() -> list[CodecSpec]:
    return [
        CodecSpec(
            name="las",
            codec_kind="point_cloud",
            applies_to=frozenset({"sample"}),
            lossless=False,  # arrays are quantised to the file's scale when written
            file_extensions=frozenset({"las"}),
            impl=f"{_PKG}.las:LasCodec",
            description="LAS point clouds (laspy); written arrays are quantised",
        ),
        CodecSpec(
            name="ply",
            codec_kind="mesh",
            applies_to=frozenset({"sample"}),
            lossless=True,
            file_extensions=frozenset({"ply"}),
            impl=f"{_PKG}.ply:PlyCodec",
            description="PLY meshes and point sets (trimesh)",
        ),
    ]


@hookimpl
def register_htypes() -> list[HtypeSpec]:
    return [
        HtypeSpec(
            name="point_cloud",
            sample_ndim=frozenset({2}),
            last_dim=frozenset({3}),
            default_sample_compression="las",
            allowed_compressions=frozenset({"las"}),
            chunk_compression_allowed=False,
            supports_link=True,
            behavior=f"{_PKG}.behavior:PointCloudBehavior",
            file_extensions=frozenset({"las"}),
            magic=frozenset({(0, b"LASF")}),
            description="point clouds, (# points, 3) coordinates; other LAS dimensions "
            "via deeplake_core_3d.read_points",
        ),
        HtypeSpec(
            name="mesh",
            sample_ndim=frozenset({2}),
            last_dim=frozenset({3}),
            default_sample_compression="ply",
            allowed_compressions=frozenset({"ply"}),
            chunk_compression_allowed=False,
            supports_link=True,
            behavior=f"{_PKG}.behavior:MeshBehavior",
            file_extensions=frozenset({"ply"}),
            magic=frozenset({(0, b"ply\n"), (0, b"ply\r\n")}),
            description="meshes, (# vertices, 3) vertices; faces in sample_info / data()",
        ),
    ]
