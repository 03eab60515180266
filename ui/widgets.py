"""Small shared widgets: KPI card rows, formatted tables, chart rendering with the shared template."""
from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from analytics.i18n import fmt_delta, fmt_number
from analytics.metrics import get_metric
from ui.context import Context


def kpi_cards(ctx: Context, head: dict[str, dict], metric_ids: Sequence[str], per_row: int = 4,
              suffix: dict[str, str] | None = None) -> None:
    """One bordered card per metric: value, change against the comparable previous stretch, formula on hover."""
    for start in range(0, len(metric_ids), per_row):
        row = metric_ids[start:start + per_row]
        for column, metric_id in zip(st.columns(per_row), row, strict=False):
            metric, kpi = get_metric(metric_id), head[metric_id]
            delta = None if kpi["value"] is None or kpi["previous"] is None else kpi["value"] - kpi["previous"]
            denominator = metric.denominator(ctx.lang)
            help_text = metric.formula(ctx.lang) + (
                f"\n\n{ctx.t('col.denominator')}: {denominator}" if denominator else "")
            column.metric(
                metric.name(ctx.lang) + (suffix or {}).get(metric_id, ""),
                fmt_number(kpi["value"], metric.unit, ctx.lang),
                delta=fmt_delta(delta, metric.unit, ctx.lang),
                delta_color="inverse" if metric.direction == "down" else "normal" if metric.direction == "up"
                else "off",
                delta_description=ctx.t("overview.vs_prev", label=kpi["previous_label"]),
                help=help_text, border=True)


def chart(fig: go.Figure, key: str, container=st, **kwargs) -> object:
    """Render a figure from the shared builders exactly as exported (our template, full width)."""
    return container.plotly_chart(fig, width="stretch", theme=None, key=key, **kwargs)


def formatted(frame: pl.DataFrame, columns: dict[str, tuple[str, str]], lang: str) -> pl.DataFrame:
    """A display table: ``columns`` maps source column → (header, unit) with values formatted per language."""
    return pl.DataFrame({
        header: [fmt_number(v, unit, lang) if unit != "text" else v for v in frame[col].to_list()]
        for col, (header, unit) in columns.items() if col in frame.columns
    })


def exclusion_note(ctx: Context, rules: Sequence[str]) -> None:
    """One caption naming what the metrics on this page left out, and why (only rules with rows)."""
    from ui.cached import exclusions

    counts = exclusions(ctx)
    parts = [ctx.t(f"exclusion.{r}", n=f"{counts[r]:,}") for r in rules if counts.get(r)]
    if parts:
        st.caption(ctx.t("exclusion.lead") + " " + "; ".join(parts) + ".")
