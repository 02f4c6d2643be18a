"""The worker side of a transform: run the pipeline over one task's input samples.

A :class:`TransformJob` is sent to every worker once (schedulers serialise it how they
like: nothing here pickles anything). ``job.run(task)`` calls the compute functions on
the task's samples, checks what they wrote, and, for tensors with a sample
compression, encodes the samples right there, so the expensive part of writing (image
and other media encoding) happens in parallel. The coordinator then appends the
results to the output dataset in task order.

Errors in user code never escape ``run``: with ``ignore_errors`` the failing sample is
skipped and recorded, otherwise the task stops and the result carries the error and
the index of the sample that caused it.

When the task names tensor layouts (``Task.layouts``), the worker also writes the
chunks of those tensors itself (:mod:`.chunks`): the result then carries index
fragments instead of those samples.
"""

from __future__ import annotations

import pickle
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deeplake_core.exceptions import TensorMismatchError
from deeplake_core.transform.samples import TransformDataset


@dataclass
class Task:
    """Input samples ``start <= i < stop``. ``items`` holds them when the coordinator
    sends the samples themselves (lists, arrays); otherwise the worker reads them from
    the job's ``source``."""

    task_id: int
    start: int
    stop: int
    items: list[Any] | None = None
    #: Tensors whose chunks the worker writes itself: name -> (dtype, ndim) as known
    #: when the task was made (None: not decided yet).
    layouts: dict[str, tuple[str | None, int | None]] | None = None


@dataclass
class SampleFailure:
    """Why the input sample at ``index`` failed."""

    index: int
    error: BaseException
    traceback: str = ""

    def describe(self) -> str:
        return f"{type(self.error).__name__}: {self.error}"


@dataclass
class TaskResult:
    """What one task produced: per processed input sample, its index and the samples it
    wrote (tensor name -> list); the samples skipped by ``ignore_errors``; and the
    error that stopped the task, if any. Tensors the worker wrote chunks for are in
    ``segments`` (name -> (``DetachedSegment``, per-sample infos or None)) instead of
    ``samples``; ``rows`` and ``out_bytes`` (per tensor) count everything written;
    ``cpu_seconds`` is the CPU time the worker's thread spent on the task."""

    task_id: int
    start: int
    stop: int
    samples: list[tuple[int, dict[str, list[Any]]]] = field(default_factory=list)
    skipped: list[SampleFailure] = field(default_factory=list)
    error: SampleFailure | None = None
    segments: dict[str, tuple[Any, list[dict[str, Any]] | None]] = field(default_factory=dict)
    rows: int = 0
    out_bytes: dict[str, int] = field(default_factory=dict)
    cpu_seconds: float = 0.0

    def make_portable(self) -> TaskResult:
        """Replace errors that cannot be pickled by a ``RuntimeError`` with the same
        text (for schedulers that send results between processes)."""
        for failure in [*self.skipped, *([self.error] if self.error else [])]:
            try:
                pickle.loads(pickle.dumps(failure.error))
            except Exception:
                failure.error = RuntimeError(failure.describe())
        return self


class EncodedOutput:
    """A sample a worker already compressed: its file bytes, decoded shape and dtype.

    Follows the htype layer's *encoded sample* protocol, so the output tensor stores
    ``buffer`` as is when its ``sample_compression`` is ``compression``.
    """

    __slots__ = ("buffer", "compression", "dtype", "shape")

    def __init__(self, buffer: bytes, shape: tuple[int, ...], dtype: str, compression: str):
        self.buffer = buffer
        self.shape = shape
        self.dtype = dtype
        self.compression = compression

    def compressed_bytes(self, compression: str) -> bytes:
        if compression != self.compression:
            raise ValueError(f"this sample is {self.compression!r}-compressed, not {compression!r}")
        return self.buffer

    @property
    def array(self) -> np.ndarray:
        from deeplake_core.codecs.base import ArrayCodec
        from deeplake_core.core.engine.codecs import get_codec

        codec = get_codec(self.compression)
        if isinstance(codec, ArrayCodec):
            return np.asarray(codec.decode(self.buffer)).reshape(self.shape)
        raw = codec.decompress(self.buffer)
        return np.frombuffer(raw, dtype=np.dtype(self.dtype)).reshape(self.shape)

    def __reduce__(self) -> Any:
        return (EncodedOutput, (self.buffer, self.shape, self.dtype, self.compression))

    def __repr__(self) -> str:
        return f"EncodedOutput({self.compression}, shape={self.shape}, {len(self.buffer)} bytes)"


@dataclass
class OutputSchema:
    """What workers need to know about the output dataset."""

    #: Tensor names relative to the output dataset / group.
    tensors: frozenset[str]
    #: Group names relative to the output dataset / group.
    groups: frozenset[str]
    #: Tensor name -> (``TensorConfig`` JSON, info) for tensors workers encode.
    encode: dict[str, tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=dict)
    #: Tensor name -> :class:`~.chunks.DetachSpec` for tensors workers may write.
    detached: dict[str, Any] = field(default_factory=dict)


class TransformJob:
    """Everything a worker needs: the functions, where inputs come from, the output
    schema, the error policy and (for worker-written chunks) the output's storage."""

    def __init__(
        self,
        functions: list[Any],
        source: Any,
        schema: OutputSchema,
        skip_ok: bool = False,
        ignore_errors: bool = False,
        chunk_storage: Any = None,
        tail_limit: float = 0.5,
    ) -> None:
        self.functions = functions
        self.source = source
        self.schema = schema
        self.skip_ok = skip_ok
        self.ignore_errors = ignore_errors
        #: :class:`~.chunks.StorageRef` of the output, or None: workers write no chunks.
        self.chunk_storage = chunk_storage
        #: Share of a chunk from which a worker stores its last partial chunk itself.
        self.tail_limit = tail_limit
        self._configs: dict[str, Any] = {}

    def __getstate__(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["_configs"] = {}
        return d

    # -- running -----------------------------------------------------------------
    def run(self, task: Task) -> TaskResult:
        """Process every input sample of ``task``; never raises for user errors."""
        cpu0 = time.thread_time()
        res = TaskResult(task.task_id, task.start, task.stop)
        for offset, index in enumerate(range(task.start, task.stop)):
            try:
                sample = task.items[offset] if task.items is not None else self.source[index]
                written = self.apply(sample)
            except Exception as exc:
                failure = SampleFailure(index, exc, traceback.format_exc())
                if self.ignore_errors and not isinstance(exc, TensorMismatchError):
                    res.skipped.append(failure)
                    continue
                res.error = failure
                break
            res.samples.append((index, written))
        self._account(res)
        if task.layouts and res.error is None and res.samples:
            from deeplake_core.transform.chunks import write_segments

            write_segments(self, res, task.layouts)
        res.cpu_seconds = time.thread_time() - cpu0
        return res

    @staticmethod
    def _account(res: TaskResult) -> None:
        from deeplake_core.transform.chunks import nbytes

        sizes: dict[str, int] = {}
        for _, written in res.samples:
            res.rows += max((len(v) for v in written.values()), default=0)
            for name, values in written.items():
                sizes[name] = sizes.get(name, 0) + nbytes(values)
        res.out_bytes = sizes

    def apply(self, sample: Any) -> dict[str, list[Any]]:
        """Run the pipeline on one input sample; tensor name -> samples to append."""
        rows: list[Any] = [sample]
        last = len(self.functions) - 1
        out = TransformDataset(self.schema.groups)
        for i, fn in enumerate(self.functions):
            out = TransformDataset(self.schema.groups)
            for row in rows:
                fn(row, out)
            if i < last:
                rows = list(out)  # checks equal lengths
        len(out)  # every written tensor the same length (InvalidTransformDataset)
        written = out.written()
        self._check_tensors(written)
        for name in written.keys() & self.schema.encode.keys():
            written[name] = self._encode(name, written[name])
        return written

    def _check_tensors(self, written: dict[str, list[Any]]) -> None:
        if not written:
            return
        names = set(written)
        tensors = self.schema.tensors
        if not names <= tensors or (not self.skip_ok and names != tensors):
            raise TensorMismatchError(sorted(tensors), sorted(names), self.skip_ok)

    def detach_config(self, name: str, dtype: str | None) -> Any:
        """The ``TensorConfig`` of a tensor workers write, with its dtype once known."""
        key = f"detach:{name}:{dtype}"
        cfg = self._configs.get(key)
        if cfg is None:
            from deeplake_core.htype.config import TensorConfig

            cfg = TensorConfig.model_validate(self.schema.detached[name].config)
            if (
                dtype is not None
                and cfg.dtype is None
                and not (cfg.byte_encoded or cfg.is_sequence or cfg.is_link)
            ):
                cfg = cfg.model_copy(update={"dtype": dtype})
            self._configs[key] = cfg
        return cfg

    def _config(self, name: str) -> Any:
        cfg = self._configs.get(name)
        if cfg is None:
            from deeplake_core.htype.config import TensorConfig

            cfg = self._configs[name] = TensorConfig.model_validate(self.schema.encode[name][0])
        return cfg

    def _encode(self, name: str, values: list[Any]) -> list[Any]:
        """Coerce and compress samples of a sample-compressed tensor. Values whose
        coercion would change the tensor's info (new class names ...) are left for the
        coordinator, which assigns such things centrally."""
        from deeplake_core.htype.coerce import coerce_samples

        cfg = self._config(name)
        info = self.schema.encode[name][1]
        scratch = dict(info)
        batch = coerce_samples(cfg, values, scratch, ndim=None)
        if scratch != info:
            return values
        return [self._encode_one(cfg, x) for x in batch]

    @staticmethod
    def _encode_one(cfg: Any, item: Any) -> Any:
        if not isinstance(item, np.ndarray) or item.size == 0:
            return item  # None, already-encoded samples, empty arrays
        from deeplake_core.codecs.base import ArrayCodec
        from deeplake_core.core.engine.codecs import get_codec

        codec = get_codec(cfg.sample_compression)
        if isinstance(codec, ArrayCodec):
            data = codec.encode(item)
        else:
            data = codec.compress(np.ascontiguousarray(item).tobytes())
        return EncodedOutput(
            bytes(data), tuple(item.shape), str(item.dtype), cfg.sample_compression
        )
