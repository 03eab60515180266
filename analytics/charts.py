"""Figure builders: data in, ``plotly.graph_objects.Figure`` out, one builder per chart.

Pages and exports call the same builders, so an exported chart is the chart on screen. The
shared template uses fonts that carry Chinese (Noto Sans CJK SC from Debian's fonts-noto-cjk).
"""
from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl

from analytics.i18n import fmt_month, fmt_number, t
from analytics.metrics import Metric

FONT = "Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, Arial, sans-serif"
PALETTE = ["#1f5f8b", "#e07a1f", "#3a9d5d", "#c0392b", "#7d5ba6", "#8c6d31", "#17becf", "#7f7f7f"]
PARTIAL_COLOUR = "#b0b7bf"

TEMPLATE = go.layout.Template(
    layout=go.Layout(
        font=dict(family=FONT, size=13, color="#1d2733"),
        colorway=PALETTE,
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin=dict(l=56, r=24, t=56, b=48),
        xaxis=dict(showgrid=False, linecolor="#c9d1d9", ticks="outside"),
        yaxis=dict(gridcolor="#e8edf2", zerolinecolor="#c9d1d9"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        title=dict(x=0, xanchor="left", font=dict(size=16)),
        hoverlabel=dict(font=dict(family=FONT)),
    )
)
pio.templates["tandem"] = TEMPLATE


def _axis_format(unit: str) -> dict:
    return {"tickformat": ".0%"} if unit in {"ratio", "probability"} else {"tickformat": "~s"}


def metric_trend(frame: pl.DataFrame, metric: Metric, lang: str = "en", benchmark: float | None = None,
                 title: str | None = None) -> go.Figure:
    """Monthly line of one metric (columns ``month``, ``value``, ``partial``); partial months greyed.

    ``benchmark`` draws a dashed reference line (same unit as the metric).
    """
    months = frame["month"].to_list()
    values = frame["value"].to_list()
    partial = frame["partial"].to_list() if "partial" in frame.columns else [False] * len(months)
    hover = [f"{fmt_month(m, lang)}: {fmt_number(v, metric.unit, lang)}" + (
        f" ({t('footer.partial', lang)})" if p else "") for m, v, p in zip(months, values, partial, strict=True)]
    fig = go.Figure()
    fig.add_scatter(x=months, y=values, mode="lines+markers", name=metric.name(lang), hovertext=hover,
                    hoverinfo="text", line=dict(width=2.5, color=PALETTE[0]),
                    marker=dict(size=7, color=[PARTIAL_COLOUR if p else PALETTE[0] for p in partial]))
    if benchmark is not None:
        fig.add_hline(y=benchmark, line_dash="dash", line_color=PALETTE[1],
                      annotation_text=t("chart.benchmark", lang), annotation_position="top left")
    fig.update_layout(template=TEMPLATE, title=title or metric.name(lang), height=300, showlegend=False,
                      yaxis=_axis_format(metric.unit), xaxis=dict(title=None, tickformat="%Y-%m"))
    return fig


def group_bars(frame: pl.DataFrame, metric: Metric, lang: str = "en", title: str | None = None) -> go.Figure:
    """Horizontal bars of one metric by group (columns ``label``, ``value``, ``masked``)."""
    data = frame.filter(pl.col("value").is_not_null()).sort("value")
    fig = go.Figure()
    fig.add_bar(x=data["value"].to_list(), y=data["label"].to_list(), orientation="h", marker_color=PALETTE[0],
                text=[fmt_number(v, metric.unit, lang) for v in data["value"].to_list()], textposition="auto",
                hovertemplate="%{y}: %{text}<extra></extra>")
    fig.update_layout(template=TEMPLATE, title=title or metric.name(lang),
                      height=max(240, 36 * data.height + 90), xaxis=_axis_format(metric.unit),
                      yaxis=dict(title=None))
    return fig


def sparkline_values(frame: pl.DataFrame) -> list[float]:
    """Values for ``st.metric(chart_data=...)``: nulls dropped, in month order."""
    return [float(v) for v in frame.sort("month")["value"].to_list() if v is not None]
