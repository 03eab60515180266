"""The stored monthly panels (analytics/core/panels.py) give the rows of the named queries they stand for.

On the small demo company (built with its panels): each panel's reading SQL against the named query itself over
the facts, for every scope level, single and overlapping periods (a quarter with its first month, a year), and
random month ranges (hypothesis); requests the panels do not hold (a period ending mid-month, another as-of
date, placement at the period's end, months before the history) run the query; a data change retires them
until they are built again; and the app's reads go through them.
"""
from __future__ import annotations

import datetime as dt
import gzip
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from analytics.core import panels
from analytics.core.access import Viewer, full_access
from analytics.core.db import Database, sql_text
from analytics.core.periods import Period, parse_period
from analytics.core.windows import rep_accounts_params
from analytics.metrics import engine
from analytics.people import skills
from analytics.sales import quota

ROOT = Path(__file__).resolve().parents[3]

VIEWERS = {
    "company": full_access(),
    "region": Viewer(user="t", org_units=frozenset({"east"})),
    "team": Viewer(user="t", org_units=frozenset({"east-01"})),
    "two teams": Viewer(user="t", org_units=frozenset({"east-01", "west-02"})),
}
PERIOD_SETS = {
    "quarter": ["2025-Q3"],
    "quarter and its first month": ["2025-Q3", "2025-07"],
    "year, quarters, month": ["FY2025", "2025-Q1", "2025-Q4", "2025-10"],
    "two years": ["FY2024", "FY2025"],
    "single months": ["2025-05", "2025-06", "2025-07", "2025-12"],  # read from the month rows as stored
}


@pytest.fixture(scope="module")
def demo(demo_db_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("panels") / "demo.duckdb"
    shutil.copy(demo_db_path, path)
    db = Database(path)
    yield db
    db.close()


@pytest.fixture
def demo_file(demo_db_path, tmp_path: Path) -> Path:
    """A fresh copy of the small demo company (built with its panels) for a test that writes to it."""
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_path, path)
    return path


def _requests(name: str, periods: list[Period], as_of: dt.date, viewer: Viewer) -> list[dict[str, object]]:
    """The parameters the app sends the named query for these periods (each person flag it uses)."""
    scope = viewer.sql_params()
    if name == "rep_period_customers":  # one period per request
        return [{"start": p.start, "end": p.end, "as_of": as_of, "person": person, "customers": customers, **scope}
                for p in periods for person in (False, True) for customers in (True, False)]
    if name == "sales_placed":
        return [{**quota.placed_params(periods, as_of, person), **scope} for person in (False, True)]
    placed = quota.placed_params(periods, as_of)
    if name == "sales_booked":
        return [{**{k: placed[k] for k in ("start", "end", "period_starts", "period_ends")}, **scope}]
    if name == "talent_sales_traits":  # the profiles' window on the as-of date
        return [{**skills.traits_params(as_of), **scope}]
    if name == "rep_accounts":  # the key-account matching's sales window on the as-of date
        return [{**rep_accounts_params(as_of), **scope}]
    if name == "rep_month_sales":  # everyone, or the reps hired since a date (the ramp: since the range's start)
        since = placed["start"].replace(year=placed["start"].year - 2)
        return [{"start": placed["start"], "end": placed["end"], "as_of": as_of, "hired_from": hired, **scope}
                for hired in (None, since)]
    return [{"start": placed["start"], "end": placed["end"], "as_of": as_of, **scope}]


def _params(name: str, periods: list[Period], as_of: dt.date, viewer: Viewer) -> dict[str, object]:
    return _requests(name, periods, as_of, viewer)[0]


def _same_rows(db: Database, name: str, params: dict[str, object]) -> int:
    text = panels.reader(db, name, params)
    assert text is not None, f"the {name} panel should hold {params}"
    got = db.sql(text, **params)
    want = db.sql(sql_text(name), **params)
    assert got.columns == want.columns
    keys = [c for c, dtype in want.schema.items() if not dtype.is_float()]
    assert_frame_equal(got.sort(keys, nulls_last=True), want.sort(keys, nulls_last=True),
                       check_exact=False, rel_tol=1e-9, abs_tol=1e-6)
    return want.height


def test_the_demo_is_built_with_its_panels(demo):
    info = panels.built(demo)
    assert info is not None and info.token == demo.data_token
    assert info.as_of == engine.as_of_date(demo)
    for table in panels.TABLES:
        assert demo.scalar(f"select count(*) from panels.{table.name}") > 0


@pytest.mark.parametrize("name", sorted(panels.PANELS))
@pytest.mark.parametrize("scope", sorted(VIEWERS))
@pytest.mark.parametrize("periods", sorted(PERIOD_SETS))
def test_a_panel_gives_the_rows_of_its_query(demo, name, scope, periods):
    chosen = [parse_period(p) for p in PERIOD_SETS[periods]]
    for params in _requests(name, chosen, engine.as_of_date(demo), VIEWERS[scope]):
        assert _same_rows(demo, name, params) > 0


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.integers(0, 59), length=st.integers(1, 24), scope=st.sampled_from(sorted(VIEWERS)),
       name=st.sampled_from(sorted(panels.PANELS)))
def test_any_month_range_of_the_history(demo, first, length, scope, name):
    info = panels.built(demo)
    months = pl.date_range(info.first_month, info.last_month, "1mo", eager=True).to_list()
    start = months[min(first, len(months) - 1)]
    end = months[min(first + length - 1, len(months) - 1)]
    period = Period(start, (pl.Series([end]).dt.month_end()[0]), "range", "range")
    for params in _requests(name, [period], engine.as_of_date(demo), VIEWERS[scope]):
        _same_rows(demo, name, params)


def test_requests_the_panels_do_not_hold_run_the_query(demo):
    as_of = engine.as_of_date(demo)
    quarter = parse_period("2025-Q3")
    company = full_access()
    placed = _params("sales_placed", [quarter], as_of, company)
    assert panels.reader(demo, "sales_placed", placed) is not None
    mid_month = Period(quarter.start, dt.date(2025, 9, 15), "to date", "quarter")
    assert panels.reader(demo, "sales_placed", _params("sales_placed", [mid_month], as_of, company)) is None
    assert panels.reader(demo, "sales_placed", {**placed, "as_of": as_of - dt.timedelta(days=1)}) is None
    assert panels.reader(demo, "sales_placed", {**placed, "person": True}) is not None  # its own reading
    assert panels.reader(demo, "sales_placed", {**placed, "window_days": 30}) is None
    traits = {**skills.traits_params(as_of), **company.sql_params()}  # built for the profiles' window only
    assert panels.reader(demo, "talent_sales_traits", traits) is not None
    assert panels.reader(demo, "talent_sales_traits", {**traits, "start": traits["start"].replace(day=2)}) is None
    book = {"as_of": as_of, **company.sql_params()}  # an as-of query: that date only, any scope
    assert panels.reader(demo, "person_book", book) is not None
    assert panels.reader(demo, "person_book", {**book, "as_of": as_of - dt.timedelta(days=30)}) is None
    before = panels.built(demo).first_month - dt.timedelta(days=1)
    early = {**_params("hr_monthly", [quarter], as_of, company), "start": before.replace(day=1)}
    assert panels.reader(demo, "hr_monthly", early) is None
    assert panels.reader(demo, "hr_events", _params("hr_monthly", [quarter], as_of, company)) is None
    customers = _params("rep_period_customers", [quarter], as_of, company)
    assert panels.reader(demo, "rep_period_customers", customers) is not None
    assert panels.reader(demo, "rep_period_customers", {**customers, "end": dt.date(2025, 9, 15)}) is None
    assert panels.reader(demo, "rep_period_customers", {**customers, "as_of": dt.date(2025, 9, 30)}) is None


def test_the_engine_reads_the_panels_and_gives_the_queries_values(demo, monkeypatch):
    period = parse_period("2025-Q3")
    by_panel = {m: engine.compute(demo, full_access(), m, period, by=["region"]) for m in
                ("attainment", "bookings", "attrition_rate", "headcount_end", "reps_at_quota", "repeat_rate", "dso",
                 "pipeline_coverage", "new_customers")}
    monkeypatch.setattr(panels, "reader", lambda *_a, **_k: None)
    demo._memo.clear()
    for metric, got in by_panel.items():
        want = engine.compute(demo, full_access(), metric, period, by=["region"])
        assert_frame_equal(got.sort("region"), want.sort("region"), check_exact=False, rel_tol=1e-9)


def test_a_data_change_retires_the_panels_until_they_are_built_again(demo_file: Path):
    path = demo_file
    db = Database(path)
    try:
        params = _params("sales_booked", [parse_period("2025-Q3")], engine.as_of_date(db), full_access())
        before = db.query("sales_booked", **params)
        with db.transaction() as cur:  # one order doubled: the panel no longer tells the truth
            cur.execute("update orders set amount = amount * 2 where order_id = (select min(order_id) from orders "
                        "where order_date between date '2025-07-01' and date '2025-09-30' and employee_id is not null)")
        assert panels.built(db) is None and panels.reader(db, "sales_booked", params) is None
        changed = db.query("sales_booked", **params)
        assert changed["bookings"].sum() != pytest.approx(before["bookings"].sum())
        assert panels.build(db)  # seconds per panel
        assert panels.reader(db, "sales_booked", params) is not None
        _same_rows(db, "sales_booked", params)
        assert panels.build(db) == {}  # current: nothing to do
    finally:
        db.close()


def test_panels_are_derived_data_left_out_of_the_table_list(demo):
    assert not any(name.startswith("panels") or name in panels.PANELS for name in demo.table_counts())


def test_backups_leave_the_panels_out_and_a_restore_builds_them_again(demo_file: Path, tmp_path: Path, capsys):
    from analytics.cli.main import main
    from analytics.core import backup as bk

    path = demo_file
    taken = bk.backup(path).written[0]
    with tarfile.open(taken) as tar:
        (tmp_path / "copy.duckdb").write_bytes(gzip.decompress(tar.extractfile("database.duckdb.gz").read()))
    con = duckdb.connect(str(tmp_path / "copy.duckdb"), read_only=True)
    try:
        schemas = {r[0] for r in con.execute("select distinct schema_name from duckdb_tables()").fetchall()}
    finally:
        con.close()
    assert schemas == {"main"}
    assert main(["restore", str(taken), "--db", str(path)]) == 0
    db = Database(path, read_only=True)
    try:
        assert panels.built(db) is not None  # rebuilt by the restore command for the restored data's token
    finally:
        db.close()
    assert main(["panels", "status", "--db", str(path)]) == 0
    assert "panels current" in capsys.readouterr().out


def test_the_panels_command_builds_what_a_change_retired(demo_file: Path, capsys):
    from analytics.cli.main import main

    path = demo_file
    db = Database(path)
    with db.transaction() as cur:
        cur.execute("update quotas set amount = amount + 1 where month = date '2025-07-01'")
    db.close()
    assert main(["panels", "status", "--db", str(path)]) == 0
    assert "out of date" in capsys.readouterr().out
    assert main(["panels", "build", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert all(table.name in out for table in panels.TABLES) and "panels built" in out
    assert main(["panels", "build", "--db", str(path)]) == 0
    assert "current" in capsys.readouterr().out


def test_panels_built_by_other_code_are_out_of_date(demo_file: Path, monkeypatch):
    path = demo_file
    db = Database(path)
    try:
        assert panels.built(db) is not None
        panels._state.clear()
        monkeypatch.setattr(panels, "fingerprint", lambda: "another way of building them")
        assert panels.built(db) is None  # same data token, other panel code: built again, not read
        assert panels.build(db) and panels.built(db) is not None
    finally:
        db.close()


def test_rep_months_of_new_hires_only(demo):
    """``$hired_from`` keeps the reps hired on or after it, from the panel and from the facts alike."""
    as_of = engine.as_of_date(demo)
    params = {"start": dt.date(2023, 1, 1), "end": dt.date(2025, 12, 1), "as_of": as_of, **full_access().sql_params()}
    everyone = demo.query("rep_month_sales", hired_from=None, **params)
    since = dt.date(2024, 1, 1)
    for text in (panels.reader(demo, "rep_month_sales", {**params, "hired_from": since}), sql_text("rep_month_sales")):
        hired = demo.sql(text, hired_from=since, **params)
        assert 0 < hired.height < everyone.height
        assert hired["hire_date"].min() >= since
        assert hired.height == everyone.filter(pl.col("hire_date") >= since).height


def test_a_process_that_exits_during_a_background_build_waits_for_it(demo_file):
    """A process (a server stopping, a page run in a benchmark) that ends while the panels are built in the
    background exits cleanly with them built: a daemon thread torn down inside DuckDB aborted it (signal 6)."""
    db = Database(demo_file)
    with db.transaction(bump=False) as cur:
        cur.execute("drop table panels.built")
    db.close()
    script = ("import sys; from analytics.core import panels; from analytics.core.db import Database; "
              "db = Database(sys.argv[1]); assert panels.refresh_in_background(db); print('started', flush=True)")
    proc = subprocess.run([sys.executable, "-c", script, str(demo_file)], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "started" in proc.stdout
    db = Database(demo_file, read_only=True)
    assert panels.built(db) is not None
    db.close()
