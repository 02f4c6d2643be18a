"""Entry module: declares the storage provider for ``{{ cookiecutter.__scheme }}://`` URLs.

deeplake-core imports this module (the entry point in ``pyproject.toml`` names it)
every time it builds its plugin registry, so it imports only ``deeplake_core.plugins``
and its spec models; a real provider's client library is imported by ``_impl.py`` on
first use. Declare such libraries in ``requires`` and say how to get them in
``install_hint``: the kernel checks them without importing them.
"""

from __future__ import annotations

from deeplake_core.plugins import PLUGIN_API, hookimpl
from deeplake_core.plugins.specs import PluginInfo, StorageProviderSpec

PROVIDER = "{{ cookiecutter.__spec_name }}"
#: Datasets at ``{{ cookiecutter.__scheme }}://<name>`` are stored by this plugin.
SCHEME = "{{ cookiecutter.__scheme }}"


@hookimpl
def plugin_info() -> PluginInfo:
    return PluginInfo(api=PLUGIN_API, description="{{ cookiecutter.description }}")


@hookimpl
def register_storage_providers() -> list[StorageProviderSpec]:
    return [
        StorageProviderSpec(
            name=PROVIDER,
            schemes=frozenset({SCHEME}),
            impl="{{ cookiecutter.module_name }}._impl:{{ cookiecutter.__class_name }}Provider",
            # Capabilities the kernel may rely on; the conformance suite holds the
            # provider to each one it declares.
            supports_writes=True,
            supports_deletes=True,
            supports_listing=True,
            supports_range_reads=True,
            supports_conditional_put=True,
            description="in-process key-value store (replace with your backend)",
        )
    ]
