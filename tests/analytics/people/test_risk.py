"""Flight-risk model: no leakage, out-of-time split, the IBM snapshot, and the demo company."""
import datetime as dt

import numpy as np
import polars as pl
import pytest

from analytics.core.access import full_access
from analytics.core.db import Database
from analytics.people import risk
from tests.datasets import dataset

D = dt.date
IBM_FILE = "ibm_hr_attrition/WA_Fn-UseC_-HR-Employee-Attrition.csv"


def test_features_use_only_facts_known_at_the_date(tiny_db):
    before = risk.features(tiny_db, full_access(), [D(2024, 3, 31)], horizon=6)
    with tiny_db.transaction() as cur:  # facts dated after the as-of date must change nothing
        cur.execute("insert into complaints values (1, 10, 1, date '2024-05-01', 3, 'late')")
        cur.execute("insert into orders values (900, 1, 10, date '2024-04-02', 1000, null, false)")
        cur.execute("insert into engagement values (1, date '2024-04-15', 1.0, 1.0, 0)")
    after = risk.features(tiny_db, full_access(), [D(2024, 3, 31)], horizon=6)
    assert before.sort("employee_id").drop("bookings_vs_peers").equals(after.sort("employee_id").drop(
        "bookings_vs_peers"))
    row = after.filter(pl.col("employee_id") == 3).row(0, named=True)
    # C was hired 2024-02-10 (in probation on 31 March) and left on 20 April: inside the 6-month horizon.
    assert row["left_within"] and row["in_probation"] == 1.0
    # B left on 31 March itself: not employed after the as-of date, so not in the population.
    assert 2 not in after["employee_id"].to_list()
    # A: Q1 bookings 80 on quota 100 (quota months Jan–Mar inside the last 3 months).
    a = after.filter(pl.col("employee_id") == 1).row(0, named=True)
    assert a["attainment_q1"] == pytest.approx(0.8) and not a["left_within"]


def test_training_labels_are_complete_before_the_first_test_date():
    train, test = risk.split_dates(D(2021, 1, 1), D(2025, 12, 31), horizon=6)
    assert test and train
    assert all(d.replace(day=1) <= test[0] for d in train)
    for d in train:  # each training label window ends before testing starts
        end_month = (d.month - 1 + 6) % 12 + 1
        end_year = d.year + (d.month - 1 + 6) // 12
        assert dt.date(end_year, end_month, 1) <= test[0]
    assert test[-1] <= D(2025, 6, 30)  # test labels are complete at the as-of date


def test_ibm_snapshot_cross_validated_auc_at_least_080():
    ibm = dataset(IBM_FILE)
    frame = pl.read_csv(ibm)
    result = risk.evaluate_snapshot(frame, "Attrition")
    assert result.scores["roc_auc"] >= 0.80
    assert set(result.dropped) >= {"EmployeeCount", "Over18", "StandardHours", "EmployeeNumber"}
    assert 0.15 < result.positive_rate < 0.17  # 237 of 1,470 left
    assert result.scores["brier"] < 0.12


def test_snapshot_errors_are_clear():
    frame = pl.DataFrame({"a": [1, 2, 3, 4], "left": ["Yes", "No", "No", "No"]})
    with pytest.raises(ValueError, match="not in the file"):
        risk.evaluate_snapshot(frame, "Attrition")
    with pytest.raises(ValueError, match="at least 5 people who left"):
        risk.evaluate_snapshot(frame, "left")


def test_model_beats_its_baseline_out_of_time_on_the_demo_company(demo_db_path):
    from analytics.metrics.engine import as_of_date
    from analytics.people.risk_report import first_month

    db = Database(demo_db_path, read_only=True)
    try:
        bt = risk.backtest(db, full_access(), first_month(db), as_of_date(db), horizon=6)
    finally:
        db.close()
    assert bt is not None
    assert bt.scores["model"]["roc_auc"] > bt.scores["baseline"]["roc_auc"]
    assert bt.scores["model"]["pr_auc"] > bt.scores["baseline"]["pr_auc"]
    assert max(bt.train_dates) < min(bt.test_dates)


def test_pick_drivers_skips_hidden_features_and_the_next_one_takes_its_place():
    effect = np.array([[0.10, 0.30, 0.001, 0.20], [0.00, 0.00, 0.00, 0.00]])
    assert risk.pick_drivers(effect, top=3) == [[1, 3, 0], []]
    hidden = np.array([[False, True, False, False], [False, True, False, False]])
    assert risk.pick_drivers(effect, hidden, top=3) == [[3, 0], []]  # 0.001 is under MIN_EFFECT


def test_pay_derived_features_need_pay_rights():
    assert risk.PAY_FEATURES == ["base_vs_peers"]  # the one feature computed from compensation
    assert set(risk.FEATURE_FIELDS) <= set(risk.FEATURES)


def per_person_contributions(model, x, reference, rows):
    """The old slow way, one person and one feature at a time: the test oracle for the batched computation."""
    out = np.zeros((len(rows), len(risk.FEATURES)))
    for i, row in enumerate(rows):
        person = x.iloc[[row]]
        base = model.predict_proba(person)[:, 1][0]
        for j, col in enumerate(risk.FEATURES):
            alt = person.copy()
            alt[col] = reference[col]
            out[i, j] = base - model.predict_proba(alt)[:, 1][0]
    return out


def test_batched_drivers_equal_the_per_person_loop(risk_demo_model):
    from analytics.metrics.engine import as_of_date

    path, fitted = risk_demo_model  # the small demo's model of its as-of date, 6 months (fitted once per session)
    db = Database(path, read_only=True)
    try:
        as_of = as_of_date(db)
        current = risk.features(db, full_access(), [as_of], 6)
    finally:
        db.close()
    assert current["employee_id"].to_list() == fitted.people["employee_id"].to_list()
    sample = list(range(0, current.height, max(1, current.height // 5)))[:5]
    expected = per_person_contributions(fitted.model, current.select(risk.FEATURES).to_pandas(), fitted.reference,
                                        sample)
    batched = fitted.people.select([f"effect.{f}" for f in risk.FEATURES]).to_numpy()[sample]
    np.testing.assert_allclose(batched, expected, atol=1e-9)
    assert risk.pick_drivers(batched) == risk.pick_drivers(expected)
    assert any(risk.pick_drivers(batched))  # the sample has drivers to compare


def test_a_fact_the_company_does_not_record_leaves_the_model_working(demo_db_path, tmp_path):
    """No travel facts at all (a company that does not import them): travel_3m has no value in any row. Gradient
    boosting cannot bin such a column (the fit used to fail); it becomes a constant, the model still beats its
    baseline out of time, and travel is never anyone's driver."""
    import shutil

    from analytics.metrics.engine import as_of_date
    from analytics.people.risk_report import first_month

    path = tmp_path / "no_travel.duckdb"
    shutil.copy(demo_db_path, path)
    db = Database(path)
    try:
        with db.transaction() as cur:
            cur.execute("delete from travel")
        bt = risk.backtest(db, full_access(), first_month(db), as_of_date(db), horizon=6)
        assert bt is not None and bt.scores["model"]["roc_auc"] > bt.scores["baseline"]["roc_auc"]
        model = risk.make_model().fit(*_tiny_xy())
        assert model.named_steps["fill"].empty_.any()
    finally:
        db.close()


def _tiny_xy():
    """A small training set whose travel_3m is missing throughout."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    n = 400
    x = pd.DataFrame({f: rng.normal(size=n) for f in risk.NUMERIC})
    x["travel_3m"] = np.nan
    x["hire_source"] = rng.choice(["referral", "campus"], n)
    x["role_id"] = rng.choice(["sales_rep", "ka_rep"], n)
    y = rng.random(n) < 0.3
    return x[risk.FEATURES], y
