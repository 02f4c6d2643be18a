"""Entry module: declares the image htypes and codecs. Imports nothing but the plugin API.

Codecs are Pillow-backed classes in :mod:`deeplake_core_image.codecs` (jpeg goes
through simplejpeg first), named by import strings and imported when first used.
"""

from __future__ import annotations

from deeplake_core.plugins import PLUGIN_API, hookimpl
from deeplake_core.plugins.specs import CodecSpec, HtypeSpec, PluginInfo

_PKG = "deeplake_core_image"

# name, class, aliases, file extensions, lossless, read_only, usable for chunks
_CODECS: list[tuple[str, str, tuple[str, ...], tuple[str, ...], bool, bool, bool]] = [
    ("bmp", "BmpCodec", (), ("bmp",), True, False, True),
    ("dib", "DibCodec", (), ("dib",), True, False, True),
    ("gif", "GifCodec", (), ("gif",), False, False, True),
    ("ico", "IcoCodec", (), ("ico",), True, False, False),
    ("jpeg", "JpegCodec", ("jpg",), ("jpg", "jpeg", "jpe", "jfif"), False, False, True),
    ("jpeg2000", "Jpeg2000Codec", (), ("jp2", "j2k", "jpx", "jpf", "j2c"), True, False, True),
    ("pcx", "PcxCodec", (), ("pcx",), True, False, True),
    ("png", "PngCodec", (), ("png",), True, False, True),
    ("ppm", "PpmCodec", (), ("ppm", "pgm", "pbm", "pnm"), True, False, True),
    ("sgi", "SgiCodec", (), ("sgi", "rgb", "bw"), True, False, True),
    ("tga", "TgaCodec", (), ("tga",), True, False, True),
    ("tiff", "TiffCodec", ("tif",), ("tif", "tiff"), True, False, True),
    ("webp", "WebpCodec", (), ("webp",), True, False, True),
    ("apng", "ApngCodec", (), ("apng",), True, False, True),
    ("wmf", "WmfCodec", (), ("wmf", "emf"), True, True, False),
    ("xbm", "XbmCodec", (), ("xbm",), True, True, False),
    ("eps", "EpsCodec", (), ("eps", "ps"), True, True, False),
    ("fli", "FliCodec", (), ("fli", "flc"), True, True, False),
    ("im", "ImCodec", (), ("im",), True, True, False),
    ("msp", "MspCodec", (), ("msp",), True, True, False),
    ("mpo", "MpoCodec", (), ("mpo",), False, True, False),
]
#: Codecs not decoded by Pillow alone.
_LIBRARY = {"jpeg": "simplejpeg, Pillow for CMYK and other rare layouts"}
IMAGE_COMPRESSIONS = frozenset(c[0] for c in _CODECS)
_EXTENSIONS = frozenset(ext for c in _CODECS for ext in c[3])


@hookimpl
def plugin_info() -> PluginInfo:
    return PluginInfo(api=PLUGIN_API, description="image htypes and Pillow image codecs")


@hookimpl
def register_codecs() -> list[CodecSpec]:
    return [
        CodecSpec(
            name=name,
            codec_kind="image",
            aliases=frozenset(aliases),
            applies_to=frozenset({"sample", "chunk"} if chunks else {"sample"}),
            lossless=lossless,
            read_only=read_only,
            file_extensions=frozenset(exts),
            impl=f"{_PKG}.codecs:{cls}",
            description=f"{name} images ({_LIBRARY.get(name, 'Pillow')})"
            + (", read only" if read_only else ""),
        )
        for name, cls, aliases, exts, lossless, read_only, chunks in _CODECS
    ]


def _image(name: str, behavior: str, ndim: frozenset[int], description: str, **kw) -> HtypeSpec:
    return HtypeSpec(
        name=name,
        dtype="uint8",
        sample_ndim=ndim,
        allowed_compressions=IMAGE_COMPRESSIONS | {"lz4"},
        supports_link=True,
        behavior=f"{_PKG}.behavior:{behavior}",
        file_extensions=_EXTENSIONS,
        description=description,
        **kw,
    )


@hookimpl
def register_htypes() -> list[HtypeSpec]:
    return [
        _image(
            "image",
            "ImageBehavior",
            frozenset({2, 3}),
            "images, (height, width) or (height, width, channels)",
            mimetypes=frozenset({"image/jpeg", "image/png", "image/gif", "image/bmp"}),
        ),
        _image(
            "image.rgb",
            "RGBImageBehavior",
            frozenset({3}),
            "colour images (height, width, 3); grey samples are converted",
            base="image",
        ),
        _image(
            "image.gray",
            "GrayImageBehavior",
            frozenset({2}),
            "grey images (height, width); colour samples are converted",
            base="image",
        ),
    ]
