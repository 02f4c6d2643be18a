"""Worker-written chunks: workers store full chunks, the coordinator stitches indexes.

For each output tensor that can take them (:func:`detachable`), a worker packs the
samples one task wrote into chunks of that tensor and stores the full ones itself,
directly in the output dataset's storage (``TensorEngine.write_detached``, see
``core/engine/segments.py``). The task's result then carries a
:class:`~deeplake_core.core.engine.segments.DetachedSegment` for the tensor instead of
the samples: a compact index fragment plus the bytes of the last, partial chunk. The
coordinator attaches the segments in task order; the tails are packed into its open
chunk, so no small chunk is left behind per task.

Each task tells the worker the tensors' dtype and rank as the coordinator knows them
when the task is handed out (``Task.layouts``; ``None`` before the first samples
decide them). A worker writes a tensor's samples only when coercing them leaves the
tensor's info unchanged: new class names are always assigned by the coordinator, in
input order, so labels are identical whichever scheduler ran the tasks. A segment the
tensor cannot take (a worker chose another dtype or rank than the samples before it)
makes the coordinator run that task again itself; any failure while writing falls
back to sending the samples to the coordinator.
"""

from __future__ import annotations

import logging
import os
import pickle
import socket
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from deeplake_core.transform.job import TaskResult, TransformJob

logger = logging.getLogger("deeplake")

#: Chunks a task should produce for its largest tensor (tasks are sized for it).
CHUNKS_PER_TASK = 2


@dataclass(frozen=True)
class DetachSpec:
    """What a worker needs to write chunks of one output tensor."""

    tensor_id: str
    meta: dict[str, Any]
    config: dict[str, Any]
    info: dict[str, Any]
    sample_info: bool  # the tensor has a sample_info companion


def detachable(tensor: Any) -> DetachSpec | None:
    """The spec for workers to write ``tensor``'s chunks, or None when the coordinator
    must write its samples (links, sequences, packed list/polygon samples, shape
    companions)."""
    from deeplake_core.core import columns

    col = tensor._col
    cfg = col.cfg
    companions = col.entry.companions
    if columns.packs_samples(cfg) or "shape" in companions:
        return None
    return DetachSpec(
        tensor_id=col.tensor_id,
        meta=col.engine.meta.model_dump(mode="json"),
        config=cfg.model_dump(mode="json"),
        info=dict(col.entry.info),
        sample_info="sample_info" in companions,
    )


def layout(tensor: Any) -> tuple[str | None, int | None]:
    """``(dtype, ndim)`` of ``tensor`` as far as they are known."""
    meta = tensor._engine.meta
    return meta.dtype, meta.ndim


# --------------------------------------------------------------------- storage


def chunk_storage(storage: Any) -> Any:
    """The provider chunks go to: beneath every cache layer (chunks are immutable and
    new, so no cache can hold a stale copy), keeping a key prefix if there is one."""
    from deeplake_core.storage import get_base_storage
    from deeplake_core.storage.prefixed import PrefixedProvider

    if isinstance(storage, PrefixedProvider):
        return PrefixedProvider(get_base_storage(storage.base), storage.prefix)
    return get_base_storage(storage)


def _is_local(storage: Any) -> bool:
    from deeplake_core.storage.local import LocalProvider
    from deeplake_core.storage.prefixed import PrefixedProvider

    if isinstance(storage, PrefixedProvider):
        storage = storage.base
    return isinstance(storage, LocalProvider)


class StorageRef:
    """The output's chunk storage as workers see it.

    Sent to worker processes by pickling the provider; where that fails (credentials
    only the coordinator's process holds ...) or where a local directory would be
    another machine's (a Ray node elsewhere), :meth:`get` returns None and the worker
    sends its samples to the coordinator instead.
    """

    def __init__(self, storage: Any, host: str | None = None) -> None:
        self.storage = storage
        self.host = host

    @classmethod
    def for_output(cls, storage: Any) -> StorageRef:
        base = chunk_storage(storage)
        return cls(base, socket.gethostname() if _is_local(base) else None)

    def get(self) -> Any:
        if self.storage is None or (self.host and socket.gethostname() != self.host):
            return None
        return self.storage

    def __reduce__(self) -> Any:
        try:
            blob = pickle.dumps(self.storage)
        except Exception:
            return (StorageRef, (None, self.host))
        return (_restore_ref, (blob, self.host))


def make_durable(storage: Any, keys: list[str]) -> None:
    """fsync chunk files workers wrote, before a flush makes an index naming them
    durable (workers do not wait for their own fsyncs). Only local disks need it:
    object stores keep what they acknowledged."""
    from deeplake_core.storage.local import LocalProvider
    from deeplake_core.storage.prefixed import PrefixedProvider

    base, prefix = chunk_storage(storage), ""
    if isinstance(base, PrefixedProvider):
        base, prefix = base.base, base.prefix
    if not keys or not isinstance(base, LocalProvider) or base.durability == "never":
        return
    from deeplake_core.core.engine.io import pool

    paths = [os.path.join(base.root, *(prefix + key).split("/")) for key in keys]
    for fut in [pool().submit(_fsync, p) for p in paths]:
        fut.result()
    for directory in sorted({os.path.dirname(p) for p in paths}, key=len, reverse=True):
        _fsync(directory)


def _fsync(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:  # removed meanwhile: nothing to make durable
        return
    except OSError:
        if os.path.isdir(path):  # platforms that cannot open directories
            return
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not os.path.isdir(path):
            raise
    finally:
        os.close(fd)


def _restore_ref(blob: bytes, host: str | None) -> StorageRef:
    try:
        return StorageRef(pickle.loads(blob), host)
    except Exception as exc:  # e.g. credentials not available in this process
        logger.debug("transform worker %d: output storage unavailable (%s)", os.getpid(), exc)
        return StorageRef(None, host)


# --------------------------------------------------------------------- worker side


def nbytes(values: list[Any]) -> int:
    """Rough stored size of samples (for sizing tasks)."""
    total = 0
    for v in values:
        if isinstance(v, np.ndarray):
            total += v.nbytes
        elif isinstance(v, str | bytes):
            total += len(v)
        else:
            buf = getattr(v, "buffer", None)
            total += len(buf) if isinstance(buf, bytes | bytearray | memoryview) else 8
    return total


#: What ``columns._sample_infos`` reads of a column (its companions), for a tensor
#: with a ``sample_info`` companion.
_INFO_PROBE = SimpleNamespace(entry=SimpleNamespace(companions={"sample_info": "_"}))


def _prepare(spec: DetachSpec, cfg: Any, values: list[Any], ndim: int | None) -> Any:
    """Coerce samples as the dataset would; None when that would change the tensor's
    info (new class names: assigned by the coordinator)."""
    from deeplake_core.core import columns
    from deeplake_core.htype.coerce import coerce_samples

    scratch = dict(spec.info)
    out = coerce_samples(cfg, values, scratch, ndim=None if cfg.byte_encoded else ndim)
    if scratch != spec.info:
        return None
    if isinstance(out, list) and not set(map(type, out)) <= {np.ndarray, type(None)}:
        out = [columns._encoded(x) for x in out]
    return out


def write_segments(job: TransformJob, res: TaskResult, layouts: dict[str, Any]) -> None:
    """Write the chunks of ``res``'s samples for the tensors in ``layouts``; on
    success their samples in ``res`` are replaced by segments (all tensors or none)."""
    from deeplake_core.core import columns
    from deeplake_core.core.engine import TensorEngine, TensorMeta

    storage = job.chunk_storage.get() if job.chunk_storage is not None else None
    if storage is None:
        return
    segments: dict[str, Any] = {}
    try:
        for name, (dtype, ndim) in layouts.items():
            spec = job.schema.detached.get(name)
            values = [v for _, w in res.samples for v in w.get(name, ())]
            if spec is None or not values:
                continue
            cfg = job.detach_config(name, dtype)
            items = _prepare(spec, cfg, values, ndim)
            if items is None:
                continue
            infos = columns._sample_infos(_INFO_PROBE, values) if spec.sample_info else None
            meta = TensorMeta.model_validate(spec.meta)
            meta.dtype, meta.ndim = dtype, ndim
            engine = TensorEngine(storage, spec.tensor_id, meta)
            # the coordinator fsyncs the chunks before its next durable flush
            seg = engine.write_detached(items, job.tail_limit, durable=False)
            segments[name] = (seg, infos)
    except Exception as exc:  # the coordinator writes them (and reports bad samples)
        logger.debug("transform: task at %d sends its samples instead (%s)", res.start, exc)
        return
    for _, written in res.samples:
        for name in segments:
            written.pop(name, None)
    res.segments = segments
