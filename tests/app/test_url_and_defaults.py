"""The sidebar under AppTest: a meeting's default is the last complete period of the grain (the partial one
stays in the picker), and the URL carries grain, period and scope both ways."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.core.db import Database
from tests.app.conftest import sign_in
from tests.app.test_pages import APP, TIMEOUT

AS_OF = "2025-11-15"  # mid-month and mid-quarter: 2025-11 and 2025-Q4 are partial


@pytest.fixture(scope="module")
def mid_quarter_db(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mid_quarter") / "app.duckdb"
    shutil.copy(demo_db_path, path)
    db = Database(path)
    with db.transaction() as cur:
        cur.execute("insert or replace into meta values ('as_of', $v)", {"v": AS_OF})
    db.close()
    return path


def run_app(db_path: Path, monkeypatch: pytest.MonkeyPatch, query: dict[str, str] | None = None,
            **state: object) -> AppTest:
    monkeypatch.setenv("TANDEM_DB", str(db_path))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at, "demo.hr")
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def test_default_period_is_the_last_complete_quarter(mid_quarter_db: Path, monkeypatch: pytest.MonkeyPatch):
    at = run_app(mid_quarter_db, monkeypatch)
    box = at.selectbox(key="period_quarter")
    assert box.options[0].startswith("2025-Q4")  # the current, partial quarter: one click away, labelled
    assert "2025-Q4" in box.options[0] and box.options[0] != "2025-Q4"
    assert box.value == "2025-Q3"
    assert at.query_params["period"] == "2025-Q3" and at.query_params["grain"] == "quarter"


def test_default_period_is_the_last_complete_month(mid_quarter_db: Path, monkeypatch: pytest.MonkeyPatch):
    at = run_app(mid_quarter_db, monkeypatch, grain="month")
    assert at.selectbox(key="period_month").value == "2025-10"
    at = run_app(mid_quarter_db, monkeypatch, grain="fiscal_year")
    box = at.selectbox(key="period_fiscal_year")
    assert box.value != box.options[0] and box.value == box.options[1]  # the running fiscal year is partial


def test_the_reviews_open_on_their_last_complete_meeting_period(mid_quarter_db: Path,
                                                                 monkeypatch: pytest.MonkeyPatch):
    """Whatever the other pages' grain: the monthly review opens on the last complete month (October, not
    September, the last month of the last complete quarter) and the quarterly one on the last complete quarter;
    the running month / quarter is the first choice, labelled partial. A link's period opens that meeting."""
    at = run_app(mid_quarter_db, monkeypatch)
    at.switch_page("pages/review_monthly.py").run()
    assert not at.exception, at.exception
    box = at.selectbox(key="meeting_monthly")
    assert box.value == "2025-10" and box.options[0] != "2025-11" and "2025-11" in box.options[0]
    assert [b for b in at.selectbox if b.key == "grain"] == []  # a meeting's period has one grain
    assert "2025-10" in at.markdown[0].value or any("2025-10" in m.value for m in at.markdown)
    at.switch_page("pages/review_quarterly.py").run()
    assert at.selectbox(key="meeting_quarterly").value == "2025-Q3"
    at = run_app(mid_quarter_db, monkeypatch)
    at.query_params["period"] = "2025-07"  # a link to the July meeting, opened in a new session
    at.switch_page("pages/review_monthly.py").run()
    assert at.selectbox(key="meeting_monthly").value == "2025-07"


def test_the_url_opens_the_same_view(mid_quarter_db: Path, monkeypatch: pytest.MonkeyPatch):
    at = run_app(mid_quarter_db, monkeypatch, {"grain": "month", "period": "2025-06", "region": "east",
                                               "team": "east-01"})
    assert at.selectbox(key="grain").value == "month"
    assert at.selectbox(key="period_month").value == "2025-06"
    assert at.selectbox(key="scope_region").value == "east"
    assert at.selectbox(key="scope_team").value == "east-01"
    assert {k: at.query_params[k] for k in ("grain", "period", "region", "team")} == {
        "grain": "month", "period": "2025-06", "region": "east", "team": "east-01"}


def test_the_url_cannot_widen_scope_or_pick_an_unknown_period(mid_quarter_db: Path,
                                                              monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TANDEM_DB", str(mid_quarter_db))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at, "demo.director.east")
    at.query_params["region"] = "north"
    at.query_params["period"] = "1999-Q1"
    at.run()
    assert not at.exception
    assert at.selectbox(key="scope_region").value == "__all__"  # north is not a choice for East's director
    assert at.selectbox(key="period_quarter").value == "2025-Q3"
    assert "region" not in at.query_params


def test_the_sign_in_form_answers_at_every_page_address():
    """app.py's SLUGS (the addresses the sign-in form is served at) name every page of the navigation: they are the
    page catalogue's (analytics/core/page_catalogue.py), which holds every page the menu registers."""
    from analytics.core.page_catalogue import PAGES

    source = Path(APP).read_text(encoding="utf-8")
    slugs = set(re.findall(r'page\("pages/[a-z_]+\.py", "[a-z_.]+", ":material/[a-z_]+:", "([a-z-]+)"', source))
    assert "SLUGS = tuple(p.slug for p in PAGES)" in source
    assert slugs and slugs == {p.slug for p in PAGES}
