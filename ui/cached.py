"""Cached calls into analytics/: keyed by plain values, the viewer's scope always part of the key.

The viewer object itself is passed as ``_viewer`` (not hashed); its ``scope_key`` is an explicit
argument, so one user's cached frame can never be served to a viewer with another scope.
"""
from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from analytics.core import panels
from analytics.core.access import Viewer
from analytics.core.periods import Period
from analytics.core.result_store import ResultStore
from analytics.reviews import overview
from analytics.reviews.ahead import REPORTS, compute  # noqa: F401  (REPORTS re-exported: the pages' report names)
from ui import prewarm
from ui.context import Context, get_database


def preload() -> None:
    """What the server imports while it starts, besides this module and its report modules: pandas' Styler (a
    coloured table), which imports matplotlib — about half a second on the first page that shows one."""
    import pandas.io.formats.style  # noqa: F401


def _period(start: dt.date, end: dt.date, label: str, grain: str) -> Period:
    return Period(start, end, label, grain)


@st.cache_data(show_spinner=False, max_entries=1024)
def _metric(db_path: str, scope_key: str, data_version: int, metric_id: str, start: dt.date, end: dt.date,
            label: str, grain: str, by: tuple[str, ...], lang: str, as_of: dt.date, _viewer: Viewer) -> pl.DataFrame:
    return _stored(db_path, _viewer, ("metric", scope_key, metric_id, start, end, label, grain, by, lang, as_of))


def metric(ctx: Context, metric_id: str, by: tuple[str, ...] = (), period: Period | None = None) -> pl.DataFrame:
    p = period or ctx.period.to_date(ctx.as_of)
    return _metric(ctx.db_path, ctx.viewer.scope_key, ctx.data_version, metric_id, p.start, p.end, p.label, p.grain,
                   tuple(by), ctx.lang, ctx.as_of, ctx.viewer)


@st.cache_data(show_spinner=False, max_entries=256)
def _kpis(db_path: str, scope_key: str, data_version: int, start: dt.date, end: dt.date, label: str, grain: str,
          as_of: dt.date, fy_start: int, _viewer: Viewer) -> list[overview.Kpi]:
    return _stored(db_path, _viewer, ("kpis", scope_key, start, end, label, grain, as_of, fy_start))


def kpis(ctx: Context) -> list[overview.Kpi]:
    p = ctx.period
    return _kpis(ctx.db_path, ctx.viewer.scope_key, ctx.data_version, p.start, p.end, p.label, p.grain, ctx.as_of,
                 ctx.fy_start, ctx.viewer)


@st.cache_data(show_spinner=False, max_entries=256)
def _by_region(db_path: str, scope_key: str, data_version: int, start: dt.date, end: dt.date, label: str, grain: str,
               as_of: dt.date, lang: str, _viewer: Viewer) -> pl.DataFrame:
    return _stored(db_path, _viewer, ("by_region", scope_key, start, end, label, grain, as_of, lang))


def by_region(ctx: Context) -> pl.DataFrame:
    p = ctx.period
    return _by_region(ctx.db_path, ctx.viewer.scope_key, ctx.data_version, p.start, p.end, p.label, p.grain,
                      ctx.as_of, ctx.lang, ctx.viewer)


@st.cache_data(show_spinner=False)
def _exclusions(db_path: str, scope_key: str, data_version: int, start: dt.date, end: dt.date,
                _viewer: Viewer) -> dict[str, int]:
    return _stored(db_path, _viewer, ("exclusions", scope_key, start, end))


def exclusions(ctx: Context) -> dict[str, int]:
    """Rows left out of the metrics for the selected period, in the viewer's scope
    (sql/queries/data_exclusions_in_scope.sql)."""
    return _exclusions(ctx.db_path, ctx.viewer.scope_key, ctx.data_version, ctx.period.start, ctx.period.end,
                       ctx.viewer)


@st.cache_data(show_spinner=False)
def unassigned_orders(db_path: str, data_version: int, start: dt.date, end: dt.date) -> dict:
    return get_database(db_path).query("unassigned_orders", start=start, end=end).row(0, named=True)


# ── generic cached report calls ─────────────────────────────────────────
def _freeze(value: object) -> object:
    """Plain hashable stand-ins for arguments (a Period becomes a tagged tuple)."""
    if isinstance(value, Period):
        return ("__period__", value.start, value.end, value.label, value.grain)
    return value


@st.cache_data(show_spinner=False, max_entries=2048)
def _report(name: str, db_path: str, scope_key: str, data_version: int, args: tuple, kwargs: tuple,
            _viewer: Viewer) -> object:
    return _stored(db_path, _viewer, ("report", scope_key, name, args, kwargs))


def report(ctx: Context, name: str, *args: object, **kwargs: object) -> object:
    """Call ``REPORTS[name](db, viewer, *args, **kwargs)`` through the cache (scope and data version in the key).

    A call that takes more than half a second says what it is computing, with a timer (st.spinner shows
    after its own short delay, so a cached answer never flickers)."""
    with st.spinner(ctx.t(f"computing.{name.split('.')[0]}"), show_time=True):
        return _report(name, ctx.db_path, ctx.viewer.scope_key, ctx.data_version, tuple(_freeze(a) for a in args),
                       tuple(sorted((k, _freeze(v)) for k, v in kwargs.items())), ctx.viewer)


# ── results kept with the database (analytics/core/result_store.py) ──────
# A request is a tuple of plain values: its kind, the viewer's scope key, then the arguments. The same tuple
# names the stored result and says how to compute it again (analytics/reviews/ahead.py; ui/prewarm.py computes
# the newest data's results ahead for the requests of the previous data).
def _stored(db_path: str, viewer: Viewer, request: tuple) -> object:
    """The stored result of this data state, else computed and stored (st.cache_data keeps it in memory). A
    request already being computed (ahead, after a data change) is waited for, not computed twice."""
    db = get_database(db_path)
    token = db.data_token
    store = result_store(db_path)
    found, value = store.lookup(token, request)
    if found:
        return value
    if not prewarm.start(db, store, compute, _fy_start(), token=token):  # its thread builds the panels first
        panels.refresh_in_background(db, token=token)
    busy = prewarm.claim(db_path, token, request)
    if busy is not None:
        busy.wait()
        found, value = store.lookup(token, request)
        return value if found else compute(db, viewer, request)
    try:
        value = compute(db, viewer, request)
        store.put(token, request, value, context=viewer, note=db.meta("as_of") or "")
    finally:
        prewarm.release(db_path, token, request)
    return value


def _fy_start() -> int:
    from analytics.core.settings import SettingsError, load_settings

    try:
        return load_settings().fiscal_year_start
    except SettingsError:
        return 1


@st.cache_resource(show_spinner=False)
def result_store(db_path: str) -> ResultStore:
    return ResultStore(db_path)
