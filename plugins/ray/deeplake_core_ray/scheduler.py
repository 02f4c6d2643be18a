"""``RayScheduler``: transform tasks on a pool of Ray actors.

Each actor unpickles the job once (when it starts) and then runs one task at a time;
the scheduler keeps a queue of tasks and hands the next one to whichever actor
finishes first. An actor that dies fails its task (the transform then raises a
``TransformError`` and can be resumed from its last checkpoint).
"""

from __future__ import annotations

import concurrent.futures as cf
import sys
import threading
from collections import deque
from typing import Any

from deeplake_core.transform.job import Task, TaskResult, TransformJob
from deeplake_core.transform.scheduler import Scheduler


class _Worker:
    """Body of a Ray actor: holds one job, runs tasks of it."""

    def __init__(self, path: list[str], payload: bytes) -> None:
        from ray import cloudpickle

        for entry in reversed(path):
            if entry not in sys.path:
                sys.path.insert(0, entry)
        self.job: TransformJob = cloudpickle.loads(payload)

    def run(self, task: Task) -> TaskResult:
        return self.job.run(task).make_portable()

    def pid(self) -> int:
        import os

        return os.getpid()


class RayScheduler(Scheduler):
    """``num_workers`` Ray actors (capped at the cluster's CPUs)."""

    shares_memory = False

    def __init__(self, num_workers: int = 1) -> None:
        super().__init__(num_workers)
        self._actors: list[Any] = []
        self._idle: deque[Any] = deque()
        self._queue: deque[tuple[Task, cf.Future[TaskResult]]] = deque()
        self._lock = threading.Lock()
        self._closed = False

    def start(self, job: TransformJob) -> None:
        import ray
        from ray import cloudpickle

        if not ray.is_initialized():
            ray.init(num_cpus=self.num_workers, include_dashboard=False, log_to_driver=False)
        cpus = int(ray.cluster_resources().get("CPU", 1)) or 1
        self.num_workers = max(1, min(self.num_workers, cpus))
        payload = ray.put(cloudpickle.dumps(job))
        actor_cls = ray.remote(num_cpus=1, max_restarts=0)(_Worker)
        self._actors = [actor_cls.remote(list(sys.path), payload) for _ in range(self.num_workers)]
        self._idle = deque(self._actors)
        self._closed = False

    def submit(self, task: Task) -> cf.Future[TaskResult]:
        fut: cf.Future[TaskResult] = cf.Future()
        with self._lock:
            if self._closed or not self._actors:
                raise RuntimeError("RayScheduler.start() must be called before submit()")
            self._queue.append((task, fut))
        self._dispatch()
        return fut

    def _dispatch(self) -> None:
        with self._lock:
            while self._idle and self._queue and not self._closed:
                actor = self._idle.popleft()
                task, fut = self._queue.popleft()
                if not fut.set_running_or_notify_cancel():
                    self._idle.append(actor)
                    continue
                ref_future = actor.run.remote(task).future()
                ref_future.add_done_callback(lambda rf, a=actor, f=fut: self._finished(a, f, rf))

    def _finished(self, actor: Any, fut: cf.Future[TaskResult], rf: cf.Future) -> None:
        from ray.exceptions import RayActorError

        exc = rf.exception()
        if exc is None:
            fut.set_result(rf.result())
        else:
            fut.set_exception(exc)
        dropped: deque[tuple[Task, cf.Future[TaskResult]]] = deque()
        with self._lock:
            if not isinstance(exc, RayActorError):
                self._idle.append(actor)
            else:  # a dead actor takes no more tasks; the run fails at this task, so
                # the tasks queued after it are not needed
                dropped, self._queue = self._queue, deque()
        for _, queued in dropped:
            if queued.set_running_or_notify_cancel():
                queued.set_exception(RuntimeError("a Ray actor of this transform died"))
        self._dispatch()

    def actor_pids(self) -> list[int]:
        """Process ids of the actors (for tests and monitoring)."""
        import ray

        return ray.get([a.pid.remote() for a in self._actors])

    def shutdown(self, cancel: bool = False) -> None:
        import ray

        with self._lock:
            self._closed = True
            queued, self._queue = self._queue, deque()
            actors, self._actors = self._actors, []
            self._idle = deque()
        for _, fut in queued:
            fut.cancel()
        for actor in actors:
            ray.kill(actor)
