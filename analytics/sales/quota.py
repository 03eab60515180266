"""Quota attainment and sales productivity pipelines (docs/metrics.md, "Sales performance" and "Placement").

Inputs are compact panels from SQL:

- ``sql/queries/sales_placed.sql``: per period, month, rep and org unit — bookings, KA and new-customer
  bookings, cash collected (by the as-of date, and within ``COLLECTION_WINDOW_DAYS`` of each order's date),
  quota, ``rep_has_quota``. Placed by date for the figures of groups (a rep who moved has a row in each unit;
  orders with no rep are rows with ``employee_id`` null, for whole-company viewers only), or at the period's
  last day for people measured over the period (``rep_attainment``, ``reps_at_quota``, the bands).
- ``sql/queries/rep_period_customers.sql``: per period, the customer and process figures, placed the same
  two ways.
- ``sql/queries/rep_month_sales.sql``: one row per rep and month, the rep placed at the month's last day
  (ramp and time to productivity).

LazyFrames in and out.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from analytics.core.periods import Period

# D of collection_rate: cash counts when collected within D days of its order's date (docs/metrics.md).
COLLECTION_WINDOW_DAYS = 90

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
    """The rows of one period of a sales_placed / sales_booked panel (periods of a request may overlap or share
    a first day: each has its own rows, told apart by first and last day)."""
    return panel.filter((pl.col("period_start") == period.start) & (pl.col("period_end") == period.end))


def placed_params(periods: Sequence[Period], as_of: dt.date, person: bool = False) -> dict[str, object]:
    """Bound parameters of ``sales_placed.sql`` for these periods (scope parameters not included)."""
    return {
        "start": min(p.start for p in periods), "end": max(p.months[-1] for p in periods),
        "period_starts": [p.start for p in periods], "period_ends": [p.end for p in periods],
        "as_of": as_of, "window_days": COLLECTION_WINDOW_DAYS, "person": person,
    }


def grouped(rows: pl.LazyFrame, by: Sequence[str]) -> pl.LazyFrame:
    """The rows that go into a breakdown: unassigned rows (no rep) count company-wide, in no group."""
    return rows.filter(pl.col("employee_id").is_not_null()) if by else rows


def _agg(rows: pl.LazyFrame, by: Sequence[str], agg: list[pl.Expr]) -> pl.LazyFrame:
    rows = grouped(rows, by)
    return rows.group_by(by).agg(agg) if by else rows.select(agg)


def _n_reps(alias: str = "n_reps") -> pl.Expr:
    return pl.col("employee_id").drop_nulls().n_unique().alias(alias)


def reps_with_quota(panel: pl.LazyFrame) -> pl.LazyFrame:
    """Reps whose quota summed over the rows given is positive (others are excluded from attainment)."""
    return (
        panel.group_by("employee_id")
        .agg(pl.col("quota").fill_null(0).sum().alias("rep_quota"))
        .filter(pl.col("rep_quota") > 0)
        .select("employee_id")
    )


def sales_totals(panel: pl.LazyFrame, by: list[str]) -> pl.LazyFrame:
    """Sum bookings, KA and new-customer bookings, collections, orders per group (all reps; company-wide also
    the orders with no rep). ``collection_rate`` = cash collected within the window ÷ bookings."""
    agg = [
        pl.col("bookings").sum(), pl.col("ka_bookings").sum(), pl.col("new_customer_bookings").sum(),
        pl.col("collected").sum(), pl.col("collected_window").sum(), pl.col("n_orders").sum(),
        pl.col("last_order_date").max(), _n_reps(),
    ]
    bookings = pl.col("bookings")
    return _agg(panel, by, agg).with_columns(
        collection_rate=pl.when(bookings > 0).then(pl.col("collected_window") / bookings),
        ka_share=pl.when(bookings > 0).then(pl.col("ka_bookings") / bookings),
    )


def maturing(rows: pl.LazyFrame, period: Period, as_of: dt.date, days: int = COLLECTION_WINDOW_DAYS) -> bool:
    """True when some order of the period is less than ``days`` days old at ``as_of`` (its collection
    window is still open), or the period itself is not over: its collection rate is cash so far."""
    last = rows.select(pl.col("last_order_date").max()).collect().item()
    return period.is_partial(as_of) or (last is not None and last + dt.timedelta(days=days) > as_of)


def attainment(panel: pl.LazyFrame, by: list[str]) -> pl.LazyFrame:
    """Σ bookings ÷ Σ quota over reps with quota in the period (docs/metrics.md ``attainment``).

    A rep with quota is one whose quota over the whole period is positive (``rep_has_quota`` from SQL,
    counted over every unit; else from the rows given); their bookings and quota then count where each
    is placed, so a group's attainment is the bookings placed in it ÷ the quota placed in it.
    """
    if "rep_has_quota" in panel.collect_schema().names():
        with_quota = panel.filter(pl.col("rep_has_quota"))
    else:
        with_quota = panel.join(reps_with_quota(panel), on="employee_id", how="semi")
    cash = "collected" in panel.collect_schema().names()  # not in the slim panel (sales_booked.sql)
    agg = [
        pl.col("bookings").sum().alias("att_bookings"),
        *([pl.col("collected").sum().alias("att_collected")] if cash else []),
        pl.col("quota").fill_null(0).sum().alias("quota"),
        _n_reps("n_reps_with_quota"),
    ]
    q = pl.col("quota")
    ratios = [pl.when(q > 0).then(pl.col("att_bookings") / q).alias("attainment")]
    if cash:
        ratios.append(pl.when(q > 0).then(pl.col("att_collected") / q).alias("attainment_collected"))
    return _agg(with_quota, by, agg).with_columns(ratios)


def rep_attainment(panel: pl.LazyFrame) -> pl.LazyFrame:
    """One row per rep with quota: bookings, quota, attainment over all rows given, and the group columns of
    the rep's last row. Give it the person panel (``sales_placed`` with ``person``): every row of a rep then
    carries the unit held on the period's last day (or last day employed), where the rep is counted."""
    last = grouped(panel, ["employee_id"]).sort("month").group_by("employee_id").agg(
        pl.col(c).last() for c in ["org_unit_id", "region_id", "team_id", "manager_id", "role_id", "job_level"]
    )
    per_rep = attainment(panel, ["employee_id"])
    return per_rep.join(last, on="employee_id", how="left")


def reps_at_quota(panel: pl.LazyFrame, by: list[str]) -> pl.LazyFrame:
    """Share of reps with quota whose own attainment ≥ 100%, per group of their placement (person panel)."""
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


# ── Customer development and process metrics (per period, from rep_period_customers.sql) ──
def customer_counts(customers: pl.LazyFrame, by: list[str]) -> pl.LazyFrame:
    """Distinct customers per group, from the customer rows of ``rep_period_customers.sql``.

    - base_customers: customers with an order placed in the group in the 12 months before the period
    - repeat_customers: of those, customers with an order placed in the group in the period
    - active_customers: customer–rep pairs with an order placed in the group in the period (company-wide,
      a customer's orders with no rep are one more pair)
    """
    rows = grouped(customers, by)
    per_customer = rows.group_by([*by, "customer_id"]).agg(base=pl.col("in_base").any(),
                                                          now=pl.col("in_period").any())
    counts = [pl.col("base").sum().alias("base_customers"),
              (pl.col("base") & pl.col("now")).sum().alias("repeat_customers")]
    counts_frame = per_customer.group_by(by).agg(counts) if by else per_customer.select(counts)
    pairs = rows.filter(pl.col("in_period")).select(list(dict.fromkeys([*by, "customer_id", "employee_id"]))).unique()
    active = pairs.group_by(by).agg(active_customers=pl.len()) if by else pairs.select(active_customers=pl.len())
    return _join(counts_frame, active, by)


def _join(left: pl.LazyFrame, right: pl.LazyFrame, by: Sequence[str]) -> pl.LazyFrame:
    if not by:
        return pl.concat([left, right], how="horizontal")
    return left.join(right, on=list(by), how="full", coalesce=True, nulls_equal=True)


def customer_metrics(rows: pl.LazyFrame, by: list[str], days_in_period: int) -> pl.LazyFrame:
    """Sum per group and derive the ratios of docs/metrics.md, from ``rep_period_customers.sql``: its rows
    without a customer carry the sums, its customer rows the distinct-customer counts (``customer_counts``).

    - repeat_rate = repeat customers ÷ customers with an order in the 12 months before the period
    - complaint_rate = complaints ÷ active customers (customer–rep pairs with an order in the period)
    - proposal_on_time = proposals submitted by their due date ÷ proposals due in the period
    - dso = receivables at period end ÷ bookings of the period × days in the period
    - pipeline_coverage = open pipeline due in the rest of the period ÷ remaining quota (quota − bookings, ≥ 0,
      per row: give it the person rows, one per rep)
    """
    remaining = (pl.col("quota") - pl.col("bookings")).clip(lower_bound=0)
    sums = ["new_customers", "complaints", "visits", "calls", "proposals_due", "proposals_on_time", "open_pipeline",
            "receivables", "bookings"]
    agg = [*[pl.col(c).sum() for c in sums],
           remaining.filter(pl.col("quota") > 0).sum().alias("remaining_quota"), _n_reps()]
    is_customer = pl.col("customer_id").is_not_null()
    out = _join(_agg(rows.filter(~is_customer), by, agg), customer_counts(rows.filter(is_customer), by), by)

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
