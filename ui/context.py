"""The shared sidebar (language, period, scope) and the session's context object.

``app.py`` calls :func:`render_sidebar` once per run before the page; pages call
:func:`context` to read it. Widget keys persist in ``st.session_state`` across pages.

The choices are also kept in the URL (``?lang=zh&grain=quarter&period=2025-Q3&region=east&team=east-01``;
the page is the URL's path), so a reload or a shared link opens the same view: a fresh session takes each
choice from the URL when it is one the viewer may make. Without one, the period is the last complete
period of the grain at the data's as-of date (a meeting reviews a finished period); the current, partial
one is the newest choice in the picker, labelled partial.
"""
from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from analytics.core.access import Viewer
from analytics.core.db import Database, DatabaseError, DatabaseLocked
from analytics.core.i18n import LANG_LABELS, fmt_date, t
from analytics.core.periods import Period, month_start, periods_of_grain
from analytics.core.settings import Settings, load_settings
from ui.language import lang

GRAINS = ("quarter", "month", "fiscal_year")
_RUN = threading.local()  # the context of the script run under way on this thread (set by app.py)
ALL = "__all__"  # the "whole scope" choice in the org pickers (None would read as "nothing chosen")
_BUILD_LOCK = threading.Lock()


@dataclass(frozen=True)
class Context:
    """What every page needs: language, viewer (already narrowed to the sidebar scope), period."""

    lang: str
    viewer: Viewer
    period: Period
    as_of: dt.date
    data_version: int
    db_path: str
    fy_start: int
    min_base: int = 10    # smallest denominator a rate is shown on as a rate (TANDEM_MIN_BASE)

    def t(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    @property
    def cache_key(self) -> tuple:
        """Plain values naming everything a cached result depends on (scope included)."""
        return (self.db_path, self.viewer.scope_key, self.data_version, self.period.label, self.fy_start,
                self.as_of.isoformat())


@st.cache_resource(show_spinner=False)
def get_database(path: str) -> Database:
    """One open database per file for the whole server; sessions take per-thread cursors from it."""
    return Database(path)


def ensure_database(settings: Settings) -> Database:
    """Open the database, building the small demo company first when the file does not exist."""
    path = settings.db_path
    with _BUILD_LOCK:
        if not path.exists():
            from analytics.sources.setup import build_demo_database

            with st.status(t("app.building", lang(), size=settings.demo_size, path=path), expanded=True) as box:
                bar = st.progress(0.0)
                counts = build_demo_database(path, size=settings.demo_size, seed=settings.demo_seed,
                                             progress=lambda f, m: bar.progress(min(f, 1.0), text=m))
                from analytics.reviews.seed import prepare_demo

                bar.progress(1.0, text=t("app.preparing", lang()))
                prepare_demo(get_database(str(Path(path))), settings.fiscal_year_start, settings.demo_seed)
                box.update(label=t("app.built", lang(), people=f"{counts['employees']:,}",
                                   orders=f"{counts['orders']:,}"), state="complete", expanded=False)
    return get_database(str(Path(path)))


@st.cache_data(show_spinner=False)
def _org_tree(db_path: str, data_version: int) -> list[dict]:
    return get_database(db_path).query("org_tree").to_dicts()


@st.cache_data(show_spinner=False)
def _data_months(db_path: str, data_version: int) -> tuple[dt.date, dt.date] | None:
    row = get_database(db_path).query("data_range").row(0)
    return None if row[0] is None else (row[0], row[1])


def _scope_widgets(viewer: Viewer, tree: list[dict], language: str) -> Viewer:
    name = "name_zh" if language == "zh" else "name_en"
    regions = [u for u in tree if u["level"] == "region"]
    parents = {u["org_unit_id"]: u["parent_id"] for u in tree}
    allowed = viewer.org_units
    if allowed is not None:  # regions in scope, and the regions of teams in scope
        regions = [u for u in regions if u["org_unit_id"] in allowed or any(
            parents.get(x) == u["org_unit_id"] for x in allowed)]
    labels = {u["org_unit_id"]: u[name] for u in tree}
    labels[ALL] = t("sidebar.all", language)
    region_ids = [ALL, *[u["org_unit_id"] for u in regions]]
    _seed("scope_region", region_ids, st.query_params.get("region"), ALL)
    region = st.sidebar.selectbox(t("sidebar.region", language), region_ids, format_func=labels.get,
                                  key="scope_region")
    team = ALL
    if region != ALL:
        teams = [u["org_unit_id"] for u in tree if u["level"] == "team" and u["parent_id"] == region
                 and (allowed is None or region in allowed or u["org_unit_id"] in allowed)]
        _seed("scope_team", [ALL, *teams], st.query_params.get("team"), ALL)
        team = st.sidebar.selectbox(t("sidebar.team", language), [ALL, *teams], format_func=labels.get,
                                    key="scope_team")
    _keep_in_url(region=None if region == ALL else region, team=None if team == ALL else team)
    chosen = team if team != ALL else region if region != ALL else None
    return viewer.narrowed(chosen, parents)


def last_complete(periods: list[Period], as_of: dt.date) -> Period:
    """The newest period complete at ``as_of`` (periods newest first); the oldest one if none is."""
    return next((p for p in periods if not p.is_partial(as_of)), periods[-1])


def _seed(key: str, options: list[str] | tuple[str, ...], wanted: str | None, default: str) -> None:
    """Before a picker is drawn: a session without a valid choice yet takes the URL's, else ``default``."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = wanted if wanted in options else default


def _keep_in_url(**values: str | None) -> None:
    """Write the choices into the URL's query string (None removes one), touching only what changed."""
    for name, value in values.items():
        if value is None:
            if name in st.query_params:
                del st.query_params[name]
        elif st.query_params.get(name) != value:
            st.query_params[name] = value


MEETING_GRAINS = {"monthly": "month", "quarterly": "quarter"}  # review kind → the grain of its meetings


def render_sidebar(db: Database, settings: Settings, viewer: Viewer, meeting: str | None = None,
                   page: str | None = None) -> Context:
    """Draw language, period and scope pickers; store and return the session's :class:`Context`. Below them, the
    feedback button; and a switch to a page records a view of ``page`` (its address; None: the running page's).

    On a review page (``meeting`` = "monthly" or "quarterly") the period picker is the meeting's: months or
    quarters, the last complete one first chosen, the current one labelled as partial (no grain picker)."""
    start = lang()
    language = st.sidebar.radio(t("sidebar.language", start), list(LANG_LABELS), format_func=LANG_LABELS.get,
                                index=list(LANG_LABELS).index(start), key="lang", horizontal=True)
    if st.query_params.get("lang") != language:
        st.query_params["lang"] = language
    version = db.data_version
    from analytics.metrics.engine import as_of_date

    as_of = as_of_date(db)
    span = _data_months(str(db.path), version)
    first = span[0] if span else month_start(as_of)
    last = month_start(as_of)
    if meeting is None:
        _seed("grain", GRAINS, st.query_params.get("grain"), GRAINS[0])
        grain = st.sidebar.selectbox(t("sidebar.grain", language), GRAINS,
                                     format_func=lambda g: t(f"grain.{g}", language), key="grain")
        key, label = f"period_{grain}", t("sidebar.period", language)
    else:
        grain, key, label = MEETING_GRAINS[meeting], f"meeting_{meeting}", t(f"sidebar.meeting_{meeting}", language)
    periods = list(reversed(periods_of_grain(max(first, dt.date(last.year - 6, 1, 1)), last, grain,
                                             settings.fiscal_year_start)))
    by_label = {p.label: p for p in periods}
    _seed(key, list(by_label), st.query_params.get("period"), last_complete(periods, as_of).label)
    label = st.sidebar.selectbox(
        label, list(by_label),
        format_func=lambda x: t("period.partial", language, label=x) if by_label[x].is_partial(as_of) else x,
        key=key)
    _keep_in_url(grain=grain if meeting is None else None, period=label)
    scoped = _scope_widgets(viewer, _org_tree(str(db.path), version), language)
    st.sidebar.caption(t("sidebar.as_of", language, date=fmt_date(as_of, language)))
    ctx = Context(lang=language, viewer=scoped, period=by_label[label], as_of=as_of, data_version=version,
                  db_path=str(db.path), fy_start=settings.fiscal_year_start, min_base=settings.min_base)
    _RUN.ctx = ctx
    from ui import usage

    usage.frame(db, viewer, page or usage.current_page(), ctx.lang, ctx.period)
    return ctx


def end_run() -> None:
    """Forget this run's context (app.py calls it when the page is done)."""
    _RUN.ctx = None


def context(meeting: str | None = None) -> Context:
    """The context app.py set for this run. A page run without app.py (AppTest's ``switch_page`` runs the
    page script alone) gets the same shell drawn around it, with the same widget keys and state (a review
    page passes its ``meeting`` kind, as app.py does from the page's address)."""
    ctx = getattr(_RUN, "ctx", None)
    if ctx is None:
        from ui.auth import current_viewer

        settings = load_settings()
        db = open_or_stop(settings)
        viewer = current_viewer(db, settings)
        if viewer is None:  # never draw data for a session that is not signed in
            st.warning(t("auth.sign_in_first", lang()))
            st.stop()
        ctx = render_sidebar(db, settings, viewer, meeting)
    return ctx


def open_or_stop(settings: Settings) -> Database:
    """The database, or a clear message and a stopped page (never a traceback)."""
    try:
        return ensure_database(settings)
    except DatabaseLocked:  # said for a web user: no command-line flags
        st.error(t("app.db_locked", lang()))
        st.stop()
        raise  # unreachable; st.stop() raises
    except DatabaseError as exc:
        st.error(t("app.db_error", lang(), error=exc))
        st.stop()
        raise  # unreachable; st.stop() raises
