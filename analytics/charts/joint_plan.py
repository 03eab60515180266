"""Figures of the Joint plan page (the builders of ``figures.py`` for the rest): expected leavers with intervals."""
from __future__ import annotations

import plotly.graph_objects as go

from analytics.charts.figures import PALETTE, TEMPLATE, _axis_format
from analytics.core.i18n import fmt_number


def leavers_with_interval(labels: list[str], values: list[float], intervals: list[tuple[float, float]],
                          lang: str = "en", title: str = "") -> go.Figure:
    """Bars of expected leavers (people) per column, each with its 95% interval as an error bar; the interval is
    spelled out in the hover text."""
    lo = [v - i[0] for v, i in zip(values, intervals, strict=True)]
    hi = [i[1] - v for v, i in zip(values, intervals, strict=True)]
    text = [f"{fmt_number(v, 'count', lang)} ({fmt_number(i[0], 'count', lang)}–{fmt_number(i[1], 'count', lang)})"
            for v, i in zip(values, intervals, strict=True)]
    fig = go.Figure(go.Bar(x=labels, y=values, marker_color=[PALETTE[0], PALETTE[1]][:len(values)],
                           error_y=dict(type="data", symmetric=False, array=hi, arrayminus=lo, color="#1d2733"),
                           text=[fmt_number(v, "count", lang) for v in values], textposition="inside",
                           insidetextanchor="middle",
                           hovertext=text, hovertemplate="%{x}: %{hovertext}<extra></extra>"))
    top = max((i[1] for i in intervals), default=1.0)
    fig.update_layout(template=TEMPLATE, title=title, height=360, showlegend=False,
                      yaxis={**_axis_format("count", lang, [0.0, top]), "rangemode": "tozero"})
    return fig
