"""The flight-risk model is the same on unchanged data: the features are bit-identical from run to run (and
whatever order DuckDB reads the facts in), so two fits give the same people the same probabilities."""
from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import numpy as np
import polars as pl
from polars.testing import assert_frame_equal

from analytics.core.access import full_access
from analytics.core.db import Database, sql_text
from analytics.metrics.engine import as_of_date
from analytics.people import risk, risk_store


def assert_bit_identical(a: pl.DataFrame, b: pl.DataFrame) -> None:
    """Same columns, rows and values; every float equal to the last bit (nulls in the same places)."""
    assert_frame_equal(a, b, check_exact=True)
    for c in a.columns:
        if a[c].dtype == pl.Float64:
            x, y = a[c].to_numpy(), b[c].to_numpy()
            assert np.array_equal(np.isnan(x), np.isnan(y)), c
            assert np.array_equal(x.view(np.uint64)[~np.isnan(x)], y.view(np.uint64)[~np.isnan(y)]), c


def _features(path, dates: list[dt.date]) -> pl.DataFrame:
    db = Database(path, read_only=True)
    try:
        return risk.features(db, full_access("test"), dates)
    finally:
        db.close()


def _dates(path) -> tuple[list[dt.date], dt.date]:
    db = Database(path, read_only=True)
    try:
        as_of = as_of_date(db)
        return [*risk.labelled_dates(risk_store.first_month(db), as_of, 6), as_of], as_of
    finally:
        db.close()


def test_features_are_bit_identical_from_run_to_run_and_in_any_row_order(demo_db_path, tmp_path):
    path = tmp_path / "risk.duckdb"
    shutil.copy(demo_db_path, path)
    dates, _ = _dates(path)
    first = _features(path, dates)
    assert first["bookings_q1"].drop_nulls().len() > 1000 and first["overtime_3m"].drop_nulls().len() > 1000
    assert_bit_identical(first, _features(path, dates))
    # the summed facts stored in another order: a double sum would change in the last bits, the exact sums not
    con = duckdb.connect(str(path))
    con.execute("select setseed(0.5)")
    for table in ("orders", "quotas", "attendance"):
        con.execute(f"create temp table shuffled as select * from {table} order by random()")
        con.execute(f"delete from {table}")
        con.execute(f"insert into {table} select * from shuffled")
        con.execute("drop table shuffled")
    con.close()
    assert_bit_identical(first, _features(path, dates))


def test_features_sum_money_and_hours_exactly():
    """Bookings, quotas, overtime and leave are exact sums rounded once to double: the SQL sums them as
    decimals (cents for money), so 0.1 + 0.2 is 0.3 and not 0.30000000000000004."""
    assert 0.1 + 0.2 != 0.3
    text = sql_text("risk_features")
    for summed in ("sum(amount::decimal(18, 2))", "sum(q.amount::decimal(18, 2))",
                   "avg(t.overtime_hours::decimal(18, 4))", "sum(t.leave_days::decimal(18, 4))"):
        assert summed in text
    con = duckdb.connect()
    total = con.sql("select sum(x::decimal(18, 2))::double from (values (0.1), (0.2)) t(x)").fetchall()[0][0]
    assert total == 0.3


def test_two_fits_on_unchanged_data_give_the_same_people_the_same_probabilities(demo_db_path, tmp_path):
    path = tmp_path / "risk.duckdb"
    shutil.copy(demo_db_path, path)
    _, as_of = _dates(path)
    fitted = []
    for _ in range(2):  # as after a restore or on another server: a fresh database object, nothing memoised
        risk_store.clear_memo()
        db = Database(path, read_only=True)
        try:
            fitted.append(risk_store.fit(db, as_of))
        finally:
            db.close()
    a, b = fitted
    assert a.people.height > 100
    assert_bit_identical(a.people, b.people)
    assert_bit_identical(a.predictions, b.predictions)
    assert a.meta["backtest"]["scores"] == b.meta["backtest"]["scores"]
    assert a.meta["importance"] == b.meta["importance"]
