"""The Quota page's Leads section: lead conversion, owned by sales and marketing together, as a headline figure and
by source, marketing team and sales region — every number from the metric engine (``lead_conversion``)."""
from __future__ import annotations

import datetime as dt

import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.periods import Period
from analytics.metrics import figure
from analytics.metrics.engine import compute
from analytics.metrics.figure import Figure

BREAKDOWNS = ("source", "marketing_team", "region")


def leads_headline(db: Database, viewer: Viewer, period: Period, as_of: dt.date, fy_start: int = 1) -> Figure:
    """Lead conversion for the period (to date) against the comparable stretch of the previous one (a maturing
    period is compared at the same age)."""
    return figure.headline(db, viewer, "lead_conversion", period, as_of, fy_start)


def leads_breakdown(db: Database, viewer: Viewer, period: Period, as_of: dt.date, by: str, lang: str) -> pl.DataFrame:
    """Per group (``source``, ``marketing_team`` or ``region``): label, conversion, converted, leads, small base,
    masked, maturing — highest conversion first."""
    if by not in BREAKDOWNS:
        raise ValueError(f"Leads are broken down by {', '.join(BREAKDOWNS)}; not by {by!r}.")
    rows = compute(db, viewer, "lead_conversion", period.to_date(as_of), by=[by], lang=lang, as_of=as_of)
    return rows.select(by, "label", conversion="value", converted="numerator", leads="denominator",
                       small_base="small_base", masked="masked", maturing="maturing").sort(
        "conversion", descending=True, nulls_last=True)
