"""Inbox (绿色通道): the alerts in the viewer's scope with their 24-hour clock; owners acknowledge, record what they
did and resolve; sales directors file urgent requests that HR answers."""
from __future__ import annotations

import datetime as dt
import threading

import polars as pl
import streamlit as st

from analytics.alerts import inbox_report, outbox, rules, store
from analytics.core.i18n import fmt_datetime, fmt_number
from ui.context import context, get_database
from ui.plaintext import plain

ctx = context()
lang = ctx.lang
db = get_database(ctx.db_path)
now = dt.datetime.now().replace(microsecond=0)
st.title(ctx.t("inbox.title"))
st.caption(ctx.t("inbox.caption"))
if flash := st.session_state.pop("inbox_flash", None):
    st.success(flash)

# ── the clock at a glance ──
open_rows, held = inbox_report.listing(db, ctx.viewer, lang, now, "open")
mine = open_rows.filter(pl.col("may_answer"))
span = inbox_report.window(ctx.period.to_date(ctx.as_of), ctx.as_of, now)  # the sidebar's period (and since)
share = inbox_report.response_share(db, ctx.viewer, span).row(0, named=True)
c1, c2, c3 = st.columns(3)
c1.metric(ctx.t("inbox.for_you"), fmt_number(mine.height, "count", lang), border=True)
c2.metric(ctx.t("inbox.overdue"), fmt_number(open_rows.filter(pl.col("overdue")).height, "count", lang), border=True)
c3.metric(ctx.t("inbox.in_time", period=ctx.period.label), fmt_number(share["value"], "ratio", lang), border=True,
          help=ctx.t("inbox.in_time_help", n=fmt_number(share["numerator"], "count", lang),
                     d=fmt_number(share["denominator"], "count", lang), since=fmt_datetime(
                         dt.datetime.combine(span.start, dt.time()), lang)))

# ── the list ──
which = st.segmented_control(ctx.t("inbox.show"), ["open", "closed", "all"], default="open",
                             format_func=lambda w: ctx.t(f"inbox.which.{w}"), key="inbox_which") or "open"
rows, held = (open_rows, held) if which == "open" else inbox_report.listing(db, ctx.viewer, lang, now, which)
if rows.is_empty():
    st.caption(ctx.t("inbox.empty"))
else:
    st.dataframe(pl.DataFrame({  # table cells are plain text: no markdown to neutralise
        ctx.t("inbox.severity"): rows["severity_text"].to_list(),
        ctx.t("inbox.clock"): rows["clock"].to_list(),
        ctx.t("inbox.state"): [ctx.t(f"inbox.states.{s}") for s in rows["state"].to_list()],
        ctx.t("inbox.rule"): rows["rule"].to_list(),
        ctx.t("inbox.what"): rows["what"].to_list(),
        ctx.t("inbox.owner"): rows["owner"].to_list(),
        ctx.t("inbox.raised"): [fmt_datetime(d, lang) for d in rows["raised_at"].to_list()],
    }), hide_index=True, width="stretch", key="inbox_table",
        column_config={ctx.t("inbox.what"): st.column_config.TextColumn(width="large")})
if held:
    st.caption(ctx.t("inbox.held", n=held))

# ── answering one ──
answerable = rows.filter(pl.col("may_answer") & pl.col("state").is_in(["new", "acknowledged"]))
asked = st.query_params.get("alert")
if answerable.height:
    st.subheader(ctx.t("inbox.answer_title"))
    labels = {r["alert_id"]: f"{r['severity_text']} · {r['rule']} · {r['what'][:80]}"
              for r in answerable.iter_rows(named=True)}
    ids = list(labels)
    first = ids.index(int(asked)) if asked and asked.isdigit() and int(asked) in labels else 0
    pick = st.selectbox(ctx.t("inbox.pick"), ids, index=first, format_func=labels.get, key="inbox_pick")
    row = answerable.filter(pl.col("alert_id") == pick).row(0, named=True)
    st.markdown(f"**{plain(row['what'])}**")
    st.caption(ctx.t("inbox.detail", raised=fmt_datetime(row["raised_at"], lang),
                     due=fmt_datetime(row["due_at"], lang), clock=row["clock"]))
    done = store.actions(db, [pick])
    for a in done.iter_rows(named=True):
        st.caption(ctx.t("inbox.action_line", when=fmt_datetime(a["done_at"], lang), who=a["done_by"],
                         text=plain(a["text"])))
    note = st.text_input(ctx.t("inbox.note"), max_chars=store.MAX_TEXT, key=f"inbox_note_{pick}")
    b1, b2, b3 = st.columns(3)
    try:
        if row["state"] == "new" and b1.button(ctx.t("inbox.ack"), type="primary", key="inbox_ack"):
            store.acknowledge(db, ctx.viewer, pick, dt.datetime.now(), note)
            st.session_state["inbox_flash"] = ctx.t("inbox.acked")
            st.rerun()
        if b2.button(ctx.t("inbox.act"), key="inbox_act"):
            store.add_action(db, ctx.viewer, pick, note, dt.datetime.now())
            st.session_state["inbox_flash"] = ctx.t("inbox.acted")
            st.rerun()
        if b3.button(ctx.t("inbox.resolve"), key="inbox_resolve"):
            store.resolve(db, ctx.viewer, pick, note, dt.datetime.now())
            st.session_state["inbox_flash"] = ctx.t("inbox.resolved")
            st.rerun()
    except store.AlertError as exc:
        st.error(ctx.t(f"inbox.error.{exc.code}", n=store.MAX_TEXT))

# ── an urgent request from Sales ──
if store.may_request(ctx.viewer):
    st.subheader(ctx.t("inbox.request_title"))
    st.caption(ctx.t("inbox.request_caption"))
    teams = db.sql("select org_unit_id, name_en, name_zh, parent_id from org_units where level = 'team' "
                   "order by org_unit_id")
    tree = store.org_tree(db)
    units = [r for r in teams.iter_rows(named=True) if store.covers(ctx.viewer, r["org_unit_id"], tree)]
    names = {r["org_unit_id"]: r["name_zh" if lang == "zh" else "name_en"] for r in units}
    with st.form("inbox_request", clear_on_submit=True):
        k1, k2, k3 = st.columns([2, 2, 1])
        kind = k1.selectbox(ctx.t("inbox.kind"), store.REQUEST_KINDS,
                            format_func=lambda k: ctx.t(f"alerts.request_kind.{k}"), key="inbox_kind")
        unit = k2.selectbox(ctx.t("inbox.team"), list(names), format_func=names.get, key="inbox_unit")
        people = k3.number_input(ctx.t("inbox.people"), min_value=0, max_value=1000, value=0, step=1,
                                 key="inbox_people")
        text = st.text_area(ctx.t("inbox.need"), max_chars=store.MAX_TEXT, key="inbox_text")
        d1, d2 = st.columns(2)
        later = now + dt.timedelta(hours=24)
        due_day = d1.date_input(ctx.t("inbox.due_day"), value=later.date(), min_value=now.date(),
                                max_value=now.date() + dt.timedelta(days=store.MAX_REQUEST_DAYS), key="inbox_due_day")
        due_time = d2.time_input(ctx.t("inbox.due_time"), value=later.time().replace(second=0), key="inbox_due_time")
        if st.form_submit_button(ctx.t("inbox.file"), type="primary"):
            config = rules.load()
            rule = config.rule(store.REQUEST_RULE)
            try:
                alert_id = store.file_request(
                    db, ctx.viewer, kind, unit or "", text, dt.datetime.combine(due_day, due_time),
                    dt.datetime.now(), rule.owners if rule else ("hr_head",), rule.severity if rule else "urgent",
                    int(people) or None, ctx.as_of)
                if outbox.queue(db, config, [alert_id], dt.datetime.now()):  # told now, without waiting for it
                    threading.Thread(target=outbox.deliver, args=(db, config, dt.datetime.now()),
                                     name="tandem-alert-send").start()
                st.session_state["inbox_flash"] = ctx.t("inbox.filed")
                st.rerun()
            except store.AlertError as exc:
                st.error(ctx.t(f"inbox.error.{exc.code}", n=store.MAX_TEXT))
