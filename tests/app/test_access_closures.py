"""Access closures under AppTest: who may write goals, who gets an upload widget, downloads built only on a
click, user text shown as plain text, and no pay driver on the flight-risk page without pay rights."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.core.db import Database
from tests.app.conftest import sign_in
from tests.app.test_pages import APP, TIMEOUT


@pytest.fixture(scope="module")
def own_db_path(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy these tests may write to (goals, audit entries), apart from the shared page-test copy."""
    path = tmp_path_factory.mktemp("closures") / "c.duckdb"
    shutil.copy(demo_db_path, path)
    return path


@pytest.fixture
def own_db(own_db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TANDEM_DB", str(own_db_path))
    return own_db_path


def open_page(page: str, user: str, **state: object) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at, user)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> list[str]:
    """Every markdown-rendered text of the page: titles, headers, captions, markdown, boxes."""
    out = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error", "success"):
        out += [e.value for e in getattr(at, kind)]
    return out


# ── D: goals ─────────────────────────────────────────────────────────────
def test_a_manager_edits_only_their_teams_goals_on_the_page(own_db: Path):
    at = open_page("pages/goals.py", "demo.manager.east-01")
    assert at.selectbox(key="goal_unit").options == ["East Team 1"]  # their team; no "Company"
    assert at.selectbox(key="goal_pick").options == ["New goal"]  # every demo goal is the company's or Northwest's
    # typing a company goal's id into the form does not change it: refused in analytics/reviews/goals.py
    db = Database(own_db)
    before = db.sql("select * from goals order by goal_id").rows()
    at.text_input[0].input("G1")
    at.text_input[1].input("Hijacked")
    at.text_input[2].input("劫持")
    at.button[0].click().run()  # the form's submit button
    assert not at.exception, at.exception
    assert any("company goal" in e.value for e in at.error), [e.value for e in at.error]
    assert db.sql("select * from goals order by goal_id").rows() == before


def test_the_analyst_gets_no_goal_editor(own_db: Path):
    at = open_page("pages/goals.py", "demo.analyst")
    assert not [s for s in at.selectbox if s.key in ("goal_pick", "goal_unit")]
