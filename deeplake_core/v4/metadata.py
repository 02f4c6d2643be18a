"""Dataset and column metadata of the Deep Lake 4 face.

Metadata is the same dictionary the Deep Lake 3 face calls ``info`` (``ds.info`` for
the dataset, ``ds.<tensor>.info`` for a column): ``ds["labels"].metadata["class_names"]``
is ``ds.labels.info.class_names``. A change is written to storage at once (the head
version's manifest is replaced), without ``commit()``; a commit then records it in the
version like any other change.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

from deeplake_core.exceptions import ReadOnlyModeError


def _jsonable(key: str, value: Any) -> Any:
    """Metadata values are JSON values (numpy scalars/arrays become numbers/lists)."""
    from deeplake_core.htype.forms import to_jsonable

    if not isinstance(key, str):
        raise TypeError(f"metadata keys are strings, got {type(key).__name__}")
    try:
        value = to_jsonable(value, "json")
        json.dumps(value, allow_nan=True)
    except Exception as exc:
        raise TypeError(
            f"metadata[{key!r}] must be a JSON value (str, number, bool, None, list, dict), "
            f"got {type(value).__name__}"
        ) from exc
    return value


class ReadOnlyMetadata:
    """Read access to a dataset's or a column's metadata (``metadata["key"]``,
    ``keys()``, ``in``, iteration)."""

    def __init__(self, data: Callable[[], dict[str, Any]], owner: str):
        self._data = data
        self._owner = owner

    def __getitem__(self, key: str) -> Any:
        data = self._data()
        if key not in data:
            raise KeyError(f"{self._owner} has no metadata key {key!r}; keys: {sorted(data)}")
        return copy.deepcopy(data[key])

    def get(self, key: str, default: Any = None) -> Any:
        data = self._data()
        return copy.deepcopy(data[key]) if key in data else default

    def keys(self) -> list[str]:
        return list(self._data())

    def __contains__(self, key: object) -> bool:
        return key in self._data()

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._data()))

    def __len__(self) -> int:
        return len(self._data())

    def to_dict(self) -> dict[str, Any]:
        return copy.deepcopy(dict(self._data()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ReadOnlyMetadata):
            return self.to_dict() == other.to_dict()
        return isinstance(other, dict) and self.to_dict() == other

    __hash__ = None  # type: ignore[assignment]

    def __setitem__(self, key: str, value: Any) -> None:
        raise ReadOnlyModeError(
            f"the metadata of {self._owner} is read-only here; open the dataset with "
            "deeplake.open() to change it"
        )

    def __delitem__(self, key: str) -> None:
        self.__setitem__(key, None)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_dict()!r})"


class Metadata(ReadOnlyMetadata):
    """Writable metadata: each assignment is persisted at once (no commit needed)."""

    def __init__(
        self,
        data: Callable[[], dict[str, Any]],
        owner: str,
        persist: Callable[[Callable[[dict[str, Any]], None]], None],
    ):
        super().__init__(data, owner)
        self._persist = persist

    def __setitem__(self, key: str, value: Any) -> None:
        value = _jsonable(key, value)

        def change(d: dict[str, Any]) -> None:
            d[key] = value

        self._persist(change)

    def __delitem__(self, key: str) -> None:
        if key not in self._data():
            raise KeyError(f"{self._owner} has no metadata key {key!r}")

        def change(d: dict[str, Any]) -> None:
            del d[key]

        self._persist(change)

    def update(self, other: Any = (), **kwargs: Any) -> None:
        items = {**dict(other), **kwargs}
        clean = {k: _jsonable(k, v) for k, v in items.items()}

        def change(d: dict[str, Any]) -> None:
            d.update(clean)

        self._persist(change)
