"""Headcount and attrition pipelines (METRICS.md, "Headcount and attrition").

Input: the point-in-time events panel from ``sql/queries/hr_events.sql`` (one row per month,
kind ∈ {first, last, hire, exit} and employee, placed in the org unit held on that day).
All functions take and return LazyFrames; callers collect once.
"""
from __future__ import annotations

import polars as pl

from analytics.periods import Period

#: Grouping name (as in ``--by``) → column of the events panel.
HR_DIMENSIONS: dict[str, str] = {
    "region": "region_id",
    "team": "team_id",
    "org_unit": "org_unit_id",
    "manager": "manager_id",
    "role": "role_id",
    "role_family": "role_family",
    "job_level": "job_level",
    "tenure_band": "tenure_band",
    "hire_source": "hire_source",
    "hire_cohort": "hire_cohort",
}

#: Tenure bands: (label, upper bound in days, exclusive).
TENURE_BANDS: list[tuple[str, int]] = [
    ("0-3m", 91), ("3-6m", 183), ("6-12m", 365), ("1-2y", 730), ("2-5y", 1826), ("5y+", 10**9),
]

COUNT_COLUMNS = [
    "hc_first", "hc_last", "hires", "exits", "exits_voluntary", "exits_involuntary", "exits_other",
    "exits_regretted", "exits_probation",
]


def with_derived(events: pl.LazyFrame) -> pl.LazyFrame:
    """Add tenure (days at the event), tenure band, hire cohort (year) and the probation flag."""
    tenure = (pl.col("day") - pl.col("hire_date")).dt.total_days()
    band = pl.lit(TENURE_BANDS[-1][0])
    for label, upper in reversed(TENURE_BANDS[:-1]):
        band = pl.when(tenure < upper).then(pl.lit(label)).otherwise(band)
    probation_end = pl.col("hire_date").dt.offset_by(pl.format("{}mo", pl.col("probation_months")))
    return events.with_columns(
        tenure_days=tenure,
        tenure_band=band,
        hire_cohort=pl.col("hire_date").dt.year().cast(pl.Utf8),
        in_probation=pl.col("day") < probation_end,
    )


def monthly_counts(events: pl.LazyFrame, by: list[str]) -> pl.LazyFrame:
    """Per month and group: headcount on the first and last day, hires, exits by type, in probation."""
    kind = pl.col("kind")
    is_exit = kind == "exit"
    return (
        with_derived(events)
        .group_by(["month", *by])
        .agg(
            hc_first=(kind == "first").sum(),
            hc_last=(kind == "last").sum(),
            hires=(kind == "hire").sum(),
            exits=is_exit.sum(),
            exits_voluntary=(is_exit & (pl.col("exit_type") == "voluntary")).sum(),
            exits_involuntary=(is_exit & (pl.col("exit_type") == "involuntary")).sum(),
            exits_other=(is_exit & (pl.col("exit_type") == "other")).sum(),
            exits_regretted=(is_exit & pl.col("regretted").fill_null(False)).sum(),
            exits_probation=(is_exit & pl.col("in_probation")).sum(),
        )
        .with_columns(hc_avg=(pl.col("hc_first") + pl.col("hc_last")) / 2)
    )


def period_counts(monthly: pl.LazyFrame, period: Period, by: list[str]) -> pl.LazyFrame:
    """Sum a period's months per group.

    Average headcount of the period = mean of its months' averages, a month with no rows for a
    group counting as zero (so the divisor is the number of months in the period, not of rows).
    Headcount (end) = headcount on the last day of the period's last month.
    """
    last = period.months[-1]
    in_period = monthly.filter(pl.col("month").is_between(period.start, period.end))
    keys = by or None
    sums = [pl.col(c).sum() for c in COUNT_COLUMNS if c not in {"hc_first", "hc_last"}]
    agg = [*sums, (pl.col("hc_avg").sum() / period.n_months).alias("headcount_avg"),
           pl.col("hc_last").filter(pl.col("month") == last).sum().alias("headcount_end")]
    if keys:
        return in_period.group_by(keys).agg(agg)
    return in_period.select(agg)


def rates(counts: pl.LazyFrame, n_months: int) -> pl.LazyFrame:
    """Attrition rates on a period's counts (denominator: average headcount)."""
    avg = pl.col("headcount_avg")
    safe = pl.when(avg > 0).then(avg)
    return counts.with_columns(
        attrition_rate=pl.col("exits") / safe,
        attrition_rate_annualised=pl.col("exits") / safe * 12 / n_months,
        attrition_voluntary=pl.col("exits_voluntary") / safe,
        attrition_involuntary=pl.col("exits_involuntary") / safe,
        attrition_regretted=pl.col("exits_regretted") / safe,
        probation_share_of_exits=pl.when(pl.col("exits") > 0).then(pl.col("exits_probation") / pl.col("exits")),
    )
