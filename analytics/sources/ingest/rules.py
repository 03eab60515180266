"""The two small value types the table annotations are written in: a reference and a cross-column rule."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl


@dataclass(frozen=True)
class Ref:
    """A reference: this column holds a key of ``table`` (its primary key, or its natural key)."""

    table: str
    column: str


RuleKind = Literal["order", "paired", "different", "not_greater", "required_if"]


@dataclass(frozen=True)
class Rule:
    """A rule across two columns of one row; :meth:`broken` is a polars expression, true where broken.

    - ``order``: ``b`` is on or after ``a`` when both are set (``termination_date ≥ hire_date``).
    - ``paired``: ``a`` and ``b`` are both set or both empty (termination date ↔ exit type).
    - ``different``: ``a`` and ``b`` differ (mentor is not the mentee).
    - ``not_greater``: ``a ≤ b`` (tasks done ≤ tasks total).
    - ``required_if``: ``b`` is set when the boolean ``a`` is true (completed → completed_date).
    The issue is reported on column ``b``.
    """

    kind: RuleKind
    a: str
    b: str
    severity: Literal["error", "warning"] = "error"

    def broken(self) -> pl.Expr:
        a, b = pl.col(self.a), pl.col(self.b)
        if self.kind == "order":
            return (b < a).fill_null(False)
        if self.kind == "paired":
            return a.is_null() != b.is_null()
        if self.kind == "different":
            return (a.cast(pl.Utf8) == b.cast(pl.Utf8)).fill_null(False)
        if self.kind == "not_greater":
            return (a > b).fill_null(False)
        return a.fill_null(False) & b.is_null()

    @property
    def problem(self) -> str:
        return {
            "order": f"{self.b} is before {self.a}",
            "paired": f"{self.a} and {self.b} must be given together (both or neither)",
            "different": f"{self.b} is the same as {self.a}",
            "not_greater": f"{self.a} is greater than {self.b}",
            "required_if": f"{self.b} is empty although {self.a} is true",
        }[self.kind]

    @property
    def expected(self) -> str:
        return {
            "order": f"{self.b} on or after {self.a}",
            "paired": f"{self.a} and {self.b} both set, or both empty",
            "different": f"{self.b} different from {self.a}",
            "not_greater": f"{self.a} at most {self.b}",
            "required_if": f"{self.b} set when {self.a} is true",
        }[self.kind]
