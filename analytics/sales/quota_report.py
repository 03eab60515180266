"""What the quota & performance page shows, assembled from the pipelines (no Streamlit)."""
from __future__ import annotations

import datetime as dt

import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.periods import Period, last_completed_quarters, month_period, month_start, trailing_months
from analytics.metrics import figure
from analytics.metrics.engine import compute, compute_periods
from analytics.metrics.figure import Figure
from analytics.metrics.suppression import mask_table
from analytics.people.attrition_report import cross_tab
from analytics.sales import quota

HEADLINE = ("bookings", "attainment", "reps_at_quota", "revenue_per_head", "collection_rate", "dso",
            "new_customers", "ka_share")
BREAKDOWNS = ("region", "team", "role", "rep")
RAMP_SPLITS = ("hire_cohort", "mentored", "role")


def headline(db: Database, viewer: Viewer, period: Period, as_of: dt.date, fy_start: int = 1) -> dict[str, Figure]:
    """The headline figures for the period (to date), each against the same stretch of the previous period."""
    return {m: figure.headline(db, viewer, m, period, as_of, fy_start) for m in HEADLINE}


def _panel(db: Database, viewer: Viewer, start: dt.date, end: dt.date, as_of: dt.date) -> pl.LazyFrame:
    """One row per rep and month, the rep at the month's last day (``rep_month_sales.sql``), of the reps hired
    since ``start``: the ramp."""
    return db.query("rep_month_sales", start=start, end=end, as_of=as_of, hired_from=start,
                    **viewer.sql_params()).lazy()


def _placed(db: Database, viewer: Viewer, periods: list[Period], as_of: dt.date, person: bool) -> pl.LazyFrame:
    """``sales_placed.sql``: figures placed by date (``person`` False) or each rep at the period's end."""
    return db.query("sales_placed", **quota.placed_params(periods, as_of, person), **viewer.sql_params()).lazy()


def monthly_attainment(db: Database, viewer: Viewer, last_month: dt.date | Period, as_of: dt.date,
                       months: int = 24) -> pl.DataFrame:
    """Bookings-based and collection-based attainment per month (Σ ÷ Σ over reps with quota that month) for
    ``months`` months ending with ``last_month`` (or a period's last month), bookings and quota placed by date
    as the engine's ``attainment``."""
    window = trailing_months(last_month.months[-1] if isinstance(last_month, Period) else last_month, months)
    panel = _placed(db, viewer, [month_period(m) for m in window.months], as_of, person=False)
    out = quota.attainment(panel, ["month"]).sort("month").collect()
    return out.select("month", "attainment", "attainment_collected", "quota", "att_bookings",
                      partial=pl.col("month") > month_start(as_of))


def distribution(db: Database, viewer: Viewer, period: Period, as_of: dt.date) -> pl.DataFrame:
    """Reps with quota per attainment band (<50%, 50–80%, 80–100%, 100–120%, ≥120%), all bands listed."""
    frame = compute(db, viewer, "attainment_band", period.to_date(as_of), as_of=as_of)
    bands = pl.DataFrame({"band": [b for b, _ in quota.ATTAINMENT_BANDS]})
    counts = frame.select("band", reps=pl.col("value")) if "band" in frame.columns else bands.with_columns(
        reps=pl.lit(0.0))
    return bands.join(counts, on="band", how="left").with_columns(pl.col("reps").fill_null(0))


def ramp(db: Database, viewer: Viewer, as_of: dt.date, split: str = "hire_cohort", years: int = 3,
         max_month: int = 12) -> pl.DataFrame:
    """Mean attainment by tenure month of the reps hired in the last ``years`` years, per group of ``split``.

    For viewers without person-level rights a point of fewer reps than the threshold is masked, with a complement
    among the groups of that tenure month (``masked``: ``attainment`` and ``n_reps`` blank), and a group of fewer
    reps masks its summary (``summary_masked``: ``reps``, ``productive`` and ``median_months`` blank); narrowed
    below their scope, no rows (``attrition_report.cross_tab``)."""
    start = dt.date(as_of.year - years, 1, 1)
    panel = _panel(db, viewer, start, month_start(as_of), as_of).filter(pl.col("hire_date") >= start)
    traits = db.query("rep_traits", as_of=as_of).lazy().select("employee_id", "mentored")
    panel = panel.join(traits, on="employee_id", how="left")
    cohort = {
        "hire_cohort": pl.col("hire_date").dt.year().cast(pl.Utf8),
        "mentored": pl.col("mentored").cast(pl.Utf8),
        "role": pl.col("role_id"),
    }[split]
    curve = quota.ramp_curve(panel, cohort, max_month).collect()
    ttp = quota.time_to_productivity(panel).join(
        panel.select("employee_id", cohort.alias("cohort")).unique("employee_id"), on="employee_id").collect()
    summary = ttp.group_by("cohort").agg(
        reps=pl.len(), productive=pl.col("time_to_productivity").is_not_null().sum(),
        median_months=pl.col("time_to_productivity").median())
    curve = mask_table(curve, viewer, "n_reps", ["attainment"], part=["tenure_month"], key="cohort")
    summary = mask_table(summary.sort("cohort"), viewer, "reps", ["productive", "median_months"], key="cohort")
    out = curve.join(summary.rename({"masked": "summary_masked"}), on="cohort", how="left", nulls_equal=True,
                     maintain_order="left")
    return cross_tab(out, viewer)  # below the viewer's own scope a cohort table is a cross-tabulation


def breakdown(db: Database, viewer: Viewer, period: Period, as_of: dt.date, by: str, lang: str,
              within: str | None = None) -> pl.DataFrame:
    """Attainment, bookings, quota, reps at quota and collection rate per group; ``within`` narrows to one
    org unit first (drill-down region → team → rep)."""
    current = period.to_date(as_of)
    scoped = viewer.narrowed(within) if within else viewer
    att = compute(db, scoped, "attainment", current, by=[by], lang=lang, as_of=as_of)
    totals = compute(db, scoped, "bookings", current, by=[by], lang=lang, as_of=as_of)
    at_quota = compute(db, scoped, "reps_at_quota", current, by=[by], lang=lang, as_of=as_of)
    cash = compute(db, scoped, "collection_rate", current, by=[by], lang=lang, as_of=as_of)
    return (
        totals.select(by, "label", bookings="value", reps="n_people")
        .join(att.select(by, attainment="value", quota="denominator", masked="masked"), on=by, how="left",
              nulls_equal=True)
        .join(at_quota.select(by, reps_at_quota="value"), on=by, how="left", nulls_equal=True)
        .join(cash.select(by, collection_rate="value"), on=by, how="left", nulls_equal=True)
        .sort("attainment", descending=True, nulls_last=True)
    )


TEAM_QUARTERS = 8


def team_quarters(db: Database, viewer: Viewer, as_of: dt.date, lang: str, fy_start: int = 1,
                  n: int = TEAM_QUARTERS) -> pl.DataFrame:
    """Attainment of every team in scope in each of the last ``n`` completed quarters (one request for all of
    them), wide: ``team``, ``label``, one column per quarter label (oldest first; masked or no quota: null),
    ``under`` = how many of the shown quarters the team was under 100%, and the quarter labels in ``quarters``
    order as the frame's columns after ``label``. Teams with the most quarters under target first."""
    quarters = last_completed_quarters(as_of, n, fy_start)
    long = compute_periods(db, viewer, "attainment", quarters, by=["team"], lang=lang, as_of=as_of)
    long = long.filter(pl.col("team").is_not_null())
    labels = [q.label for q in quarters]
    if long.is_empty():
        return pl.DataFrame(schema={"team": pl.Utf8, "label": pl.Utf8, **dict.fromkeys(labels, pl.Float64),
                                    "under": pl.Int64})
    wide = long.pivot(on="period", index=["team", "label"], values="value", aggregate_function="first")
    wide = wide.with_columns([pl.lit(None, pl.Float64).alias(q) for q in labels if q not in wide.columns])
    under = pl.sum_horizontal([(pl.col(q) < 1.0).fill_null(False).cast(pl.Int64) for q in labels])
    return (wide.select("team", "label", *labels).with_columns(under=under)
            .sort(["under", "label"], descending=[True, False], nulls_last=True))


def leaderboard(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    """Every rep with quota in scope: attainment, bookings, KA and new-customer shares, collection rate — all of
    the rep's figures of the period, the rep where they sat on its last day."""
    if not viewer.person_level:
        return pl.DataFrame()
    current = period.to_date(as_of)
    panel = quota.in_period(_placed(db, viewer, [current], as_of, person=True), current)
    reps = quota.rep_attainment(panel)
    shares = quota.sales_totals(panel, ["employee_id"]).select(
        "employee_id", "ka_share", "collection_rate",
        new_customer_share=pl.when(pl.col("bookings") > 0).then(pl.col("new_customer_bookings") / pl.col("bookings")))
    names = db.sql("select employee_id, name from employees").lazy()
    units = db.sql(f"select org_unit_id as team_id, {'name_zh' if lang == 'zh' else 'name_en'} as team "
                   "from org_units").lazy()
    return (
        reps.join(shares, on="employee_id", how="left").join(names, on="employee_id", how="left")
        .join(units, on="team_id", how="left")
        .with_columns(rank=pl.col("attainment").rank("ordinal", descending=True))
        .sort("rank").collect()
    )
