"""Read side of the htype layer: stored arrays -> the values users see.

``present(cfg, arrays, info, form="numpy", *, aslist=False, single=False,
extras=None, registry=None)``

``arrays`` is what the engine read: an ndarray batch (axis 0 indexes samples) or a
list with one stored array (or ``None``, an empty sample) per sample; for
``sequence[...]`` tensors, one list of stored items per sample. ``single=True`` says the
samples were selected by an integer index: the sample axis is dropped and ``text()``
returns a ``str`` rather than a list.

Forms:

* ``"numpy"``: arrays. Text samples read as ``np.array([s])`` (shape ``(1,)``, a ``str``
  dtype, or ``object`` for strings ending in NUL, which numpy would cut), json samples as 1-element object arrays, list samples as 1-D arrays (``str``
  for tag, object for list). Samples are stacked into one array when their shapes
  agree; otherwise ``DynamicTensorNumpyError`` unless ``aslist=True``, which returns a
  list. Htypes whose samples are not rectangular (polygon) always return lists. A
  sequence sample reads as ``(n_items, ...)``, so a batch is ``(n_samples, n_items, ...)``.
* ``"text"`` (text htype), ``"dict"`` (json), ``"list"`` (list and tag): Python values.
* ``"data"``: a dict: ``{"value": text()/dict()/list()}`` for those htypes, else the
  htype behaviour's ``data`` (default ``{"value": numpy()}``; class_label adds
  ``"text"``). ``extras`` (``sample_info``, ``timestamps`` ...) is handed to it.

``logical_shape(cfg, stored)`` is the shape users see for one stored sample: ``(1,)``
for text and json, ``(len,)`` for lists, the behaviour's answer for encoded htypes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from deeplake_core.exceptions import DynamicTensorNumpyError, InvalidOperationError
from deeplake_core.htype import _registry, forms
from deeplake_core.htype.config import TensorConfig

#: form -> the sample forms it applies to.
_FORM_OWNERS = {"text": "text", "dict": "json", "list": "list"}
_FORMS = ("numpy", "data", "text", "dict", "list")


def _str_array(values: list[str]) -> np.ndarray:
    """A ``str`` array, or an object array if numpy would drop trailing NULs."""
    if any(v.endswith("\x00") for v in values):
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out
    return np.array(values, dtype=str)


def _numpy_item(cfg: TensorConfig, behavior: Any, stored: Any) -> Any:
    """numpy() value of one stored (non-sequence) sample."""
    form = cfg.sample_form
    if form == "array":
        if behavior.encodes_samples:
            return behavior.decode(cfg, stored)
        if stored is None:
            return np.zeros((0,), dtype=cfg.numpy_dtype or np.float64)
        return stored
    value = forms.decode(form, stored)
    if form == "text":
        return _str_array([value])
    if form == "json":
        out = np.empty(1, dtype=object)
        out[0] = value
        return out
    if cfg.dtype == "str":
        return _str_array(value)
    out = np.empty(len(value), dtype=object)
    for i, item in enumerate(value):
        out[i] = item
    return out


def _stack(values: list, aslist: bool, what: str) -> Any:
    if aslist:
        return values
    if not values:
        return np.zeros((0,))
    first = values[0]
    if any(
        not isinstance(v, np.ndarray) or v.shape != first.shape for v in values
    ):  # ragged: cannot be one array
        shapes = sorted({str(getattr(v, "shape", None)) for v in values})[:4]
        exc = DynamicTensorNumpyError("", None, "shapes")
        exc.args = (
            f"The {what} have different shapes ({', '.join(shapes)}, ...), so they do not "
            "fit one array; pass aslist=True to get a list of arrays.",
        )
        raise exc
    return np.stack(values)


def _values(cfg: TensorConfig, behavior: Any, arrays: Any, form: str, aslist: bool) -> list:
    """One value per sample, in ``form`` ("numpy" or a Python form)."""

    def item(stored: Any) -> Any:
        if form == "numpy":
            return _numpy_item(cfg, behavior, stored)
        return forms.decode(cfg.sample_form, stored)

    if not cfg.is_sequence:
        return [item(stored) for stored in arrays]
    out = []
    for sample in arrays:
        items = [item(stored) for stored in (sample if sample is not None else [])]
        if form == "numpy" and not (aslist or behavior.numpy_aslist):
            items = _stack(items, False, "items of a sequence sample") if items else np.zeros(0)
        out.append(items)
    return out


def present(
    cfg: TensorConfig,
    arrays: Any,
    info: Mapping[str, Any] | None = None,
    form: str = "numpy",
    *,
    aslist: bool = False,
    single: bool = False,
    extras: Mapping[str, Any] | None = None,
    registry: Any = None,
) -> Any:
    """Samples read by the engine, in the requested form; see the module doc."""
    if form not in _FORMS:
        raise ValueError(f"form must be one of {', '.join(_FORMS)}; got {form!r}")
    owner = _FORM_OWNERS.get(form)
    if owner is not None and cfg.sample_form != owner:
        exc = InvalidOperationError(f"{form}()", f"{cfg.htype} tensor")
        kinds = {"text": "'text'", "dict": "'json'", "list": "'list' or 'tag'"}[form]
        exc.args = (
            f"{form}() reads tensors of base htype {kinds}; this tensor has htype "
            f"{cfg.htype!r}. Use numpy() or data() instead.",
        )
        raise exc
    behavior = _registry.behavior_of(cfg.spec(registry))
    info = info if info is not None else {}
    if form == "data":
        if cfg.sample_form != "array":
            inner = {"text": "text", "json": "dict", "list": "list"}[cfg.sample_form]
            return {"value": present(cfg, arrays, info, inner, single=single, registry=registry)}
        value = present(cfg, arrays, info, "numpy", aslist=aslist, single=single, registry=registry)
        return behavior.data(cfg, value, info, extras or {})
    fast = (
        form == "numpy"
        and isinstance(arrays, np.ndarray)
        and not cfg.is_sequence
        and cfg.sample_form == "array"
        and not behavior.encodes_samples
    )
    if fast:
        if single:
            return arrays[0]
        return list(arrays) if aslist else arrays
    values = _values(cfg, behavior, arrays, form, aslist)
    if single:
        return values[0]
    if form != "numpy":
        return values
    return _stack(values, aslist or behavior.numpy_aslist, "samples")


def logical_shape(cfg: TensorConfig, stored: Any, registry: Any = None) -> tuple[int, ...]:
    """The shape users see for one stored sample (``None``: an empty sample)."""
    form = cfg.sample_form
    if stored is None:
        return (0,)
    if form in ("text", "json"):
        return (1,)
    if form == "list":
        return (len(forms.decode("list", stored)),)
    behavior = _registry.behavior_of(cfg.spec(registry))
    if behavior.encodes_samples:
        return tuple(behavior.logical_shape(cfg, stored))
    return tuple(np.shape(stored))
