"""Behaviours of ``class_label`` and ``tag``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from deeplake_core.exceptions import SampleHtypeMismatchError
from deeplake_core.htype import HtypeBehavior, TensorConfig

_NUMBERS = (int, float, np.number, np.bool_)


class _Labeler:
    """Maps label strings to indices, adding unknown ones to a copy of the names."""

    def __init__(self, names: list[str]):
        self.names = list(names)
        self.index = {name: i for i, name in enumerate(self.names)}
        self.added = False

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            if value not in self.index:
                self.index[value] = len(self.names)
                self.names.append(str(value))
                self.added = True
            return self.index[value]
        if isinstance(value, np.ndarray):
            if value.dtype.kind in "USO":
                return [self(v) for v in value.tolist()] if value.ndim else self(value.item())
            return value
        if isinstance(value, (list, tuple)):
            return [self(v) for v in value]
        return value


class ClassLabelBehavior(HtypeBehavior):
    """Label strings become indices into ``info.class_names`` (new names appended);
    ``data()`` adds the names of the labels read (``None`` for an index with no name)."""

    def prepare(
        self, cfg: TensorConfig, samples: Any, info: Mapping[str, Any]
    ) -> tuple[Any, dict[str, Any]]:
        if isinstance(samples, np.ndarray) and samples.dtype.kind not in "USO":
            return samples, {}
        if not isinstance(samples, np.ndarray) and all(isinstance(s, _NUMBERS) for s in samples):
            return samples, {}
        labeler = _Labeler(info.get("class_names") or [])
        items = samples.tolist() if isinstance(samples, np.ndarray) else samples
        out = [labeler(s) for s in items]
        return out, ({"class_names": labeler.names} if labeler.added else {})

    def data(
        self,
        cfg: TensorConfig,
        value: Any,
        info: Mapping[str, Any],
        extras: Mapping[str, Any],
    ) -> dict[str, Any]:
        names = list(info.get("class_names") or [])
        return {"value": value, "text": _names_of(value, names)}


def _names_of(value: Any, names: list[str]) -> Any:
    if isinstance(value, list):
        return [_names_of(v, names) for v in value]
    arr = np.asarray(value)
    flat = arr.reshape(-1).astype(np.int64)
    n = len(names)
    out = np.array([names[i] if 0 <= i < n else None for i in flat], dtype=object)
    return out.reshape(arr.shape).tolist()


class TagBehavior(HtypeBehavior):
    """A tag sample is a string or a list of strings; a string is stored as ``[s]``."""

    def prepare(
        self, cfg: TensorConfig, samples: Any, info: Mapping[str, Any]
    ) -> tuple[Any, dict[str, Any]]:
        items = samples.tolist() if isinstance(samples, np.ndarray) else samples
        return [self._tags(cfg, s) for s in items], {}

    @staticmethod
    def _tags(cfg: TensorConfig, sample: Any) -> list[str] | None:
        if sample is None:
            return None
        if isinstance(sample, str):
            return [str(sample)]
        if isinstance(sample, np.ndarray):
            sample = sample.tolist()
        if isinstance(sample, (list, tuple)):
            for tag in sample:
                if not isinstance(tag, str):
                    exc = SampleHtypeMismatchError(cfg.htype, type(tag))
                    exc.args = (
                        f"Tags are strings; got {tag!r} ({type(tag).__name__}) in a sample "
                        f"of htype {cfg.htype!r}.",
                    )
                    raise exc
            return [str(t) for t in sample]
        exc = SampleHtypeMismatchError(cfg.htype, type(sample))
        exc.args = (f"A tag sample is a string or a list of strings; got {type(sample).__name__}.",)
        raise exc
