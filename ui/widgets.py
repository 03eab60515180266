"""Small shared widgets: KPI card rows, formatted tables, chart rendering with the shared template."""
from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from analytics.core.i18n import fmt_delta, fmt_number
from analytics.core.registry import get_metric
from analytics.metrics.figure import Figure, basis_label, flags_text, value_text
from ui.context import Context


def figure_cards(ctx: Context, figures: Sequence[Figure], per_row: int = 4, caption: str | None = None,
                 sparklines: dict[str, list[float]] | None = None) -> None:
    """One bordered card per figure: its value (with counts on a small base), the change against the
    comparable previous stretch, its basis in the label, and formula, denominator and flags on hover.

    A row of cards is one basis: callers pass the figures of one basis per call (``caption`` names it)."""
    if caption:
        st.caption(caption)
    for start in range(0, len(figures), per_row):
        row = figures[start:start + per_row]
        for column, fig in zip(st.columns(per_row), row, strict=False):
            metric = get_metric(fig.metric_id)
            denominator = metric.denominator(ctx.lang)
            help_parts = [metric.formula(ctx.lang)]
            if denominator:
                help_parts.append(f"{ctx.t('col.denominator')}: {denominator}")
            if fig.small_base:
                help_parts.append(ctx.t("figure.small_base_help", n=ctx.min_base))
            if fig.maturing:
                help_parts.append(ctx.t("figure.maturing_help"))
            flags = flags_text(fig, ctx.lang)
            direction = metric.direction if fig.decisive else "neutral"
            # without a row caption naming the basis, a rate says its own (names of annualised and
            # trailing-12-month rates already do)
            basis = "" if caption or metric.unit not in {"ratio", "probability"} or fig.basis in {"annualised", "ttm"} \
                else f" · {basis_label(fig.basis, ctx.period.grain, ctx.lang)}"
            column.metric(
                metric.name(ctx.lang) + basis + (f" · {flags}" if flags else ""),
                value_text(fig, ctx.lang),
                delta=fmt_delta(fig.delta, metric.unit, ctx.lang),
                delta_color="inverse" if direction == "down" else "normal" if direction == "up" else "off",
                delta_description=ctx.t("overview.vs_prev", label=fig.previous_period or "—"),
                help="\n\n".join(help_parts),
                chart_data=(sparklines or {}).get(fig.metric_id), chart_type="line",
                border=True)


def chart(fig: go.Figure, key: str, container=st, name: str | None = None, drill: str | None = None,
          **kwargs) -> object:
    """Render a figure from the shared builders exactly as exported (our template, full width), with
    PNG / SVG / PDF downloads drawn on demand by kaleido through the system Chromium (audited). Every
    exported image carries the sidebar scope, the drill-down unit (``drill``, a display name) and the period."""
    event = container.plotly_chart(fig, width="stretch", theme=None, key=key, **kwargs)
    _chart_downloads(fig, key, name or key, container, drill)
    return event


def _chart_downloads(fig: go.Figure, key: str, name: str, container, drill: str | None = None) -> None:
    from analytics.reviews import export
    from ui.context import _org_tree, context, get_database

    ctx = context()
    units = ctx.viewer.org_units
    if units is None:
        scope = ctx.t("export.company")
    else:
        labels = {u["org_unit_id"]: u["name_zh" if ctx.lang == "zh" else "name_en"]
                  for u in _org_tree(ctx.db_path, ctx.data_version)}
        shown = sorted(labels.get(u, u) for u in units)
        scope = ", ".join(shown[:3]) + (f" +{len(shown) - 3}" if len(shown) > 3 else "")
    period = ctx.t("period.partial", label=ctx.period.label) if ctx.period.is_partial(ctx.as_of) else ctx.period.label
    stamp = f"{scope}{f' › {drill}' if drill else ''} · {period}"

    def draw(fmt: str) -> bytes:
        data = export.chart_bytes(fig, fmt, stamp=stamp)
        export.record_export(get_database(ctx.db_path), ctx.viewer.user, f"chart {name}.{fmt}",
                             ctx.viewer.scope_key, None, detail={"stamp": stamp})
        return data

    with container.popover(ctx.t("export.chart"), icon=":material/download:"):
        for fmt, mime in (("png", "image/png"), ("svg", "image/svg+xml"), ("pdf", "application/pdf")):
            st.download_button(fmt.upper(), data=lambda f=fmt: draw(f), file_name=f"{name}.{fmt}", mime=mime,
                               key=f"dl_{key}_{fmt}", on_click="ignore")


def table_downloads(frame: pl.DataFrame, name: str, key: str) -> None:
    """CSV and XLSX downloads of a displayed table (formula-like cells neutralised), audited."""
    from analytics.reviews import export
    from ui.context import context, get_database

    ctx = context()

    def build(fmt: str) -> bytes:
        data = export.csv_bytes(frame) if fmt == "csv" else export.xlsx_bytes({name[:31]: frame})
        export.record_export(get_database(ctx.db_path), ctx.viewer.user, f"table {name}.{fmt}",
                             ctx.viewer.scope_key, frame.height)
        return data

    c1, c2 = st.columns(2)
    c1.download_button(ctx.t("export.csv"), data=lambda: build("csv"), file_name=f"{name}.csv", mime="text/csv",
                       key=f"csv_{key}", on_click="ignore")
    c2.download_button(ctx.t("export.xlsx"), data=lambda: build("xlsx"), file_name=f"{name}.xlsx",
                       key=f"xlsx_{key}", on_click="ignore")


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


def table(frame: pl.DataFrame, height: int | None = None, key: str | None = None) -> None:
    """A data table with column headers in the page's language (``col.<name>`` in the catalogue; a column
    without an entry keeps its name) and the other language's name columns left out."""
    from analytics.core.i18n import CATALOGUE
    from ui.context import context

    ctx = context()
    other = "_en" if ctx.lang == "zh" else "_zh"
    shown = frame.drop([c for c in frame.columns if c.endswith(other) and c[: -3] + ("_zh" if other == "_en"
                        else "_en") in frame.columns])
    names = {c: ctx.t(f"col.{c}") for c in shown.columns if f"col.{c}" in CATALOGUE["en"]}
    used: set[str] = set()
    rename = {}
    for c in shown.columns:  # two columns may share a label: keep the second's own name
        label = names.get(c, c)
        rename[c] = label if label not in used else c
        used.add(rename[c])
    kwargs = {"height": height} if height else {}
    st.dataframe(shown.rename(rename), hide_index=True, width="stretch", key=key, **kwargs)
