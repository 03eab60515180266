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
from analytics.metrics.shaping import PERSON_DIMENSIONS, GroupingError


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


def _attainment_vs_team(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    """Every rep with quota in each completed quarter of the period, beside their team's median (growth archive)."""
    from analytics.core.periods import quarter_of
    from analytics.sales import quota, scorecard
    if not viewer.person_level:
        return pl.DataFrame()
    quarters, q = [], quarter_of(min(period.end, as_of))
    while q.end >= period.start:
        if q.end <= as_of:
            quarters.insert(0, q)
        q = q.shift(-1)
    panel = scorecard.person_panel(db, viewer, quarters, as_of) if quarters else None
    frames = []
    for q in quarters:
        reps = quota.rep_attainment(quota.in_period(panel, q)).select(
            "employee_id", "attainment", team=pl.coalesce("team_id", "org_unit_id")).collect()
        frames.append(reps.with_columns(quarter=pl.lit(q.label), team_median=pl.col("attainment").median().over("team"),
                                        team_reps=pl.len().over("team")))
    names = db.sql("select employee_id, name from employees")
    return pl.concat(frames).join(names, on="employee_id").select(
        "quarter", "employee_id", "name", "team", "attainment", "team_median", "team_reps").sort(
        "quarter", "team", "employee_id") if frames else pl.DataFrame()


def _ramp_vs_cohort(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    """The reps hired in the period: attainment in each of their first 12 tenure months beside the mean of their
    cohort (same role, hired the same calendar year, in the scope)."""
    from analytics.people.archive_report import RAMP_MONTHS
    from analytics.sales import quota
    if not viewer.person_level:
        return pl.DataFrame()
    start = dt.date(period.start.year, 1, 1)
    panel = db.query("rep_month_sales", start=start, end=as_of.replace(day=1), as_of=as_of, hired_from=start,
                     **viewer.sql_params()).lazy().with_columns(year=pl.col("hire_date").dt.year())
    rows = quota.with_tenure_month(panel).filter(pl.col("tenure_month").is_between(1, RAMP_MONTHS)
                                                 & pl.col("rep_month_attainment").is_not_null())
    cohort = rows.group_by("year", "role_id", "tenure_month").agg(
        cohort_mean=pl.col("rep_month_attainment").mean(), cohort_reps=pl.col("employee_id").n_unique())
    own = rows.filter(pl.col("hire_date").is_between(period.start, period.end)).select(
        "employee_id", "year", "role_id", "tenure_month", attainment="rep_month_attainment")
    return own.join(cohort, on=["year", "role_id", "tenure_month"], how="left").drop("year").sort(
        "employee_id", "tenure_month").collect()


def _skills_year_on_year(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    """Everyone in scope at the period's end: each skill's latest valid score then and a year before."""
    if not viewer.person_level:
        return pl.DataFrame()
    day = min(period.end, as_of)
    before = day.replace(year=day.year - 1, day=28 if (day.month, day.day) == (2, 29) else day.day)
    now = db.query("skill_scores", as_of=day, **viewer.sql_params()).select("employee_id", "skill_id", "score")
    then = db.query("skill_scores", as_of=before, all_units=True, units=[]).select(
        "employee_id", "skill_id", year_ago="score")
    return now.join(then, on=["employee_id", "skill_id"], how="left").sort("employee_id", "skill_id")


def _development_plan(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    """The development plan items of everyone whose person page the viewer may open."""
    from analytics.people import archive_report
    if not viewer.person_level:
        return pl.DataFrame()
    from analytics.people import development
    people = archive_report.directory(db, viewer, as_of).select("employee_id", "name")
    items = development.items_of(db, people["employee_id"].to_list())
    if items.is_empty():
        return pl.DataFrame()
    return people.join(items, on="employee_id").select(
        "employee_id", "name", "item_id", "text", "owner", "due_date", "status", "closed_at").sort(
        "employee_id", "item_id")


def _plans(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    """The improvement plans opened in the period with their outcome (person-level users)."""
    from analytics.people import improvement_report
    if not viewer.person_level:
        return pl.DataFrame()
    out = improvement_report.outcomes(db, viewer, as_of).filter(pl.col("opened_on").is_between(period.start,
                                                                                               period.end))
    return out.select("plan_id", "employee_id", "name", "opened_on", "cause", "actions", "review_date", "closed_on",
                      "overdue", "quarter_1", "attainment_1", "quarter_2", "attainment_2", "outcome", "days_to_plan")


def _plan_recovery(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str,
                   by: str | None = None) -> pl.DataFrame:
    """Plans, decided and recovered, and the recovery rate by cause (default) or by action (masked for aggregate
    users)."""
    from analytics.people import improvement_report
    return improvement_report.summary(db, viewer, as_of, by or "cause")


def _plan_effect(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    from analytics.people import improvement_report
    return pl.DataFrame([improvement_report.matched_comparison(db, viewer, as_of)])


def _time_to_plan(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    """Plans opened in the period: how many, and the median, mean and longest days to a plan (person-level)."""
    from analytics.people import improvement_report
    if not viewer.person_level:
        return pl.DataFrame()
    days = improvement_report.outcomes(db, viewer, as_of).filter(
        pl.col("opened_on").is_between(period.start, period.end))["days_to_plan"].drop_nulls()
    return pl.DataFrame({"plans": [days.len()], "median_days": [days.median()], "mean_days": [days.mean()],
                         "max_days": [days.max()]})


def _care_signals(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    """The care signals on in the as-of month with what was done since (person-level users; a referral to the HR
    head only)."""
    from analytics.people import care_report
    if not viewer.person_level:
        return pl.DataFrame()
    return care_report.attach_actions(db, care_report.signal_list(db, viewer, as_of))


def _regions(db: Database, viewer: Viewer) -> pl.DataFrame:
    from analytics.alerts.store import covers, org_tree
    tree = org_tree(db)
    regions = db.sql("select org_unit_id as region_id from org_units where level = 'region' order by 1")
    return regions.filter(pl.Series([covers(viewer, r, tree) for r in regions["region_id"]], dtype=pl.Boolean))


def _key_vacancies(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    """Per region in scope: open key-position requisitions at the as-of date, those past their target date and
    the most days past (the alert rule key_vacancy_late lists each)."""
    open_seats = db.sql("select r.requisition_id, p.region_id, r.target_date from requisitions r join org_paths p "
                        "using (org_unit_id) where r.key_position and r.opened_date <= $d and (r.filled_date is null "
                        "or r.filled_date > $d) and (r.cancelled_date is null or r.cancelled_date > $d)", d=as_of)
    per = open_seats.with_columns(past=pl.col("target_date") < as_of,
                                  days=(pl.lit(as_of) - pl.col("target_date")).dt.total_days()).group_by(
        "region_id").agg(open=pl.len(), past_target=pl.col("past").sum(),
                         most_days_past=pl.col("days").filter(pl.col("past")).max())
    return _regions(db, viewer).join(per, on="region_id", how="left").with_columns(
        pl.col("open", "past_target").fill_null(0))


def _ka_without_backup(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    """Per region in scope: KA accounts whose owner left, gave notice or is missing, and how many of them have no
    skill-matched backup with a free slot (the alert rule ka_owner_leaving names each)."""
    from analytics.people import talent_report
    cont = talent_report.continuity(db, viewer, as_of)
    if viewer.person_level and cont.height:
        gone = cont.filter(pl.col("status").is_in(["left", "leaving", "no_owner"])).with_columns(
            without=pl.col("backup_id").is_null() | ~pl.col("skill_matched").fill_null(False))
        per = gone.group_by("region_id").agg(owner_gone=pl.len(), without_backup=pl.col("without").sum())
    else:
        per = pl.DataFrame(schema={"region_id": pl.Utf8, "owner_gone": pl.UInt32, "without_backup": pl.UInt32})
    return _regions(db, viewer).join(per, on="region_id", how="left").with_columns(
        pl.col("owner_gone", "without_backup").fill_null(0))


def _urgent_requests(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    """Per kind: urgent requests filed in the period within scope, acknowledged by their due time, still open."""
    from analytics.alerts import inbox_report, store
    rows, _ = inbox_report.visible(db, viewer, dt.datetime.combine(period.start, dt.time()),
                                   dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time()))
    reqs = rows.filter(pl.col("rule_id") == store.REQUEST_RULE).with_columns(
        kind=pl.col("facts").str.json_path_match("$.kind"))
    per = reqs.group_by("kind").agg(filed=pl.len(), answered_in_time=(pl.col("acknowledged_at") <= pl.col("due_at"))
                                    .sum(), still_open=pl.col("resolved_at").is_null().sum())
    kinds = pl.DataFrame({"kind": list(store.REQUEST_KINDS)})
    return kinds.join(per, on="kind", how="left").with_columns(
        pl.col("filed", "answered_in_time", "still_open").fill_null(0))


def _care_exit_link(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    from analytics.people import care_report
    return care_report.exit_link(db, viewer, as_of)


def _hiring_success_profile(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    """Every role's success profile at the as-of date: each trait's effect on passing probation (odds ratio) and on
    attainment in months 4–12, with its 95% interval and the hires it was fitted on."""
    from analytics.people import hiring_profile_report
    frames = [hiring_profile_report.success_profile(db, viewer, as_of, role)["profile"].select(
        pl.lit(role).alias("role_id"), "outcome", "feature", "effect", "effect_low", "effect_high", "direction", "n")
        for role in hiring_profile_report.roles(db, viewer, as_of)]
    return pl.concat(frames) if frames else pl.DataFrame()


def _hiring_fit_score(db: Database, viewer: Viewer, period: Period, as_of: dt.date, lang: str) -> pl.DataFrame:
    """Open applications in scope ranked by fit score within their role (person-level users)."""
    from analytics.people import hiring_profile_report
    if not viewer.person_level:
        return pl.DataFrame()
    frames = [hiring_profile_report.success_profile(db, viewer, as_of, role)["open"].select(
        pl.lit(role).alias("role_id"), pl.all()) for role in hiring_profile_report.roles(db, viewer, as_of)]
    return pl.concat(frames) if frames else pl.DataFrame()


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
    "attainment_vs_team": _attainment_vs_team,
    "ramp_vs_cohort": _ramp_vs_cohort,
    "skills_year_on_year": _skills_year_on_year,
    "development_plan": _development_plan,
    "improvement_plans": _plans,
    "plan_recovery_rate": _plan_recovery,
    "plan_effect": _plan_effect,
    "time_to_plan": _time_to_plan,
    "care_signals": _care_signals,
    "care_exit_link": _care_exit_link,
    "key_vacancies_past_target": _key_vacancies,
    "ka_without_backup": _ka_without_backup,
    "urgent_requests": _urgent_requests,
    "hiring_success_profile": _hiring_success_profile,
    "hiring_fit_score": _hiring_fit_score,
}

#: The ``--by`` values a table metric offers (one at a time); a metric not listed takes none.
_CURVE_BY = ("region", "team", "manager", "role", "role_family", "job_level", "hire_source", "hire_cohort", "mentored")
TABLE_GROUPINGS: dict[str, tuple[str, ...]] = {
    "retention_curve": _CURVE_BY,
    "median_tenure": _CURVE_BY,
    "commission_payout": ("rep", "team", "region"),
    "cost_of_sales": ("rep", "team", "region"),
    "plan_recovery_rate": ("cause", "action"),
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
