"""The app's live sync from PostgreSQL: the schedule's rounds (recorded, refreshed after a load, never stopped by a
failure) and the Data page's Live sync section (configured and not, both languages, "Sync now").

A real PostgreSQL server (tests/pg_server.py) serves the source; without PostgreSQL the module is skipped, and
under ``CI=true`` it fails.
"""
from __future__ import annotations

import itertools
import json
import shutil
import threading
from pathlib import Path

import psycopg
import pytest
from streamlit.testing.v1 import AppTest

from analytics.core import panels
from analytics.core.db import Database
from analytics.core.i18n import code_label, t
from analytics.sources.sync_rounds import from_environment
from tests.app.conftest import sign_in
from tests.app.test_pages import APP, TIMEOUT
from tests.app.test_raw_text import problems, visible
from tests.pg_server import clean_environment, free_port, module_server
from ui import sync_clock

USER, PASSWORD = "tandem_app", "App-Sync-Pw-7731"
_numbers = itertools.count(1)

SOURCE = """create table employees (emp_id text primary key, name text not null, hire_date text,
    updated_at timestamptz not null);
insert into employees values ('E1', 'Ann Lee', '2024-01-05', '2025-01-01 09:00:00+00'),
    ('E2', 'Bob Ma', '2024-02-01', '2025-01-01 09:00:00+00'), ('E3', 'Cy Wu', '2024-03-11', '2025-01-02 09:00:00+00');
create table customers (external_key text primary key, name text not null, tier text not null);
insert into customers values ('C1', 'Acme', 'KA'), ('C2', 'Beta', 'regular');
"""


server = module_server(USER, PASSWORD)
_no_pg_environment = clean_environment(*(f"TANDEM_SYNC_{s}" for s in ("FROM", "EVERY", "TABLES", "SCHEMA", "MAPPING")))


def source(server, script: str = SOURCE) -> tuple[str, str]:
    """A new source database owned by the sync user: (its name, its URL with the password in it)."""
    name = f"people{next(_numbers)}"
    return name, server.database(name, USER, PASSWORD, script)


def recorded(db: Database) -> list[dict]:
    """The rounds in ``sync_rounds`` (none before the first round creates it)."""
    if not db.scalar("select count(*) from duckdb_tables() where table_name = 'sync_rounds'"):
        return []
    return db.sql("select * from sync_rounds order by round_id").rows(named=True)


# ── the schedule ────────────────────────────────────────────────────────
def test_each_round_is_recorded_and_a_refused_connection_does_not_stop_the_schedule(server, tmp_path):
    name, url = source(server)
    settings = from_environment({"TANDEM_SYNC_FROM": url})
    db = Database(tmp_path / "t.duckdb")
    refreshed: list[int] = []

    def after(d: Database, fy_start: int) -> None:
        refreshed.append(d.data_version)

    first = sync_clock.tick(db, settings, after=after)
    assert first.outcome == "loaded" and first.rows_loaded == {"customers": 2, "employees": 3}
    assert refreshed == [db.data_version]                         # the pages refreshed after the load
    assert db.sql("select actor from audit_log where action = 'sync'").rows() == [("sync",)]
    version = db.data_version
    second = sync_clock.tick(db, settings, after=after)
    assert second.outcome == "unchanged" and db.data_version == version and refreshed == [version]

    with psycopg.connect(url, autocommit=True) as con:           # a change, then the source turns connections away
        con.execute("update employees set name = 'Ann Li', updated_at = '2025-03-01' where emp_id = 'E1'")
    with server.admin() as con:
        con.execute(f"alter database {name} allow_connections false")
    try:
        third = sync_clock.tick(db, settings, after=after)
    finally:
        with server.admin() as con:
            con.execute(f"alter database {name} allow_connections true")
    assert third.outcome == "unreachable" and f"127.0.0.1:{server.port}" in third.message
    assert db.data_version == version

    fourth = sync_clock.tick(db, settings, after=after)          # the next round: the change arrives
    assert fourth.outcome == "loaded" and fourth.rows_loaded == {"employees": 1}
    assert db.sql("select name from employees where external_key = 'E1'").item() == "Ann Li"

    with psycopg.connect(url, autocommit=True) as con:           # a bad value: refused with the first issues
        con.execute("insert into employees values ('E4', 'Di Xu', '31/02/2024', '2025-04-01')")
    fifth = sync_clock.tick(db, settings, after=after)
    assert fifth.outcome == "refused" and db.data_version == version + 1 and len(refreshed) == 2
    assert any("public.employees" in issue and "row 4" in issue for issue in fifth.issues), fifth.issues

    rows = recorded(db)
    assert [r["outcome"] for r in rows] == ["loaded", "unchanged", "unreachable", "loaded", "refused"]
    assert {r["actor"] for r in rows} == {"sync"}
    assert [json.loads(r["rows_loaded"]) for r in rows][::3] == [{"customers": 2, "employees": 3}, {"employees": 1}]
    assert json.loads(rows[0]["tables_read"]) == ["public.customers", "public.employees"]
    assert all(r["finished_at"] >= r["started_at"] for r in rows)
    assert PASSWORD not in repr(rows) and USER not in repr(rows)
    db.close()


def test_after_a_loading_round_the_pages_are_refreshed(server, tmp_path, monkeypatch):
    from analytics.people import risk_store
    from ui import prewarm

    _, url = source(server)
    fitted, ahead = [], []
    monkeypatch.setattr(risk_store, "state", lambda d, as_of, *a, **k: fitted.append(as_of))
    monkeypatch.setattr(prewarm, "start", lambda d, store, compute, fy_start, **k: ahead.append(d.data_token))
    db = Database(tmp_path / "t.duckdb")
    assert sync_clock.tick(db, from_environment({"TANDEM_SYNC_FROM": url})).outcome == "loaded"
    assert panels.built(db) is not None                           # the panels of the new data, built
    assert len(fitted) == 1 and ahead == [db.data_token]           # the model and the pages' figures, started
    assert sync_clock.tick(db, from_environment({"TANDEM_SYNC_FROM": url})).outcome == "unchanged"
    assert len(ahead) == 1
    db.close()


def test_the_schedule_runs_rounds_until_it_is_stopped(server, tmp_path, monkeypatch):
    _, url = source(server)
    db = Database(tmp_path / "t.duckdb")
    monkeypatch.setattr(sync_clock, "_database", lambda path: db)
    monkeypatch.setattr(sync_clock, "STEP_SECONDS", 0.1)
    stop = threading.Event()
    loop = threading.Thread(target=sync_clock._loop, args=(str(db.path), from_environment(
        {"TANDEM_SYNC_FROM": url, "TANDEM_SYNC_EVERY": "0.005"}), 1, lambda d, fy: None, lambda: not stop.is_set()))
    loop.start()
    try:
        for _ in range(100):
            if len(recorded(db)) >= 2:
                break
            stop.wait(0.1)
        assert sync_clock.next_round(str(db.path)) is not None
    finally:
        stop.set()
        loop.join(10)
    assert [r["outcome"] for r in recorded(db)][:2] == ["loaded", "unchanged"]
    assert sync_clock.next_round(str(db.path)) is None
    db.close()


def test_the_schedule_starts_only_in_a_served_app_with_a_source(monkeypatch, tmp_path):
    db = Database(tmp_path / "t.duckdb")
    monkeypatch.setattr(sync_clock, "_started", set())
    monkeypatch.setenv("TANDEM_SYNC_FROM", "postgresql://u@127.0.0.1:1/x")
    assert not sync_clock.ensure_started(db)                      # AppTest, the command line: never
    monkeypatch.setattr(sync_clock, "SERVING", True)
    monkeypatch.setenv("TANDEM_SYNC_EVERY", "soon")
    assert not sync_clock.ensure_started(db)                      # wrong settings: logged, not started
    monkeypatch.delenv("TANDEM_SYNC_FROM")
    monkeypatch.setattr(sync_clock, "_started", set())
    assert not sync_clock.ensure_started(db)                      # no source: off
    assert from_environment({"TANDEM_SYNC_FROM": "mysql://x"}).problem == "from"
    assert from_environment({"TANDEM_SYNC_FROM": "postgresql://h/d", "TANDEM_SYNC_TABLES": "a=nope"}).problem == \
        "tables"
    good = from_environment({"TANDEM_SYNC_FROM": "postgresql://h/d", "TANDEM_SYNC_TABLES": "roster, deals=orders",
                             "TANDEM_SYNC_EVERY": "0.5", "TANDEM_SYNC_SCHEMA": "hr"})
    assert (good.problem, good.every, good.tables, good.schema) == (None, 0.5, (("roster", None),
                                                                             ("deals", "orders")), "hr")
    db.close()


# ── the Data page ───────────────────────────────────────────────────────
@pytest.fixture
def own_db(demo_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "sync_page.duckdb"
    shutil.copy(demo_db_path, path)
    monkeypatch.setenv("TANDEM_DB", str(path))
    monkeypatch.setenv("TANDEM_PREWARM_LIMIT", "0")
    return path


def data_page(lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    return at


def shown(at: AppTest, lang: str, db_path: Path, *names: str) -> set[str]:
    """What reads raw on the page; the source's host and database are names, left out as account names are."""
    texts = visible(at, "data.py", lang)
    for name in names:
        texts = [(where, text.replace(name, ""), whole) for where, text, whole in texts]
    return problems(texts, lang, str(db_path))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_without_a_source_the_page_says_how_to_configure_it(own_db: Path, lang: str):
    at = data_page(lang)
    assert t("sync.title", lang) in [s.value for s in at.subheader]
    assert t("sync.not_configured", lang) in [c.value for c in at.caption]
    assert any(f"TANDEM_SYNC_FROM=<{t('sync.example_address', lang)}>" in c.value for c in at.code)
    assert not [b for b in at.button if b.key == "data_sync_now"] and not at.error
    assert not shown(at, lang, own_db)


def test_sync_now_loads_the_rows_and_records_the_round_with_the_user(server, own_db: Path, monkeypatch):
    name, url = source(server, SOURCE.split("create table customers")[0].replace("E1", "E91").replace(
        "E2", "E92").replace("E3", "E93"))
    monkeypatch.setenv("TANDEM_SYNC_FROM", url)
    before = Database(own_db)
    people, version = before.table_counts()["employees"], before.data_version
    before.close()
    at = data_page("zh")
    captions = " ".join(c.value for c in at.caption)
    assert f"127.0.0.1:{server.port}" in captions and name in captions and PASSWORD not in captions
    values = {m.label: m.value for m in at.metric}
    assert values[t("sync.last", "zh")] == t("sync.never", "zh")
    assert values[t("sync.next", "zh")] == t("sync.not_scheduled", "zh")   # no schedule under AppTest
    assert not shown(at, "zh", own_db, name)
    at.button(key="data_sync_now").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == [t("sync.done.loaded", "zh", n="3",
                                                    into=code_label("table", "employees", "zh") + " 3")], at.error
    values = {m.label: m.value for m in at.metric}
    assert values[t("sync.outcome_label", "zh")] == t("sync.outcome.loaded", "zh")
    assert values[t("sync.rows", "zh")] == "3"
    (table,) = [d.value for d in at.dataframe if t("sync.col_by", "zh") in d.value.columns]
    assert table[t("sync.col_by", "zh")].tolist() == ["demo.hr"]
    assert not shown(at, "zh", own_db, name)
    after = Database(own_db)
    assert after.table_counts()["employees"] == people + 3 and after.data_version == version + 1
    assert after.sql("select actor from audit_log where action = 'sync'").rows() == [("demo.hr",)]
    assert [(r["actor"], r["outcome"]) for r in recorded(after)] == [("demo.hr", "loaded")]
    after.close()


def test_sync_now_against_a_source_that_refuses_says_so_without_the_password(own_db: Path, monkeypatch):
    port = free_port()   # nothing listens there
    monkeypatch.setenv("TANDEM_SYNC_FROM", f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{port}/people")
    monkeypatch.setenv("TANDEM_SYNC_EVERY", "30")
    at = data_page("en")
    assert any("every 30 minutes" in c.value for c in at.caption)
    at.button(key="data_sync_now").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [t("sync.done.unreachable")]
    details = " ".join(c.value for c in at.code)
    assert f"cannot connect to PostgreSQL at 127.0.0.1:{port}, database 'people'" in details
    values = {m.label: m.value for m in at.metric}
    assert values[t("sync.outcome_label")] == t("sync.outcome.unreachable") and values[t("sync.rows")] == "0"
    page = " ".join(text for _, text, _ in visible(at, "data.py", "en")) + details
    assert PASSWORD not in page
    assert not shown(at, "en", own_db, "people")
    db = Database(own_db)
    assert [(r["actor"], r["outcome"]) for r in recorded(db)] == [("demo.hr", "unreachable")]
    assert PASSWORD not in repr(recorded(db))
    db.close()
