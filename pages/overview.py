"""Overview: headcount, trailing-12-month attrition, quota attainment, revenue per head."""
from __future__ import annotations

import streamlit as st

from analytics.charts import figures as charts
from analytics.core.i18n import fmt_delta, fmt_month, fmt_number
from analytics.core.registry import get_metric
from analytics.reviews.overview import display_table
from ui import cached
from ui.context import context

ctx = context()
st.title(ctx.t("overview.title"))
st.caption(ctx.t("overview.caption"))
if ctx.period.is_partial(ctx.as_of):
    st.info(ctx.t("period.partial_note", label=ctx.period.label, date=ctx.as_of.isoformat()))

kpis = cached.kpis(ctx)
columns = st.columns(len(kpis))
for column, kpi in zip(columns, kpis, strict=True):
    metric = get_metric(kpi.metric_id)
    delta = None if kpi.value is None or kpi.previous is None else kpi.value - kpi.previous
    period_text = (ctx.t("kpi.ttm_of", month=fmt_month(kpi.period.months[-1], ctx.lang))
                   if kpi.metric_id.endswith("_ttm") else kpi.period.label)
    denominator = metric.denominator(ctx.lang)
    help_text = (ctx.t("kpi.help", formula=metric.formula(ctx.lang), denominator=denominator, period=period_text)
                 if denominator else ctx.t("kpi.help_nodenom", formula=metric.formula(ctx.lang), period=period_text))
    column.metric(
        metric.name(ctx.lang),
        fmt_number(kpi.value, metric.unit, ctx.lang),
        delta=fmt_delta(delta, metric.unit, ctx.lang),
        delta_color="inverse" if metric.direction == "down" else "normal" if metric.direction == "up" else "off",
        delta_description=ctx.t("overview.vs_prev", label=kpi.previous_period.label),
        help=help_text,
        chart_data=charts.sparkline_values(kpi.trend),
        chart_type="line",
        border=True,
    )

st.subheader(ctx.t("overview.trend"))
st.caption(ctx.t("overview.trend_note"))
left, right = st.columns(2)
for i, kpi in enumerate(kpis):
    fig = charts.metric_trend(kpi.trend, get_metric(kpi.metric_id), ctx.lang)
    (left if i % 2 == 0 else right).plotly_chart(fig, width="stretch", theme=None, key=f"trend_{kpi.metric_id}")

st.subheader(ctx.t("overview.by_region"))
table = cached.by_region(ctx)
if table.is_empty():
    st.info(ctx.t("app.no_data"))
else:
    st.dataframe(display_table(table, ctx.lang, ctx.t("col.group")), hide_index=True, width="stretch")
missing = cached.unassigned_orders(ctx.db_path, ctx.data_version, ctx.period.start, ctx.period.end)
if missing["n_orders"] and ctx.viewer.org_units is None:
    st.caption(ctx.t("overview.excluded_orders", n=missing["n_orders"],
                     amount=fmt_number(missing["amount"], "currency", ctx.lang)))
