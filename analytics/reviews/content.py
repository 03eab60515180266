"""What the joint reviews show: the monthly coordination meeting (月度协调会) and the quarterly strategy
meeting (季度战略会), as an ordered list of items — each a title, one computed takeaway sentence, the
metric definitions (for slide notes), a chart from ``analytics/charts/figures.py``, a table and the key numbers.

Everything is computed for one viewer: scope filtering happens in the data layer, people are named only
to viewers with person-level rights, and aggregate viewers get counts. ``reviews.save_review`` freezes a
Review; ``packs.pack_bytes`` renders one to PPTX, PDF or HTML.

The items live in ``monthly`` and ``quarterly``, what they share in ``context``, their words in ``texts``,
and ``Review`` / ``Item`` in ``model``; this module puts a review together and adds the last item, the
action items of the previous meeting, read from ``store`` (which imports only ``model``).
"""
from __future__ import annotations

import datetime as dt

import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.i18n import code_label, fmt_date
from analytics.core.periods import Period
from analytics.metrics.engine import as_of_date
from analytics.people import risk_report
from analytics.reviews import monthly, quarterly, store
from analytics.reviews.company_metrics import company_metrics
from analytics.reviews.context import Ctx, clean, relabel, scope_label
from analytics.reviews.model import GRAIN, KINDS, Item, Review, ReviewError
from analytics.reviews.texts import tx

__all__ = ["GRAIN", "KINDS", "Item", "Review", "ReviewError", "build_review", "scope_label", "subtitle"]


def _actions(ctx: Ctx, kind: str) -> Item:
    lang = ctx.lang
    prev = store.previous_review(ctx.db, ctx.viewer, kind, before=ctx.period.label)
    title = tx("actions.title", lang)
    if prev is None:
        return Item("actions", title, tx("actions.none", lang), tx("actions.def", lang),
                    numbers={"previous_review": None, "items": 0})
    items = store.carried_items(ctx.db, kind, ctx.period.label, ctx.viewer, open_only=False)
    current = store.find_meeting(ctx.db, kind, ctx.period.label, ctx.viewer.scope_key)
    if current is not None:  # items carried into this meeting and moved on in it show where they stand now
        copies = store.action_items(ctx.db, current["review_id"]).filter(pl.col("carried_from").is_not_null())
        items = items.update(copies.select(pl.col("carried_from").alias("item_id"), "status"), on="item_id")
    counts = {s: items.filter(pl.col("status") == s).height for s in store.STATUSES}
    overdue = items.filter(pl.col("status").is_in(store.OPEN_STATUSES) & (pl.col("due_date") < ctx.day)).height
    numbers = {"previous_review": prev["review_id"], "items": items.height, **counts, "overdue": overdue}
    table = items.select(
        pl.col("text").alias(tx("actions.text", lang)),
        pl.col("owner").map_elements(lambda o: code_label("owner", o, lang), return_dtype=pl.Utf8)
        .alias(tx("actions.owner", lang)),
        pl.col("due_date").alias(tx("actions.due", lang)),
        relabel("status", {s: tx(f"status.{s}", lang) for s in store.STATUSES}, tx("actions.status", lang)))
    take = tx("actions.take", lang, n=items.height, prev=prev["period"], open=counts["open"],
              progress=counts["in_progress"], done=counts["done"], dropped=counts["dropped"], overdue=overdue)
    return Item("actions", title, take, tx("actions.def", lang), None, table if table.height else None, numbers)


def build_review(db: Database, viewer: Viewer, kind: str, period: Period, as_of: dt.date | None = None,
                 lang: str = "en", fy_start: int = 1, meetings_version: int | None = None,
                 risk_model: str | None = None, alerts_key: str | None = None) -> Review:
    """The review of ``kind`` for ``period`` (a month for monthly, a fiscal quarter for quarterly) as the
    viewer sees it, with data as of ``as_of`` (default: the database's as-of date). ``meetings_version``
    (``store.meetings_version``) is not read: a cache keys the live review on it, since action items move
    without a data change. ``risk_model`` (a stored flight-risk model's reference) scores the alerts with that
    model — the previous one while the current data's model is being fitted — instead of waiting for a fit.
    ``alerts_key`` (``alerts_key(db)``) is not read either: it keys the live review on the alerts written since
    and the hour (the monthly review lists them with their response clocks)."""
    with risk_report.showing(risk_model):
        return _build(db, viewer, kind, period, as_of, lang, fy_start)


def _build(db: Database, viewer: Viewer, kind: str, period: Period, as_of: dt.date | None, lang: str,
           fy_start: int) -> Review:
    if kind not in KINDS:
        raise ReviewError("unknown_kind", kind=repr(kind))
    if lang not in ("en", "zh"):
        raise ReviewError("unknown_language", lang=repr(lang))
    if period.grain != GRAIN[kind]:
        example = "2025-11" if kind == "monthly" else "2025-Q3"
        raise ReviewError("one_period", grain=GRAIN[kind], period=period.label, example=example)
    as_of = as_of or as_of_date(db)
    if period.start > as_of:
        raise ReviewError("not_begun", period=period.label, as_of=as_of.isoformat())
    ctx = Ctx(db, viewer, period, as_of, lang, fy_start)
    builders = monthly.ITEMS if kind == "monthly" else quarterly.ITEMS
    items = [it for build in builders if (it := build(ctx)) is not None]
    if (own := company_metrics(ctx)) is not None:  # the company's own metrics (metrics/*.toml), when it has any
        items.append(own)
    items.append(_actions(ctx, kind))
    for it in items:
        it.numbers = {k: clean(v) for k, v in it.numbers.items()}
    label = ctx.label(period)
    title = tx(f"title.{kind}", lang, label=label)
    return Review(kind, period.label, as_of, viewer.scope_key, lang, title, items, scope_label(db, viewer, lang),
                  db.data_version)


def subtitle(review: Review) -> str:
    """"Period · data as of · scope", in the review's language."""
    if review.lang == "zh":
        return f"期间 {review.period} · 数据截至 {fmt_date(review.as_of, 'zh')} · 范围 {review.scope_label}"
    return f"Period {review.period} · data as of {fmt_date(review.as_of, 'en')} · scope {review.scope_label}"
