"""The flight-risk fit's memory savings change no number: the training sample drawn on row numbers, the feature
query a few dates at a time and the drivers predicted in batches give what the one-piece computations gave."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analytics.core.access import full_access
from analytics.metrics.engine import as_of_date
from analytics.people import risk, risk_store

D = dt.date


def old_cap(rows: pl.DataFrame, random_state: int) -> pl.DataFrame:
    """The training sample as it was drawn before: on the wide frame (the reference)."""
    if rows.height <= risk.MAX_TRAIN_ROWS:
        return rows
    leavers = rows.filter(pl.col("left_within"))
    stayers = rows.filter(~pl.col("left_within"))
    keep = max(risk.MAX_TRAIN_ROWS - leavers.height, risk.MAX_TRAIN_ROWS // 2)
    return pl.concat([leavers, stayers.sample(min(keep, stayers.height), seed=random_state)]).sort(
        "as_of", "employee_id")


def old_contributions(model, current: pl.DataFrame, reference: dict) -> tuple[np.ndarray, np.ndarray]:
    """The drivers as they were computed before: every feature's changed rows stacked into one frame."""
    x = current.select(risk.FEATURES).to_pandas()
    base = model.predict_proba(x)[:, 1]
    effect = np.zeros((len(x), len(risk.FEATURES)))
    parts, where = [], []
    for j, col in enumerate(risk.FEATURES):
        ref = reference[col]
        differs = x[col].notna().to_numpy() if risk._missing(ref) else ~(x[col] == ref).to_numpy()
        rows = np.flatnonzero(differs)
        if rows.size:
            alt = x.iloc[rows].copy()
            alt[col] = ref
            parts.append(alt)
            where.append((j, rows))
    p = model.predict_proba(pd.concat(parts, ignore_index=True))[:, 1]
    at = 0
    for j, rows in where:
        effect[rows, j] = base[rows] - p[at:at + rows.size]
        at += rows.size
    return base, effect


def wide_frame(n: int, leaver_every: int) -> pl.DataFrame:
    ids = np.arange(n)
    return pl.DataFrame({"as_of": [D(2024, 1 + i % 12, 1) for i in ids // 37 % 12], "employee_id": ids,
                         "left_within": ids % leaver_every == 0, "x": ids * 0.5}).sort("as_of", "employee_id")


@pytest.mark.parametrize("leaver_every", [3, 17])  # leavers above and below half the cap
@pytest.mark.parametrize("seed", [0, 5])
def test_the_training_sample_is_the_one_drawn_on_the_wide_frame(monkeypatch, leaver_every, seed):
    monkeypatch.setattr(risk, "MAX_TRAIN_ROWS", 100)
    rows = wide_frame(600, leaver_every)
    for where in [pl.col("as_of") < D(2024, 11, 1), pl.col("as_of").is_in([D(2024, 2, 1), D(2024, 3, 1)]),
                  pl.col("as_of") == D(2024, 5, 1)]:
        expected = old_cap(rows.filter(where), seed)
        assert_frame_equal(risk._cap(rows, where, seed), expected)


def test_date_groups_are_ascending_and_keep_a_repeated_date_together():
    dates = [D(2024, m, 1) for m in (5, 1, 3, 2, 4, 3)]
    assert risk._date_groups(dates, 2) == [[D(2024, 1, 1), D(2024, 2, 1)], [D(2024, 3, 1), D(2024, 3, 1),
                                           D(2024, 4, 1)], [D(2024, 5, 1)]]
    assert risk._date_groups([], 2) == []


def test_features_queried_a_few_dates_at_a_time_equal_one_query(demo_db_path, tmp_path, monkeypatch):
    import shutil

    from analytics.core.db import Database

    shutil.copy(demo_db_path, tmp_path / "d.duckdb")
    db = Database(tmp_path / "d.duckdb", read_only=True)
    try:
        as_of = as_of_date(db)
        dates = [*risk.labelled_dates(risk_store.first_month(db), as_of, 6)[-8:], as_of]
        monkeypatch.setattr(risk, "DATES_PER_QUERY", 100)
        whole = risk.features(db, full_access(), dates, 6)
        monkeypatch.setattr(risk, "DATES_PER_QUERY", 2)
        parts = risk.features(db, full_access(), dates, 6)
        narrow = risk.features(db, full_access(), dates, 6, columns=risk.MODEL_COLUMNS)
    finally:
        db.close()
    assert whole["as_of"].n_unique() == len(dates) and whole.height > 0
    # DuckDB sums doubles in no fixed order, so two runs of one query may differ in the last bits: not exact
    assert_frame_equal(parts, whole, check_exact=False, rel_tol=1e-12, abs_tol=1e-9)
    assert_frame_equal(narrow, parts.select(risk.MODEL_COLUMNS))


def test_drivers_in_batches_equal_one_stacked_prediction(risk_demo_model, monkeypatch):
    """On the small demo company's model (fitted once per session) and everyone employed at its as-of date."""
    from analytics.core.db import Database

    path, fitted = risk_demo_model
    db = Database(path, read_only=True)
    try:
        as_of = as_of_date(db)
        current = risk.features(db, full_access(), [as_of], 6)
    finally:
        db.close()
    model = fitted.model
    reference = risk.reference_values(current)
    expected_p, expected = old_contributions(model, current, reference)
    # several batches per feature, mostly ending with a short one
    monkeypatch.setattr(risk, "CHUNK_ROWS", 61)
    p, effect = risk.contributions(model, current, reference)
    np.testing.assert_array_equal(p, expected_p)
    np.testing.assert_array_equal(effect, expected)
    assert np.count_nonzero(effect) > current.height  # the comparison covers real drivers
    assert np.count_nonzero(effect, axis=0).max() > 3 * 61  # and a feature predicted in four batches or more
