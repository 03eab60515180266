"""Trailing windows on an as-of date: the 12 complete months ending on or before it and their last two quarters
(the window of the skill profiles), and the parameters of the named queries the panels store for that date."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from analytics.core.periods import add_months, month_end, month_start


@dataclass(frozen=True)
class Window:
    """The 12 complete months ending on or before the as-of date, and its last two quarters."""

    start: dt.date
    end: dt.date
    q1_start: dt.date  # the last quarter (3 months ending with ``end``)
    q2_start: dt.date  # the quarter before it


def profile_window(as_of: dt.date, months: int = 12) -> Window:
    last = month_start(as_of) if as_of == month_end(as_of) else add_months(as_of, -1)
    return Window(add_months(last, -(months - 1)), month_end(last), add_months(last, -2), add_months(last, -5))


def traits_params(as_of: dt.date) -> dict[str, dt.date]:
    """The parameters of ``talent_sales_traits.sql`` for the profiles on ``as_of`` (its window and quarters)."""
    w = profile_window(as_of)
    return {"start": w.start, "end": w.end, "as_of": as_of, "q1_start": w.q1_start, "q2_start": w.q2_start}


def rep_accounts_params(as_of: dt.date) -> dict[str, dt.date]:
    """The parameters of ``rep_accounts.sql`` for the key-account matching on ``as_of``: sales from 12 months
    before the profiles' window."""
    return {"start": add_months(profile_window(as_of).start, -12), "as_of": as_of}
