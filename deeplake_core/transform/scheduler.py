"""The interface scheduler plugins implement, and how a scheduler is chosen by name.

A transform is cut into small :class:`~deeplake_core.transform.job.Task` objects (a
few input samples each). A :class:`Scheduler` runs them on its workers, handing each
task to whichever worker frees up next (never a fixed slice per worker), and
:meth:`Scheduler.imap` gives the results back *in task order*, which is what makes a
transform's output identical whichever scheduler ran it.

A plugin provides a scheduler with a ``SchedulerSpec`` whose ``impl`` names a
:class:`Scheduler` subclass::

    @hookimpl
    def register_schedulers():
        return [SchedulerSpec(name="mine", impl="my_pkg.sched:MyScheduler")]

A subclass implements :meth:`start` (send the job to the workers once), :meth:`submit`
(queue one task, return a ``concurrent.futures.Future``) and :meth:`shutdown`. Workers
call ``job.run(task)``, which never raises for errors in user code (they come back
inside the :class:`~deeplake_core.transform.job.TaskResult`); a future that raises
means the worker itself failed (a killed process, a lost node).
"""

from __future__ import annotations

import concurrent.futures as cf
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from deeplake_core.exceptions import UnsupportedSchedulerError

if TYPE_CHECKING:
    from deeplake_core.transform.job import Task, TaskResult, TransformJob


class WorkerFailure(Exception):
    """A worker failed while running the task starting at input sample ``start`` (the
    process died, the node was lost, the task could not be sent ...)."""

    def __init__(self, start: int, error: BaseException) -> None:
        super().__init__(f"worker failed on the task starting at input sample {start}: {error}")
        self.start = start
        self.error = error


class Scheduler(ABC):
    """Runs transform tasks on a pool of workers (see the module docstring)."""

    #: Workers share the caller's memory, so in-memory (``mem://``) datasets can be
    #: read and written by them.
    shares_memory: ClassVar[bool] = False
    #: Workers write the chunks of their tasks' outputs themselves (see
    #: ``transform/chunks.py``); when False the coordinator writes every sample.
    worker_writes: ClassVar[bool] = True

    def __init__(self, num_workers: int = 1) -> None:
        self.num_workers = max(1, int(num_workers))

    @property
    def max_in_flight(self) -> int:
        """Tasks submitted and not yet finished: enough to keep every worker busy."""
        return 2 * self.num_workers

    @property
    def max_buffered(self) -> int:
        """Finished tasks held while an earlier task is still running."""
        return 8 * self.num_workers + 8

    @abstractmethod
    def start(self, job: TransformJob) -> None:
        """Make ``job`` available to every worker (called once, before any submit)."""

    @abstractmethod
    def submit(self, task: Task) -> cf.Future[TaskResult]:
        """Queue ``task``; it runs on the next worker that becomes free."""

    @abstractmethod
    def shutdown(self, cancel: bool = False) -> None:
        """Stop the workers; with ``cancel`` drop queued tasks. Idempotent."""

    def imap(self, job: TransformJob, tasks: Iterable[Task]) -> Iterator[TaskResult]:
        """Run every task; yield the results in task order."""
        self.start(job)
        try:
            pending: deque[tuple[Task, cf.Future[TaskResult]]] = deque()
            it = iter(tasks)
            exhausted = False
            while True:
                running = sum(1 for _, f in pending if not f.done())
                while (
                    not exhausted
                    and running < self.max_in_flight
                    and len(pending) < self.max_buffered
                ):
                    task = next(it, None)
                    if task is None:
                        exhausted = True
                        break
                    pending.append((task, self.submit(task)))
                    running += 1
                if not pending:
                    return
                task, head = pending[0]
                if head.done():
                    pending.popleft()
                    try:
                        result = head.result()
                    except Exception as exc:
                        raise WorkerFailure(task.start, exc) from exc
                    yield result
                    continue
                cf.wait([f for _, f in pending if not f.done()], return_when=cf.FIRST_COMPLETED)
        finally:
            self.shutdown(cancel=True)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(num_workers={self.num_workers})"


class InlineScheduler(Scheduler):
    """Runs each task in the calling thread when it is submitted (``num_workers=0``).

    Built into the kernel so transforms work without any scheduler plugin installed.
    """

    shares_memory = True
    worker_writes = False  # one process: the coordinator packs everything itself

    def __init__(self, num_workers: int = 1) -> None:
        super().__init__(1)
        self._job: TransformJob | None = None

    @property
    def max_in_flight(self) -> int:
        return 1

    @property
    def max_buffered(self) -> int:
        return 1

    def start(self, job: TransformJob) -> None:
        self._job = job

    def submit(self, task: Task) -> cf.Future[TaskResult]:
        assert self._job is not None, "start() must be called before submit()"
        fut: cf.Future[TaskResult] = cf.Future()
        try:
            fut.set_result(self._job.run(task))
        except BaseException as exc:  # a failure of the job machinery itself
            fut.set_exception(exc)
        return fut

    def shutdown(self, cancel: bool = False) -> None:
        self._job = None


def get_scheduler(name: str, num_workers: int) -> Scheduler:
    """The scheduler called ``name`` with ``num_workers`` workers.

    ``num_workers <= 0`` always runs inline in the caller (as documented for
    ``eval``), whatever the name; ``"serial"`` does too when no plugin provides it.
    Unknown names raise :class:`UnsupportedSchedulerError`; a scheduler whose plugin
    is broken or misses a dependency raises the plugin's error.
    """
    from deeplake_core.exceptions import MissingPluginError
    from deeplake_core.plugins import get_registry

    if not isinstance(name, str):
        raise UnsupportedSchedulerError(repr(name))
    if num_workers <= 0:
        return InlineScheduler()
    reg = get_registry().schedulers
    try:
        reg.get(name)
    except MissingPluginError:
        if name == "serial":
            return InlineScheduler()
        raise UnsupportedSchedulerError(name) from None
    cls: Any = reg.load(name)
    if not (isinstance(cls, type) and issubclass(cls, Scheduler)):
        raise UnsupportedSchedulerError(name)
    return cls(num_workers)
