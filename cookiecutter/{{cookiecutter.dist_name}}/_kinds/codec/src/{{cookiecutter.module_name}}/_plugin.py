"""Entry module: declares the codec ``{{ cookiecutter.__spec_name }}``, nothing else.

deeplake-core imports this module (the entry point in ``pyproject.toml`` names it)
every time it builds its plugin registry, so it imports only ``deeplake_core.plugins``
and its spec models. The codec class lives in ``_impl.py``; the spec names it by an
import string (``"package.module:attribute"``) that the kernel resolves on first use.
"""

from __future__ import annotations

from deeplake_core.plugins import PLUGIN_API, hookimpl
from deeplake_core.plugins.specs import CodecSpec, PluginInfo

#: Third-party names start with the organisation prefix. A codec name means one byte
#: format forever: an incompatible change of the format takes a new name.
CODEC = "{{ cookiecutter.__spec_name }}"


@hookimpl
def plugin_info() -> PluginInfo:
    return PluginInfo(api=PLUGIN_API, description="{{ cookiecutter.description }}")


@hookimpl
def register_codecs() -> list[CodecSpec]:
    return [
        CodecSpec(
            name=CODEC,
            # "byte": bytes in, bytes out. Usable as sample_compression and as
            # chunk_compression of any htype that accepts byte codecs.
            codec_kind="byte",
            applies_to=frozenset({"sample", "chunk"}),
            lossless=True,
            impl="{{ cookiecutter.module_name }}._impl:{{ cookiecutter.__class_name }}Codec",
            description="zlib (deflate) compression, checked with adler32",
        )
    ]
