"""The demo's played-back use of the app: the same for a seed and a moment, only the demo accounts, each on pages
its menu offers, and written once."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from analytics.core.db import Database
from analytics.reviews import demo_usage

NOW = dt.datetime(2026, 11, 30, 18)
NOT_IN_MENU = {"demo.analyst": {"person", "scorecard", "key-accounts", "incentives", "data", "usage", "admin"},
               "demo.director.east": {"data", "usage", "admin"}, "demo.manager.east-01": {"data", "usage", "admin"},
               "demo.hr": {"admin"}}


def _played(demo_db_path: Path, tmp_path: Path, name: str, seed: int) -> tuple[list, list, int]:
    path = tmp_path / f"{name}.duckdb"
    shutil.copy(demo_db_path, path)
    db = Database(path)
    try:
        version = db.data_version
        n = demo_usage.replay(db, seed, now=NOW)
        assert n > 100 and demo_usage.replay(db, seed, now=NOW) == 0  # once only
        assert db.data_version == version  # bookkeeping
        log = db.sql("select occurred_at, actor, action, target, detail from audit_log "
                     "where action in ('page_view', 'login', 'export') order by event_id").rows()
        notes = db.sql("select username, page, period, lang, note, status from feedback order by 1").rows()
    finally:
        db.close()
    return log, notes, n


def test_the_same_for_a_seed_and_only_pages_the_menus_offer(demo_db_path: Path, tmp_path: Path):
    log, notes, _ = _played(demo_db_path, tmp_path, "a", 7)
    again, notes_again, _ = _played(demo_db_path, tmp_path, "b", 7)
    other, _, _ = _played(demo_db_path, tmp_path, "c", 8)
    assert log == again and notes == notes_again and log != other
    assert all(r[0] < NOW and r[0] >= dt.datetime(2026, 7, 1) for r in log)  # four whole months before, to now
    assert {r[1] for r in log} <= {"demo.hr", "demo.director.east", "demo.director.north", "demo.manager.east-01",
                                   "demo.analyst", "demo.admin"}
    for actor, banned in NOT_IN_MENU.items():
        opened = {r[3] for r in log if r[1] == actor and r[2] == "page_view"}
        assert opened and not opened & banned, (actor, opened & banned)
    assert len(notes) == 4 and sum(1 for x in notes if x[5] == "handled") == 1
