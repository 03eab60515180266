"""Shared fixtures: a tiny hand-made company in a real DuckDB file, and the small demo company."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import polars as pl
import pytest

from analytics.core.db import Database

# Computing ahead after a data change (ui/prewarm.py) would keep a worker busy in the background after every test
# that writes; tests/app/test_result_store.py turns it on where it is tested.
os.environ.setdefault("TANDEM_PREWARM_LIMIT", "0")

D = dt.date
DEMO_END = D(2025, 12, 1)  # fixed so tests do not depend on today's date


def frame(rows: list[dict], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row")


def tiny_frames() -> dict[str, pl.DataFrame]:
    """A company small enough to compute by hand (see tests/analytics/test_engine.py for the sums).

    People: A (1) hired on the first day of Jan 2024, moves east-01 → east-02 on 2024-06-16;
    B (2) leaves on the last day of March 2024 (voluntary, regretted); C (3) hired 2024-02-10,
    leaves in probation on 2024-04-20 (involuntary); D (4) in north-01 since 2022; H (5) in HR.
    """
    org = pl.DataFrame({
        "org_unit_id": ["company", "east", "east-01", "east-02", "north", "north-01"],
        "parent_id": [None, "company", "east", "east", "company", "north"],
        "level": ["company", "region", "team", "team", "region", "team"],
        "name_en": ["Company", "East", "East Team 1", "East Team 2", "North", "North Team 1"],
        "name_zh": ["总公司", "华东", "华东一组", "华东二组", "华北", "华北一组"],
        "opened_date": [D(2020, 1, 1)] * 6, "closed_date": [None] * 6,
    }, schema_overrides={"closed_date": pl.Date})
    roles = pl.DataFrame({
        "role_id": ["sales_rep", "hr_bp"], "name_en": ["Sales rep", "HRBP"], "name_zh": ["销售代表", "HRBP"],
        "family": ["sales", "hr"], "carries_quota": [True, False], "career_step": [1, None],
    }, schema_overrides={"career_step": pl.Int32})
    emp = pl.DataFrame({
        "employee_id": [1, 2, 3, 4, 5],
        "name": ["A", "B", "C", "D", "H"],
        "hire_date": [D(2024, 1, 1), D(2023, 6, 1), D(2024, 2, 10), D(2022, 1, 1), D(2021, 1, 1)],
        "termination_date": [None, D(2024, 3, 31), D(2024, 4, 20), None, None],
        "exit_type": [None, "voluntary", "involuntary", None, None],
        "regretted": [None, True, False, None, None],
        "hire_source": ["referral", "job_board", "job_board", "campus", "agency"],
        "probation_months": [3, 3, 3, 3, 3],
    }, schema_overrides={"termination_date": pl.Date, "regretted": pl.Boolean})
    asg = pl.DataFrame({
        "assignment_id": [1, 2, 3, 4, 5, 6],
        "employee_id": [1, 1, 2, 3, 4, 5],
        "org_unit_id": ["east-01", "east-02", "east-01", "east-02", "north-01", "east"],
        "manager_id": [None] * 6,
        "role_id": ["sales_rep"] * 5 + ["hr_bp"],
        "job_level": [1, 1, 2, 1, 2, 3],
        "valid_from": [D(2024, 1, 1), D(2024, 6, 16), D(2023, 6, 1), D(2024, 2, 10), D(2022, 1, 1), D(2021, 1, 1)],
        "valid_to": [D(2024, 6, 15), None, D(2024, 3, 31), D(2024, 4, 20), None, None],
    }, schema_overrides={"manager_id": pl.Int64})
    customers = pl.DataFrame({
        "customer_id": [10, 11, 12], "name": ["Big Co", "Small Co", "North Co"], "tier": ["KA", "regular", "regular"],
        "region_id": ["east", "east", "north"],
    })
    # Q1 2024: A books 80 (KA 50) on quota 100; B books 150 on quota 200; D books 40 on quota 0 (excluded).
    orders = pl.DataFrame({
        "order_id": [100, 101, 102, 103, 104],
        "employee_id": [1, 1, 2, 4, None],
        "customer_id": [10, 11, 11, 12, 12],
        "order_date": [D(2024, 1, 15), D(2024, 3, 3), D(2024, 2, 1), D(2024, 2, 2), D(2024, 2, 3)],
        "amount": [50.0, 30.0, 150.0, 40.0, 999.0],
        "is_new_customer": [True, True, False, True, False],
    }, schema_overrides={"employee_id": pl.Int64})
    quotas = pl.DataFrame({
        "employee_id": [1, 1, 1, 2, 2, 4],
        "month": [D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1), D(2024, 2, 1), D(2024, 3, 1), D(2024, 1, 1)],
        "amount": [30.0, 30.0, 40.0, 100.0, 100.0, 0.0],
    })
    # Collected by the as-of date (2024-06-30): 50 of order 100, 75 of order 102; 30 of 101 after as-of.
    collections = pl.DataFrame({
        "collection_id": [1, 2, 3], "order_id": [100, 102, 101],
        "collected_date": [D(2024, 3, 1), D(2024, 4, 1), D(2024, 8, 1)], "amount": [50.0, 75.0, 30.0],
    })
    return {"org_units": org, "roles": roles, "employees": emp, "assignments": asg, "customers": customers,
            "orders": orders, "quotas": quotas, "collections": collections}


def open_db(path: Path, frames: dict[str, pl.DataFrame], as_of: dt.date | None = None) -> Database:
    db = Database(path)
    db.replace_tables(frames, actor="test", action="fixture")
    if as_of:
        with db.transaction() as cur:
            cur.execute("insert or replace into meta values ('as_of', $v)", {"v": as_of.isoformat()})
    return db


@pytest.fixture(autouse=True)
def _one_openmp_thread():
    """Model code any test calls directly (risk.fit_on, backtest_on, a pipeline's fit or predict_proba) runs with
    one OpenMP thread, as the product's fits and scores do (risk.single_threaded): two pytest workers on two busy
    cores left OpenMP's spinning threads waiting for each other, and a test of a second took minutes."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


@pytest.fixture
def tiny_db(tmp_path: Path) -> Database:
    db = open_db(tmp_path / "tiny.duckdb", tiny_frames(), as_of=D(2024, 6, 30))
    yield db
    db.close()


@pytest.fixture(scope="session")
def demo_db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo company (seed 7, history to 2025-12), built once per test session."""
    from analytics.sources.setup import build_demo_database

    path = tmp_path_factory.mktemp("demo") / "tandem.duckdb"
    build_demo_database(path, size="small", seed=7, end=DEMO_END)
    return path


@pytest.fixture
def demo_copy_db(demo_db_path: Path, tmp_path: Path) -> Database:
    """An open, writable copy of the small demo company, for a test that writes."""
    import shutil

    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_path, path)
    db = Database(path)
    yield db
    db.close()


@pytest.fixture(scope="session")
def risk_demo_model(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory):
    """The small demo company with its flight-risk model (as-of date, 6 months) fitted once per test session and
    stored in ``model_store``, as ``(path, the fitted model as the fit returned it)``: for tests whose claim
    starts from "a model exists". Copy the file before writing."""
    import shutil

    from analytics.metrics.engine import as_of_date
    from analytics.people import risk_store

    path = tmp_path_factory.mktemp("risk_demo") / "tandem.duckdb"
    shutil.copy(demo_db_path, path)
    risk_store.clear_memo()
    db = Database(path)
    try:
        fitted = risk_store.current_model(db, as_of_date(db))
        assert fitted is not None and not risk_store.stored(db).is_empty()
    finally:
        db.close()
        risk_store.clear_memo()
    return path, fitted


@pytest.fixture(scope="session")
def risk_demo_path(risk_demo_model) -> Path:
    """The small demo company with its stored flight-risk model (``risk_demo_model``); copy it before writing."""
    return risk_demo_model[0]


@pytest.fixture(scope="session")
def alerts_demo_path(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo company with its alerts played forward as the ``demo`` command does, at a fixed time
    (2026-01-02 09:00, after its as-of date): built once per test session; copy it before writing."""
    import datetime as dt
    import shutil

    from analytics.reviews import demo_alerts

    path = tmp_path_factory.mktemp("alerts_demo") / "tandem.duckdb"
    shutil.copy(demo_db_path, path)
    db = Database(path)
    try:
        demo_alerts.replay(db, now=dt.datetime(2026, 1, 2, 9, 0))
    finally:
        db.close()
    return path


@pytest.fixture(scope="session")
def second_demo_db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another small demo company (seed 11, same history), for invariants that must hold on any company."""
    from analytics.sources.setup import build_demo_database

    path = tmp_path_factory.mktemp("demo11") / "tandem.duckdb"
    build_demo_database(path, size="small", seed=11, end=DEMO_END)
    return path


@pytest.fixture(scope="module", params=[7, 11], ids=["seed7", "seed11"])
def demo_seed_path(request: pytest.FixtureRequest) -> Path:
    """Each of the two small demo companies in turn."""
    name = "demo_db_path" if request.param == 7 else "second_demo_db_path"
    return request.getfixturevalue(name)
