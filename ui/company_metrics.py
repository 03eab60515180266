"""The company's own metrics in the app: loaded and tried when the app starts (``load_at_start``), and the Admin
page's panel — the metrics in force, the files refused and why, a form that adds one (Preview checks it and shows
it by region for the last complete quarter as the admin may see it; Save writes ``metrics/<id>.toml``, audited) and
deleting one. docs/custom_metrics.md."""
from __future__ import annotations

import threading

import polars as pl
import streamlit as st

from analytics.core import custom_metrics
from analytics.core.db import Database
from analytics.core.i18n import code_label
from analytics.core.metric import DIRECTIONS, DOMAINS
from analytics.core.periods import last_completed_quarters
from analytics.core.registry import REGISTRY
from ui.context import Context
from ui.plaintext import plain

TEXT_PARTS = ("name", "formula", "numerator", "denominator")  # written in both languages on the form
_SEEN: dict[str, tuple] = {}  # folder → its files when last looked at (by any session)
_SEEN_LOCK = threading.Lock()
_EXAMPLE = ("select employee_id, order_date as event_date,\n       case when is_new_customer then 1 else 0 end as "
            "numerator,\n       1 as denominator\nfrom orders\nwhere order_date between $start and $end and amount > 0")


def load_at_start(db: Database) -> None:
    """Read metrics/ and try each new metric once on ``db``; when the files changed since the last run, results
    held in memory are dropped (a metric of the same id may now be defined otherwise)."""
    folder = custom_metrics.metrics_dir()
    files = custom_metrics.signature(folder)
    with _SEEN_LOCK:
        before = _SEEN.get(str(folder))
        _SEEN[str(folder)] = files
    if before is not None and before != files:
        st.cache_data.clear()
    custom_metrics.check_on(db, REGISTRY)


def company_metrics_panel(ctx: Context, db: Database) -> None:
    lang = ctx.lang
    st.subheader(ctx.t("custom.title"))
    st.caption(ctx.t("custom.caption"))
    cat = custom_metrics.check_on(db, REGISTRY)
    if cat.metrics:
        shown = list(cat.metrics.values())
        st.dataframe(pl.DataFrame({
            ctx.t("col.metric"): [cm.metric.name(lang) for cm in shown],
            ctx.t("col.unit"): [code_label("metric_unit", cm.metric.unit, lang) for cm in shown],
            ctx.t("col.domain"): [ctx.t(f"domain.{cm.metric.domain}") for cm in shown],
            ctx.t("col.file"): [cm.file for cm in shown],
        }), hide_index=True, width="stretch")
    else:
        st.caption(ctx.t("custom.none"))
    if cat.refused:
        st.markdown(f"**{ctx.t('custom.refused')}**")
        st.dataframe(pl.DataFrame({ctx.t("col.file"): list(cat.refused),
                                   ctx.t("custom.reason"): [e.text(lang) for e in cat.refused.values()]}),
                     hide_index=True, width="stretch")
    with st.expander(ctx.t("custom.add")):
        if cat.metrics:  # change one: its file's keys fill the form, saved over it when "replace" is ticked
            st.selectbox(ctx.t("custom.start_from"), ["", *cat.metrics], key="custom_start_from",
                         format_func=lambda m: cat.metrics[m].metric.name(lang) if m else ctx.t("custom.new"),
                         on_change=_fill_form)
        _form(ctx, db)
    if cat.metrics:
        with st.expander(ctx.t("custom.delete_title")):
            pick = st.selectbox(ctx.t("col.metric"), list(cat.metrics), key="custom_delete_pick",
                                format_func=lambda m: cat.metrics[m].metric.name(lang))
            if st.button(ctx.t("custom.delete"), key="custom_delete"):
                try:
                    custom_metrics.delete(pick, db, ctx.viewer.user)
                    st.cache_data.clear()
                    st.success(ctx.t("custom.deleted", file=f"{pick}.toml"))
                except custom_metrics.CustomMetricError as exc:
                    st.error(plain(exc.text(lang)))


def _fill_form() -> None:
    """Put the chosen metric's file into the form's fields (an empty choice clears them)."""
    chosen = st.session_state.get("custom_start_from") or ""
    try:
        fields = custom_metrics.fields_of(chosen) if chosen else {}
    except custom_metrics.CustomMetricError:
        fields = {}
    for key in ("id", "sql", *(f"{part}_{lang}" for part in TEXT_PARTS for lang in ("en", "zh"))):
        st.session_state[f"custom_{key}"] = str(fields.get(key, ""))
    for key in ("domain", "unit", "direction"):
        if key in fields:
            st.session_state[f"custom_{key}"] = fields[key]
    st.session_state["custom_groupings"] = list(fields.get("groupings", custom_metrics.GROUPINGS[:2]))
    st.session_state["custom_min_base"] = int(fields.get("min_base") or 0)
    st.session_state["custom_replace"] = bool(chosen)


def _form(ctx: Context, db: Database) -> None:
    lang = ctx.lang
    # defaults through the session (not the widgets): "Start from" fills the same keys without a clash
    st.session_state.setdefault("custom_groupings", list(custom_metrics.GROUPINGS[:2]))
    st.session_state.setdefault("custom_min_base", 0)
    with st.form("custom_metric_form"):
        left, right = st.columns(2)
        fields: dict[str, object] = {
            "id": left.text_input(ctx.t("custom.f.id"), key="custom_id"),
            "domain": right.selectbox(ctx.t("col.domain"), DOMAINS, key="custom_domain",
                                      format_func=lambda d: ctx.t(f"domain.{d}")),
            "unit": left.selectbox(ctx.t("col.unit"), custom_metrics.UNITS, key="custom_unit",
                                   format_func=lambda u: code_label("metric_unit", u, lang)),
            "direction": right.selectbox(ctx.t("custom.f.direction"), DIRECTIONS, key="custom_direction",
                                         format_func=lambda d: ctx.t(f"custom.direction.{d}")),
        }
        for part in TEXT_PARTS:  # each text in English (left) and Chinese (right)
            for language, column in (("en", left), ("zh", right)):
                widget = column.text_area if part == "formula" else column.text_input
                fields[f"{part}_{language}"] = widget(ctx.t(f"custom.f.{part}_{language}"),
                                                      key=f"custom_{part}_{language}")
        fields["groupings"] = left.multiselect(ctx.t("custom.f.groupings"), custom_metrics.GROUPINGS,
                                               key="custom_groupings",
                                               format_func=lambda g: ctx.t(f"custom.by.{g}"))
        fields["min_base"] = int(right.number_input(ctx.t("custom.f.min_base"), min_value=0, max_value=1000,
                                                    step=1, key="custom_min_base")) or None
        fields["sql"] = st.text_area(ctx.t("custom.f.sql"), key="custom_sql", height=200, placeholder=_EXAMPLE,
                                     help=ctx.t("custom.f.sql_help"))
        replace = st.checkbox(ctx.t("custom.replace"), key="custom_replace")
        b1, b2 = st.columns(2)
        preview = b1.form_submit_button(ctx.t("custom.preview"))
        save = b2.form_submit_button(ctx.t("custom.save"))
    if not (preview or save):
        return
    try:
        if save:
            cm = custom_metrics.save(fields, db, REGISTRY, ctx.viewer.user, replace=replace)
            st.cache_data.clear()  # a metric of this id computed before (and deleted since) is not served again
            st.success(ctx.t("custom.saved", name=cm.metric.name(lang), file=cm.file))
        else:
            cm = custom_metrics.from_fields(fields, db, REGISTRY)
        _preview(ctx, db, cm)
    except custom_metrics.CustomMetricError as exc:
        st.error(plain(exc.text(lang)))


def _preview(ctx: Context, db: Database, cm: custom_metrics.CustomMetric) -> None:
    """The metric by region for the last complete quarter, as this viewer may see it (scope, masks, small bases)."""
    from analytics.metrics.engine import compute
    from ui.widgets import formatted_table

    quarter = last_completed_quarters(ctx.as_of, 1, ctx.fy_start)[0]
    with custom_metrics.previewing(cm):
        frames = [compute(db, ctx.viewer, cm.id, quarter, by=["region"], lang=ctx.lang, as_of=ctx.as_of)
                  ] if "region" in cm.groupings else []
        total = compute(db, ctx.viewer, cm.id, quarter, lang=ctx.lang, as_of=ctx.as_of)
    rows = pl.concat([*frames, total.with_columns(label=pl.lit(ctx.t("custom.total")))], how="diagonal_relaxed")
    notes = [ctx.t("col.masked") if m else ctx.t("figure.small_base") if s else ""
             for m, s in zip(rows["masked"].to_list(), rows["small_base"].to_list(), strict=True)]
    rows = rows.with_columns(note=pl.Series(notes, dtype=pl.Utf8))
    unit = cm.metric.unit
    st.markdown(ctx.t("custom.preview_title", name=cm.metric.name(ctx.lang), period=quarter.label))
    columns = {"label": (ctx.t("col.group"), "text"), "value": (cm.metric.name(ctx.lang), unit)}
    if "numerator" in cm.checked.columns:
        columns |= {"numerator": (ctx.t("custom.numerator"), "decimal"),
                    "denominator": (ctx.t("col.denominator"), "decimal")}
    columns["note"] = (ctx.t("custom.note"), "text")
    formatted_table(rows, columns, ctx.lang)
