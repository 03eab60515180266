"""Which plan measures which months: the plan in force per rep and month, and the measurement periods it
makes (docs/metrics.md, "Commission"; docs/commission_plans.md, "Plan changes").

The input is an *assignment*: one row per rep and month of the requested range with the key of the plan in
force that month (null: no plan) and the ``day`` it was looked up on (the month's last day, or the last day
employed when that is earlier; base salaries in force are read on that day too). From it:

- a month belongs to the measurement period (month, fiscal quarter or fiscal year) of its own plan;
- a measurement period is *cut* where the plan changes inside it: each run of months under one plan is a
  segment of its own (``2025-Q3 (2025-07)``, ``2025-Q3 (2025-08..2025-09)``), measured on its own months;
- months without a plan are grouped by fiscal quarter (cut the same way) and pay nothing;
- a bonus on a target period lands on the rep's last month up to the target period's last day, when that
  month's measurement period contains that day; it is paid under the plan of that month.

Plan keys that the engine is not given still shape the segments (they are never listed): the what-if uses
them to price only some of the rep-months while cutting exactly where the payout engine cuts.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import polars as pl

NO_PLAN = "no plan"
ON_PLAN = "on plan"
PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}
SEGMENT_KEYS = ["employee_id", "period_start", "period_end", "period_label", "partial", "cut"]
ASSIGNMENT_SCHEMA = {"employee_id": pl.Int64, "month": pl.Date, "plan_id": pl.String, "day": pl.Date}


def period_columns(grain: str, fy_start: int, month: str = "month", prefix: str = "period") -> list[pl.Expr]:
    """``{prefix}_start``, ``_end`` and ``_label`` of the fiscal ``grain`` period containing ``month``
    (labels as in analytics/core/periods.py: 2025-07, 2025-Q3, FY2025)."""
    m = pl.col(month)
    k = m.dt.year().cast(pl.Int32) * 12 + m.dt.month().cast(pl.Int32) - fy_start  # months into fiscal time
    size = PERIOD_MONTHS[grain]
    first = k - k % size + (fy_start - 1)
    start = pl.date(first // 12, first % 12 + 1, 1)
    fy = k // 12 + (0 if fy_start == 1 else 1)
    label = {"month": m.dt.strftime("%Y-%m"), "quarter": pl.format("{}-Q{}", fy, k % 12 // 3 + 1),
             "year": pl.format("FY{}", fy)}[grain]
    end = start.dt.offset_by(f"{size - 1}mo").dt.month_end()
    return [start.alias(f"{prefix}_start"), end.alias(f"{prefix}_end"), label.alias(f"{prefix}_label")]


def period_start_of(grain: str, day: dt.date, fy_start: int) -> dt.date:
    """First day of the fiscal ``grain`` period containing ``day``."""
    k = day.year * 12 + day.month - fy_start
    first = k - k % PERIOD_MONTHS[grain] + (fy_start - 1)
    return dt.date(first // 12, first % 12 + 1, 1)


def window_start(grains: list[str], start: dt.date, fy_start: int) -> dt.date:
    """Earliest day whose data a payout over [start, …] needs: a bonus target period whose last day falls in
    the range is judged on the whole target period, also the part before ``start``."""
    return min([start, *(period_start_of(g, start, fy_start) for g in grains)])


def dense_assignment(reps: pl.LazyFrame, key: str, start: dt.date, end: dt.date) -> pl.LazyFrame:
    """Every rep (an ``employee_id`` frame) on plan ``key`` for every month of [start, end]."""
    months = pl.date_range(start.replace(day=1), end, "1mo", eager=True).alias("month").to_frame().lazy()
    return reps.unique().join(months, how="cross").with_columns(
        plan_id=pl.lit(key, pl.String), day=pl.col("month").dt.month_end())


def normalise(assignment: pl.DataFrame | pl.LazyFrame, start: dt.date, end: dt.date) -> pl.LazyFrame:
    """Assignment rows of the range's months: employee_id, month (first day), plan_id, day (default: the
    month's last day), and ``selected`` (default true) when the frame has it."""
    a = assignment.lazy() if isinstance(assignment, pl.DataFrame) else assignment
    names = a.collect_schema().names()
    cols = [pl.col("employee_id").cast(pl.Int64), pl.col("month").dt.truncate("1mo"),
            pl.col("plan_id").cast(pl.String),
            (pl.col("day").cast(pl.Date) if "day" in names else pl.col("month").dt.month_end()).alias("day")]
    if "selected" in names:
        cols.append(pl.col("selected").cast(pl.Boolean).fill_null(False))
    return a.select(cols).filter(pl.col("month").is_between(start.replace(day=1), end))


def segments(assignment: pl.LazyFrame, grains: Mapping[str, str], fy_start: int, start: dt.date,
             end: dt.date) -> pl.LazyFrame:
    """Assignment rows with their measurement period (``mp_start``, ``mp_end``, ``mp_label``) and segment
    (``SEGMENT_KEYS``): the measurement period itself, or, where the plan changes inside it, the run of
    months under this row's plan (``cut``). ``partial``: the measurement period reaches outside the range.
    ``grains`` maps a plan key to its measurement period; other keys and no plan measure by quarter."""
    key = pl.col("plan_id").fill_null("")  # "" = no plan (plan ids are never empty)
    grain = key.replace_strict(dict(grains), default="quarter", return_dtype=pl.String)
    calendar = assignment.select(pl.col("month").unique()).with_columns(  # a row per month: dates and labels
        *period_columns("month", fy_start, prefix="g_month"), *period_columns("quarter", fy_start, prefix="g_quarter"),
        *period_columns("year", fy_start, prefix="g_year"))
    a = (assignment.sort("employee_id", "month")
         .with_columns(new_run=(key != key.shift(1)).over("employee_id").fill_null(True))
         .with_columns(run=pl.col("new_run").cast(pl.Int32).cum_sum().over("employee_id"), grain=grain)
         .join(calendar, on="month", how="left", maintain_order="left"))
    g = pl.col("grain")

    def by_grain(part: str) -> pl.Expr:
        return (pl.when(g == "month").then(pl.col(f"g_month_{part}")).when(g == "year")
                .then(pl.col(f"g_year_{part}")).otherwise(pl.col(f"g_quarter_{part}")))

    runs = {p: pl.col("run").n_unique().over("employee_id", f"g_{p}_start") for p in ("quarter", "year")}
    a = a.with_columns(mp_start=by_grain("start"), mp_end=by_grain("end"), mp_label=by_grain("label"),
                       cut=pl.when(g == "quarter").then(runs["quarter"] > 1).when(g == "year")
                       .then(runs["year"] > 1).otherwise(False))
    seg = ["employee_id", "mp_start", "run"]
    first, last = pl.col("month").min().over(seg), pl.col("month").max().over(seg)
    months = pl.when(first == last).then(first.dt.strftime("%Y-%m")).otherwise(
        pl.format("{}..{}", first.dt.strftime("%Y-%m"), last.dt.strftime("%Y-%m")))
    cut = pl.col("cut")
    return a.with_columns(
        period_start=pl.when(cut).then(first).otherwise(pl.col("mp_start")),
        period_end=pl.when(cut).then(last.dt.month_end()).otherwise(pl.col("mp_end")),
        period_label=pl.when(cut).then(pl.format("{} ({})", pl.col("mp_label"), months)).otherwise(pl.col("mp_label")),
        partial=(pl.col("mp_start") < start) | (pl.col("mp_end") > end),
    ).drop("new_run", "grain", pl.selectors.starts_with("g_"))


def base_on_day(base_salary: pl.DataFrame | pl.LazyFrame, frame: pl.LazyFrame, day: str = "day") -> pl.LazyFrame:
    """``frame`` with ``base_monthly``: the rep's base in force on ``day`` when ``base_salary`` has
    ``valid_from`` (effective-dated rows), else the rep's one (last) row; null when none."""
    b = base_salary.lazy() if isinstance(base_salary, pl.DataFrame) else base_salary
    if "valid_from" not in b.collect_schema().names():
        one = (b.select(pl.col("employee_id").cast(pl.Int64), pl.col("base_monthly").cast(pl.Float64))
               .group_by("employee_id").agg(pl.col("base_monthly").last()))
        return frame.join(one, on="employee_id", how="left")
    dated = (b.select(pl.col("employee_id").cast(pl.Int64), pl.col("valid_from").cast(pl.Date),
                      pl.col("base_monthly").cast(pl.Float64)).sort("valid_from"))
    return (frame.with_columns(pl.col(day).alias("_on")).sort("_on")
            .join_asof(dated, left_on="_on", right_on="valid_from", by="employee_id", strategy="backward",
                       check_sortedness=False)
            .drop("_on", "valid_from"))
