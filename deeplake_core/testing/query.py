"""Conformance tests for query-function plugins.

Subclass :class:`QueryFunctionConformance` in a pytest module, set ``name`` and
implement ``make_args``::

    class TestContains(QueryFunctionConformance):
        name = "contains"

        def make_args(self, rng, n):
            return [(rng.integers(0, 5, (n, 3)), True), (2, False)]

Every check runs through the registry, as the query engine does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from deeplake_core.tql.functions import CallContext, ResolvedFunction, resolve_function

_ARG_TYPES = {"any", "array", "scalar", "string", "number", "bool", "pair"}


def _rows_of(value: Any, per_row: bool, start: int, stop: int) -> Any:
    if not per_row:
        return value
    return value[start:stop] if isinstance(value, np.ndarray) else list(value[start:stop])


def _as_list(result: Any) -> list[Any]:
    return list(result) if isinstance(result, np.ndarray | list) else [result]


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    x, y = np.asarray(a), np.asarray(b)
    if x.shape != y.shape:
        return False
    if x.dtype.kind in "biufc" and y.dtype.kind in "biufc":
        return bool(np.allclose(x, y, rtol=1e-5, atol=1e-6, equal_nan=True))
    return bool(np.all(x == y))


class QueryFunctionConformance:
    """Checks a query function's spec and its calling convention."""

    #: Registered function name.
    name: str = ""
    #: Batch sizes tried.
    sizes: tuple[int, ...] = (0, 1, 7, 33)

    def make_args(self, rng: np.random.Generator, n: int) -> list[tuple[Any, Any]]:
        """Arguments for a batch of ``n`` rows: ``(value, per_row)`` per argument (for a
        ``cond: weight`` argument, ``((cond, weight), (per_row, per_row))``)."""
        raise TypeError(f"{type(self).__name__} must define make_args(rng, n)")

    # ------------------------------------------------------------------ helpers
    def resolved(self) -> ResolvedFunction:
        return resolve_function(self.name)

    def call(self, args: list[tuple[Any, Any]], n: int, seed: int = 0) -> Any:
        fn = self.resolved()
        flags = tuple(flag for _, flag in args)
        rows = any(any(f) if isinstance(f, tuple) else f for f in flags)
        rows = rows or not fn.spec.deterministic
        values = [value for value, _ in args]
        if fn.spec.vectorized:
            ctx = CallContext(
                self.name, n, flags, (None,) * len(args), np.random.default_rng(seed), rows
            )
            return fn.impl(ctx, *values)
        if not rows:
            return fn.impl(*values)
        return [
            fn.impl(*(_rows_of(v, f, i, i + 1)[0] if f else v for v, f in args)) for i in range(n)
        ]

    def slice_args(
        self, args: list[tuple[Any, Any]], start: int, stop: int
    ) -> list[tuple[Any, Any]]:
        out = []
        for value, flag in args:
            if isinstance(flag, tuple):
                value = tuple(_rows_of(v, f, start, stop) for v, f in zip(value, flag, strict=True))
            else:
                value = _rows_of(value, flag, start, stop)
            out.append((value, flag))
        return out

    # ------------------------------------------------------------------ tests
    def test_spec_is_registered_and_valid(self) -> None:
        fn = self.resolved()
        spec = fn.spec
        assert spec.name == self.name.lower()
        assert set(spec.arg_types) <= _ARG_TYPES, spec.arg_types
        assert callable(fn.impl)

    def test_name_is_case_insensitive(self) -> None:
        assert resolve_function(self.name.upper()).spec == self.resolved().spec

    def test_one_value_per_row(self) -> None:
        rng = np.random.default_rng(0)
        for n in self.sizes:
            args = self.make_args(rng, n)
            result = self.call(args, n)
            assert isinstance(result, np.ndarray | list), type(result)
            assert len(result) == n

    def test_batch_equals_row_by_row(self) -> None:
        if not self.resolved().spec.deterministic:
            pytest.skip("non-deterministic function")
        n = max(self.sizes)
        args = self.make_args(np.random.default_rng(1), n)
        whole = _as_list(self.call(args, n))
        for i in range(n):
            single = _as_list(self.call(self.slice_args(args, i, i + 1), 1))
            assert len(single) == 1
            assert _same(whole[i], single[0]), (i, whole[i], single[0])

    def test_deterministic_functions_repeat(self) -> None:
        if not self.resolved().spec.deterministic:
            pytest.skip("non-deterministic function")
        n = max(self.sizes)
        args = self.make_args(np.random.default_rng(2), n)
        first, second = _as_list(self.call(args, n, seed=1)), _as_list(self.call(args, n, seed=2))
        assert all(_same(a, b) for a, b in zip(first, second, strict=True))
