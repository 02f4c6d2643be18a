"""Codec lookup for the engine: the single place where a compression name becomes a codec."""

from __future__ import annotations

import importlib

from deeplake_core.codecs.base import ArrayCodec, ByteCodec
from deeplake_core.exceptions import UnsupportedCompressionError

#: Used only while the plugin registry is not importable (early bootstrap).
_BUILTIN = {"lz4": "deeplake_core.codecs.lz4:LZ4Codec"}
_fallback_cache: dict[str, ByteCodec | ArrayCodec] = {}


def get_codec(name: str) -> ByteCodec | ArrayCodec:
    """Return the codec instance registered under ``name``.

    Goes through the plugin registry (``get_registry().codecs.load``) when it is
    available, which raises ``MissingPluginError`` for unknown names.
    """
    try:
        from deeplake_core.plugins import get_registry
    except ImportError:
        get_registry = None
    if get_registry is not None:
        return get_registry().codecs.load(name)
    codec = _fallback_cache.get(name)
    if codec is None:
        target = _BUILTIN.get(name)
        if target is None:
            raise UnsupportedCompressionError(name)
        module, _, attr = target.partition(":")
        codec = getattr(importlib.import_module(module), attr)()
        _fallback_cache[name] = codec
    return codec
