"""Queries on datasets: ``ds.query``, ``ds.filter``, ``ds.sample_by`` and friends.

:class:`QueryMixin` is a base of :class:`~deeplake_core.core.dataset.Dataset`. Every
method returns a *view*: the dataset's rows that the query selected, in result order
(``ORDER BY``), usable like any other view (``len``, indexing, ``numpy()``, another
``query``). A view made here also records what made it in ``view._query_info``
(:class:`QueryInfo`: the query text, the dataset path and version it ran on); its rows
are ``view.index``. That is what saving the view needs.

Queries run on the dataset's own data through
:class:`~deeplake_core.core.query_source.DatasetSource`; no user input is ever
evaluated as Python (a TQL string is parsed by the TQL parser, a callable given to
``filter`` is called, never compiled).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from deeplake_core.exceptions import DatasetViewSavingError, FilterError, TQLError

if TYPE_CHECKING:
    from deeplake_core.core.dataset import Dataset
    from deeplake_core.core.futures import Future
    from deeplake_core.tql import Plan, QueryResult
    from deeplake_core.tql.ast import Select, SetOp


@dataclass(frozen=True)
class QueryInfo:
    """How a view was made: enough to save it (its rows are ``view.index``)."""

    #: TQL text (``query``, ``sample_by``), the filter expression, or ``None`` for a
    #: filter function.
    query: str | None
    #: ``"query"``, ``"filter"`` or ``"sample_by"``.
    kind: str
    #: Path and version id of the dataset the query ran on.
    source_path: str
    source_version: str


def _rng() -> np.random.Generator:
    from deeplake_core.core.seed import DeeplakeRandom

    return DeeplakeRandom().rng()


def _source(ds: Dataset) -> Any:
    from deeplake_core.core.query_source import DatasetSource

    return DatasetSource(ds)


def _tag(view: Dataset, ds: Dataset, query: str | None, kind: str) -> Dataset:
    info = QueryInfo(query, kind, ds.path, ds.version_id)
    object.__setattr__(view, "_query_info", info)
    return view


def rows_view(ds: Dataset, positions: np.ndarray) -> Dataset:
    """The view of ``ds`` holding its rows at ``positions`` (in that order)."""
    index = ds.index
    if not index.squeeze:
        return ds[positions]
    # ``ds[i]`` is one row; indexing it again would index inside that row's samples
    rows = np.asarray(index.values(0), dtype=np.int64)[positions]
    whole = ds.no_view_dataset
    if ds._subset is not None:
        whole = whole[list(ds._subset)]
    return whole[rows]


def result_view(ds: Dataset, result: QueryResult, query: str) -> Dataset:
    """The view of ``ds`` holding the rows of ``result`` in result order."""
    view = rows_view(ds, result.indices)
    if result.columns and list(result.columns) != list(ds.tensors):
        view = view[list(result.columns)]
    return _tag(view, ds, query, "query")


def run_query(
    ds: Dataset, query: str | Select | SetOp, params: Sequence[Any] | None = None
) -> Dataset:
    """Run TQL ``query`` on ``ds`` (its ``FROM`` is ignored); return the result view."""
    from deeplake_core.tql import execute
    from deeplake_core.tql.ast import Select, SetOp, to_tql

    if not isinstance(query, str | Select | SetOp):
        raise TypeError(f"a query is a TQL string, got {type(query).__name__}")
    result = execute(query, _source(ds), params, seed=_rng())
    text = query if isinstance(query, str) else to_tql(query)
    return result_view(ds, result, text)


def _check_runtime(runtime: dict | None, return_data: bool) -> None:
    if runtime is not None and not isinstance(runtime, dict):
        raise TypeError(f"runtime is a dict such as {{'tensor_db': False}}, got {runtime!r}")
    tensor_db = bool((runtime or {}).get("tensor_db", False))
    if return_data and not tensor_db:
        raise ValueError("return_data=True needs runtime={'tensor_db': True}")
    if return_data:
        raise ValueError(
            "return_data=True asks the managed Tensor Database (a hosted service) for the "
            "rows; deeplake-core runs queries locally: drop return_data and read the "
            "view's tensors (view.<tensor>.numpy())"
        )


class QueryExecutor:
    """A query parsed and checked once, run many times with different ``?`` values.

    ``run_single(params)`` returns a view; ``run_batch(param_list)`` a list of views;
    the ``*_async`` forms return :class:`~deeplake_core.core.futures.Future` objects.
    Each run sees the dataset's rows at that time.
    """

    def __init__(self, dataset: Dataset, query: str):
        from deeplake_core.tql import explain, parse

        if not isinstance(query, str):
            raise TypeError(f"a query is a TQL string, got {type(query).__name__}")
        self._ds = dataset
        self._query = query
        self._tree = parse(query)
        explain(self._tree, _source(dataset))  # unknown tensors/functions fail here

    @property
    def dataset(self) -> Dataset:
        return self._ds

    def get_query_string(self) -> str:
        return self._query

    def explain(self, params: Sequence[Any] | None = None) -> Plan:
        from deeplake_core.tql import explain

        return explain(self._tree, _source(self._ds), params)

    def run_single(self, params: Sequence[Any] | None = None) -> Dataset:
        """Run once; ``params`` holds one value per ``?``, in order."""
        from deeplake_core.tql import execute

        result = execute(self._tree, _source(self._ds), _params(params), seed=_rng())
        return result_view(self._ds, result, self._query)

    def run_batch(self, param_list: Sequence[Sequence[Any]]) -> list[Dataset]:
        """Run once per parameter list; the views come back in the same order."""
        if isinstance(param_list, str | bytes) or not isinstance(param_list, Sequence):
            raise TQLError("run_batch takes a list of parameter lists: [[1], [2], ...]")
        return [self.run_single(params) for params in param_list]

    def run_single_async(self, params: Sequence[Any] | None = None) -> Future[Dataset]:
        from deeplake_core.core.futures import Future

        return Future.submit(self.run_single, params)

    def run_batch_async(self, param_list: Sequence[Sequence[Any]]) -> Future[list[Dataset]]:
        from deeplake_core.core.futures import Future

        return Future.submit(self.run_batch, param_list)

    def __repr__(self) -> str:
        return f"QueryExecutor({self._query!r}, dataset={self._ds.path!r})"


def _params(params: Sequence[Any] | None) -> Sequence[Any] | None:
    if params is None or isinstance(params, list | tuple):
        return params
    if isinstance(params, np.ndarray):
        return list(params)
    raise TQLError(f"params is a list with one value per '?', got {type(params).__name__}")


# ----------------------------------------------------------------------------- filter


_SCHEDULERS = ("serial", "threaded", "processed", "ray")


def _truth(value: Any, row: int) -> bool:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    arr = np.asarray(value) if isinstance(value, np.ndarray | list | tuple) else None
    if arr is None:
        return bool(value)
    if arr.size == 0:
        return False
    if arr.size == 1:
        return bool(arr.reshape(-1)[0])
    raise FilterError(
        f"the filter function returned {arr.size} values for sample {row}; it must return "
        "one bool per sample (e.g. sample.labels.numpy()[0] == 2)"
    )


class _Progress:
    """A tqdm bar when tqdm is installed and wanted, else nothing."""

    def __init__(self, total: int, enabled: bool, what: str):
        self._bar = None
        if enabled and total:
            try:
                from tqdm import tqdm
            except ImportError:
                return
            self._bar = tqdm(total=total, desc=what, leave=False)

    def update(self, k: int) -> None:
        if self._bar is not None:
            self._bar.update(k)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _filter_block(ds: Dataset, fn: Callable[[Any], Any], start: int, stop: int) -> np.ndarray:
    keep = np.zeros(stop - start, dtype=bool)
    for i in range(start, stop):
        try:
            value = fn(ds[i])
        except FilterError:
            raise
        except Exception as exc:
            raise FilterError(f"the filter function failed on sample {i}: {exc!r}") from exc
        keep[i - start] = _truth(value, i)
    return keep


def filter_rows(
    ds: Dataset,
    fn: Callable[[Any], Any],
    num_workers: int,
    progressbar: bool,
) -> np.ndarray:
    """Positions of the rows of ``ds`` for which ``fn(ds[i])`` is true, in order."""
    n = len(ds)
    bar = _Progress(n, progressbar, "filter")
    try:
        if num_workers <= 0 or n < 2:
            parts = []
            step = max(1, min(n, 1024))
            for start in range(0, n, step):
                stop = min(n, start + step)
                parts.append(_filter_block(ds, fn, start, stop))
                bar.update(stop - start)
        else:
            from concurrent.futures import ThreadPoolExecutor

            blocks = max(1, min(n, num_workers * 4))
            size = math.ceil(n / blocks)
            bounds = [(s, min(n, s + size)) for s in range(0, n, size)]
            with ThreadPoolExecutor(num_workers, thread_name_prefix="deeplake-filter") as pool:
                futures = [pool.submit(_filter_block, ds, fn, a, b) for a, b in bounds]
                parts = []
                for (a, b), fut in zip(bounds, futures, strict=True):
                    parts.append(fut.result())
                    bar.update(b - a)
    finally:
        bar.close()
    keep = np.concatenate(parts) if parts else np.zeros(0, dtype=bool)
    return np.flatnonzero(keep).astype(np.int64)


# ----------------------------------------------------------------------------- sample_by


def sample_weights(ds: Dataset, weights: Any) -> np.ndarray:
    """One float64 weight per row of ``ds`` from a TQL expression, a tensor name or a
    sequence of numbers."""
    n = len(ds)
    if isinstance(weights, str):
        from deeplake_core.tql import evaluate

        values = evaluate(weights, _source(ds), seed=_rng())
        what = f"the weight expression {weights!r}"
    elif isinstance(weights, list | tuple | np.ndarray):
        values, what = weights, "the weights"
    else:
        raise TypeError(
            "sample_by weights are a TQL expression (str), a tensor name, or a list/tuple "
            f"of numbers, got {type(weights).__name__}"
        )
    if isinstance(values, list | tuple):
        if any(v is None for v in values):
            raise ValueError(f"{what} gave no weight (null) for some samples")
        try:
            values = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{what} must give one number per sample") from None
    arr = np.asarray(values)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{what} must give numbers, got values of dtype {arr.dtype}")
    if arr.ndim > 1 and int(np.prod(arr.shape[1:])) == 1:
        arr = arr.reshape(len(arr))
    if arr.ndim != 1:
        raise ValueError(f"{what} must give one number per sample, got shape {arr.shape}")
    if len(arr) != n:
        raise ValueError(f"{what} has {len(arr)} values for a dataset of {n} samples")
    w = arr.astype(np.float64)
    if not np.isfinite(w).all():
        raise ValueError(f"{what} contains NaN or infinite values")
    if (w < 0).any():
        raise ValueError(f"{what} contains negative values; weights must be >= 0")
    return w


def sample_rows(
    weights: np.ndarray, replace: bool, size: int | None, rng: np.random.Generator
) -> np.ndarray:
    """Rows drawn with probability proportional to ``weights``, in the order drawn.

    Without replacement and without a ``size``, every row with a weight above 0 is drawn
    once (a weighted shuffle of those rows).
    """
    n = len(weights)
    if size is None:
        size = n if replace else int(np.count_nonzero(weights))
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 0:
        raise ValueError(f"size must be a whole number >= 0, got {size!r}")
    size = int(size)
    total = float(weights.sum())
    if size == 0:
        return np.zeros(0, dtype=np.int64)
    if total <= 0:
        raise ValueError("every weight is 0: there is nothing to sample")
    if not replace:
        nonzero = int(np.count_nonzero(weights))
        if size > nonzero:
            raise ValueError(
                f"cannot draw {size} distinct samples: only {nonzero} have a weight above 0; "
                "pass a smaller size or replace=True"
            )
    picked = rng.choice(n, size=size, replace=bool(replace), p=weights / total)
    return picked.astype(np.int64)


# ----------------------------------------------------------------------------- the mixin


class QueryMixin:
    """Query methods of :class:`~deeplake_core.core.dataset.Dataset`."""

    #: Set on views made by a query, filter or sampler (see :class:`QueryInfo`).
    _query_info: QueryInfo | None = None

    def query(
        self, query_string: str, runtime: dict | None = None, return_data: bool = False
    ) -> Dataset:
        """The rows selected by a TQL query, as a view (``FROM`` is ignored here).

        ``ds.query("SELECT * WHERE labels == 0 ORDER BY RANDOM() LIMIT 100")``.
        """
        _check_runtime(runtime, return_data)
        if not isinstance(query_string, str):
            raise TypeError(f"a query is a TQL string, got {type(query_string).__name__}")
        return run_query(self, query_string)  # type: ignore[arg-type]

    def query_async(self, query_string: str, runtime: dict | None = None) -> Future[Dataset]:
        """:meth:`query` in the background; returns a Future of the view."""
        from deeplake_core.core.futures import Future

        _check_runtime(runtime, False)
        return Future.submit(self.query, query_string)

    def explain_query(self, query_string: str, params: Sequence[Any] | None = None) -> Plan:
        """The plan of a query on this dataset (``print(plan)``, ``plan.to_dict()``)."""
        from deeplake_core.tql import explain

        return explain(query_string, _source(self), _params(params))  # type: ignore[arg-type]

    def prepare_query(self, query_string: str) -> QueryExecutor:
        """A reusable executor for a query with ``?`` parameters."""
        return QueryExecutor(self, query_string)  # type: ignore[arg-type]

    def filter(
        self,
        function: Callable[[Any], Any] | str,
        num_workers: int = 0,
        scheduler: str = "threaded",
        progressbar: bool = True,
        save_result: bool = False,
        result_path: str | None = None,
        result_ds_args: dict | None = None,
    ) -> Dataset:
        """The rows for which ``function(sample)`` is true, or where the TQL condition
        ``function`` holds (``ds.filter("labels == 2")``), as a view.

        ``num_workers > 0`` calls the function from that many threads, each over a
        contiguous block of rows, or, with ``scheduler="processed"`` / ``"ray"``, on
        that scheduler plugin's workers. ``save_result=True`` saves the view with
        ``save_view(path=result_path, **result_ds_args)``.
        """
        ds: Dataset = self  # type: ignore[assignment]
        if scheduler not in _SCHEDULERS:
            raise ValueError(f"unknown scheduler {scheduler!r}; use 'serial' or 'threaded'")
        if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(f"num_workers must be a whole number >= 0, got {num_workers!r}")
        if save_result and not callable(getattr(ds, "save_view", None)):
            raise DatasetViewSavingError(
                "filter(save_result=True) saves the result with save_view, which needs "
                "version control and a committed dataset without pending changes; it is "
                "not available for this dataset. Run filter without save_result."
            )
        if isinstance(function, str):
            from deeplake_core.tql import filter_indices

            rows = filter_indices(function, _source(ds), seed=_rng())
            text: str | None = function
        elif callable(function):
            workers = 0 if scheduler == "serial" else num_workers
            if workers > 0 and scheduler in ("processed", "ray"):  # scheduler plugins
                from deeplake_core.transform import dataset_ops

                rows = dataset_ops.filter_rows(ds, function, workers, scheduler, progressbar)
            else:
                rows = filter_rows(ds, function, workers, progressbar)
            text = None
        else:
            raise TypeError(
                "filter takes a function of one sample returning a bool, or a TQL condition "
                f"string, got {type(function).__name__}"
            )
        view = _tag(rows_view(ds, rows), ds, text, "filter")
        if save_result:
            view.save_view(path=result_path, **(result_ds_args or {}))
        return view

    def sample_by(
        self,
        weights: str | list | tuple | np.ndarray,
        replace: bool = True,
        size: int | None = None,
    ) -> Dataset:
        """A weighted random sample of the rows, as a view (rows in the order drawn).

        ``weights``: a TQL expression (``"max_weight(labels == 5: 10, labels == 6: 5)"``),
        a tensor name (``"weights"``) or one number per row. ``replace=True`` allows a row
        to be drawn more than once; ``size`` defaults to the dataset's length (without
        replacement: to the number of rows whose weight is above 0). Seeded by
        ``deeplake.random.seed``.
        """
        ds: Dataset = self  # type: ignore[assignment]
        w = sample_weights(ds, weights)
        rows = sample_rows(w, replace, size, _rng())
        view = rows_view(ds, rows)
        return _tag(view, ds, weights if isinstance(weights, str) else None, "sample_by")


__all__ = [
    "QueryExecutor",
    "QueryInfo",
    "QueryMixin",
    "filter_rows",
    "result_view",
    "rows_view",
    "run_query",
    "sample_rows",
    "sample_weights",
]
