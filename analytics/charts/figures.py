"""Figure builders: data in, ``plotly.graph_objects.Figure`` out, one builder per chart.

Pages and exports call the same builders, so an exported chart is the chart on screen. The
shared template uses fonts that carry Chinese (Noto Sans CJK SC from Debian's fonts-noto-cjk).
"""
from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl

from analytics.core.i18n import fmt_month, fmt_number, t
from analytics.core.registry import Metric

FONT = "Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, Arial, sans-serif"
PALETTE = ["#1f5f8b", "#e07a1f", "#3a9d5d", "#c0392b", "#7d5ba6", "#8c6d31", "#17becf", "#7f7f7f"]
PARTIAL_COLOUR = "#b0b7bf"

TEMPLATE = go.layout.Template(
    layout=go.Layout(
        font=dict(family=FONT, size=13, color="#1d2733"),
        colorway=PALETTE,
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin=dict(l=56, r=24, t=56, b=56),
        xaxis=dict(showgrid=False, linecolor="#c9d1d9", ticks="outside", automargin=True),
        yaxis=dict(gridcolor="#e8edf2", zerolinecolor="#c9d1d9", automargin=True),
        legend=dict(orientation="h", yanchor="top", y=-0.14, x=0),
        title=dict(x=0, xanchor="left", font=dict(size=16)),
        hoverlabel=dict(font=dict(family=FONT)),
    )
)
pio.templates["tandem"] = TEMPLATE


def _axis_format(unit: str, lang: str = "en", values: list[float | None] | None = None) -> dict:
    """Axis ticks per unit and language: percentages, ¥ with k/M (en) or 万 (zh) labels."""
    if unit in {"ratio", "probability"}:
        return {"tickformat": ".1%"}
    if unit == "currency":
        finite = [abs(v) for v in (values or []) if v is not None]
        if lang == "zh" and finite:
            top = max(finite) or 1.0
            ticks = _nice_ticks(top)
            return {"tickvals": ticks, "ticktext": [fmt_number(v, "currency", "zh") for v in ticks]}
        return {"tickformat": "~s", "tickprefix": "¥"}
    if unit == "score":
        return {"tickformat": ".2f"}
    finite = [abs(v) for v in (values or []) if v is not None]
    if unit == "count" and max(finite, default=0) <= 10:
        return {"tickformat": "d", "dtick": 1, "rangemode": "tozero"}  # whole people, never "500m"
    return {"tickformat": "~s"}


def _nice_ticks(top: float, n: int = 5) -> list[float]:
    """Round tick values from 0 to just above ``top``."""
    import math

    raw = top / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return [i * step for i in range(int(top // step) + 2)]


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
                      yaxis=_axis_format(metric.unit, lang, values), xaxis=dict(title=None, tickformat="%Y-%m"))
    return fig


def group_bars(frame: pl.DataFrame, metric: Metric, lang: str = "en", title: str | None = None) -> go.Figure:
    """Horizontal bars of one metric by group (columns ``label``, ``value``, ``masked``)."""
    data = frame.filter(pl.col("value").is_not_null()).sort("value")
    fig = go.Figure()
    fig.add_bar(x=data["value"].to_list(), y=data["label"].to_list(), orientation="h", marker_color=PALETTE[0],
                text=[fmt_number(v, metric.unit, lang) for v in data["value"].to_list()], textposition="auto",
                hovertemplate="%{y}: %{text}<extra></extra>")
    fig.update_layout(template=TEMPLATE, title=title or metric.name(lang),
                      height=max(240, 36 * data.height + 90),
                      xaxis=_axis_format(metric.unit, lang, data["value"].to_list()),
                      yaxis=dict(title=None))
    return fig


def sparkline_values(frame: pl.DataFrame) -> list[float]:
    """Values for ``st.metric(chart_data=...)``: nulls dropped, in month order."""
    return [float(v) for v in frame.sort("month")["value"].to_list() if v is not None]


def cohort_heatmap(grid: pl.DataFrame, lang: str = "en", title: str = "") -> go.Figure:
    """Hire month (rows) × tenure month (columns): share still employed; blank where not observed yet, — where
    masked (a hire month of fewer hires than the threshold, for viewers without person-level rights)."""
    months = sorted(set(grid["hire_month"].to_list()))
    tenure = sorted(set(grid["tenure_month"].to_list()))
    lookup = {(r["hire_month"], r["tenure_month"]): r["retained"] for r in grid.to_dicts()}
    hidden = {(r["hire_month"], r["tenure_month"]) for r in grid.to_dicts() if r.get("masked")}
    z = [[lookup.get((m, k)) for k in tenure] for m in months]
    text = [["—" if (m, k) in hidden else "" if v is None else f"{v * 100:.0f}%" for k, v in zip(tenure, row,
                                                                                                 strict=True)]
            for m, row in zip(months, z, strict=True)]
    fig = go.Figure(go.Heatmap(
        z=z, x=[str(k) for k in tenure], y=[fmt_month(m, lang) for m in months], text=text, texttemplate="%{text}",
        colorscale=[[0, "#c0392b"], [0.6, "#f4d03f"], [1, "#3a9d5d"]], zmin=0.4, zmax=1.0,
        hovertemplate="%{y} · +%{x}: %{text}<extra></extra>", colorbar=dict(tickformat=".0%")))
    fig.update_layout(template=TEMPLATE, title=title, height=max(320, 26 * len(months) + 120),
                      xaxis=dict(title=t("chart.tenure_month", lang), type="category"),
                      yaxis=dict(autorange="reversed"))
    return fig


def retention_curves(curves: pl.DataFrame, lang: str = "en", title: str = "",
                     names: dict[str, str] | None = None) -> go.Figure:
    """Kaplan–Meier survival per group with its 95% band (columns group, month, survival, lower, upper)."""
    fig = go.Figure()
    for i, group in enumerate(dict.fromkeys(curves["group"].to_list())):
        part = curves.filter(pl.col("group") == group)
        colour = PALETTE[i % len(PALETTE)]
        name = (names or {}).get(group, group)
        x = part["month"].to_list()
        fig.add_scatter(x=x + x[::-1], y=part["upper"].to_list() + part["lower"].to_list()[::-1], fill="toself",
                        fillcolor=_fade(colour), line=dict(width=0), hoverinfo="skip", showlegend=False,
                        legendgroup=name)
        fig.add_scatter(x=x, y=part["survival"].to_list(), mode="lines", name=name, legendgroup=name,
                        line=dict(color=colour, width=2.5, shape="hv"),
                        hovertemplate=f"{name} · %{{x}}: %{{y:.1%}}<extra></extra>")
    fig.update_layout(template=TEMPLATE, title=title, height=420,
                      legend=dict(orientation="h", yanchor="top", y=-0.2, x=0),
                      xaxis=dict(title=t("chart.tenure_month", lang)), yaxis=dict(tickformat=".0%", range=[0, 1.02]))
    return fig


def _fade(hex_colour: str, alpha: float = 0.15) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


def stacked_bars(frame: pl.DataFrame, x: str, y: str, colour: str, lang: str = "en", title: str = "",
                 unit: str = "count", names: dict[str, str] | None = None) -> go.Figure:
    """Vertical bars of ``y`` by ``x``, stacked by ``colour`` (e.g. exits by reason and type)."""
    fig = go.Figure()
    for i, key in enumerate(dict.fromkeys(frame[colour].to_list())):
        part = frame.filter(pl.col(colour) == key)
        fig.add_bar(x=part[x].to_list(), y=part[y].to_list(), name=(names or {}).get(key, str(key)),
                    marker_color=PALETTE[i % len(PALETTE)])
    fig.update_layout(template=TEMPLATE, title=title, barmode="stack", height=360,
                      yaxis=_axis_format(unit, lang, frame[y].to_list()), xaxis=dict(title=None))
    return fig


def calibration_plot(calibration: pl.DataFrame, lang: str = "en", title: str = "") -> go.Figure:
    """Predicted probability (mean per bin) against the observed exit share, with the diagonal."""
    fig = go.Figure()
    top = max([0.05, *calibration["predicted"].to_list(), *calibration["observed"].to_list()])
    fig.add_scatter(x=[0, top], y=[0, top], mode="lines", line=dict(dash="dash", color=PARTIAL_COLOUR),
                    name=t("chart.perfect", lang))
    fig.add_scatter(x=calibration["predicted"].to_list(), y=calibration["observed"].to_list(), mode="lines+markers",
                    name=t("chart.model", lang), line=dict(color=PALETTE[0], width=2.5))
    fig.update_layout(template=TEMPLATE, title=title, height=340,
                      xaxis=dict(title=t("chart.predicted", lang), tickformat=".0%"),
                      yaxis=dict(title=t("chart.observed", lang), tickformat=".0%"))
    return fig


def labelled_bars(labels: list[str], values: list[float], lang: str = "en", title: str = "",
                  unit: str = "ratio", colour: str = PALETTE[0], sort: bool = True) -> go.Figure:
    """Horizontal bars from parallel lists (largest on top when ``sort``, else in the given order top-down)."""
    order = sorted(range(len(values)), key=lambda i: values[i]) if sort else list(range(len(values)))[::-1]
    fig = go.Figure(go.Bar(x=[values[i] for i in order], y=[labels[i] for i in order], orientation="h",
                           marker_color=colour, text=[fmt_number(values[i], unit, lang) for i in order],
                           textposition="auto", hovertemplate="%{y}: %{text}<extra></extra>"))
    fig.update_layout(template=TEMPLATE, title=title, height=max(240, 30 * len(values) + 90),
                      xaxis=_axis_format(unit, lang, values), yaxis=dict(title=None))
    return fig


def rate_bars(frame: pl.DataFrame, lang: str, title: str, small_base_text: str) -> go.Figure:
    """Horizontal bars of a rate by group (``label``, ``value``, ``small_base``, ``exits``, ``headcount_avg``), in
    the order given, top-down; a rate on a small base is drawn grey and labelled with its counts."""
    rows = frame.reverse()
    small = rows["small_base"].fill_null(False).to_list()
    text = [fmt_number(v, "ratio", lang) + (f" · {small_base_text} ({fmt_number(n, 'count', lang)}/"
                                            f"{fmt_number(d, 'count', lang)})" if s else "")
            for v, s, n, d in zip(rows["value"].to_list(), small, rows["exits"].to_list(),
                                  rows["headcount_avg"].to_list(), strict=True)]
    fig = go.Figure(go.Bar(x=rows["value"].fill_null(0).to_list(), y=rows["label"].to_list(), orientation="h",
                           marker_color=[PARTIAL_COLOUR if s else PALETTE[0] for s in small], text=text,
                           textposition="auto", hovertemplate="%{y}: %{text}<extra></extra>"))
    fig.update_layout(template=TEMPLATE, title=title, height=max(240, 30 * rows.height + 90),
                      xaxis=_axis_format("ratio", lang, rows["value"].to_list()), yaxis=dict(title=None))
    return fig


def attainment_trend(frame: pl.DataFrame, lang: str = "en", title: str = "") -> go.Figure:
    """Monthly attainment on bookings and on collected cash, with the 100% line."""
    fig = go.Figure()
    months = frame["month"].to_list()
    fig.add_scatter(x=months, y=frame["attainment"].to_list(), mode="lines+markers",
                    name=t("chart.on_bookings", lang), line=dict(color=PALETTE[0], width=2.5))
    fig.add_scatter(x=months, y=frame["attainment_collected"].to_list(), mode="lines+markers",
                    name=t("chart.on_cash", lang), line=dict(color=PALETTE[2], width=2, dash="dot"))
    fig.add_hline(y=1.0, line_dash="dash", line_color=PALETTE[1], annotation_text="100%",
                  annotation_position="top left")
    fig.update_layout(template=TEMPLATE, title=title, height=340, yaxis=dict(tickformat=".0%"),
                      xaxis=dict(tickformat="%Y-%m"))
    return fig


def ramp_curves(frame: pl.DataFrame, lang: str = "en", title: str = "",
                names: dict[str, str] | None = None) -> go.Figure:
    """Mean attainment by tenure month, one line per cohort (columns cohort, tenure_month, attainment, n_reps)."""
    fig = go.Figure()
    for i, cohort in enumerate(sorted(set(frame["cohort"].to_list()))):
        part = frame.filter(pl.col("cohort") == cohort).sort("tenure_month")
        name = (names or {}).get(cohort, cohort)
        fig.add_scatter(x=part["tenure_month"].to_list(), y=part["attainment"].to_list(), mode="lines+markers",
                        name=name, line=dict(color=PALETTE[i % len(PALETTE)], width=2.5),
                        customdata=part["n_reps"].to_list(),
                        hovertemplate=f"{name} · %{{x}}: %{{y:.0%}} (n=%{{customdata}})<extra></extra>")
    fig.add_hline(y=0.8, line_dash="dash", line_color=PARTIAL_COLOUR, annotation_text="80%",
                  annotation_position="bottom right")
    fig.update_layout(template=TEMPLATE, title=title, height=380, yaxis=dict(tickformat=".0%"),
                      xaxis=dict(title=t("chart.tenure_month_ramp", lang), dtick=1))
    return fig


def grouped_bars(frame: pl.DataFrame, x: str, y: str, colour: str, lang: str = "en", title: str = "",
                 unit: str = "count") -> go.Figure:
    """Vertical bars of ``y`` by ``x``, side by side per ``colour`` (e.g. plan A vs plan B by band)."""
    fig = stacked_bars(frame, x, y, colour, lang, title, unit)
    fig.update_layout(barmode="group")
    return fig


def skill_radar(frame: pl.DataFrame, lang: str = "en", title: str = "", labels: dict[str, str] | None = None
                ) -> go.Figure:
    """A person's latest skill scores against the role's requirement and the team's median (1–5)."""
    names = frame["name_zh" if lang == "zh" else "name_en"].to_list()
    fig = go.Figure()
    for col, colour, dash in (("required", PALETTE[1], "dash"), ("team_median", PARTIAL_COLOUR, "dot"),
                              ("score", PALETTE[0], "solid")):
        values = frame[col].to_list()
        fig.add_scatterpolar(r=[*values, values[0]], theta=[*names, names[0]], name=(labels or {}).get(col, col),
                             line=dict(color=colour, dash=dash, width=2.5), fill="toself" if col == "score" else None,
                             fillcolor=_fade(colour) if col == "score" else None)
    fig.update_layout(template=TEMPLATE, title=title, height=420, polar=dict(radialaxis=dict(range=[0, 5])))
    return fig


def gap_heatmap(frame: pl.DataFrame, lang: str = "en", title: str = "") -> go.Figure:
    """Teams × skills: team median score minus the role requirement (negative = a gap)."""
    teams = sorted(set(frame["team_zh" if lang == "zh" else "team_en"].to_list()))
    skill_col = "skill_zh" if lang == "zh" else "skill_en"
    skills = sorted(set(frame[skill_col].to_list()))
    lookup = {(r["team_zh" if lang == "zh" else "team_en"], r[skill_col]): r["median_gap"] for r in frame.to_dicts()}
    z = [[lookup.get((tm, sk)) for sk in skills] for tm in teams]
    text = [["" if v is None else f"{v:+.1f}" for v in row] for row in z]
    fig = go.Figure(go.Heatmap(z=z, x=skills, y=teams, colorscale=[[0, "#c0392b"], [0.5, "#f7f7f7"], [1, "#3a9d5d"]],
                               zmid=0, zmin=-2, zmax=2, text=text, texttemplate="%{text}",
                               hovertemplate="%{y} · %{x}: %{text}<extra></extra>"))
    fig.update_layout(template=TEMPLATE, title=title, height=max(320, 24 * len(teams) + 140),
                      yaxis=dict(autorange="reversed"))
    return fig


def nine_box(counts: pl.DataFrame, lang: str = "en", title: str = "") -> go.Figure:
    """The 9-box: performance low → high left to right, potential low → high bottom to top, people per box."""
    bands = ["low", "mid", "high"]
    labels = [t(f"talent.perf.{b}", lang) for b in bands]
    grid = {(r["performance"], r["potential_band"]): r["people"] for r in counts.to_dicts()}
    z = [[grid.get((p, pot)) for p in bands] for pot in bands]  # row 0 is drawn at the bottom: low potential
    fig = go.Figure(go.Heatmap(z=z, x=labels, y=labels, colorscale="Blues",
                               text=[["" if v is None else str(v) for v in row] for row in z], texttemplate="%{text}",
                               showscale=False, hovertemplate="%{y} · %{x}: %{text}<extra></extra>"))
    fig.update_layout(template=TEMPLATE, title=title, height=380,
                      xaxis=dict(title=t("talent.performance", lang), type="category", categoryorder="array",
                                 categoryarray=labels, autorange=True),
                      yaxis=dict(title=t("talent.potential", lang), type="category", categoryorder="array",
                                 categoryarray=labels, autorange=True))
    return fig


def recruiting_funnel(labels: list[str], reached: list[int], lang: str = "en", title: str = "",
                      small_base: bool = False) -> go.Figure:
    """Applications reaching each stage, with each stage's share of the applications received; on a small base
    only the counts ("2 of 3"), drawn grey and marked small base in the title, never as percentages."""
    base = reached[0] if reached else 0
    if small_base:
        text = [t("figure.counts", lang, num=fmt_number(n, "count", lang), den=fmt_number(base, "count", lang))
                for n in reached]
        trace = go.Funnel(y=labels, x=reached, text=text, textinfo="text", marker=dict(color=PARTIAL_COLOUR),
                          hovertemplate="%{y}: %{text}<extra></extra>")
        title = f"{title} · {t('figure.small_base', lang)}"
    else:
        trace = go.Funnel(y=labels, x=reached, textinfo="value+percent initial", marker=dict(color=PALETTE[0]))
    fig = go.Figure(trace)
    fig.update_layout(template=TEMPLATE, title=title, height=340)
    return fig
