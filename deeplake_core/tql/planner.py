"""From syntax tree to :class:`Plan`: bind ``?`` parameters, resolve tensor and function
names, and decide which columns each step reads and how ordering is done."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from deeplake_core.exceptions import MissingPluginError, TQLError
from deeplake_core.tql import ast
from deeplake_core.tql.functions import ResolvedFunction, resolve_function
from deeplake_core.tql.source import ColumnInfo, QuerySource

#: Rows per batch when nothing is known about the columns (no source).
DEFAULT_BATCH_ROWS = 65_536
#: With ``batch_rows=None`` (the default) each scan sizes its batches so that the
#: columns it reads take about this many bytes per batch, within the bounds below:
#: few enough batches that per-batch costs vanish (each multi-threaded BLAS call
#: waits for all its threads, which costs much on a busy machine: a vector search over
#: 1M float32[128] rows ran 1.2-2x faster in one to two batches than in 16), while an
#: elementwise expression over a batch (``embedding * 2``) makes a temporary of at
#: most this size. Ragged, text and json samples count as ``UNKNOWN_ROW_BYTES``
#: (131,072 rows per batch).
BATCH_BYTES = 512 << 20
MIN_BATCH_ROWS = 1024
MAX_BATCH_ROWS = 1 << 20
UNKNOWN_ROW_BYTES = 4096


@dataclass(frozen=True)
class Plan:
    """How a query runs. ``str(plan)`` is a readable outline; ``to_dict()`` a mapping.

    For a set operation, ``kind`` is ``union``/``intersect``/``except`` and
    ``children`` holds the two sides.
    """

    kind: str
    query: str
    #: Selected tensors (``None``: all of them).
    columns: tuple[str, ...] | None = None
    #: ``FROM`` target, when given.
    source: str | None = None
    where: ast.Node | None = None
    order: tuple[ast.OrderItem, ...] = ()
    limit: int | None = None
    offset: int = 0
    #: Columns read to evaluate WHERE (every scanned row) and ORDER BY (matching rows).
    filter_reads: tuple[str, ...] = ()
    order_reads: tuple[str, ...] = ()
    #: "scan", "scan until limit", "top-k", "sort" or "set operation".
    strategy: str = "scan"
    #: ``(name, provider)`` of each function used.
    functions: tuple[tuple[str, str], ...] = ()
    children: tuple[Plan, ...] = ()
    batch_rows: int = DEFAULT_BATCH_ROWS
    #: Resolved function implementations by name (not shown).
    resolved: dict[str, ResolvedFunction] = field(default_factory=dict, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "columns": None if self.columns is None else list(self.columns),
            "source": self.source,
            "where": ast.to_tql(self.where) or None,
            "order_by": [
                {"expression": ast.to_tql(o.expr), "descending": o.descending} for o in self.order
            ],
            "limit": self.limit,
            "offset": self.offset,
            "filter_reads": list(self.filter_reads),
            "order_reads": list(self.order_reads),
            "strategy": self.strategy,
            "functions": [{"name": n, "provider": p} for n, p in self.functions],
            "batch_rows": self.batch_rows,
        }
        if self.children:
            out["children"] = [c.to_dict() for c in self.children]
        return out

    def __str__(self) -> str:
        return "\n".join(self._lines(0))

    def _lines(self, depth: int) -> list[str]:
        pad = "  " * depth
        lines: list[str] = []
        if self.kind == "select":
            cols = "*" if self.columns is None else ", ".join(self.columns)
            lines.append(f"{pad}SELECT {cols}" + (f" FROM {self.source!r}" if self.source else ""))
            reads = ", ".join(self.filter_reads) or "(none)"
            lines.append(f"{pad}  scan rows in batches of {self.batch_rows}, reading: {reads}")
            if self.where is not None:
                lines.append(f"{pad}  filter: {ast.to_tql(self.where)}")
        else:
            lines.append(f"{pad}{self.kind.upper()}")
            for child in self.children:
                lines.extend(child._lines(depth + 1))
        if self.order:
            keys = ", ".join(ast.to_tql(o) for o in self.order)
            how = {"top-k": f"top-{(self.limit or 0) + self.offset} selection", "sort": "full sort"}
            lines.append(f"{pad}  order by {keys} ({how.get(self.strategy, self.strategy)})")
            if self.order_reads:
                lines.append(f"{pad}  order reads: {', '.join(self.order_reads)}")
        if self.limit is not None or self.offset:
            tail = f"limit {self.limit}" if self.limit is not None else "no limit"
            stop = " (stops reading once reached)" if self.strategy == "scan until limit" else ""
            lines.append(f"{pad}  {tail}, offset {self.offset}{stop}")
        for name, provider in self.functions:
            lines.append(f"{pad}  function {name.upper()} from {provider}")
        return lines


# ----------------------------------------------------------------------------- helpers


_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(node: ast.Node) -> tuple[str, ...]:
    names = _FIELDS.get(type(node))
    if names is None:
        names = _FIELDS[type(node)] = tuple(f.name for f in fields(node) if f.name != "pos")
    return names


def children(node: ast.Node) -> list[ast.Node]:
    out: list[ast.Node] = []
    for name in _field_names(node):
        value = getattr(node, name)
        if isinstance(value, ast.Node):
            out.append(value)
        elif isinstance(value, tuple):
            out.extend(v for v in value if isinstance(v, ast.Node))
    return out


def walk(node: ast.Node | None):
    """Every node below ``node`` (itself included), without recursion."""
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def transform(node: ast.Node, fn) -> ast.Node:
    """Rebuild ``node`` bottom-up, replacing each node by ``fn(node)``."""
    changes: dict[str, Any] = {}
    for name in _field_names(node):
        value = getattr(node, name)
        if isinstance(value, ast.Node):
            new = transform(value, fn)
            if new is not value:
                changes[name] = new
        elif isinstance(value, tuple) and any(isinstance(v, ast.Node) for v in value):
            new_items = tuple(transform(v, fn) if isinstance(v, ast.Node) else v for v in value)
            if any(a is not b for a, b in zip(new_items, value, strict=False)):
                changes[name] = new_items
    if changes:
        node = replace(node, **changes)
    return fn(node)


def count_params(node: ast.Node) -> int:
    return sum(1 for n in walk(node) if isinstance(n, ast.Param))


def param_value(value: Any, index: int) -> Any:
    """A bound parameter as a constant: values only, never code."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return np.bool_(value)
    if isinstance(value, int | np.integer):
        if not -(2**63) <= int(value) < 2**63:
            raise TQLError(f"parameter {index + 1} ({value}) does not fit in 64 bits")
        return np.int64(value)
    if isinstance(value, float | np.floating):
        return np.float64(value)
    if isinstance(value, list | tuple | np.ndarray):
        items = list(value.tolist() if isinstance(value, np.ndarray) else value)
        converted = [param_value(v, index) for v in items]
        from deeplake_core.tql.values import ValueFault, const_array

        try:
            return const_array(converted)
        except ValueFault as exc:
            raise TQLError(f"parameter {index + 1}: {exc}") from None
    raise TQLError(
        f"parameter {index + 1} is a {type(value).__name__}; parameters must be numbers, "
        "strings, booleans, None or sequences of those"
    )


def bind(node: ast.Node, params: Sequence[Any] | None, query: str) -> ast.Node:
    """Replace every ``?`` by the matching value of ``params``."""
    expected = count_params(node)
    given = 0 if params is None else len(params)
    if isinstance(params, str | bytes | dict):
        raise TQLError("params must be a list or tuple of values, one per '?'")
    if expected != given:
        raise TQLError(
            f"the query has {expected} '?' parameter(s) but {given} value(s) were given",
            query=query,
            offset=next((n.pos for n in walk(node) if isinstance(n, ast.Param)), None),
        )
    if not expected:
        return node
    values = [param_value(v, i) for i, v in enumerate(params or ())]

    def substitute(n: ast.Node) -> ast.Node:
        if isinstance(n, ast.Param):
            return ast.Literal(values[n.index], pos=n.pos)
        if isinstance(n, ast.In) and isinstance(n.items, ast.Literal):
            items = n.items.value
            if not isinstance(items, np.ndarray) or items.ndim != 1:
                raise TQLError("IN ? needs a list of values", query=query, offset=n.items.pos)
            literals = tuple(ast.Literal(v, pos=n.items.pos) for v in _items_of(items))
            return replace(n, items=ast.ArrayLit(literals, pos=n.items.pos))
        return n

    return transform(node, substitute)


def _items_of(array: np.ndarray) -> list[Any]:
    return [array[i] if array.dtype.kind != "U" else str(array[i]) for i in range(len(array))]


def _count(node: ast.Node | None, what: str, query: str) -> int | None:
    """LIMIT/OFFSET value; ``None`` when absent or still an unbound ``?``."""
    if node is None or isinstance(node, ast.Param):
        return None
    value = node.value if isinstance(node, ast.Literal) else None
    if (
        value is None
        or isinstance(value, bool | np.bool_ | str)
        or not isinstance(value, int | np.integer)
        or value < 0
    ):
        raise TQLError(f"{what} must be a non-negative whole number", query=query, offset=node.pos)
    return int(value)


# ----------------------------------------------------------------------------- planning


class Planner:
    def __init__(self, query: str, source: QuerySource | None, batch_rows: int | None = None):
        if batch_rows is not None and batch_rows < 1:
            raise ValueError("batch_rows must be at least 1")
        self.query = query
        self.source = source
        self.batch_rows = batch_rows
        self.names = None if source is None else set(source.column_names())
        self.resolved: dict[str, ResolvedFunction] = {}

    def error(self, message: str, node: ast.Node) -> TQLError:
        return TQLError(message, query=self.query, offset=node.pos)

    def plan(self, node: ast.Select | ast.SetOp) -> Plan:
        if isinstance(node, ast.Select):
            return self.plan_select(node)
        left, right = self.plan(node.left), self.plan(node.right)
        order = self.resolve_order(node.order)
        limit = _count(node.limit, "LIMIT", self.query)
        offset = _count(node.offset, "OFFSET", self.query) or 0
        return Plan(
            kind=node.op.lower(),
            query=self.query,
            order=order,
            limit=limit,
            offset=offset,
            order_reads=self.reads(*(o.expr for o in order)),
            strategy=self.order_strategy(order, node.limit),
            children=(left, right),
            functions=self.function_list(),
            batch_rows=self.rows_per_batch(self.reads(*(o.expr for o in order))),
            resolved=self.resolved,
        )

    def plan_select(self, node: ast.Select) -> Plan:
        columns = node.columns
        if columns is not None and self.names is not None:
            for name in columns:
                if name not in self.names:
                    raise self.error(self.unknown_column(name), node)
        where = self.resolve(node.where) if node.where is not None else None
        order = self.resolve_order(node.order)
        limit = _count(node.limit, "LIMIT", self.query)
        offset = _count(node.offset, "OFFSET", self.query) or 0
        strategy = self.order_strategy(order, node.limit)
        if not order and node.limit is not None:
            strategy = "scan until limit"
        filter_reads = self.reads(where)
        order_reads = self.reads(*(o.expr for o in order))
        return Plan(
            kind="select",
            query=self.query,
            columns=columns,
            source=node.source,
            where=where,
            order=order,
            limit=limit,
            offset=offset,
            filter_reads=filter_reads,
            order_reads=order_reads,
            strategy=strategy,
            functions=self.function_list(),
            batch_rows=self.rows_per_batch(tuple(dict.fromkeys(filter_reads + order_reads))),
            resolved=self.resolved,
        )

    def order_strategy(self, order: tuple[ast.OrderItem, ...], limit: ast.Node | None) -> str:
        if not order:
            return "scan"
        return "top-k" if limit is not None else "sort"

    def resolve_order(self, order: tuple[ast.OrderItem, ...]) -> tuple[ast.OrderItem, ...]:
        return tuple(replace(o, expr=self.resolve(o.expr)) for o in order)

    def reads(self, *nodes: ast.Node | None) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for node in nodes:
            for n in walk(node):
                if isinstance(n, ast.Column):
                    seen.setdefault(n.name, None)
        return tuple(seen)

    def rows_per_batch(self, reads: tuple[str, ...]) -> int:
        """The given ``batch_rows``, or one sized for the columns read (see
        ``BATCH_BYTES``)."""
        if self.batch_rows is not None:
            return self.batch_rows
        if self.source is None:
            return DEFAULT_BATCH_ROWS
        row_bytes = sum(_row_bytes(self.source.column_info(name)) for name in reads)
        return int(min(MAX_BATCH_ROWS, max(MIN_BATCH_ROWS, BATCH_BYTES // max(row_bytes, 1))))

    def function_list(self) -> tuple[tuple[str, str], ...]:
        return tuple((name, f.provider) for name, f in sorted(self.resolved.items()))

    def unknown_column(self, name: str) -> str:
        known = sorted(self.names or ())
        message = f"no tensor named {name!r}"
        close = difflib.get_close_matches(name, known, n=3)
        if close:
            message += f" (did you mean {', '.join(repr(c) for c in close)}?)"
        elif known:
            shown = ", ".join(repr(k) for k in known[:20]) + (", ..." if len(known) > 20 else "")
            message += f"; tensors: {shown}"
        return message + "; string values take single quotes: 'text'"

    def resolve(self, node: ast.Node) -> ast.Node:
        """Check names and functions; turn ``a/b`` into a division when ``a/b`` is not a
        tensor but ``a`` and ``b`` are."""

        def fix(n: ast.Node) -> ast.Node:
            if isinstance(n, ast.Column):
                return self.resolve_column(n)
            if isinstance(n, ast.Call):
                self.resolve_call(n)
            return n

        resolved = transform(node, fix)
        return resolved

    def resolve_column(self, node: ast.Column) -> ast.Node:
        if self.names is None or node.name in self.names:
            return node
        parts = node.name.split("/")
        if len(parts) > 1:
            # "a/b" is a division when no tensor has that path but each part exists.
            prefixes = ["/".join(parts[:i]) for i in range(1, len(parts))]
            if all(p in self.names for p in parts) and not any(
                p in self.names for p in prefixes[1:]
            ):
                result: ast.Node = ast.Column(parts[0], pos=node.pos)
                offset = node.pos
                for part in parts[1:]:
                    offset += len(parts[0]) + 1
                    result = ast.Binary("/", result, ast.Column(part, pos=offset), pos=node.pos)
                return result
        raise self.error(self.unknown_column(node.name), node)

    def resolve_call(self, node: ast.Call) -> None:
        if node.name not in self.resolved:
            try:
                self.resolved[node.name] = resolve_function(node.name)
            except MissingPluginError as exc:
                # A known provider (distribution) or a plugin that failed or was blocked
                # (notes) is more useful to the user than a list of known functions.
                if exc.distribution or exc.notes:
                    raise
                from deeplake_core.tql.functions import function_names

                known = function_names()
                close = difflib.get_close_matches(node.name, known, n=3)
                hint = (
                    f" (did you mean {', '.join(c.upper() for c in close)}?)"
                    if close
                    else f"; known functions: {', '.join(k.upper() for k in known) or 'none'}"
                )
                raise self.error(f"unknown function {node.name.upper()}{hint}", node) from None
        spec = self.resolved[node.name].spec
        self.check_arity(node, spec.arg_types, spec.variadic)

    def check_arity(self, node: ast.Call, arg_types: tuple[str, ...], variadic: bool) -> None:
        given = len(node.args)
        wanted = len(arg_types)
        if variadic:
            ok = given >= wanted
            need = f"at least {wanted}"
        else:
            ok = given == wanted
            need = str(wanted)
        if not ok:
            raise self.error(
                f"{node.name.upper()} takes {need} argument(s) ({', '.join(arg_types)}), "
                f"got {given}",
                node,
            )
        for arg, kind in zip(node.args, _expand(arg_types, given, variadic), strict=False):
            is_pair = isinstance(arg, ast.Pair)
            if (kind == "pair") != is_pair:
                want = "a 'condition: weight' pair" if kind == "pair" else "a value"
                raise self.error(f"argument of {node.name.upper()} must be {want}", arg)


def _row_bytes(info: ColumnInfo) -> int:
    """Bytes one sample of a column takes in a batch (an estimate for ragged data)."""
    if info.sample_form != "array" or info.fixed_shape is None or info.dtype is None:
        return UNKNOWN_ROW_BYTES
    try:
        itemsize = np.dtype(info.dtype).itemsize
    except TypeError:
        return UNKNOWN_ROW_BYTES
    return max(1, itemsize * int(np.prod(info.fixed_shape, dtype=np.int64)))


def _expand(arg_types: tuple[str, ...], given: int, variadic: bool) -> list[str]:
    if not arg_types:
        return ["any"] * given
    if variadic:
        return list(arg_types[:-1]) + [arg_types[-1]] * (given - len(arg_types) + 1)
    return list(arg_types)
