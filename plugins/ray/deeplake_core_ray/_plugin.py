"""Entry module: declares the ``ray`` scheduler (Ray is imported only when used)."""

from __future__ import annotations

from deeplake_core.plugins import PLUGIN_API, hookimpl
from deeplake_core.plugins.specs import PluginInfo, SchedulerSpec


@hookimpl
def plugin_info() -> PluginInfo:
    return PluginInfo(api=PLUGIN_API, description="Ray transform scheduler")


@hookimpl
def register_schedulers() -> list[SchedulerSpec]:
    return [
        SchedulerSpec(
            name="ray",
            impl="deeplake_core_ray.scheduler:RayScheduler",
            requires=("ray",),
            install_hint="pip install ray",
            description="Ray actors on a local or remote Ray cluster",
        )
    ]
