"""How TQL finds its functions (``CONTAINS``, ``COSINE_SIMILARITY`` ...) and calls them.

Every function is a plugin: a :class:`~deeplake_core.plugins.specs.QueryFunctionSpec`
in the registry (``get_registry().query_functions``). :func:`resolve_function` is the
single place the query engine looks functions up.

Calling convention of an implementation (``spec.impl``):

* ``vectorized=True``: ``impl(ctx, *args)`` once per batch of rows. A per-row argument
  (``ctx.per_row[i]`` true) is an ``np.ndarray`` whose first axis has ``ctx.n`` rows or
  a list of ``ctx.n`` items (ragged arrays, strings, json, ``None``); a constant
  argument is the value itself (number, string, ``None``, ``np.ndarray``). A
  ``cond: weight`` argument arrives as a ``(cond, weight)`` tuple and its
  ``per_row`` flag as a pair of flags. When ``ctx.rows`` is true the function returns
  one value per row (an array with ``ctx.n`` rows or a list of ``ctx.n`` items),
  otherwise one value. :meth:`CallContext.derived` gives per-row data computed once
  from a whole tensor (row norms for ``COSINE_SIMILARITY``) and kept by the source
  while that tensor is unchanged.
* ``vectorized=False``: ``impl(*values)`` once per row with that row's values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from deeplake_core.exceptions import MissingPluginError

if TYPE_CHECKING:
    from collections.abc import Callable

    from deeplake_core.plugins.specs import QueryFunctionSpec
    from deeplake_core.tql.source import ColumnInfo

#: Distribution of the first-party functions and the names it provides, so that a
#: missing function that it would provide names the package to install.
FIRST_PARTY_DISTRIBUTION = "deeplake-core-query-functions"
FIRST_PARTY_FUNCTIONS = frozenset(
    {
        "contains",
        "random",
        "shape",
        "all",
        "all_strict",
        "any",
        "logical_and",
        "logical_or",
        "cosine_similarity",
        "l2_norm",
        "l1_norm",
        "linf_norm",
        "max_weight",
    }
)


@dataclass(frozen=True)
class ResolvedFunction:
    """A function found in the registry: its spec, implementation and provider."""

    spec: QueryFunctionSpec
    impl: Callable[..., Any]
    provider: str


@dataclass(frozen=True)
class CallContext:
    """Passed to vectorized implementations as their first argument."""

    #: Function name as used in the query (lower case).
    name: str
    #: Rows in this batch.
    n: int
    #: Per argument: whether it holds one value per row (pairs: a pair of flags).
    per_row: tuple[Any, ...]
    #: Per argument: the column's info when the argument is a tensor (or an index into
    #: one), else ``None``; lets ``CONTAINS(labels, 'cat')`` map class names.
    infos: tuple[ColumnInfo | None, ...]
    #: Random generator of this query (seeded by the caller for reproducible RANDOM()).
    rng: np.random.Generator
    #: Whether one value per row is expected back.
    rows: bool
    #: ``hook(index, tag, compute)``: ``compute`` applied to the whole column of argument
    #: ``index``, kept by the source, for this batch's rows; ``None`` when the argument is
    #: not a plain tensor or the source keeps no derived data. Use :meth:`derived`.
    derive_hook: Callable[[int, str, Callable[[Any], np.ndarray]], np.ndarray | None] | None = (
        field(default=None, repr=False, compare=False)
    )

    def derived(self, index: int, tag: str, compute: Callable[[Any], np.ndarray], value: Any):
        """``compute(value)`` for the per-row argument ``index`` (whose batch value is
        ``value``): one result per row.

        When the argument is a tensor of a source that keeps derived data (a dataset),
        ``compute`` runs once over the whole tensor and the result is reused by later
        batches and queries until the tensor changes. ``tag`` names the computation
        (prefix it with the function's name: ``"cosine_similarity/row_norm"``);
        ``compute`` must be a pure function of its rows, row by row.
        """
        if self.derive_hook is not None:
            out = self.derive_hook(index, tag, compute)
            if out is not None:
                return out
        return compute(value)


def resolve_function(name: str) -> ResolvedFunction:
    """Find the query function ``name`` (case-insensitive) in the plugin registry.

    Raises :class:`MissingPluginError` when no plugin provides it (naming the
    first-party distribution when it is one of its functions).
    """
    from deeplake_core.plugins import get_registry

    table = get_registry().query_functions
    key = name.lower()
    distribution = FIRST_PARTY_DISTRIBUTION if key in FIRST_PARTY_FUNCTIONS else None
    spec = table.get(key, distribution=distribution)
    impl = table.load(key)
    if not callable(impl):
        raise MissingPluginError(
            "query_functions",
            name,
            notes=[f"its implementation {spec.impl!r} is not callable"],
        )
    origin = table.provenance(key)
    provider = origin.plugin + (f" ({origin.distribution})" if origin.distribution else "")
    return ResolvedFunction(spec, impl, provider)


def function_names() -> list[str]:
    """Names of every query function the installed plugins provide."""
    from deeplake_core.plugins import get_registry

    return get_registry().query_functions.names()
