"""Pages read the results stored for the current data (after a restart, nothing is recomputed), never those of
other data; after a data change the previous requests are computed ahead in the background (ui/prewarm.py)."""
from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.core.db import Database
from analytics.core.result_store import ResultStore
from tests.app.conftest import sign_in

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def own_db(demo_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "own.duckdb"
    shutil.copy(demo_db_path, path)
    monkeypatch.setenv("TANDEM_DB", str(path))
    return path


def _overview(user: str = "demo.hr", fails: bool = False) -> AppTest:
    import streamlit as st

    st.cache_data.clear()  # a server restart: nothing in memory
    at = AppTest.from_file(APP, default_timeout=180)
    sign_in(at, user)
    at.run()
    if fails:  # the patched computation ran
        assert at.exception and "recomputed" in at.exception[0].value
    else:
        assert not at.exception, [e.value for e in at.exception]
    return at


def _cards(at: AppTest) -> list[tuple[str, str]]:
    return [(m.label, m.value) for m in at.metric]


def _bump(path: Path) -> None:
    """A data change that leaves every figure as it was (a goal's note, say): a new data token."""
    from ui.context import get_database

    with get_database(str(path)).transaction() as cur:
        cur.execute("update employees set hire_source = hire_source where employee_id = "
                    "(select min(employee_id) from employees)")


def test_after_a_restart_the_stored_results_are_shown_and_other_data_recomputes(own_db: Path,
                                                                               monkeypatch: pytest.MonkeyPatch):
    from analytics.reviews import overview

    first = _cards(_overview())
    assert len(first) >= 4
    assert list((Path(f"{own_db}.results")).rglob("*.pickle"))

    def refuse(*args, **kwargs):
        raise RuntimeError("recomputed")

    monkeypatch.setattr(overview, "kpis", refuse)
    again = _overview()
    assert _cards(again) == first  # read from the store, not computed
    _overview("demo.director.east", fails=True)  # another scope: its own results, never the HR head's

    _bump(own_db)
    _overview(fails=True)  # new data: computed again


def test_a_data_change_computes_the_previous_requests_ahead(own_db: Path, monkeypatch: pytest.MonkeyPatch):
    from ui import cached, prewarm
    from ui.context import get_database

    monkeypatch.setenv("TANDEM_PREWARM_LIMIT", "400")
    first = _cards(_overview())
    db = get_database(str(own_db))
    store = ResultStore(own_db)
    before = db.data_token
    requests = {e.request for e in store.entries(before)}
    assert len(requests) >= 2  # the KPI cards and the region table

    _bump(own_db)
    assert prewarm.start(db, store, cached.compute)
    assert not prewarm.start(db, store, cached.compute)  # once per data state
    _join_prewarm()
    after = db.data_token
    assert {e.request for e in store.entries(after)} == requests

    from analytics.reviews import overview

    monkeypatch.setattr(overview, "kpis", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("recomputed")))
    assert _cards(_overview()) == first  # computed ahead: the first view after the change reads it

    with db.transaction() as cur:  # a new month arrived: the old periods are not worth computing ahead
        cur.execute("update meta set value = '2026-01-31' where key = 'as_of'")
    assert not prewarm.start(db, store, cached.compute)


def _join_prewarm(timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if thread.name.startswith("tandem-prewarm-"):
            thread.join(max(0.0, deadline - time.monotonic()))
            assert not thread.is_alive(), "computing ahead did not finish"


def test_a_database_without_a_token_gets_one_when_opened(own_db: Path):
    db = Database(own_db)
    try:
        with db.transaction(bump=False) as cur:
            cur.execute("delete from meta where key = 'data_token'")
    finally:
        db.close()
    db = Database(own_db)
    try:
        assert len(db.data_token) == 36
    finally:
        db.close()
