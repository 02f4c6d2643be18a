"""Entry module: declares the schedulers (implementations load on first use)."""

from __future__ import annotations

from deeplake_core.plugins import PLUGIN_API, hookimpl
from deeplake_core.plugins.specs import PluginInfo, SchedulerSpec


@hookimpl
def plugin_info() -> PluginInfo:
    return PluginInfo(api=PLUGIN_API, description="serial, threaded and processed schedulers")


@hookimpl
def register_schedulers() -> list[SchedulerSpec]:
    return [
        SchedulerSpec(
            name="serial",
            impl="deeplake_core_schedulers.local:SerialScheduler",
            description="runs tasks one after the other in the calling thread",
        ),
        SchedulerSpec(
            name="threaded",
            impl="deeplake_core_schedulers.local:ThreadedScheduler",
            description="a pool of threads in the calling process",
        ),
        SchedulerSpec(
            name="processed",
            impl="deeplake_core_schedulers.processed:ProcessedScheduler",
            requires=("cloudpickle",),
            install_hint="pip install cloudpickle",
            description="a pool of worker processes",
        ),
    ]
