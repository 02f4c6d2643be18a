"""The kernel's built-in plugin: memory and local storage, the lz4 and runs64 codecs,
and the generic, text, json and list htypes.

It is registered through the ``deeplake_core`` entry-point group like any third-party
plugin and uses only the public plugin API. It imports nothing heavy: implementations
are named by import strings and loaded on first use.
"""

from __future__ import annotations

from deeplake_core.plugins import PLUGIN_API, hookimpl
from deeplake_core.plugins.specs import (
    CodecSpec,
    HtypeSpec,
    PluginInfo,
    StorageProviderSpec,
)


@hookimpl
def plugin_info() -> PluginInfo:
    return PluginInfo(api=PLUGIN_API, description="kernel built-ins")


@hookimpl
def register_storage_providers() -> list[StorageProviderSpec]:
    return [
        StorageProviderSpec(
            name="memory",
            schemes=frozenset({"mem"}),
            impl="deeplake_core.storage.memory:MemoryProvider",
            supports_conditional_put=True,
            description="in-process memory, shared per path (mem://)",
        ),
        StorageProviderSpec(
            name="local",
            schemes=frozenset({"", "file"}),
            impl="deeplake_core.storage.local:LocalProvider",
            supports_conditional_put=True,
            description="local filesystem (paths, ~, file://)",
        ),
    ]


@hookimpl
def register_codecs() -> list[CodecSpec]:
    return [
        CodecSpec(
            name="lz4",
            codec_kind="byte",
            impl="deeplake_core.codecs.lz4:LZ4Codec",
            description="LZ4 frame compression",
        ),
        CodecSpec(
            name="runs64",
            codec_kind="byte",
            impl="deeplake_core.codecs.runs64:Runs64Codec",
            description="8-byte integers as runs of equal steps (sample ids, counters)",
        ),
    ]


@hookimpl
def register_htypes() -> list[HtypeSpec]:
    # allowed_compressions=None: every registered byte codec (lz4 in the kernel).
    return [
        HtypeSpec(name="generic", description="any numeric array"),
        HtypeSpec(
            name="text",
            fixed_dtype="str",
            sample_form="text",
            description="UTF-8 strings",
        ),
        HtypeSpec(
            name="json",
            fixed_dtype="object",
            sample_form="json",
            description="JSON values (dicts with string keys, lists, numbers ...)",
        ),
        HtypeSpec(
            name="list",
            fixed_dtype="object",
            sample_form="list",
            description="lists of JSON values",
        ),
    ]
