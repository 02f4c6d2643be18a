"""The coordinator of ``eval``: checks, task planning, ordered writes, checkpoints.

Workers (:mod:`.job`) run the compute functions, encode media and, with schedulers
whose ``worker_writes`` is set, store the full chunks of their tasks' outputs
themselves (:mod:`.chunks`). The coordinator applies the results in task order:
it attaches the workers' chunks to the tensors' indexes and appends everything else
(the partial last chunk of each task, samples whose class names are new, tensors
workers cannot write) through the dataset, so the output (sample order, class-label
ids) is the same whichever scheduler ran the tasks, and tails pack into shared
chunks: no small chunk per task is left behind.

Failure handling: if the transform fails, or is interrupted, every sample appended
since the last checkpoint (or since the start, without checkpoints) is removed again
and the dataset is flushed in that state, so it stays usable; re-running the same
``eval`` resumes from the checkpoint (see :mod:`.checkpoint`).
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deeplake_core.exceptions import (
    InvalidInputDataError,
    InvalidOutputDatasetError,
    TransformError,
)
from deeplake_core.transform import checkpoint
from deeplake_core.transform.job import OutputSchema, SampleFailure, Task, TaskResult, TransformJob
from deeplake_core.transform.scheduler import Scheduler, WorkerFailure, get_scheduler

logger = logging.getLogger("deeplake")

#: Largest number of input samples in one task (before output sizes are known).
MAX_TASK_SIZE = 128
#: Largest number of input samples in one task whose workers write chunks.
MAX_WRITING_TASK_SIZE = 4096
#: Tasks per worker aimed for, so that fast workers take over from slow ones.
TASKS_PER_WORKER = 8


@dataclass
class TransformReport:
    """What one ``eval`` did (``compute_fn.last_report`` / ``pipeline.last_report``)."""

    #: Input samples processed by this run (not counting a resumed-from checkpoint).
    inputs: int = 0
    #: Rows appended to the output by this run.
    rows_written: int = 0
    #: Input index this run started from (> 0 when it resumed from a checkpoint).
    resumed_from: int = 0
    #: ``(input index, "ErrorType: message")`` of samples skipped by ``ignore_errors``.
    skipped: list[tuple[int, str]] = field(default_factory=list)
    scheduler: str = ""
    num_workers: int = 0
    #: Tasks run by this eval.
    tasks: int = 0
    #: New chunks of the output tensors stored by workers / by the coordinator.
    worker_chunks: int = 0
    coordinator_chunks: int = 0
    #: CPU seconds the workers spent on tasks (their threads; I/O threads not counted).
    worker_cpu: float = 0.0


def _is_dataset(obj: Any) -> bool:
    from deeplake_core.core.dataset import Dataset

    return isinstance(obj, Dataset)


def _is_memory(ds: Any) -> bool:
    return str(getattr(ds, "path", "")).startswith("mem://")


def _check_input(data_in: Any) -> None:
    for op in ("__len__", "__getitem__"):
        if not hasattr(data_in, op):
            raise InvalidInputDataError(op)


class _Output:
    """The tensors the coordinator writes: output name -> tensor key in ``ds``."""

    def __init__(self, ds: Any, targets: dict[str, str]) -> None:
        self.ds = ds
        self.targets = targets

    def tensor(self, name: str) -> Any:
        return self.ds[self.targets[name]]

    def lengths(self) -> dict[str, int]:
        return {name: len(self.tensor(name)) for name in self.targets}

    def truncate(self, lengths: dict[str, int]) -> None:
        for name, n in lengths.items():
            t = self.tensor(name)
            cur = len(t)
            if cur > n:
                t.pop(list(range(n, cur)))

    def infos(self) -> dict[str, dict[str, Any]]:
        """Copies of the tensors' info (class names grow while samples are added)."""
        return {name: dict(self.tensor(name)._entry.info) for name in self.targets}

    def restore_infos(self, infos: dict[str, dict[str, Any]]) -> None:
        for name, info in infos.items():
            entry = self.tensor(name)._entry
            if entry.info != info:
                entry.info.clear()
                entry.info.update(info)
                self.ds._state.mark_meta()

    def append(self, outputs: dict[str, list[Any]]) -> None:
        for name, values in outputs.items():
            if values:
                self.tensor(name).extend(values)

    def attach(self, name: str, segment: Any, infos: list[dict[str, Any]] | None) -> None:
        """Adopt chunks a worker wrote (and pack their tail) into tensor ``name``."""
        from deeplake_core.core import columns

        t = self.tensor(name)
        with t._state.write():
            columns.attach(t._col, segment, infos)

    def chunk_keys(self) -> set[str]:
        return {k for name in self.targets for k in self.tensor(name)._engine.chunk_keys()}


class _Coordinator:
    def __init__(
        self,
        functions: list[Any],
        data_in: Any,
        out: _Output,
        sched: Scheduler,
        *,
        progressbar: bool,
        skip_ok: bool,
        ignore_errors: bool,
        checkpoint_interval: int,
        verbose: bool,
    ) -> None:
        self.functions = functions
        self.data_in = data_in
        self.out = out
        self.sched = sched
        self.progressbar = progressbar
        self.skip_ok = skip_ok
        self.ignore_errors = ignore_errors
        self.interval = checkpoint_interval
        self.verbose = verbose
        self.report = TransformReport(scheduler=type(sched).__name__, num_workers=sched.num_workers)
        self.job: TransformJob | None = None
        self.ship_items = False
        #: output bytes per tensor and inputs seen, to size tasks for whole chunks
        self._bytes: dict[str, int] = {}
        self._inputs_seen = 0
        self._worker_chunk_keys: set[str] = set()
        self._unsynced: list[str] = []  # worker chunks not yet known to be durable

    # -- planning ----------------------------------------------------------------
    def _schema(self) -> OutputSchema:
        from deeplake_core.transform.chunks import detachable

        ds = self.out.ds
        groups = frozenset(ds._rel(g) for g in ds._state.manifest.groups if _under(ds, g))
        encode = {}
        detached = {}
        for name, key in self.out.targets.items():
            t = ds[key]
            cfg = t._cfg
            if (
                cfg.sample_compression
                and not cfg.is_link
                and not cfg.is_sequence
                and not cfg.byte_encoded
            ):
                encode[name] = (cfg.model_dump(mode="json"), dict(t._entry.info))
            if self.sched.worker_writes:
                spec = detachable(t)
                if spec is not None:
                    detached[name] = spec
        return OutputSchema(frozenset(self.out.targets), groups, encode, detached)

    def _layouts(self) -> dict[str, tuple[str | None, int | None]] | None:
        """Tensors the next task's worker writes chunks for, with their dtype and rank
        as known now."""
        from deeplake_core.transform.chunks import layout

        if self.job is None or self.job.chunk_storage is None:
            return None
        return {name: layout(self.out.tensor(name)) for name in self.job.schema.detached}

    def _task_size(self, i: int, first: int, total: int) -> int:
        """Input samples for the task starting at ``i``: small until output sizes are
        known; then enough for ``CHUNKS_PER_TASK`` chunks of the largest output when
        workers write chunks, shrinking near the end so that workers finish together."""
        from deeplake_core.transform.chunks import CHUNKS_PER_TASK

        workers = max(1, self.sched.num_workers)
        base = max(1, min(MAX_TASK_SIZE, math.ceil((total - first) / (workers * TASKS_PER_WORKER))))
        per_input = self._chunks_per_input()
        if not per_input:
            return base
        target = math.ceil(CHUNKS_PER_TASK / per_input)
        upper = math.ceil((total - i) / (2 * workers))
        return max(base, min(target, upper, MAX_WRITING_TASK_SIZE))

    def _chunks_per_input(self) -> float:
        """Chunks of the largest worker-written output per input sample (0: unknown)."""
        if self.job is None or self.job.chunk_storage is None or not self._inputs_seen:
            return 0.0
        best = 0.0
        for name, spec in self.job.schema.detached.items():
            cap = int(spec.meta.get("max_chunk_size") or 1)
            best = max(best, self._bytes.get(name, 0) / cap)
        return best / self._inputs_seen

    def _tasks(self, first: int, total: int) -> Iterator[Task]:
        """Tasks covering ``[first, total)``, made one at a time as workers free up (so
        each is sized and given layouts with what is known by then); none crosses a
        checkpoint boundary."""
        i, k = first, 0
        while i < total:
            j = min(total, i + self._task_size(i, first, total))
            if self.interval > 0:
                j = min(j, (i // self.interval + 1) * self.interval)
            items = list(self.data_in[i:j]) if self.ship_items else None
            yield Task(k, i, j, items, self._layouts())
            i, k = j, k + 1

    # -- running -----------------------------------------------------------------
    def run(self) -> TransformReport:
        data_in, out = self.data_in, self.out
        total = len(data_in)
        lengths = out.lengths()
        fp = checkpoint.fingerprint(self.functions, total, out.ds.group_index, list(out.targets))
        start = 0
        record = checkpoint.read(out.ds)
        if checkpoint.usable(record, fp, lengths):
            start = int(record["done"])  # type: ignore[index]
            self.report.resumed_from = start
            if self.verbose:
                logger.info("transform: resuming from input sample %d of %d", start, total)
        safe = (dict(lengths), out.infos())  # state to fall back to on failure
        self.ship_items = isinstance(data_in, list | tuple | np.ndarray | range)
        source = None if self.ship_items else data_in
        st = out.ds._state
        schema = self._schema()
        storage = None
        if schema.detached and not st.read_only:
            from deeplake_core.transform.chunks import StorageRef

            st.check_writable()  # a committed version moves to a branch first
            storage = StorageRef.for_output(st.storage)
        job = TransformJob(
            self.functions, source, schema, self.skip_ok, self.ignore_errors, storage
        )
        self.job = job
        chunks_before = out.chunk_keys()
        bar = _progress(self.progressbar, total, start)
        st.with_depth += 1  # no flushes except the ones made here
        failing = False
        results = self.sched.imap(job, self._tasks(start, total))
        try:
            for res in results:
                self._apply(res)
                self.report.inputs += res.stop - res.start
                self.report.tasks += 1
                self.report.worker_cpu += res.cpu_seconds
                if bar is not None:
                    bar.update(res.stop - res.start)
                if self.interval > 0 and res.stop % self.interval == 0 and res.stop < total:
                    safe = (out.lengths(), out.infos())
                    rec = {"fingerprint": fp, "done": res.stop, "total": total, "lengths": safe[0]}
                    self._sync_worker_chunks()
                    checkpoint.save(out.ds, rec)
            checkpoint.clear(out.ds)
        except _Failed as failed:
            failing = True
            self._restore(safe)
            raise failed.error from failed.error.__cause__
        except WorkerFailure as wf:
            failing = True
            self._restore(safe)
            raise TransformError(index=wf.start, samples_processed=self.report.inputs) from wf.error
        except TransformError:
            failing = True
            self._restore(safe)
            raise
        except Exception as exc:
            failing = True
            self._restore(safe)
            raise TransformError(samples_processed=self.report.inputs) from exc
        except BaseException:  # KeyboardInterrupt: clean up, keep the interrupt
            failing = True
            self._restore(safe)
            raise
        finally:
            results.close()  # stops the workers now, also on failure
            st.with_depth -= 1
            if bar is not None:
                bar.close()
            self._flush(failing)
        new = out.chunk_keys() - chunks_before
        self.report.worker_chunks = len(new & self._worker_chunk_keys)
        self.report.coordinator_chunks = len(new - self._worker_chunk_keys)
        self._log_summary()
        return self.report

    def _undo(self, state: tuple[dict[str, int], dict[str, dict[str, Any]]]) -> None:
        """Go back to ``state``: tensor lengths and info (class names ...)."""
        self.out.truncate(state[0])
        self.out.restore_infos(state[1])

    def _restore(self, safe: tuple[dict[str, int], dict[str, dict[str, Any]]]) -> None:
        """Remove what was appended since the last checkpoint (or the start)."""
        try:
            self._undo(safe)
        except Exception:  # keep the original error; the manifest on disk is still good
            logger.exception("transform: could not remove the samples of the failed run")

    def _sync_worker_chunks(self) -> None:
        from deeplake_core.transform.chunks import make_durable

        keys, self._unsynced = self._unsynced, []
        make_durable(self.out.ds._state.storage, keys)

    def _flush(self, failing: bool) -> None:
        try:
            self._sync_worker_chunks()
            self.out.ds.flush()
        except Exception:
            if not failing:
                raise
            logger.exception("transform: flushing the output after the failure failed")

    def _apply(self, res: TaskResult) -> None:
        """Apply one task's result in order: attach the chunks its worker wrote, append
        its other samples; sample by sample only when that fails, to find (and skip,
        with ``ignore_errors``) the failing sample."""
        for failure in res.skipped:
            self._skip(failure)
        merged: dict[str, list[Any]] = {}
        for _, written in res.samples:
            for name, values in written.items():
                merged.setdefault(name, []).extend(values)
        before = (self.out.lengths(), self.out.infos())
        try:
            for name, (segment, infos) in res.segments.items():
                self.out.attach(name, segment, infos)
                self._record_chunks(name, segment)
            self.out.append(merged)
        except Exception as exc:
            self._undo(before)
            if _is_io_error(exc):
                first = res.samples[0][0] if res.samples else res.start
                raise _Failed(self._error(SampleFailure(first, exc))) from exc
            if res.segments:  # find the culprit with the samples themselves
                self._apply(self._rerun(res))
                return
            self._apply_each(res)
        else:
            self.report.rows_written += res.rows
            self._learn(res)
        if res.error is not None:
            raise _Failed(self._error(res.error))

    def _learn(self, res: TaskResult) -> None:
        """Record output sizes (to size the next tasks)."""
        self._inputs_seen += res.stop - res.start
        for name, n in res.out_bytes.items():
            self._bytes[name] = self._bytes.get(name, 0) + n

    def _record_chunks(self, name: str, segment: Any) -> None:
        """Remember chunks a worker stored (counted; fsynced before the next flush)."""
        prefix = self.out.tensor(name)._engine._chunk_prefix
        keys = [f"{prefix}{c:016x}" for c in segment.chunk_ids]
        self._worker_chunk_keys.update(keys)
        self._unsynced.extend(keys)

    def _rerun(self, res: TaskResult) -> TaskResult:
        """Run ``res``'s task again here, keeping its samples (no worker chunks)."""
        assert self.job is not None
        items = list(self.data_in[res.start : res.stop]) if self.ship_items else None
        return self.job.run(Task(res.task_id, res.start, res.stop, items))

    def _apply_each(self, res: TaskResult) -> None:
        for index, written in res.samples:
            before = (self.out.lengths(), self.out.infos())
            try:
                self.out.append(written)
            except Exception as exc:
                self._undo(before)
                failure = SampleFailure(index, exc)
                if not self.ignore_errors or _is_io_error(exc):
                    raise _Failed(self._error(failure)) from exc
                self._skip(failure)
            else:
                self.report.rows_written += max((len(v) for v in written.values()), default=0)

    def _skip(self, failure: SampleFailure) -> None:
        self.report.skipped.append((failure.index, failure.describe()))

    def _error(self, failure: SampleFailure) -> BaseException:
        """The error to raise for ``failure``: documented transform errors as they are,
        anything else wrapped in :class:`TransformError` carrying the sample index."""
        exc = failure.error
        if exc.__traceback__ is None and failure.traceback:
            exc.add_note("Traceback in the worker:\n" + failure.traceback.rstrip())
        processed = failure.index - (self.report.resumed_from or 0)
        if isinstance(exc, TransformError):  # TensorMismatchError, InvalidTransformDataset
            exc.index = failure.index
            return exc
        sample = None
        with contextlib.suppress(Exception):
            sample = self.data_in[failure.index]
        err = TransformError(
            index=failure.index,
            sample=sample,
            samples_processed=processed,
            suggest=not self.ignore_errors,
        )
        err.__cause__ = exc
        return err

    def _log_summary(self) -> None:
        r = self.report
        if r.skipped:
            shown = ", ".join(str(i) for i, _ in r.skipped[:20])
            more = ", ..." if len(r.skipped) > 20 else ""
            logger.warning(
                "transform: skipped %d input sample(s) that failed (ignore_errors=True): "
                "indices %s%s; first error: %s",
                len(r.skipped),
                shown,
                more,
                r.skipped[0][1],
            )
        if self.verbose:
            logger.info(
                "transform: %d input samples -> %d rows (%s, %d workers)",
                r.inputs,
                r.rows_written,
                r.scheduler,
                r.num_workers,
            )


class _Failed(Exception):
    """Carries the error to raise out of the coordinator loop."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


def _is_io_error(exc: BaseException) -> bool:
    """Storage failures are never a sample's fault: ``ignore_errors`` does not skip
    them (the run stops and can be resumed from its last checkpoint)."""
    from deeplake_core.exceptions import LockedException, ReadOnlyModeError, S3Error

    return isinstance(exc, OSError | S3Error | LockedException | ReadOnlyModeError)


def _under(ds: Any, key: str) -> bool:
    g = ds.group_index
    return not g or key.startswith(g + "/")


def _progress(enabled: bool, total: int, initial: int) -> Any:
    if not enabled or total == 0:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, initial=initial, desc="transform", unit="sample", leave=False)


# --------------------------------------------------------------------------- entry


def run_eval(
    functions: list[Any],
    data_in: Any,
    ds_out: Any = None,
    *,
    num_workers: int = 0,
    scheduler: str = "threaded",
    progressbar: bool = True,
    skip_ok: bool = False,
    check_lengths: bool = True,
    pad_data_in: bool = False,
    read_only_ok: bool = False,
    cache_size: int = 16,
    checkpoint_interval: int = 0,
    ignore_errors: bool = False,
    verbose: bool = True,
    **kwargs: Any,
) -> TransformReport:
    """Evaluate ``functions`` (a pipeline) on ``data_in``; see ``ComputeFunction.eval``."""
    _check_input(data_in)
    if kwargs:
        logger.debug("transform: ignoring unsupported eval arguments %s", sorted(kwargs))
    if not isinstance(num_workers, int | np.integer) or num_workers < 0:
        raise ValueError(f"num_workers must be an integer >= 0, got {num_workers!r}")
    num_workers = int(num_workers)
    checkpoint_interval = int(checkpoint_interval or 0)
    if checkpoint_interval > 0:
        if ds_out is None:
            raise ValueError(
                "checkpoint_interval needs an output dataset: pass ds_out (in-place "
                "transforms cannot be checkpointed)"
            )
        if num_workers > 0 and checkpoint_interval % num_workers:
            raise ValueError(
                f"checkpoint_interval ({checkpoint_interval}) must be a multiple of "
                f"num_workers ({num_workers})"
            )
    in_is_ds = _is_dataset(data_in)
    if pad_data_in and in_is_ds:
        data_in = data_in.max_view
    sched = get_scheduler(scheduler, num_workers)
    if in_is_ds and _is_memory(data_in) and not sched.shares_memory:
        raise InvalidInputDataError(
            f"__getitem__ from worker processes (the input dataset is in memory; use "
            f"scheduler='threaded' or store it on disk, not {scheduler!r})"
        )
    options = {
        "progressbar": progressbar,
        "skip_ok": skip_ok,
        "ignore_errors": ignore_errors,
        "checkpoint_interval": checkpoint_interval,
        "verbose": verbose,
    }
    if ds_out is None:
        if not in_is_ds:
            raise InvalidOutputDatasetError(
                "ds_out is required when data_in is not a dataset; pass the dataset to "
                "write the outputs to"
            )
        return _run_in_place(functions, data_in, sched, read_only_ok, check_lengths, options)
    _check_output(ds_out, sched, scheduler, read_only_ok and ds_out is data_in)
    targets = {ds_out._rel(k): ds_out._rel(k) for k in ds_out._tensor_keys()}
    out = _Output(ds_out, targets)
    if check_lengths:
        _check_lengths(out)
    return _Coordinator(functions, data_in, out, sched, **options).run()


def _check_output(ds_out: Any, sched: Scheduler, name: str, read_only_ok: bool) -> None:
    if not _is_dataset(ds_out):
        raise InvalidOutputDatasetError(
            f"ds_out must be a dataset or a group of one, got {type(ds_out).__name__}"
        )
    if ds_out.read_only and not read_only_ok:
        raise InvalidOutputDatasetError()
    if ds_out._index.base is not None:
        raise InvalidOutputDatasetError(
            "ds_out is a view; transforms append to a whole dataset or group"
        )
    if _is_memory(ds_out) and not sched.shares_memory:
        raise InvalidOutputDatasetError(
            f"the output dataset is in memory, which scheduler {name!r} cannot write to "
            "from its workers; use scheduler='threaded' or store the dataset on disk"
        )


def _check_lengths(out: _Output) -> None:
    lengths = out.lengths()
    if len(set(lengths.values())) > 1:
        raise InvalidOutputDatasetError(
            f"the output tensors must all be empty or all of one length, got {lengths}; "
            "pass check_lengths=False to append anyway"
        )


def _run_in_place(
    functions: list[Any],
    ds: Any,
    sched: Scheduler,
    read_only_ok: bool,
    check_lengths: bool,
    options: dict[str, Any],
) -> TransformReport:
    """Rewrite ``ds``'s tensors with the transform's output.

    The outputs go to fresh tensors created next to the originals; once the transform
    has succeeded, each written original is replaced by its new tensor (tensors the
    transform did not write, with ``skip_ok``, are kept). On failure the new tensors
    are deleted and the dataset is as before.
    """
    if ds.is_view and ds._index.base is not None:
        raise InvalidOutputDatasetError(
            "an in-place transform rewrites whole tensors; pass a dataset, not a view, or "
            "give ds_out"
        )
    if ds.read_only and not read_only_ok:
        raise InvalidOutputDatasetError()
    root = ds.no_view_dataset if hasattr(ds, "no_view_dataset") else ds
    names = [ds._rel(k) for k in ds._tensor_keys()]
    out = _Output(root, dict(zip(names, names, strict=True)))
    if check_lengths:
        _check_lengths(out)
    source = root[names] if names else root
    suffix = checkpoint.fingerprint(functions, len(ds), root.group_index, names)[:8]
    targets = {}
    try:
        for name in names:
            head, _, last = name.rpartition("/")
            tmp = f"{head}/_transform_{suffix}_{last}" if head else f"_transform_{suffix}_{last}"
            if tmp in root:
                root.delete_tensor(tmp, large_ok=True)  # left over by a crashed run
            root.create_tensor_like(tmp, root[name])
            targets[name] = tmp
        report = _Coordinator(functions, source, _Output(root, targets), sched, **options).run()
    except BaseException:
        for tmp in targets.values():
            if tmp in root:
                root.delete_tensor(tmp, large_ok=True)
        raise
    with root:
        for name, tmp in targets.items():
            if len(root[tmp]) == 0 and options["skip_ok"]:
                root.delete_tensor(tmp, large_ok=True)
                continue
            root.delete_tensor(name, large_ok=True)
            root.rename_tensor(tmp, name)
    return report
