"""A figure as people see it: one metric, one period, one scope, with its comparison — the one path every
card, review item, goal, pack and ``metrics --compare`` takes.

``headline(db, viewer, "attrition_rate", period, as_of)`` computes the value for the period (to the as-of
date when it is partial) and, by the one comparison rule (:mod:`analytics.metrics.compare`), the value of
the previous period of the same grain at the same stretch. Every figure made here is offered to the
recorders (:func:`recording`), so a test can check that equal keys — (metric id, period, scope, basis) —
carry equal values on every page, review, pack and command.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.i18n import fmt_number, t
from analytics.core.periods import Period, add_months_clamped
from analytics.core.registry import get_metric
from analytics.metrics.compare import comparable_periods
from analytics.metrics.engine import as_of_date, compute


@dataclass(frozen=True)
class Figure:
    """One value as shown, with what it is compared to and the flags that qualify it."""

    metric_id: str
    period: str                 # label of the period as chosen (e.g. 2026-Q3)
    covers: str                 # the stretch the value covers, first..last day (to date when partial)
    scope: str                  # the org units in scope ("*" = the whole company)
    basis: str                  # period | annualised | ttm | cohort
    as_of: dt.date              # the data's as-of date the value was computed at
    value: float | None
    numerator: float | None
    denominator: float | None
    unit: str
    partial: bool
    maturing: bool
    small_base: bool
    masked: bool
    previous: float | None = None
    previous_period: str | None = None
    previous_maturing: bool = False

    @property
    def key(self) -> tuple[str, str, str, str, str, dt.date]:
        """What a figure is: equal keys must carry equal values wherever they are shown."""
        return (self.metric_id, self.period, self.covers, self.scope, self.basis, self.as_of)

    @property
    def delta(self) -> float | None:
        """Value minus the comparable previous value (None when either is missing)."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def decisive(self) -> bool:
        """May this figure colour a status, raise an alert or drive a decision? Not on a small base,
        masked or missing values."""
        return self.value is not None and not self.small_base and not self.masked


_RECORDERS: list[list[Figure]] = []
_LOCK = threading.Lock()


@contextmanager
def recording() -> Iterator[list[Figure]]:
    """Collect every figure made (in any thread) while the block runs."""
    seen: list[Figure] = []
    with _LOCK:
        _RECORDERS.append(seen)
    try:
        yield seen
    finally:
        with _LOCK:
            _RECORDERS.remove(seen)


def record(figure: Figure) -> Figure:
    with _LOCK:
        for seen in _RECORDERS:
            seen.append(figure)
    return figure


def units_key(viewer: Viewer) -> str:
    """The org units a viewer's figures cover ("*" = the whole company), whoever the viewer is."""
    return "*" if viewer.org_units is None else ",".join(sorted(viewer.org_units))


def _row(db: Database, viewer: Viewer, metric_id: str, period: Period, as_of: dt.date) -> dict:
    return compute(db, viewer, metric_id, period, as_of=as_of).row(0, named=True)


def headline(db: Database, viewer: Viewer, metric_id: str, period: Period, as_of: dt.date | None = None,
             fy_start: int = 1, compare: bool = True, until: dt.date | None = None) -> Figure:
    """The figure of ``metric_id`` for ``period`` in ``viewer``'s scope, with its comparable previous value.

    The period is cut at ``until`` (default: the as-of date) when it runs past it — a goal for the year seen
    in a quarter's review covers the year to that quarter's end — and computed from the data as of ``as_of``.
    """
    as_of = as_of or as_of_date(db)
    current, previous = comparable_periods(period, min(until or as_of, as_of), fy_start)
    now = _row(db, viewer, metric_id, current, as_of)
    before = None
    if compare:
        # a maturing figure (a cohort or collection window not yet elapsed) is compared with the previous
        # period at the same age: seen from an as-of date as far before as that period starts before this one
        lag = (current.start.year - previous.start.year) * 12 + current.start.month - previous.start.month
        before = _row(db, viewer, metric_id, previous, add_months_clamped(as_of, -lag) if now["maturing"] else as_of)
    return record(Figure(
        metric_id=metric_id, period=period.label, covers=f"{current.start}..{current.end}", scope=units_key(viewer),
        basis=now["basis"], as_of=as_of, value=now["value"], numerator=now["numerator"], denominator=now["denominator"],
        unit=get_metric(metric_id).unit, partial=bool(now["partial"]), maturing=bool(now["maturing"]),
        small_base=bool(now["small_base"]), masked=bool(now["masked"]),
        previous=before["value"] if before else None, previous_period=previous.label if before else None,
        previous_maturing=bool(before["maturing"]) if before else False,
    ))


def basis_label(basis: str, grain: str, lang: str) -> str:
    """What the value of a figure is taken over, in words: 'for the quarter', 'annualised', … (grain of the period)."""
    if basis == "period":
        return t(f"basis.period_{grain if grain in ('month', 'quarter', 'fiscal_year') else 'range'}", lang)
    return t(f"basis.{basis}", lang)


def value_text(fig: Figure, lang: str) -> str:
    """The figure's value as shown; a rate on a small base is shown with its counts ("100.0% · 1 of 2.5")."""
    text = fmt_number(fig.value, fig.unit, lang)
    if fig.small_base and fig.value is not None and fig.denominator is not None:
        counts = t("figure.counts", lang, num=fmt_number(fig.numerator, "count", lang),
                   den=fmt_number(fig.denominator, "count", lang))
        text = f"{text} · {counts}"
    return text


def flags_text(fig: Figure, lang: str) -> str:
    """The qualifiers a figure carries (small base, maturing, partial), joined; empty when none."""
    flags = [t(f"figure.{name}", lang) for name in ("small_base", "maturing", "partial") if getattr(fig, name)]
    return " · ".join(flags)
