"""Headcount and attrition pipelines (docs/metrics.md, "Headcount and attrition").

Input: the point-in-time events panel from ``sql/queries/hr_events.sql`` (one row per month,
kind ∈ {first, last, hire, exit} and employee, placed in the org unit held on that day).
All functions take and return LazyFrames; callers collect once.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from analytics.core.periods import Period, add_months_expr

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
    probation_end = add_months_expr(pl.col("hire_date"), pl.col("probation_months"))
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
    Headcount (start) = headcount on the first day of the period's first month; headcount (end) = on
    the last day of its last month.
    """
    first, last = period.months[0], period.months[-1]
    in_period = monthly.filter(pl.col("month").is_between(period.start, period.end))
    keys = by or None
    sums = [pl.col(c).sum() for c in COUNT_COLUMNS if c not in {"hc_first", "hc_last"}]
    agg = [*sums, (pl.col("hc_avg").sum() / period.n_months).alias("headcount_avg"),
           pl.col("hc_first").filter(pl.col("month") == first).sum().alias("headcount_start"),
           pl.col("hc_last").filter(pl.col("month") == last).sum().alias("headcount_end")]
    if keys:
        return in_period.group_by(keys).agg(agg)
    return in_period.select(agg)


def rates(counts: pl.LazyFrame, n_months: int | pl.Expr) -> pl.LazyFrame:
    """Attrition rates on a period's counts (denominator: average headcount); ``n_months`` = the period's months
    (a number, or a column when the frame holds several periods)."""
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


# ── Cohort measures (probation, first year) ─────────────────────────────
def cohort_exits(hires: pl.LazyFrame, as_of: dt.date, by: list[str], horizon: str) -> pl.LazyFrame:
    """Share of a hire cohort who left within ``horizon`` ('probation' = probation_months, 'year' = 365 days).

    Input: the ``hire`` rows of the events panel (placed in the unit held on the hire date).
    People whose horizon has not fully elapsed at ``as_of`` are not in the rate; they are counted in
    ``n_incomplete`` and make the cohort ``partial``.
    """
    if horizon == "probation":
        end = add_months_expr(pl.col("hire_date"), pl.col("probation_months"))
    elif horizon == "year":
        end = pl.col("hire_date") + pl.duration(days=365)
    else:
        raise ValueError(f"horizon must be 'probation' or 'year', not {horizon!r}")
    rows = hires.with_columns(
        _end=end,
    ).with_columns(
        complete=pl.col("_end") <= pl.lit(as_of) + pl.duration(days=1),
        left_within=pl.col("termination_date").is_not_null() & (pl.col("termination_date") < pl.col("_end")),
    )
    agg = [
        pl.len().alias("n_hires"),
        pl.col("complete").sum().alias("n_complete"),
        (pl.col("complete") & pl.col("left_within")).sum().alias("n_left_within"),
        (~pl.col("complete")).sum().alias("n_incomplete"),
    ]
    out = rows.group_by(by).agg(agg) if by else rows.select(agg)
    return out.with_columns(
        rate=pl.when(pl.col("n_complete") > 0).then(pl.col("n_left_within") / pl.col("n_complete")),
        partial=pl.col("n_incomplete") > 0,
    )


def cohort_retention(hires: pl.LazyFrame, as_of: dt.date, max_months: int = 24) -> pl.DataFrame:
    """Hire month × tenure month: share of the month's hires still employed k months after hire.

    A cell is null where hire month + k months lies after ``as_of`` (not observed yet).
    """
    frame = hires.select("employee_id", "hire_date", "termination_date").collect()
    if frame.is_empty():
        return pl.DataFrame(schema={"hire_month": pl.Date, "tenure_month": pl.Int64, "retained": pl.Float64,
                                    "n_hires": pl.UInt32})
    ks = pl.DataFrame({"tenure_month": list(range(max_months + 1))})
    grid = frame.with_columns(hire_month=pl.col("hire_date").dt.truncate("1mo")).join(ks, how="cross")
    grid = grid.with_columns(checkpoint=add_months_expr(pl.col("hire_date"), pl.col("tenure_month")))
    return (
        grid.filter(pl.col("checkpoint") <= as_of)
        .with_columns(alive=pl.col("termination_date").is_null() | (pl.col("termination_date") >= pl.col("checkpoint")))
        .group_by("hire_month", "tenure_month")
        .agg(retained=pl.col("alive").mean(), n_hires=pl.len())
        .sort("hire_month", "tenure_month")
    )


def exit_reasons(events: pl.LazyFrame, period: Period, by: list[str]) -> pl.LazyFrame:
    """Exits of the period by type and reason (and regretted), with each reason's share of all exits."""
    exits = events.filter((pl.col("kind") == "exit") & pl.col("month").is_between(period.start, period.end))
    keys = [*by, "exit_type", "exit_reason"]
    counts = exits.group_by(keys).agg(
        exits=pl.len(), regretted=pl.col("regretted").fill_null(False).sum())
    total = pl.col("exits").sum().over(by) if by else pl.col("exits").sum()
    return counts.with_columns(share=pl.col("exits") / total).sort(
        [*by, "exits"], descending=[False] * len(by) + [True])


# ── Retention curves (Kaplan–Meier, lifelines) ──────────────────────────
MONTH_DAYS = 30.4375


def retention_curves(spells: pl.DataFrame, window_start: dt.date, as_of: dt.date, by: str | None = None,
                     event: str = "any", max_months: int = 60) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Kaplan–Meier S(t) over tenure, per group, with Greenwood 95% bands (lifelines).

    ``spells`` from ``sql/queries/tenure_spells.sql``. Durations are days from hire to exit (or to
    ``as_of``: censored); people hired before ``window_start`` enter at their tenure on that day
    (left truncation). ``event`` 'any' or 'voluntary' (other exits are then censored).
    Returns (curves: group, month, survival, lower, upper, at_risk; summary: group, n, exits, median_months,
    estimable — False where the risk set empties before later entrants arrive, as lifelines refuses then).
    """
    from lifelines import KaplanMeierFitter
    from lifelines.exceptions import StatError

    frame = spells.with_columns(
        duration=((pl.coalesce("termination_date", pl.lit(as_of)) - pl.col("hire_date")).dt.total_days() + 1),
        entry=(pl.lit(window_start) - pl.col("hire_date")).dt.total_days().clip(lower_bound=0),
        observed=pl.col("termination_date").is_not_null() & (
            pl.lit(True) if event == "any" else pl.col("exit_type") == "voluntary"),
        group=pl.col(by).cast(pl.Utf8).fill_null("—") if by else pl.lit("all"),
    ).filter(pl.col("duration") > pl.col("entry"))
    grid_months = list(range(max_months + 1))
    grid_days = [m * MONTH_DAYS for m in grid_months]
    curves, summary = [], []
    for (group,), part in frame.group_by(["group"], maintain_order=True):
        if part.height < 2:
            continue
        kmf = KaplanMeierFitter(alpha=0.05)
        try:
            kmf.fit(part["duration"].to_numpy(), part["observed"].to_numpy(), entry=part["entry"].to_numpy())
        except StatError:
            # the risk set empties before later entrants arrive: S(t) is not estimable past that point
            summary.append({"group": group, "n": part.height, "exits": int(part["observed"].sum()),
                            "median_months": None, "estimable": False})
            continue
        # before the earliest entry nobody is at risk (lifelines gives NaN): no event yet, so S = 1
        surv = np.nan_to_num(kmf.survival_function_at_times(grid_days).to_numpy(), nan=1.0)
        ci = kmf.confidence_interval_survival_function_
        ci_at = np.nan_to_num(ci.reindex(ci.index.union(grid_days)).ffill().loc[grid_days].to_numpy(), nan=1.0)
        at_risk = kmf.event_table["at_risk"].reindex(kmf.event_table.index.union(grid_days)).bfill().fillna(0)
        horizon = float(part["duration"].max())
        for m, d, s, (lo, hi), n in zip(grid_months, grid_days, surv, ci_at, at_risk.loc[grid_days].to_numpy(),
                                        strict=True):
            if d <= horizon:
                curves.append({"group": group, "month": m, "survival": float(s), "lower": float(lo),
                               "upper": float(hi), "at_risk": int(n)})
        median = kmf.median_survival_time_
        summary.append({"group": group, "n": part.height, "exits": int(part["observed"].sum()),
                        "median_months": None if median == float("inf") else float(median) / MONTH_DAYS,
                        "estimable": True})
    schema = {"group": pl.Utf8, "month": pl.Int64, "survival": pl.Float64, "lower": pl.Float64,
              "upper": pl.Float64, "at_risk": pl.Int64}
    return (pl.DataFrame(curves, schema=schema),
            pl.DataFrame(summary, schema={"group": pl.Utf8, "n": pl.Int64, "exits": pl.Int64,
                                          "median_months": pl.Float64, "estimable": pl.Boolean}))
