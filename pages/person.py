"""Growth archive (成长档案): one salesperson over time — results, ramp, skills, training, reviews, flight risk,
workload and engagement, and the development plan the director and HR keep together; a one-page PDF."""
from __future__ import annotations

import polars as pl
import streamlit as st

from analytics.charts import person as charts
from analytics.core.i18n import code_label, fmt_date, fmt_month, fmt_number
from analytics.core.registry import get_metric
from analytics.core.review_values import VETO_RATING_CAP
from analytics.people import development, risk_report, risk_store
from analytics.people import improvement_report as improvement
from ui import cached
from ui.context import context, get_database
from ui.person_plan import development_plan
from ui.plaintext import plain
from ui.widgets import chart

ctx = context()
lang = ctx.lang
st.title(ctx.t("person.title"))
if not ctx.viewer.person_level:
    st.warning(ctx.t("access.person_level_only"))
    st.stop()

people = cached.report(ctx, "person.directory", ctx.as_of)
if people.is_empty():
    st.info(ctx.t("person.nobody"))
    st.stop()
teams = cached.report(ctx, "attrition.group_names", "team", lang)
regions = cached.report(ctx, "attrition.group_names", "region", lang)
roles = cached.report(ctx, "attrition.group_names", "role", lang)


def unit_name(team: str | None, unit: str | None) -> str:
    return teams.get(team) or regions.get(unit) or ctx.t("person.no_unit")


ids = people["employee_id"].to_list()
labels = {row["employee_id"]: " · ".join([row["name"], unit_name(row["team_id"], row["org_unit_id"]),
                                          roles.get(row["role_id"], ctx.t("person.no_role"))])
          + (f" · {ctx.t('person.left_short')}" if row["termination_date"] is not None else "")
          for row in people.iter_rows(named=True)}
asked = st.query_params.get("person") or st.session_state.get("person_id")
try:
    asked = int(asked) if asked is not None else None
except ValueError:
    asked = None
if asked is not None and asked not in labels:  # someone who left long ago (from an old period's list), or out of scope
    old = cached.report(ctx, "person.archive", asked, ctx.as_of, ctx.fy_start, None)
    if old is None:
        st.warning(ctx.t("person.not_in_scope"))
        asked = None
    else:  # in the scope on their last day: listed for this look
        ids.append(asked)
        role = roles.get(old.card["role_id"], ctx.t("person.no_role"))
        labels[asked] = " · ".join([str(old.card["name"]), unit_name(old.card["team_id"], old.card["org_unit_id"]),
                                    role, ctx.t("person.left_short")])
picked = st.selectbox(ctx.t("person.pick"), ids, index=ids.index(asked) if asked in labels else None,
                      format_func=lambda e: labels.get(e, ""), placeholder=ctx.t("person.pick_placeholder"),
                      key=f"person_pick_{asked}")
if picked is None:
    st.caption(ctx.t("person.pick_hint"))
    st.stop()
if picked != asked:
    st.session_state["person_id"] = picked
    st.query_params["person"] = str(picked)

db = get_database(ctx.db_path)
model_state = risk_store.state(db, ctx.as_of)  # the model shown without waiting (fitted in the background)
arch = cached.report(ctx, "person.archive", picked, ctx.as_of, ctx.fy_start, model_state.ref)
if arch is None:
    st.warning(ctx.t("person.not_in_scope"))
    st.stop()
card = arch.card

# ── Who: placement, tenure, manager ──
st.subheader(str(card["name"]))
tenure_months = card["tenure_months"]
facts = [roles.get(card["role_id"], ctx.t("person.no_role")), ctx.t("person.level", level=card["job_level"]),
         unit_name(card["team_id"], card["org_unit_id"]),
         ctx.t("person.manager", name=card["manager_name"] or "—"),
         ctx.t("person.hired", date=fmt_date(card["hire_date"], lang),
               source=code_label("hire_source", card["hire_source"], lang) if card["hire_source"] else "—"),
         ctx.t("person.tenure", months=fmt_number(tenure_months, "months", lang)) if tenure_months < 24
         else ctx.t("person.tenure_years", years=fmt_number(tenure_months / 12, "decimal", lang))]
placement = " · ".join(facts)
st.caption(placement)
if arch.left:
    reason = code_label("exit_reason", card["exit_reason"], lang) if card["exit_reason"] else "—"
    st.info(ctx.t("person.left", date=fmt_date(card["termination_date"], lang), reason=reason))

# ── Timeline of assignments ──
with st.expander(ctx.t("person.timeline", n=arch.assignments.height), expanded=False):
    a = arch.assignments.sort("valid_from", descending=True)
    st.dataframe(pl.DataFrame({
        ctx.t("person.col.from"): [fmt_date(d, lang) for d in a["valid_from"].to_list()],
        ctx.t("person.col.to"): [fmt_date(d, lang) if d else ctx.t("person.now") for d in a["valid_to"].to_list()],
        ctx.t("person.col.change"): [ctx.t(f"person.change.{c}") for c in a["change"].to_list()],
        ctx.t("person.col.unit"): [regions.get(u) or teams.get(u) or u for u in a["org_unit_id"].to_list()],
        ctx.t("person.col.role"): [roles.get(r, r) for r in a["role_id"].to_list()],
        ctx.t("person.col.level"): [fmt_number(v, "count", lang) for v in a["job_level"].to_list()],
        ctx.t("person.col.manager"): a["manager_name"].fill_null("—").to_list(),
    }), hide_index=True, width="stretch")

# ── Results ──
left, right = st.columns(2)
with left:
    st.markdown(f"**{ctx.t('person.results')}**")
    if arch.attainment["attainment"].is_null().all():
        st.caption(ctx.t("person.no_quota"))
    else:
        chart(charts.attainment_vs_team(arch.attainment, lang, ctx.t("person.results_chart")), "person_results",
              name="person_attainment")
with right:
    st.markdown(f"**{ctx.t('person.ramp')}**")
    if arch.ramp.is_empty():
        st.caption(ctx.t("person.no_ramp"))
    else:
        chart(charts.ramp_vs_cohort(arch.ramp, lang, ctx.t("person.ramp_chart")), "person_ramp", name="person_ramp")

# ── Skills and reviews ──
left, right = st.columns(2)
with left:
    st.markdown(f"**{ctx.t('person.skills')}**")
    if arch.skills.is_empty() or arch.skills.select(pl.col("score", "year_ago").is_null().all()).row(0) == (True, True):
        st.caption(ctx.t("person.no_skills"))
    else:
        skill_names = cached.report(ctx, "attrition.group_names", "skill", lang)
        chart(charts.skills_then_now(arch.skills, skill_names, lang, ctx.t("person.skills_chart")), "person_skills",
              name="person_skills")
with right:
    st.markdown(f"**{ctx.t('person.reviews')}**")
    if arch.reviews.is_empty():
        st.caption(ctx.t("person.no_reviews"))
    else:
        shown = arch.reviews.sort("review_date", descending=True)
        st.dataframe(pl.DataFrame({
            ctx.t("person.col.quarter"): shown["quarter"].to_list(),
            ctx.t("person.col.rating"): [fmt_number(v, "count", lang) for v in shown["rating"].to_list()],
            ctx.t("person.col.potential"): [fmt_number(v, "count", lang) for v in shown["potential"].to_list()],
            ctx.t("person.col.box"): shown["box_zh" if lang == "zh" else "box_en"].fill_null("—").to_list(),
            get_metric("values_score").name(lang): [fmt_number(v, "score", lang) for v in shown["values_score"]],
            get_metric("collaboration_score").name(lang): [fmt_number(v, "score", lang)
                                                           for v in shown["collaboration"]],
            ctx.t("values.veto"): [ctx.t("values.veto_mark") if v else "" for v in shown["vetoed"]],
        }), hide_index=True, width="stretch")
        vetoes = shown.filter(pl.col("vetoed"))
        if vetoes.height:  # the veto's reason, and the rule it triggers
            st.caption(ctx.t("values.rule", cap=VETO_RATING_CAP))
            for quarter, reason in vetoes.select("quarter", "veto_reason").iter_rows():
                st.caption(f"{quarter} · {ctx.t('values.veto_reason')}: {plain(reason or '—')}")

# ── Training ──
st.markdown(f"**{ctx.t('person.training')}**")
if arch.training.is_empty():
    st.caption(ctx.t("person.no_training"))
else:
    courses = cached.report(ctx, "attrition.group_names", "course", lang)
    tr = arch.training
    st.dataframe(pl.DataFrame({
        ctx.t("person.col.course"): [courses.get(c, c) for c in tr["course_id"].to_list()],
        ctx.t("person.col.enrolled"): [fmt_date(d, lang) for d in tr["enrolled_date"].to_list()],
        ctx.t("person.col.completed"): [fmt_date(d, lang) if d else ctx.t("person.not_completed")
                                        for d in tr["completed_date"].to_list()],
        ctx.t("person.col.pre"): [fmt_number(v, "score", lang) for v in tr["pre_score"].to_list()],
        ctx.t("person.col.post"): [fmt_number(v, "score", lang) for v in tr["post_score"].to_list()],
        ctx.t("person.col.gain"): [fmt_number(v, "score", lang) for v in tr["gain"].to_list()],
    }), hide_index=True, width="stretch")
if arch.mentors.height:
    st.caption(ctx.t("person.mentors", names="、".join(arch.mentors["mentor"].drop_nulls().to_list()) if lang == "zh"
                     else ", ".join(arch.mentors["mentor"].drop_nulls().to_list())))

# ── Flight risk and workload ──
left, right = st.columns(2)
with left:
    st.markdown(f"**{ctx.t('person.risk')}**")
    if arch.left:
        st.caption(ctx.t("person.risk_left"))
    elif arch.risk.is_empty():
        st.caption(ctx.t("person.risk_none"))
    else:
        if model_state.fitting:
            st.caption(risk_report.refit_note(model_state, lang))
        chart(charts.risk_over_time(arch.risk, lang, ctx.t("person.risk_chart")), "person_risk", name="person_risk")
        last = arch.risk.row(-1, named=True)
        st.caption(ctx.t("person.risk_now", p=fmt_number(last["probability"], "probability", lang),
                         date=fmt_date(last["as_of"], lang)))
        for feature, value in zip(last["drivers"], last["driver_values"], strict=True):
            st.markdown(f"- {risk_report.describe_driver(feature, value, lang, roles)}")
with right:
    st.markdown(f"**{ctx.t('person.workload')}**")
    if arch.attendance.is_empty() and arch.engagement.is_empty():
        st.caption(ctx.t("person.no_workload"))
    else:
        chart(charts.workload(arch.attendance, arch.engagement.filter(
            pl.col("survey_date") >= arch.attendance["month"].min() if arch.attendance.height else pl.lit(True)),
            lang, ctx.t("person.workload_chart")), "person_workload", name="person_workload")
    for row in arch.measures.iter_rows(named=True):  # other HR measures (satisfaction, days late, …), the latest
        st.caption(ctx.t(f"person.measure.{row['measure']}", v=fmt_number(row["value"], "count", lang),
                         date=fmt_date(row["measured_on"], lang)))
    st.markdown(f"**{ctx.t('person.care_title')}**")
    signals = cached.report(ctx, "care.person_signals", arch.employee_id, ctx.as_of)
    if signals.is_empty():
        st.caption(ctx.t("person.care_none"))
    for row in signals.iter_rows(named=True):
        st.markdown(ctx.t("person.care_line", rule=ctx.t(f"care.rule.{row['rule_id']}"), n=row["months"],
                                 first=fmt_month(row["first"], lang), last=fmt_month(row["last"], lang),
                                 actions=row["actions"]))

# ── Improvement plans (opened from the coaching list; the outcome computed from the facts) ──
st.markdown(f"**{ctx.t('person.plans')}**")
plans = cached.report(ctx, "plans.outcomes", ctx.as_of, ctx.fy_start, plans_version=improvement.plans_version(db))
mine = plans.filter(pl.col("employee_id") == arch.employee_id).sort("opened_on", descending=True)
if mine.is_empty():
    st.caption(ctx.t("person.no_plans"))
else:
    sep = "、" if lang == "zh" else ", "
    st.dataframe(pl.DataFrame({
        ctx.t("plans.opened_on"): [fmt_date(d, lang) for d in mine["opened_on"].to_list()],
        ctx.t("plans.cause_col"): [ctx.t(f"plans.cause.{c}") for c in mine["cause"].to_list()],
        ctx.t("plans.actions"): [sep.join(ctx.t(f"plans.action.{a}") for a in acts) for acts in mine["actions"]],
        ctx.t("plans.review_date"): [fmt_date(d, lang) for d in mine["review_date"].to_list()],
        ctx.t("person.plan_outcome"): [ctx.t(f"plans.outcome.{o}") for o in mine["outcome"].to_list()],
    }), hide_index=True, width="stretch")

# ── Development plan and career aim (edited together) ──
development_plan(ctx, db, arch, roles, may_edit=development.may_edit(db, ctx.viewer, arch.employee_id, ctx.as_of))
