"""Loader methods of datasets and views: ``pytorch``, ``tensorflow``, ``dataloader``,
``batches``. Mixed into the Dataset classes; torch and tensorflow are imported only
when their method is called."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from deeplake_core.loaders.core import Loader, LoaderConfig
from deeplake_core.loaders.dataloader import DeepLakeDataLoader, require

_PYTORCH_EXTRA = (
    "num_threads",
    "prefetch_factor",
    "persistent_workers",
    "multiprocessing_context",
    "distributed",
    "rank",
    "world_size",
)


class Batches:
    """Batches of a dataset view as dicts of numpy arrays (``ds.batches(n)``)."""

    def __init__(self, loader: Loader):
        self.loader = loader

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.loader)

    def __len__(self) -> int:
        return len(self.loader)


class LoaderMixin:
    """Adds the dataloader entry points to a dataset class."""

    def pytorch(
        self,
        transform: Callable | None = None,
        tensors: Sequence[str] | None = None,
        num_workers: int = 1,
        batch_size: int = 1,
        drop_last: bool = False,
        collate_fn: Callable | None = None,
        pin_memory: bool = False,
        shuffle: bool = False,
        buffer_size: int = 2048,
        use_local_cache: bool = False,
        progressbar: bool = False,
        return_index: bool = True,
        pad_tensors: bool = False,
        transform_kwargs: dict[str, Any] | None = None,
        decode_method: dict[str, str] | None = None,
        cache_size: int = 32_000_000,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        """A ``torch.utils.data.DataLoader`` over this dataset or view.

        Chunks are fetched and decoded on threads, grouped so that each chunk is read
        once per epoch; ``transform`` (per sample) and ``collate_fn`` run in
        ``num_workers`` processes. ``tensors`` (a list) makes each batch a tuple in that
        order. ``shuffle`` mixes samples within ``buffer_size`` MB. Extra keyword
        arguments: ``num_threads``, ``prefetch_factor``, ``persistent_workers``,
        ``multiprocessing_context``, ``distributed`` (with optional ``rank`` and
        ``world_size``). Use ``state_dict()``/``load_state_dict()`` on the result to
        resume an epoch.
        """
        from deeplake_core.exceptions import DatasetUnsupportedPytorch

        require("torch", "pytorch()")
        if args:
            raise TypeError(f"pytorch() got {len(args)} unexpected positional argument(s)")
        unknown = set(kwargs) - set(_PYTORCH_EXTRA)
        if unknown:
            raise TypeError(f"pytorch() got unexpected keyword argument(s) {sorted(unknown)}")
        if isinstance(tensors, str):
            tensors = [tensors]
        if (tensors is not None and not tensors) or not self.tensors:  # type: ignore[attr-defined]
            raise DatasetUnsupportedPytorch("there are no tensors to load")
        cfg = LoaderConfig(
            tensors=list(tensors) if tensors is not None else None,
            batch_size=batch_size,
            drop_last=drop_last,
            shuffle=shuffle,
            buffer_size=buffer_size,
            transform=transform,
            transform_kwargs=dict(transform_kwargs or {}),
            collate_fn=collate_fn,
            mode="pytorch",
            num_workers=num_workers,
            return_index=return_index,
            as_tuple=tensors is not None,
            decode_method=decode_method,
            pad_tensors=pad_tensors,
            use_local_cache=use_local_cache,
            cache_size=cache_size,
            require_nonempty=True,
            pin_memory=pin_memory,
            **kwargs,
        )
        from deeplake_core.loaders.torch import DeepLakeTorchLoader

        return DeepLakeTorchLoader(Loader(self, cfg), progressbar=progressbar)

    def tensorflow(
        self,
        tensors: Sequence[str] | None = None,
        tobytes: bool | Sequence[str] = False,
        fetch_chunks: bool = True,
    ) -> Any:
        """A ``tf.data.Dataset`` of per-sample dicts over this dataset or view.
        ``tobytes`` (True or tensor names) yields those tensors' stored bytes."""
        require("tensorflow", "tensorflow()")
        from deeplake_core.loaders.tf import to_tf_dataset

        if isinstance(tensors, str):
            tensors = [tensors]
        cfg = LoaderConfig(
            tensors=list(tensors) if tensors is not None else None,
            batch_size=None,
            tobytes=tobytes,
            return_index=False,
        )
        return to_tf_dataset(Loader(self, cfg))

    def dataloader(self, ignore_errors: bool = False, verbose: bool = False) -> DeepLakeDataLoader:
        """A :class:`DeepLakeDataLoader` to configure by chaining (``.batch(32)
        .shuffle().pytorch()``)."""
        return DeepLakeDataLoader(self, ignore_errors=ignore_errors, verbose=verbose)

    def batches(self, batch_size: int, drop_last: bool = False) -> Batches:
        """Iterate in batches of ``batch_size`` rows: dicts of tensor name -> array
        (a list where sample shapes differ)."""
        cfg = LoaderConfig(batch_size=batch_size, drop_last=drop_last, return_index=False)
        return Batches(Loader(self, cfg))
