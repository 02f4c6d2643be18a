"""``deeplake.experimental``: the function forms of the query features of Deep Lake 3
(``from deeplake.experimental import query``). Each runs the dataset's own method."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deeplake_core.core.dataset import Dataset
    from deeplake_core.loaders import DeepLakeDataLoader


def query(dataset: Dataset, query_string: str) -> Dataset:
    """The view of ``dataset`` that the TQL ``query_string`` selects
    (``dataset.query(query_string)``)."""
    return dataset.query(query_string)


def sample_by(
    dataset: Dataset,
    weights: str | Sequence[Any],
    replace: bool = True,
    size: int | None = None,
) -> Dataset:
    """A weighted sample of ``dataset`` (``dataset.sample_by(weights, replace, size)``)."""
    return dataset.sample_by(weights, replace=replace, size=size)


def dataloader(
    dataset: Dataset, ignore_errors: bool = False, verbose: bool = False
) -> DeepLakeDataLoader:
    """A dataloader builder over ``dataset`` (``dataset.dataloader()``)."""
    return dataset.dataloader(ignore_errors=ignore_errors, verbose=verbose)


__all__ = ["dataloader", "query", "sample_by"]
