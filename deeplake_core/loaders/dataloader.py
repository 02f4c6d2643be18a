"""``DeepLakeDataLoader``: the chainable loader returned by ``ds.dataloader()``.

Each step returns a new loader and leaves the one it was called on unchanged, so a
half-built chain can be reused. ``batch``, ``shuffle``, ``offset`` and ``transform``
may each be used once per chain, and only one of ``pytorch``/``tensorflow``/``numpy``;
repeating one raises ``ValueError``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from deeplake_core.loaders.core import Loader, LoaderConfig

_OUTPUTS = ("pytorch", "tensorflow", "numpy")


def require(module: str, what: str) -> None:
    """Raise ``ModuleNotInstalledException`` naming the package if ``module`` is missing."""
    import importlib.util

    from deeplake_core.exceptions import ModuleNotInstalledException

    if importlib.util.find_spec(module) is None:
        pkg = {"torch": "torch==2.13.0", "tensorflow": "tensorflow-cpu"}.get(module, module)
        raise ModuleNotInstalledException(
            f"{what} needs {module!r}, which is not installed; install it with "
            f"`pip install {pkg}` (or `pip install deeplake-core[{module}]`)"
        )


class DeepLakeDataLoader:
    """A dataloader over a dataset or view, configured by chained calls."""

    def __init__(self, dataset: Any, ignore_errors: bool = False, verbose: bool = False):
        self._dataset = dataset
        self._cfg = LoaderConfig(ignore_errors=ignore_errors, verbose=verbose)
        self._called: frozenset[str] = frozenset()
        self._loader: Loader | None = None

    # ------------------------------------------------------------------ chaining
    def _step(self, name: str, dataset: Any = None, **changes: Any) -> DeepLakeDataLoader:
        if name in self._called:
            raise ValueError(f".{name}() has already been called on this dataloader")
        if name in _OUTPUTS:
            done = self._called & set(_OUTPUTS)
            if done:
                raise ValueError(
                    f".{name}() cannot follow .{next(iter(done))}(): a dataloader has one "
                    "output format (pytorch, tensorflow or numpy)"
                )
        new = copy.copy(self)
        new._cfg = replace(self._cfg, **changes)
        new._cfg.validate()
        new._called = self._called | {name}
        new._loader = None
        if dataset is not None:
            new._dataset = dataset
        return new

    def batch(self, batch_size: int, drop_last: bool = False) -> DeepLakeDataLoader:
        """Yield batches of ``batch_size`` samples (the last one smaller unless
        ``drop_last``)."""
        return self._step("batch", batch_size=batch_size, drop_last=bool(drop_last))

    def shuffle(self, shuffle: bool = True, buffer_size: int = 2048) -> DeepLakeDataLoader:
        """Shuffle every epoch; ``buffer_size`` (MB) bounds the samples held for mixing
        (larger mixes more)."""
        return self._step("shuffle", shuffle=bool(shuffle), buffer_size=buffer_size)

    def offset(self, off: int = 0) -> DeepLakeDataLoader:
        """Start iterating at sample ``off`` of the dataset or view."""
        return self._step("offset", offset=off)

    def transform(
        self, transform: Callable | dict[str, Callable | None], **kwargs: Any
    ) -> DeepLakeDataLoader:
        """Apply ``transform(sample, **kwargs)`` to each sample, or, for a dict, each
        tensor's function to that tensor (``None`` keeps it as it is)."""
        if isinstance(transform, dict):
            kwargs = {}
        return self._step("transform", transform=transform, transform_kwargs=kwargs)

    def query(self, query_string: str) -> DeepLakeDataLoader:
        """Load only the rows a TQL query selects (in the query's order)."""
        run = getattr(self._dataset, "query", None)
        if run is None:
            raise TypeError(
                f"{type(self._dataset).__name__} has no query(); install or enable the "
                "query engine, or filter the dataset before creating the dataloader"
            )
        return self._step("query", dataset=run(query_string))._unmark("query")

    def sample_by(
        self, weights: Any, replace: bool | None = True, size: int | None = None
    ) -> DeepLakeDataLoader:
        """Load a weighted sample of the rows (see ``Dataset.sample_by``)."""
        run = getattr(self._dataset, "sample_by", None)
        if run is None:
            raise TypeError(
                f"{type(self._dataset).__name__} has no sample_by(); install or enable the "
                "query engine"
            )
        view = run(weights, replace=replace, size=size)
        return self._step("sample_by", dataset=view)._unmark("sample_by")

    def _unmark(self, name: str) -> DeepLakeDataLoader:
        self._called = self._called - {name}
        return self

    def _output(self, mode: str, **kw: Any) -> DeepLakeDataLoader:
        if kw.get("tensors") is not None and isinstance(kw["tensors"], str):
            kw["tensors"] = [kw["tensors"]]
        return self._step(mode, mode=mode, **kw)

    def pytorch(
        self,
        num_workers: int = 0,
        collate_fn: Callable | None = None,
        tensors: list[str] | None = None,
        num_threads: int | None = None,
        prefetch_factor: int = 2,
        distributed: bool = False,
        return_index: bool = True,
        decode_method: dict[str, str] | None = None,
        persistent_workers: bool = False,
    ) -> DeepLakeDataLoader:
        """Yield batches of torch tensors. ``distributed=True`` gives each DDP rank its
        own share (rank and world size from ``torch.distributed``)."""
        require("torch", "pytorch()")
        return self._output(
            "pytorch",
            num_workers=num_workers,
            collate_fn=collate_fn,
            tensors=tensors,
            num_threads=num_threads,
            prefetch_factor=prefetch_factor,
            distributed=bool(distributed),
            return_index=bool(return_index),
            decode_method=decode_method,
            persistent_workers=bool(persistent_workers),
        )

    def tensorflow(
        self,
        num_workers: int = 0,
        collate_fn: Callable | None = None,
        tensors: list[str] | None = None,
        num_threads: int | None = None,
        prefetch_factor: int = 2,
        return_index: bool = True,
        decode_method: dict[str, str] | None = None,
        persistent_workers: bool = False,
    ) -> DeepLakeDataLoader:
        """Yield batches of TensorFlow tensors."""
        require("tensorflow", "tensorflow()")
        return self._output(
            "tensorflow",
            num_workers=num_workers,
            collate_fn=collate_fn,
            tensors=tensors,
            num_threads=num_threads,
            prefetch_factor=prefetch_factor,
            return_index=bool(return_index),
            decode_method=decode_method,
            persistent_workers=bool(persistent_workers),
        )

    def numpy(
        self,
        num_workers: int = 0,
        tensors: list[str] | None = None,
        num_threads: int | None = None,
        prefetch_factor: int = 2,
        decode_method: dict[str, str] | None = None,
        persistent_workers: bool = False,
    ) -> DeepLakeDataLoader:
        """Yield batches of numpy arrays (dicts of tensor name -> array)."""
        return self._output(
            "numpy",
            num_workers=num_workers,
            tensors=tensors,
            num_threads=num_threads,
            prefetch_factor=prefetch_factor,
            decode_method=decode_method,
            persistent_workers=bool(persistent_workers),
        )

    # ------------------------------------------------------------------ running
    @property
    def dataset(self) -> Any:
        return self._dataset

    @property
    def loader(self) -> Loader:
        """The loader this chain runs (built on first use)."""
        if self._loader is None:
            self._loader = Loader(self._dataset, replace(self._cfg))
        return self._loader

    def __iter__(self) -> Iterator[Any]:
        return iter(self.loader)

    def __len__(self) -> int:
        return len(self.loader)

    def state_dict(self) -> dict[str, Any]:
        """Position of the current (or last) epoch, for :meth:`load_state_dict`."""
        return self.loader.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Resume: the next iteration yields exactly the samples not yet yielded."""
        self.loader.load_state_dict(state)

    def close(self) -> None:
        """Shut down worker processes and release resources."""
        if self._loader is not None:
            self._loader.close()

    def __repr__(self) -> str:
        steps = ", ".join(sorted(self._called)) or "no steps"
        return f"DeepLakeDataLoader({self._dataset!r}; {steps})"
