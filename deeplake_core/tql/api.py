"""Entry points of the query engine: run, explain and prepare queries over a source."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import numpy as np

from deeplake_core.exceptions import TQLError
from deeplake_core.tql import ast
from deeplake_core.tql.executor import Batch, Evaluator, Executor, QueryResult, iter_batches
from deeplake_core.tql.parser import parse, parse_expression
from deeplake_core.tql.planner import Plan, Planner, bind
from deeplake_core.tql.source import QuerySource
from deeplake_core.tql.values import Const

T = TypeVar("T")


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _tree(query: str | ast.Select | ast.SetOp) -> tuple[str, ast.Select | ast.SetOp]:
    if isinstance(query, ast.Select | ast.SetOp):
        return ast.to_tql(query), query
    return query, parse(query)


def explain(
    query: str,
    source: QuerySource | None = None,
    params: Sequence[Any] | None = None,
    *,
    batch_rows: int | None = None,
) -> Plan:
    """The plan of ``query``. With a ``source``, tensor names are checked against it;
    ``?`` parameters may be left unbound (``params=None``)."""
    text, tree = _tree(query)
    if params is not None:
        tree = bind(tree, params, text)
    return Planner(text, source, batch_rows).plan(tree)


def execute(
    query: str | ast.Select | ast.SetOp,
    source: QuerySource,
    params: Sequence[Any] | None = None,
    *,
    batch_rows: int | None = None,
    seed: int | np.random.Generator | None = None,
) -> QueryResult:
    """Run ``query`` over ``source`` and return the selected rows.

    ``params`` fills the ``?`` placeholders in order; they are values (numbers,
    strings, booleans, None, lists), never parsed as TQL. ``seed`` makes ``RANDOM()``
    reproducible. ``batch_rows`` fixes the rows per batch; by default each scan sizes
    its batches from the columns it reads (``planner.BATCH_BYTES``).
    """
    text, tree = _tree(query)
    plan = Planner(text, source, batch_rows).plan(bind(tree, params, text))
    return Executor(plan, source, _rng(seed)).run()


def evaluate(
    expression: str,
    source: QuerySource,
    params: Sequence[Any] | None = None,
    *,
    batch_rows: int | None = None,
    seed: int | np.random.Generator | None = None,
) -> np.ndarray | list:
    """Values of ``expression`` for every row (``sample_by`` weights such as
    ``"max_weight(labels == 5: 10, labels == 6: 5)"`` or ``"labels"``)."""
    node, plan = _expression_plan(expression, source, params, batch_rows)
    ev = Evaluator(plan, _rng(seed))
    parts: list[Any] = []
    for rows in iter_batches(len(source), None, plan.batch_rows):
        value = ev.eval(node, Batch(source, rows, plan.batch_rows))
        if isinstance(value, Const):
            constant = value.value
            parts.append([None] * len(rows) if constant is None else np.full(len(rows), constant))
        else:
            parts.append(value.data)
    if not parts:
        return np.zeros(0)
    if all(isinstance(p, np.ndarray) for p in parts):
        return np.concatenate(parts)
    return [item for part in parts for item in part]


def filter_indices(
    expression: str,
    source: QuerySource,
    params: Sequence[Any] | None = None,
    *,
    batch_rows: int | None = None,
    seed: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Rows where the condition ``expression`` holds (``Dataset.filter("labels == 2")``)."""
    node, plan = _expression_plan(expression, source, params, batch_rows)
    ev = Evaluator(plan, _rng(seed))
    found = []
    for rows in iter_batches(len(source), None, plan.batch_rows):
        found.append(rows[ev.condition(node, Batch(source, rows, plan.batch_rows))])
    return np.concatenate(found) if found else np.zeros(0, np.int64)


def _expression_plan(
    expression: str, source: QuerySource, params: Sequence[Any] | None, batch_rows: int | None
) -> tuple[ast.Node, Plan]:
    node = bind(parse_expression(expression), params, expression)
    planner = Planner(expression, source, batch_rows)
    node = planner.resolve(node)
    plan = Plan(
        kind="select",
        query=expression,
        where=node,
        batch_rows=planner.rows_per_batch(planner.reads(node)),
        resolved=planner.resolved,
    )
    return node, plan


class PreparedQuery(Generic[T]):
    """A parsed query to run many times with different ``?`` values.

    ``wrap`` turns each :class:`QueryResult` into what the caller returns (the dataset
    layer passes a function building a view).
    """

    def __init__(
        self,
        query: str,
        source: QuerySource,
        *,
        wrap: Callable[[QueryResult], T] | None = None,
        batch_rows: int | None = None,
        seed: int | np.random.Generator | None = None,
    ):
        self._query = query
        self._tree = parse(query)
        self._source = source
        self._wrap = wrap
        self._batch_rows = batch_rows
        self._rng = _rng(seed)
        # Check names and functions once, before any parameters are known.
        Planner(query, source, batch_rows).plan(self._tree)

    def get_query_string(self) -> str:
        return self._query

    def explain(self, params: Sequence[Any] | None = None) -> Plan:
        return explain(self._query, self._source, params, batch_rows=self._batch_rows)

    def run_single(self, params: Sequence[Any] | None = None) -> T:
        """Run once with ``params`` (one value per ``?``)."""
        plan = Planner(self._query, self._source, self._batch_rows).plan(
            bind(self._tree, params, self._query)
        )
        result = Executor(plan, self._source, self._rng).run()
        return self._wrap(result) if self._wrap is not None else result  # type: ignore[return-value]

    def run_batch(self, param_list: Sequence[Sequence[Any]]) -> list[T]:
        """Run once per parameter list; results in the same order."""
        if isinstance(param_list, str | bytes):
            raise TQLError("run_batch takes a list of parameter lists")
        return [self.run_single(params) for params in param_list]

    def __repr__(self) -> str:
        return f"PreparedQuery({self._query!r})"


def prepare(
    query: str,
    source: QuerySource,
    *,
    wrap: Callable[[QueryResult], T] | None = None,
    batch_rows: int | None = None,
    seed: int | np.random.Generator | None = None,
) -> PreparedQuery[T]:
    """Parse and check ``query`` once; run it later with :meth:`PreparedQuery.run_single`
    or :meth:`PreparedQuery.run_batch`."""
    return PreparedQuery(query, source, wrap=wrap, batch_rows=batch_rows, seed=seed)


__all__ = [
    "PreparedQuery",
    "QueryResult",
    "evaluate",
    "execute",
    "explain",
    "filter_indices",
    "prepare",
]
