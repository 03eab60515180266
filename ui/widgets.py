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
          stamp: str | None = None, **kwargs) -> object:
    """Render a figure from the shared builders exactly as exported (our template, full width), with
    PNG / SVG / PDF downloads drawn on demand by kaleido through the system Chromium (audited). Every
    exported image carries the sidebar scope, the drill-down unit (``drill``, a display name) and the period;
    ``stamp`` replaces that text where a chart covers another scope or period (a frozen review's)."""
    event = container.plotly_chart(_below_toolbar(fig), width="stretch", theme=None, key=key, **kwargs)
    _chart_downloads(fig, key, name or key, container, drill, stamp)
    return event


TOOLBAR_ROW = 40  # px: plotly's toolbar row at a chart's top right, which on a phone spans most of the width


def _below_toolbar(fig: go.Figure) -> go.Figure:
    """On screen only (exports have no toolbar): a copy whose title starts below the toolbar row, the plot
    area keeping its height."""
    if not fig.layout.title.text:
        return fig
    shown = go.Figure(fig)
    top = fig.layout.margin.t if fig.layout.margin.t is not None else fig.layout.template.layout.margin.t
    shown.update_layout(title={"yref": "container", "y": 1, "yanchor": "top", "pad": {"t": TOOLBAR_ROW}},
                        margin={"t": (top if top is not None else 56) + TOOLBAR_ROW})
    if fig.layout.height:
        shown.update_layout(height=fig.layout.height + TOOLBAR_ROW)
    return shown


def _chart_downloads(fig: go.Figure, key: str, name: str, container, drill: str | None = None,
                     stamp: str | None = None) -> None:
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
    stamp = stamp or f"{scope}{f' › {drill}' if drill else ''} · {period}"

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
    """A display table: ``columns`` maps source column → (header, unit) with values formatted per language
    (numbers by their unit, "text" cells through :func:`fmt_value`: — for a missing value, dates without a time)."""
    from analytics.core.i18n import fmt_value

    return pl.DataFrame({
        header: [fmt_number(v, unit, lang) if unit != "text" else str(v) if type(v) is int else fmt_value(v, lang)
                 for v in frame[col].to_list()]
        for col, (header, unit) in columns.items() if col in frame.columns
    }, schema={header: pl.Utf8 for col, (header, _) in columns.items() if col in frame.columns})


def formatted_table(frame: pl.DataFrame, columns: dict[str, tuple[str, str]], lang: str,
                    height: int | None = None, *, person_level: bool = False, key: str | None = None) -> None:
    """:func:`formatted` shown as a table of at most ``TABLE_ROWS`` rows, the first in the frame's order, with a
    caption saying how many there are in all (as :func:`table`: formatting 60,000 reps cell by cell takes most
    of a second, and nobody reads them on screen; a download formats them all). ``person_level``: a row of a
    frame with ``employee_id`` opens that person's page."""
    from analytics.core.i18n import fmt_number, t

    kwargs = {"height": height} if height else {}
    shown = formatted(frame.head(TABLE_ROWS), columns, lang)
    if person_level and "employee_id" in frame.columns:  # a row opens the person's growth archive
        from ui.people import people_table

        people_table(shown, frame["employee_id"].head(TABLE_ROWS), key or "people_" + "_".join(frame.columns)[:80],
                     person_level=True, hint=t("person.open_hint", lang), **kwargs)
    else:
        st.dataframe(shown, hide_index=True, width="stretch", **kwargs)
    if frame.height > TABLE_ROWS:
        st.caption(t("format.table_cut", lang, shown=fmt_number(TABLE_ROWS, "count", lang),
                     n=fmt_number(frame.height, "count", lang)))


def exclusion_note(ctx: Context, rules: Sequence[str]) -> None:
    """One caption naming what the metrics on this page left out, and why (only rules with rows)."""
    from ui.cached import exclusions

    counts = exclusions(ctx)
    parts = [ctx.t(f"exclusion.{r}", n=f"{counts[r]:,}") for r in rules if counts.get(r)]
    if parts:
        st.caption(ctx.t("exclusion.lead") + " " + "; ".join(parts) + ".")


# ── tables: headers from the col.* catalogue, values as a reader writes them ──
RATIO_COLUMNS = {"conversion", "probability", "baseline", "mean_probability", "owner_probability", "share_of_applied",
                 "fit", "owner_fit", "backup_fit", "gain", "lift", "ka_share", "potential_share"}
MONEY_COLUMNS = {"bookings", "bookings_at_risk", "expected_loss", "open_receivables", "target", "capacity", "shortfall",
                 "amount", "payout", "bonus", "quota", "commission", "bonus_amount_paid", "revenue"}
SCORE_COLUMNS = {"mean_pre", "mean_post", "mean_diff", "ci_low", "ci_high", "score", "required", "skill_shortfall",
                 "rating", "potential", "importance", "confidence", "silhouette", "skill_mean"}
CODE_COLUMNS = {"role_id": "role", "to_role": "role", "next_role": "role", "region_id": "region", "team_id": "team",
                "org_unit_id": "team", "hire_source": "hire_source", "channel": "hire_source", "feature": "feature",
                "exit_reason": "exit_reason", "exit_type": "exit_type", "tier": "tier", "stage": "stage",
                "skill_id": "skill", "course_id": "course", "kind": "risk_kind", "status": "account_status",
                "flag": "readiness", "industry": "industry", "met": "criterion", "missing": "criterion",
                "reasons": "move_reason", "action": "audit_action", "table": "table", "team": "team",
                "prep_courses": "course", "factor": "onboarding_factor"}
#: Columns that only join or order rows: never shown (a person's or account's name is shown instead).
HIDDEN_COLUMNS = {"stage_index", "employee_id", "customer_id", "owner_id", "backup_id", "cluster", "reason_effects",
                  "event_id"}


def column_unit(name: str) -> str:
    """How a column's numbers read, from its name: ratio, currency, days, months, score or count."""
    if name.endswith(("_observed", "_not_observable")) or name.startswith("n_"):  # how many people a rate rests on
        return "count"
    if name in RATIO_COLUMNS or name.endswith(("_rate", "_share")) or name.startswith(("retention", "attainment",
                                                                                       "ramp_attainment")):
        return "ratio"
    if name in MONEY_COLUMNS or name.endswith(("_amount", "_bookings")):
        return "currency"
    if "days" in name:
        return "days"
    if "months" in name:
        return "months"
    if name in SCORE_COLUMNS or name.startswith("fit_"):
        return "score"
    return "count"


def _code_names(ctx: Context, kind: str) -> dict[str, str]:
    """Code → name in the page's language for one kind of code column."""
    from analytics.core.i18n import code_label, t
    from analytics.people.skills import TIERS
    from ui import cached

    if kind in {"role", "region", "team", "skill", "course"}:
        return cached.report(ctx, "attrition.group_names", kind, ctx.lang)
    lang = ctx.lang
    name = {"tier": lambda c: t(f"talent.tier.{c}", lang) if c in TIERS else code_label("training_group", c, lang),
            "onboarding_factor": lambda c: code_label("onboarding_factor", c, lang),
            "stage": lambda c: t(f"hiring.stage.{c}", lang),
            "hire_source": lambda c: code_label("hire_source", c, lang),
            "feature": lambda c: code_label("feature", c, lang),
            "exit_reason": lambda c: code_label("exit_reason", c, lang),
            "exit_type": lambda c: code_label("exit_type", c, lang),
            "risk_kind": lambda c: code_label("risk_kind", c, lang),
            "account_status": lambda c: code_label("account_status", c, lang),
            "readiness": lambda c: code_label("readiness", c, lang),
            "industry": lambda c: code_label("industry", c, lang),
            "criterion": lambda c: code_label("criterion", c, lang),
            "move_reason": lambda c: code_label("move_reason", c, lang),
            "audit_action": lambda c: code_label("audit_action", c, lang),
            "table": lambda c: code_label("table", c, lang)}[kind]
    return _Lookup(name)


class _Lookup(dict):
    """A mapping that names any code on demand."""

    def __init__(self, name) -> None:
        super().__init__()
        self._name = name

    def get(self, code, default=None):
        return self._name(code)


def display_frame(ctx: Context, frame: pl.DataFrame, units: dict[str, str] | None = None) -> pl.DataFrame:
    """``frame`` as text a reader can read: codes as names, numbers by their column's unit (``units`` overrides
    the guess from the name), dates without a time, yes / no, — for a missing value."""
    from analytics.core.i18n import fmt_number, fmt_value

    out = {}
    hidden = HIDDEN_COLUMNS - ({"employee_id"} if "name" not in frame.columns else set())
    if "team_id" in frame.columns:
        hidden = hidden | {"org_unit_id"}
    if {"name_en", "name_zh"} & set(frame.columns):
        hidden = hidden | {"archetype"}
    if {"course_en", "course_zh"} & set(frame.columns):
        hidden = hidden | {"course_id"}
    for name in [c for c in frame.columns if c not in hidden]:
        series = frame[name]
        if name in CODE_COLUMNS and series.dtype in (pl.Utf8, pl.List(pl.Utf8)):
            names = _code_names(ctx, CODE_COLUMNS[name])
            sep = "、" if ctx.lang == "zh" else ", "
            out[name] = [fmt_value(None) if v is None else sep.join(names.get(c, c) for c in v) if isinstance(v, list)
                         else names.get(v, v) for v in series.to_list()]
        elif series.dtype.is_numeric() and series.dtype != pl.Boolean:
            unit = (units or {}).get(name) or column_unit(name)
            out[name] = [fmt_number(v, unit, ctx.lang) for v in series.to_list()]
        elif series.dtype in (pl.Utf8, pl.Categorical, pl.Enum):
            out[name] = [fmt_value(v, ctx.lang) for v in series.cast(pl.Utf8).to_list()]
        elif isinstance(series.dtype, pl.List):
            out[name] = [fmt_value(None) if v is None else ", ".join(fmt_value(x, ctx.lang) for x in v)
                         for v in series.to_list()]
        else:
            out[name] = [fmt_value(v, ctx.lang) for v in series.to_list()]
    return pl.DataFrame(out, schema=dict.fromkeys(out, pl.Utf8)) if out else frame


TABLE_ROWS = 1000  # rows a table shows at most (in its report's order); a caption says how many more there are


def table(frame: pl.DataFrame, height: int | None = None, key: str | None = None,
          units: dict[str, str] | None = None, limit: int | None = None) -> None:
    """A data table with column headers in the page's language (``col.<name>`` in the catalogue; a column
    without an entry keeps its name), the other language's name columns left out, and every value through
    :func:`display_frame` (codes named, numbers with their unit, dates without a time, — for missing). At most
    ``limit`` rows, the first in the frame's order, with a caption saying how many there are in all (a list
    of 48,000 people is read by narrowing the scope, and formatting it would take seconds)."""
    from analytics.core.i18n import CATALOGUE, fmt_number
    from ui.context import context

    ctx = context()
    limit = limit or TABLE_ROWS
    total = frame.height
    frame = frame.head(limit)
    other = "_en" if ctx.lang == "zh" else "_zh"
    shown = frame.drop([c for c in frame.columns if c.endswith(other) and c[: -3] + ("_zh" if other == "_en"
                        else "_en") in frame.columns])
    shown = display_frame(ctx, shown, units)
    names = {c: ctx.t(f"col.{c}") for c in shown.columns if f"col.{c}" in CATALOGUE["en"]}
    used: set[str] = set()
    rename = {}
    for c in shown.columns:  # two columns may share a label: keep the second's own name
        label = names.get(c, c)
        rename[c] = label if label not in used else c
        used.add(rename[c])
    kwargs = {"height": height} if height else {}
    if "employee_id" in frame.columns and "name" in frame.columns and ctx.viewer.person_level:
        from ui.people import people_table  # a row opens the person's growth archive

        people_table(shown.rename(rename), frame["employee_id"], key or "people_" + "_".join(frame.columns)[:80],
                     person_level=True, hint=ctx.t("person.open_hint"), **kwargs)
    else:
        st.dataframe(shown.rename(rename), hide_index=True, width="stretch", key=key, **kwargs)
    if total > limit:
        st.caption(ctx.t("format.table_cut", shown=fmt_number(limit, "count", ctx.lang),
                         n=fmt_number(total, "count", ctx.lang)))
