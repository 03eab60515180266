"""The one comparison rule: a period against the previous period of the same grain, at the same stretch.

A month is compared with the month before, a quarter with the quarter before, a fiscal year with the
fiscal year before; a period that is not complete at the as-of date is compared with the same number of
months at the start of the previous period (the first month of Q4 against the first month of Q3).
"""
from __future__ import annotations

import datetime as dt

from analytics.core.periods import Period, add_months, month_end


def comparable_periods(period: Period, as_of: dt.date, fy_start: int = 1) -> tuple[Period, Period]:
    """The period up to ``as_of`` and the same stretch of the previous period (so a partial
    quarter is compared with the same number of months of the quarter before, never with a whole one)."""
    current = period.to_date(as_of)
    prev_full = period.shift(-1, fy_start)
    done = current.n_months
    prev = Period(prev_full.start, month_end(add_months(prev_full.start, done - 1)), prev_full.label, prev_full.grain)
    return current, prev
