"""Quota & performance: who hits quota, how fast new people ramp, and the team's productivity."""
from __future__ import annotations

from dataclasses import replace

import polars as pl
import streamlit as st

from analytics.charts import figures as charts
from analytics.core.i18n import fmt_number
from analytics.core.registry import get_metric
from analytics.metrics.figure import basis_label
from analytics.sales.leads import owners_text
from analytics.sales.leads_report import BREAKDOWNS as LEAD_BREAKDOWNS
from analytics.sales.quota_report import HEADLINE, RAMP_SPLITS
from ui import cached
from ui.context import _org_tree, context
from ui.people import open_person, people_table
from ui.widgets import chart, exclusion_note, figure_cards, formatted, formatted_table

ctx = context()
lang = ctx.lang
names = cached.report(ctx, "attrition.group_names", "region", lang)
drill_name = " › ".join(names.get(p, p) for p in st.session_state.get("quota_path", [])) or None
st.title(ctx.t("quota.title") + (f" · {drill_name}" if drill_name else ""))
st.caption(ctx.t("quota.caption"))
if ctx.period.is_partial(ctx.as_of):
    st.info(ctx.t("period.partial_note", label=ctx.period.label, date=ctx.as_of.isoformat()))

head = cached.report(ctx, "quota.headline", ctx.period, ctx.as_of, ctx.fy_start)
basis = basis_label("period", ctx.period.grain, ctx.lang)
figure_cards(ctx, [head[m] for m in HEADLINE], caption=ctx.t("quota.row_period", basis=basis))
exclusion_note(ctx, ["reps_with_orders_but_no_quota", "quota_zero_rows", "orders_without_rep",
                     "orders_negative_amount"])

# ── Attainment trend and distribution ──
left, right = st.columns([3, 2])
trend = cached.report(ctx, "quota.monthly_attainment", ctx.period.to_date(ctx.as_of), ctx.as_of)
chart(charts.attainment_trend(trend, lang, ctx.t("quota.trend")), "quota_trend", left)
bands = cached.report(ctx, "quota.distribution", ctx.period, ctx.as_of)
chart(charts.labelled_bars(bands["band"].to_list(), bands["reps"].to_list(), lang, ctx.t("quota.distribution"),
                           "count", sort=False), "quota_bands", right)

# ── Drill-down region → team → rep ──
st.subheader(ctx.t("quota.drill"))
path = st.session_state.setdefault("quota_path", [])
level = ("region", "team", "rep")[min(len(path), 2)]
crumbs = st.columns([1, 5])
if path and crumbs[0].button(ctx.t("quota.up"), key="quota_up"):
    path.pop()
    st.rerun()
crumbs[1].caption(" › ".join([ctx.t("sidebar.all"), *[names.get(p, p) for p in path]]))
if level == "rep" and not ctx.viewer.person_level:
    st.warning(ctx.t("access.person_level_only"))
else:
    # the drilled unit narrows the sidebar scope through the org tree: a team inside a director's region, the
    # sidebar's team inside the drilled region (without the tree both read as outside the scope: no rows)
    tree = {u["org_unit_id"]: u["parent_id"] for u in _org_tree(ctx.db_path, ctx.data_version)}
    drilled = replace(ctx, viewer=ctx.viewer.narrowed(path[-1], tree)) if path else ctx
    table = cached.report(drilled, "quota.breakdown", ctx.period, ctx.as_of, level, lang, None)
    fig = charts.labelled_bars(table["label"].to_list(), table["attainment"].fill_null(0).to_list(), lang,
                               get_metric("attainment").name(lang), "ratio")
    fig.update_traces(customdata=table[level].cast(pl.Utf8).to_list())
    event = chart(fig, f"quota_bars_{level}_{'-'.join(path)}", name=f"attainment_by_{level}", drill=drill_name,
                  on_select="rerun", selection_mode="points")
    points = (event or {}).get("selection", {}).get("points", [])
    if points and level != "rep" and points[0].get("customdata"):
        path.append(points[0]["customdata"])
        st.rerun()
    if points and level == "rep" and str(points[0].get("customdata") or "").isdigit():  # a rep's bar: their archive
        open_person(int(points[0]["customdata"]))
    if level != "rep":
        st.caption(ctx.t("quota.click"))
    shown = formatted(table, {
        "label": (ctx.t("col.group"), "text"), "attainment": (get_metric("attainment").name(lang), "ratio"),
        "bookings": (get_metric("bookings").name(lang), "currency"), "quota": (get_metric("quota").name(lang),
                                                                               "currency"),
        "reps_at_quota": (get_metric("reps_at_quota").name(lang), "ratio"),
        "collection_rate": (get_metric("collection_rate").name(lang), "ratio"),
    }, lang)
    if level == "rep":  # the drilled team's reps (person-level viewers only): a row opens the rep's growth archive
        people_table(shown, table["rep"].cast(pl.Int64, strict=False), "quota_drill_reps",
                     person_level=ctx.viewer.person_level, hint=ctx.t("person.open_hint"))
    else:
        st.dataframe(shown, hide_index=True, width="stretch")

# ── Each team's attainment over the last quarters: who misses again and again ──
st.subheader(ctx.t("quota.team_quarters"))
by_quarter = cached.report(ctx, "quota.team_quarters", ctx.as_of, lang, ctx.fy_start)
quarter_columns = by_quarter.columns[2:-1]
st.caption(ctx.t("quota.team_quarters_caption", n=len(quarter_columns)))
formatted_table(by_quarter, {"label": (ctx.t("dim.team"), "text"), **{q: (q, "ratio") for q in quarter_columns},
                             "under": (ctx.t("quota.quarters_under"), "count")}, lang, key="quota_team_quarters")

# ── Leads: conversion owned by sales and marketing together ──
st.subheader(ctx.t("lead.title"))
st.caption(ctx.t("lead.caption", owners=owners_text(lang)))
lead_fig = cached.report(ctx, "quota.leads_headline", ctx.period, ctx.as_of, ctx.fy_start)
if not lead_fig.masked and not lead_fig.denominator:  # a masked figure still has its card, as "—"
    st.info(ctx.t("lead.none"))
else:
    figure_cards(ctx, [lead_fig], per_row=3)
    if lead_fig.maturing:
        st.caption(ctx.t("lead.maturing_note"))
    lead_columns = st.columns(3)
    for column, by in zip(lead_columns, LEAD_BREAKDOWNS, strict=True):
        rows = cached.report(ctx, "quota.leads_breakdown", ctx.period, ctx.as_of, by, lang)
        bars = rows.select("label", "small_base", value="conversion", exits="converted", headcount_avg="leads")
        chart(charts.rate_bars(bars, lang, ctx.t(f"lead.by_{by}"), ctx.t("lead.small_base")), f"quota_leads_{by}",
              column, name=f"lead_conversion_by_{by}")
        column.dataframe(formatted(rows, {
            "label": (ctx.t("col.group"), "text"), "conversion": (get_metric("lead_conversion").name(lang), "ratio"),
            "converted": (ctx.t("lead.converted"), "count"), "leads": (ctx.t("lead.leads"), "count")}, lang),
            hide_index=True, width="stretch")

# ── Ramp ──
st.subheader(ctx.t("quota.ramp"))
split = st.radio(ctx.t("quota.ramp_by"), RAMP_SPLITS, format_func=lambda s: ctx.t(f"quota.ramp.{s}"),
                 horizontal=True, key="quota_ramp_split")
ramp = cached.report(ctx, "quota.ramp", ctx.as_of, split)
labels = {"true": ctx.t("attrition.mentored"), "false": ctx.t("attrition.not_mentored"),
          **cached.report(ctx, "attrition.group_names", "role", lang)}
chart(charts.ramp_curves(ramp, lang, ctx.t("quota.ramp_title"), labels), "quota_ramp")
summary = ramp.unique("cohort").sort("cohort")
st.dataframe(pl.DataFrame({
    ctx.t("col.group"): [labels.get(c, c) for c in summary["cohort"].to_list()],
    ctx.t("quota.reps"): [fmt_number(v, "count", lang) for v in summary["reps"].to_list()],  # masked: —
    ctx.t("quota.productive"): [fmt_number(v, "count", lang) for v in summary["productive"].to_list()],
    get_metric("time_to_productivity").name(lang) + ctx.t("attrition.in_months"):
        [fmt_number(v, "count", lang) for v in summary["median_months"].to_list()],
}), hide_index=True, width="stretch")

# ── Leaderboard within scope ──
if ctx.viewer.person_level:
    st.subheader(ctx.t("quota.leaderboard"))
    board = cached.report(ctx, "quota.leaderboard", ctx.period, ctx.as_of, lang)
    formatted_table(board, {
        "rank": ("#", "count"), "name": (ctx.t("risk.name"), "text"), "team": (ctx.t("dim.team"), "text"),
        "attainment": (get_metric("attainment").name(lang), "ratio"),
        "att_bookings": (get_metric("bookings").name(lang), "currency"),
        "quota": (get_metric("quota").name(lang), "currency"),
        "ka_share": (get_metric("ka_share").name(lang), "ratio"),
        "new_customer_share": (ctx.t("quota.new_share"), "ratio"),
        "collection_rate": (get_metric("collection_rate").name(lang), "ratio"),
    }, lang, height=420, person_level=ctx.viewer.person_level, key="quota_leaderboard")
