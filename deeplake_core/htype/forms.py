"""Byte forms of the text, json and list htypes.

The engine stores each such sample as a 1-D ``uint8`` array: UTF-8 for text, compact
UTF-8 JSON for json and list. Numpy scalars and arrays inside JSON values are stored as
their Python equivalents (arrays as nested lists). Dictionary keys must be strings, so
that a value reads back exactly as written.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from deeplake_core.exceptions import SampleHtypeMismatchError

_EMPTY = {"text": "", "json": {}, "list": []}


def empty_value(form: str) -> Any:
    """The value of an empty (``None``) sample."""
    value = _EMPTY[form]
    return type(value)() if not isinstance(value, str) else value


def to_jsonable(value: Any, htype: str) -> Any:
    """``value`` with numpy types replaced by Python ones; raise if not JSON."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                exc = SampleHtypeMismatchError(htype, type(key))
                exc.args = (
                    f"JSON object keys must be strings, got {key!r} ({type(key).__name__}); "
                    "convert the keys with str() before appending.",
                )
                raise exc
            out[str(key)] = to_jsonable(item, htype)
        return out
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item, htype) for item in value]
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "OV":
            return [to_jsonable(item, htype) for item in value.tolist()]
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    exc = SampleHtypeMismatchError(htype, type(value))
    exc.args = (
        f"A value of type {type(value).__name__} cannot be stored in a {htype!r} tensor: "
        "JSON holds dicts with string keys, lists, strings, numbers, booleans and None.",
    )
    raise exc


def _as_bytes_array(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.uint8)


def encode_text(value: str) -> np.ndarray:
    return _as_bytes_array(value.encode("utf-8"))


def encode_json(value: Any, htype: str) -> np.ndarray:
    data = json.dumps(
        to_jsonable(value, htype), ensure_ascii=False, separators=(",", ":"), allow_nan=True
    )
    return _as_bytes_array(data.encode("utf-8"))


def _raw(stored: Any) -> bytes:
    if stored is None:
        return b""
    if isinstance(stored, np.ndarray):
        return stored.tobytes()
    return bytes(stored)


def decode(form: str, stored: Any) -> Any:
    """Python value of one stored text/json/list sample."""
    raw = _raw(stored)
    if not raw:
        return empty_value(form)
    text = raw.decode("utf-8")
    return text if form == "text" else json.loads(text)
