"""The framework-independent loader: plan, fetch, transform, collate, resume.

:class:`Loader` is what ``ds.pytorch()``, ``ds.tensorflow()``, ``ds.batches()`` and
``DeepLakeDataLoader`` run. One iteration is one epoch:

1. :func:`~deeplake_core.loaders.plan.plan_epoch` orders this rank's positions
   (shuffled or not) and groups them by chunk;
2. :func:`~deeplake_core.loaders.fetch.iter_samples` reads the groups on threads;
3. batches go through the user transform and collate, in worker processes when
   ``num_workers > 0`` and there is user code to run, else in this process.

``state_dict()`` records the seed, epoch and the number of this rank's samples already
yielded; ``load_state_dict()`` makes the next iteration yield exactly the rest.
"""

from __future__ import annotations

import logging
import math
import os
import warnings
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deeplake_core.loaders.collate import collate_for
from deeplake_core.loaders.fetch import ErrorLog, default_threads, iter_samples
from deeplake_core.loaders.plan import EpochPlan, plan_epoch
from deeplake_core.loaders.source import LoaderSource

logger = logging.getLogger("deeplake")

MB = 1 << 20
STATE_VERSION = 1


@dataclass
class LoaderConfig:
    """Everything that decides what a loader yields."""

    tensors: list[str] | None = None
    batch_size: int | None = 1
    drop_last: bool = False
    shuffle: bool = False
    buffer_size: int = 2048  # MB
    offset: int = 0
    transform: Any = None
    transform_kwargs: dict[str, Any] = field(default_factory=dict)
    collate_fn: Callable | None = None
    mode: str = "numpy"  # numpy | pytorch | tensorflow
    num_workers: int = 0
    num_threads: int | None = None
    prefetch_factor: int = 2
    persistent_workers: bool = False
    multiprocessing_context: Any = None
    return_index: bool = True
    as_tuple: bool = False
    decode_method: dict[str, str] | None = None
    tobytes: Any = False
    distributed: bool = False
    rank: int | None = None
    world_size: int | None = None
    pad_tensors: bool = False
    use_local_cache: bool = False
    cache_size: int = 32_000_000  # bytes
    require_nonempty: bool = False
    ignore_errors: bool = False
    verbose: bool = False
    pin_memory: bool = False

    def validate(self) -> None:
        if self.batch_size is not None and (
            not isinstance(self.batch_size, int) or self.batch_size < 1
        ):
            raise ValueError(f"batch_size must be a positive int, got {self.batch_size!r}")
        if not isinstance(self.num_workers, int) or self.num_workers < 0:
            raise ValueError(f"num_workers must be an int >= 0, got {self.num_workers!r}")
        if self.num_threads is not None and (
            not isinstance(self.num_threads, int) or self.num_threads < 1
        ):
            raise ValueError(
                f"num_threads must be a positive int or None, got {self.num_threads!r}"
            )
        if not isinstance(self.prefetch_factor, int) or self.prefetch_factor < 1:
            raise ValueError(
                f"prefetch_factor must be a positive int, got {self.prefetch_factor!r}"
            )
        if not isinstance(self.buffer_size, int | float) or self.buffer_size <= 0:
            raise ValueError(f"buffer_size (MB) must be positive, got {self.buffer_size!r}")
        if not isinstance(self.offset, int) or self.offset < 0:
            raise ValueError(f"offset must be an int >= 0, got {self.offset!r}")
        t = self.transform
        if t is not None and not callable(t) and not isinstance(t, dict):
            raise TypeError("transform must be a callable or a dict of tensor name -> callable")
        if isinstance(t, dict):
            for k, fn in t.items():
                if fn is not None and not callable(fn):
                    raise TypeError(f"transform for tensor {k!r} is not callable")
        if self.collate_fn is not None and not callable(self.collate_fn):
            raise TypeError("collate_fn must be callable")


class BatchProcessor:
    """Transform each sample, then collate: the code that may run in a worker."""

    def __init__(self, cfg: LoaderConfig, names: list[str]):
        self.transform = cfg.transform
        self.kwargs = dict(cfg.transform_kwargs or {})
        self.collate = cfg.collate_fn
        self.mode = cfg.mode
        self.names = names
        self.return_index = cfg.return_index
        self.as_tuple = cfg.as_tuple
        self.batched = cfg.batch_size is not None

    def sample(self, s: dict[str, Any]) -> Any:
        if not self.return_index:
            s.pop("index", None)
        t = self.transform
        if isinstance(t, dict):
            for k, fn in t.items():
                if fn is not None and k in s:
                    s[k] = fn(s[k])
        elif t is not None:
            s = t(s, **self.kwargs)
        if self.as_tuple and isinstance(s, dict):
            s = tuple(s[n] for n in self.names)
        return s

    def __call__(self, samples: list[dict[str, Any]]) -> Any:
        out = [self.sample(s) for s in samples]
        if not self.batched:
            return self._convert(out[0]) if self.collate is None else self.collate(out[0])
        collate = self.collate or collate_for(self.mode)
        return collate(out)

    def _convert(self, sample: Any) -> Any:
        if self.mode == "pytorch":
            from deeplake_core.loaders.collate import to_torch

            return to_torch(sample)
        return sample


def _dist_info(cfg: LoaderConfig) -> tuple[int, int]:
    """(rank, world size): explicit arguments, else torch.distributed, else env vars."""
    if not cfg.distributed:
        return 0, 1
    if cfg.rank is not None or cfg.world_size is not None:
        rank, world = int(cfg.rank or 0), int(cfg.world_size or 1)
    else:
        rank = world = None
        try:
            import torch.distributed as dist

            if dist.is_available() and dist.is_initialized():
                rank, world = dist.get_rank(), dist.get_world_size()
        except ImportError:
            pass
        if rank is None:
            rank = int(os.environ.get("RANK", 0))
            world = int(os.environ.get("WORLD_SIZE", 1))
    if world < 1 or not 0 <= rank < world:
        raise ValueError(f"invalid distributed setup: rank {rank} of world size {world}")
    return rank, world


def _shared_seed(seed: int, world: int, path: str) -> int:
    """One seed for every rank: rank 0's, broadcast over torch.distributed when it is
    initialised; otherwise derived from the library seed or the dataset path."""
    if world <= 1:
        return seed
    try:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            box = [seed]
            dist.broadcast_object_list(box, src=0)
            return int(box[0])
    except ImportError:
        pass
    from deeplake_core.core.seed import DeeplakeRandom

    s = DeeplakeRandom().get_seed()
    return int(s) if s is not None else zlib.crc32(path.encode())


class Loader:
    """Iterate a dataset view in batches (one iteration = one epoch)."""

    def __init__(self, dataset: Any, cfg: LoaderConfig):
        from deeplake_core.core.seed import DeeplakeRandom

        cfg.validate()
        self.dataset = dataset
        self.cfg = cfg
        self.source = LoaderSource(
            dataset,
            tensors=cfg.tensors,
            decode_method=cfg.decode_method,
            tobytes=cfg.tobytes,
            require_nonempty=cfg.require_nonempty,
            use_local_cache=cfg.use_local_cache,
            local_cache_bytes=max(int(cfg.cache_size), 1 << 30),
            pad_tensors=cfg.pad_tensors,
        )
        self.rank, self.world = _dist_info(cfg)
        self._seed = DeeplakeRandom().next_seed()
        self._seed_synced = self.world <= 1
        self._epoch = 0
        self._next_epoch = 0
        self._consumed = 0
        self._resume: tuple[int, int] | None = None
        self._plan: tuple[int, EpochPlan] | None = None
        self._chunk_keys: np.ndarray | None = None
        self._pool: Any = None
        self.errors = ErrorLog()

    # ------------------------------------------------------------------ sizes
    @property
    def positions(self) -> np.ndarray:
        return np.arange(min(self.cfg.offset, len(self.source)), len(self.source), dtype=np.int64)

    def num_samples(self) -> int:
        """Samples this rank yields per epoch."""
        n = len(self.positions)
        base, extra = divmod(n, self.world)
        return base + (1 if self.rank < extra else 0)

    def __len__(self) -> int:
        m = self.num_samples()
        bs = self.cfg.batch_size
        if bs is None:
            return m
        return m // bs if self.cfg.drop_last else math.ceil(m / bs)

    def buffer_samples(self) -> int:
        """Shuffle buffer / fetch window in samples (from ``buffer_size`` MB)."""
        per = self.source.sample_nbytes()
        n = int(self.cfg.buffer_size * MB // per)
        return max(n, self.cfg.batch_size or 1, 1)

    # ------------------------------------------------------------------ planning
    def plan(self, epoch: int) -> EpochPlan:
        if self._plan is not None and self._plan[0] == epoch:
            return self._plan[1]
        if self._chunk_keys is None:
            self._chunk_keys = self.source.chunk_keys()
        if not self._seed_synced:
            self._seed = _shared_seed(self._seed, self.world, str(self.source.state.path))
            self._seed_synced = True
        plan = plan_epoch(
            self.positions,
            self._chunk_keys,
            shuffle=self.cfg.shuffle,
            buffer=self.buffer_samples(),
            seed=self._seed,
            epoch=epoch,
            rank=self.rank,
            world=self.world,
        )
        self._plan = (epoch, plan)
        return plan

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """Where this loader is: enough for :meth:`load_state_dict` to resume."""
        return {
            "version": STATE_VERSION,
            "seed": int(self._seed),
            "epoch": int(self._epoch),
            "consumed": int(self._consumed),
            "rank": self.rank,
            "world_size": self.world,
            "shuffle": bool(self.cfg.shuffle),
            "num_samples": self.num_samples(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Make the next iteration continue the saved epoch after its yielded samples."""
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported loader state version {state.get('version')!r}")
        if (state["rank"], state["world_size"]) != (self.rank, self.world):
            raise ValueError(
                f"the state was saved by rank {state['rank']} of {state['world_size']}; this "
                f"loader is rank {self.rank} of {self.world}"
            )
        if state["num_samples"] != self.num_samples() or state["shuffle"] != self.cfg.shuffle:
            raise ValueError(
                "the state belongs to a loader over different data or with another shuffle "
                "setting; resume with the same dataset view and options"
            )
        self._seed = int(state["seed"])
        self._seed_synced = True
        self._epoch = int(state["epoch"])
        self._consumed = int(state["consumed"])
        self._plan = None
        if self._consumed >= self.num_samples():  # a finished epoch: go on with the next
            self._resume = None
            self._next_epoch = self._epoch + 1
        else:
            self._resume = (self._epoch, self._consumed)

    # ------------------------------------------------------------------ iteration
    def _needs_workers(self) -> bool:
        c = self.cfg
        return c.num_workers > 0 and (c.transform is not None or c.collate_fn is not None)

    def _worker_pool(self, proc: BatchProcessor) -> Any:
        from deeplake_core.loaders.workers import WorkerPool

        pool = self._pool
        if pool is not None and not pool.closed and pool.pid == os.getpid():
            return pool
        self._pool = WorkerPool(
            proc,
            self.cfg.num_workers,
            self.cfg.prefetch_factor,
            self.cfg.multiprocessing_context,
            torch_mode=self.cfg.mode == "pytorch",
        )
        return self._pool

    def __iter__(self) -> Iterator[Any]:
        if self._resume is not None:
            epoch, start = self._resume
            self._resume = None
        else:
            epoch, start = self._next_epoch, 0
        self._next_epoch = epoch + 1
        self._epoch, self._consumed = epoch, start
        return self._run(epoch, start)

    def _run(self, epoch: int, start: int) -> Iterator[Any]:
        cfg = self.cfg
        plan = self.plan(epoch)
        if cfg.verbose:
            logger.info(
                "loader: epoch %d, %d samples in %d fetch groups, starting at %d",
                epoch,
                len(plan),
                len(plan.groups),
                start,
            )
        threads = cfg.num_threads or default_threads()
        held = self.buffer_samples() + max(1, int(cfg.cache_size) // self.source.sample_nbytes())
        proc = BatchProcessor(cfg, self.source.names)
        pool = self._worker_pool(proc) if self._needs_workers() else None
        samples = iter_samples(
            self.source, plan, start, threads, held, cfg.ignore_errors, self.errors
        )
        batches = _batched(samples, cfg.batch_size or 1, cfg.drop_last)
        ends: list[int] = []

        def payloads() -> Iterator[list[dict[str, Any]]]:
            for end, samples in batches:
                ends.append(end)
                yield samples

        results = pool.imap(payloads()) if pool is not None else map(proc, payloads())
        try:
            for i, out in enumerate(results):
                if cfg.mode == "tensorflow":
                    from deeplake_core.loaders.collate import to_tensorflow

                    out = to_tensorflow(out)
                elif cfg.pin_memory:
                    out = _pin(out)
                self._consumed = ends[i]
                yield out
            self._consumed = self.num_samples()
        finally:
            if pool is not None and not cfg.persistent_workers:
                pool.close()
                self._pool = None
            close = getattr(results, "close", None)
            if close is not None:
                close()
            if self.errors.errors:
                logger.warning(
                    "loader: skipped %d sample(s) that could not be read (first: row %d, %s)",
                    len(self.errors.errors),
                    *self.errors.errors[0],
                )
                self.errors.errors.clear()

    def close(self) -> None:
        """Stop worker processes and threads (a later iteration starts new ones)."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        self.source.close()


def _batched(
    samples: Iterator[tuple[int, Any]], size: int, drop_last: bool
) -> Iterator[tuple[int, list[Any]]]:
    """Lists of ``size`` samples with the count of order positions consumed so far."""
    batch: list[Any] = []
    end = 0
    for end, s in samples:
        batch.append(s)
        if len(batch) == size:
            yield end, batch
            batch = []
    if batch and not drop_last:
        yield end, batch


_PIN_WARNED = False


def _pin(value: Any) -> Any:
    import torch

    if not torch.cuda.is_available():
        global _PIN_WARNED
        if not _PIN_WARNED:
            warnings.warn(
                "pin_memory=True but no CUDA device is available; ignoring it", stacklevel=3
            )
            _PIN_WARNED = True
        return value
    if isinstance(value, torch.Tensor):
        return value.pin_memory()
    if isinstance(value, dict):
        return {k: _pin(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return type(value)(_pin(v) for v in value)
    return value
