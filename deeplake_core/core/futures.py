"""``Future``: the handle every ``*_async`` call returns.

```python
fut = ds.query_async("SELECT * WHERE labels == 3")
view = fut.result()        # blocks; re-raises the operation's error
fut.wait(); fut.is_completed()
view = await fut           # inside a running asyncio event loop
```

Work runs on a shared pool of worker threads, created on first use (:func:`submit`).
A task should not block on another future of the pool: with every worker waiting,
nothing would run the awaited work.
"""

from __future__ import annotations

import concurrent.futures as cf
import threading
from collections.abc import Callable, Generator
from typing import Any, Generic, TypeVar

T = TypeVar("T")

#: Upper bound of worker threads of the shared pool (threads start on demand).
MAX_WORKERS = 32

_pool: cf.ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> cf.ThreadPoolExecutor:
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = cf.ThreadPoolExecutor(
                    max_workers=MAX_WORKERS, thread_name_prefix="deeplake-core-async"
                )
    return _pool


class Future(Generic[T]):
    """The pending result of an asynchronous operation.

    ``result()`` waits and returns the value (raising the operation's exception if it
    failed), ``wait()`` waits without returning it (and also raises on failure),
    ``is_completed()`` polls. A ``Future`` is awaitable in a running asyncio loop.
    """

    __slots__ = ("_inner",)

    def __init__(self, inner: cf.Future):
        self._inner = inner

    # ------------------------------------------------------------------ creation
    @classmethod
    def submit(cls, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
        """Run ``fn(*args, **kwargs)`` on the shared worker pool."""
        return cls(_executor().submit(fn, *args, **kwargs))

    @classmethod
    def completed(cls, value: T) -> Future[T]:
        """An already finished future holding ``value``."""
        inner: cf.Future = cf.Future()
        inner.set_result(value)
        return cls(inner)

    @classmethod
    def failed(cls, error: BaseException) -> Future[Any]:
        """An already finished future that raises ``error``."""
        inner: cf.Future = cf.Future()
        inner.set_exception(error)
        return cls(inner)

    # ------------------------------------------------------------------ waiting
    def result(self, timeout: float | None = None) -> T:
        """The value, waiting up to ``timeout`` seconds (``None``: forever).

        Raises ``TimeoutError`` when it is not ready in time, and the operation's own
        exception when it failed.
        """
        return self._inner.result(timeout)

    def wait(self, timeout: float | None = None) -> None:
        """Wait for completion; raise the operation's exception if it failed."""
        self._inner.result(timeout)

    def is_completed(self) -> bool:
        """Whether the operation has finished (successfully, with an error or cancelled)."""
        return self._inner.done()

    done = is_completed

    def exception(self, timeout: float | None = None) -> BaseException | None:
        """The operation's exception (``None`` if it succeeded), after waiting for it."""
        return self._inner.exception(timeout)

    def cancel(self) -> bool:
        """Cancel the operation if it has not started; return whether it was cancelled."""
        return self._inner.cancel()

    def cancelled(self) -> bool:
        return self._inner.cancelled()

    def add_done_callback(self, fn: Callable[[Future[T]], Any]) -> None:
        """Call ``fn(self)`` when the operation finishes (at once if it already has)."""
        self._inner.add_done_callback(lambda _inner: fn(self))

    def __await__(self) -> Generator[Any, None, T]:
        import asyncio

        return asyncio.wrap_future(self._inner).__await__()

    def __repr__(self) -> str:
        inner = self._inner
        if not inner.done():
            state = "pending"
        elif inner.cancelled():
            state = "cancelled"
        elif inner.exception() is not None:
            state = f"failed: {type(inner.exception()).__name__}"
        else:
            state = "completed"
        return f"Future({state})"


def submit(fn: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
    """Run ``fn(*args, **kwargs)`` in the background; return its :class:`Future`."""
    return Future.submit(fn, *args, **kwargs)


__all__ = ["Future", "submit"]
