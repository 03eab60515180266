"""The app's own schedule for the green channel: one thread per server process that evaluates the alert rules
after every data change (a new data token) and every ``evaluate_every_minutes`` (data/alerts.toml), and sends
what is due in between (retries whose wait is over) — so a deployment needs no cron job while the app runs
(the command line cannot open the database then; docs/alerts.md).

Started by the first script run of a served app (``app.py`` sets ``SERVING``); never under AppTest.
``TANDEM_ALERTS_SCHEDULE=0`` turns it off (the command line's ``alerts run`` then, from cron or a timer).
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time

from analytics.alerts import evaluate_report, outbox, rules
from analytics.core.db import Database

TICK_SECONDS = 30.0
SERVING = False  # set by app.py when imported by ``streamlit run``
_started: set[str] = set()
_lock = threading.Lock()
_log = logging.getLogger("tandem.alerts")


def enabled() -> bool:
    return SERVING and os.environ.get("TANDEM_ALERTS_SCHEDULE", "1").strip() not in {"0", "false", "off"}


def tick(db: Database, last_run: dt.datetime | None, now: dt.datetime, fy_start: int = 1) -> dt.datetime | None:
    """One step of the schedule: evaluate when the data changed since the last evaluation or the interval has
    passed (returns the time evaluated), else deliver due retries (returns ``last_run``)."""
    config = rules.load()
    stale = evaluate_report.evaluated_token(db) != db.data_token
    if stale or last_run is None or now - last_run >= dt.timedelta(minutes=config.evaluate_every_minutes):
        evaluate_report.run(db, now=now, config=config, fy_start=fy_start)
        return now
    if db.scalar("select count(*) from alert_sends where status = 'pending' and next_try_at <= $n", n=now):
        outbox.deliver(db, config, now)
    return last_run


def ensure_started(db: Database, fy_start: int = 1) -> bool:
    """Start the schedule for this database once per process; True when a thread started."""
    key = str(db.path)
    with _lock:
        if not enabled() or key in _started:
            return False
        _started.add(key)
    # not a daemon (a thread stopped inside a DuckDB query at exit aborts the process): it checks each second
    # whether the main thread is done and stops
    threading.Thread(target=_loop, args=(db, fy_start), name="tandem-alerts", daemon=False).start()
    return True


def _loop(db: Database, fy_start: int) -> None:
    last: dt.datetime | None = None
    next_at = time.monotonic()
    while threading.main_thread().is_alive():
        if time.monotonic() >= next_at:
            try:
                last = tick(db, last, dt.datetime.now(), fy_start)
            except Exception:  # a broken rule file or a closed database: logged, tried again next tick
                _log.exception("the alert schedule failed")
            next_at = time.monotonic() + TICK_SECONDS
        time.sleep(1.0)
