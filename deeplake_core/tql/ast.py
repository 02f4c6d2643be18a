"""Syntax tree of a TQL query.

Nodes are frozen dataclasses; ``pos`` is the offset of the node in the query string (for
error messages) and takes no part in equality. :func:`to_tql` prints a node back as TQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Node:
    pos: int = field(default=0, compare=False, kw_only=True, repr=False)


# ----------------------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Literal(Node):
    #: ``np.int64``, ``np.float64``, ``np.bool_``, ``str`` or ``None``.
    value: Any


@dataclass(frozen=True)
class Param(Node):
    """A ``?`` placeholder; ``index`` counts from 0, left to right."""

    index: int


@dataclass(frozen=True)
class Column(Node):
    """A tensor reference (``labels``, ``group/tensor``, ``"odd name"``)."""

    name: str


@dataclass(frozen=True)
class ArrayLit(Node):
    """``ARRAY[a, b, ...]`` or ``[a, b, ...]``."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Unary(Node):
    op: str  # "-", "+", "NOT"
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    #: arithmetic ``+ - * / %`` or comparison ``== != < <= > >=``.
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Logical(Node):
    """``a AND b AND ...`` / ``a OR b OR ...`` (flattened: chains do not nest)."""

    op: str  # "AND" or "OR"
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Between(Node):
    expr: Node
    low: Node
    high: Node
    negated: bool = False


@dataclass(frozen=True)
class In(Node):
    expr: Node
    #: An :class:`ArrayLit` or a :class:`Param` bound to a sequence.
    items: Node
    negated: bool = False


@dataclass(frozen=True)
class IsNull(Node):
    expr: Node
    negated: bool = False


@dataclass(frozen=True)
class Slice(Node):
    start: Node | None = None
    stop: Node | None = None
    step: Node | None = None


@dataclass(frozen=True)
class Subscript(Node):
    """``expr[i, a:b, 'key']``: one item per axis (strings index json)."""

    expr: Node
    index: tuple[Node, ...]


@dataclass(frozen=True)
class Pair(Node):
    """``condition: weight`` inside a call (``max_weight(labels == 5: 10)``)."""

    key: Node
    value: Node


@dataclass(frozen=True)
class Call(Node):
    #: Lower-cased function name.
    name: str
    args: tuple[Node, ...]


# ----------------------------------------------------------------------------- statements


@dataclass(frozen=True)
class OrderItem(Node):
    expr: Node
    descending: bool = False


@dataclass(frozen=True)
class Select(Node):
    #: Selected tensor names; ``None`` means ``*``.
    columns: tuple[str, ...] | None = None
    #: ``FROM`` target: a path (quoted) or a name; ``None`` when absent.
    source: str | None = None
    where: Node | None = None
    order: tuple[OrderItem, ...] = ()
    limit: Node | None = None
    offset: Node | None = None


@dataclass(frozen=True)
class SetOp(Node):
    """``(select ...) UNION|INTERSECT|EXCEPT (select ...)`` with optional outer clauses."""

    op: str
    left: Select | SetOp
    right: Select | SetOp
    order: tuple[OrderItem, ...] = ()
    limit: Node | None = None
    offset: Node | None = None


Query = Select | SetOp

# ----------------------------------------------------------------------------- printing

_PRECEDENCE = {
    "OR": 1,
    "AND": 2,
    "NOT": 3,
    "==": 4,
    "!=": 4,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
    "%": 6,
}


def _quote_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _name(name: str) -> str:
    from deeplake_core.tql.lexer import KEYWORDS

    parts = name.split("/")
    plain = all(
        p and (p[0].isalpha() or p[0] == "_") and p.replace("_", "a").isalnum() for p in parts
    )
    if plain and not (len(parts) == 1 and name.upper() in KEYWORDS):
        return name
    return '"' + name.replace('"', '""') + '"'


def _prec(node: Node) -> int:
    if isinstance(node, Binary | Logical):
        return _PRECEDENCE[node.op]
    if isinstance(node, Unary):
        return 3 if node.op == "NOT" else 7
    if isinstance(node, Between | In | IsNull):
        return 4
    return 8


def _wrap(node: Node, min_prec: int) -> str:
    text = to_tql(node)
    return f"({text})" if _prec(node) < min_prec else text


def to_tql(node: Node | None) -> str:
    """Print ``node`` as TQL text that parses back to an equal node."""
    if node is None:
        return ""
    if isinstance(node, Literal):
        v = node.value
        if isinstance(v, np.ndarray | list):  # a bound array parameter
            items = v.tolist() if isinstance(v, np.ndarray) else v
            return "ARRAY[" + ", ".join(to_tql(Literal(i)) for i in items) + "]"
        if v is None:
            return "NULL"
        if isinstance(v, bool | np.bool_):
            return "TRUE" if v else "FALSE"
        if isinstance(v, str):
            return _quote_string(v)
        if isinstance(v, float | np.floating):
            return "1e999" if np.isposinf(v) else repr(float(v))
        return str(int(v))
    if isinstance(node, Param):
        return "?"
    if isinstance(node, Column):
        return _name(node.name)
    if isinstance(node, ArrayLit):
        return "ARRAY[" + ", ".join(to_tql(i) for i in node.items) + "]"
    if isinstance(node, Unary):
        if node.op == "NOT":
            return "NOT " + _wrap(node.operand, 3)
        inner = to_tql(node.operand)
        if _prec(node.operand) < 8 or inner.startswith(("-", "+")):
            inner = f"({inner})"
        return node.op + inner
    if isinstance(node, Binary):
        p = _PRECEDENCE[node.op]
        # comparisons do not chain: both sides bind tighter.
        right_min = p + 1
        left_min = p + 1 if p == 4 else p
        return f"{_wrap(node.left, left_min)} {node.op} {_wrap(node.right, right_min)}"
    if isinstance(node, Logical):
        p = _PRECEDENCE[node.op]
        return f" {node.op} ".join(_wrap(i, p + 1) for i in node.items)
    if isinstance(node, Between):
        neg = "NOT " if node.negated else ""
        return f"{_wrap(node.expr, 5)} {neg}BETWEEN {_wrap(node.low, 5)} AND {_wrap(node.high, 5)}"
    if isinstance(node, In):
        neg = "NOT " if node.negated else ""
        return f"{_wrap(node.expr, 5)} {neg}IN {to_tql(node.items)}"
    if isinstance(node, IsNull):
        return f"{_wrap(node.expr, 5)} IS {'NOT ' if node.negated else ''}NULL"
    if isinstance(node, Slice):
        text = f"{to_tql(node.start)}:{to_tql(node.stop)}"
        return text + (f":{to_tql(node.step)}" if node.step is not None else "")
    if isinstance(node, Subscript):
        return f"{_wrap(node.expr, 8)}[{', '.join(to_tql(i) for i in node.index)}]"
    if isinstance(node, Pair):
        return f"{to_tql(node.key)}: {to_tql(node.value)}"
    if isinstance(node, Call):
        return f"{node.name.upper()}({', '.join(to_tql(a) for a in node.args)})"
    if isinstance(node, OrderItem):
        return to_tql(node.expr) + (" DESC" if node.descending else "")
    if isinstance(node, Select):
        return _select_text(node)
    if isinstance(node, SetOp):
        text = f"({to_tql(node.left)}) {node.op} ({to_tql(node.right)})"
        return text + _tail(node)
    raise TypeError(f"not a TQL node: {node!r}")


def _tail(node: Select | SetOp) -> str:
    text = ""
    if node.order:
        text += " ORDER BY " + ", ".join(to_tql(o) for o in node.order)
    if node.limit is not None:
        text += " LIMIT " + to_tql(node.limit)
    if node.offset is not None:
        text += " OFFSET " + to_tql(node.offset)
    return text


def _select_text(node: Select) -> str:
    cols = "*" if node.columns is None else ", ".join(_name(c) for c in node.columns)
    text = f"SELECT {cols}"
    if node.source is not None:
        text += " FROM " + _quote_string(node.source)
    if node.where is not None:
        text += " WHERE " + to_tql(node.where)
    return text + _tail(node)
