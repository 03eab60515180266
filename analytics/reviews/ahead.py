"""The app's requests, computed from scratch, and computed ahead for new data.

A request is a tuple of plain values naming one figure or report call a page shows: its kind, the viewer's
scope key, then the arguments (``("metric", scope, metric_id, start, end, label, grain, by, lang, as_of)``,
``("report", scope, "quota.headline", args, kwargs)``, …). The same tuple names the stored result
(analytics/core/result_store.py) and says how to compute it again.

After a data change (an import, a restore, a sync, a goal edit), :func:`compute_ahead` recomputes the requests
people made on the previous data for the new data, newest first, and stores them, so the first view of those pages
is a file read. The app does it in a background thread (ui/prewarm.py); the command line does it before an
import or a restore returns (:func:`after_change`), so the pages people use are ready when the command is done.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import re
from collections.abc import Callable

from polars.exceptions import PanicException

from analytics.core import panels
from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.periods import Period
from analytics.core.request_moves import translate
from analytics.core.result_store import ResultStore
from analytics.metrics import engine
from analytics.metrics.exclusions import in_scope as exclusions_in_scope
from analytics.reviews import overview

_log = logging.getLogger("tandem.ahead")


def limit() -> int:
    """Requests computed ahead per data change: ``TANDEM_PREWARM_LIMIT`` (default 400; 0 turns it off)."""
    try:
        return max(0, int(os.environ.get("TANDEM_PREWARM_LIMIT", "400")))
    except ValueError:
        return 400


def _period(start: dt.date, end: dt.date, label: str, grain: str) -> Period:
    return Period(start, end, label, grain)


def _thaw(value: object) -> object:
    """A tagged tuple back to its Period (ui/cached.py freezes periods so requests hold plain values)."""
    if isinstance(value, tuple) and value and value[0] == "__period__":
        return Period(*value[1:])
    return value


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


def _registry() -> dict[str, Callable[..., object]]:
    from analytics.people import (
        archive_report,
        attrition_report,
        care_report,
        hiring_profile_report,
        hiring_report,
        improvement_report,
        risk_report,
        talent_report,
    )
    from analytics.reviews import content as review_content
    from analytics.reviews import goals
    from analytics.sales import incentives_report, joint_whatif_report, leads_report, quota_report, scorecard
    reports = {
        f"attrition.{n}": getattr(attrition_report, n)
        for n in ("headline", "trend", "breakdown", "cohort_heatmap", "retention", "probation_panel",
                  "exit_reasons", "exits_list", "group_names")
    }
    reports |= {f"risk.{n}": getattr(risk_report, n) for n in ("evaluation", "ranked")}
    reports |= {f"quota.{n}": getattr(quota_report, n) for n in (
        "headline", "monthly_attainment", "distribution", "ramp", "breakdown", "leaderboard", "team_quarters")}
    reports |= {f"quota.{n}": getattr(leads_report, n) for n in ("leads_headline", "leads_breakdown")}
    reports |= {f"scorecard.{n}": getattr(scorecard, n) for n in ("scorecard", "coaching_list", "high_potential")}
    reports |= {f"incentives.{n}": getattr(incentives_report, n) for n in (
        "payouts_in_scope", "rep_statement", "what_if")}
    reports["review.build"] = review_content.build_review
    reports |= {f"joint_plan.{n}": getattr(joint_whatif_report, n) for n in ("compare", "capacity_hires")}
    reports |= {f"talent.{n}": getattr(talent_report, n) for n in (
        "profiles", "radar", "archetypes", "gap_heatmap", "suggestions", "nine_box", "readiness", "internal_moves",
        "ka_matching", "continuity", "training_completion", "pre_post", "training_effect", "onboarding_effect",
        "course_names")}
    reports["goals.progress"] = goals.progress
    reports |= {f"hiring.{n}": getattr(hiring_report, n) for n in (
        "recruiting_overview", "onboarding_watch", "capacity_plan", "capacity_plans", "revenue_at_risk")}
    reports |= {f"hiring_profile.{n}": getattr(hiring_profile_report, n) for n in ("roles", "success_profile")}
    reports |= {"person.directory": archive_report.directory, "person.archive": archive_report.archive}
    reports |= {f"plans.{n}": getattr(improvement_report, n) for n in ("outcomes", "summary", "matched_comparison")}
    reports |= {f"care.{n}": getattr(care_report, n) for n in ("signal_list", "team_counts", "exit_link",
                                                               "person_signals")}
    return reports


#: report name → function(db, viewer, *args, **kwargs): every report call a page makes through ui/cached.py
REPORTS = _registry()


class AsOfUnknown(ValueError):
    """The stored requests' as-of date or the data's cannot be read: nothing is computed ahead."""


def previous_token(store: ResultStore, token: str) -> str | None:
    """The newest data token with stored results other than ``token`` (whose requests are computed ahead)."""
    return next((t for t in store.tokens() if t != token), None)


def mover(db: Database, store: ResultStore, previous: str, fy_start: int) -> Callable[[tuple], tuple] | None:
    """How a request of the ``previous`` token moves to the data's as-of date (None: it stays as it is)."""
    as_of, before = db.meta("as_of") or "", store.note(previous) or ""
    if before == as_of:
        return None
    try:
        old, new = dt.date.fromisoformat(before), dt.date.fromisoformat(as_of)
    except ValueError:
        raise AsOfUnknown(f"the as-of date is unknown ({before!r} → {as_of!r})") from None
    return functools.partial(translate, old=old, new=new, fy_start=fy_start)


_MODEL_REF = re.compile(r"^\d+:[0-9a-f]{32}$")  # a flight-risk model a request names (risk_store.State.ref)


def _model_refs(value: object) -> set[str]:
    if isinstance(value, str):
        return {value} if _MODEL_REF.match(value) else set()
    if isinstance(value, tuple):
        return set().union(*(_model_refs(v) for v in value)) if value else set()
    return set()


def _swap(value: object, refs: dict[str, str]) -> object:
    if isinstance(value, str):
        return refs.get(value, value)
    if isinstance(value, tuple):
        return tuple(_swap(v, refs) for v in value)
    return value


def refit_models(db: Database, requests: list[tuple]) -> dict[str, str]:
    """Fit (and store) the flight-risk models of the new data that the requests' models stand for — the same
    parameters on the new data and its as-of date — once each; returns old reference → new. A page asks for the
    current data's model as soon as it is fitted: requests computed ahead with the old one would not be read."""
    from analytics.people import risk_store

    as_of_text = db.meta("as_of")
    if not as_of_text:
        return {}
    moved = {}
    for ref in sorted(set().union(*(_model_refs(r) for r in requests)) if requests else set()):
        old = risk_store.by_ref(db, ref)
        if old is None:  # no longer stored: the request names a model nobody can be shown again
            continue
        p = old.meta["params"]
        new = risk_store.current_model(db, dt.date.fromisoformat(as_of_text), p["horizon"], p.get("random_state", 0))
        if new is not None:
            moved[ref] = risk_store.ref_of(new)
    return moved


def compute_ahead(db: Database, store: ResultStore, token: str, previous: str, move: Callable[[tuple], tuple] | None,
                  *, claim: Callable[[tuple], bool] | None = None, release: Callable[[tuple], None] | None = None,
                  stop: Callable[[], bool] | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  compute: Callable[[Database, Viewer, tuple], object] | None = None) -> int:
    """Build the panels and fit the flight-risk models the requests name (:func:`refit_models`), then compute and
    store, for ``token``, the requests stored under ``previous`` (newest first, at most :func:`limit`), each moved
    by ``move`` and naming the new models. ``claim(request)`` False: someone else computes it;
    ``stop()`` True ends the loop after the current request; ``progress(handled, total)``. Returns the number
    computed (``compute``: another computation than :func:`compute`, a test's). A failing request is logged and
    skipped: it must not end the others."""
    compute = compute or globals()["compute"]
    panels.build(db)  # the new data's monthly panels first: every request below reads them
    entries = list(store.entries(previous, limit()))
    refs = refit_models(db, [e.request for e in entries])  # then the flight-risk model of the new data
    done = handled = 0
    if progress:
        progress(0, len(entries))
    for entry in entries:
        if db.data_token != token or (stop and stop()):  # the data changed again, or the process is stopping
            break
        request = _swap(move(entry.request) if move else entry.request, refs)
        if store.lookup(token, request)[0] or (claim and not claim(request)):
            handled += 1
            if progress:
                progress(handled, len(entries))
            continue
        try:
            store.put(token, request, compute(db, entry.context, request), entry.context, note=db.meta("as_of") or "")
            done += 1
        except (Exception, PanicException):  # a failing request (a polars panic too) must not end the others
            _log.exception("computing ahead failed for one request")
        finally:
            if release:
                release(request)
            handled += 1
            if progress:
                progress(handled, len(entries))
    _log.info("computed %d results ahead for data token %s", done, token[:8])
    return done


def after_change(db: Database, fy_start: int = 1, say: Callable[[str], None] | None = None) -> int:
    """The command line's step after a data change: build the panels and compute ahead, for the new data, the
    requests people made on the previous data (nothing when none are stored, or computing ahead is off).
    Returns the number of results computed."""
    store = ResultStore(db.path)
    token = db.data_token
    previous = previous_token(store, token) if store.enabled and limit() else None
    if previous is None:
        panels.build(db)
        return 0
    try:
        move = mover(db, store, previous, fy_start)
    except AsOfUnknown as exc:
        _log.info("%s: nothing computed ahead", exc)
        panels.build(db)
        return 0
    last = [-1]

    def report(handled: int, total: int) -> None:
        if say and total and (handled == total or handled - last[0] >= max(1, total // 10)):
            last[0] = handled
            say(f"computing the pages' figures ahead: {handled} of {total}")

    return compute_ahead(db, store, token, previous, move, progress=report)
