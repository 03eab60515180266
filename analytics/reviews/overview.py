"""The overview: the four numbers both heads open with, their trends and a regional breakdown."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.i18n import fmt_number
from analytics.core.periods import Period
from analytics.core.registry import get_metric
from analytics.metrics.compare import comparable_periods
from analytics.metrics.engine import compute, trend

OVERVIEW_METRICS = ("headcount_end", "attrition_rate_ttm", "attainment", "revenue_per_head")


@dataclass(frozen=True)
class Kpi:
    metric_id: str
    value: float | None
    previous: float | None
    period: Period            # the (to-date) period the value covers
    previous_period: Period   # the comparable stretch of the previous period
    partial: bool
    trend: pl.DataFrame       # month, value, partial — 12 months to the period's last month
    denominator: float | None


def kpis(db: Database, viewer: Viewer, period: Period, as_of: dt.date, fy_start: int = 1) -> list[Kpi]:
    """The overview cards for ``period`` within ``viewer``'s scope."""
    current, prev = comparable_periods(period, as_of, fy_start)
    out = []
    for metric_id in OVERVIEW_METRICS:
        now = compute(db, viewer, metric_id, current, as_of=as_of).row(0, named=True)
        before = compute(db, viewer, metric_id, prev, as_of=as_of).row(0, named=True)
        series = trend(db, viewer, metric_id, current.months[-1], 12, as_of=as_of)
        out.append(Kpi(metric_id, now["value"], before["value"], current, prev, period.is_partial(as_of), series,
                       now["denominator"]))
    return out


def by_region(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    """One row per region in scope: the four overview metrics for the (to-date) period."""
    current = period.to_date(as_of)
    frames = []
    for metric_id in OVERVIEW_METRICS:
        f = compute(db, viewer, metric_id, current, by=["region"], lang=lang, as_of=as_of)
        frames.append(f.filter(pl.col("region").is_not_null()).select(
            "region", "label", pl.col("value").alias(metric_id)))
    table = frames[0]
    for f in frames[1:]:
        table = table.join(f.drop("label"), on="region", how="full", coalesce=True)
    return table.sort("region")


def display_table(table: pl.DataFrame, lang: str, group_header: str) -> pl.DataFrame:
    """The by-region table with formatted values and metric names as headers, in ``lang``."""
    columns = [pl.col("label").alias(group_header)]
    for metric_id in OVERVIEW_METRICS:
        metric = get_metric(metric_id)
        values = [fmt_number(v, metric.unit, lang) for v in table[metric_id].to_list()]
        columns.append(pl.Series(metric.name(lang), values, dtype=pl.Utf8))
    return table.select(columns)
