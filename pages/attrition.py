"""Attrition & retention: who leaves, when, from where and why (the HR head's page)."""
from __future__ import annotations

import polars as pl
import streamlit as st

from analytics.charts import figures as charts
from analytics.core.i18n import code_label, fmt_date, fmt_number
from analytics.core.registry import get_metric
from analytics.metrics.figure import basis_label
from analytics.people.attrition_report import BREAKDOWNS, CURVE_GROUPS, HEADLINE_ROWS
from ui import cached
from ui.context import context
from ui.people import people_table
from ui.plaintext import plain
from ui.widgets import chart, exclusion_note, figure_cards, formatted

ctx = context()
lang = ctx.lang
drill = st.session_state.get("attr_drill")
within = tuple(drill) if drill and st.session_state.get("attr_by", BREAKDOWNS[0]) in {"region", "team"} else None
drill_name = cached.report(ctx, "attrition.group_names", "region", lang).get(within[1], within[1]) if within else None
st.title(ctx.t("attrition.title") + (f" · {plain(drill_name)}" if drill_name else ""))
st.caption(ctx.t("attrition.caption"))
if ctx.period.is_partial(ctx.as_of):
    st.info(ctx.t("period.partial_note", label=ctx.period.label, date=ctx.as_of.isoformat()))

# ── KPI cards ──
head = cached.report(ctx, "attrition.headline", ctx.period, ctx.as_of, ctx.fy_start)
for row, metric_ids in HEADLINE_ROWS.items():
    caption = ctx.t(f"attrition.row_{row}", basis=basis_label("period", ctx.period.grain, lang))
    figure_cards(ctx, [head[m] for m in metric_ids], caption=caption)
exclusion_note(ctx, ["employees_termination_before_hire", "employees_unknown_exit_type"])

# ── Trend with benchmark ──
st.subheader(ctx.t("attrition.trend"))
left, right = st.columns([1, 3])
sales_only = left.toggle(ctx.t("attrition.sales_only"), value=True, key="attr_sales_only")
benchmark = left.number_input(ctx.t("attrition.benchmark"), min_value=0.0, max_value=100.0, value=35.0, step=1.0,
                              key="attr_benchmark") / 100
series = cached.report(ctx, "attrition.trend", ctx.period.to_date(ctx.as_of), 24, sales_only, ctx.as_of)
chart(charts.metric_trend(series, get_metric("attrition_rate_ttm"), lang, benchmark=benchmark), "attr_trend", right,
      name="attrition_trend")

# ── Breakdown with drill-down region → team → people ──
st.subheader(ctx.t("attrition.breakdown"))
by = st.selectbox(ctx.t("attrition.by"), BREAKDOWNS, format_func=lambda d: ctx.t(f"dim.{d}"), key="attr_by",
                  index=0)
if by == "manager" and not ctx.viewer.person_level:
    st.warning(ctx.t("access.person_level_only"))
else:
    shown_by = "team" if within and within[0] == "region" else by
    table = cached.report(ctx, "attrition.breakdown", ctx.period, ctx.as_of, shown_by, lang, within)
    if within:
        names = cached.report(ctx, "attrition.group_names", "region", lang)
        st.caption(ctx.t("attrition.drilled", name=plain(names.get(within[1], within[1]))))
        if st.button(ctx.t("attrition.drill_up"), key="attr_drill_up"):
            st.session_state.pop("attr_drill", None)
            st.rerun()
    ranked, apart = table.filter(pl.col("ranked")), table.filter(~pl.col("ranked"))
    basis = basis_label("period", ctx.period.grain, lang)
    fig = charts.rate_bars(ranked, lang, f"{get_metric('attrition_rate').name(lang)} · {basis}",
                           ctx.t("figure.small_base"))
    fig.update_traces(customdata=ranked[shown_by].cast(pl.Utf8).to_list())
    event = chart(fig, f"attr_bars_{shown_by}", name=f"attrition_by_{shown_by}", drill=drill_name, on_select="rerun",
                  selection_mode="points")
    points = (event or {}).get("selection", {}).get("points", []) if shown_by == "region" else []
    if points and points[0].get("customdata"):
        st.session_state["attr_drill"] = ["region", points[0]["customdata"]]
        st.rerun()
    if shown_by in {"region", "team"}:
        st.caption(ctx.t("attrition.click_to_drill"))
    for row in apart.iter_rows(named=True):  # head office: shown, not ranked against the regions
        st.caption(ctx.t("attrition.not_ranked", name=plain(row["label"]),
                         value=fmt_number(row["value"], "ratio", lang), exits=fmt_number(row["exits"], "count", lang),
                         heads=fmt_number(row["headcount_avg"], "count", lang)))
    st.dataframe(table.select(
        pl.col("label").alias(ctx.t("col.group")),
        pl.col("value").map_elements(lambda v: fmt_number(v, "ratio", lang), return_dtype=pl.Utf8)
        .alias(f"{get_metric('attrition_rate').name(lang)} ({basis})"),
        pl.col("voluntary_rate").map_elements(lambda v: fmt_number(v, "ratio", lang), return_dtype=pl.Utf8)
        .alias(f"{get_metric('attrition_voluntary').name(lang)} ({basis})"),
        pl.col("exits").map_elements(lambda v: fmt_number(v, "count", lang), return_dtype=pl.Utf8)
        .fill_null("—").alias(get_metric("exits").name(lang)),
        pl.col("headcount_avg").map_elements(lambda v: fmt_number(v, "count", lang), return_dtype=pl.Utf8)
        .fill_null("—").alias(get_metric("headcount_avg").name(lang)),
    ).with_columns(pl.all().fill_null("—")), hide_index=True, width="stretch")

# ── Cohorts and retention ──
st.subheader(ctx.t("attrition.cohorts"))
grid = cached.report(ctx, "attrition.cohort_heatmap", ctx.as_of)
chart(charts.cohort_heatmap(grid, lang, ctx.t("attrition.cohort_title")), "attr_heatmap", name="hire_cohorts")

st.subheader(ctx.t("attrition.retention"))
c1, c2 = st.columns(2)
curve_by = c1.selectbox(ctx.t("attrition.curve_by"), CURVE_GROUPS, format_func=lambda d: ctx.t(f"dim.{d}"),
                        key="attr_curve_by")
event_kind = c2.radio(ctx.t("attrition.event"), ["any", "voluntary"], format_func=lambda e: ctx.t(f"attrition.{e}"),
                      horizontal=True, key="attr_event")
curves, summary = cached.report(ctx, "attrition.retention", ctx.as_of, curve_by, event_kind, period=ctx.period)
names = cached.report(ctx, "attrition.group_names", curve_by, lang)
chart(charts.retention_curves(curves, lang, ctx.t("attrition.curve_title"), names), "attr_curves",
      name=f"retention_by_{curve_by}")
st.dataframe(summary.select(  # a masked group (fewer people than the threshold) shows — in every cell
    pl.col("group").replace_strict(names, default=pl.col("group")).alias(ctx.t("col.group")),
    pl.col("n").cast(pl.Utf8).fill_null("—").alias(ctx.t("attrition.people")),
    pl.col("exits").cast(pl.Utf8).fill_null("—").alias(get_metric("exits").name(lang)),
    pl.when(pl.col("masked")).then(pl.lit("—")).otherwise(
        pl.col("median_months").map_elements(lambda v: f"{v:.1f}", return_dtype=pl.Utf8)
        .fill_null(ctx.t("attrition.not_reached")))
    .alias(get_metric("median_tenure").name(lang) + ctx.t("attrition.in_months")),
), hide_index=True, width="stretch")
st.caption(ctx.t("attrition.km_note"))

# ── Probation ──
st.subheader(ctx.t("attrition.probation"))
panel = cached.report(ctx, "attrition.probation_panel", ctx.period, ctx.as_of)
st.dataframe(panel.select(
    pl.col("hire_source").map_elements(lambda c: code_label("hire_source", c, lang), return_dtype=pl.Utf8)
    .alias(ctx.t("dim.hire_source")),
    pl.col("mentored").replace_strict({True: ctx.t("attrition.mentored"), False: ctx.t("attrition.not_mentored")},
                                      return_dtype=pl.Utf8).alias(ctx.t("dim.mentored")),
    pl.col("n_complete").alias(ctx.t("attrition.completed_probation")),
    pl.col("n_left_within").alias(ctx.t("attrition.left_in_probation")),
    pl.col("rate").map_elements(lambda v: fmt_number(v, "ratio", lang), return_dtype=pl.Utf8)
    .alias(get_metric("probation_exit_rate").name(lang)),
    pl.col("n_incomplete").alias(ctx.t("attrition.still_in_probation")),
).with_columns(pl.all().cast(pl.Utf8).fill_null("—")), hide_index=True, width="stretch")

# ── Exit reasons ──
st.subheader(ctx.t("attrition.reasons"))
reasons = cached.report(ctx, "attrition.exit_reasons", ctx.period, ctx.as_of)
if reasons.is_empty():
    st.info(ctx.t("app.no_data"))
elif reasons["masked"].all():
    st.info(ctx.t("col.masked"))
else:
    labelled = reasons.filter(~pl.col("masked")).with_columns(  # masked reasons: no bar, no category
        reason=pl.col("exit_reason").map_elements(lambda c: code_label("exit_reason", c, lang), return_dtype=pl.Utf8))
    type_names = {k: code_label("exit_type", k, lang) for k in ("voluntary", "involuntary", "other")}
    chart(charts.stacked_bars(labelled, "reason", "exits", "exit_type", lang, ctx.t("attrition.reasons"),
                              names=type_names), "attr_reasons", name="exit_reasons")

# ── People who left (person-level viewers only) ──
if ctx.viewer.person_level:
    with st.expander(ctx.t("attrition.leavers")):
        leavers = cached.report(ctx, "attrition.exits_list", ctx.period, ctx.as_of)
        if not leavers.is_empty():
            leavers = leavers.with_columns(
                unit=pl.col("unit_zh" if lang == "zh" else "unit_en"),
                type=pl.col("exit_type").map_elements(lambda c: code_label("exit_type", c, lang), return_dtype=pl.Utf8),
                reason=pl.col("exit_reason").map_elements(lambda c: code_label("exit_reason", c, lang),
                                                          return_dtype=pl.Utf8),
                channel=pl.col("hire_source").map_elements(lambda c: code_label("hire_source", c, lang),
                                                           return_dtype=pl.Utf8),
                months=(pl.col("tenure_days") / 30.4375).round(1),
                day=pl.col("termination_date").map_elements(lambda d: fmt_date(d, lang), return_dtype=pl.Utf8))
            people_table(formatted(leavers, {
                "name": (ctx.t("risk.name"), "text"), "unit": (ctx.t("dim.team"), "text"),
                "day": (ctx.t("attrition.last_day"), "text"), "months": (ctx.t("risk.tenure_months"), "count"),
                "type": (ctx.t("attrition.exit_type"), "text"), "reason": (ctx.t("attrition.reasons"), "text"),
                "channel": (ctx.t("dim.hire_source"), "text"), "manager": (ctx.t("dim.manager"), "text"),
            }, lang), leavers["employee_id"], "attr_leavers", person_level=True, hint=ctx.t("person.open_hint"))
