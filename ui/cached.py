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
from analytics.core.db import Database
from analytics.core.periods import Period
from analytics.core.result_store import ResultStore
from analytics.metrics import engine
from analytics.metrics.exclusions import in_scope as exclusions_in_scope
from analytics.reviews import overview
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


def _thaw(value: object) -> object:
    if isinstance(value, tuple) and value and value[0] == "__period__":
        return Period(*value[1:])
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
# names the stored result and says how to compute it again (ui/prewarm.py computes the newest data's results
# ahead for the requests of the previous data).
def compute(db: Database, viewer: Viewer, request: tuple) -> object:
    """Compute one request from scratch."""
    kind, _scope, *args = request
    if kind == "metric":
        metric_id, start, end, label, grain, by, lang, as_of = args
        return engine.compute(db, viewer, metric_id, _period(start, end, label, grain), by=list(by), lang=lang,
                              as_of=as_of)
    if kind == "kpis":
        start, end, label, grain, as_of, fy_start = args
        return overview.kpis(db, viewer, _period(start, end, label, grain), as_of, fy_start)
    if kind == "by_region":
        start, end, label, grain, as_of, lang = args
        return overview.by_region(db, viewer, _period(start, end, label, grain), as_of, lang)
    if kind == "exclusions":
        start, end = args
        return exclusions_in_scope(db, viewer, Period(start, end, "", "range"))
    name, call_args, call_kwargs = args
    return REPORTS[name](db, viewer, *[_thaw(a) for a in call_args], **{k: _thaw(v) for k, v in call_kwargs})


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


def _registry() -> dict[str, object]:
    from analytics.people import attrition_report, hiring_report, risk_report, talent_report
    from analytics.reviews import content as review_content
    from analytics.reviews import goals
    from analytics.sales import incentives_report, quota_report, scorecard
    reports = {
        f"attrition.{n}": getattr(attrition_report, n)
        for n in ("headline", "trend", "breakdown", "cohort_heatmap", "retention", "probation_panel",
                  "exit_reasons", "exits_list", "group_names")
    }
    reports |= {f"risk.{n}": getattr(risk_report, n) for n in ("evaluation", "ranked")}
    reports |= {f"quota.{n}": getattr(quota_report, n) for n in (
        "headline", "monthly_attainment", "distribution", "ramp", "breakdown", "leaderboard")}
    reports |= {f"scorecard.{n}": getattr(scorecard, n) for n in ("scorecard", "coaching_list", "high_potential")}
    reports |= {f"incentives.{n}": getattr(incentives_report, n) for n in (
        "payouts_in_scope", "rep_statement", "what_if")}
    reports["review.build"] = review_content.build_review
    reports |= {f"talent.{n}": getattr(talent_report, n) for n in (
        "profiles", "radar", "archetypes", "gap_heatmap", "suggestions", "nine_box", "readiness", "internal_moves",
        "ka_matching", "continuity", "training_completion", "pre_post", "training_effect", "onboarding_effect",
        "course_names")}
    reports["goals.progress"] = goals.progress
    reports |= {f"hiring.{n}": getattr(hiring_report, n) for n in (
        "recruiting_overview", "onboarding_watch", "capacity_plan", "capacity_plans", "revenue_at_risk")}
    return reports


REPORTS = _registry()
