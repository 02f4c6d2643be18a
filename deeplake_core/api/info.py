"""``Info``: the JSON key-value store of a dataset or tensor (``ds.info``, ``t.info``).

An ``Info`` wraps a dict owned by someone else (a dataset's manifest, say) and edits it
in place. After every change it calls ``on_change(data)`` so the owner can persist it;
if the callback raises, the change is undone and the error propagates. Values must be
JSON-serialisable (NumPy scalars and arrays and tuples are converted to plain numbers
and lists); anything else is refused with :class:`~deeplake_core.exceptions.InfoError`.
Keys are strings. Keys are also readable and writable as attributes
(``info.class_names``), except names of ``Info`` methods, which need ``info["keys"]``.
Nested values are returned as stored: reassign a changed nested value
(``info["labels"] = labels``) to persist it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from deeplake_core.exceptions import InfoError, ReadOnlyModeError

_MISSING: Any = object()


def to_json_value(value: Any, where: str = "value") -> Any:
    """``value`` as plain JSON data (a new object); ``InfoError`` if it is not JSON-like."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    module = type(value).__module__
    if module == "numpy":
        import numpy as np

        if isinstance(value, np.ndarray):
            return to_json_value(value.tolist(), where)
        if isinstance(value, np.generic):
            return to_json_value(value.item(), where)
    if isinstance(value, (list, tuple)):
        return [to_json_value(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise InfoError(
                    f"info keys must be strings, got {type(k).__name__} {k!r} in {where}; "
                    "convert the key with str()"
                )
            out[k] = to_json_value(v, f"{where}[{k!r}]")
        return out
    raise InfoError(
        f"{where} has type {type(value).__name__}, which cannot be stored in info; use "
        "str, int, float, bool, None, or lists and dicts of those"
    )


class Info:
    """Dict-like JSON store with attribute access that persists through a callback."""

    def __init__(
        self,
        data: dict[str, Any] | None = None,
        on_change: Callable[[dict[str, Any]], None] | None = None,
        read_only: bool = False,
    ):
        object.__setattr__(self, "_data", {} if data is None else data)
        object.__setattr__(self, "_on_change", on_change)
        object.__setattr__(self, "_read_only", read_only)

    # -- the one write path ----------------------------------------------------------
    def _check_writable(self) -> None:
        if self._read_only:
            raise ReadOnlyModeError(
                "info cannot be changed: the dataset is open read-only; open it with "
                "read_only=False to edit info."
            )

    def _apply(self, changes: dict[str, Any], removals: Iterable[str] = ()) -> None:
        """Set ``changes`` and delete ``removals`` in place, then notify; undo on error."""
        self._check_writable()
        data = self._data
        touched = set(changes) | set(removals)
        before = {k: data[k] for k in touched if k in data}
        for key in removals:
            data.pop(key, None)
        data.update(changes)
        if self._on_change is None:
            return
        try:
            self._on_change(data)
        except BaseException:
            for key in touched:
                data.pop(key, None)
            data.update(before)
            raise

    @staticmethod
    def _key(key: Any) -> str:
        if not isinstance(key, str):
            raise InfoError(f"info keys must be strings, got {type(key).__name__} {key!r}")
        return key

    # -- mapping protocol ------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._check_writable()
        key = self._key(key)
        self._apply({key: to_json_value(value, f"info[{key!r}]")})

    def __delitem__(self, key: str) -> None:
        self._check_writable()
        if key not in self._data:
            raise KeyError(key)
        self._apply({}, [key])

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Info):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._data)

    __str__ = __repr__

    # -- attribute access ------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(
                f"info has no key {name!r}; set it with info[{name!r}] = value or "
                f"info.update({name}=value)"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_") or hasattr(type(self), name):
            raise InfoError(
                f"{name!r} cannot be set as an attribute of info; use info[{name!r}] = value"
            )
        self[name] = value

    def __delattr__(self, name: str) -> None:
        if name not in self._data:
            raise AttributeError(f"info has no key {name!r}")
        del self[name]

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | {k for k in self._data if k.isidentifier()})

    # -- dict methods ----------------------------------------------------------------
    def keys(self):
        return self._data.keys()

    def values(self):
        return self._data.values()

    def items(self):
        return self._data.items()

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Like ``dict.update``; all values are checked first and saved in one change."""
        self._check_writable()
        if len(args) > 1:
            raise TypeError(f"update expected at most 1 positional argument, got {len(args)}")
        merged: dict[Any, Any] = dict(*args, **kwargs)
        changes = {self._key(k): to_json_value(v, f"info[{k!r}]") for k, v in merged.items()}
        if changes:
            self._apply(changes)

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self._data:
            self[key] = default
        return self._data[key]

    def pop(self, key: str, default: Any = _MISSING) -> Any:
        if key not in self._data:
            if default is _MISSING:
                raise KeyError(key)
            return default
        value = self._data[key]
        del self[key]
        return value

    def popitem(self) -> tuple[str, Any]:
        """Remove and return the most recently added ``(key, value)``."""
        if not self._data:
            raise KeyError("popitem(): info is empty")
        key = next(reversed(self._data))
        return key, self.pop(key)

    def clear(self) -> None:
        if self._data:
            self._apply({}, list(self._data))

    def replace_with(self, d: Mapping[str, Any]) -> None:
        """Replace the whole content with ``d`` in one change."""
        self._check_writable()
        changes = {self._key(k): to_json_value(v, f"info[{k!r}]") for k, v in d.items()}
        self._apply(changes, [k for k in self._data if k not in changes])

    # -- extras ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A deep copy of the content as a plain dict."""
        return copy.deepcopy(self._data)

    @property
    def nbytes(self) -> int:
        """Size of the content serialised as JSON, in bytes."""
        return len(json.dumps(self._data).encode())

    @property
    def read_only(self) -> bool:
        return self._read_only
