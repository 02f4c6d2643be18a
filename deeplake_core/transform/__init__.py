"""Parallel transforms: ``@deeplake.compute``, ``deeplake.compose`` and ``eval``.

Workers are provided by scheduler plugins (``serial``, ``threaded``, ``processed`` in
``deeplake-core-schedulers``; ``ray`` in ``deeplake-core-ray``); see
:mod:`deeplake_core.transform.scheduler` for the interface they implement.
"""

from __future__ import annotations

from deeplake_core.transform.evaluate import TransformReport
from deeplake_core.transform.functions import ComputeFunction, Pipeline, compose, compute
from deeplake_core.transform.job import EncodedOutput, Task, TaskResult, TransformJob
from deeplake_core.transform.samples import TransformDataset, TransformRow, TransformTensor
from deeplake_core.transform.scheduler import (
    InlineScheduler,
    Scheduler,
    WorkerFailure,
    get_scheduler,
)

__all__ = [
    "ComputeFunction",
    "EncodedOutput",
    "InlineScheduler",
    "Pipeline",
    "Scheduler",
    "Task",
    "TaskResult",
    "TransformDataset",
    "TransformJob",
    "TransformReport",
    "TransformRow",
    "TransformTensor",
    "WorkerFailure",
    "compose",
    "compute",
    "get_scheduler",
]
