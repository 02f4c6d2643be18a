"""Fetching: yield a plan's samples in order, with I/O and decoding on threads.

Two stages run ahead of the consumer:

1. **fetch**: a thread reads one group (all samples of one chunk) of every tensor with
   one engine call each; compressed samples (JPEG, PNG ...) stay compressed. Groups are
   fetched in the order they are first needed, as long as the samples held (fetched
   but not yet yielded) stay under ``held_limit``.
2. **decode**: the yield order is cut into small pieces; each piece is decoded by a
   thread (image decoders release the GIL), in yield order. So the first batch is
   decoded first even when a shuffled batch draws from many chunks.

Every chunk is fetched once per group and every sample decoded once. A stage that
fails raises in the consumer (or, with ``ignore_errors``, the sample is skipped and
logged).
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

import numpy as np

from deeplake_core.loaders.plan import EpochPlan
from deeplake_core.loaders.source import LoaderSource

logger = logging.getLogger("deeplake")

#: Marks a sample skipped because it could not be read (``ignore_errors=True``).
SKIPPED = object()
#: Samples per decode task.
PIECE = 8


def default_threads() -> int:
    return max(2, min(8, os.cpu_count() or 2))


class ErrorLog:
    """Samples skipped under ``ignore_errors`` (row and reason)."""

    def __init__(self) -> None:
        self.errors: list[tuple[int, str]] = []

    def add(self, row: int, exc: BaseException) -> None:
        self.errors.append((row, f"{type(exc).__name__}: {exc}"))


class _Pipeline:
    """State of one epoch's fetch and decode stages."""

    def __init__(
        self,
        source: LoaderSource,
        groups: list[np.ndarray],
        n: int,
        threads: int,
        held_limit: int,
        ignore_errors: bool,
        errors: ErrorLog | None,
    ):
        self.source = source
        self.groups = groups
        self.threads = threads
        self.held_limit = held_limit
        self.ignore_errors = ignore_errors
        self.errors = errors
        self.gid = np.empty(n, np.int64)
        for k, g in enumerate(groups):
            self.gid[g] = k
        self.left = [len(g) for g in groups]  # samples of each group not yet yielded
        self.fetched: list[Future | None] = [None] * len(groups)
        self.next_group = 0
        self.held = 0
        self._start_pools()

    def _start_pools(self) -> None:
        self.pid = os.getpid()
        self.fetch_pool, self.decode_pool = self.source.pools(self.threads)

    def after_fork(self, pieces: deque) -> deque:
        """In a forked child: threads did not survive, so start again from the raw
        groups still needed (completed futures are dropped, not trusted)."""
        self._start_pools()
        for k, fut in enumerate(self.fetched):
            if fut is not None:
                self.fetched[k] = self.fetch_pool.submit(self._fetch, k)
        return deque((sl, self.decode_pool.submit(self._decode, sl)) for sl, _ in pieces)

    # -- stage 1 ------------------------------------------------------------------
    def _fetch(self, k: int) -> dict[int, Any]:
        g = self.groups[k]
        try:
            raw = self.source.fetch_group(g)
        except Exception as exc:
            if not self.ignore_errors:
                raise
            logger.debug("loader: a group of %d failed (%s); retrying one by one", len(g), exc)
            raw = [self._fetch_one(int(p)) for p in g.tolist()]
        return dict(zip(g.tolist(), raw, strict=True))

    def _fetch_one(self, p: int) -> Any:
        try:
            return self.source.fetch_group(np.array([p], np.int64))[0]
        except Exception as exc:
            if self.errors is not None:
                self.errors.add(int(self.source.rows[p]), exc)
            return SKIPPED

    def submit_fetch(self, upto: int) -> None:
        """Submit groups up to ``upto`` (inclusive), then more while memory allows."""
        while self.next_group < len(self.groups) and (
            self.next_group <= upto
            or (
                self.next_group <= upto + 2 * self.threads
                and self.held + len(self.groups[self.next_group]) <= self.held_limit
            )
        ):
            k = self.next_group
            self.fetched[k] = self.fetch_pool.submit(self._fetch, k)
            self.held += len(self.groups[k])
            self.next_group += 1

    # -- stage 2 ------------------------------------------------------------------
    def _decode(self, positions: list[int]) -> list[Any]:
        out = []
        for p in positions:
            fut = self.fetched[int(self.gid[p])]
            raw = fut.result()[p]  # type: ignore[union-attr]
            if raw is SKIPPED:
                out.append(SKIPPED)
                continue
            try:
                out.append(self.source.finish_sample(raw))
            except Exception as exc:
                if not self.ignore_errors:
                    raise
                if self.errors is not None:
                    self.errors.add(int(raw["index"]), exc)
                out.append(SKIPPED)
        return out

    def submit_decode(self, positions: list[int]) -> Future:
        self.submit_fetch(int(self.gid[positions].max()))
        return self.decode_pool.submit(self._decode, positions)

    def consumed(self, positions: list[int]) -> None:
        """Free each group once all its samples were yielded."""
        for p in positions:
            k = int(self.gid[p])
            self.left[k] -= 1
            if self.left[k] == 0:
                self.fetched[k] = None
        self.held -= len(positions)

    def shutdown(self) -> None:
        """Cancel this epoch's queued work (the pools stay for the next epoch)."""
        for fut in self.fetched:
            if fut is not None:
                fut.cancel()


def iter_samples(
    source: LoaderSource,
    plan: EpochPlan,
    start: int = 0,
    threads: int | None = None,
    held_limit: int = 4096,
    ignore_errors: bool = False,
    errors: ErrorLog | None = None,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(positions consumed, sample)`` for ``plan.order[start:]``, in order; samples
    that could not be read under ``ignore_errors`` are left out."""
    remaining = plan.order[start:]
    m = len(remaining)
    if m == 0:
        return
    n = len(source)
    groups = list(plan.groups)
    if start:  # resuming: only what is left, in first-need order
        need = np.full(n, -1, np.int64)
        need[remaining] = np.arange(m, dtype=np.int64)
        groups = [g[need[g] >= 0] for g in groups]
        groups = [g for g in groups if len(g)]
        groups.sort(key=lambda g: int(need[g].min()))
    threads = threads or default_threads()
    pipe = _Pipeline(source, groups, n, threads, held_limit, ignore_errors, errors)
    pieces: deque = deque()
    ahead = 4 * threads
    order = remaining.tolist()
    cut = 0
    done = start
    try:
        while cut < m or pieces:
            if os.getpid() != pipe.pid:
                pieces = pipe.after_fork(pieces)
            while cut < m and len(pieces) < ahead:
                sl = order[cut : cut + PIECE]
                pieces.append((sl, pipe.submit_decode(sl)))
                cut += len(sl)
            sl, fut = pieces.popleft()
            samples = fut.result()
            pipe.consumed(sl)
            for s in samples:
                done += 1
                if s is not SKIPPED:
                    yield done, s
    finally:
        for _, fut in pieces:
            fut.cancel()
        pipe.shutdown()
