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


@pytest.fixture
def own_fitted_db(risk_demo_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``own_db`` with the flight-risk model of the demo's data already fitted and stored (once per session)."""
    path = tmp_path / "own.duckdb"
    shutil.copy(risk_demo_path, path)
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



def test_a_new_month_moves_each_request_to_the_same_place(own_db: Path, monkeypatch: pytest.MonkeyPatch):
    """The as-of date moves a month on: the requests are moved (the last complete quarter stays, the running
    month-to-date runs on) and the pages' first views on the new data read what was computed ahead."""
    from analytics.reviews import overview
    from ui import cached, prewarm
    from ui.context import get_database

    monkeypatch.setenv("TANDEM_PREWARM_LIMIT", "400")
    db = get_database(str(own_db))
    old = db.meta("as_of")
    with db.transaction() as cur:  # the demo's data as it stood a month earlier
        cur.execute("update meta set value = '2025-11-30' where key = 'as_of'")
    assert old == "2025-12-31"
    for page in ("pages/overview.py", "pages/attrition.py", "pages/quota.py", "pages/hiring.py"):
        _page(page)
    store = ResultStore(own_db)
    with db.transaction() as cur:  # December arrives
        cur.execute("update meta set value = '2025-12-31' where key = 'as_of'")
    assert prewarm.start(db, store, cached.compute)
    _join_prewarm()
    monkeypatch.setattr(overview, "kpis", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("recomputed")))
    from analytics.people import attrition_report, hiring_report
    from analytics.sales import quota_report

    for module, name in ((attrition_report, "trend"), (attrition_report, "headline"), (quota_report, "headline"),
                         (quota_report, "monthly_attainment"), (hiring_report, "recruiting_overview")):
        monkeypatch.setattr(module, name, lambda *a, **k: (_ for _ in ()).throw(RuntimeError("recomputed")))
    from analytics.reviews import ahead

    monkeypatch.setattr(ahead, "REPORTS", ahead._registry())  # the registry holds the functions: the refusing ones
    assert ahead.REPORTS["attrition.trend"] is attrition_report.trend is not ahead.REPORTS["talent.radar"]
    for page in ("pages/overview.py", "pages/attrition.py", "pages/quota.py", "pages/hiring.py"):
        _page(page)  # every figure read: nothing recomputed


def _page(path: str, user: str = "demo.hr") -> None:
    import streamlit as st

    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=180)
    sign_in(at, user)
    at.switch_page(path).run()
    assert not at.exception, (path, [e.value for e in at.exception])


def test_requests_move_with_the_as_of_date():
    import datetime as dt

    from analytics.core.periods import Period
    from ui.prewarm import translate

    d = dt.date
    old, new = d(2025, 10, 31), d(2025, 11, 30)
    q3 = ("__period__", d(2025, 7, 1), d(2025, 9, 30), "2025-Q3", "quarter")
    q4_to_date = ("__period__", d(2025, 10, 1), d(2025, 10, 31), "2025-Q4", "quarter")
    report = ("report", "s", "quota.monthly_attainment", (q3, old), ())
    assert translate(report, old, new) == ("report", "s", "quota.monthly_attainment", (q3, new), ())  # stays
    moved = translate(("report", "s", "attrition.trend", (q4_to_date, 24, False, old), ()), old, new)
    assert moved[3][0] == ("__period__", d(2025, 10, 1), d(2025, 11, 30), "2025-Q4", "quarter")  # runs on
    september = ("metric", "s", "attrition_rate", d(2025, 9, 1), d(2025, 9, 30), "2025-09", "month", (), "en", old)
    assert translate(september, old, new) == (
        "metric", "s", "attrition_rate", d(2025, 10, 1), d(2025, 10, 31), "2025-10", "month", (), "en", new)
    fy = ("kpis", "s", d(2025, 1, 1), d(2025, 10, 31), "FY2025", "fiscal_year", old, 1)
    assert translate(fy, old, new) == ("kpis", "s", d(2025, 1, 1), d(2025, 11, 30), "FY2025", "fiscal_year", new, 1)
    trailing = ("report", "s", "x", (("__period__", d(2023, 11, 1), d(2025, 10, 31), "2023-11..2025-10", "range"),
                                     d(2025, 10, 1)), ())
    assert translate(trailing, old, new)[3] == (
        ("__period__", d(2023, 12, 1), d(2025, 11, 30), "2023-12..2025-11", "range"), d(2025, 11, 1))
    # a fiscal year from April: the last complete quarter, Jul–Sep (FY2026-Q2) at the end of November, is
    # Oct–Dec (FY2026-Q3) at the end of December, and still is at the end of January
    fq = ("__period__", d(2025, 7, 1), d(2025, 9, 30), "2026-Q2", "quarter")
    fq3 = ("__period__", d(2025, 10, 1), d(2025, 12, 31), "2026-Q3", "quarter")
    assert translate(("report", "s", "x", (fq,), ()), d(2025, 11, 30), d(2025, 12, 31), 4)[3][0] == fq3
    assert translate(("report", "s", "x", (fq3,), ()), d(2025, 12, 31), d(2026, 1, 31), 4)[3][0] == fq3
    assert translate(("exclusions", "s", d(2025, 7, 1), d(2025, 9, 30)), d(2025, 11, 30), d(2025, 12, 31)) == (
        "exclusions", "s", d(2025, 10, 1), d(2025, 12, 31))
    q4_running = ("__period__", d(2025, 10, 1), d(2025, 11, 30), "2025-Q4", "quarter")  # completed by December
    assert translate(("report", "s", "x", (q4_running,), ()), d(2025, 11, 30), d(2025, 12, 31))[3][0] == (
        "__period__", d(2025, 10, 1), d(2025, 12, 31), "2025-Q4", "quarter")
    assert Period  # imported for the reader: requests hold periods as tagged tuples


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


STORED_PAGES = ["pages/overview.py", "pages/review_monthly.py", "pages/review_quarterly.py", "pages/goals.py",
                "pages/attrition.py", "pages/risk.py", "pages/hiring.py", "pages/talent.py", "pages/training.py",
                "pages/quota.py", "pages/scorecard.py", "pages/key_accounts.py", "pages/incentives.py"]
CHEAP_QUERIES = {"org_tree", "data_range", "unassigned_orders"}  # the sidebar's and the page shell's look-ups


def test_after_a_restart_no_page_scans_the_facts_again(own_fitted_db: Path, monkeypatch: pytest.MonkeyPatch):
    """Every page's first view after a restart reads what the first view stored: with every named query but the
    shell's look-ups made to fail, each page still draws without an error (a page computing something outside
    the stored results would fail here — at the large company such work cost seconds)."""
    import streamlit as st

    from analytics.core.db import Database
    from analytics.people import planning

    def open_all(check: bool) -> None:
        st.cache_data.clear()  # a restart: nothing kept in the process
        st.cache_resource.clear()
        planning._CACHE.clear()
        at = AppTest.from_file(APP, default_timeout=300)
        sign_in(at, "demo.hr")
        at.run()
        for page in STORED_PAGES:
            at.switch_page(page).run()
            if check:
                assert not at.exception, (page, [e.value for e in at.exception])
                assert not at.error, (page, [e.value for e in at.error])

    open_all(check=True)
    real_query = Database.query

    def only_cheap(self, name, **params):
        if name not in CHEAP_QUERIES:
            raise RuntimeError(f"named query {name} ran on a stored view")
        return real_query(self, name, **params)

    monkeypatch.setattr(Database, "query", only_cheap)
    open_all(check=True)


def test_an_import_on_the_command_line_computes_the_pages_ahead_before_it_returns(
        own_fitted_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A data change made on the command line (here an import) is not done until the figures of the pages people
    looked at are computed for the new data: the first view afterwards, in a new server, recomputes nothing."""
    import subprocess
    import sys

    from analytics.core import auth
    from analytics.reviews import overview
    from ui import cached
    from ui.context import get_database

    own_db = own_fitted_db  # the flight-risk model of these data is stored: the review's alerts read it
    monkeypatch.setenv("TANDEM_PREWARM_LIMIT", "400")
    db = get_database(str(own_db))
    # a company's own account: importing data into the demo company disables the demo accounts
    auth.add_user(db, "li.hr", "a-long-pass-phrase", [auth.Grant("hr_head", auth.WHOLE_COMPANY)], actor="cli")
    pages = ("pages/overview.py", "pages/quota.py", "pages/attrition.py", "pages/review_monthly.py")
    for page in pages:
        _page(page, "li.hr")
    before = db.data_token
    db.close()  # the server stops while the command line imports (one process writes the file)
    get_database.clear()
    store = ResultStore(own_db)
    viewed = len(list(store.entries(before)))
    assert viewed > 10
    courses = tmp_path / "courses.csv"
    courses.write_text("course_id,name_en,name_zh,category\ncold-calls,Cold calls,陌生拜访,skills\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "analytics", "import", "--db", str(own_db), "--table", "courses",
                           "--file", str(courses)], cwd=Path(APP).parent, capture_output=True, text=True,
                          env={**__import__("os").environ, "PYTHONPATH": str(Path(APP).parent)}, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"{viewed:,} figure(s) of the pages people use computed ahead" in proc.stdout, proc.stdout
    after = get_database(str(own_db)).data_token
    assert after != before
    assert len(list(store.entries(after))) == viewed
    monkeypatch.setattr(overview, "kpis", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("recomputed")))
    monkeypatch.setattr(cached, "compute", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("recomputed")))
    for page in pages:
        _page(page, "li.hr")  # every figure read from what the import computed ahead
