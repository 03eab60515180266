"""Metrics whose value is a table or a curve rather than one number per group (``python -m analytics metrics``).

``engine.compute`` covers the per-period numbers; these ids print the frame the pages show, within the
viewer's scope. Each entry: metric id → function(db, viewer, period, as_of, lang) → polars frame.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.periods import Period


def _retention(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    from analytics.people import attrition_report
    return attrition_report.retention(db, viewer, as_of, "hire_cohort")[0]


def _median_tenure(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    from analytics.people import attrition_report
    return attrition_report.retention(db, viewer, as_of, None)[1]


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


def _payout(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    from analytics.sales import incentives_report
    pay = incentives_report.payouts_in_scope(db, viewer, period, as_of)
    if pay.is_empty():
        return pay
    return pay.group_by("plan_id").agg(pl.col("employee_id").n_unique().alias("reps"), pl.col("bookings").sum(),
                                       pl.col("payout").sum()).with_columns(
        cost_of_sales=pl.col("payout") / pl.col("bookings")).sort("plan_id")


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


TABLE_METRICS: dict[str, Callable[[Database, Viewer, Period, dt.date, str], pl.DataFrame]] = {
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
