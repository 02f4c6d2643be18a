"""A hand-written recursive-descent (Pratt) parser for TQL.

Grammar (keywords are case-insensitive)::

    query    := setexpr [ORDER BY order {, order}] [LIMIT n] [OFFSET m]   (outer clauses
                only after a set operation) | select
    setexpr  := term {(UNION | EXCEPT) term}          INTERSECT binds tighter
    term     := operand {INTERSECT operand}
    operand  := "(" (setexpr | select) ")"
    select   := SELECT (* | name {, name}) [FROM 'path' | name] [WHERE expr]
                [ORDER BY expr [ASC|DESC] {, ...}] [LIMIT n [OFFSET m]]   (ORDER BY and
                LIMIT in either order)

Expressions, loosest first: ``OR``; ``AND``; ``NOT``; comparisons (``= == != <> < <=
> >=``, ``[NOT] BETWEEN a AND b``, ``[NOT] IN [...]``, ``IS [NOT] NULL``; these do not
chain); ``+ -``; ``* / %``; unary ``- +``; subscripts ``x[i, a:b]`` and calls ``f(...)``.

Every error is a :class:`~deeplake_core.exceptions.TQLSyntaxError` with the position and
what was expected. Nesting is bounded, so no input can exhaust the Python stack.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from deeplake_core.exceptions import TQLSyntaxError
from deeplake_core.tql import ast
from deeplake_core.tql.lexer import Token, tokenize

#: Deepest bracket/operator nesting the parser accepts.
MAX_NESTING = 100
#: Deepest syntax tree accepted (long ``a + b + c ...`` chains nest on the left).
MAX_TREE_DEPTH = 150

#: Comparison operator as written -> canonical form.
_COMPARISONS = {
    "=": "==",
    "==": "==",
    "!=": "!=",
    "<>": "!=",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
}
_ARITH_BP = {"+": 50, "-": 50, "*": 60, "/": 60, "%": 60}
_BP_OR, _BP_AND, _BP_NOT, _BP_CMP, _BP_UNARY, _BP_POSTFIX = 10, 20, 30, 40, 70, 80


@lru_cache(maxsize=256)
def parse(query: str) -> ast.Select | ast.SetOp:
    """Parse a TQL query into its syntax tree (cached; trees are immutable)."""
    return _Parser(query).parse_query()


def parse_expression(text: str) -> ast.Node:
    """Parse a lone expression (a ``sample_by`` weight, a ``filter`` string)."""
    return _Parser(text).parse_lone_expression()


class _Parser:
    def __init__(self, query: str):
        self.query = query
        self.tokens = tokenize(query)
        self.i = 0
        self.depth = 0
        self.params = 0

    # ------------------------------------------------------------------ token helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind != "eof":
            self.i += 1
        return tok

    def at_keyword(self, *words: str) -> bool:
        return self.tok.kind == "keyword" and self.tok.value in words

    def at_punct(self, ch: str) -> bool:
        return self.tok.kind == "punct" and self.tok.value == ch

    def at_op(self, *ops: str) -> bool:
        return self.tok.kind == "op" and self.tok.value in ops

    def error(self, message: str, expected: list[str] | tuple[str, ...] = (), tok=None):
        tok = tok or self.tok
        return TQLSyntaxError(message, query=self.query, offset=tok.offset, expected=expected)

    def unexpected(self, expected: list[str] | tuple[str, ...]) -> TQLSyntaxError:
        tok = self.tok
        message = f"unexpected {tok.describe()}"
        if tok.kind == "keyword" and "an expression" in expected:
            message += (
                f' (a tensor named {tok.value.lower()} must be quoted: "{tok.value.lower()}")'
            )
        return self.error(message, expected)

    def expect_keyword(self, word: str) -> Token:
        if not self.at_keyword(word):
            raise self.unexpected([word])
        return self.advance()

    def expect_punct(self, ch: str, what: str | None = None) -> Token:
        if not self.at_punct(ch):
            raise self.unexpected([what or f"'{ch}'"])
        return self.advance()

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.error(f"query is nested too deeply (more than {MAX_NESTING} levels)")

    # ------------------------------------------------------------------ statements
    def parse_query(self) -> ast.Select | ast.SetOp:
        if not self.query.strip():
            raise self.error("empty query", ["SELECT"])
        if self.at_keyword("SELECT"):
            node: ast.Select | ast.SetOp = self.parse_select()
            if self.at_keyword("UNION", "INTERSECT", "EXCEPT"):
                raise self.error(
                    f"each SELECT joined by {self.tok.value} must be in parentheses: "
                    f"(SELECT ...) {self.tok.value} (SELECT ...)"
                )
        elif self.at_punct("("):
            node = self.parse_set_expr()
            if isinstance(node, ast.SetOp):
                node = self.parse_outer_clauses(node)
        else:
            raise self.unexpected(["SELECT", "'('"])
        if self.tok.kind != "eof":
            raise self.unexpected(self._select_followers(node))
        _check_depth(node, self.query)
        return node

    def parse_lone_expression(self) -> ast.Node:
        if not self.query.strip():
            raise self.error("empty expression", ["an expression"])
        node = self.parse_expr()
        if self.tok.kind != "eof":
            raise self.unexpected(["an operator", "end of expression"])
        _check_depth(node, self.query)
        return node

    def _select_followers(self, node: ast.Select | ast.SetOp) -> list[str]:
        options: list[str] = []
        if isinstance(node, ast.Select):
            if node.source is None and node.where is None:
                options.append("FROM")
            if node.where is None:
                options.append("WHERE")
        if not node.order:
            options.append("ORDER BY")
        if node.limit is None:
            options.append("LIMIT")
        elif node.offset is None:
            options.append("OFFSET")
        if isinstance(node, ast.SetOp):
            options += ["UNION", "INTERSECT", "EXCEPT"]
        return [*options, "end of query"]

    def parse_set_expr(self) -> ast.Select | ast.SetOp:
        self.enter()
        left = self.parse_set_term()
        while self.at_keyword("UNION", "EXCEPT"):
            op_tok = self.advance()
            right = self.parse_set_term()
            left = ast.SetOp(op_tok.value, left, right, pos=op_tok.offset)
        self.depth -= 1
        return left

    def parse_set_term(self) -> ast.Select | ast.SetOp:
        left = self.parse_set_operand()
        while self.at_keyword("INTERSECT"):
            op_tok = self.advance()
            right = self.parse_set_operand()
            left = ast.SetOp("INTERSECT", left, right, pos=op_tok.offset)
        return left

    def parse_set_operand(self) -> ast.Select | ast.SetOp:
        if not self.at_punct("("):
            if self.at_keyword("SELECT"):
                raise self.error("each SELECT of a set operation must be in parentheses", ["'('"])
            raise self.unexpected(["'(' SELECT ..."])
        self.advance()
        if self.at_keyword("SELECT"):
            node: ast.Select | ast.SetOp = self.parse_select()
        else:
            node = self.parse_set_expr()
            if isinstance(node, ast.SetOp):
                node = self.parse_outer_clauses(node)
        if not self.at_punct(")"):
            raise self.unexpected([*self._select_followers(node)[:-1], "')'"])
        self.advance()
        return node

    def parse_outer_clauses(self, node: ast.SetOp) -> ast.SetOp:
        order, limit, offset = self.parse_tail()
        if order or limit is not None or offset is not None:
            node = ast.SetOp(
                node.op,
                node.left,
                node.right,
                order=order,
                limit=limit,
                offset=offset,
                pos=node.pos,
            )
        return node

    def parse_select(self) -> ast.Select:
        start = self.expect_keyword("SELECT")
        columns: tuple[str, ...] | None
        if self.at_op("*"):
            self.advance()
            columns = None
        else:
            names = [self.parse_column_name()]
            while self.at_punct(","):
                self.advance()
                names.append(self.parse_column_name())
            columns = tuple(names)
        source = None
        if self.at_keyword("FROM"):
            self.advance()
            if self.tok.kind not in ("string", "ident"):
                raise self.unexpected(["a quoted dataset path", "a dataset name"])
            source = self.advance().value
        where = None
        if self.at_keyword("WHERE"):
            self.advance()
            where = self.parse_expr()
        order, limit, offset = self.parse_tail()
        return ast.Select(columns, source, where, order, limit, offset, pos=start.offset)

    def parse_column_name(self) -> str:
        if self.tok.kind != "ident":
            raise self.unexpected(["'*'", "a tensor name"])
        if self.peek().kind == "punct" and self.peek().value == "(":
            raise self.error(
                "only tensor names can be selected; use WHERE or ORDER BY for expressions",
                ["a tensor name"],
            )
        return self.advance().value

    def parse_tail(self) -> tuple[tuple[ast.OrderItem, ...], ast.Node | None, ast.Node | None]:
        order: tuple[ast.OrderItem, ...] = ()
        limit = offset = None
        seen_order = seen_limit = False
        while True:
            if self.at_keyword("ORDER") and not seen_order:
                self.advance()
                self.expect_keyword("BY")
                items = [self.parse_order_item()]
                while self.at_punct(","):
                    self.advance()
                    items.append(self.parse_order_item())
                order = tuple(items)
                seen_order = True
            elif self.at_keyword("LIMIT") and not seen_limit:
                self.advance()
                limit = self.parse_count("LIMIT")
                if self.at_keyword("OFFSET") and offset is None:
                    self.advance()
                    offset = self.parse_count("OFFSET")
                seen_limit = True
            elif self.at_keyword("OFFSET") and offset is None and not seen_limit:
                self.advance()
                offset = self.parse_count("OFFSET")
            else:
                return order, limit, offset

    def parse_order_item(self) -> ast.OrderItem:
        start = self.tok.offset
        expr = self.parse_expr()
        descending = False
        if self.at_keyword("ASC", "DESC"):
            descending = self.advance().value == "DESC"
        return ast.OrderItem(expr, descending, pos=start)

    def parse_count(self, clause: str) -> ast.Node:
        tok = self.tok
        if tok.kind == "int":
            self.advance()
            return ast.Literal(np.int64(self._int_value(tok)), pos=tok.offset)
        if tok.kind == "punct" and tok.value == "?":
            self.advance()
            return self._param(tok)
        raise self.unexpected([f"a non-negative whole number after {clause}", "'?'"])

    # ------------------------------------------------------------------ expressions
    def parse_expr(self, min_bp: int = 0) -> ast.Node:
        self.enter()
        left = self.parse_prefix()
        compared = False
        while True:
            tok = self.tok
            if tok.kind == "keyword" and tok.value in ("OR", "AND"):
                bp = _BP_OR if tok.value == "OR" else _BP_AND
                if bp <= min_bp:
                    break
                self.advance()
                right = self.parse_expr(bp)
                items = (
                    left.items
                    if isinstance(left, ast.Logical) and left.op == tok.value
                    else (left,)
                )
                left = ast.Logical(tok.value, (*items, right), pos=_pos(left))
                compared = False
                continue
            if self._at_comparison():
                if min_bp >= _BP_CMP:
                    break
                if compared:
                    raise self.error(
                        "comparisons cannot be chained; combine them with AND "
                        "(a < b AND b < c) or add parentheses"
                    )
                left = self.parse_comparison(left)
                compared = True
                continue
            if tok.kind == "op" and tok.value in _ARITH_BP:
                bp = _ARITH_BP[tok.value]
                if bp <= min_bp:
                    break
                self.advance()
                right = self.parse_expr(bp)
                left = ast.Binary(tok.value, left, right, pos=tok.offset)
                continue
            if tok.kind == "punct" and tok.value == "[":
                left = self.parse_subscript(left)
                continue
            break
        self.depth -= 1
        return left

    def _at_comparison(self) -> bool:
        tok = self.tok
        if tok.kind == "op" and tok.value in _COMPARISONS:
            return True
        if tok.kind == "keyword":
            if tok.value in ("BETWEEN", "IN", "IS"):
                return True
            if tok.value == "NOT":
                nxt = self.peek()
                return nxt.kind == "keyword" and nxt.value in ("BETWEEN", "IN")
        return False

    def parse_comparison(self, left: ast.Node) -> ast.Node:
        tok = self.advance()
        if tok.kind == "op":
            right = self.parse_expr(_BP_CMP)
            return ast.Binary(_COMPARISONS[tok.value], left, right, pos=tok.offset)
        if tok.value == "IS":
            negated = False
            if self.at_keyword("NOT"):
                self.advance()
                negated = True
            self.expect_keyword("NULL")
            return ast.IsNull(left, negated, pos=tok.offset)
        negated = tok.value == "NOT"
        if negated:
            tok = self.advance()
        if tok.value == "BETWEEN":
            low = self.parse_expr(_BP_CMP)
            if not self.at_keyword("AND"):
                raise self.unexpected(["AND (BETWEEN low AND high)"])
            self.advance()
            high = self.parse_expr(_BP_CMP)
            return ast.Between(left, low, high, negated, pos=tok.offset)
        return ast.In(left, self.parse_in_items(), negated, pos=tok.offset)

    def parse_in_items(self) -> ast.Node:
        tok = self.tok
        if tok.kind == "punct" and tok.value == "?":
            self.advance()
            return self._param(tok)
        if tok.kind == "keyword" and tok.value == "ARRAY":
            return self.parse_prefix()
        if tok.kind == "punct" and tok.value in "([":
            closing = ")" if tok.value == "(" else "]"
            self.advance()
            items = self.parse_items(closing)
            return ast.ArrayLit(items, pos=tok.offset)
        raise self.unexpected(["ARRAY[...]", "'['", "'('", "'?'"])

    def parse_items(self, closing: str) -> tuple[ast.Node, ...]:
        """Comma-separated expressions up to and including ``closing``."""
        items: list[ast.Node] = []
        if self.at_punct(closing):
            self.advance()
            return ()
        while True:
            items.append(self.parse_expr())
            if self.at_punct(","):
                self.advance()
                continue
            self.expect_punct(closing, f"',' or '{closing}'")
            return tuple(items)

    def parse_subscript(self, target: ast.Node) -> ast.Node:
        open_tok = self.advance()
        self.enter()
        items: list[ast.Node] = []
        while True:
            items.append(self.parse_index_item())
            if self.at_punct(","):
                self.advance()
                continue
            self.expect_punct("]", "',' or ']'")
            break
        self.depth -= 1
        return ast.Subscript(target, tuple(items), pos=open_tok.offset)

    def parse_index_item(self) -> ast.Node:
        start = self.tok
        bounds: list[ast.Node | None] = [None]
        if not (self.at_punct(":") or self.at_punct(",") or self.at_punct("]")):
            bounds[0] = self.parse_expr()
        elif not self.at_punct(":"):
            raise self.unexpected(["an index", "a slice a:b"])
        if not self.at_punct(":"):
            return bounds[0]  # type: ignore[return-value]
        while self.at_punct(":") and len(bounds) < 3:
            self.advance()
            if self.at_punct(":") or self.at_punct(",") or self.at_punct("]"):
                bounds.append(None)
            else:
                bounds.append(self.parse_expr())
        if self.at_punct(":"):
            raise self.error("a slice has at most three parts (start:stop:step)", ["',' or ']'"])
        while len(bounds) < 3:
            bounds.append(None)
        return ast.Slice(bounds[0], bounds[1], bounds[2], pos=start.offset)

    def parse_prefix(self) -> ast.Node:
        tok = self.tok
        kind, value = tok.kind, tok.value
        if kind == "int":
            self.advance()
            return ast.Literal(np.int64(self._int_value(tok)), pos=tok.offset)
        if kind == "float":
            self.advance()
            return ast.Literal(np.float64(float(value)), pos=tok.offset)
        if kind == "string":
            self.advance()
            return ast.Literal(value, pos=tok.offset)
        if kind == "ident":
            self.advance()
            if self.at_punct("("):
                return self.parse_call(tok)
            return ast.Column(value, pos=tok.offset)
        if kind == "punct":
            if value == "?":
                self.advance()
                return self._param(tok)
            if value == "(":
                self.advance()
                inner = self.parse_expr()
                self.expect_punct(")", "')'")
                return inner
            if value == "[":
                self.advance()
                self.enter()
                items = self.parse_items("]")
                self.depth -= 1
                return ast.ArrayLit(items, pos=tok.offset)
        if kind == "op" and value in ("-", "+"):
            self.advance()
            operand = self.parse_expr(_BP_UNARY)
            return ast.Unary(value, operand, pos=tok.offset)
        if kind == "keyword":
            if value in ("TRUE", "FALSE"):
                self.advance()
                return ast.Literal(np.bool_(value == "TRUE"), pos=tok.offset)
            if value == "NULL":
                self.advance()
                return ast.Literal(None, pos=tok.offset)
            if value == "NOT":
                self.advance()
                operand = self.parse_expr(_BP_NOT)
                return ast.Unary("NOT", operand, pos=tok.offset)
            if value == "ARRAY":
                self.advance()
                self.expect_punct("[", "'[' after ARRAY")
                self.enter()
                items = self.parse_items("]")
                self.depth -= 1
                return ast.ArrayLit(items, pos=tok.offset)
        raise self.unexpected(["an expression"])

    def parse_call(self, name_tok: Token) -> ast.Node:
        self.advance()  # "("
        self.enter()
        args: list[ast.Node] = []
        if self.at_punct(")"):
            self.advance()
        else:
            while True:
                start = self.tok.offset
                arg = self.parse_expr()
                if self.at_punct(":"):
                    self.advance()
                    arg = ast.Pair(arg, self.parse_expr(), pos=start)
                args.append(arg)
                if self.at_punct(","):
                    self.advance()
                    continue
                self.expect_punct(")", "',' or ')'")
                break
        self.depth -= 1
        return ast.Call(name_tok.value.lower(), tuple(args), pos=name_tok.offset)

    def _param(self, tok: Token) -> ast.Param:
        node = ast.Param(self.params, pos=tok.offset)
        self.params += 1
        return node

    def _int_value(self, tok: Token) -> int:
        value = int(tok.value)
        if value > np.iinfo(np.int64).max:
            raise self.error(
                "integer literal is too large (limit 2**63 - 1)", ["a smaller number"], tok
            )
        return value


def _pos(node: ast.Node) -> int:
    return node.pos


def _children(node: ast.Node) -> list[ast.Node]:
    out: list[ast.Node] = []
    for value in node.__dict__.values():
        if isinstance(value, ast.Node):
            out.append(value)
        elif isinstance(value, tuple):
            out.extend(v for v in value if isinstance(v, ast.Node))
    return out


def _check_depth(root: ast.Node, query: str) -> None:
    """Refuse trees deeper than :data:`MAX_TREE_DEPTH` (checked without recursion)."""
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_TREE_DEPTH:
            raise TQLSyntaxError(
                f"expression is nested too deeply (more than {MAX_TREE_DEPTH} levels); "
                "split it or use IN [...] for long lists",
                query=query,
                offset=node.pos,
            )
        stack.extend((child, depth + 1) for child in _children(node))
