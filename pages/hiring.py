"""Hiring & capacity: recruiting funnel and channels, probation early warning, the headcount plan, revenue at risk,
and the success profile of a role (what goes with passing probation and attainment, the bias check, open applications
by fit)."""
from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from analytics.charts import figures as charts
from analytics.core.i18n import code_label, fmt_date, fmt_delta, fmt_number
from analytics.people import hiring_profile_report as profile_report
from analytics.people import hiring_report, planning, recruiting
from ui import cached
from ui.context import context
from ui.risk_model import model_ref
from ui.widgets import chart, formatted_table, table

ctx = context()
lang = ctx.lang
st.title(ctx.t("hiring.title"))
st.caption(ctx.t("hiring.caption"))
period = ctx.period.to_date(ctx.as_of)
tab_rec, tab_onb, tab_plan, tab_risk, tab_profile = st.tabs([
    ctx.t("hiring.recruiting"), ctx.t("hiring.onboarding"), ctx.t("hiring.planning"), ctx.t("hiring.revenue_risk"),
    ctx.t("profile.tab")])


def channel(frame: pl.DataFrame, col: str = "channel") -> pl.DataFrame:
    if col not in frame.columns:
        return frame
    return frame.with_columns(pl.col(col).map_elements(lambda c: code_label("hire_source", c, lang),
                                                       return_dtype=pl.Utf8))


with tab_rec:
    rec = cached.report(ctx, "hiring.recruiting_overview", period, None, ctx.as_of, min_base=ctx.min_base)
    ttf = rec["time_to_fill_total"].row(0, named=True) if rec["time_to_fill_total"].height else {}
    kp = rec["key_positions_total"].row(0, named=True) if rec["key_positions_total"].height else {}
    c = st.columns(3)
    c[0].metric(ctx.t("hiring.time_to_fill"), fmt_number(ttf.get("median_days"), "days", lang), border=True,
                help=ctx.t("hiring.time_to_fill_help"))
    c[1].metric(ctx.t("hiring.key_fill"), fmt_number(kp.get("fill_rate"), "ratio", lang), border=True,
                help=ctx.t("hiring.key_fill_help"))
    summary = rec["referrals"]["summary"]
    ref = summary.row(0, named=True) if isinstance(summary, pl.DataFrame) and summary.height else {}
    c[2].metric(ctx.t("hiring.referral_hires"), fmt_number(ref.get("referral_hires"), "count", lang), border=True,
                help=ctx.t("hiring.referral_help", paid=fmt_number(ref.get("bonus_amount_paid"), "currency", lang)))
    total = rec["funnel_total"]
    small = bool(total["small_base"].any())
    chart(charts.recruiting_funnel([ctx.t(f"hiring.stage.{s}") for s in total["stage"].to_list()],
                                   total["reached"].to_list(), lang, ctx.t("hiring.funnel"), small),
          "hiring_funnel", name="recruiting_funnel")
    if small:
        st.caption(ctx.t("figure.small_base_help", n=ctx.min_base))
    st.caption(ctx.t("hiring.funnel_note", period=ctx.period.label, days=recruiting.FUNNEL_SETTLE_DAYS,
                     date=fmt_date(ctx.as_of, lang), n=ctx.min_base))
    st.markdown(ctx.t("hiring.by_channel"))
    table(channel(rec["funnel"]), height=260)
    left, right = st.columns(2)
    with left:
        st.markdown(ctx.t("hiring.quality"))
        table(channel(rec["quality_by_channel"], "hire_source"))
    with right:
        st.markdown(ctx.t("hiring.open_reqs"))
        table(rec["open_requisitions"])
    st.markdown(ctx.t("hiring.time_by_channel"))
    table(channel(rec["time_to_hire"]))
    if ctx.viewer.person_level and rec["quality_by_recruiter"].height:
        st.markdown(ctx.t("hiring.by_recruiter"))
        table(rec["quality_by_recruiter"])
    excluded = {k: v for k, v in rec["excluded"].items() if v} if isinstance(rec["excluded"], dict) else {}
    if excluded:
        st.caption(ctx.t("hiring.excluded", rows=hiring_report.excluded_text(excluded, lang)))

with tab_onb:
    watch = cached.report(ctx, "hiring.onboarding_watch", ctx.as_of)
    val = watch.get("validation") or {}
    c = st.columns(3)
    c[0].metric(ctx.t("hiring.in_probation"), f"{watch.get('in_probation', 0):,}", border=True)
    if val.get("roc_auc_model") is not None:
        for column, score in ((c[1], "roc_auc"), (c[2], "pr_auc")):
            model, base = val[f"{score}_model"], val[f"{score}_baseline"]
            column.metric(ctx.t(f"risk.{score}"), fmt_number(model, "score", lang),
                          delta=fmt_delta(model - base, "score", lang), border=True,
                          delta_description=ctx.t("risk.vs_baseline", value=fmt_number(base, "score", lang)))
    st.caption(ctx.t("hiring.watch_note"))
    listed = watch.get("watch_list")
    if ctx.viewer.person_level and isinstance(listed, pl.DataFrame) and listed.is_empty():
        st.info(ctx.t("hiring.watch_empty"))
    elif ctx.viewer.person_level and isinstance(listed, pl.DataFrame):
        listed = channel(listed, "hire_source").with_columns(pl.col("reasons").map_elements(
            lambda rs: [hiring_report.watch_reason(r, lang) for r in rs], return_dtype=pl.List(pl.Utf8)))
        table(listed, key="hiring_watch")  # employee_id and name: a row opens the person's growth archive

with tab_plan:
    st.caption(ctx.t("hiring.plan_note"))
    growth = st.slider(ctx.t("hiring.growth"), -20, 50, 10, 5, format="%d%%", key="plan_growth") / 100
    horizon = st.select_slider(ctx.t("hiring.horizon"), [6, 12, 18, 24], value=12, key="plan_horizon")
    saved = hiring_report.saved_scenarios()
    extra = st.multiselect(ctx.t("hiring.saved"), saved, key="plan_saved")
    try:
        saved_texts = tuple(planning.scenario_json(name) for name in extra)
        plan = cached.report(ctx, "hiring.capacity_plans", ctx.as_of, saved_texts, growth=growth, horizon=horizon)
    except planning.PlanError as exc:
        st.error(str(exc))
        st.stop()
    regions = cached.report(ctx, "attrition.group_names", "region", lang)

    def named(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns(pl.col("scenario").map_elements(
            lambda n: hiring_report.scenario_label(n, lang, regions), return_dtype=pl.Utf8))

    fig = go.Figure()
    data = plan["chart"]
    for i, name in enumerate(dict.fromkeys(data["scenario"].to_list())):
        part = data.filter(pl.col("scenario") == name)
        fig.add_scatter(x=part["month"].to_list(), y=part["capacity"].to_list(), mode="lines",
                        name=hiring_report.scenario_label(name, lang, regions),
                        line=dict(color=charts.PALETTE[i % len(charts.PALETTE)], width=2.5))
    base = data.filter(pl.col("scenario") == data["scenario"][0])
    fig.add_scatter(x=base["month"].to_list(), y=base["target"].to_list(), name=ctx.t("hiring.target"),
                    mode="lines", line=dict(color="#1d2733", dash="dash"))
    fig.update_layout(template=charts.TEMPLATE, title=ctx.t("hiring.capacity_chart"), height=380,
                      yaxis=charts._axis_format("currency", lang, base["target"].to_list()))
    chart(fig, "plan_capacity", name="capacity_plan")
    st.caption(ctx.t("hiring.months_short_note"))
    table(named(plan["summary"]))
    st.markdown(ctx.t("hiring.schedule"))
    table(named(plan["schedule"]), height=300)
    with st.expander(ctx.t("hiring.new_scenario")):
        name = st.text_input(ctx.t("hiring.scenario_name"), key="scn_name")
        delta = st.number_input(ctx.t("hiring.attrition_delta"), -20.0, 20.0, 0.0, 1.0, key="scn_attr")
        ramp = st.selectbox(ctx.t("hiring.ramp"), ["measured", "mentored"], key="scn_ramp",
                            format_func=lambda r: code_label("ramp_basis", r, lang))
        factor = st.number_input(ctx.t("hiring.target_factor"), 0.0, 3.0, 1.0, 0.05, key="scn_factor")
        region = st.text_input(ctx.t("hiring.open_region"), key="scn_region")
        month = st.date_input(ctx.t("hiring.open_month"), value=dt.date(ctx.as_of.year + 1, 4, 1), key="scn_month")
        reps = st.number_input(ctx.t("hiring.open_reps"), 0, 200, 0, 1, key="scn_reps")
        if st.button(ctx.t("hiring.save_scenario"), key="scn_save") and name.strip():
            openings = [{"region_id": region, "month": f"{month:%Y-%m}", "reps": int(reps)}] if region and reps else []
            try:
                planning.save_scenario(planning.Scenario(name.strip(), horizon, factor, delta, ramp, openings=openings))
                st.success(ctx.t("admin.saved"))
            except planning.PlanError as exc:
                st.error(str(exc))

with tab_risk:
    risk = cached.report(ctx, "hiring.revenue_at_risk", ctx.as_of, model=model_ref(ctx))
    st.caption(ctx.t("hiring.risk_note", p=fmt_number(risk.get("threshold"), "ratio", lang)))
    table(risk["by_region"])
    if ctx.viewer.person_level and isinstance(risk.get("people"), pl.DataFrame):
        table(risk["people"], height=360, key="hiring_risk_people")  # a row opens the person's archive


def success_profile() -> None:
    """The success-profile tab: profile, validation, bias check, open applications by fit."""
    st.caption(ctx.t("profile.caption"))
    role_ids = cached.report(ctx, "hiring_profile.roles", ctx.as_of)
    if not role_ids:
        st.info(ctx.t("profile.no_roles", n=fmt_number(profile_report.hp.MIN_HIRES, "count", lang)))
        return
    role_names = cached.report(ctx, "attrition.group_names", "role", lang)
    role = st.selectbox(ctx.t("profile.role"), role_ids, key="profile_role",
                        format_func=lambda r: role_names.get(r, r))
    res = cached.report(ctx, "hiring_profile.success_profile", ctx.as_of, role)
    prof = res["profile"]
    if prof.is_empty():
        st.info(ctx.t("profile.no_data"))
        return
    st.subheader(ctx.t("profile.profile_title"))
    st.caption(ctx.t("profile.profile_note"))
    if not res["models"].get("attainment"):
        st.caption(ctx.t("profile.no_attainment"))
    rows = prof.to_dicts()
    formatted_table(pl.DataFrame({
        "outcome": [ctx.t(f"profile.outcome.{r['outcome']}") for r in rows],
        "trait": [profile_report.trait_label(r["trait"], r["level"], lang) for r in rows],
        "effect": [profile_report.effect_text(r, lang) for r in rows],
        "interval": [profile_report.interval_text(r, lang) for r in rows],
        "direction": [ctx.t(f"profile.direction.{r['direction']}") for r in rows],
        "with_trait": prof["with_trait"].to_list(),
        "words": [profile_report.effect_words(r, lang) for r in rows],
    }), {c: (ctx.t(f"profile.col.{c}"), "count" if c == "with_trait" else "text") for c in (
        "outcome", "trait", "effect", "interval", "direction", "with_trait", "words")}, lang)

    st.subheader(ctx.t("profile.validation_title"))
    val = res["validation"]
    for outcome in profile_report.hp.OUTCOMES:
        v = val.get(outcome) or {}
        (st.success if v.get("strength") == "useful" else st.warning)(profile_report.validation_text(outcome, v,
                                                                                                       lang))
    overall = val.get("overall") or {}
    if overall.get("picks_hires") is not None:
        st.caption(ctx.t("profile.overall", picks=fmt_number(overall.get("picks_pass_rate"), "ratio", lang),
                         others=fmt_number(overall.get("others_pass_rate"), "ratio", lang),
                         n_picks=fmt_number(overall.get("picks_hires"), "count", lang),
                         n_others=fmt_number(overall.get("others_hires"), "count", lang)))

    st.subheader(ctx.t("profile.bias_title"))
    st.caption(ctx.t("profile.bias_note", n=fmt_number(ctx.viewer.suppression_threshold, "count", lang)))
    bias = profile_report.bias_wide(res["bias"])
    if bias.is_empty():
        st.caption(ctx.t("profile.bias_empty"))
    else:
        bias = bias.with_columns(group=pl.struct("dimension", "group").map_elements(
            lambda r: ctx.t(f"profile.dimension.{r['dimension']}") + " · " + ctx.t(f"profile.group.{r['group']}"),
            return_dtype=pl.Utf8))
        formatted_table(bias, {"group": (ctx.t("profile.col.group"), "text"),
                               "picks_hires": (ctx.t("profile.col.picks_hires"), "count"),
                               "picks_pass_rate": (ctx.t("profile.col.picks_pass_rate"), "ratio"),
                               "others_hires": (ctx.t("profile.col.others_hires"), "count"),
                               "others_pass_rate": (ctx.t("profile.col.others_pass_rate"), "ratio")}, lang)

    st.subheader(ctx.t("profile.open_title"))
    st.caption(ctx.t("profile.open_note", date=fmt_date(ctx.as_of, lang)))
    listed = res["open"]
    if not res["open_count"]:
        st.caption(ctx.t("profile.open_empty"))
    elif not ctx.viewer.person_level:
        st.caption(ctx.t("profile.open_aggregate", n=fmt_number(res["open_count"], "count", lang)))
    else:
        units = cached.report(ctx, "attrition.group_names", "team", lang)
        listed = listed.with_columns(pl.col("channel").map_elements(lambda c: code_label("hire_source", c, lang),
                                                                    return_dtype=pl.Utf8),
                                     team=pl.col("org_unit_id").replace_strict(units, default="—"))
        formatted_table(listed, {"application_id": (ctx.t("profile.col.application_id"), "text"),
                                 "team": (ctx.t("dim.team"), "text"),
                                 "channel": (ctx.t("profile.col.channel"), "text"),
                                 "applied_date": (ctx.t("profile.col.applied_date"), "text"),
                                 "fit_score": (ctx.t("profile.col.fit_score"), "decimal"),
                                 "p_pass": (ctx.t("profile.col.p_pass"), "ratio"),
                                 "pred_attainment": (ctx.t("profile.col.pred_attainment"), "ratio")}, lang, height=360)


with tab_profile:
    success_profile()
