"""Shapes of tensors whose samples may differ in shape, as per-axis bounds."""

from __future__ import annotations

import operator
from collections.abc import Sequence

from deeplake_core.exceptions import InvalidShapeIntervalError


def _as_shape(values: Sequence[int], which: str) -> tuple[int, ...]:
    try:
        shape = tuple(operator.index(v) for v in values)
    except TypeError:
        raise InvalidShapeIntervalError(
            f"the {which} shape must be a sequence of integers, got {values!r};"
        ) from None
    if any(v < 0 for v in shape):
        raise InvalidShapeIntervalError(
            f"the {which} shape has a negative dimension; dimensions must be >= 0:",
            lower=shape if which == "lower" else None,
            upper=shape if which == "upper" else None,
        )
    return shape


class ShapeInterval:
    """Lower and upper bound of a shape, one pair per axis.

    ``upper=None`` means ``upper == lower`` (a fixed shape). An axis whose bounds differ
    is dynamic; the shape is fixed when no axis is dynamic.
    ``str(ShapeInterval((2, 10, 10), (2, 10, 15))) == "(2, 10, 10:15)"``.
    """

    __slots__ = ("_lower", "_upper")

    def __init__(self, lower: Sequence[int], upper: Sequence[int] | None = None):
        low = _as_shape(lower, "lower")
        up = low if upper is None else _as_shape(upper, "upper")
        if len(low) != len(up):
            raise InvalidShapeIntervalError(
                "the lower and upper shapes must have the same number of dimensions;",
                lower=low,
                upper=up,
            )
        if any(lo > hi for lo, hi in zip(low, up, strict=True)):
            raise InvalidShapeIntervalError(
                "every lower dimension must be <= the matching upper dimension;",
                lower=low,
                upper=up,
            )
        self._lower = low
        self._upper = up

    @property
    def lower(self) -> tuple[int, ...]:
        return self._lower

    @property
    def upper(self) -> tuple[int, ...]:
        return self._upper

    @property
    def is_fixed(self) -> bool:
        """Whether every axis has one possible length."""
        return self._lower == self._upper

    @property
    def is_dynamic(self) -> bool:
        """Whether some axis has several possible lengths."""
        return not self.is_fixed

    def astuple(self) -> tuple[int | None, ...]:
        """The shape with ``None`` for dynamic axes: ``(2, 10, None)``."""
        return tuple(
            lo if lo == hi else None for lo, hi in zip(self._lower, self._upper, strict=True)
        )

    def __len__(self) -> int:
        return len(self._lower)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ShapeInterval):
            return NotImplemented
        return self._lower == other._lower and self._upper == other._upper

    def __hash__(self) -> int:
        return hash((self._lower, self._upper))

    def __str__(self) -> str:
        axes = [
            str(lo) if lo == hi else f"{lo}:{hi}"
            for lo, hi in zip(self._lower, self._upper, strict=True)
        ]
        return f"({', '.join(axes)}{',' if len(axes) == 1 else ''})"

    def __repr__(self) -> str:
        return str(self)
