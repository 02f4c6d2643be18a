"""Module-level queries: ``deeplake.query("SELECT * FROM 'path' WHERE ...")``.

The ``FROM`` clause names the dataset (any path ``deeplake.load`` opens, including
``path@version``); it is opened read-only for the query. ``query_async`` returns a
:class:`~deeplake_core.core.futures.Future`; ``explain_query`` the plan;
``prepare_query`` a reusable executor for queries with ``?`` parameters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from deeplake_core.exceptions import TQLError

if TYPE_CHECKING:
    from deeplake_core.core.dataset import Dataset
    from deeplake_core.core.futures import Future
    from deeplake_core.core.query_api import QueryExecutor
    from deeplake_core.tql import Plan
    from deeplake_core.tql.ast import Select, SetOp


def _sources(tree: Select | SetOp) -> list[str]:
    from deeplake_core.tql.ast import Select

    if isinstance(tree, Select):
        return [tree.source] if tree.source is not None else []
    return _sources(tree.left) + _sources(tree.right)


def _target(query: str) -> tuple[str | None, Select | SetOp]:
    """The dataset path named by ``FROM`` (``None`` without one) and the parsed query."""
    from deeplake_core.tql import parse

    if not isinstance(query, str):
        raise TypeError(f"a query is a TQL string, got {type(query).__name__}")
    tree = parse(query)
    paths = set(_sources(tree))
    if len(paths) > 1:
        raise TQLError(
            f"a query reads one dataset, but FROM names {sorted(paths)}; run one query per dataset",
            query=query,
        )
    return (paths.pop() if paths else None), tree


def _open(path: str, creds: dict | str | None, token: str | None) -> Dataset:
    from deeplake_core.api.dataset import load

    return load(path, read_only=True, creds=creds, token=token, verbose=False)


def _dataset_for(query: str, creds: dict | str | None, token: str | None):
    path, tree = _target(query)
    if path is None:
        raise TQLError(
            "this query names no dataset: write SELECT * FROM 'path/to/dataset' ..., or "
            "run it on an open dataset with ds.query(...)",
            query=query,
        )
    return _open(path, creds, token), tree


def query(query: str, token: str | None = None, creds: dict | str | None = None) -> Dataset:
    """Run a TQL query on the dataset its ``FROM`` names; return the result view.

    ``deeplake.query("SELECT * FROM './animals' WHERE labels == 'cat' LIMIT 10")``.
    """
    from deeplake_core.core.query_api import run_query

    ds, tree = _dataset_for(query, creds, token)
    return run_query(ds, tree)


_query = query  # for query_async, whose argument is named ``query``


def query_async(
    query: str, token: str | None = None, creds: dict | str | None = None
) -> Future[Dataset]:
    """:func:`query` in the background; ``.result()`` gives the view."""
    from deeplake_core.core.futures import Future

    return Future.submit(_query, query, token=token, creds=creds)


def explain_query(query: str, token: str | None = None, creds: dict | str | None = None) -> Plan:
    """The plan of a query (``print(plan)``, ``plan.to_dict()``). With ``FROM``, tensor
    names are checked against that dataset; ``?`` parameters may stay unbound."""
    from deeplake_core.tql import explain

    path, tree = _target(query)
    if path is None:
        return explain(tree)
    from deeplake_core.core.query_source import DatasetSource

    return explain(tree, DatasetSource(_open(path, creds, token)))


def prepare_query(
    query: str, token: str | None = None, creds: dict | str | None = None
) -> QueryExecutor:
    """Parse and check a query with ``?`` parameters once; run it with
    ``run_single(params)`` / ``run_batch(param_list)`` (and their ``*_async`` forms)."""
    from deeplake_core.core.query_api import QueryExecutor

    ds, _ = _dataset_for(query, creds, token)
    return QueryExecutor(ds, query)


__all__ = ["explain_query", "prepare_query", "query", "query_async"]
