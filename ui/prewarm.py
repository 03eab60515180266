"""After a data change, compute the new data's results ahead, in the background, for the requests people made on
the previous data (analytics/core/result_store.py keeps each request beside its result).

An import, a sync, a goal or review edit renews the database's data token: every stored result belongs to the
old token. The first request on the new token starts one background thread per database, which first builds the
new data's monthly panels (analytics/core/panels.py: every request below then reads them), then recomputes the
previous token's requests (most recent first, at most ``LIMIT``) and stores them under the new one, so the
next views of those pages are file reads. When the data's as-of date moved (a new month arrived), each request is
moved with it first (``translate``): a period keeps its place relative to the as-of date (the last complete
quarter stays the last complete quarter, a running quarter-to-date stays the running one), the as-of date
becomes the new one, and month dates move with the request's period. A request moved wrongly costs only its
computation: it is stored under its own (new) request and served only to a page asking exactly that.

A request being computed (by this thread or by a page) is computed once: the other side waits for it
(``claim`` / ``release``).
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import threading
from collections.abc import Callable

from analytics.core import panels
from analytics.core.db import Database
from analytics.core.periods import (
    Period,
    add_months,
    month_end,
    month_period,
    month_start,
    quarter_of,
    year_of,
)
from analytics.core.result_store import ResultStore, request_key

_log = logging.getLogger("tandem.prewarm")


def limit() -> int:
    """Requests computed ahead per data change: ``TANDEM_PREWARM_LIMIT`` (default 400; 0 turns it off)."""
    try:
        return max(0, int(os.environ.get("TANDEM_PREWARM_LIMIT", "400")))
    except ValueError:
        return 400


_lock = threading.Lock()
_started: set[tuple[str, str]] = set()         # (database path, token) whose computing ahead has been started
_inflight: dict[tuple[str, str, str], threading.Event] = {}  # (path, token, request key) → done
_progress: dict[tuple[str, str], list] = {}  # (path, token) → [handled, to handle, finished]


def progress(path: str, token: str) -> tuple[int, int, bool] | None:
    """How far computing ahead for this data has come: (requests handled, requests to handle, finished); None
    when nothing is computed ahead for it (no earlier results, computing ahead off, or not started)."""
    with _lock:
        state = _progress.get((path, token))
        return None if state is None else (state[0], state[1], state[2])


def claim(path: str, token: str, request: tuple) -> threading.Event | None:
    """None when the caller is to compute ``request`` (and then ``release`` it); else an event set when the
    computation already under way is done."""
    key = (path, token, request_key(request))
    with _lock:
        event = _inflight.get(key)
        if event is not None:
            return event
        _inflight[key] = threading.Event()
        return None


def release(path: str, token: str, request: tuple) -> None:
    with _lock:
        event = _inflight.pop((path, token, request_key(request)), None)
    if event is not None:
        event.set()


def start(db: Database, store: ResultStore, compute: Callable[[Database, object, tuple], object],
          fy_start: int = 1, token: str | None = None) -> bool:
    """Start computing ahead for the database's current token (once per token; ``token`` when the caller has
    just read it); True when a thread started."""
    token = db.data_token if token is None else token
    key = (str(db.path), token)
    with _lock:
        if not token or key in _started or not limit():
            return False
        _started.add(key)
    previous = next((t for t in store.tokens() if t != token), None)
    if previous is None:
        return False
    as_of, before = db.meta("as_of") or "", store.note(previous) or ""
    move = None
    if before != as_of:
        try:
            old, new = dt.date.fromisoformat(before), dt.date.fromisoformat(as_of)
        except ValueError:
            _log.info("the as-of date is unknown (%r → %r): nothing computed ahead", before, as_of)
            return False
        move = functools.partial(translate, old=old, new=new, fy_start=fy_start)
    with _lock:
        _progress[key] = [0, 0, False]
    # not a daemon (a thread stopped inside a DuckDB query at exit aborts the process): it ends after the request
    # it is computing when the main thread has finished
    thread = threading.Thread(target=_run, args=(db, store, compute, previous, token, move), daemon=False,
                              name=f"tandem-prewarm-{token[:8]}")
    thread.start()
    return True


def _run(db: Database, store: ResultStore, compute: Callable[[Database, object, tuple], object], previous: str,
         token: str, move: Callable[[tuple], tuple] | None) -> None:
    done = 0
    state = _progress.setdefault((str(db.path), token), [0, 0, False])
    try:
        panels.build(db)  # the new data's monthly panels first: every request below reads them
        entries = list(store.entries(previous, limit()))
        state[1] = len(entries)
        for entry in entries:
            if db.data_token != token:  # the data changed again: the next change's thread takes over
                break
            if not threading.main_thread().is_alive():  # the process is stopping: it waits for this request only
                break
            request = move(entry.request) if move else entry.request
            if store.lookup(token, request)[0] or claim(str(db.path), token, request):
                state[0] += 1
                continue
            try:
                store.put(token, request, compute(db, entry.context, request), entry.context,
                          note=db.meta("as_of") or "")
                done += 1
            except BaseException:  # a failing request (a polars panic included) must not end the others
                _log.exception("computing ahead failed for one request")
            finally:
                release(str(db.path), token, request)
                state[0] += 1
    except Exception:  # the database closed or its folder removed under the thread: stop quietly
        _log.info("computing ahead stopped", exc_info=True)
    finally:
        state[2] = True
    _log.info("computed %d results ahead for data token %s", done, token[:8])


# ── moving a request to a new as-of date ─────────────────────────────────
_SIZES = {"month": 1, "quarter": 3, "fiscal_year": 12}
_FLAT = {"metric": 3, "kpis": 2, "by_region": 2}  # kind → index of a flattened (start, end, label, grain)


def _months(a: dt.date, b: dt.date) -> int:
    """Whole months from a's month to b's month."""
    return (b.year - a.year) * 12 + b.month - a.month


def _containing(day: dt.date, grain: str, fy_start: int) -> Period:
    if grain == "month":
        return month_period(day)
    return quarter_of(day, fy_start) if grain == "quarter" else year_of(day, fy_start)


def _last_complete(day: dt.date, grain: str, fy_start: int) -> Period:
    """The latest period of the grain ending on or before ``day`` (what the pages show first)."""
    period = _containing(day, grain, fy_start)
    return period if period.end <= day else period.shift(-1, fy_start)


def move_period(period: Period, old: dt.date, new: dt.date, fy_start: int) -> Period:
    """The period at the same place relative to ``new`` as ``period`` is to ``old``: a running (to-date) period
    becomes the one running at ``new``; a complete one keeps its distance from the last complete period."""
    size = _SIZES.get(period.grain)
    if size is None:  # a range (a trailing window): the same months later
        shift = _months(old, new)
        start, end = add_months(period.start, shift), month_end(add_months(period.end, shift))
        return Period(start, end, f"{start:%Y-%m}..{end:%Y-%m}", period.grain)
    if period.end < month_end(add_months(period.start, size - 1)):
        return _containing(new, period.grain, fy_start).to_date(new)
    steps = _months(_last_complete(old, period.grain, fy_start).start, period.start) // size
    return _last_complete(new, period.grain, fy_start).shift(steps, fy_start)


def translate(request: tuple, old: dt.date, new: dt.date, fy_start: int = 1) -> tuple:
    """``request`` (ui/cached.py) moved from as-of ``old`` to ``new``: periods keep their place, the as-of date
    becomes ``new``, month dates move with the request's (first) period."""
    items = list(request)
    shift = [None]  # months the request's first period moved

    def period(p: Period) -> Period:
        moved = move_period(p, old, new, fy_start)
        if shift[0] is None:
            shift[0] = _months(p.start, moved.start)
        return moved

    if items[0] == "exclusions":  # (scope, start, end) of the page's period
        start, end = items[2], items[3]
        grain = {1: "month", 3: "quarter", 12: "fiscal_year"}.get(_months(start, end) + 1, "range")
        p = move_period(Period(start, end, "", grain), old, new, fy_start)
        return (*items[:2], p.start, p.end)
    at = _FLAT.get(items[0])
    if at is not None:
        p = period(Period(*items[at:at + 4]))
        items[at:at + 4] = [p.start, p.end, p.label, p.grain]

    def value(v: object) -> object:
        if isinstance(v, tuple) and v and v[0] == "__period__":
            p = period(Period(*v[1:]))
            return ("__period__", p.start, p.end, p.label, p.grain)
        if isinstance(v, tuple):
            return tuple(value(x) for x in v)
        return v

    items = [value(x) for x in items]

    def dates(v: object) -> object:
        if isinstance(v, tuple) and v and v[0] == "__period__":
            return v
        if isinstance(v, tuple):
            return tuple(dates(x) for x in v)
        if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            if v == old:
                return new
            if v == month_start(v):  # a month of the request's period (a trend's last month)
                return add_months(v, shift[0] if shift[0] is not None else _months(old, new))
        return v

    protected = set(range(at, at + 4)) if at is not None else set()
    return tuple(x if i in protected else dates(x) for i, x in enumerate(items))
