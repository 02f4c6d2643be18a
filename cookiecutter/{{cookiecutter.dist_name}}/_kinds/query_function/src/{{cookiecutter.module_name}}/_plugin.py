"""Entry module: declares the TQL function ``{{ cookiecutter.__spec_name }}``, nothing else.

deeplake-core imports this module (the entry point in ``pyproject.toml`` names it)
every time it builds its plugin registry, so it imports only ``deeplake_core.plugins``
and its spec models. The function lives in ``_impl.py``; the spec names it by an
import string (``"package.module:attribute"``) that the kernel resolves on first use.
"""

from __future__ import annotations

from deeplake_core.plugins import PLUGIN_API, hookimpl
from deeplake_core.plugins.specs import PluginInfo, QueryFunctionSpec

#: The name used in queries (matched case-insensitively): ``WHERE {{ cookiecutter.__spec_name }}(x) > 2``.
#: It starts with the organisation prefix, so it never collides with another plugin's.
FUNCTION = "{{ cookiecutter.__spec_name }}"


@hookimpl
def plugin_info() -> PluginInfo:
    return PluginInfo(api=PLUGIN_API, description="{{ cookiecutter.description }}")


@hookimpl
def register_query_functions() -> list[QueryFunctionSpec]:
    return [
        QueryFunctionSpec(
            name=FUNCTION,
            impl="{{ cookiecutter.module_name }}._impl:peak_to_peak",
            arg_types=("array",),
            return_type="number",
            # Same inputs, same output; called once per batch of rows with whole
            # columns (vectorized), not once per row; not an aggregate.
            deterministic=True,
            vectorized=True,
            aggregate=False,
            description="max - min of each sample's values (NaN for empty samples)",
        )
    ]
