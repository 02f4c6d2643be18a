"""How the htype layer recognises the special sample objects it does not decode.

These classes are built elsewhere (``deeplake.read``, ``deeplake.link``,
``deeplake.tiled``), so they are recognised by the attributes they expose:

* **encoded sample** (``deeplake.read`` -> ``Sample``): ``compression`` and a callable
  ``compressed_bytes(compression)``; ``shape``/``dtype`` when they are known cheaply,
  and ``array`` for the decoded data. One whose compression equals the tensor's
  ``sample_compression`` is passed to the engine untouched (its bytes are stored as
  given); otherwise its ``array`` is used like any array.
* **linked sample** (``deeplake.link``): ``path`` and ``creds_key``. Accepted only by
  ``link[...]`` tensors, passed through.
* **partial sample** (``deeplake.tiled``): ``sample_shape`` and ``tile_shape``; passed
  through after the shape and dtype checks.
* anything else with an ``array`` attribute (or the numpy array protocol) is read as
  its array.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_PLAIN = (str, bytes, bytearray, dict, list, tuple, int, float, bool, np.ndarray, np.generic)


def is_linked_sample(obj: Any) -> bool:
    return not isinstance(obj, _PLAIN) and hasattr(obj, "path") and hasattr(obj, "creds_key")


def is_encoded_sample(obj: Any) -> bool:
    return (
        not isinstance(obj, _PLAIN)
        and hasattr(obj, "compression")
        and callable(getattr(obj, "compressed_bytes", None))
    )


def is_partial_sample(obj: Any) -> bool:
    return (
        not isinstance(obj, _PLAIN) and hasattr(obj, "sample_shape") and hasattr(obj, "tile_shape")
    )


def known_shape(obj: Any) -> tuple[int, ...] | None:
    """The shape an object reports without decoding, or None."""
    shape = getattr(obj, "sample_shape", None) if is_partial_sample(obj) else None
    if shape is None:
        try:
            shape = getattr(obj, "shape", None)
        except Exception:  # lazily computed shapes may fail; decoding will report it
            shape = None
    return tuple(int(s) for s in shape) if shape is not None else None


def known_dtype(obj: Any) -> np.dtype | None:
    """The dtype an object reports without decoding, or None."""
    try:
        dtype = getattr(obj, "dtype", None)
    except Exception:  # lazily computed dtypes may fail; decoding will report it
        return None
    return np.dtype(dtype) if dtype is not None else None
