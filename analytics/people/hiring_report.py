"""What the recruiting, onboarding, planning and revenue-at-risk pages show (no Streamlit).

Every function takes ``(db, viewer, ...)``; scope is applied in SQL. Person-level frames (watch list, people at
risk, recruiters) are empty for viewers without person-level rights.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.i18n import CATALOGUE, fmt_number, t
from analytics.core.periods import Period, add_months, month_start
from analytics.metrics.suppression import mask_table
from analytics.people import onboarding, planning, recruiting
from analytics.people.attrition_report import cross_tab
from analytics.sales import revenue_risk_report

#: Why recruiting rows are left out (the reasons of recruiting's cleaning, and the cohort too young to judge).
EXCLUSION_REASONS = (
    "requisition without an opened date", "requisition without a target date",
    "requisition filled before it was opened", "requisition cancelled before it was opened",
    "application for an unknown requisition", "application without an applied date",
    *(f"application {name} before {prev.removesuffix('_date')}" for (_, prev), (name, _) in
      pairwise(recruiting.STAGES)),
    "applications too recent to judge",
)


def reason_slug(reason: str) -> str:
    """``"application screened before applied"`` → ``"application_screened_before_applied"``."""
    return re.sub(r"[^a-z0-9]+", "_", reason.lower()).strip("_")


def excluded_text(excluded: dict[str, int], lang: str) -> str:
    """The left-out rows of a page in words of ``lang``: "reason: n; reason: n" (a reason without a translation
    keeps its words, a ``table.issue`` code read as "table: issue")."""
    parts = []
    for reason, n in excluded.items():
        slug = reason_slug(reason)
        words = t(f"exclusion_reason.{slug}", lang) if f"exclusion_reason.{slug}" in CATALOGUE["en"] else \
            reason.replace(".", ": ").replace("_", " ")
        parts.append(f"{words}{'：' if lang == 'zh' else ': '}{fmt_number(n, 'count', lang)}")
    return ("；" if lang == "zh" else "; ").join(parts)


#: Quality of hire: each part's rate, the hires it stands on and the count behind it.
QUALITY_PARTS = (("probation_pass_rate", "probation_observed", "probation_passed"),
                 ("retention_12m", "retention_observed", "retained_12m"),
                 ("attainment_m4_12", "attainment_observed", None))


def _mask_quality(frame: pl.DataFrame, viewer: Viewer) -> pl.DataFrame:
    """Quality of hire for ``viewer``: a group of fewer hires than the threshold masked with a complement (every
    count and rate blank); then each part's rate, where it stands on fewer hires than the threshold, blank with
    its counts (with a complement within the part), since it describes those few people."""
    counts = [c for c in frame.columns if c not in {"hires", "masked"} and frame.schema[c].is_numeric()]
    out = mask_table(frame, viewer, "hires", counts)
    if viewer.person_level or out.is_empty():
        return out
    out = out.with_row_index("_qrow")
    for rate, base, count in QUALITY_PARTS:
        values = [rate, *([count] if count else [])]
        shown = out.filter(~pl.col("masked") & (pl.col(base) > 0))  # on no hires the rate is empty already
        part = mask_table(shown.select("_qrow", base, *values), viewer, base, values)
        out = out.update(part.drop("masked"), on="_qrow", include_nulls=True)
    return cross_tab(out.drop("_qrow"), viewer)


def _mask_funnel(frame: pl.DataFrame, viewer: Viewer) -> pl.DataFrame:
    """The funnel (by channel, or the total) for ``viewer``: a channel of fewer applications than the threshold
    masked at every stage, with a complement among the channels (each stage's channels add up to the total)."""
    if viewer.person_level or frame.is_empty():
        return frame.with_columns(masked=pl.lit(False))
    by_channel = "channel" in frame.columns
    rows = frame if by_channel else frame.with_columns(channel=pl.lit("all"))
    channels = mask_table(rows.group_by("channel").agg(pl.col("applied").first()).sort("channel", nulls_last=True),
                          viewer, "applied", [], key="channel")
    hide = pl.col("masked")
    values = ["reached", "applied", "conversion", "share_of_applied", "median_days_from_previous"]
    out = rows.join(channels.select("channel", "masked"), on="channel", how="left", nulls_equal=True,
                    maintain_order="left").with_columns(hide.fill_null(True)).with_columns(
        [pl.when(hide).then(None).otherwise(pl.col(c)).alias(c) for c in values])
    return cross_tab(out, viewer) if by_channel else out.drop("channel")


def _masked(frame: pl.DataFrame, viewer: Viewer, count: str, by: str | None = None) -> pl.DataFrame:
    """A hiring table for ``viewer``: groups of fewer than the threshold (``count``) masked with a complement,
    every other number of theirs blank; grouped ``by`` anything but region, no rows below the viewer's scope."""
    values = [c for c in frame.columns if c != count and frame.schema[c].is_numeric()]
    out = mask_table(frame, viewer, count, values)
    return out if by in {None, "region_id"} else cross_tab(out, viewer)


def recruiting_overview(db: Database, viewer: Viewer, start: dt.date | Period, end: dt.date | None, as_of: dt.date,
                        plan: pl.DataFrame | None = None, min_base: int | None = None) -> dict[str, object]:
    """Funnel by channel, offer acceptance, time to fill (role) and to hire (channel), open requisitions by
    region and role (against ``plan`` when given), key-position fill rate, quality of hire by channel (and by
    recruiter for person-level viewers), the referral programme, and every excluded-row count.

    A funnel (a channel's, or the total) on fewer applications than ``min_base`` (TANDEM_MIN_BASE when not
    given) is flagged ``small_base`` and carries its counts without rates.

    For viewers without person-level rights, the funnel and offers by channel, time to fill (by role and in
    total), time to hire (by channel), key positions and quality of hire (by channel, and referred against other
    hires) mask a group of fewer applications, requisitions or hires than the threshold, with a complement,
    blanking its counts and figures (``masked``); narrowed below their scope, only totals and regions.
    ``start`` may be the period itself (``end`` None): its first and last day."""
    from analytics.core.settings import load_settings

    if isinstance(start, Period):
        start, end = start.start, start.end
    min_base = load_settings().min_base if min_base is None else min_base
    data = recruiting.load(db, viewer, as_of, start=onboarding.history_start(db))
    reqs, apps, hires = data["requisitions"].rows, data["applications"].rows, data["hires"]
    settled, too_recent = recruiting.observable_applications(apps, start, end, as_of)
    referrals = recruiting.referral_programme(hires, apps, start, end, as_of)
    summary = referrals["summary"]  # one row; its outcomes (bonuses paid: who passed probation) are a small group's
    summary = mask_table(summary, viewer, "referral_hires", [c for c in summary.columns if c != "referral_hires"]) \
        if summary.height else summary
    referrals = {**referrals, "summary": summary, "comparison": _mask_quality(referrals["comparison"], viewer)}
    out: dict[str, object] = {
        "funnel": _mask_funnel(recruiting.funnel(settled, ["channel"], min_base), viewer),
        "funnel_total": _mask_funnel(recruiting.funnel(settled, [], min_base), viewer),
        "offer_acceptance": _masked(recruiting.offer_acceptance(settled, ["channel"]), viewer, "offered", "channel"),
        "time_to_fill": _masked(recruiting.time_to_fill(reqs, start, end, ["role_id"]), viewer, "filled", "role_id"),
        "time_to_fill_total": _masked(recruiting.time_to_fill(reqs, start, end), viewer, "filled"),
        "time_to_hire": _masked(recruiting.time_to_hire(apps, start, end, ["channel"]), viewer, "hires", "channel"),
        "open_requisitions": recruiting.open_requisitions(reqs, min(end, as_of), plan=plan),
        "key_positions": _masked(recruiting.key_position_fill_rate(reqs, start, end, as_of, ["region_id"]), viewer,
                                 "due", "region_id"),
        "key_positions_total": _masked(recruiting.key_position_fill_rate(reqs, start, end, as_of), viewer, "due"),
        "quality_by_channel": _mask_quality(recruiting.quality_of_hire(hires, as_of), viewer),
        "quality_by_recruiter": recruiting.quality_of_hire(hires.filter(pl.col("recruiter").is_not_null()), as_of,
                                                           ["recruiter"]) if viewer.person_level else pl.DataFrame(),
        "referrals": referrals,
        "excluded": {**recruiting.excluded_rows(data["requisitions"], data["applications"]),
                     "applications too recent to judge": too_recent},
    }
    return out


def scenario_label(name: str, lang: str, regions: dict[str, str] | None = None) -> str:
    """A capacity scenario's name in the words of ``lang`` (the standard scenarios; a saved one keeps its name)."""
    if name == "baseline":
        return t("hiring.scenario.baseline", lang)
    if name == "mentored ramp":
        return t("hiring.scenario.mentored", lang)
    if m := re.fullmatch(r"attrition ([+-]?\d+(?:\.\d+)?) pts", name):
        return t("hiring.scenario.attrition", lang, d=m[1])
    if m := re.fullmatch(r"target \+(\d+)%", name):
        return t("hiring.scenario.target", lang, p=f"{m[1]}%")
    if m := re.fullmatch(r"open (\S+)", name):
        return t("hiring.scenario.open", lang, region=(regions or {}).get(m[1], m[1]))
    return name


def watch_reason(reason: str, lang: str) -> str:
    """A watch-list reason (as the onboarding model words it, in English) in the words of ``lang``."""
    from analytics.core.i18n import code_label

    if m := re.fullmatch(r"(not )?hired through (\w+)", reason):
        channel = code_label("hire_source", m[2], lang)
        return t("hiring.watch.not_through" if m[1] else "hiring.watch.through", lang, channel=channel)
    if reason == "no mentor in the first month":
        return t("hiring.watch.no_mentor", lang)
    if reason == "mentored":
        return t("hiring.watch.mentored", lang)
    if m := re.fullmatch(r"onboarding plan at (\d+)% of the expected pace", reason):
        return t("hiring.watch.plan_pace", lang, p=f"{m[1]}%")
    if m := re.fullmatch(r"(visits|bookings) (\d+)% of the cohort norm", reason):
        return t("hiring.watch.visits" if m[1] == "visits" else "hiring.watch.bookings", lang, p=f"{m[2]}%")
    return reason


def onboarding_watch(db: Database, viewer: Viewer, as_of: dt.date, test_months: int = 6) -> dict[str, object]:
    """The probation watch list (person-level viewers) and the out-of-time validation against the baseline."""
    features = onboarding.load_features(db, viewer, as_of)
    try:
        validation = onboarding.validate(features, as_of, test_months)
    except ValueError as exc:
        validation = {"error": str(exc)}
    watch = onboarding.watch_list(features) if viewer.person_level else pl.DataFrame()
    if watch.height:
        watch = watch.join(db.sql("select employee_id, name from employees"), on="employee_id", how="left")
    return {"watch_list": watch, "validation": validation,
            "in_probation": int(features["in_probation"].sum()) if features.height else 0}


def capacity_plan(db: Database, viewer: Viewer, as_of: dt.date, scenarios: list[planning.Scenario] | None = None,
                  target: pl.DataFrame | None = None, growth: float = 0.1, horizon: int = 12) -> dict[str, object]:
    """Scenarios side by side. ``chart``: scenario, month, target, capacity, gap (summed over regions);
    ``monthly``/``schedule``/``summary`` from :func:`planning.compare`; ``inputs``: the measured parameters."""
    inputs = planning.measure(db, viewer, as_of)
    target = target if target is not None else planning.default_target(inputs, growth, horizon)
    scenarios = scenarios or planning.standard_scenarios(inputs, horizon)
    res = planning.compare(inputs, target, scenarios)
    chart = res["monthly"].group_by("scenario", "month", maintain_order=True).agg(
        pl.col("target").sum(), pl.col("capacity").sum(), pl.col("gap").sum(), pl.col("hires_start").sum(),
        pl.col("requisitions_to_open").sum()).sort("scenario", "month")
    return {**res, "chart": chart, "inputs": inputs.params, "ramp": inputs.ramp}


def capacity_plans(db: Database, viewer: Viewer, as_of: dt.date, saved: tuple[str, ...] = (), growth: float = 0.1,
                   horizon: int = 12) -> dict[str, object]:
    """The plan tab: the standard scenarios and the chosen saved ones (``saved``: their files' JSON text, from
    :func:`planning.scenario_json`), every one at ``horizon`` months, in one :func:`capacity_plan`."""
    inputs = planning.measure(db, viewer, as_of)
    scenarios = [replace(s, horizon=horizon) for s in planning.standard_scenarios(inputs, horizon)]
    scenarios += [replace(planning.scenario_from_json(text), horizon=horizon) for text in saved]
    return capacity_plan(db, viewer, as_of, scenarios, growth=growth, horizon=horizon)


def saved_scenarios(folder: Path | None = None) -> list[str]:
    return planning.list_scenarios(folder)


def revenue_at_risk(db: Database, viewer: Viewer, as_of: dt.date, months: int = 3, horizon: int = 6,
                    model: str | None = None) -> dict[str, object]:
    """Revenue at risk from the exits of the last ``months`` months and the people at high flight risk now
    (scored with the stored flight-risk model ``model``, by default the current data's)."""
    start = add_months(month_start(as_of), -(months - 1))
    return revenue_risk_report.revenue_at_risk(db, viewer, start, as_of, as_of, horizon, model=model)
