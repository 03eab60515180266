"""What the attrition page shows, assembled from the pipelines (one call per panel, no Streamlit).

Every function takes the database, the viewer and the period; scope filtering happens in the
named queries. Person-level rows are returned only to viewers with person-level rights.
"""
from __future__ import annotations

import datetime as dt

import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.i18n import code_label
from analytics.core.periods import Period, add_months, month_start, trailing_months
from analytics.metrics import figure
from analytics.metrics.engine import compute
from analytics.metrics.figure import Figure
from analytics.metrics.suppression import mask_table
from analytics.people import attrition

# The headline cards, one row per basis (a row never mixes bases): counts; rates for the period; rates
# on a year's scale (annualised, trailing 12 months); cohort rates of the people hired in the period.
HEADLINE_ROWS: dict[str, tuple[str, ...]] = {
    "count": ("headcount_start", "headcount_end", "exits", "exits_voluntary"),
    "period": ("attrition_rate", "attrition_voluntary", "attrition_involuntary", "attrition_regretted"),
    "annual": ("attrition_rate_annualised", "attrition_rate_ttm", "probation_share_of_exits"),
    "cohort": ("probation_exit_rate", "first_year_exit_rate"),
}
HEADLINE = tuple(m for row in HEADLINE_ROWS.values() for m in row)
BREAKDOWNS = ("region", "team", "manager", "role", "job_level", "tenure_band", "hire_source", "hire_cohort")
CURVE_GROUPS = ("hire_cohort", "hire_source", "region", "role_id", "mentored")


def headline(db: Database, viewer: Viewer, period: Period, as_of: dt.date, fy_start: int = 1) -> dict[str, Figure]:
    """The headline figures of the period (to date), each against the comparable previous stretch."""
    return {m: figure.headline(db, viewer, m, period, as_of, fy_start) for m in HEADLINE}


def trend(db: Database, viewer: Viewer, last_month: dt.date | Period, months: int = 24, sales_only: bool = False,
          as_of: dt.date | None = None) -> pl.DataFrame:
    """Monthly trailing-12-month attrition (all roles, or sales roles only) for ``months`` months ending with
    ``last_month`` (or a period's last month)."""
    window = trailing_months(last_month.months[-1] if isinstance(last_month, Period) else last_month, months)
    if sales_only:
        frame = compute(db, viewer, "attrition_rate_ttm", window, by=["month", "role_family"], as_of=as_of)
        return frame.filter(pl.col("role_family") == "sales").select("month", "value", "partial")
    return compute(db, viewer, "attrition_rate_ttm", window, by=["month"], as_of=as_of).select(
        "month", "value", "partial")


def _org_parents(db: Database) -> dict[str, str | None]:
    return dict(db.sql("select org_unit_id, parent_id from org_units").rows())


def breakdown(db: Database, viewer: Viewer, period: Period, as_of: dt.date, by: str, lang: str,
              within: tuple[str, str] | None = None) -> pl.DataFrame:
    """Attrition and voluntary attrition for the period (same basis, not annualised), exits and average headcount
    per group; ``within`` = (dimension, id) narrows to one region or team first (drill-down).

    ``small_base``: the rate stands on fewer than the minimum base (shown with its counts, never ranked into a
    decision); ``ranked``: the group is a sales unit that may be ranked against its peers (people placed above
    the regions — head office — are shown apart)."""
    current = period.to_date(as_of)
    # narrowed through the org tree: a team chosen in the sidebar lies inside the drilled region (without the
    # tree it reads as outside it: no rows)
    scoped = viewer.narrowed(within[1], _org_parents(db)) if within else viewer
    rate = compute(db, scoped, "attrition_rate", current, by=[by], lang=lang, as_of=as_of)
    vol = compute(db, scoped, "attrition_voluntary", current, by=[by], lang=lang, as_of=as_of)
    frame = rate.select(by, "label", "value", exits="numerator", headcount_avg="denominator", masked="masked",
                        small_base="small_base").join(
        vol.select(by, voluntary_rate="value"), on=by, how="left", nulls_equal=True)
    if by == "hire_source":
        frame = frame.with_columns(label=pl.col(by).map_elements(lambda c: code_label("hire_source", c, lang),
                                                                 return_dtype=pl.Utf8))
    ranked = pl.col(by).is_not_null() if by in {"region", "team"} else pl.lit(True)
    return frame.filter(pl.col("headcount_avg").fill_null(1) > 0).with_columns(ranked=ranked).sort(
        ["ranked", "value"], descending=[True, True], nulls_last=True)


#: Groupings of the report tables that are org units: published below the viewer's own scope too.
ORG_GROUPINGS = frozenset({"region", "team", "org_unit", "region_id", "team_id", "org_unit_id"})


def cross_tab(frame: pl.DataFrame, viewer: Viewer) -> pl.DataFrame:
    """``frame``, a report table grouped by anything but region or team, as published to ``viewer``: for a viewer
    without person-level rights narrowed below their own scope (the sidebar, a drill) it is a cross-tabulation
    (region × channel...) and is not published: no rows (suppression rule 5, as the engine does)."""
    if viewer.person_level or not viewer.narrowed_below_scope:
        return frame
    return frame.head(0).with_columns(masked=pl.lit(True))


def _hires(db: Database, viewer: Viewer, start: dt.date, end: dt.date) -> pl.LazyFrame:
    events = db.query("hr_hires_exits", start=start, end=end, **viewer.sql_params()).lazy()
    return attrition.with_derived(events.filter(pl.col("kind") == "hire"))


def cohort_heatmap(db: Database, viewer: Viewer, as_of: dt.date, cohorts: int = 18,
                   max_months: int = 12) -> pl.DataFrame:
    """Hire month × tenure month retention for the last ``cohorts`` hire months.

    The groups are the hire months: for viewers without person-level rights a hire month with fewer hires than
    the threshold is masked in every column, with a complement among the hire months (``masked``; its
    ``retained`` and ``n_hires`` blank); narrowed below their scope, no rows (``cross_tab``)."""
    last = month_start(as_of)
    hires = _hires(db, viewer, add_months(last, -(cohorts - 1)), last)
    grid = attrition.cohort_retention(hires, as_of, max_months)
    if viewer.person_level or grid.is_empty():
        return grid.with_columns(masked=pl.lit(False))
    months = mask_table(grid.group_by("hire_month").agg(pl.col("n_hires").first()).sort("hire_month"), viewer,
                        "n_hires", [], key="hire_month")
    hide = pl.col("masked")
    return cross_tab(grid.join(months.select("hire_month", "masked"), on="hire_month", how="left",
                               maintain_order="left").with_columns(hide.fill_null(True)).with_columns(
        [pl.when(hide).then(None).otherwise(pl.col(c)).alias(c) for c in ("retained", "n_hires")]), viewer)


#: Groupings the retention curves offer (``--by``): the HR dimensions a tenure spell carries, plus mentoring.
CURVE_DIMENSIONS: dict[str, str] = {
    "region": "region_id", "team": "team_id", "org_unit": "org_unit_id", "manager": "manager_id", "role": "role_id",
    "role_id": "role_id", "role_family": "role_family", "job_level": "job_level", "hire_source": "hire_source",
    "hire_cohort": "hire_cohort", "mentored": "mentored",
}


def retention(db: Database, viewer: Viewer, as_of: dt.date, by: str | None, event: str = "any",
              window_years: int = 3, period: Period | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Kaplan–Meier curves for the people employed at any time in the window: the ``window_years`` years ending
    with ``period``'s last day (default: the as-of date), censored at the window's end or the as-of date,
    left-truncated at the window start (docs/metrics.md ``retention_curve``).

    For viewers without person-level rights a curve point with fewer people at risk than the threshold is masked
    (with a complement among the groups of that month: ``survival``, its band and ``at_risk`` blank), and so is a
    summary row of a group of fewer people (``n``, ``exits`` and the median blank); narrowed below their scope,
    no rows for a grouping other than region or team (``cross_tab``)."""
    end = min(period.end, as_of) if period is not None else as_of
    start = add_months(month_start(end), -(12 * window_years - 1))
    spells = db.query("tenure_spells", window_start=start, as_of=end, **viewer.sql_params())
    spells = spells.with_columns(hire_cohort=pl.when(pl.col("hire_date") >= start).then(  # hire years in the window
        pl.col("hire_date").dt.year().cast(pl.Utf8)).otherwise(pl.lit(f"< {start:%Y-%m}")))
    column = CURVE_DIMENSIONS[by] if by else None
    curves, summary = attrition.retention_curves(spells, start, end, by=column, event=event,
                                                 max_months=12 * window_years)
    order = sorted(summary["group"].to_list())
    curves = curves.sort(pl.col("group").replace_strict(order, list(range(len(order)))), "month")
    curves = mask_table(curves, viewer, "at_risk", ["survival", "lower", "upper"], part=["month"], key="group")
    summary = mask_table(summary.sort("group"), viewer, "n", ["exits", "median_months", "estimable"], key="group")
    if by is None or by in ORG_GROUPINGS:
        return curves, summary
    return cross_tab(curves, viewer), cross_tab(summary, viewer)


def probation_panel(db: Database, viewer: Viewer, period: Period, as_of: dt.date) -> pl.DataFrame:
    """Probation exit rate of the people hired in the 12 months to the period end, by channel and mentoring.

    For viewers without person-level rights a row whose rate stands on fewer people than the threshold (people
    whose probation has ended, ``n_complete``) is masked with a complement; its counts and rate blank."""
    window = trailing_months(period.to_date(as_of).months[-1], 12)
    hires = _hires(db, viewer, window.start, window.months[-1])
    spells = db.query("tenure_spells", window_start=window.start, as_of=as_of, **viewer.sql_params()).select(
        "employee_id", "mentored")
    rows = hires.join(spells.lazy(), on="employee_id", how="left").with_columns(pl.col("mentored").fill_null(False))
    panel = attrition.cohort_exits(rows, as_of, ["hire_source", "mentored"], "probation").collect().sort(
        "hire_source", "mentored")
    return cross_tab(mask_table(panel, viewer, "n_complete",
                                ["n_hires", "n_left_within", "n_incomplete", "rate", "partial"]), viewer)


def exit_reasons(db: Database, viewer: Viewer, period: Period, as_of: dt.date) -> pl.DataFrame:
    """Exits of the period by type and reason. For viewers without person-level rights a type × reason with
    fewer exits than the threshold is masked with a complement: its counts and share blank, and its type and
    reason too (that someone left for that reason is itself what a small group gives away)."""
    current = period.to_date(as_of)
    events = db.query("hr_hires_exits", start=current.start, end=current.months[-1], **viewer.sql_params()).lazy()
    reasons = attrition.exit_reasons(events, current, []).collect()
    return cross_tab(mask_table(reasons, viewer, "exits", ["regretted", "share", "exit_type", "exit_reason"]), viewer)


def exits_list(db: Database, viewer: Viewer, period: Period, as_of: dt.date) -> pl.DataFrame:
    """The people who left in the period (person-level viewers only; empty otherwise)."""
    if not viewer.person_level:
        return pl.DataFrame()
    current = period.to_date(as_of)
    return db.query("exits_list", start=current.start, end=current.end, **viewer.sql_params())


def group_names(db: Database, viewer: Viewer, by: str | None, lang: str) -> dict[str, str]:
    """Display names for the group codes of a breakdown or curve (org units, roles, channels, flags), and of skills
    and courses (table cells)."""
    from analytics.core.i18n import t

    name = "name_zh" if lang == "zh" else "name_en"
    if by in {"region", "team", "region_id", "team_id"}:
        rows = db.sql(f"select org_unit_id as k, {name} as v from org_units")
    elif by in {"role", "role_id"}:
        rows = db.sql(f"select role_id as k, {name} as v from roles")
    elif by in {"skill", "course"}:
        rows = db.sql(f"select {by}_id as k, {name} as v from {by}s")
    elif by == "hire_source":
        codes = db.sql("select distinct hire_source as k from employees where hire_source is not null")["k"]
        return {c: code_label("hire_source", c, lang) for c in codes.to_list()}
    elif by == "mentored":
        return {"true": t("attrition.mentored", lang), "false": t("attrition.not_mentored", lang)}
    else:
        return {}
    return dict(zip(rows["k"].to_list(), rows["v"].to_list(), strict=True))
