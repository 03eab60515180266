"""The Flight risk and Key accounts pages never wait for a model fit after a data change: they show the previous
model's results with a note saying the model is being refitted (and since when), and the current results once
the fit in the background is done. The fit is made slow here by a fit that waits for the test's signal."""
from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.core.db import Database
from analytics.core.i18n import fmt_number
from analytics.metrics.engine import as_of_date
from analytics.people import risk_store
from tests.app.conftest import sign_in
from tests.app.test_pages import APP, TIMEOUT

REFITTING = "the model is being refitted on the new data (started "


def _served(source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "bg.duckdb"
    shutil.copy(source, path)
    monkeypatch.setenv("TANDEM_DB", str(path))
    risk_store.clear_memo()
    db = Database(path)
    yield db
    db.close()
    risk_store.clear_memo()


@pytest.fixture
def bg_db(risk_demo_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A copy of the small demo company whose model of the as-of date is stored (fitted once per session)."""
    yield from _served(risk_demo_path, tmp_path, monkeypatch)


@pytest.fixture
def unfitted_db(demo_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A copy of the small demo company without any stored model."""
    yield from _served(demo_db_path, tmp_path, monkeypatch)


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch):
    """Fits wait for ``gate.set()`` (at most a minute) before doing their work; a fit still held back when the
    test ends is dropped instead of fitting in the background during the next tests."""
    release, over, real = threading.Event(), threading.Event(), risk_store.fit

    def gated(*args, **kwargs):
        release.wait(60)
        if over.is_set():
            raise RuntimeError("the test is over: its held-back fit is not needed")
        return real(*args, **kwargs)

    monkeypatch.setattr(risk_store, "fit", gated)
    yield release
    over.set()
    release.set()


def _new_data(db: Database) -> None:
    with db.transaction() as cur:
        cur.execute("update employees set hire_source = 'referral' where employee_id = "
                    "(select min(employee_id) from employees)")


def _open(page: str) -> tuple[AppTest, float]:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at, "demo.hr")
    at.run()
    started = time.perf_counter()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at, time.perf_counter() - started


def _wait_for_the_fit(db: Database, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not risk_store.state(db, as_of_date(db)).ready and time.monotonic() < deadline:
        time.sleep(0.2)


def test_risk_page_shows_the_previous_model_with_a_note_while_the_new_one_is_fitted(bg_db, gate):
    as_of = as_of_date(bg_db)
    old = risk_store.current_model(bg_db, as_of)  # stored: read, not fitted (the gate holds every fit)
    _new_data(bg_db)  # a new data version: its model is not there yet

    at, seconds = _open("pages/risk.py")
    state = risk_store.state(bg_db, as_of)
    assert state.fitting and not state.job.done  # the page did not wait: the fit is still held back
    assert seconds < 30
    notes = [i.value for i in at.info if REFITTING in i.value]
    assert notes == [f"These results come from the model fitted {_when(old)} on the data as of "
                     f"{_date(old)}: {REFITTING}{state.job.started:%H:%M}). The page updates itself when it is done."]
    assert at.metric[0].value == fmt_number(old.meta["backtest"]["scores"]["model"]["roc_auc"], "score")
    assert at.dataframe and len(at.dataframe[0].value) == old.people.height  # the previous list, as the HR head

    gate.set()
    _wait_for_the_fit(bg_db)
    at.run()
    assert not at.exception
    assert not [i for i in at.info if REFITTING in i.value]
    new = risk_store.state(bg_db, as_of).model
    assert new.meta["data_version"] == bg_db.data_version
    assert any(c.value.startswith("Model fitted ") for c in at.caption)
    assert at.metric[0].value == fmt_number(new.meta["backtest"]["scores"]["model"]["roc_auc"], "score")


def test_first_fit_ever_shows_what_it_is_doing_then_the_results(unfitted_db, gate):
    threading.Timer(1.0, gate.set).start()  # nothing stored yet: the page waits, with a status and progress
    at, _ = _open("pages/risk.py")
    assert [s for s in at.get("status")] or [e for e in at.get("expandable")]
    assert at.metric and at.metric[0].value not in ("", None)
    assert risk_store.state(unfitted_db, as_of_date(unfitted_db)).ready


def test_key_accounts_continuity_does_not_wait_for_the_refit(bg_db, gate):
    as_of = as_of_date(bg_db)
    assert risk_store.current_model(bg_db, as_of) is not None  # the previous model, stored
    _new_data(bg_db)
    at, seconds = _open("pages/key_accounts.py")
    assert risk_store.state(bg_db, as_of).fitting and seconds < 30
    assert [i for i in at.info if REFITTING in i.value]
    assert at.dataframe  # the matching and the continuity list (previous model) are there


def _when(found: risk_store.RiskModel) -> str:
    import datetime as dt

    from analytics.core.i18n import fmt_date
    at = dt.datetime.fromisoformat(found.meta["fitted_at"])
    return f"{fmt_date(at.date(), 'en')} {at:%H:%M}"


def _date(found: risk_store.RiskModel) -> str:
    from analytics.core.i18n import fmt_date
    return fmt_date(risk_store.model_date(found), "en")


@pytest.mark.parametrize("page", ["pages/review_monthly.py", "pages/hiring.py"])
def test_the_monthly_review_and_hiring_do_not_wait_for_the_refit(bg_db, gate, page):
    """Their alerts and revenue at risk are scored with the previous model meanwhile, said so on the page."""
    as_of = as_of_date(bg_db)
    assert risk_store.current_model(bg_db, as_of) is not None  # the previous model, stored
    _new_data(bg_db)
    at, seconds = _open(page)
    assert risk_store.state(bg_db, as_of).fitting and seconds < 60
    assert [i for i in at.info if REFITTING in i.value]
    assert not at.exception
