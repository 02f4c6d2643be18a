"""Runs a :class:`~deeplake_core.tql.planner.Plan` over a
:class:`~deeplake_core.tql.source.QuerySource`, batch by batch, with numpy.

Ordering: keys are numbers or strings; ``NULL`` and ``NaN`` sort last in both
directions and ties keep row order. With ``LIMIT`` the engine keeps only the best
``limit + offset`` rows of each batch (``argpartition``), never sorting everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from deeplake_core.exceptions import TQLError
from deeplake_core.tql import ast
from deeplake_core.tql.functions import CallContext
from deeplake_core.tql.planner import Plan, children
from deeplake_core.tql.source import QuerySource
from deeplake_core.tql.values import (
    Const,
    Rows,
    Value,
    ValueFault,
    arith,
    compare,
    const_array,
    elementwise,
    is_in,
    is_null,
    is_number,
    logical_not_elementwise,
    negate,
    pack,
    per_row_size,
    row_values,
    subscript,
    truth,
)


@dataclass(frozen=True)
class QueryResult:
    """Rows a query selected, in result order.

    ``indices`` are row numbers of the source (int64); ``columns`` the selected tensor
    names; ``scores`` the first ``ORDER BY`` key of each returned row (``None`` without
    ``ORDER BY``), e.g. the similarity of a vector search.
    """

    indices: np.ndarray
    columns: tuple[str, ...]
    scores: np.ndarray | None = None
    #: ``FROM`` target of the query, when it names one.
    source: str | None = None

    def __len__(self) -> int:
        return len(self.indices)


# ----------------------------------------------------------------------------- batches


class Batch:
    """Rows of one batch and the columns read for them so far."""

    def __init__(self, source: QuerySource, rows: np.ndarray, batch_rows: int):
        self.source = source
        self.rows = rows
        self.n = len(rows)
        self.batch_rows = batch_rows
        self.cache: dict[str, Rows] = {}

    def column(self, name: str) -> Rows:
        cached = self.cache.get(name)
        if cached is None:
            cached = self.cache[name] = self._read(name)
        return cached

    def _read(self, name: str) -> Rows:
        info = self.source.column_info(name)
        parts = [values for _, values in self.source.read_column(name, self.rows, self.batch_rows)]
        data: np.ndarray | list
        if len(parts) == 1 and isinstance(parts[0], np.ndarray) and parts[0].dtype.kind != "O":
            data = parts[0]
        elif parts and all(isinstance(p, np.ndarray) and p.dtype.kind != "O" for p in parts):
            data = np.concatenate(parts)
        else:
            data = [item for part in parts for item in part]
        if isinstance(data, list) and info.sample_form == "text" and None not in data:
            data = np.asarray(data, dtype=str) if data else np.zeros(0, dtype=str)
        if len(data) != self.n:
            raise TQLError(f"the source returned {len(data)} values of {name!r} for {self.n} rows")
        return Rows(data, info)

    def derived(self, name: str, tag: str, compute) -> np.ndarray | None:
        """Per-row data derived from column ``name`` and kept by the source (see
        :meth:`~deeplake_core.tql.functions.CallContext.derived`), for this batch."""
        hook = getattr(self.source, "derived_column", None)
        if hook is None:
            return None
        out = hook(name, tag, compute, self.rows)
        if out is not None and len(out) != self.n:
            raise TQLError(f"the source returned {len(out)} derived values for {self.n} rows")
        return out

    def subset(self, mask: np.ndarray) -> Batch:
        """The rows where ``mask`` is true, keeping the columns already read."""
        sub = Batch(self.source, self.rows[mask], self.batch_rows)
        if mask.all():
            sub.cache = dict(self.cache)
            return sub
        where = np.flatnonzero(mask)
        for name, value in self.cache.items():
            data = value.data
            kept = data[mask] if isinstance(data, np.ndarray) else [data[i] for i in where]
            sub.cache[name] = Rows(kept, value.info)
        return sub


# ----------------------------------------------------------------------------- evaluation


class _Text:
    """A node's TQL text, printed on first use (an ``ARRAY[...]`` of 128 numbers takes
    a millisecond to print; most queries never need it)."""

    __slots__ = ("node", "text")

    def __init__(self, node: ast.Node):
        self.node = node
        self.text: str | None = None

    def __str__(self) -> str:
        if self.text is None:
            self.text = ast.to_tql(self.node)
        return self.text

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


class Evaluator:
    """Evaluates resolved expressions over batches."""

    def __init__(self, plan: Plan, rng: np.random.Generator):
        self.query = plan.query
        self.functions = plan.resolved
        self.rng = rng
        # Per node (by id; the node is kept alive beside its entry): its TQL text, whether
        # it is constant, and the value of a constant node once computed. A constant
        # (``ARRAY[...]`` of literals, a deterministic function of constants) is thus
        # evaluated once per query, not once per batch.
        self._texts: dict[int, tuple[ast.Node, _Text]] = {}
        self._const: dict[int, tuple[ast.Node, bool]] = {}
        self._values: dict[int, tuple[ast.Node, Const]] = {}

    def fail(self, message: str, node: ast.Node) -> TQLError:
        return TQLError(message, query=self.query, offset=node.pos)

    def text(self, node: ast.Node) -> Any:
        """``node`` as TQL for error messages: printed (``str``, f-strings) only when a
        message is built."""
        item = self._texts.get(id(node))
        if item is None:
            item = self._texts[id(node)] = (node, _Text(node))
        return item[1]

    def is_constant(self, node: ast.Node) -> bool:
        """Whether ``node`` has one value for every row: no tensor, no ``?``, no
        non-deterministic function below it."""
        item = self._const.get(id(node))
        if item is not None:
            return item[1]
        if isinstance(node, ast.ArrayLit) and all(_is_number_literal(i) for i in node.items):
            self._const[id(node)] = (node, True)  # the common case, without a walk
            return True
        varying = isinstance(node, ast.Column | ast.Param) or (
            isinstance(node, ast.Call)
            and (
                node.name not in self.functions or not self.functions[node.name].spec.deterministic
            )
        )
        constant = not varying and all(self.is_constant(child) for child in children(node))
        self._const[id(node)] = (node, constant)
        return constant

    def eval(self, node: ast.Node, batch: Batch) -> Value:
        if not isinstance(node, ast.Literal | ast.Column) and self.is_constant(node):
            known = self._values.get(id(node))
            if known is not None:
                return known[1]
            value = self._eval_checked(node, batch)
            if isinstance(value, Const):
                self._values[id(node)] = (node, value)
            return value
        return self._eval_checked(node, batch)

    def _eval_checked(self, node: ast.Node, batch: Batch) -> Value:
        try:
            return self._eval(node, batch)
        except ValueFault as exc:
            raise self.fail(str(exc), node) from None

    def condition(self, node: ast.Node, batch: Batch) -> np.ndarray:
        value = self.eval(node, batch)
        try:
            return truth(value, batch.n, self.text(node))
        except ValueFault as exc:
            raise self.fail(str(exc), node) from None

    def _eval(self, node: ast.Node, batch: Batch) -> Value:
        n = batch.n
        if isinstance(node, ast.Column):
            return batch.column(node.name)
        if isinstance(node, ast.Literal):
            return Const(node.value)
        if isinstance(node, ast.Binary):
            left, right = self.eval(node.left, batch), self.eval(node.right, batch)
            if node.op in ("+", "-", "*", "/", "%"):
                return arith(node.op, left, right, n)
            return compare(node.op, left, right, n, (self.text(node.left), self.text(node.right)))
        if isinstance(node, ast.Logical):
            combine = np.logical_and if node.op == "AND" else np.logical_or
            result = self.condition(node.items[0], batch)
            for item in node.items[1:]:
                result = combine(result, self.condition(item, batch))
            return Rows(result)
        if isinstance(node, ast.Unary):
            if node.op == "NOT":
                return Rows(~self.condition(node.operand, batch))
            operand = self.eval(node.operand, batch)
            return negate(operand, n) if node.op == "-" else operand
        if isinstance(node, ast.Between):
            x = self.eval(node.expr, batch)
            text = self.text(node.expr)
            low = compare(">=", x, self.eval(node.low, batch), n, (text, self.text(node.low)))
            high = compare("<=", x, self.eval(node.high, batch), n, (text, self.text(node.high)))
            inside = elementwise(np.logical_and, low, high, n)
            return logical_not_elementwise(inside, n) if node.negated else inside
        if isinstance(node, ast.In):
            x = self.eval(node.expr, batch)
            items = self.constant_items(node.items, batch)
            found = is_in(x, items, n, self.text(node.expr))
            return logical_not_elementwise(found, n) if node.negated else found
        if isinstance(node, ast.IsNull):
            found = is_null(self.eval(node.expr, batch), n)
            return logical_not_elementwise(found, n) if node.negated else found
        if isinstance(node, ast.ArrayLit):
            return self.array(node, batch)
        if isinstance(node, ast.Subscript):
            target = self.eval(node.expr, batch)
            items = [self.index_item(i, batch) for i in node.index]
            return subscript(target, items, n, self.text(node.expr))
        if isinstance(node, ast.Call):
            return self.call(node, batch)
        if isinstance(node, ast.Param):
            raise self.fail("unbound '?' parameter; pass params=[...]", node)
        raise self.fail(f"{type(node).__name__} cannot be used here", node)

    def constant(self, node: ast.Node, batch: Batch, what: str) -> Any:
        value = self.eval(node, batch)
        if not isinstance(value, Const):
            raise self.fail(f"{what} must be a constant, not a per-row value", node)
        return value.value

    def constant_items(self, node: ast.Node, batch: Batch) -> list[Any]:
        if isinstance(node, ast.ArrayLit):
            return [self.constant(i, batch, "each IN item") for i in node.items]
        raise self.fail("IN needs a list: IN [1, 2] or IN ARRAY[1, 2]", node)

    def index_item(self, node: ast.Node, batch: Batch) -> Any:
        if isinstance(node, ast.Slice):
            bounds = [
                None if b is None else self.int_index(b, batch)
                for b in (node.start, node.stop, node.step)
            ]
            if bounds[2] == 0:
                raise self.fail("slice step cannot be zero", node)
            return slice(*bounds)
        value = self.constant(node, batch, "an index")
        if isinstance(value, str):
            return value
        return self.int_index(node, batch, value)

    def int_index(self, node: ast.Node, batch: Batch, value: Any = None) -> int:
        if value is None:
            value = self.constant(node, batch, "an index")
        if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
            raise self.fail("indices must be whole numbers or 'json keys'", node)
        return int(value)

    def array(self, node: ast.ArrayLit, batch: Batch) -> Value:
        if all(_is_number_literal(i) for i in node.items):  # ARRAY[0.1, -2, ...]
            return Const(const_array([_number_literal(i) for i in node.items]))
        values = [self.eval(i, batch) for i in node.items]
        if all(isinstance(v, Const) for v in values):
            return Const(const_array([v.value for v in values]))
        columns = [row_values(v, batch.n) for v in values]
        return Rows(pack([const_array(list(row)) for row in zip(*columns, strict=False)]))

    def call(self, node: ast.Call, batch: Batch) -> Value:
        fn = self.functions[node.name]
        args: list[Any] = []
        flags: list[Any] = []
        infos: list[Any] = []
        for arg in node.args:
            if isinstance(arg, ast.Pair):
                key, val = self.eval(arg.key, batch), self.eval(arg.value, batch)
                args.append((_raw(key), _raw(val)))
                flags.append((isinstance(key, Rows), isinstance(val, Rows)))
                infos.append(None)
            else:
                value = self.eval(arg, batch)
                args.append(_raw(value))
                flags.append(isinstance(value, Rows))
                infos.append(value.info if isinstance(value, Rows) else None)
        rows = any(any(f) if isinstance(f, tuple) else f for f in flags)
        rows = rows or not fn.spec.deterministic
        try:
            if fn.spec.vectorized:
                ctx = CallContext(
                    node.name,
                    batch.n,
                    tuple(flags),
                    tuple(infos),
                    self.rng,
                    rows,
                    _derive_hook(node, batch),
                )
                out = fn.impl(ctx, *args)
            elif rows:
                out = [fn.impl(*row) for row in self._rows_of(args, flags, batch.n)]
            else:
                out = fn.impl(*args)
        except (ValueError, TypeError, IndexError, ValueFault) as exc:
            raise self.fail(f"{node.name.upper()}: {exc}", node) from None
        if not rows:
            return Const(out)
        if isinstance(out, np.ndarray) and out.dtype.kind == "O":
            out = list(out)
        if isinstance(out, list):
            out = pack(out)
        if not isinstance(out, np.ndarray | list) or len(out) != batch.n:
            got = len(out) if isinstance(out, np.ndarray | list) else type(out).__name__
            raise self.fail(
                f"{node.name.upper()} returned {got} values for a batch of {batch.n} rows", node
            )
        return Rows(out)

    @staticmethod
    def _rows_of(args: list[Any], flags: list[Any], n: int):
        columns = []
        for arg, flag in zip(args, flags, strict=False):
            if isinstance(flag, tuple):
                key = list(arg[0]) if flag[0] else [arg[0]] * n
                val = list(arg[1]) if flag[1] else [arg[1]] * n
                columns.append(list(zip(key, val, strict=False)))
            else:
                columns.append(list(arg) if flag else [arg] * n)
        return zip(*columns, strict=False) if columns else ([] for _ in range(n))


def _is_number_literal(node: ast.Node) -> bool:
    """A number written in the query, optionally signed (``2``, ``-0.5``)."""
    if isinstance(node, ast.Unary) and node.op in ("-", "+"):
        node = node.operand
    return (
        isinstance(node, ast.Literal)
        and is_number(node.value)
        and not isinstance(node.value, bool | np.bool_)
    )


def _number_literal(node: ast.Node) -> Any:
    """The value of a node accepted by :func:`_is_number_literal` (as evaluation gives)."""
    if isinstance(node, ast.Unary):
        value = _number_literal(node.operand)
        return negate(Const(value), 1).value if node.op == "-" else value
    return node.value


def _derive_hook(node: ast.Call, batch: Batch):
    """``CallContext.derive_hook`` for a call: derived data of arguments that are
    plain tensors, from the batch's source."""
    names = [arg.name if isinstance(arg, ast.Column) else None for arg in node.args]
    if not any(names):
        return None

    def hook(index: int, tag: str, compute) -> np.ndarray | None:
        name = names[index] if 0 <= index < len(names) else None
        return None if name is None else batch.derived(name, tag, compute)

    return hook


def _raw(value: Value) -> Any:
    return value.value if isinstance(value, Const) else value.data


# ----------------------------------------------------------------------------- ordering


def order_key(value: Value, n: int, describe: str) -> tuple[np.ndarray, np.ndarray]:
    """One sortable key per row (numbers as float64/int64, or strings) and a null mask."""
    if isinstance(value, Const):
        v = value.value
        if v is None:
            return np.zeros(n), np.ones(n, dtype=bool)
        if isinstance(v, np.ndarray) and v.size == 1:
            v = v.reshape(-1)[0]
        if isinstance(v, str):
            return np.full(n, v), np.zeros(n, dtype=bool)
        if not is_number(v):
            raise ValueFault(f"ORDER BY needs a number or a string per row; {describe} is not")
        return _numeric_key(np.full(n, v))
    data = value.data
    if isinstance(data, np.ndarray) and data.dtype.kind in "biufUS":
        flat = data.reshape(n, per_row_size(data))
        if flat.shape[1] != 1:
            raise ValueFault(
                f"ORDER BY needs one number or string per row, but {describe} has "
                f"{flat.shape[1]} values per row"
            )
        column = flat[:, 0]
        if column.dtype.kind in "US":
            return column, np.zeros(n, dtype=bool)
        return _numeric_key(column)
    items = []
    for x in row_values(value, n):
        if isinstance(x, np.ndarray) and x.size == 1:
            x = x.reshape(-1)[0]
        if x is not None and not (is_number(x) or isinstance(x, str)):
            raise ValueFault(f"ORDER BY needs a number or a string per row; {describe} gives {x!r}")
        items.append(x)
    present = [x for x in items if x is not None]
    null = np.fromiter((x is None for x in items), dtype=bool, count=n)
    if present and all(isinstance(x, str) for x in present):
        return np.asarray(["" if x is None else x for x in items], dtype=str), null
    if any(isinstance(x, str) for x in present):
        raise ValueFault(f"ORDER BY {describe} mixes numbers and strings")
    key, nan = _numeric_key(np.asarray([0 if x is None else x for x in items], dtype=np.float64))
    return key, nan | null


def _numeric_key(column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if column.dtype.kind == "b":
        column = column.astype(np.int64)
    if column.dtype.kind == "f":  # kept as is (float32 keys need no float64 copy)
        return column, np.isnan(column)
    if column.dtype.kind == "u" and column.dtype.itemsize == 8:
        return column.astype(np.float64), np.zeros(len(column), dtype=bool)
    return column.astype(np.int64, copy=False), np.zeros(len(column), dtype=bool)


def _sortable(key: np.ndarray, null: np.ndarray, descending: bool) -> np.ndarray:
    """Key transformed so that ascending order is the wanted order (nulls zeroed)."""
    if key.dtype.kind in "US":
        _, codes = np.unique(key, return_inverse=True)
        codes = codes.astype(np.int64)
        return -codes if descending else codes
    if key.dtype.kind == "f":
        if null.any():
            key = np.where(null, 0.0, key)
        return -key if descending else key
    return ~key if descending else key


def final_order(
    rows: np.ndarray, keys: list[np.ndarray], nulls: list[np.ndarray], descending: list[bool]
) -> np.ndarray:
    """Positions of ``rows`` in result order (nulls last, ties by row number)."""
    columns: list[np.ndarray] = [rows]
    for key, null, desc in reversed(list(zip(keys, nulls, descending, strict=False))):
        columns.append(_sortable(key, null, desc))
        columns.append(null.astype(np.int8))
    return np.lexsort(columns)


class TopK:
    """Keeps the best ``k`` rows of a single numeric key across batches.

    Once ``k`` rows with a key were seen, the ``k``-th best key so far is a bound: rows
    of later batches that do not reach it are dropped with one comparison, so a batch
    costs little more than computing its keys.
    """

    def __init__(self, k: int, descending: bool):
        self.k = k
        self.descending = descending
        self.rows: list[np.ndarray] = []
        self.keys: list[np.ndarray] = []
        self.nulls: list[np.ndarray] = []
        self.size = 0
        #: Sortable form of the k-th best key seen so far (``None``: fewer than k rows).
        #: Integer and float keys sort in different forms (``~key``, ``-key``), so the
        #: bound only applies to batches whose keys have its kind (``bound_kind``).
        self.bound: Any = None
        self.bound_kind = ""

    #: Rows of a batch selected from at a time: the first part sets the bound, which
    #: then drops most rows of the others with one comparison.
    PART = 65_536

    def add(self, rows: np.ndarray, key: np.ndarray, null: np.ndarray) -> None:
        if key.dtype.kind in "US":
            raise ValueFault("internal: TopK takes numeric keys")
        part = max(self.PART, 4 * self.k)
        for start in range(0, len(rows), part):
            stop = start + part
            self._add(rows[start:stop], key[start:stop], null[start:stop])

    def _add(self, rows: np.ndarray, key: np.ndarray, null: np.ndarray) -> None:
        t = _sortable(key, null, self.descending)
        if self.bound is not None and t.dtype.kind == self.bound_kind:
            reach = t <= self.bound
            if null.any():
                reach &= ~null  # k rows with keys are known: rows without one cannot enter
            keep = np.flatnonzero(reach)
            if not len(keep):
                return
            rows, key, null, t = rows[keep], key[keep], null[keep], t[keep]
        keep = self._select(rows, t, null)
        self.rows.append(rows[keep])
        self.keys.append(key[keep])
        self.nulls.append(null[keep])
        self.size += len(keep)
        if self.size > 4 * self.k + 1024:
            self._compact()

    def _compact(self) -> None:
        rows, key, null = (np.concatenate(x) for x in (self.rows, self.keys, self.nulls))
        keep = self._select(rows, _sortable(key, null, self.descending), null)
        self.rows, self.keys, self.nulls = [rows[keep]], [key[keep]], [null[keep]]
        self.size = len(keep)

    def _select(self, rows: np.ndarray, t: np.ndarray, null: np.ndarray) -> np.ndarray:
        """Positions of the best ``k`` of ``rows`` (sortable keys ``t``); updates the
        bound when ``k`` of them have keys."""
        k = self.k
        has_null = bool(null.any())
        present = ~null if has_null else None
        count = len(rows) - int(null.sum()) if has_null else len(rows)
        if count >= k:
            keyed = t[present] if has_null else t
            threshold = np.partition(keyed, k - 1)[k - 1] if len(keyed) > k else keyed.max()
            if self.bound is None or (t.dtype.kind == self.bound_kind and threshold < self.bound):
                self.bound, self.bound_kind = threshold, t.dtype.kind
        if len(rows) <= k:
            return np.arange(len(rows))
        if count >= k:
            less_mask, tie_mask = t < threshold, t == threshold
            if has_null:
                less_mask &= present
                tie_mask &= present
            less, ties = np.flatnonzero(less_mask), np.flatnonzero(tie_mask)
            need = k - len(less)
            if len(ties) > need:
                ties = ties[np.argsort(rows[ties], kind="stable")[:need]]
            return np.concatenate([less, ties])
        missing = np.flatnonzero(null)
        missing = missing[np.argsort(rows[missing], kind="stable")[: k - count]]
        return np.concatenate([np.flatnonzero(~null), missing])

    def result(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not self.rows:
            return np.zeros(0, np.int64), np.zeros(0), np.zeros(0, dtype=bool)
        self._compact()
        return self.rows[0], self.keys[0], self.nulls[0]


# ----------------------------------------------------------------------------- execution


def iter_batches(total: int, candidates: np.ndarray | None, batch_rows: int):
    """Row numbers in batches: all ``total`` rows, or the ``candidates``."""
    if candidates is None:
        for start in range(0, total, batch_rows):
            yield np.arange(start, min(start + batch_rows, total), dtype=np.int64)
    else:
        for start in range(0, len(candidates), batch_rows):
            yield candidates[start : start + batch_rows]


class Executor:
    def __init__(self, plan: Plan, source: QuerySource, rng: np.random.Generator):
        self.plan = plan
        self.source = source
        self.evaluator = Evaluator(plan, rng)

    def run(self) -> QueryResult:
        indices, scores = self.run_plan(self.plan)
        columns = self.plan.columns if self.plan.kind == "select" else None
        if columns is None:
            columns = tuple(self.source.column_names())
        return QueryResult(indices.astype(np.int64, copy=False), columns, scores, self.plan.source)

    def run_plan(self, plan: Plan) -> tuple[np.ndarray, np.ndarray | None]:
        if plan.kind == "select":
            return self.scan(plan, None)
        left, _ = self.run_plan(plan.children[0])
        right, _ = self.run_plan(plan.children[1])
        combine = {"union": np.union1d, "intersect": np.intersect1d, "except": np.setdiff1d}
        rows = combine[plan.kind](left, right).astype(np.int64)
        if not plan.order and plan.limit is None and not plan.offset:
            return rows, None
        return self.scan(plan, rows)

    def scan(
        self, plan: Plan, candidates: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        ev = self.evaluator
        want = None if plan.limit is None else plan.limit + plan.offset
        if want == 0:
            return np.zeros(0, np.int64), (np.zeros(0) if plan.order else None)
        topk = (
            TopK(want, plan.order[0].descending)
            if plan.order and want is not None and len(plan.order) == 1
            else None
        )
        kept_rows: list[np.ndarray] = []
        kept_keys: list[list[np.ndarray]] = [[] for _ in plan.order]
        kept_nulls: list[list[np.ndarray]] = [[] for _ in plan.order]
        found = 0
        for rows in iter_batches(len(self.source), candidates, plan.batch_rows):
            batch = Batch(self.source, rows, plan.batch_rows)
            if plan.where is not None:
                mask = ev.condition(plan.where, batch)
                if not plan.order:  # only the row numbers are needed
                    kept_rows.append(batch.rows[mask])
                    found += len(kept_rows[-1])
                    if want is not None and found >= want:
                        break
                    continue
                if not mask.any():
                    continue
                batch = batch.subset(mask)
            if not plan.order:
                kept_rows.append(batch.rows)
                found += batch.n
                if want is not None and found >= want:
                    break
                continue
            keys = []
            for item in plan.order:
                value = ev.eval(item.expr, batch)
                try:
                    keys.append(order_key(value, batch.n, ev.text(item.expr)))
                except ValueFault as exc:
                    raise ev.fail(str(exc), item.expr) from None
            if topk is not None:
                if keys[0][0].dtype.kind not in "US":
                    topk.add(batch.rows, *keys[0])
                    continue
                if topk.size:
                    expr = plan.order[0].expr
                    raise ev.fail(f"ORDER BY {ast.to_tql(expr)} mixes numbers and strings", expr)
                topk = None  # string keys: collect, then sort
            kept_rows.append(batch.rows)
            for i, (key, null) in enumerate(keys):
                kept_keys[i].append(key)
                kept_nulls[i].append(null)
        return self.finish(plan, topk, kept_rows, kept_keys, kept_nulls)

    def finish(self, plan, topk, kept_rows, kept_keys, kept_nulls):
        offset = plan.offset
        stop = None if plan.limit is None else offset + plan.limit
        if not plan.order:
            rows = np.concatenate(kept_rows) if kept_rows else np.zeros(0, np.int64)
            return rows[offset:stop], None
        if topk is not None:
            rows, key, null = topk.result()
            order = final_order(rows, [key], [null], [plan.order[0].descending])[offset:stop]
            return rows[order], _scores(key[order], null[order])
        if not kept_rows:
            return np.zeros(0, np.int64), np.zeros(0)
        rows = np.concatenate(kept_rows)
        keys = [
            _concat_keys(k, plan.order[i].expr, self.evaluator) for i, k in enumerate(kept_keys)
        ]
        nulls = [np.concatenate(n) for n in kept_nulls]
        order = final_order(rows, keys, nulls, [o.descending for o in plan.order])[offset:stop]
        return rows[order], _scores(keys[0][order], nulls[0][order])


def _concat_keys(parts: list[np.ndarray], node: ast.Node, ev: Evaluator) -> np.ndarray:
    kinds = {"str" if p.dtype.kind in "US" else "num" for p in parts if len(p)}
    if len(kinds) > 1:
        raise ev.fail(f"ORDER BY {ast.to_tql(node)} mixes numbers and strings", node)
    return np.concatenate(parts)


def _scores(key: np.ndarray, null: np.ndarray) -> np.ndarray:
    if key.dtype.kind in "US" or not null.any():
        return key
    out = key.astype(np.float64)
    out[null] = np.nan
    return out
