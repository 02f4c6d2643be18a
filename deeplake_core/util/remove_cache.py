"""Cache helpers at the reference API's path (``deeplake.util.remove_cache``)."""

from __future__ import annotations

from typing import Any

from deeplake_core.storage import get_base_storage, remove_memory_cache

__all__ = [
    "create_read_copy_dataset",
    "get_base_storage",
    "get_dataset_with_zero_size_cache",
    "remove_memory_cache",
]


def get_dataset_with_zero_size_cache(ds: Any) -> Any:
    """The same dataset reopened read-only with no memory cache (reads go to storage)."""
    from deeplake_core.api.dataset import load

    ds.flush()
    return load(ds.path, read_only=True, memory_cache_size=0, local_cache_size=0)


def create_read_copy_dataset(dataset: Any, commit_id: str | None = None) -> Any:
    """A read-only handle on ``dataset`` (optionally at ``commit_id``); no data is copied."""
    from deeplake_core.api.dataset import load

    dataset.flush()
    copy = load(dataset.path, read_only=True)
    if commit_id is not None:
        copy.checkout(commit_id)
    return copy
