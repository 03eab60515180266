"""Every page under AppTest, with interactions whose results are checked against the engine."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.core.access import Viewer, full_access
from analytics.core.db import Database
from analytics.core.i18n import fmt_number
from analytics.core.periods import parse_period
from analytics.core.registry import REGISTRY, all_metrics
from analytics.metrics.engine import compute
from tests.app.conftest import sign_in

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 120


def run_app(user: str | None = "demo.hr", **state: object) -> AppTest:
    """Run the app once. Sidebar choices are given as session state before the run: with st.navigation,
    AppTest reruns only the page script after the first run, so sidebar widgets (drawn by app.py) are set
    this way; widgets inside a page are set with ``set_value`` as usual."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if user:
        sign_in(at, user)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def expected(path: Path, metric: str, period_label: str, viewer: Viewer | None = None, lang: str = "en") -> str:
    """The engine's value for the whole (to-date) period, formatted as the card shows it."""
    from analytics.metrics.engine import as_of_date

    db = Database(path)  # same file and config as the app's connection: DuckDB shares the instance
    as_of = as_of_date(db)
    period = parse_period(period_label).to_date(as_of)
    value = compute(db, viewer or full_access(), metric, period, as_of=as_of)["value"][0]
    return fmt_number(value, REGISTRY[metric].unit, lang)


def card(at: AppTest, i: int) -> str:
    return at.metric[i].value


def test_overview_cards_match_the_engine_and_follow_scope(app_db: Path):
    at = run_app()
    assert at.title[0].value == "Overview"
    assert len(at.metric) == 4
    period = at.selectbox(key="period_quarter").value
    shown = [card(at, i) for i in range(4)]
    assert shown[0] == expected(app_db, "headcount_end", period)
    assert shown[2] == expected(app_db, "attainment", period)
    # Narrow the scope to one region: the headcount card shows that region's headcount.
    at = run_app(scope_region="east")
    assert at.selectbox(key="scope_region").value == "east"
    east = card(at, 0)
    assert east == expected(app_db, "headcount_end", period, Viewer("t", org_units=frozenset({"east"})))
    assert east != shown[0]


def test_period_change_changes_the_numbers(app_db: Path):
    options = run_app().selectbox(key="period_quarter").options
    at = run_app(period_quarter=options[4])
    assert at.selectbox(key="period_quarter").value == options[4]
    value = card(at, 0)
    assert value == expected(app_db, "headcount_end", options[4])


def test_language_switch_translates_the_page(app_db: Path):
    at = run_app(lang="zh")
    assert at.title[0].value == "总览"
    assert at.metric[0].label == REGISTRY["headcount_end"].name_zh


def test_glossary_lists_every_metric_and_filters(app_db: Path):
    at = run_app()
    at.switch_page("pages/glossary.py").run()
    assert not at.exception
    assert at.title[0].value == "Glossary"
    assert at.dataframe[0].value.shape[0] == len(all_metrics())  # built-in, then the company's own (metrics/)
    at.text_input(key="glossary_search").input("probation").run()
    ids = set(at.dataframe[0].value["Id"])
    assert ids == {m.id for m in all_metrics().values() if "probation" in (m.id + m.name_en + m.formula_en).lower()
                   or "probation" in m.formula_zh.lower()}
    assert "probation_exit_rate" in ids


def test_first_start_builds_the_demo_company(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "fresh" / "tandem.duckdb"
    monkeypatch.setenv("TANDEM_DB", str(path))
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    assert not at.exception, at.exception
    assert path.exists()
    assert at.title[0].value == "Sign in to Tandem"  # the demo opens on the sign-in page with its accounts
    assert "demo.hr" in at.table[0].value.iloc[:, 0].to_list()
    db = Database(path)
    assert db.meta("demo") == "true"
    assert db.table_counts()["employees"] > 200
    assert dt.date.fromisoformat(db.meta("as_of")) < dt.date.today()
    # the flight-risk model and the seeded meeting's numbers come with the build: no first view waits for them
    from analytics.people import risk_store
    from analytics.reviews.seed import _PENDING, DEMO_ACTOR

    assert risk_store.state(db, dt.date.fromisoformat(db.meta("as_of"))).ready
    assert db.cursor().execute(_PENDING, {"who": DEMO_ACTOR}).fetchall() == []
    assert db.scalar("select count(*) from reviews where created_by = 'demo'") > 0


def test_unusable_database_gets_a_message_not_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    bogus = tmp_path / "not-a-db.duckdb"
    bogus.write_text("hello")
    monkeypatch.setenv("TANDEM_DB", str(bogus))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    assert "is not a DuckDB database" in at.error[0].value
    assert bogus.read_text() == "hello"
