"""The Live sync section of the Data page: the PostgreSQL source the app reads on its schedule (host and database,
never the user or password), the schedule, the last round and its outcome, the next round, the last ten rounds,
and "Sync now" — one round run in the page, the same round the schedule runs (analytics/sources/sync_rounds.py),
audited with the signed-in user. Without ``TANDEM_SYNC_FROM``: one sentence on how to set it up.
"""
from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from analytics.core.db import Database
from analytics.core.i18n import code_label, fmt_datetime, fmt_number
from analytics.sources import sync_rounds
from analytics.sources.sync_rounds import Outcome, SyncSettings
from ui import sync_clock
from ui.context import Context, context, get_database
from ui.data_change import after_load_shown

RECENT = 10
VARIABLES = {"from": "TANDEM_SYNC_FROM", "every": "TANDEM_SYNC_EVERY", "tables": "TANDEM_SYNC_TABLES",
             "mapping": "TANDEM_SYNC_MAPPING"}


def _when(ctx: Context, moment: dt.datetime | None) -> str:
    return fmt_datetime(moment, ctx.lang) if moment is not None else ctx.t("sync.never")


def _count(ctx: Context, n: int) -> str:
    return fmt_number(n, "count", ctx.lang)


def _into(ctx: Context, out: Outcome) -> str:
    """The Tandem tables a round loaded rows into, with their rows: ``Employees 3, Orders 2``."""
    parts = [f"{code_label('table', table, ctx.lang)} {_count(ctx, n)}" for table, n in out.rows_loaded.items() if n]
    return ("、" if ctx.lang == "zh" else ", ").join(parts) or "—"


def _by(ctx: Context, actor: str) -> str:
    return ctx.t("sync.by_schedule") if actor == sync_clock.ACTOR else actor


def _details(ctx: Context, out: Outcome) -> None:
    """What the source or the check said about a round that did not load (its own words, password removed)."""
    if out.outcome in ("loaded", "unchanged"):
        return
    st.caption(ctx.t("sync.details"))
    st.code("\n".join([out.message, *out.issues]), language=None, wrap_lines=True)


def _sync_now(ctx: Context, db: Database, settings: SyncSettings) -> None:
    if not st.button(ctx.t("sync.now"), key="data_sync_now", type="primary"):
        return
    with st.status(ctx.t("sync.running"), expanded=False) as box:
        out = sync_rounds.attempt(db, settings, ctx.viewer.user, ctx.fy_start, wait=False)
        box.update(label=ctx.t("sync.ran"), state="complete")
    if out is None:
        st.info(ctx.t("sync.busy"))
        return
    if out.outcome == "loaded":
        st.success(ctx.t("sync.done.loaded", n=_count(ctx, out.rows), into=_into(ctx, out)))
        after_load_shown(ctx, db)
    elif out.outcome == "unchanged":
        st.info(ctx.t("sync.done.unchanged"))
    else:
        st.error(ctx.t(f"sync.done.{out.outcome}"))


def _status(ctx: Context, rounds: list[Outcome]) -> None:
    last = rounds[0] if rounds else None
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(ctx.t("sync.last"), _when(ctx, last.started_at if last else None))
    c2.metric(ctx.t("sync.outcome_label"), ctx.t(f"sync.outcome.{last.outcome}") if last else "—")
    c3.metric(ctx.t("sync.rows"), _count(ctx, last.rows) if last else "—")
    upcoming = sync_clock.next_round(ctx.db_path)
    c4.metric(ctx.t("sync.next"), fmt_datetime(upcoming, ctx.lang) if upcoming else ctx.t("sync.not_scheduled"))
    if last is not None:
        _details(ctx, last)


def _table(ctx: Context, rounds: list[Outcome]) -> None:
    st.markdown(ctx.t("sync.recent", n=_count(ctx, len(rounds))))
    st.dataframe(pl.DataFrame({
        ctx.t("sync.col_started"): [_when(ctx, r.started_at) for r in rounds],
        ctx.t("sync.col_seconds"): [fmt_number((r.finished_at - r.started_at).total_seconds(), "decimal", ctx.lang)
                                    for r in rounds],
        ctx.t("sync.col_by"): [_by(ctx, r.actor) for r in rounds],
        ctx.t("sync.col_outcome"): [ctx.t(f"sync.outcome.{r.outcome}") for r in rounds],
        ctx.t("sync.col_tables"): [_count(ctx, len(r.tables_read)) for r in rounds],
        ctx.t("sync.col_rows"): [_count(ctx, r.rows) for r in rounds],
        ctx.t("sync.col_into"): [_into(ctx, r) for r in rounds],
    }), hide_index=True, width="stretch", key="data_sync_rounds")


def sync_panel() -> None:
    """The section; shown on the Data page to whoever may load data there."""
    ctx = context()
    st.subheader(ctx.t("sync.title"))
    settings = sync_rounds.from_environment()
    if settings is None:
        st.caption(ctx.t("sync.not_configured"))
        # the two settings most need; the optional ones (tables, schema, mapping) are in docs/sync.md
        st.code(f"TANDEM_SYNC_FROM=<{ctx.t('sync.example_address')}>\nTANDEM_SYNC_EVERY=15", language="bash")
        return
    if settings.problem is not None or settings.source is None:
        st.warning(ctx.t(f"sync.bad.{settings.problem}"))
        st.code(VARIABLES.get(settings.problem or "from", "TANDEM_SYNC_FROM"), language=None)
        return
    source = settings.source
    minutes = fmt_number(settings.every, "count", ctx.lang)
    st.caption(ctx.t("sync.source", host=f"{source.host}:{source.port}", database=source.dbname, minutes=minutes))
    db = get_database(ctx.db_path)
    _sync_now(ctx, db, settings)
    rounds = sync_rounds.recent(db, RECENT)
    _status(ctx, rounds)
    if rounds:
        _table(ctx, rounds)
