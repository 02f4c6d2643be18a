"""What the Deep Lake 4 classes hand to other layers: queries (``core.query_api``),
version objects (``core.vc``), refresh and batch iteration."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from deeplake_core.v4.columns import read_values

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


def batches(owner: Any, batch_size: int, drop_last: bool) -> Iterator[dict[str, Any]]:
    """Batches of rows as ``{column: values}`` (one read per column per batch)."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size is a positive int, got {batch_size!r}")
    n = len(owner)
    names = owner._column_names()
    cols = {name: owner._column_cls(owner._core, name) for name in names}
    types = {name: col.dtype for name, col in cols.items()}
    stop_at = n - n % batch_size if drop_last else n
    for start in range(0, stop_at, batch_size):
        stop = min(stop_at, start + batch_size)
        yield {
            name: read_values(col._tensor[start:stop], types[name]) for name, col in cols.items()
        }


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
