"""The ``processed`` scheduler: a pool of worker processes.

The job (functions, input source, output schema) is serialised once with cloudpickle
and unpickled once per worker, in the worker's initializer; each task is then a small
message. Workers are forked on Linux and spawned elsewhere (``DEEPLAKE_CORE_MP_START``
chooses: ``fork``, ``spawn`` or ``forkserver``, the last preloading the kernel and the
plugin registry once); spawned workers re-import the caller's ``__main__``, so scripts
then need the usual ``if __name__ == "__main__":`` guard. Workers get the caller's ``sys.path`` first, so functions defined in modules
the caller imported from anywhere (test files, notebooks' working directory) resolve.
Results come back with the standard pickle of ``concurrent.futures``; errors that
cannot be pickled are replaced by a ``RuntimeError`` with their text.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import sys
from typing import Any

from deeplake_core.transform.job import Task, TaskResult, TransformJob
from deeplake_core.transform.scheduler import Scheduler

#: Environment variable choosing the start method (fork, spawn, forkserver).
START_METHOD_ENV = "DEEPLAKE_CORE_MP_START"

_JOB: TransformJob | None = None


def _start_method() -> str:
    wanted = os.environ.get(START_METHOD_ENV, "").strip()
    available = multiprocessing.get_all_start_methods()
    if wanted:
        if wanted not in available:
            raise ValueError(
                f"{START_METHOD_ENV}={wanted!r} is not a start method of this platform; "
                f"use one of {available}"
            )
        return wanted
    # fork on Linux: workers start in milliseconds and scripts need no
    # ``if __name__ == "__main__":`` guard (as with the reference implementation);
    # the job is cloudpickled, so nothing the parent's threads hold is used by a worker.
    return "fork" if sys.platform.startswith("linux") else "spawn"


def _init_worker(path: list[str], payload: bytes) -> None:
    global _JOB
    import cloudpickle

    for entry in reversed(path):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    _JOB = cloudpickle.loads(payload)


def _run(payload: bytes) -> TaskResult:
    import cloudpickle

    if _JOB is None:  # pragma: no cover - the initializer always ran
        raise RuntimeError("transform worker started without a job")
    task: Task = cloudpickle.loads(payload)
    return _JOB.run(task).make_portable()


class ProcessedScheduler(Scheduler):
    """``num_workers`` worker processes; tasks go to whichever process is free."""

    shares_memory = False

    def __init__(self, num_workers: int = 1) -> None:
        super().__init__(num_workers)
        self._pool: cf.ProcessPoolExecutor | None = None

    def start(self, job: TransformJob) -> None:
        import cloudpickle

        ctx: Any = multiprocessing.get_context(_start_method())
        if ctx.get_start_method() == "forkserver":
            ctx.set_forkserver_preload(["deeplake_core_schedulers._preload"])
        payload = cloudpickle.dumps(job)
        self._pool = cf.ProcessPoolExecutor(
            self.num_workers,
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(list(sys.path), payload),
        )

    def submit(self, task: Task) -> cf.Future[TaskResult]:
        import cloudpickle

        if self._pool is None:
            raise RuntimeError("ProcessedScheduler.start() must be called before submit()")
        return self._pool.submit(_run, cloudpickle.dumps(task))

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers (for tests and monitoring)."""
        procs = getattr(self._pool, "_processes", None) or {}
        return sorted(procs)

    def shutdown(self, cancel: bool = False) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=cancel)
