"""What follows a load that wrote data, wherever it ran: the Data page's upload, its "Sync now", the sync schedule.

The pages' in-memory caches are cleared, the monthly panels are built for the new data before any page reads
them, the flight-risk model for the new data is fitted in the background, and the pages' figures for the new
data are computed ahead in the background (ui/prewarm.py) for the views people opened on the previous data.
"""
from __future__ import annotations

import time
from collections.abc import Callable

import streamlit as st

from analytics.core import panels
from analytics.core.db import Database
from analytics.core.i18n import fmt_number
from analytics.metrics.engine import as_of_date
from analytics.people import risk_store
from ui import cached, prewarm
from ui.context import Context


def after_load(db: Database, fy_start: int, built: Callable[[float], None] | None = None) -> bool:
    """Refresh everything the pages read after a load (``built(seconds)`` once the panels are ready); True when
    computing ahead started."""
    st.cache_data.clear()  # every page recomputes from the new data version
    seconds = sum(panels.build(db).values())
    if built is not None:
        built(seconds)
    risk_store.state(db, as_of_date(db))  # the flight-risk model for the new data: fitted in the background
    return prewarm.start(db, cached.result_store(str(db.path)), cached.compute, fy_start)


def after_load_shown(ctx: Context, db: Database) -> None:
    """:func:`after_load` on a page: the panels' progress in a status box, then how far the pages' figures for the
    new data have been computed ahead, until done (leaving the page leaves the computing going on)."""
    with st.status(ctx.t("data.building_panels"), expanded=False) as box:  # before any page reads them
        after_load(db, ctx.fy_start, built=lambda seconds: box.update(
            label=ctx.t("data.panels_built", seconds=fmt_number(seconds, "decimal", ctx.lang)), state="complete"))
    follow_prewarm(ctx, db)


def follow_prewarm(ctx: Context, db: Database) -> None:
    """After a load: how far the pages' figures for the new data have been computed ahead, until done."""
    state = prewarm.progress(str(db.path), db.data_token)
    if state is None:  # no earlier results to compute again (or computing ahead is off)
        return
    with st.status(ctx.t("data.preparing", done=0, total="…"), expanded=False) as box:
        while True:
            done, total, finished = prewarm.progress(str(db.path), db.data_token) or (0, 0, True)
            if finished:
                box.update(label=ctx.t("data.prepared", n=fmt_number(done, "count", ctx.lang)), state="complete")
                return
            box.update(label=ctx.t("data.preparing", done=fmt_number(done, "count", ctx.lang),
                                   total=fmt_number(total, "count", ctx.lang) if total else "…"))
            time.sleep(0.5)
