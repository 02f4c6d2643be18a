"""Worker processes that run user transforms and collate functions on batches.

Fetching and decoding stay in the main process (threads); only the user's Python code,
which holds the GIL, goes to processes. Results come back in submission order. The
pool never hangs: a worker that dies is detected while waiting and reported as a
``LoaderWorkerError`` naming its exit code, and an exception inside a transform is
re-raised in the main process with the worker's traceback attached.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import pickle
import queue
import traceback
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from deeplake_core.exceptions import LoaderWorkerError

_POLL = 0.2  # seconds between liveness checks while waiting for a result


def _worker_main(fn: Callable[[Any], Any], inq: Any, outq: Any, torch_threads: bool) -> None:
    if torch_threads:
        try:
            import torch

            torch.set_num_threads(1)
        except ImportError:
            pass
    while True:
        item = inq.get()
        if item is None:
            return
        tid, payload = item
        try:
            outq.put((tid, True, fn(payload)))
        except BaseException as exc:
            tb = traceback.format_exc()
            try:
                pickle.dumps(exc)
                err: Any = exc
            except Exception:
                err = RuntimeError(f"{type(exc).__name__}: {exc}")
            outq.put((tid, False, (err, tb)))


def get_context(method: str | Any | None, torch_mode: bool) -> Any:
    """A multiprocessing context (torch's when loading for torch: shared-memory tensors)."""
    if method is not None and not isinstance(method, str):
        return method
    if torch_mode:
        import torch.multiprocessing as tmp

        return tmp.get_context(method)
    return mp.get_context(method)


class WorkerPool:
    """``num_workers`` processes applying ``fn`` to items, results in order."""

    def __init__(
        self,
        fn: Callable[[Any], Any],
        num_workers: int,
        prefetch_factor: int = 2,
        context: str | Any | None = None,
        torch_mode: bool = False,
    ):
        if num_workers < 1:
            raise ValueError(f"num_workers must be >= 1 for a worker pool, got {num_workers}")
        self.ctx = get_context(context, torch_mode)
        if self.ctx.get_start_method() != "fork":
            try:
                pickle.dumps(fn)
            except Exception as exc:
                raise LoaderWorkerError(
                    f"the transform or collate_fn cannot be sent to worker processes started "
                    f"with {self.ctx.get_start_method()!r} ({exc}); define it at module level "
                    "(not a lambda or local function), or use num_workers=0"
                ) from exc
        self.capacity = max(1, num_workers * max(1, prefetch_factor))
        self.inq = self.ctx.Queue()
        self.outq = self.ctx.Queue()
        self.procs = [
            self.ctx.Process(
                target=_worker_main,
                args=(fn, self.inq, self.outq, torch_mode),
                daemon=True,
                name=f"deeplake-loader-worker-{i}",
            )
            for i in range(num_workers)
        ]
        for p in self.procs:
            p.start()
        self.pid = os.getpid()
        self.closed = False

    def _check_alive(self) -> None:
        for p in self.procs:
            if not p.is_alive():
                raise LoaderWorkerError(
                    f"loader worker {p.name} (pid {p.pid}) exited unexpectedly with exit code "
                    f"{p.exitcode}; if it was killed for memory, lower batch_size, "
                    "prefetch_factor or num_workers"
                )

    def _get(self) -> tuple[int, bool, Any]:
        while True:
            try:
                return self.outq.get(timeout=_POLL)
            except queue.Empty:
                self._check_alive()

    def imap(self, items: Iterable[Any]) -> Iterator[Any]:
        """``fn(item)`` for each item, in order, with bounded work in flight."""
        if self.closed:
            raise LoaderWorkerError("the worker pool was closed; create a new iterator")
        if os.getpid() != self.pid:
            raise LoaderWorkerError(
                "this loader's worker processes belong to the parent process; create the "
                "loader again in this (forked) process"
            )
        it = iter(items)
        sent = done = 0
        results: dict[int, tuple[bool, Any]] = {}
        exhausted = False
        try:
            while True:
                while not exhausted and sent - done < self.capacity:
                    try:
                        item = next(it)
                    except StopIteration:
                        exhausted = True
                        break
                    self.inq.put((sent, item))
                    sent += 1
                if done == sent:
                    return
                while done not in results:
                    tid, ok, value = self._get()
                    results[tid] = (ok, value)
                ok, value = results.pop(done)
                done += 1
                if not ok:
                    exc, tb = value
                    if isinstance(exc, BaseException):
                        exc.add_note(f"raised in a loader worker process:\n{tb}")
                        raise exc
                    raise LoaderWorkerError(str(exc))
                yield value
        finally:
            if done != sent and not self.closed:  # abandoned mid-way: drop outstanding work
                self._drain(sent - done - len(results))

    def _drain(self, outstanding: int) -> None:
        """Collect results of abandoned items so the next epoch starts clean."""
        while outstanding > 0:
            try:
                self.outq.get(timeout=_POLL)
                outstanding -= 1
            except queue.Empty:
                if not all(p.is_alive() for p in self.procs):
                    self.close()
                    return

    def close(self) -> None:
        """Stop the workers (waits briefly, then terminates stragglers)."""
        if self.closed or os.getpid() != self.pid:
            self.closed = True
            return
        self.closed = True
        for _ in self.procs:
            try:
                self.inq.put(None)
            except (ValueError, OSError):
                break
        for p in self.procs:
            p.join(timeout=2)
            if p.is_alive():
                p.terminate()
                p.join(timeout=2)
        for q in (self.inq, self.outq):
            q.close()
            q.cancel_join_thread()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()
