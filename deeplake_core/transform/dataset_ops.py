"""Dataset operations that decode or scan every sample, run on the transform schedulers.

* Copying a *view* (``Dataset.copy``, ``deeplake.copy``, ``save_view(path=...)`` /
  ``save_view(optimize=True)``, ``ViewEntry.optimize``, ``load_view(optimize=True)``)
  reads, decodes and re-encodes every sample. With ``num_workers > 0`` that runs as a
  transform over blocks of rows: workers read and re-encode, and write the full chunks
  of their blocks themselves (see :mod:`.chunks`). Whole datasets are copied file by
  file instead (no decoding), so they never come here.
* ``filter(function, num_workers=N, scheduler="processed" | "ray")`` evaluates the
  function over blocks of rows on that scheduler's workers (threads stay in
  ``core/query_api.py``, which needs no plugin).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from deeplake_core.exceptions import MemoryDatasetCanNotBePickledError
from deeplake_core.transform.functions import compute

#: Rows of the source read and written together by one call of the copy function.
ROWS_PER_BLOCK = 32


def _is_memory(ds: Any) -> bool:
    return str(getattr(ds, "path", "")).startswith("mem://")


def _check_source(src: Any, scheduler: str, sched: Any) -> None:
    if _is_memory(src) and not sched.shares_memory:
        raise MemoryDatasetCanNotBePickledError(
            f"the dataset is in memory (mem://), which the workers of scheduler "
            f"{scheduler!r} cannot read; use scheduler='threaded' or store it on disk"
        )


def _blocks(n: int, size: int) -> list[tuple[int, int]]:
    return [(a, min(n, a + size)) for a in range(0, n, size)]


# --------------------------------------------------------------------- copy


@compute
def _copy_block(block: tuple[int, int], samples_out: Any, src: Any, names: list[str]) -> None:
    a, b = block
    for name in names:
        samples_out[name].extend(src[name][a:b].numpy(aslist=True))


def copy_rows(
    src: Any,
    out: Any,
    names: list[str],
    num_workers: int,
    scheduler: str,
    progressbar: bool,
) -> bool:
    """Append the rows of view ``src`` to the (empty) tensors ``names`` of ``out`` with
    ``num_workers`` workers of ``scheduler``. Returns False, having written nothing,
    when the view's tensors differ in length (the caller copies them one by one)."""
    from deeplake_core.transform.scheduler import get_scheduler

    lengths = {len(src[name]) for name in names}
    if len(lengths) > 1:
        return False
    n = lengths.pop() if lengths else 0
    _check_source(src, scheduler, get_scheduler(scheduler, num_workers))
    if n:
        _copy_block(src, names).eval(
            _blocks(n, ROWS_PER_BLOCK),
            out,
            num_workers=num_workers,
            scheduler=scheduler,
            progressbar=progressbar,
            verbose=False,
        )
    return True


# --------------------------------------------------------------------- filter


@dataclass
class _Kept:
    """Which rows of one block the filter function kept, or why it failed."""

    start: int
    keep: np.ndarray | None
    error: BaseException | None = None

    def make_portable(self) -> _Kept:
        import pickle

        if self.error is not None:
            try:
                pickle.loads(pickle.dumps(self.error))
            except Exception:
                from deeplake_core.exceptions import FilterError

                self.error = FilterError(str(self.error))
        return self


class _FilterJob:
    """What filter workers run: the function over a block of rows of ``ds``."""

    def __init__(self, ds: Any, fn: Any) -> None:
        self.ds = ds
        self.fn = fn

    def run(self, task: Any) -> _Kept:
        from deeplake_core.core.query_api import _filter_block

        try:
            return _Kept(task.start, _filter_block(self.ds, self.fn, task.start, task.stop))
        except Exception as exc:
            return _Kept(task.start, None, exc)


def filter_rows(
    ds: Any, fn: Any, num_workers: int, scheduler: str, progressbar: bool
) -> np.ndarray:
    """Positions of the rows of ``ds`` for which ``fn(ds[i])`` is true, evaluated on
    ``num_workers`` workers of ``scheduler`` (blocks handed to whichever is free)."""
    from deeplake_core.transform.evaluate import _progress
    from deeplake_core.transform.job import Task
    from deeplake_core.transform.scheduler import WorkerFailure, get_scheduler

    n = len(ds)
    sched = get_scheduler(scheduler, num_workers)
    _check_source(ds, scheduler, sched)
    size = max(1, min(1024, -(-n // (sched.num_workers * 8))))
    tasks = [Task(k, a, b) for k, (a, b) in enumerate(_blocks(n, size))]
    bar = _progress(progressbar, n, 0)
    parts = []
    try:
        for res in sched.imap(_FilterJob(ds, fn), tasks):  # type: ignore[arg-type]
            if res.error is not None:
                raise res.error
            parts.append(res.keep)
            if bar is not None:
                bar.update(len(res.keep))
    except WorkerFailure as wf:
        from deeplake_core.exceptions import FilterError

        raise FilterError(f"a filter worker failed near sample {wf.start}: {wf.error}") from wf
    finally:
        if bar is not None:
            bar.close()
    keep = np.concatenate(parts) if parts else np.zeros(0, dtype=bool)
    return np.flatnonzero(keep).astype(np.int64)
