"""Moving an app request (a tuple of plain values, see analytics/reviews/ahead.py) to a new as-of date.

When a new month arrives, the requests people made on the previous data are computed ahead for the new data
moved first: a period keeps its place relative to the as-of date (the last complete quarter stays the last
complete quarter, a running quarter-to-date stays the running one), the as-of date becomes the new one, and month
dates move with the request's period. A request moved wrongly costs only its computation: it is stored under its
own (new) request and served only to a page asking exactly that.
"""
from __future__ import annotations

import datetime as dt

from analytics.core.periods import (
    Period,
    add_months,
    month_end,
    month_period,
    month_start,
    quarter_of,
    year_of,
)

_SIZES = {"month": 1, "quarter": 3, "fiscal_year": 12}
_FLAT = {"metric": 3, "kpis": 2, "by_region": 2}  # kind → index of a flattened (start, end, label, grain)


def _months(a: dt.date, b: dt.date) -> int:
    """Whole months from a's month to b's month."""
    return (b.year - a.year) * 12 + b.month - a.month


def _containing(day: dt.date, grain: str, fy_start: int) -> Period:
    if grain == "month":
        return month_period(day)
    return quarter_of(day, fy_start) if grain == "quarter" else year_of(day, fy_start)


def _last_complete(day: dt.date, grain: str, fy_start: int) -> Period:
    """The latest period of the grain ending on or before ``day`` (what the pages show first)."""
    period = _containing(day, grain, fy_start)
    return period if period.end <= day else period.shift(-1, fy_start)


def move_period(period: Period, old: dt.date, new: dt.date, fy_start: int) -> Period:
    """The period at the same place relative to ``new`` as ``period`` is to ``old``: a running (to-date) period
    becomes the one running at ``new``; a complete one keeps its distance from the last complete period."""
    size = _SIZES.get(period.grain)
    if size is None:  # a range (a trailing window): the same months later
        shift = _months(old, new)
        start, end = add_months(period.start, shift), month_end(add_months(period.end, shift))
        return Period(start, end, f"{start:%Y-%m}..{end:%Y-%m}", period.grain)
    if period.end < month_end(add_months(period.start, size - 1)):
        return _containing(new, period.grain, fy_start).to_date(new)
    steps = _months(_last_complete(old, period.grain, fy_start).start, period.start) // size
    return _last_complete(new, period.grain, fy_start).shift(steps, fy_start)


def translate(request: tuple, old: dt.date, new: dt.date, fy_start: int = 1) -> tuple:
    """``request`` (ui/cached.py) moved from as-of ``old`` to ``new``: periods keep their place, the as-of date
    becomes ``new``, month dates move with the request's (first) period."""
    items = list(request)
    shift = [None]  # months the request's first period moved

    def period(p: Period) -> Period:
        moved = move_period(p, old, new, fy_start)
        if shift[0] is None:
            shift[0] = _months(p.start, moved.start)
        return moved

    if items[0] == "exclusions":  # (scope, start, end) of the page's period
        start, end = items[2], items[3]
        grain = {1: "month", 3: "quarter", 12: "fiscal_year"}.get(_months(start, end) + 1, "range")
        p = move_period(Period(start, end, "", grain), old, new, fy_start)
        return (*items[:2], p.start, p.end)
    at = _FLAT.get(items[0])
    if at is not None:
        p = period(Period(*items[at:at + 4]))
        items[at:at + 4] = [p.start, p.end, p.label, p.grain]

    def value(v: object) -> object:
        if isinstance(v, tuple) and v and v[0] == "__period__":
            p = period(Period(*v[1:]))
            return ("__period__", p.start, p.end, p.label, p.grain)
        if isinstance(v, tuple):
            return tuple(value(x) for x in v)
        return v

    items = [value(x) for x in items]

    def dates(v: object) -> object:
        if isinstance(v, tuple) and v and v[0] == "__period__":
            return v
        if isinstance(v, tuple):
            return tuple(dates(x) for x in v)
        if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            if v == old:
                return new
            if v == month_start(v):  # a month of the request's period (a trend's last month)
                return add_months(v, shift[0] if shift[0] is not None else _months(old, new))
        return v

    protected = set(range(at, at + 4)) if at is not None else set()
    return tuple(x if i in protected else dates(x) for i, x in enumerate(items))
