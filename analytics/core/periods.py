"""The fiscal calendar: months are the grain; quarters and fiscal years follow a start month.

Naming: a fiscal year is named by the calendar year in which it ends (with a January start,
FY2025 = Jan–Dec 2025; with an April start, FY2025 = Apr 2024 – Mar 2025). ``2025-Q1`` is the
first quarter of FY2025. Period strings accepted everywhere: ``2025-07``, ``2025-Q3``, ``FY2025``
and ranges of those joined by ``..`` (``2024-01..2025-06``).
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

import polars as pl

Grain = str  # 'month' | 'quarter' | 'fiscal_year' | 'range'


class PeriodError(ValueError):
    """A period string that cannot be read; the message shows the accepted forms."""


ACCEPTED = "2025-07 (a month), 2025-Q3 (a fiscal quarter), FY2025 (a fiscal year) or a range such as 2024-01..2025-06"


def month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def month_end(d: dt.date) -> dt.date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def add_months(d: dt.date, n: int) -> dt.date:
    """First day of the month ``n`` months after ``d``'s month."""
    idx = d.year * 12 + d.month - 1 + n
    return dt.date(idx // 12, idx % 12 + 1, 1)


def add_months_clamped(d: dt.date, n: int) -> dt.date:
    """``d`` plus ``n`` calendar months, the day clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    first = add_months(d, n)
    return first.replace(day=min(d.day, calendar.monthrange(first.year, first.month)[1]))


def add_months_expr(day: pl.Expr, months: pl.Expr | int) -> pl.Expr:
    """Polars twin of :func:`add_months_clamped`, in integer arithmetic.

    (No ``pl.format`` offset strings: formatting an offset per row over a frame of several chunks made
    polars panic on the large company.)
    """
    months = pl.lit(months) if isinstance(months, int) else months
    index = day.dt.year().cast(pl.Int64) * 12 + day.dt.month().cast(pl.Int64) - 1 + months.cast(pl.Int64)
    first = pl.date(index // 12, index % 12 + 1, 1)
    last_day = first.dt.month_end().dt.day()
    return first + pl.duration(days=pl.min_horizontal(day.dt.day(), last_day).cast(pl.Int64) - 1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """First days of every month from ``first``'s month to ``last``'s month, inclusive."""
    n = (last.year - first.year) * 12 + last.month - first.month
    return [add_months(first, i) for i in range(n + 1)]


def fiscal_year_of(d: dt.date, fy_start: int = 1) -> int:
    """Fiscal year (named by the calendar year it ends in) containing ``d``."""
    return d.year if fy_start == 1 or d.month < fy_start else d.year + 1


def fiscal_year_start(fy: int, fy_start: int = 1) -> dt.date:
    return dt.date(fy if fy_start == 1 else fy - 1, fy_start, 1)


def fiscal_quarter_of(d: dt.date, fy_start: int = 1) -> tuple[int, int]:
    """(fiscal year, quarter 1–4) containing ``d``."""
    fy = fiscal_year_of(d, fy_start)
    offset = (d.year * 12 + d.month - 1) - (fiscal_year_start(fy, fy_start).year * 12 + fy_start - 1)
    return fy, offset // 3 + 1


@dataclass(frozen=True)
class Period:
    """A run of whole months, ``start`` (first day) to ``end`` (last day), with its label."""

    start: dt.date
    end: dt.date
    label: str
    grain: Grain

    @property
    def months(self) -> list[dt.date]:
        return months_between(self.start, self.end)

    @property
    def n_months(self) -> int:
        return len(self.months)

    def is_partial(self, as_of: dt.date) -> bool:
        """True when the period is not complete at ``as_of`` (its last day is after it)."""
        return self.end > as_of

    def to_date(self, as_of: dt.date) -> Period:
        """The part of the period up to the end of ``as_of``'s month (period-to-date)."""
        if as_of >= self.end:
            return self
        last = month_end(as_of)
        return Period(self.start, max(last, month_end(self.start)), self.label, self.grain)

    def shift(self, n: int, fy_start: int = 1) -> Period:
        """The period ``n`` steps later (earlier when negative) of the same length and grain."""
        start = add_months(self.start, n * self.n_months)
        end = month_end(add_months(self.start, (n + 1) * self.n_months - 1))
        return Period(start, end, _label(start, end, self.grain, fy_start), self.grain)

    def __str__(self) -> str:
        return self.label


def _label(start: dt.date, end: dt.date, grain: Grain, fy_start: int) -> str:
    if grain == "month":
        return f"{start:%Y-%m}"
    if grain == "quarter":
        fy, q = fiscal_quarter_of(start, fy_start)
        return f"{fy}-Q{q}"
    if grain == "fiscal_year":
        return f"FY{fiscal_year_of(start, fy_start)}"
    return f"{start:%Y-%m}..{end:%Y-%m}"


def month_period(d: dt.date) -> Period:
    s = month_start(d)
    return Period(s, month_end(s), f"{s:%Y-%m}", "month")


def quarter_period(fy: int, q: int, fy_start: int = 1) -> Period:
    if not 1 <= q <= 4:
        raise PeriodError(f"Quarter Q{q} does not exist; use Q1 to Q4. Accepted: {ACCEPTED}.")
    s = add_months(fiscal_year_start(fy, fy_start), 3 * (q - 1))
    return Period(s, month_end(add_months(s, 2)), f"{fy}-Q{q}", "quarter")


def quarter_of(d: dt.date, fy_start: int = 1) -> Period:
    return quarter_period(*fiscal_quarter_of(d, fy_start), fy_start=fy_start)


def fiscal_year_period(fy: int, fy_start: int = 1) -> Period:
    s = fiscal_year_start(fy, fy_start)
    return Period(s, month_end(add_months(s, 11)), f"FY{fy}", "fiscal_year")


def year_of(d: dt.date, fy_start: int = 1) -> Period:
    return fiscal_year_period(fiscal_year_of(d, fy_start), fy_start)


_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_QUARTER = re.compile(r"(\d{4})-?Q([1-4])", re.IGNORECASE)
_FY = re.compile(r"FY(\d{4})", re.IGNORECASE)


def _parse_single(text: str, fy_start: int) -> Period:
    t = text.strip()
    if m := _MONTH.fullmatch(t):
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise PeriodError(f"{text!r} has month {month}; months run 01–12. Accepted: {ACCEPTED}.")
        return month_period(dt.date(year, month, 1))
    if m := _QUARTER.fullmatch(t):
        return quarter_period(int(m.group(1)), int(m.group(2)), fy_start)
    if m := _FY.fullmatch(t):
        return fiscal_year_period(int(m.group(1)), fy_start)
    raise PeriodError(f"{text!r} is not a period. Accepted: {ACCEPTED}.")


def parse_period(text: str, fy_start: int = 1) -> Period:
    """Read a period string (see module doc); raise :class:`PeriodError` with the accepted forms."""
    if not isinstance(text, str) or not text.strip():
        raise PeriodError(f"An empty period was given. Accepted: {ACCEPTED}.")
    if ".." in text:
        left, _, right = text.partition("..")
        a, b = _parse_single(left, fy_start), _parse_single(right, fy_start)
        if b.end < a.start:
            raise PeriodError(f"{text!r} ends before it starts; write the earlier period first.")
        return Period(a.start, b.end, f"{a.start:%Y-%m}..{b.end:%Y-%m}", "range")
    return _parse_single(text, fy_start)


def periods_of_grain(first: dt.date, last: dt.date, grain: Grain, fy_start: int = 1) -> list[Period]:
    """Every period of ``grain`` that overlaps ``first``..``last`` (months in data), oldest first."""
    out: list[Period] = []
    seen: set[str] = set()
    for m in months_between(first, last):
        p = month_period(m) if grain == "month" else quarter_of(m, fy_start) if grain == "quarter" else year_of(
            m, fy_start)
        if p.label not in seen:
            seen.add(p.label)
            out.append(p)
    return out


def trailing_months(last_month: dt.date, n: int) -> Period:
    """The ``n`` months ending with ``last_month`` (a range period)."""
    start = add_months(month_start(last_month), -(n - 1))
    end = month_end(last_month)
    return Period(start, end, f"{start:%Y-%m}..{end:%Y-%m}", "range")


def last_completed_quarters(as_of: dt.date, n: int, fy_start: int = 1) -> list[Period]:
    """The ``n`` most recent fiscal quarters complete at ``as_of``, oldest first."""
    q = quarter_of(as_of, fy_start)
    if q.is_partial(as_of):
        q = quarter_of(add_months(q.start, -1), fy_start)
    out = [q]
    for _ in range(n - 1):
        out.insert(0, quarter_of(add_months(out[0].start, -1), fy_start))
    return out
