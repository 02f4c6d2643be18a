"""Entry module: declares the htype ``{{ cookiecutter.__spec_name }}``, nothing else.

deeplake-core imports this module (the entry point in ``pyproject.toml`` names it)
every time it builds its plugin registry, so it imports only ``deeplake_core.plugins``
and its spec models. The code lives in ``_impl.py``; the spec names it by import
strings (``"package.module:attribute"``) that the kernel resolves on first use.
"""

from __future__ import annotations

from deeplake_core.plugins import PLUGIN_API, hookimpl
from deeplake_core.plugins.specs import HtypeSpec, PluginInfo

#: Third-party names start with the organisation prefix, so they never collide with
#: the kernel's or another organisation's.
HTYPE = "{{ cookiecutter.__spec_name }}"
_IMPL = "{{ cookiecutter.module_name }}._impl"


@hookimpl
def plugin_info() -> PluginInfo:
    return PluginInfo(api=PLUGIN_API, description="{{ cookiecutter.description }}")


@hookimpl
def register_htypes() -> list[HtypeSpec]:
    return [
        HtypeSpec(
            name=HTYPE,
            # What fields can say: unsigned 16-bit 2-D samples, chunks compressed with
            # the kernel's lz4 unless the user picks another byte codec.
            dtype="uint16",
            sample_ndim=frozenset({2}),
            default_chunk_compression="lz4",
            # create_tensor(..., bit_depth=10) is accepted and kept in tensor.info;
            # the model (in _impl) validates the value.
            creation_args={"bit_depth": 12},
            creation_args_model=f"{_IMPL}:{{ cookiecutter.__class_name }}Args",
            # What fields cannot say: every value must fit in bit_depth bits.
            behavior=f"{_IMPL}:{{ cookiecutter.__class_name }}Behavior",
            description="2-D intensity images whose values fit in bit_depth bits",
        )
    ]
