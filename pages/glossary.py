"""Glossary: every metric of the registry, one definition, in both languages — the built-in ones, then the
company's own (metrics/*.toml), marked as such."""
from __future__ import annotations

import polars as pl
import streamlit as st

from analytics.core.i18n import code_label
from analytics.core.registry import REGISTRY, all_metrics
from ui.context import context

ctx = context()
st.title(ctx.t("glossary.title"))
st.caption(ctx.t("glossary.caption"))
metrics = all_metrics()
domains = sorted({m.domain for m in metrics.values()}, key=["hr", "sales", "talent", "commission"].index)
left, right = st.columns([2, 1])
query = left.text_input(ctx.t("glossary.search"), key="glossary_search").strip().lower()
chosen = right.multiselect(ctx.t("glossary.domain"), domains, default=domains,
                           format_func=lambda d: ctx.t(f"domain.{d}"), key="glossary_domains")
other = "en" if ctx.lang == "zh" else "zh"
rows = [
    {
        ctx.t("col.id"): m.id,
        ctx.t("col.metric"): m.name(ctx.lang),
        "EN" if other == "en" else "中文": m.name(other),
        ctx.t("col.definition"): m.formula(ctx.lang),
        ctx.t("col.denominator"): m.denominator(ctx.lang) or "",
        ctx.t("col.unit"): code_label("metric_unit", m.unit, ctx.lang),
        ctx.t("col.domain"): ctx.t(f"domain.{m.domain}"),
        ctx.t("glossary.origin"): ctx.t("glossary.builtin" if m.id in REGISTRY else "glossary.own"),
    }
    for m in metrics.values()
    if m.domain in chosen and (not query or any(query in s.lower() for s in (
        m.id, m.name_en, m.name_zh, m.formula_en, m.formula_zh)))
]
st.markdown(ctx.t("glossary.count", n=len(rows)))
st.dataframe(pl.DataFrame(rows) if rows else pl.DataFrame(), hide_index=True, width="stretch",
             column_config={ctx.t("col.definition"): st.column_config.TextColumn(width="large")})
