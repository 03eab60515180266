"""The flight-risk model is the same on unchanged data: the features are bit-identical from run to run (and
whatever order DuckDB reads the facts in), so two fits give the same people the same probabilities; and the
backtest's Brier score is the positive class's, on probabilities moved back from the capped sample's
share of leavers to the company's."""
from __future__ import annotations

import datetime as dt
import pickle
import shutil

import duckdb
import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sklearn.metrics import brier_score_loss

from analytics.core.access import full_access
from analytics.core.db import Database, sql_text
from analytics.core.periods import add_months, month_end
from analytics.metrics.engine import as_of_date
from analytics.people import risk, risk_store

D = dt.date


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


def test_two_fits_on_unchanged_data_give_the_same_people_the_same_probabilities(demo_db_path, risk_demo_model,
                                                                                tmp_path):
    path = tmp_path / "risk.duckdb"
    shutil.copy(demo_db_path, path)
    _, as_of = _dates(path)
    # the first fit: the session's, of another copy of the same data (risk_demo_model); the second here, as
    # after a restore or on another server: a fresh database object, nothing memoised
    a = risk_demo_model[1]
    assert a.meta["params"] == risk_store.params(as_of, 6)
    risk_store.clear_memo()
    db = Database(path, read_only=True)
    try:
        assert db.data_version == a.meta["data_version"]
        b = risk_store.fit(db, as_of)
    finally:
        db.close()
    assert a.people.height > 100
    assert_bit_identical(a.people, b.people)
    assert_bit_identical(a.predictions, b.predictions)
    assert a.meta["backtest"]["scores"] == b.meta["backtest"]["scores"]
    assert a.meta["importance"] == b.meta["importance"]


# ── the Brier score ─────────────────────────────────────────────────────
def test_brier_score_is_the_mean_squared_error_of_the_positive_class_probability():
    y = np.array([True, False, False, True])
    p = np.array([0.9, 0.2, 0.4, 0.5])
    by_hand = ((1 - 0.9) ** 2 + 0.2 ** 2 + 0.4 ** 2 + (1 - 0.5) ** 2) / 4
    scores = risk._scores(y, p)
    assert scores["brier"] == pytest.approx(by_hand) == pytest.approx(0.115)
    assert scores["brier"] == pytest.approx(brier_score_loss(y, p))
    assert risk._scores(y, 1 - p)["brier"] > scores["brier"]  # the other class's probability would score worse


def synthetic_rows(n_dates: int = 16, n_people: int = 1500, seed: int = 0) -> pl.DataFrame:
    """Feature rows of a made-up company: about 10% leave, mostly the disengaged ones (engagement predicts)."""
    rng = np.random.default_rng(seed)
    n = n_dates * n_people
    dates = [month_end(add_months(D(2023, 1, 1), i)) for i in range(n_dates)]
    engagement = rng.uniform(1, 5, n)
    left = rng.uniform(size=n) < 1 / (1 + np.exp(4.0 * (engagement - 1.3)))
    frame = {c: rng.normal(size=n) for c in risk.NUMERIC}
    frame.update(engagement=engagement, tenure_days=rng.uniform(30, 3000, n), in_probation=np.zeros(n),
                 hire_source=rng.choice(["referral", "agency"], n), role_id=rng.choice(["ae", "sdr"], n))
    return pl.DataFrame({
        "as_of": [d for d in dates for _ in range(n_people)], "employee_id": np.tile(np.arange(n_people), n_dates),
        "org_unit_id": "u1", "region_id": "r1", "team_id": "t1", "manager_id": 1, "left_within": left, **frame,
    }).select(risk.MODEL_COLUMNS)


@pytest.mark.parametrize("max_rows", [None, 3000])
def test_backtest_brier_is_sklearns_on_the_positive_class_and_beats_the_base_rate(monkeypatch, max_rows):
    """With the training sample capped (every leaver kept, a share of the stayers), the sample holds far more
    leavers than the company; moved back to the company's odds, the probabilities match the company's share
    and beat always predicting that share (the Brier score of the base rate, r·(1 − r))."""
    rows = synthetic_rows(n_people=800)
    dates = sorted(rows["as_of"].unique())
    train_dates, test_dates = dates[:12], dates[-3:]
    if max_rows is not None:
        monkeypatch.setattr(risk, "MAX_TRAIN_ROWS", max_rows)
        kept = risk._cap(rows, pl.col("as_of").is_in(train_dates), 0)
        assert kept["left_within"].mean() > 2 * rows["left_within"].mean()  # the sample is leaver-heavy
    bt = risk.backtest_on(rows, train_dates, test_dates)
    y, p = bt.predictions["left_within"].to_numpy(), bt.predictions["p_model"].to_numpy()
    assert bt.scores["model"]["brier"] == pytest.approx(brier_score_loss(y, p))
    assert bt.scores["baseline"]["brier"] == pytest.approx(
        brier_score_loss(y, bt.predictions["p_base"].to_numpy()))
    rate = y.mean()
    assert 0.05 < rate < 0.2
    assert bt.scores["model"]["roc_auc"] > 0.75
    assert bt.scores["model"]["brier"] < 0.9 * rate * (1 - rate)
    assert bt.scores["baseline"]["brier"] < 1.05 * rate * (1 - rate)  # tenure predicts nothing here
    assert p.mean() == pytest.approx(rate, abs=0.03)


def test_the_odds_factor_undoes_the_cap_and_is_none_without_one(monkeypatch):
    rows = synthetic_rows(n_dates=4, n_people=500)
    where = pl.col("as_of") < rows["as_of"].max()
    assert risk._odds_factor(rows, where, risk._cap(rows, where, 0)) is None
    monkeypatch.setattr(risk, "MAX_TRAIN_ROWS", 600)
    train = risk._cap(rows, where, 0)
    history = rows.filter(where)["left_within"]
    leavers, stayers = history.sum(), history.len() - history.sum()
    kept_stayers = train.height - leavers  # every leaver kept
    assert train["left_within"].sum() == leavers and 0 < kept_stayers < stayers
    factor = risk._odds_factor(rows, where, train)
    assert factor == pytest.approx(kept_stayers / stayers)
    # the sample's odds of leaving × factor = the history's
    assert train["left_within"].mean() / (1 - train["left_within"].mean()) * factor == pytest.approx(
        leavers / stayers)
    # the fitted model carries the shift, and is stored (pickled) with it
    model = risk.fit_on(rows, rows["as_of"].max())
    assert isinstance(model, risk.PriorShifted) and model.factor == factor
    x = risk._x(rows.head(50))
    assert np.array_equal(pickle.loads(pickle.dumps(model)).predict_proba(x), model.predict_proba(x))


def test_prior_shifted_moves_the_odds_and_keeps_the_order():
    class Fixed:
        classes_ = np.array([False, True])

        def predict_proba(self, x):
            return np.column_stack([1 - x, x])

    p = np.array([0.0, 0.2, 0.5, 0.8, 1.0])
    shifted = risk.PriorShifted(Fixed(), 0.25).predict_proba(p)
    assert shifted[:, 1] == pytest.approx([0.0, 0.2 * 0.25 / (0.2 * 0.25 + 0.8), 0.2, 0.5, 1.0])
    assert shifted.sum(axis=1) == pytest.approx(1.0)
