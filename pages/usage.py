"""Usage (使用情况): how the app itself is used — page views, exports and sessions per month by role and by page,
the most and least used pages of a quarter, the quarterly PDF; for admins also the use by user and the feedback
notes, each marked handled when done (audited). Admins and the HR head only."""
from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from analytics.charts.figures import labelled_bars, stacked_bars
from analytics.core import usage_log
from analytics.core.i18n import LANG_LABELS, fmt_datetime, fmt_number
from analytics.reviews import export, usage_report
from analytics.reviews.usage_pdf import usage_pdf
from ui.context import _org_tree, context, get_database
from ui.widgets import chart, table

ctx = context()
lang = ctx.lang
if not (ctx.viewer.is_admin or "hr_head" in ctx.viewer.roles):  # the menu offers it to these two only
    st.stop()
st.title(ctx.t("usage.title"))
st.caption(ctx.t("usage.caption"))
db = get_database(ctx.db_path)
today = dt.date.today()
quarters = {q.label: q for q in usage_report.quarters_with_use(db, today, ctx.fy_start)}
label = st.selectbox(ctx.t("usage.quarter"), list(quarters), key="usage_quarter",
                     format_func=lambda x: ctx.t("usage.running", label=x) if quarters[x].end >= today else x)
report = usage_report.build(db, ctx.viewer, quarters[label], ctx.min_base, today)
whole = report.totals.select("page_views", "exports", "sessions").sum().row(0, named=True)
cards = st.columns(5)
cards[0].metric(ctx.t("col.page_views"), fmt_number(whole["page_views"], "count", lang), border=True)
cards[1].metric(ctx.t("col.exports"), fmt_number(whole["exports"], "count", lang), border=True)
cards[2].metric(ctx.t("col.sessions"), fmt_number(whole["sessions"], "count", lang), border=True)
if report.by_user is not None:  # distinct users of the quarter: admins (others see them per month)
    cards[3].metric(ctx.t("col.active_users"), fmt_number(report.by_user.height, "count", lang), border=True)
cards[4].metric(ctx.t("usage.notes_card"), fmt_number(report.notes, "count", lang), border=True)

def pdf_bytes() -> bytes:
    data = usage_pdf(report, lang, today)
    export.record_export(db, ctx.viewer.user, f"usage report {label}.pdf", ctx.viewer.scope_key, None)
    return data


st.download_button(ctx.t("usage.pdf_button"), data=pdf_bytes, file_name=f"usage_{label}.pdf",
                   mime="application/pdf", key="usage_pdf", on_click="ignore", icon=":material/picture_as_pdf:")
if report.totals["page_views"].sum() == 0 and report.totals["exports"].sum() == 0:
    st.info(ctx.t("usage.no_use"))
    st.stop()

st.subheader(ctx.t("usage.by_month"))
table(usage_report.named(report.totals, lang), key="usage_months")
st.subheader(ctx.t("usage.by_role"))
st.caption(ctx.t("usage.roles_note") + " " + ctx.t("usage.names_note"))
if report.pooled_roles:
    st.caption(ctx.t("usage.pooled_note", n=report.pooled_roles))
roles = usage_report.named(report.by_role, lang)
chart(stacked_bars(roles, "month", "page_views", "role", lang, ctx.t("usage.chart_roles")), "usage_roles_chart",
      name=f"usage_roles_{label}", stamp=label)
table(roles, key="usage_roles")
st.subheader(ctx.t("usage.by_page"))
ranked = usage_report.named(report.ranking.filter(pl.col("page_views") > 0), lang)
if ranked.height:
    chart(labelled_bars(ranked["page"].to_list(), ranked["page_views"].to_list(), lang,
                        ctx.t("usage.chart_pages", quarter=label), unit="count"), "usage_pages_chart",
          name=f"usage_pages_{label}", stamp=label)
left, right = st.columns(2)
left.markdown(f"**{ctx.t('usage.most_used')}**")
with left:
    table(usage_report.named(report.most_used, lang), key="usage_most")
right.markdown(f"**{ctx.t('usage.least_used')}**")
with right:
    table(usage_report.named(report.least_used, lang), key="usage_least")
never = report.never_opened
st.caption(ctx.t("usage.never_opened", n=len(never), pages=("、" if lang == "zh" else ", ").join(
    usage_report.page_name(p, lang) for p in never)) if never else ctx.t("usage.all_opened"))
with st.expander(ctx.t("usage.by_page")):
    table(usage_report.named(report.by_page, lang), key="usage_pages")

if report.by_user is not None:  # admins: names, and the feedback notes
    st.subheader(ctx.t("usage.by_user"))
    table(usage_report.named(report.by_user, lang), key="usage_users")
    st.subheader(ctx.t("usage.feedback"))
    st.caption(ctx.t("usage.feedback_caption"))
    notes = usage_log.feedback_notes(db)
    if not st.toggle(ctx.t("usage.show_handled"), key="usage_show_handled"):
        notes = notes.filter(pl.col("status") == "open")
    if notes.is_empty():
        st.caption(ctx.t("usage.feedback_none"))
    else:
        units = {u["org_unit_id"]: u["name_zh" if lang == "zh" else "name_en"]
                 for u in _org_tree(ctx.db_path, ctx.data_version)}
        shown = usage_report.named(notes, lang).with_columns(
            pl.col("scope").replace_strict(units, default=ctx.t("sidebar.all"), return_dtype=pl.Utf8),
            pl.col("lang").replace_strict(LANG_LABELS, default="—", return_dtype=pl.Utf8).alias("language"),
            pl.col("status").map_elements(lambda s: ctx.t(f"usage.status.{s}"), return_dtype=pl.Utf8),
            pl.col("period").fill_null("—"))
        table(shown.select("created_at", "page", "note", "username", "roles", "period", "scope", "language", "status",
                           "handled_by"), key="usage_notes")
        ids = notes["feedback_id"].to_list()
        described = {r["feedback_id"]: f"{fmt_datetime(r['created_at'], lang)} · {r['username']} · {r['page']}"
                     for r in shown.with_columns(feedback_id=notes["feedback_id"]).iter_rows(named=True)}
        c1, c2 = st.columns([3, 1])
        chosen = c1.selectbox(ctx.t("usage.pick_note"), ids, format_func=described.get, key="usage_note_pick")
        is_open = notes.filter(pl.col("feedback_id") == chosen)["status"].item() == "open"
        if c2.button(ctx.t("usage.mark" if is_open else "usage.reopen"), key="usage_note_mark"):
            usage_log.set_handled(db, ctx.viewer.user, chosen, handled=is_open)
            st.session_state["usage_note_done"] = is_open
            st.rerun()
        done = st.session_state.pop("usage_note_done", None)
        if done is not None:
            st.success(ctx.t("usage.marked" if done else "usage.reopened"))
