"""Turning samples into batches, and batches into framework types.

Samples are dicts ``{tensor: value, "index": row}`` (or whatever a user transform
returns). The default collate stacks equal-shaped arrays into one array and keeps
anything else (dynamic shapes, strings, PIL images) as a list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

#: torch has no unsigned types beyond uint8 that it fully supports.
_TORCH_CASTS = {
    np.dtype(np.uint16): np.int32,
    np.dtype(np.uint32): np.int64,
    np.dtype(np.uint64): np.int64,
}


def stack_numpy(values: Sequence[Any]) -> Any:
    """One array for equal-shaped arrays/numbers, else the values as a list."""
    if not values:
        return []
    first = values[0]
    if isinstance(first, np.ndarray):
        if all(
            isinstance(v, np.ndarray) and v.shape == first.shape and v.dtype == first.dtype
            for v in values
        ):
            return np.stack(values)
        return list(values)
    if isinstance(first, bool | int | float | np.number | np.bool_) and all(
        isinstance(v, bool | int | float | np.number | np.bool_) for v in values
    ):
        return np.asarray(values)
    return list(values)


def collate_numpy(samples: Sequence[Any]) -> Any:
    """Default collate to numpy: dicts by key, tuples by position, leaves stacked."""
    if not samples:
        return samples
    first = samples[0]
    if isinstance(first, dict):
        return {k: collate_numpy([s[k] for s in samples]) for k in first}
    if isinstance(first, tuple | list) and not isinstance(first, str):
        if all(isinstance(s, tuple | list) and len(s) == len(first) for s in samples):
            return type(first)(collate_numpy([s[i] for s in samples]) for i in range(len(first)))
        return list(samples)
    return stack_numpy(samples)


def to_torch(value: Any) -> Any:
    """numpy leaves -> torch tensors (zero copy where possible; unsigned types widened)."""
    import torch

    if isinstance(value, dict):
        return {k: to_torch(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(to_torch(v) for v in value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "OUS":
            return value
        cast = _TORCH_CASTS.get(value.dtype)
        if cast is not None:
            value = value.astype(cast)
        if not value.flags.writeable:
            value = value.copy()
        return torch.from_numpy(value)
    if isinstance(value, list):
        return [to_torch(v) for v in value]
    return value


def collate_torch(samples: Sequence[Any]) -> Any:
    """Default collate to torch: dicts by key, tuples by position; equal-shaped arrays
    or tensors are stacked into one tensor (zero copy from numpy), others kept as a
    list."""
    import torch

    if not samples:
        return samples
    first = samples[0]
    if isinstance(first, dict):
        return {k: collate_torch([s[k] for s in samples]) for k in first}
    if isinstance(first, tuple | list) and not isinstance(first, str):
        if all(isinstance(s, tuple | list) and len(s) == len(first) for s in samples):
            return type(first)(collate_torch([s[i] for s in samples]) for i in range(len(first)))
        return list(samples)
    if isinstance(first, torch.Tensor):
        if all(
            isinstance(v, torch.Tensor) and v.shape == first.shape and v.dtype == first.dtype
            for v in samples
        ):
            return torch.stack(list(samples))
        return list(samples)
    return to_torch(stack_numpy(samples))


def to_tensorflow(value: Any) -> Any:
    """numpy leaves -> tf tensors (lists of unequal arrays become ragged tensors)."""
    import tensorflow as tf

    if isinstance(value, dict):
        return {k: to_tensorflow(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(to_tensorflow(v) for v in value)
    if isinstance(value, np.ndarray) and value.dtype.kind != "O":
        return tf.convert_to_tensor(value)
    if isinstance(value, list) and value and all(isinstance(v, np.ndarray) for v in value):
        try:
            return tf.ragged.constant([v.tolist() for v in value])
        except (ValueError, TypeError):
            return value
    if isinstance(value, list) and value and all(isinstance(v, str | bytes) for v in value):
        return tf.constant(value)
    return value


def collate_for(mode: str) -> Callable[[Sequence[Any]], Any]:
    """The default collate of an output mode (``numpy``, ``pytorch``, ``tensorflow``)."""
    if mode == "pytorch":
        return collate_torch
    return collate_numpy
