"""The one flight-risk model per data version: fitted once for every view, stored with the database without
bumping its data version, reloaded after a restart without refitting (docs/risk.md)."""
from __future__ import annotations

import shutil

import polars as pl
import pytest

from analytics.core import auth
from analytics.core.db import Database
from analytics.metrics.engine import as_of_date
from analytics.people import risk_report, risk_store, talent_report
from analytics.sales import revenue_risk_report


@pytest.fixture
def db(risk_db):
    return risk_db


def test_transaction_without_bump_keeps_the_data_version(db):
    before = db.data_version
    with db.transaction(bump=False) as cur:
        cur.execute("insert or replace into meta values ('note', 'x')")
    assert db.data_version == before and db.meta("note") == "x"
    with db.transaction() as cur:
        cur.execute("insert or replace into meta values ('note', 'y')")
    assert db.data_version == before + 1


def test_one_fit_for_the_risk_page_revenue_at_risk_continuity_and_a_restart(db, fits):
    as_of = as_of_date(db)
    version = db.data_version
    hr, east = auth.viewer_for(db, "demo.hr"), auth.viewer_for(db, "demo.director.east")
    analyst = auth.viewer_for(db, "demo.analyst")
    assert risk_report.evaluation(db, hr, as_of) is not None
    assert risk_report.ranked(db, hr, as_of).height > 0
    assert risk_report.ranked(db, east, as_of).height > 0
    assert risk_report.ranked(db, analyst, as_of).height > 0
    revenue_risk_report.revenue_at_risk(db, east, as_of.replace(day=1), as_of, as_of)
    talent_report.continuity(db, hr, as_of)
    talent_report.continuity(db, analyst, as_of)
    assert len(fits) == 1
    assert db.data_version == version  # storing the model is bookkeeping, not data
    stored = risk_store.stored(db)
    assert stored.height == 1 and stored["data_version"][0] == version and stored["bytes"][0] > 0

    risk_store.clear_memo()  # as a restarted process: the model comes back from the database
    again = risk_report.ranked(db, hr, as_of)
    assert len(fits) == 1
    assert again.equals(risk_report.ranked(db, hr, as_of))
    meta = risk_store.get(db, as_of).meta
    assert meta["data_version"] == version and meta["params"]["horizon"] == 6 and meta["fitted_at"]
    assert meta["backtest"]["scores"]["model"]["roc_auc"] > 0.5
    assert {d["feature"] for d in meta["importance"]} >= {"tenure_days", "base_vs_peers"}

    risk_report.ranked(db, hr, as_of, horizon=3)  # other parameters: another model, stored beside it
    assert len(fits) == 2 and risk_store.stored(db).height == 2


def test_a_write_refits_and_replaces_the_older_models(risk_fitted_db, fits):
    db = risk_fitted_db
    as_of = as_of_date(db)
    hr = auth.viewer_for(db, "demo.hr")
    first = risk_report.ranked(db, hr, as_of)  # the model of this data version, stored
    assert not fits and risk_store.stored(db)["data_version"].to_list() == [db.data_version]
    with db.transaction() as cur:  # new data: a new data version
        cur.execute("update employees set hire_source = 'referral' where employee_id = $e",
                    {"e": int(first["employee_id"][0])})
    risk_report.ranked(db, hr, as_of)
    assert len(fits) == 1
    stored = risk_store.stored(db)
    assert stored["data_version"].to_list() == [db.data_version]


def test_read_only_database_without_the_table_fits_in_memory(demo_db_path, tmp_path, fits):
    path = tmp_path / "old.duckdb"
    shutil.copy(demo_db_path, path)
    risk_store.clear_memo()
    db = Database(path, read_only=True)
    try:
        assert risk_store.stored(db).is_empty()  # an older database: no model_store yet
        ranked = risk_report.ranked(db, auth.viewer_for(db, "demo.hr"), as_of_date(db))
        assert ranked.height > 0 and len(fits) == 1
        assert risk_store.stored(db).is_empty()  # read-only: nothing written, nothing broken
    finally:
        db.close()
        risk_store.clear_memo()


def test_an_unreadable_stored_model_is_refitted(risk_fitted_db, fits):
    db = risk_fitted_db
    as_of = as_of_date(db)
    assert risk_store.get(db, as_of) is not None and not fits  # read from the store
    with db.transaction(bump=False) as cur:
        cur.execute("update model_store set payload = 'not a pickle'::blob")
    risk_store.clear_memo()
    assert risk_store.get(db, as_of) is not None and len(fits) == 1


def test_scores_are_in_scope_and_the_same_model(risk_fitted_db):
    db = risk_fitted_db
    as_of = as_of_date(db)
    hr, east = auth.viewer_for(db, "demo.hr"), auth.viewer_for(db, "demo.director.east")
    everyone = risk_report.scores(db, hr, as_of)
    mine = risk_report.scores(db, east, as_of)
    assert set(mine["region_id"]) == {"east"}
    joined = mine.join(everyone, on="employee_id", suffix="_hr")
    assert joined.height == mine.height and joined.filter(pl.col("probability") != pl.col("probability_hr")).is_empty()
