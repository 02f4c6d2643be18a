"""PyTorch faces of the loader (imported only when torch is wanted).

* :class:`DeepLakeTorchLoader`: what ``ds.pytorch()`` returns, a
  ``torch.utils.data.DataLoader`` whose iteration is the deeplake loader (thread-pool
  fetch and decode, worker processes for transforms), so ``isinstance`` checks and
  ``len()`` behave as training code expects.
* :class:`TorchDataset`: a map-style ``torch.utils.data.Dataset`` over a view (the
  Deep Lake 4 ``view.pytorch()``), with ``__getitems__`` so a torch ``DataLoader``
  fetches a whole batch with one grouped read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, IterableDataset

from deeplake_core.loaders.collate import to_torch
from deeplake_core.loaders.core import Loader
from deeplake_core.loaders.source import LoaderSource


class _LoaderIterable(IterableDataset):
    """Exposes a :class:`Loader` as a torch ``IterableDataset`` (no torch workers)."""

    def __init__(self, loader: Loader):
        self.loader = loader

    def __iter__(self) -> Iterator[Any]:
        return iter(self.loader)

    def __len__(self) -> int:
        return len(self.loader)


class DeepLakeTorchLoader(DataLoader):
    """A torch ``DataLoader`` driven by the deeplake loader."""

    def __init__(self, loader: Loader, progressbar: bool = False):
        super().__init__(_LoaderIterable(loader), batch_size=None, num_workers=0)
        cfg = loader.cfg
        # DataLoader forbids setting these after __init__; they describe our batching
        object.__setattr__(self, "batch_size", cfg.batch_size)
        object.__setattr__(self, "drop_last", cfg.drop_last)
        self.num_workers = cfg.num_workers
        self.pin_memory = cfg.pin_memory
        self.loader = loader
        self.progressbar = progressbar

    def __iter__(self) -> Iterator[Any]:  # type: ignore[override]
        it = iter(self.loader)
        if self.progressbar:
            it = _progress(it, len(self.loader))
        return it

    def __len__(self) -> int:
        return len(self.loader)

    def state_dict(self) -> dict[str, Any]:
        return self.loader.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.loader.load_state_dict(state)

    def close(self) -> None:
        self.loader.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.loader.close()


def _progress(it: Iterator[Any], total: int) -> Iterator[Any]:
    try:
        from tqdm import tqdm
    except ImportError:
        import logging

        logging.getLogger("deeplake").warning(
            "progressbar=True needs tqdm (pip install tqdm); iterating without a progress bar"
        )
        return it
    return iter(tqdm(it, total=total))


class TorchDataset(Dataset):
    """Map-style torch dataset over a view: ``ds[i]`` is a dict of torch values."""

    def __init__(
        self,
        dataset: Any,
        transform: Callable[[Any], Any] | None = None,
        tensors: Sequence[str] | None = None,
        return_index: bool = False,
    ):
        self.dataset = dataset
        self.transform = transform
        self.tensors = list(tensors) if tensors is not None else None
        self.return_index = return_index
        self._source: LoaderSource | None = None

    @property
    def source(self) -> LoaderSource:
        if self._source is None:
            self._source = LoaderSource(self.dataset, tensors=self.tensors)
        return self._source

    def __len__(self) -> int:
        return len(self.dataset)

    def _finish(self, sample: dict[str, Any]) -> Any:
        if not self.return_index:
            sample.pop("index", None)
        sample = to_torch(sample)
        return self.transform(sample) if self.transform is not None else sample

    def __getitem__(self, i: int) -> Any:
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"index {i} is out of range for {n} samples")
        return self.__getitems__([i % n])[0]

    def __getitems__(self, indices: Sequence[int]) -> list[Any]:
        pos = np.asarray(indices, np.int64)
        return [self._finish(s) for s in self.source.read_group(pos)]

    def __getstate__(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["_source"] = None  # rebuilt in the worker (threads and engines are per process)
        return d


__all__ = ["DeepLakeTorchLoader", "TorchDataset", "torch"]
