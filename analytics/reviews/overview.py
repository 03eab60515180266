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
from analytics.metrics import figure
from analytics.metrics.compare import comparable_periods
from analytics.metrics.engine import compute, trend
from analytics.metrics.figure import Figure

OVERVIEW_METRICS = ("headcount_end", "attrition_rate_ttm", "attainment", "revenue_per_head")


@dataclass(frozen=True)
class Kpi:
    figure: Figure            # the value for the period (to date) and its comparable previous value
    trend: pl.DataFrame       # month, value, partial — 12 months to the period's last month


def kpis(db: Database, viewer: Viewer, period: Period, as_of: dt.date, fy_start: int = 1) -> list[Kpi]:
    """The overview cards for ``period`` within ``viewer``'s scope."""
    current, _ = comparable_periods(period, as_of, fy_start)
    return [Kpi(figure.headline(db, viewer, m, period, as_of, fy_start),
                trend(db, viewer, m, current.months[-1], 12, as_of=as_of)) for m in OVERVIEW_METRICS]


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
