"""Overview: headcount, trailing-12-month attrition, quota attainment, revenue per head."""
from __future__ import annotations

import streamlit as st

from analytics.charts import figures as charts
from analytics.core.i18n import fmt_number
from analytics.core.registry import get_metric
from analytics.reviews.overview import display_table
from ui import cached
from ui.context import context
from ui.widgets import chart, figure_cards

ctx = context()
st.title(ctx.t("overview.title"))
st.caption(ctx.t("overview.caption"))
if ctx.period.is_partial(ctx.as_of):
    st.info(ctx.t("period.partial_note", label=ctx.period.label, date=ctx.as_of.isoformat()))

kpis = cached.kpis(ctx)
figure_cards(ctx, [k.figure for k in kpis], per_row=len(kpis),
             sparklines={k.figure.metric_id: charts.sparkline_values(k.trend) for k in kpis})

st.subheader(ctx.t("overview.trend"))
st.caption(ctx.t("overview.trend_note"))
left, right = st.columns(2)
for i, kpi in enumerate(kpis):
    fig = charts.metric_trend(kpi.trend, get_metric(kpi.figure.metric_id), ctx.lang)
    chart(fig, f"trend_{kpi.figure.metric_id}", left if i % 2 == 0 else right, name=f"trend_{kpi.figure.metric_id}")

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
