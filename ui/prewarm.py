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

import logging
import threading
from collections.abc import Callable

from analytics.core.db import Database
from analytics.core.request_moves import move_period, translate  # noqa: F401  (re-exported: tests, benchmarks)
from analytics.core.result_store import ResultStore, request_key
from analytics.reviews import ahead
from analytics.reviews.ahead import limit  # noqa: F401  (re-exported)

_log = logging.getLogger("tandem.prewarm")


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


def start(db: Database, store: ResultStore, compute: Callable[[Database, object, tuple], object] = ahead.compute,
          fy_start: int = 1, token: str | None = None) -> bool:
    """Start computing ahead for the database's current token (once per token; ``token`` when the caller has
    just read it); True when a thread started."""
    token = db.data_token if token is None else token
    key = (str(db.path), token)
    with _lock:
        if not token or key in _started or not ahead.limit():
            return False
        _started.add(key)
    previous = ahead.previous_token(store, token)
    if previous is None:
        return False
    try:
        move = ahead.mover(db, store, previous, fy_start)
    except ahead.AsOfUnknown as exc:
        _log.info("%s: nothing computed ahead", exc)
        return False
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
    path = str(db.path)
    state = _progress.setdefault((path, token), [0, 0, False])

    def progress(handled: int, total: int) -> None:
        state[0], state[1] = handled, total

    try:
        ahead.compute_ahead(db, store, token, previous, move, claim=lambda r: claim(path, token, r) is None,
                            release=lambda r: release(path, token, r),
                            stop=lambda: not threading.main_thread().is_alive(), progress=progress, compute=compute)
    except Exception:  # the database closed or its folder removed under the thread: stop quietly
        _log.info("computing ahead stopped", exc_info=True)
    finally:
        state[2] = True

