"""Hiring & capacity: recruiting funnel and channels, probation early warning, the headcount plan, revenue at risk."""
from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from analytics.charts import figures as charts
from analytics.core.i18n import code_label, fmt_date, fmt_delta, fmt_number
from analytics.people import hiring_report, planning, recruiting
from ui import cached
from ui.context import context
from ui.risk_model import model_ref
from ui.widgets import chart, table

ctx = context()
lang = ctx.lang
st.title(ctx.t("hiring.title"))
st.caption(ctx.t("hiring.caption"))
period = ctx.period.to_date(ctx.as_of)
tab_rec, tab_onb, tab_plan, tab_risk = st.tabs([ctx.t("hiring.recruiting"), ctx.t("hiring.onboarding"),
                                                ctx.t("hiring.planning"), ctx.t("hiring.revenue_risk")])


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
