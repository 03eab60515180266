"""Figures of one person's growth archive (成长档案): the person page and its PDF draw the same ones."""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from analytics.charts.figures import PALETTE, PARTIAL_COLOUR, TEMPLATE, _fade
from analytics.core.i18n import t


def attainment_vs_team(frame: pl.DataFrame, lang: str = "en", title: str = "") -> go.Figure:
    """The person's attainment per quarter (bars) against the team's median (line), with the 100% line."""
    fig = go.Figure()
    quarters = frame["quarter"].to_list()
    fig.add_bar(x=quarters, y=frame["attainment"].to_list(), name=t("person.chart.own", lang),
                marker_color=PALETTE[0], hovertemplate="%{x}: %{y:.0%}<extra></extra>")
    fig.add_scatter(x=quarters, y=frame["team_median"].to_list(), mode="lines+markers",
                    name=t("person.chart.team_median", lang), line=dict(color=PALETTE[1], width=2.5),
                    customdata=frame["team_reps"].to_list(),
                    hovertemplate="%{x}: %{y:.0%} (n=%{customdata})<extra></extra>")
    fig.add_hline(y=1.0, line_dash="dash", line_color=PARTIAL_COLOUR, annotation_text="100%",
                  annotation_position="top left")
    fig.update_layout(template=TEMPLATE, title=title, height=320, yaxis=dict(tickformat=".0%", rangemode="tozero"),
                      xaxis=dict(type="category"))
    return fig


def ramp_vs_cohort(frame: pl.DataFrame, lang: str = "en", title: str = "") -> go.Figure:
    """Attainment by tenure month: the person against the mean of their hire cohort (same role, same year)."""
    fig = go.Figure()
    months = frame["tenure_month"].to_list()
    fig.add_scatter(x=months, y=frame["attainment"].to_list(), mode="lines+markers", name=t("person.chart.own", lang),
                    line=dict(color=PALETTE[0], width=2.5), hovertemplate="%{x}: %{y:.0%}<extra></extra>")
    fig.add_scatter(x=months, y=frame["cohort_mean"].to_list(), mode="lines+markers",
                    name=t("person.chart.cohort", lang), line=dict(color=PALETTE[1], width=2, dash="dot"),
                    customdata=frame["cohort_reps"].to_list(),
                    hovertemplate="%{x}: %{y:.0%} (n=%{customdata})<extra></extra>")
    fig.update_layout(template=TEMPLATE, title=title, height=340, yaxis=dict(tickformat=".0%", rangemode="tozero"),
                      xaxis=dict(title=t("chart.tenure_month_ramp", lang), dtick=1), legend=dict(y=-0.34),
                      margin=dict(b=96))
    return fig


def skills_then_now(frame: pl.DataFrame, names: dict[str, str], lang: str = "en", title: str = "") -> go.Figure:
    """Skill scores now against a year ago and the role's requirement (1–5); ``names``: skill id → name."""
    labels = [names.get(s, s) for s in frame["skill_id"].to_list()]
    fig = go.Figure()
    for col, colour, dash, name in (("required", PALETTE[1], "dash", t("person.chart.required", lang)),
                                    ("year_ago", PARTIAL_COLOUR, "dot", t("person.chart.year_ago", lang)),
                                    ("score", PALETTE[0], "solid", t("person.chart.now", lang))):
        values = frame[col].to_list()
        if not values or all(v is None for v in values):
            continue
        fig.add_scatterpolar(r=[*values, values[0]], theta=[*labels, labels[0]], name=name,
                             line=dict(color=colour, dash=dash, width=2.5), fill="toself" if col == "score" else None,
                             fillcolor=_fade(colour) if col == "score" else None)
    fig.update_layout(template=TEMPLATE, title=title, height=360, polar=dict(radialaxis=dict(range=[0, 5])))
    return fig


def risk_over_time(frame: pl.DataFrame, lang: str = "en", title: str = "") -> go.Figure:
    """The probability of leaving within the model's horizon on each date."""
    fig = go.Figure()
    fig.add_scatter(x=frame["as_of"].to_list(), y=frame["probability"].to_list(), mode="lines+markers",
                    name=t("person.chart.risk", lang), line=dict(color=PALETTE[3], width=2.5),
                    hovertemplate="%{x|%Y-%m-%d}: %{y:.0%}<extra></extra>")
    fig.update_layout(template=TEMPLATE, title=title, height=280, showlegend=False,
                      yaxis=dict(tickformat=".0%", rangemode="tozero"), xaxis=dict(tickformat="%Y-%m"))
    return fig


def workload(attendance: pl.DataFrame, engagement: pl.DataFrame, lang: str = "en", title: str = "") -> go.Figure:
    """Monthly overtime hours and leave days (bars), and engagement survey scores (line, right axis, 1–5)."""
    fig = go.Figure()
    months = attendance["month"].to_list()
    fig.add_bar(x=months, y=attendance["overtime_hours"].to_list(), name=t("person.chart.overtime", lang),
                marker_color=PALETTE[0])
    fig.add_bar(x=months, y=attendance["leave_days"].to_list(), name=t("person.chart.leave", lang),
                marker_color=PALETTE[2])
    if engagement.height:
        fig.add_scatter(x=engagement["survey_date"].to_list(), y=engagement["engagement_score"].to_list(),
                        mode="lines+markers", name=t("person.chart.engagement", lang), yaxis="y2",
                        line=dict(color=PALETTE[1], width=2.5))
    fig.update_layout(template=TEMPLATE, title=title, height=320, barmode="group", xaxis=dict(tickformat="%Y-%m"),
                      yaxis2=dict(overlaying="y", side="right", range=[1, 5], dtick=1, showgrid=False))
    return fig
