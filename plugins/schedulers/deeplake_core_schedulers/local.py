"""Schedulers that run in the calling process: ``serial`` and ``threaded``."""

from __future__ import annotations

import concurrent.futures as cf

from deeplake_core.transform.job import Task, TaskResult, TransformJob
from deeplake_core.transform.scheduler import InlineScheduler, Scheduler


class SerialScheduler(InlineScheduler):
    """Runs each task in the calling thread, one after the other."""


class ThreadedScheduler(Scheduler):
    """A pool of ``num_workers`` threads; tasks go to whichever thread is free."""

    shares_memory = True

    def __init__(self, num_workers: int = 1) -> None:
        super().__init__(num_workers)
        self._pool: cf.ThreadPoolExecutor | None = None
        self._job: TransformJob | None = None

    def start(self, job: TransformJob) -> None:
        self._job = job
        self._pool = cf.ThreadPoolExecutor(
            self.num_workers, thread_name_prefix="deeplake-core-transform"
        )

    def submit(self, task: Task) -> cf.Future[TaskResult]:
        if self._pool is None or self._job is None:
            raise RuntimeError("ThreadedScheduler.start() must be called before submit()")
        return self._pool.submit(self._job.run, task)

    def shutdown(self, cancel: bool = False) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=cancel)
        self._job = None
