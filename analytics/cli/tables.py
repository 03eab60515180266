"""Metrics whose value is a table or a curve rather than one number per group (``python -m analytics metrics``).

``engine.compute`` covers the per-period numbers; these ids print the frame the pages show, within the
viewer's scope. Each entry of ``TABLE_METRICS``: metric id → function(db, viewer, period, as_of, lang) →
polars frame; a metric that can be grouped declares its groupings in ``TABLE_GROUPINGS`` and takes them as
``by=``. :func:`run_table` refuses a ``--by`` the metric does not offer (``GroupingError``, exit status 2).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.periods import Period
from analytics.metrics.engine import PERSON_DIMENSIONS, GroupingError


def _retention(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str,
               by: str | None = None) -> pl.DataFrame:
    """Kaplan–Meier curves for the 3 years ending with the period (the whole scope, or per group of ``by``)."""
    from analytics.people import attrition_report
    return attrition_report.retention(db, viewer, as_of, by, period=period)[0]


def _median_tenure(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str,
                   by: str | None = None) -> pl.DataFrame:
    """Median tenure (months) from the same curves."""
    from analytics.people import attrition_report
    return attrition_report.retention(db, viewer, as_of, by, period=period)[1]


def _flight_risk(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    from analytics.people import risk_report
    ranked = risk_report.ranked(db, viewer, as_of)
    if viewer.person_level:
        return ranked.with_columns(pl.col("drivers").list.join(", ")).drop("driver_effects", "driver_values")
    return risk_report.risk_by_team(ranked, viewer)


def _ramp(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    from analytics.sales import quota_report
    return quota_report.ramp(db, viewer, as_of, "hire_cohort").select("cohort", "tenure_month", "attainment", "n_reps")


def _ttp(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    from analytics.sales import quota_report
    return quota_report.ramp(db, viewer, as_of, "hire_cohort").unique("cohort").select(
        "cohort", "reps", "productive", pl.col("median_months").alias("time_to_productivity_months")).sort("cohort")


def _coaching(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    from analytics.sales import scorecard
    return scorecard.coaching_list(db, viewer, as_of) if viewer.person_level else pl.DataFrame()


def _hipo(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    from analytics.sales import scorecard
    return scorecard.high_potential(db, viewer, as_of) if viewer.person_level else pl.DataFrame()


def _payout(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str,
            by: str | None = None) -> pl.DataFrame:
    """The Incentives page's payouts (each rep under the plan in force per measurement period) per plan in
    force, or per rep, team or region (with the unit's name in ``lang``)."""
    from analytics.sales import incentives_report
    out = incentives_report.summary(incentives_report.payouts_in_scope(db, viewer, period, as_of), by)
    if out.is_empty() or by not in ("team", "region"):
        return out
    names = db.query("org_tree").select(pl.col("org_unit_id").alias(f"{by}_id"),
                                        pl.col("name_zh" if lang == "zh" else "name_en").alias("label"))
    return out.join(names, on=f"{by}_id", how="left").select(f"{by}_id", "label", pl.exclude(f"{by}_id", "label"))


def _profiles(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    from analytics.people import talent_report
    view = talent_report.profiles(db, viewer, as_of)
    return view.people if viewer.person_level else view.tiers


def _nine_box(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    from analytics.people import talent_report
    return talent_report.nine_box(db, viewer, as_of).counts


def _uplift(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    from analytics.people import talent_report
    courses = db.sql("select course_id from courses order by 1")["course_id"].to_list()
    rows = []
    for course in courses:
        e = talent_report.training_effect(db, viewer, course, as_of)
        rows.append({"course_id": course, "lift": e.lift, "lift_ci_low": e.lift_ci_low, "lift_ci_high": e.lift_ci_high,
                     "n_treated": e.n_treated, "n_control": e.n_control})
    return pl.DataFrame(rows)


def _funnel(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    from analytics.people import hiring_report
    return hiring_report.recruiting_overview(db, viewer, period.start, min(period.end, as_of), as_of)["funnel"]


def _quality(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    from analytics.people import hiring_report
    return hiring_report.recruiting_overview(db, viewer, period.start, min(period.end, as_of), as_of)[
        "quality_by_channel"]


def _plan(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    from analytics.people import hiring_report
    return hiring_report.capacity_plan(db, viewer, as_of)["summary"]


TABLE_METRICS: dict[str, Callable[..., pl.DataFrame]] = {
    "retention_curve": _retention,
    "median_tenure": _median_tenure,
    "flight_risk": _flight_risk,
    "ramp_curve": _ramp,
    "time_to_productivity": _ttp,
    "coaching_list": _coaching,
    "high_potential": _hipo,
    "commission_payout": _payout,
    "cost_of_sales": _payout,
    "skill_profile": _profiles,
    "nine_box": _nine_box,
    "training_uplift": _uplift,
    "funnel_conversion": _funnel,
    "quality_of_hire": _quality,
    "headcount_plan": _plan,
}

#: The ``--by`` values a table metric offers (one at a time); a metric not listed takes none.
_CURVE_BY = ("region", "team", "manager", "role", "role_family", "job_level", "hire_source", "hire_cohort", "mentored")
TABLE_GROUPINGS: dict[str, tuple[str, ...]] = {
    "retention_curve": _CURVE_BY,
    "median_tenure": _CURVE_BY,
    "commission_payout": ("rep", "team", "region"),
    "cost_of_sales": ("rep", "team", "region"),
}


def run_table(metric_id: str, db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str,
              by: Sequence[str] = ()) -> pl.DataFrame:
    """The table metric's frame, grouped by the one ``--by`` it offers (if any was given)."""
    offered = TABLE_GROUPINGS.get(metric_id, ())
    bad = [b for b in by if b not in offered]
    if bad:
        choices = f"choose one of {', '.join(offered)}" if offered else "it takes no --by"
        raise GroupingError(f"--by {', '.join(bad)} is not offered for '{metric_id}'; {choices}.")
    if len(by) > 1:
        raise GroupingError(f"'{metric_id}' is grouped by one of {', '.join(offered)} at a time, "
                            f"not by {', '.join(by)}.")
    if by and by[0] in PERSON_DIMENSIONS and not viewer.person_level:
        raise GroupingError(f"Grouping by {by[0]} shows people; this viewer sees aggregates only.")
    if by:
        return TABLE_METRICS[metric_id](db, viewer, period, as_of, lang, by=by[0])
    return TABLE_METRICS[metric_id](db, viewer, period, as_of, lang)
