"""After a data change, compute the new data's results ahead, in the background, for the requests people made on
the previous data (analytics/core/result_store.py keeps each request beside its result).

An import, a sync, a goal or review edit renews the database's data token: every stored result belongs to the
old token. The first request on the new token starts one background thread per database, which recomputes the
previous token's requests (most recent first, at most ``LIMIT``) and stores them under the new one, so the
next views of those pages are file reads. When the data's as-of date moved (a new month arrived), the old
requests name the old periods and are not worth computing: nothing is computed ahead.

A request being computed (by this thread or by a page) is computed once: the other side waits for it
(``claim`` / ``release``).
"""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

from analytics.core.db import Database
from analytics.core.result_store import MISSING, ResultStore, request_key

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


def start(db: Database, store: ResultStore, compute: Callable[[Database, object, tuple], object]) -> bool:
    """Start computing ahead for the database's current token (once per token); True when a thread started."""
    token = db.data_token
    key = (str(db.path), token)
    with _lock:
        if not token or key in _started or not limit():
            return False
        _started.add(key)
    previous = next((t for t in store.tokens() if t != token), None)
    if previous is None:
        return False
    as_of = db.meta("as_of") or ""
    if store.note(previous) != as_of:
        _log.info("the as-of date moved (%s → %s): nothing computed ahead", store.note(previous), as_of)
        return False
    thread = threading.Thread(target=_run, args=(db, store, compute, previous, token), daemon=True,
                              name=f"tandem-prewarm-{token[:8]}")
    thread.start()
    return True


def _run(db: Database, store: ResultStore, compute: Callable[[Database, object, tuple], object], previous: str,
         token: str) -> None:
    done = 0
    try:
        for entry in store.entries(previous, limit()):
            if db.data_token != token:  # the data changed again: the next change's thread takes over
                break
            if store.get(token, entry.request) is not MISSING or claim(str(db.path), token, entry.request):
                continue
            try:
                store.put(token, entry.request, compute(db, entry.context, entry.request), entry.context,
                          note=db.meta("as_of") or "")
                done += 1
            except BaseException:  # a failing request (a polars panic included) must not end the others
                _log.exception("computing ahead failed for one request")
            finally:
                release(str(db.path), token, entry.request)
    except Exception:  # the database closed or its folder removed under the thread: stop quietly
        _log.info("computing ahead stopped", exc_info=True)
    _log.info("computed %d results ahead for data token %s", done, token[:8])
