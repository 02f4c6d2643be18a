"""``samples_out``: what a compute function appends its outputs to.

:class:`TransformDataset` collects the samples one call of a compute function
produces, by tensor: ``samples_out.images.append(x)``, ``samples_out["labels"].extend
(ys)``, ``samples_out.append({"images": x, "labels": y})``, and for groups
``samples_out.group.tensor`` or ``samples_out["group/tensor"]``. In a pipeline, each of
its rows (``samples_out[i]``, a :class:`TransformRow`) is the ``sample_in`` of the next
function, whose tensors read like dataset tensors (``sample_in.images.numpy()``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from deeplake_core.exceptions import InvalidTransformDataset


def _norm(name: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"tensor names are strings, got {type(name).__name__}")
    return "/".join(p for p in name.split("/") if p)


class TransformTensor:
    """One tensor of a :class:`TransformDataset`: a list of samples in append order."""

    __slots__ = ("_items", "name")

    def __init__(self, name: str, items: list[Any]) -> None:
        self.name = name
        self._items = items

    def append(self, sample: Any) -> None:
        self._items.append(sample)

    def extend(self, samples: Iterable[Any]) -> None:
        if isinstance(samples, str | bytes | dict):
            raise TypeError(
                f"extend() of {self.name!r} takes a sequence of samples; use append() for "
                "a single one"
            )
        if isinstance(samples, np.ndarray):
            if samples.ndim == 0:
                raise TypeError("extend() needs an array with a sample axis; use append()")
            self._items.extend(samples)
        else:
            self._items.extend(list(samples))

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: int) -> SampleValue:
        return SampleValue(self._items[index])

    def __iter__(self) -> Iterator[SampleValue]:
        return (SampleValue(x) for x in self._items)

    def numpy(self, aslist: bool = False) -> Any:
        arrays = [np.asarray(x) for x in self._items]
        if aslist:
            return arrays
        return np.stack(arrays) if arrays else np.zeros((0,))

    def __repr__(self) -> str:
        return f"TransformTensor({self.name!r}, {len(self)} samples)"


class SampleValue:
    """One sample written by an earlier function of a pipeline, read like a tensor."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def numpy(self, aslist: bool = False) -> Any:
        return np.asarray(self.value)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        arr = np.asarray(self.value)
        return arr.astype(dtype) if dtype is not None else arr

    def data(self) -> dict[str, Any]:
        return {"value": self.value}

    def text(self) -> Any:
        return self.value

    def dict(self) -> Any:
        return self.value

    def list(self) -> Any:
        return self.value

    @property
    def shape(self) -> tuple[int, ...]:
        return np.shape(self.value)

    def __repr__(self) -> str:
        return f"SampleValue({self.value!r})"


class TransformDataset:
    """The ``samples_out`` argument of a compute function (see the module docstring).

    ``groups`` names the groups of the output dataset, so that ``samples_out.g``
    returns a group view when ``g`` is one; any other name is a tensor.
    """

    __slots__ = ("_data", "_groups", "_prefix")

    def __init__(
        self,
        groups: frozenset[str] = frozenset(),
        prefix: str = "",
        data: dict[str, list[Any]] | None = None,
    ) -> None:
        object.__setattr__(self, "_data", {} if data is None else data)
        object.__setattr__(self, "_groups", groups)
        object.__setattr__(self, "_prefix", prefix)

    # -- access ---------------------------------------------------------------------
    def _key(self, name: str) -> str:
        name = _norm(name)
        return f"{self._prefix}/{name}" if self._prefix else name

    def _get(self, name: str) -> TransformTensor | TransformDataset:
        key = self._key(name)
        if key in self._groups:
            return TransformDataset(self._groups, key, self._data)
        return TransformTensor(key, self._data.setdefault(key, []))

    def __getattr__(self, name: str) -> TransformTensor | TransformDataset:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._get(name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(
            f"cannot assign samples_out.{name}; append to it: samples_out.{name}.append(...)"
        )

    def __getitem__(self, item: str | int) -> Any:
        if isinstance(item, str):
            return self._get(item)
        if isinstance(item, int | np.integer):
            n = len(self)
            i = int(item) + n if item < 0 else int(item)
            if not 0 <= i < n:
                raise IndexError(f"row {item} is out of range for {n} rows")
            return TransformRow(self, i)
        raise TypeError("samples_out is indexed by a tensor name or a row number")

    def __contains__(self, name: str) -> bool:
        return self._key(name) in self._data

    # -- writing --------------------------------------------------------------------
    def append(self, sample: dict[str, Any], skip_ok: bool = False) -> None:
        """Append one row: ``{tensor name: sample}``."""
        if not isinstance(sample, dict):
            raise TypeError("samples_out.append() takes a dict of tensor name -> sample")
        for name, value in sample.items():
            self._data.setdefault(self._key(name), []).append(value)

    def extend(self, samples: dict[str, Any], skip_ok: bool = False) -> None:
        """Append many rows: ``{tensor name: sequence of samples}`` (equal lengths)."""
        if not isinstance(samples, dict):
            raise TypeError("samples_out.extend() takes a dict of tensor name -> samples")
        lengths = {name: len(v) for name, v in samples.items()}
        if len(set(lengths.values())) > 1:
            raise InvalidTransformDataset(
                f"samples_out.extend() got different numbers of samples per tensor: {lengths}"
            )
        for name, values in samples.items():
            TransformTensor(self._key(name), self._data.setdefault(self._key(name), [])).extend(
                values
            )

    # -- reading --------------------------------------------------------------------
    @property
    def tensors(self) -> dict[str, TransformTensor]:
        """Tensors written so far, by full name."""
        return {k: TransformTensor(k, v) for k, v in self._data.items()}

    def written(self) -> dict[str, list[Any]]:
        """Tensor name -> samples, for tensors with at least one sample."""
        return {k: v for k, v in self._data.items() if v}

    def __len__(self) -> int:
        """Number of rows; :class:`InvalidTransformDataset` if tensors differ in length."""
        lengths = {k: len(v) for k, v in self._data.items() if v}
        if not lengths:
            return 0
        if len(set(lengths.values())) > 1:
            raise InvalidTransformDataset(
                "the tensors written for one input sample differ in length "
                f"({lengths}); append the same number of samples to every tensor"
            )
        return next(iter(lengths.values()))

    def __iter__(self) -> Iterator[TransformRow]:
        return (TransformRow(self, i) for i in range(len(self)))

    def __repr__(self) -> str:
        return f"TransformDataset(tensors={sorted(self._data)})"


class TransformRow:
    """Row ``i`` of a :class:`TransformDataset`; the ``sample_in`` of the next pipeline
    function. ``row.images`` / ``row["images"]`` give a :class:`SampleValue`."""

    __slots__ = ("_ds", "_i", "_prefix")

    def __init__(self, ds: TransformDataset, i: int, prefix: str = "") -> None:
        self._ds = ds
        self._i = i
        self._prefix = prefix

    def _get(self, name: str) -> Any:
        key = f"{self._prefix}/{_norm(name)}" if self._prefix else _norm(name)
        data = self._ds._data
        if data.get(key):
            return SampleValue(data[key][self._i])
        if any(k.startswith(key + "/") for k in data):
            return TransformRow(self._ds, self._i, key)
        raise KeyError(f"the previous function of the pipeline wrote no tensor {key!r}")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self._get(name)
        except KeyError as exc:
            raise AttributeError(str(exc)) from None

    def __getitem__(self, name: str) -> Any:
        return self._get(name)

    def keys(self) -> list[str]:
        p = self._prefix + "/" if self._prefix else ""
        return sorted(k[len(p) :] for k, v in self._ds._data.items() if k.startswith(p) and v)

    def __repr__(self) -> str:
        return f"TransformRow({self._i}, tensors={self.keys()})"
