"""Quota attainment and sales productivity pipelines (docs/metrics.md, "Sales performance").

Input: the rep × month panel from ``sql/queries/rep_month_sales.sql`` (bookings, KA and
new-customer bookings, quota, cash collected by the as-of date; each row placed in the org unit
the rep held that month). LazyFrames in and out.
"""
from __future__ import annotations

import polars as pl

from analytics.core.periods import Period

SALES_DIMENSIONS: dict[str, str] = {
    "region": "region_id",
    "team": "team_id",
    "org_unit": "org_unit_id",
    "manager": "manager_id",
    "role": "role_id",
    "job_level": "job_level",
    "rep": "employee_id",
}

ATTAINMENT_BANDS: list[tuple[str, float]] = [
    ("<50%", 0.5), ("50-80%", 0.8), ("80-100%", 1.0), ("100-120%", 1.2), (">=120%", float("inf")),
]


def in_period(panel: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    return panel.filter(pl.col("month").is_between(period.start, period.end))


def reps_with_quota(panel: pl.LazyFrame) -> pl.LazyFrame:
    """Reps whose quota summed over the rows given is positive (others are excluded from attainment)."""
    return (
        panel.group_by("employee_id")
        .agg(pl.col("quota").fill_null(0).sum().alias("rep_quota"))
        .filter(pl.col("rep_quota") > 0)
        .select("employee_id")
    )


def sales_totals(panel: pl.LazyFrame, by: list[str]) -> pl.LazyFrame:
    """Sum bookings, KA and new-customer bookings, collections, orders per group (all reps)."""
    agg = [
        pl.col("bookings").sum(), pl.col("ka_bookings").sum(), pl.col("new_customer_bookings").sum(),
        pl.col("collected").sum(), pl.col("n_orders").sum(), pl.col("employee_id").n_unique().alias("n_reps"),
    ]
    out = panel.group_by(by).agg(agg) if by else panel.select(agg)
    bookings = pl.col("bookings")
    return out.with_columns(
        collection_rate=pl.when(bookings > 0).then(pl.col("collected") / bookings),
        ka_share=pl.when(bookings > 0).then(pl.col("ka_bookings") / bookings),
    )


def attainment(panel: pl.LazyFrame, by: list[str]) -> pl.LazyFrame:
    """Σ bookings ÷ Σ quota over reps with quota in the rows given (docs/metrics.md ``attainment``)."""
    with_quota = panel.join(reps_with_quota(panel), on="employee_id", how="semi")
    agg = [
        pl.col("bookings").sum().alias("att_bookings"),
        pl.col("collected").sum().alias("att_collected"),
        pl.col("quota").fill_null(0).sum().alias("quota"),
        pl.col("employee_id").n_unique().alias("n_reps_with_quota"),
    ]
    out = with_quota.group_by(by).agg(agg) if by else with_quota.select(agg)
    q = pl.col("quota")
    return out.with_columns(
        attainment=pl.when(q > 0).then(pl.col("att_bookings") / q),
        attainment_collected=pl.when(q > 0).then(pl.col("att_collected") / q),
    )


def rep_attainment(panel: pl.LazyFrame) -> pl.LazyFrame:
    """One row per rep with quota: bookings, quota, attainment over all rows given, and the
    group columns of the rep's last month (where a rep who moved is counted)."""
    last = panel.sort("month").group_by("employee_id").agg(
        pl.col(c).last() for c in ["org_unit_id", "region_id", "team_id", "manager_id", "role_id", "job_level"]
    )
    per_rep = attainment(panel, ["employee_id"])
    return per_rep.join(last, on="employee_id", how="left")


def reps_at_quota(panel: pl.LazyFrame, by: list[str]) -> pl.LazyFrame:
    """Share of reps with quota whose own attainment ≥ 100%, per group of their last placement."""
    reps = rep_attainment(panel).with_columns(at_quota=pl.col("attainment") >= 1.0)
    agg = [pl.col("at_quota").sum().alias("n_at_quota"), pl.len().alias("n_reps_with_quota")]
    out = reps.group_by(by).agg(agg) if by else reps.select(agg)
    return out.with_columns(reps_at_quota=pl.col("n_at_quota") / pl.col("n_reps_with_quota"))


def attainment_band(value: pl.Expr) -> pl.Expr:
    """Band label of an attainment ratio (<50%, 50–80%, 80–100%, 100–120%, ≥120%)."""
    expr = pl.lit(ATTAINMENT_BANDS[-1][0])
    for label, upper in reversed(ATTAINMENT_BANDS[:-1]):
        expr = pl.when(value < upper).then(pl.lit(label)).otherwise(expr)
    return expr


# ── Customer development and process metrics (per rep and period, from rep_period_customers.sql) ──
def customer_metrics(rows: pl.LazyFrame, by: list[str], days_in_period: int) -> pl.LazyFrame:
    """Sum per group and derive the ratios of docs/metrics.md.

    - repeat_rate = repeat customers ÷ customers who ordered in the 12 months before the period
    - complaint_rate = complaints ÷ active customers (customer–rep pairs with an order in the period)
    - proposal_on_time = proposals submitted by their due date ÷ proposals due in the period
    - dso = receivables at period end ÷ bookings of the period × days in the period
    - pipeline_coverage = open pipeline due in the rest of the period ÷ remaining quota (quota − bookings, ≥ 0)
    """
    remaining = (pl.col("quota") - pl.col("bookings")).clip(lower_bound=0)
    sums = ["active_customers", "new_customers", "base_customers", "repeat_customers", "complaints", "visits",
            "calls", "proposals_due", "proposals_on_time", "open_pipeline", "receivables", "bookings"]
    agg = [*[pl.col(c).sum() for c in sums],
           remaining.filter(pl.col("quota") > 0).sum().alias("remaining_quota"),
           pl.col("employee_id").n_unique().alias("n_reps")]
    out = rows.group_by(by).agg(agg) if by else rows.select(agg)

    def ratio(num: str, den: str) -> pl.Expr:
        return pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den))

    return out.with_columns(
        repeat_rate=ratio("repeat_customers", "base_customers"),
        complaint_rate=ratio("complaints", "active_customers"),
        proposal_on_time=ratio("proposals_on_time", "proposals_due"),
        dso=ratio("receivables", "bookings") * days_in_period,
        pipeline_coverage=ratio("open_pipeline", "remaining_quota"),
    )


# ── Ramp ───────────────────────────────────────────────────────────────
def with_tenure_month(panel: pl.LazyFrame) -> pl.LazyFrame:
    """Tenure month of each rep-month row: 1 = the calendar month of hire."""
    return panel.with_columns(
        tenure_month=(pl.col("month").dt.year() - pl.col("hire_date").dt.year()) * 12
        + pl.col("month").dt.month() - pl.col("hire_date").dt.month() + 1,
        rep_month_attainment=pl.when(pl.col("quota") > 0).then(pl.col("bookings") / pl.col("quota")),
    )


def ramp_curve(panel: pl.LazyFrame, cohort: pl.Expr, max_month: int = 12) -> pl.LazyFrame:
    """Mean attainment by tenure month for each hire cohort (``cohort`` an expression on hire_date)."""
    return (
        with_tenure_month(panel)
        .filter(pl.col("tenure_month").is_between(1, max_month) & pl.col("rep_month_attainment").is_not_null())
        .with_columns(cohort=cohort)
        .group_by("cohort", "tenure_month")
        .agg(attainment=pl.col("rep_month_attainment").mean(), n_reps=pl.col("employee_id").n_unique())
        .sort("cohort", "tenure_month")
    )


def time_to_productivity(panel: pl.LazyFrame, threshold: float = 0.8, window: int = 3) -> pl.LazyFrame:
    """Per rep: the first tenure month from which the rolling ``window``-month attainment (Σ bookings ÷ Σ quota
    of the last ``window`` months) stays ≥ ``threshold`` in every later observed month; null if never."""
    rows = (
        with_tenure_month(panel)
        .filter(pl.col("quota") > 0)
        .sort("employee_id", "tenure_month")
        .with_columns(
            rolling=pl.col("bookings").rolling_sum(window).over("employee_id")
            / pl.col("quota").rolling_sum(window).over("employee_id"),
        )
        .filter(pl.col("rolling").is_not_null())
        .with_columns(below=(pl.col("rolling") < threshold).cast(pl.Int32))
        # months after the last month below threshold are "stays at or above"
        .with_columns(below_after=pl.col("below").reverse().cum_sum().reverse().over("employee_id"))
    )
    return rows.group_by("employee_id").agg(
        pl.col("hire_date").first(),
        time_to_productivity=pl.col("tenure_month").filter(pl.col("below_after") == 0).min(),
        months_observed=pl.col("tenure_month").max(),
    )
