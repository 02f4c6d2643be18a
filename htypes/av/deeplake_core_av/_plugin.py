"""Entry module: declares the video and audio htypes and codecs. Imports nothing but
the plugin API.

Codecs are PyAV-backed classes in :mod:`deeplake_core_av.video` and
:mod:`deeplake_core_av.audio`, named by import strings and imported (with PyAV) when
a codec is first used.
"""

from __future__ import annotations

from deeplake_core.plugins import PLUGIN_API, hookimpl
from deeplake_core.plugins.specs import CodecSpec, HtypeSpec, PluginInfo

_PKG = "deeplake_core_av"

# name, kind, implementation, file extensions, lossless
_CODECS: list[tuple[str, str, str, tuple[str, ...], bool]] = [
    ("mp4", "video", "video:Mp4Codec", ("mp4",), False),
    ("mkv", "video", "video:MkvCodec", ("mkv",), False),
    ("avi", "video", "video:AviCodec", ("avi",), False),
    ("mp3", "audio", "audio:Mp3Codec", ("mp3",), False),
    ("wav", "audio", "audio:WavCodec", ("wav",), True),
    ("flac", "audio", "audio:FlacCodec", ("flac",), True),
]
VIDEO_COMPRESSIONS = frozenset(c[0] for c in _CODECS if c[1] == "video")
AUDIO_COMPRESSIONS = frozenset(c[0] for c in _CODECS if c[1] == "audio")


@hookimpl
def plugin_info() -> PluginInfo:
    return PluginInfo(api=PLUGIN_API, description="video and audio htypes and PyAV codecs")


@hookimpl
def register_codecs() -> list[CodecSpec]:
    return [
        CodecSpec(
            name=name,
            codec_kind=kind,  # type: ignore[arg-type]
            applies_to=frozenset({"sample"}),
            lossless=lossless,
            file_extensions=frozenset(exts),
            impl=f"{_PKG}.{impl}",
            description=f"{name} {kind} files (PyAV); files are stored as read, never encoded",
        )
        for name, kind, impl, exts, lossless in _CODECS
    ]


def _media(name: str, dtype: str, ndim: set[int], compressions: frozenset[str], **kw) -> HtypeSpec:
    return HtypeSpec(
        name=name,
        dtype=dtype,
        sample_ndim=frozenset(ndim),
        allowed_compressions=compressions,
        chunk_compression_allowed=False,
        raw_arrays_allowed=False,
        supports_link=True,
        file_extensions=frozenset(compressions),
        **kw,
    )


@hookimpl
def register_htypes() -> list[HtypeSpec]:
    return [
        _media(
            "video",
            "uint8",
            {3, 4},
            VIDEO_COMPRESSIONS,
            behavior=f"{_PKG}.behavior:VideoBehavior",
            mimetypes=frozenset({"video/mp4", "video/x-matroska", "video/x-msvideo"}),
            description="videos, (frames, height, width, channels) or (frames, height, width)",
        ),
        _media(
            "audio",
            "float64",
            {1, 2},
            AUDIO_COMPRESSIONS,
            behavior=f"{_PKG}.behavior:AudioBehavior",
            mimetypes=frozenset({"audio/mpeg", "audio/wav", "audio/x-wav", "audio/flac"}),
            description="audio, (samples, channels) or (samples,)",
        ),
    ]
