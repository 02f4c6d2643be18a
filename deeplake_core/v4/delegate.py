"""What the Deep Lake 4 classes hand to other layers: queries (``core.query_api``),
version objects (``core.vc``), refresh and batch iteration (``loaders``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from deeplake_core.core.dataset import Dataset as CoreDataset


# ----------------------------------------------------------------------------- queries


def run_query(core: CoreDataset, query: str, params: Sequence[Any] | None = None) -> Any:
    """The rows of ``core`` a TQL query selects, as a Deep Lake 3 view."""
    from deeplake_core.core.query_api import run_query as _run

    if not isinstance(query, str):
        raise TypeError(f"a query is a TQL string, got {type(query).__name__}")
    return _run(core, query, params)


def explain_query(core: CoreDataset, query: str, params: Sequence[Any] | None = None) -> Any:
    return core.explain_query(query, params)


class QueryExecutor:
    """A prepared query over a dataset: run it with different ``?`` values."""

    def __init__(self, inner: Any, wrap: Callable[[Any], Any]):
        self._inner = inner
        self._wrap = wrap

    def get_query_string(self) -> str:
        return self._inner.get_query_string()

    def explain(self, params: Sequence[Any] | None = None) -> Any:
        return self._inner.explain(params)

    def run_single(self, params: Sequence[Any] | None = None) -> Any:
        return self._wrap(self._inner.run_single(params))

    def run_batch(self, param_list: Sequence[Sequence[Any]]) -> list[Any]:
        return [self._wrap(v) for v in self._inner.run_batch(param_list)]

    def run_single_async(self, params: Sequence[Any] | None = None) -> Any:
        from deeplake_core.v4._async import submit

        return submit(self.run_single, params)

    def run_batch_async(self, param_list: Sequence[Sequence[Any]]) -> Any:
        from deeplake_core.v4._async import submit

        return submit(self.run_batch, param_list)

    def __repr__(self) -> str:
        return f"QueryExecutor({self.get_query_string()!r})"


def prepare_query(core: CoreDataset, query: str, wrap: Callable[[Any], Any]) -> QueryExecutor:
    return QueryExecutor(core.prepare_query(query), wrap)


# ----------------------------------------------------------------------------- batches


def batches(owner: Any, batch_size: int, drop_last: bool) -> Any:
    """Batches of ``owner``'s rows as ``{column: values}``, read by the loader core
    (chunk-grouped fetch on threads) and shaped as column reads are: one value per row
    for scalar columns (shape ``(n,)``), lists of ``str``/``dict``/``list`` for text,
    JSON and list columns, one array for equal-shaped samples, else a list of arrays."""
    from deeplake_core.loaders.core import Loader, LoaderConfig
    from deeplake_core.loaders.mixin import Batches

    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size is a positive int, got {batch_size!r}")
    core = owner._core
    forms = {}
    for name in owner._column_names():
        col = owner._column_cls(core, name)
        forms[name] = (col._tensor._cfg.sample_form, col.dtype.scalar)
    cfg = LoaderConfig(
        batch_size=batch_size,
        drop_last=bool(drop_last),
        return_index=False,
        collate_fn=_BatchCollate(forms),
    )
    return Batches(Loader(core, cfg))


class _BatchCollate:
    """Loader collate giving each column of a batch the form ``read_values`` gives."""

    def __init__(self, forms: dict[str, tuple[str, bool]]):
        self.forms = forms

    def __call__(self, samples: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            name: _column_batch([s[name] for s in samples], form, scalar)
            for name, (form, scalar) in self.forms.items()
        }


def _column_batch(values: list[Any], form: str, scalar: bool) -> Any:
    if form in ("text", "json", "list"):
        return list(values)
    if scalar:
        if all(isinstance(v, np.ndarray) and v.size == 1 for v in values):
            return np.concatenate([v.reshape(-1) for v in values])
        return [np.asarray(v).reshape(-1)[0] if np.size(v) == 1 else None for v in values]
    first = values[0]
    if isinstance(first, np.ndarray) and all(
        isinstance(v, np.ndarray) and v.shape == first.shape and v.dtype == first.dtype
        for v in values
    ):
        return np.stack(values)
    return list(values)


# ----------------------------------------------------------------------------- versions


def history(owner: Any) -> Any:
    from deeplake_core.v4.versioning import History

    return History(owner)


def tags(owner: Any) -> Any:
    from deeplake_core.v4.versioning import tags as _tags

    return _tags(owner)


def create_tag(owner: Any, name: str, version: str | None) -> Any:
    from deeplake_core.v4.versioning import create_tag as _create

    return _create(owner, name, version)


def tag_view(view: Any, name: str) -> Any:
    from deeplake_core.v4.versioning import tag_view as _tag_view

    return _tag_view(view, name)


def refresh(owner: Any) -> None:
    from deeplake_core.v4.versioning import refresh as _refresh

    _refresh(owner)
