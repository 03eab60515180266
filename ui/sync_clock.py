"""The app's own schedule for the live sync from PostgreSQL: one thread per database per server process that runs
a round every ``TANDEM_SYNC_EVERY`` minutes (counted from each round's start) — so a deployment whose app is always
running needs no cron job (the command line cannot open the database while the app holds it; docs/sync.md).

Each round is the command's round (analytics/sources/sync_rounds.py: the same tables, mapping, validation, one
transaction, marks), recorded in ``sync_rounds`` with the actor ``sync`` (the audit log names it too). After a
round that loaded data, the thread does what the Data page does after an upload (ui/data_change.py): the pages'
caches cleared, the panels built, the flight-risk model and the pages' figures computed ahead in the background.
A failed round is recorded and the next one tries again; nothing a round meets stops the server.

Started by the first script run of a served app (``app.py`` sets ``SERVING``); never under AppTest. Without
``TANDEM_SYNC_FROM`` it is off.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

from analytics.core.db import Database
from analytics.sources import sync_rounds
from analytics.sources.sync_rounds import Outcome, SyncSettings

ACTOR = "sync"      # the audit log's and the rounds' actor for the schedule's rounds
SERVING = False     # set by app.py when imported by ``streamlit run``
STEP_SECONDS = 1.0  # how often the thread looks at the clock and at the main thread
_started: set[str] = set()
_next: dict[str, dt.datetime] = {}   # database path → when its next round starts
_lock = threading.Lock()
_log = logging.getLogger("tandem.sync")


def next_round(db_path: str) -> dt.datetime | None:
    """When the schedule's next round starts for this database; None when no schedule runs in this process."""
    with _lock:
        return _next.get(str(db_path))


def tick(db: Database, settings: SyncSettings, fy_start: int = 1,
         after: Callable[[Database, int], object] | None = None) -> Outcome | None:
    """One round of the schedule, recorded; after a round that loaded data, what follows a load (``after``,
    by default :func:`ui.data_change.after_load`)."""
    outcome = sync_rounds.attempt(db, settings, ACTOR, fy_start)   # waits for a round "Sync now" is running
    if outcome is not None and outcome.outcome == "loaded":
        if after is None:
            from ui.data_change import after_load  # the report modules: imported when first needed

            after = after_load
        try:
            after(db, fy_start)
        except Exception:  # the data is loaded; the pages build what they need on their first view
            _log.exception("refreshing the pages after a sync round failed")
    return outcome


def ensure_started(db: Database, fy_start: int = 1) -> bool:
    """Start the schedule for this database once per process when a source is configured; True when a thread
    started. Settings that are wrong are logged once (the Data page says which)."""
    key = str(db.path)
    with _lock:
        if not SERVING or key in _started:
            return False
        _started.add(key)
    settings = sync_rounds.from_environment()
    if settings is None:
        return False
    if settings.problem is not None:
        _log.error("the live sync is off: %s", settings.detail)
        return False
    # not a daemon (a thread stopped inside a DuckDB write at exit aborts the process): it checks each second
    # whether the main thread is done and stops
    threading.Thread(target=_loop, args=(key, settings, fy_start), name="tandem-sync", daemon=False).start()
    return True


def _database(path: str) -> Database:
    """The app's open database for ``path`` (a restore replaces it: asked again each round)."""
    from ui.context import get_database

    return get_database(path)


def _loop(path: str, settings: SyncSettings, fy_start: int, after: Callable[[Database, int], object] | None = None,
          running: Callable[[], bool] | None = None) -> None:
    """Rounds every ``settings.every`` minutes from each round's start while ``running()`` (by default: while the
    main thread is alive, looked at each second)."""
    running = running or threading.main_thread().is_alive
    next_at = time.monotonic()
    with _lock:
        _next[path] = dt.datetime.now()
    while running():
        if time.monotonic() >= next_at:
            started = time.monotonic()
            try:
                tick(_database(path), settings, fy_start, after)
            except Exception:  # the database cannot be opened now: logged, tried again next round
                _log.exception("a sync round could not start")
            next_at = started + settings.every * 60
            with _lock:
                _next[path] = dt.datetime.now() + dt.timedelta(seconds=max(0.0, next_at - time.monotonic()))
        time.sleep(STEP_SECONDS)
    with _lock:
        _next.pop(path, None)
