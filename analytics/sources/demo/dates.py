"""Month arithmetic on first-of-month dates."""

from __future__ import annotations

from datetime import date


def default_end_month(today: date | None = None) -> date:
    """First day of the last complete month before `today` (default: today)."""
    today = today or date.today()
    first = date(today.year, today.month, 1)
    return add_months(first, -1)


def add_months(d: date, k: int) -> date:
    n = d.year * 12 + d.month - 1 + k
    return date(n // 12, n % 12 + 1, 1)
