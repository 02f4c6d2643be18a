"""Implementation of the ``{{ cookiecutter.__spec_name }}`` query function, imported on first use.

A vectorized function receives a :class:`~deeplake_core.tql.CallContext` and then one
value per argument. ``ctx.per_row[i]`` says whether argument ``i`` holds one value per
row: an array whose first axis is the row (samples of equal shape) or a list with one
sample per row (ragged samples, ``None`` for empty ones). Otherwise it is a constant.
With ``ctx.rows`` the function returns one value per row (``ctx.n`` of them), else a
single value. Bad arguments raise ``ValueError``; the engine reports it with the
query position.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from deeplake_core.tql.functions import CallContext


def _one(sample: Any) -> float:
    if sample is None:
        return float("nan")
    values = np.asarray(sample)
    if values.dtype.kind not in "biuf":
        raise ValueError(f"expects numeric samples, got values of dtype {values.dtype}")
    if values.size == 0:
        return float("nan")
    values = values.astype(np.float64, copy=False)
    return float(values.max() - values.min())


def peak_to_peak(ctx: CallContext, samples: Any) -> Any:
    """``max - min`` of each sample's values; NaN for empty samples."""
    if not ctx.per_row[0]:
        one = _one(samples)
        return np.full(ctx.n, one) if ctx.rows else one
    if isinstance(samples, np.ndarray) and samples.dtype.kind in "biuf" and samples.ndim:
        n = samples.shape[0]
        if samples.size == 0:
            return np.full(n, np.nan)
        flat = samples.reshape(n, -1).astype(np.float64, copy=False)
        return flat.max(axis=1) - flat.min(axis=1)  # one pass for the whole batch
    return np.array([_one(sample) for sample in samples], dtype=np.float64)
