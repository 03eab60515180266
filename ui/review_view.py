"""The joint review pages (monthly coordination, quarterly strategy): live or frozen, packs, action items.

A meeting is kind × period × scope. The live review freezes into it once ("freeze again" replaces the numbers,
on purpose); its action items are added and closed in the live review as well as in the frozen one, by viewers
whose scope covers the meeting's. User text is shown as plain text (tables and option labels), never markdown.
"""
from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from analytics.alerts import store as alerts_store
from analytics.core.db import Database
from analytics.core.i18n import code_label
from analytics.core.periods import month_period, quarter_of
from analytics.people import risk_store
from analytics.reviews import packs
from analytics.reviews import store as reviews
from analytics.reviews.content import Review, ReviewError
from analytics.reviews.context import unit_names
from analytics.reviews.seed import freeze_seeded
from ui import cached
from ui.context import Context, context, get_database
from ui.risk_model import model_ref
from ui.widgets import chart

STATUSES = reviews.STATUSES


def _period(ctx: Context, kind: str):
    """The review's period: the month (monthly) or fiscal quarter (quarterly) holding the selection's end."""
    last = ctx.period.to_date(ctx.as_of).months[-1]
    return month_period(last) if kind == "monthly" else quarter_of(last, ctx.fy_start)


def scope_words(ctx: Context, db: Database, scope: str) -> str:
    """A stored scope in words: "Whole company", "East", "East, North (aggregates only)"."""
    units, person = reviews.scope_id(scope)
    if units == "*":
        text = ctx.t("review.scope_company")
    else:
        names = unit_names(db, ctx.lang)
        text = ("、" if ctx.lang == "zh" else ", ").join(names.get(u, u) for u in units.split(",") if u) or "—"
    return text if person else ctx.t("review.scope_aggregate", scope=text)


def _render(ctx: Context, review: Review, frozen: bool) -> None:
    stamp = f"{scope_words(ctx, get_database(ctx.db_path), review.scope)} · {review.period}"  # on exported charts
    for item in review.items:
        st.subheader(item.title)
        st.markdown(f"**{item.takeaway}**")
        if item.figure is not None:
            chart(item.figure, f"review_{review.review_id or 'live'}_{item.id}", name=item.id, stamp=stamp)
        if item.table is not None and item.table.height:
            header, rows, _ = packs.display_rows(item, review.lang)
            st.dataframe(pl.DataFrame(rows, schema=header, orient="row"), hide_index=True, width="stretch")
        if item.definition:
            st.caption(item.definition)
    if frozen:
        st.caption(ctx.t("review.frozen_note", date=review.as_of.isoformat(), who=_who(ctx, review.created_by)))


def _pack_buttons(ctx: Context, review: Review) -> None:
    db = get_database(ctx.db_path)
    columns = st.columns(3)
    for column, fmt in zip(columns, packs.PACK_FORMATS, strict=True):
        column.download_button(
            ctx.t(f"review.pack_{fmt}"),
            data=lambda f=fmt: packs.export_pack(db, review, f, ctx.viewer.user),  # built (and audited) on click
            file_name=packs.pack_filename(review, fmt), key=f"pack_{fmt}_{review.review_id or 'live'}",
            on_click="ignore")


def _items_table(ctx: Context, items: pl.DataFrame) -> pl.DataFrame:
    """The items as plain-text cells (a table never renders markdown, links or images)."""
    status = {s: ctx.t(f"review.status.{s}") for s in STATUSES}
    return items.select(
        pl.col("text").alias(ctx.t("review.item_text")),
        pl.col("owner").map_elements(lambda o: code_label("owner", o, ctx.lang), return_dtype=pl.Utf8)
        .fill_null("—").alias(ctx.t("review.item_owner")),
        pl.col("due_date").cast(pl.Utf8).fill_null("—").alias(ctx.t("review.item_due")),
        (pl.col("status").replace_strict(status, default=pl.col("status"))
         + pl.when(pl.col("carried_from").is_not_null()).then(pl.lit(" " + ctx.t("review.carried")))
         .otherwise(pl.lit(""))).alias(ctx.t("review.status")))


def _meeting_actions(ctx: Context, db: Database, review: Review, live: bool) -> None:
    """The meeting's action items: the table, then (for viewers whose scope covers the meeting) a status
    change and an add form. In the live review, the first write opens the meeting's record."""
    if live:
        review_id, items = reviews.meeting_items(db, review.kind, review.period, ctx.viewer)
    else:
        review_id, items = review.review_id, reviews.action_items(db, review.review_id)
    key = f"{review.kind}_{'live' if live else review.review_id}"
    st.subheader(ctx.t("review.actions"))
    st.caption(ctx.t("review.meeting_of", period=review.period, scope=scope_words(ctx, db, review.scope)))
    carried = st.empty()  # always drawn, so opening the meeting does not shift the widgets below (no stale copies)
    if live and review_id is None and items.height:
        previous = reviews.previous_review(db, ctx.viewer, review.kind, before=review.period)
        carried.info(ctx.t("review.open_from_last", n=items.height, period=previous["period"] if previous else "—"))
    if items.is_empty():
        st.caption(ctx.t("review.no_actions"))
    else:
        st.dataframe(_items_table(ctx, items), hide_index=True, width="stretch")
    if not reviews.may_write(db, ctx.viewer, review.scope):
        st.caption(ctx.t("review.read_only"))
        return

    def meeting() -> int:
        if review_id is not None:
            return review_id
        return reviews.open_meeting(db, review.kind, review.period, review.as_of, ctx.viewer, review.title,
                                    ctx.viewer.user)

    if items.height:
        texts = {i: t if len(t) <= 90 else t[:89] + "…" for i, t in zip(items["item_id"], items["text"], strict=True)}
        left, mid, right = st.columns([5, 2, 1], vertical_alignment="bottom")
        pick = left.selectbox(ctx.t("review.item_pick"), list(texts), key=f"item_pick_{key}",
                              format_func=lambda i: texts.get(i, str(i)))
        status = mid.selectbox(ctx.t("review.status"), STATUSES, format_func=lambda s: ctx.t(f"review.status.{s}"),
                               key=f"item_status_{key}")
        if right.button(ctx.t("review.update"), key=f"item_update_{key}"):
            try:
                target = meeting()
                reviews.update_action_item(db, reviews.item_in_meeting(db, target, pick), status, ctx.viewer.user,
                                           viewer=ctx.viewer)
                st.rerun()
            except ReviewError as exc:
                st.error(exc.text(ctx.lang))
    with st.form(f"add_item_{key}", clear_on_submit=True):
        text = st.text_input(ctx.t("review.item_text"), max_chars=reviews.MAX_TEXT, key=f"item_text_{key}")
        c1, c2 = st.columns(2)
        owner = c1.text_input(ctx.t("review.item_owner"), key=f"item_owner_{key}")
        due = c2.date_input(ctx.t("review.item_due"), value=dt.date.today() + dt.timedelta(days=30))
        if st.form_submit_button(ctx.t("review.add_item"), key=f"item_add_{key}") and text.strip():
            try:
                reviews.add_action_item(db, meeting(), text.strip(), owner or None, due, ctx.viewer.user,
                                        viewer=ctx.viewer)
                st.rerun()
            except (ReviewError, ValueError) as exc:
                st.error(exc.text(ctx.lang) if isinstance(exc, ReviewError) else str(exc))


def _freeze_controls(ctx: Context, db: Database, review: Review) -> None:
    """Save the live review as its meeting, once; a frozen meeting offers "freeze again" behind a tick."""
    kind = review.kind
    found = reviews.find_meeting(db, kind, review.period, review.scope)
    if found is None or not found["frozen"]:
        if st.button(ctx.t("review.save"), key=f"save_{kind}", type="primary"):
            new_id = reviews.save_review(db, review, ctx.viewer.user)
            st.session_state[f"review_flash_{kind}"] = ctx.t("review.saved", id=new_id)
            st.rerun()
        return
    when = f"{found['created_at']:%Y-%m-%d %H:%M}" if found["created_at"] else "—"
    who = _who(ctx, found["created_by"])
    st.info(ctx.t("review.frozen_already", id=found["review_id"], date=when, who=who))
    sure = st.checkbox(ctx.t("review.refreeze_confirm", date=when, who=who), key=f"refreeze_ok_{kind}")
    if st.button(ctx.t("review.refreeze"), key=f"refreeze_{kind}", disabled=not sure):
        reviews.save_review(db, review, ctx.viewer.user, refreeze=True)
        st.session_state[f"review_flash_{kind}"] = ctx.t("review.refrozen", id=found["review_id"])
        st.rerun()


def _who(ctx: Context, user: str | None) -> str:
    """Who froze a meeting: the user name, or the demo company for the meetings it seeds."""
    return ctx.t("review.seeded_by") if user == "demo" else user or "—"


def review_page(kind: str) -> None:
    ctx = context(kind)
    db = get_database(ctx.db_path)
    model_state = risk_store.state(db, ctx.as_of)
    if model_state.ready or model_state.model is None:  # the demo's seeded meeting gets its numbers (once) on the
        freeze_seeded(db, fy_start=ctx.fy_start)  # current data's flight-risk model: not during a refit
    st.title(ctx.t(f"review.{kind}.title"))
    st.caption(ctx.t(f"review.{kind}.caption"))
    risk_model = model_ref(ctx) if kind == "monthly" else None  # never waits for a refit (its alerts)
    if flash := st.session_state.pop(f"review_flash_{kind}", None):
        st.success(flash)
    saved = reviews.list_reviews(db, ctx.viewer, kind)
    options = [None, *saved["review_id"].to_list()]
    labels = {None: ctx.t("review.live")} | {
        r["review_id"]: ctx.t("review.saved_label", period=r["period"], as_of=str(r["as_of"]), id=r["review_id"],
                              open=r["open_items"]) + " · "
        + ctx.t("review.entry_owner", scope=scope_words(ctx, db, r["scope"]), who=_who(ctx, r["created_by"]))
        for r in saved.iter_rows(named=True)}
    chosen = st.selectbox(ctx.t("review.open"), options, format_func=labels.get, key=f"review_open_{kind}")
    try:
        if chosen is None:
            period = _period(ctx, kind)
            review = cached.report(ctx, "review.build", kind, period, ctx.as_of, ctx.lang, ctx.fy_start,
                                   reviews.meetings_version(db), risk_model,
                                   alerts_store.alerts_key(db) if kind == "monthly" else None)
        else:
            review = reviews.load_review(db, chosen, ctx.viewer)
    except (ReviewError, ValueError) as exc:
        st.error(exc.text(ctx.lang) if isinstance(exc, ReviewError) else str(exc))
        return
    st.markdown(f"### {review.title}")
    _pack_buttons(ctx, review)
    if chosen is None:
        _freeze_controls(ctx, db, review)
    _render(ctx, review, frozen=chosen is not None)
    _meeting_actions(ctx, db, review, live=chosen is None)
