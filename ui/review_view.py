"""The joint review pages (monthly coordination, quarterly strategy): live or frozen, packs, action items."""
from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from analytics.core.periods import month_period, quarter_of
from analytics.reviews import packs
from analytics.reviews import store as reviews
from analytics.reviews.content import Review, ReviewError
from ui import cached
from ui.context import Context, context, get_database
from ui.widgets import chart

STATUSES = ("open", "in_progress", "done", "dropped")


def _period(ctx: Context, kind: str):
    """The review's period: the month (monthly) or fiscal quarter (quarterly) holding the selection's end."""
    last = ctx.period.to_date(ctx.as_of).months[-1]
    return month_period(last) if kind == "monthly" else quarter_of(last, ctx.fy_start)


def _render(ctx: Context, review: Review, frozen: bool) -> None:
    for item in review.items:
        st.subheader(item.title)
        st.markdown(f"**{item.takeaway}**")
        if item.figure is not None:
            chart(item.figure, f"review_{review.review_id or 'live'}_{item.id}", name=item.id)
        if item.table is not None and item.table.height:
            header, rows, _ = packs.display_rows(item, review.lang)
            st.dataframe(pl.DataFrame(rows, schema=header, orient="row"), hide_index=True, width="stretch")
        if item.definition:
            st.caption(item.definition)
    if frozen:
        st.caption(ctx.t("review.frozen_note", date=review.as_of.isoformat(), who=review.created_by or "—"))


def _pack_buttons(ctx: Context, review: Review) -> None:
    db = get_database(ctx.db_path)
    columns = st.columns(3)
    for column, fmt in zip(columns, packs.PACK_FORMATS, strict=True):
        column.download_button(
            ctx.t(f"review.pack_{fmt}"),
            data=lambda f=fmt: packs.export_pack(db, review, f, ctx.viewer.user),  # built (and audited) on click
            file_name=packs.pack_filename(review, fmt), key=f"pack_{fmt}_{review.review_id or 'live'}",
            on_click="ignore")


def _action_items(ctx: Context, review_id: int) -> None:
    db = get_database(ctx.db_path)
    st.subheader(ctx.t("review.actions"))
    items = reviews.action_items(db, review_id)
    if items.is_empty():
        st.caption(ctx.t("review.no_actions"))
    for row in items.iter_rows(named=True):
        left, mid, right = st.columns([5, 2, 2])
        carried = ctx.t("review.carried") if row["carried_from"] else ""
        left.markdown(f"{row['text']} — *{row['owner'] or '—'}*, {row['due_date'] or '—'} {carried}")
        status = mid.selectbox(ctx.t("review.status"), STATUSES, index=STATUSES.index(row["status"]),
                               format_func=lambda s: ctx.t(f"review.status.{s}"), key=f"item_{row['item_id']}",
                               label_visibility="collapsed")
        if status != row["status"] and right.button(ctx.t("review.update"), key=f"upd_{row['item_id']}"):
            reviews.update_action_item(db, row["item_id"], status, ctx.viewer.user)
            st.rerun()
    with st.form(f"add_item_{review_id}", clear_on_submit=True):
        text = st.text_input(ctx.t("review.item_text"))
        c1, c2 = st.columns(2)
        owner = c1.text_input(ctx.t("review.item_owner"))
        due = c2.date_input(ctx.t("review.item_due"), value=dt.date.today() + dt.timedelta(days=30))
        if st.form_submit_button(ctx.t("review.add_item")) and text.strip():
            try:
                reviews.add_action_item(db, review_id, text.strip(), owner or None, due, ctx.viewer.user)
                st.rerun()
            except (ReviewError, ValueError) as exc:
                st.error(str(exc))


def review_page(kind: str) -> None:
    ctx = context()
    db = get_database(ctx.db_path)
    st.title(ctx.t(f"review.{kind}.title"))
    st.caption(ctx.t(f"review.{kind}.caption"))
    saved = reviews.list_reviews(db, ctx.viewer, kind)
    options = [None, *saved["review_id"].to_list()]
    labels = {None: ctx.t("review.live")} | {
        r["review_id"]: ctx.t("review.saved_label", period=r["period"], as_of=str(r["as_of"]), id=r["review_id"],
                              open=r["open_items"]) for r in saved.iter_rows(named=True)}
    chosen = st.selectbox(ctx.t("review.open"), options, format_func=labels.get, key=f"review_open_{kind}")
    try:
        if chosen is None:
            period = _period(ctx, kind)
            review = cached.report(ctx, "review.build", kind, period, ctx.as_of, ctx.lang, ctx.fy_start)
        else:
            review = reviews.load_review(db, chosen, ctx.viewer)
    except (ReviewError, ValueError) as exc:
        st.error(str(exc))
        return
    st.markdown(f"### {review.title}")
    _pack_buttons(ctx, review)
    if chosen is None:
        previous = reviews.previous_review(db, ctx.viewer, kind, before=review.period)
        if st.button(ctx.t("review.save"), key=f"save_{kind}", type="primary"):
            new_id = reviews.save_review(db, review, ctx.viewer.user)
            st.success(ctx.t("review.saved", id=new_id))
        if previous is not None:
            open_items = reviews.action_items(db, previous["review_id"]).filter(
                pl.col("status").is_in(["open", "in_progress"]))
            if open_items.height:
                st.info(ctx.t("review.open_from_last", n=open_items.height, period=previous["period"]))
                st.dataframe(open_items.select(
                    pl.col("text").alias(ctx.t("review.item_text")), pl.col("owner").alias(ctx.t("review.item_owner")),
                    pl.col("due_date").cast(pl.Date).cast(pl.Utf8).alias(ctx.t("review.item_due")),
                    pl.col("status").replace_strict({s: ctx.t(f"review.status.{s}") for s in STATUSES},
                                                    default=pl.col("status")).alias(ctx.t("review.status"))),
                    hide_index=True, width="stretch")
    _render(ctx, review, frozen=chosen is not None)
    if chosen is not None:
        _action_items(ctx, chosen)
