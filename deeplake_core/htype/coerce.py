"""Write side of the htype layer: turn user samples into what the engine stores.

``coerce_samples(cfg, samples, info, *, ndim=None, registry=None)`` takes a batch
(one ndarray whose axis 0 indexes samples, or a sequence of samples) and returns
either

* one ndarray batch (numeric data that stacks: the fast path, no per-sample Python
  work; at most one ``astype``), or
* a list with one entry per sample: an ndarray, ``None`` (an empty sample), or an
  object passed through untouched (encoded, linked or partial samples, see
  :mod:`deeplake_core.htype.samples`).

Byte forms (text, json, list, and htypes whose behaviour encodes samples) always come
back as a list of 1-D ``uint8`` arrays. For ``sequence[...]`` tensors the result is a
list with one entry per sample, each a list of items coerced as above (or ``None``).

Per sample, for array htypes: Python scalars become shape ``(1,)`` (a 1-D batch becomes
``(n, 1)``); the dtype follows :mod:`deeplake_core.htype.casting`, against
``cfg.dtype`` or, when that is ``None``, the first sample's dtype (the caller records
it); the number of dimensions must be one the htype allows (``sample_ndim``), equal to
``ndim`` (the tensor's established one, if any) and the same for the whole batch; the
last axis must fit ``last_dim``. An empty list for an htype of fixed rank becomes an
empty array of that rank (``[]`` -> shape ``(0, 4)`` for bbox).

Errors: ``TensorDtypeMismatchError``, ``TensorInvalidSampleShapeError``,
``SampleHtypeMismatchError`` (strings into numeric tensors, non-JSON values ...),
``UnsupportedTensorTypeError`` (values of no storable type) and
``SampleCompressionError`` (raw arrays into htypes that only take encoded files).
Nothing is changed on error: ``info`` receives the htype's updates (new
``class_names`` ...) only after the whole batch has been converted.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

import numpy as np

from deeplake_core.exceptions import (
    SampleCompressionError,
    SampleHtypeMismatchError,
    TensorInvalidSampleShapeError,
    UnsupportedTensorTypeError,
)
from deeplake_core.htype import _registry, forms
from deeplake_core.htype.casting import NUMERIC_KINDS, cast_array, dtype_mismatch
from deeplake_core.htype.config import TensorConfig
from deeplake_core.htype.samples import (
    is_encoded_sample,
    is_linked_sample,
    is_partial_sample,
    known_dtype,
    known_shape,
)

_SCALARS = (int, float, bool, np.number, np.bool_)


def _message(exc: Exception, text: str) -> Exception:
    exc.args = (text,)
    return exc


class _Context:
    """State shared by the samples of one batch."""

    def __init__(self, cfg: TensorConfig, ndim: int | None, registry: Any):
        self.cfg = cfg
        self._registry = registry
        self.spec = cfg.spec(registry)
        self.behavior = _registry.behavior_of(self.spec)
        self.dtype = cfg.numpy_dtype if cfg.sample_form == "array" else None
        self.ndim = ndim
        self.htype = cfg.htype
        self.info: Mapping[str, Any] = {}

    def codec(self, name: str) -> Any:
        """Codec spec for ``name`` (aliases resolved), or None."""
        if self._registry is None:
            self._registry = _registry.resolve(None)
        return _registry.codec_spec(self._registry, name.lower())

    # ---------------------------------------------------------------- checks
    def fixed_ndim(self) -> int | None:
        if self.ndim is not None:
            return self.ndim
        allowed = self.spec.sample_ndim
        return next(iter(allowed)) if allowed is not None and len(allowed) == 1 else None

    def empty_shape(self, ndim: int) -> tuple[int, ...]:
        """Shape of an empty sample of rank ``ndim`` (``(0, 4)`` for boxes)."""
        if ndim == 0:
            return ()
        last = self.spec.last_dim
        tail = next(iter(last)) if last is not None and len(last) == 1 and ndim > 1 else 0
        return (0,) * (ndim - 1) + (tail,)

    def check_shape(self, shape: tuple[int, ...]) -> None:
        nd = len(shape)
        allowed = self.spec.sample_ndim
        if allowed is not None and nd not in allowed:
            dims = " or ".join(str(d) for d in sorted(allowed))
            raise _message(
                TensorInvalidSampleShapeError(shape, min(allowed)),
                f"Samples of htype {self.spec.name!r} have {dims} dimensions; got a "
                f"sample of shape {shape}. Reshape it (see the htype's documented sample "
                "shape).",
            )
        if self.ndim is not None and nd != self.ndim:
            raise _message(
                TensorInvalidSampleShapeError(shape, self.ndim),
                f"Sample of shape {shape} has {nd} dimensions but the tensor's samples "
                f"have {self.ndim}; every sample of a tensor has the same number of "
                "dimensions (sizes may differ).",
            )
        self.ndim = nd
        last = self.spec.last_dim
        if last is not None and nd and shape[-1] not in last and shape[0] != 0:
            sizes = " or ".join(str(d) for d in sorted(last))
            raise _message(
                TensorInvalidSampleShapeError(shape, nd),
                f"The last axis of a {self.spec.name!r} sample has size {sizes}; got a "
                f"sample of shape {shape}.",
            )

    def target_dtype(self, arr_dtype: np.dtype) -> np.dtype:
        if self.dtype is None:
            self.dtype = arr_dtype
        return self.dtype

    def mismatch(self, sample: Any, hint: str) -> SampleHtypeMismatchError:
        kind = type(sample)
        return _message(
            SampleHtypeMismatchError(self.htype, kind),
            f"A sample of type {kind.__name__} cannot be stored in a tensor of htype "
            f"{self.htype!r}; {hint}",
        )

    def no_raw_arrays(self, shape: Any) -> SampleCompressionError:
        return _message(
            SampleCompressionError(shape, self.cfg.sample_compression, ""),
            f"Htype {self.spec.name!r} cannot encode raw arrays as "
            f"{self.cfg.sample_compression!r}; append files read with deeplake.read(...) "
            "in that format, or create the tensor with sample_compression=None to store "
            "raw arrays.",
        )


# ---------------------------------------------------------------- array htypes


def _finish(ctx: _Context, arr: np.ndarray, batched: bool) -> np.ndarray:
    arr = cast_array(arr, ctx.target_dtype(arr.dtype), ctx.htype)
    ctx.behavior.check_array(ctx.cfg, arr, batched, ctx.info)
    return arr


def _coerce_batch(ctx: _Context, batch: np.ndarray) -> np.ndarray | list:
    if batch.dtype.kind in "OV":
        return [_coerce_array_sample(ctx, s) for s in batch]
    if batch.dtype.kind not in NUMERIC_KINDS:
        raise ctx.mismatch(batch.flat[0] if batch.size else "", _hint_for_strings(ctx))
    if batch.ndim == 0:
        raise _message(
            UnsupportedTensorTypeError(batch),
            "A batch of samples needs a first axis; wrap a single sample in a list or "
            "use append().",
        )
    if not ctx.spec.raw_arrays_allowed and ctx.cfg.sample_compression is not None:
        raise ctx.no_raw_arrays(batch.shape[1:])
    if batch.ndim == 1:
        batch = batch.reshape(-1, 1)
    fixed = ctx.fixed_ndim()
    if batch.size == 0 and fixed is not None and batch.ndim - 1 != fixed:
        batch = batch.reshape((batch.shape[0], *ctx.empty_shape(fixed)))
    ctx.check_shape(tuple(batch.shape[1:]))
    return _finish(ctx, batch, batched=True)


def _hint_for_strings(ctx: _Context) -> str:
    return f"htype {ctx.spec.name!r} holds numbers; use htype='text' for strings."


def _coerce_array_sample(ctx: _Context, sample: Any, raw: bool = False) -> Any:
    if sample is None:
        return None
    if is_linked_sample(sample):
        raise ctx.mismatch(sample, "linked samples go into tensors of htype link[...].")
    if is_encoded_sample(sample):
        return _coerce_encoded(ctx, sample)
    if is_partial_sample(sample):
        ctx.check_shape(tuple(sample.sample_shape))
        dt = known_dtype(sample)
        if dt is not None:
            target = ctx.target_dtype(dt)
            if not np.can_cast(dt, target, "safe"):  # no values yet: dtypes decide
                raise dtype_mismatch(target, dt, ctx.htype)
        return sample
    if isinstance(sample, (str, bytes, np.str_, np.bytes_)):
        raise ctx.mismatch(sample, _hint_for_strings(ctx))
    if isinstance(sample, dict):
        raise ctx.mismatch(sample, "use htype='json' for dicts.")
    if not isinstance(sample, (np.ndarray, list, tuple, *_SCALARS)) and hasattr(sample, "array"):
        sample = sample.array
    try:
        arr = np.asarray(sample)
    except ValueError:
        raise _message(
            TensorInvalidSampleShapeError(None, ctx.fixed_ndim() or 0),
            f"A sample of htype {ctx.spec.name!r} is a nested list whose rows have "
            "different lengths, so it is not an array; pad the rows or split the sample.",
        ) from None
    if arr.dtype.kind == "O":
        if arr.ndim == 0:
            raise UnsupportedTensorTypeError(sample)
        raise ctx.mismatch(
            sample,
            "it holds values that are not numbers, or rows of different lengths.",
        )
    if arr.dtype.kind not in NUMERIC_KINDS:
        raise ctx.mismatch(sample, _hint_for_strings(ctx))
    if not raw and not ctx.spec.raw_arrays_allowed and ctx.cfg.sample_compression is not None:
        raise ctx.no_raw_arrays(arr.shape)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    fixed = ctx.fixed_ndim()
    if arr.size == 0 and fixed is not None and arr.ndim != fixed:
        arr = arr.reshape(ctx.empty_shape(fixed))
    ctx.check_shape(tuple(arr.shape))
    return _finish(ctx, arr, batched=False)


def _coerce_encoded(ctx: _Context, sample: Any) -> Any:
    codec = ctx.codec(str(sample.compression))
    compression = codec.name if codec is not None else sample.compression
    raw_ok = ctx.spec.raw_arrays_allowed or ctx.cfg.sample_compression is None
    if ctx.cfg.sample_compression is not None and compression == ctx.cfg.sample_compression:
        shape = known_shape(sample)
        if shape is not None:
            ctx.check_shape(shape)
        dt = known_dtype(sample)
        if dt is None or ctx.target_dtype(dt) == dt:
            return sample  # stored as given
        if not raw_ok:
            raise dtype_mismatch(ctx.dtype, dt, ctx.htype)
    elif not raw_ok:
        raise _message(
            ctx.no_raw_arrays(known_shape(sample)),
            f"Htype {ctx.spec.name!r} cannot recompress a {compression!r} file as "
            f"{ctx.cfg.sample_compression!r}; append files already in "
            f"{ctx.cfg.sample_compression!r}, or create the tensor with "
            f"sample_compression={compression!r}.",
        )
    return _coerce_array_sample(ctx, np.asarray(sample.array), raw=True)


def _try_stack(samples: list) -> np.ndarray | None:
    """One ndarray for a list that is plainly numeric and rectangular, else None."""
    if not samples:
        return None
    kinds = set(map(type, samples))
    if kinds <= {int, float, bool} or all(issubclass(k, _SCALARS) for k in kinds):
        arr = np.asarray(samples)
        return arr if arr.dtype.kind in NUMERIC_KINDS else None
    if kinds == {np.ndarray}:
        dtypes = {a.dtype for a in samples}
        shapes = {a.shape for a in samples}
        if len(dtypes) == 1 and len(shapes) == 1 and next(iter(dtypes)).kind in NUMERIC_KINDS:
            return np.stack(samples)
        return None
    if kinds <= {list, tuple}:
        try:
            arr = np.asarray(samples)
        except ValueError:
            return None
        return arr if arr.dtype.kind in NUMERIC_KINDS and arr.ndim >= 2 else None
    return None


# ---------------------------------------------------------------- byte forms


def _text(ctx: _Context, sample: Any) -> Any:
    if sample is None:
        return None
    if isinstance(sample, np.ndarray) and sample.size == 1 and sample.dtype.kind in "USO":
        sample = sample.reshape(-1)[0]
    elif isinstance(sample, (list, tuple)) and len(sample) == 1:
        sample = sample[0]
    if isinstance(sample, str):
        return forms.encode_text(str(sample))
    raise ctx.mismatch(sample, "text tensors take str samples.")


def _json(ctx: _Context, sample: Any) -> Any:
    if sample is None:
        return None
    if is_encoded_sample(sample) or is_linked_sample(sample):
        raise ctx.mismatch(sample, "json tensors take dicts, lists and other JSON values.")
    if isinstance(sample, np.ndarray):
        if sample.dtype.kind == "O" and sample.ndim <= 1 and sample.size == 1:
            sample = sample.reshape(-1)[0]
        else:
            sample = sample.tolist()
    return forms.encode_json(sample, ctx.htype)


def _list(ctx: _Context, sample: Any) -> Any:
    if sample is None:
        return None
    if isinstance(sample, np.ndarray) and sample.ndim >= 1:
        sample = list(sample) if sample.dtype.kind == "O" else sample.tolist()
    if isinstance(sample, tuple):
        sample = list(sample)
    if not isinstance(sample, list):
        raise ctx.mismatch(sample, "list tensors take lists (or tuples, 1-D arrays).")
    return forms.encode_json(sample, ctx.htype)


_BYTE_FORMS = {"text": _text, "json": _json, "list": _list}


# ---------------------------------------------------------------- dispatch


def _as_batch(ctx: _Context, samples: Any) -> Any:
    if isinstance(samples, np.ndarray):
        return samples
    if isinstance(samples, (str, bytes, dict)) or not hasattr(samples, "__iter__"):
        raise _message(
            UnsupportedTensorTypeError(samples),
            f"Expected a batch of samples (a list or an array whose first axis indexes "
            f"samples), got {type(samples).__name__}; use append() for one sample.",
        )
    return list(samples)


def _coerce_links(ctx: _Context, samples: list) -> list:
    out = []
    for sample in samples:
        if sample is not None and not is_linked_sample(sample):
            raise ctx.mismatch(
                sample, "link tensors take deeplake.link(path, creds_key=...) samples."
            )
        out.append(sample)
    return out


def _coerce_flat(
    ctx: _Context, samples: Any, info: MutableMapping[str, Any]
) -> tuple[Any, dict[str, Any]]:
    if ctx.cfg.is_link:
        return _coerce_links(ctx, list(samples)), {}
    samples, updates = ctx.behavior.prepare(ctx.cfg, samples, info)
    if ctx.behavior.encodes_samples:
        out = [None if s is None else ctx.behavior.encode(ctx.cfg, s, ctx.dtype) for s in samples]
        return out, updates
    byte_form = _BYTE_FORMS.get(ctx.cfg.sample_form)
    if byte_form is not None:
        if isinstance(samples, np.ndarray):
            samples = list(samples)
        return [byte_form(ctx, s) for s in samples], updates
    if isinstance(samples, np.ndarray):
        return _coerce_batch(ctx, samples), updates
    stacked = _try_stack(samples)
    if stacked is not None:
        return _coerce_batch(ctx, stacked), updates
    return [_coerce_array_sample(ctx, s) for s in samples], updates


def _coerce_sequences(
    ctx: _Context, samples: Any, info: MutableMapping[str, Any]
) -> tuple[list, dict[str, Any]]:
    counts: list[int | None] = []
    if (
        isinstance(samples, np.ndarray)
        and samples.ndim >= 2
        and samples.dtype.kind in NUMERIC_KINDS
    ):
        counts = [samples.shape[1]] * samples.shape[0]
        items: Any = samples.reshape(-1, *samples.shape[2:])
    else:
        items = []
        for sample in samples:
            if sample is None:
                counts.append(None)
                continue
            if isinstance(sample, (str, bytes, dict)) or not hasattr(sample, "__iter__"):
                raise ctx.mismatch(sample, "each sample of a sequence tensor is a list of items.")
            sample_items = list(sample)
            counts.append(len(sample_items))
            items.extend(sample_items)
    flat, updates = _coerce_flat(ctx, items, info)
    out: list = []
    pos = 0
    for count in counts:
        if count is None:
            out.append(None)
            continue
        out.append([flat[pos + i] for i in range(count)])
        pos += count
    return out, updates


def coerce_samples(
    cfg: TensorConfig,
    samples: Any,
    info: MutableMapping[str, Any] | None = None,
    *,
    ndim: int | None = None,
    registry: Any = None,
) -> Any:
    """Validate and convert a batch of samples for the engine; see the module doc.

    ``info`` is the tensor's info mapping (updated in place, only on success);
    ``ndim`` the number of dimensions of the samples already stored, if any. For
    ``sequence[...]`` tensors a stored sample has an item axis first (numpy layout
    ``(n_items, ...)``), so items must have ``ndim - 1`` dimensions.
    """
    if cfg.is_sequence and ndim is not None:
        ndim = max(ndim - 1, 0)
    ctx = _Context(cfg, ndim, registry)
    batch = _as_batch(ctx, samples)
    view: MutableMapping[str, Any] = info if info is not None else {}
    ctx.info = view
    if cfg.is_sequence:
        out, updates = _coerce_sequences(ctx, batch, view)
    else:
        out, updates = _coerce_flat(ctx, batch, view)
    if info is not None:
        for key, value in updates.items():
            info[key] = value
    return out
