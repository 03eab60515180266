"""Attrition pipelines on the tiny company (hand-computed) and Kaplan–Meier against an independent computation."""
import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.core.access import full_access
from analytics.core.periods import parse_period
from analytics.people import attrition

D = dt.date
AS_OF = D(2024, 6, 30)


def hires(db, label):
    p = parse_period(label)
    return db.query("hr_events", start=p.start, end=p.months[-1], **full_access().sql_params()).lazy().filter(
        pl.col("kind") == "hire")


def test_probation_cohort_counts_only_completed_probations(tiny_db):
    # Q1 2024 hires: A (1 Jan, probation to 31 Mar, stayed) and C (10 Feb, left 20 Apr inside probation).
    out = attrition.cohort_exits(hires(tiny_db, "2024-Q1"), AS_OF, [], "probation").collect().row(0, named=True)
    assert (out["n_hires"], out["n_complete"], out["n_left_within"]) == (2, 2, 1)
    assert out["rate"] == 0.5 and not out["partial"]
    # Their first year is not over at 30 June 2024: no rate, marked partial.
    year = attrition.cohort_exits(hires(tiny_db, "2024-Q1"), AS_OF, [], "year").collect().row(0, named=True)
    assert year["n_complete"] == 0 and year["rate"] is None and year["partial"]
    # At an as-of date before C's probation ended (2024-05-09), C is not counted yet.
    early = attrition.cohort_exits(hires(tiny_db, "2024-Q1"), D(2024, 5, 8), [], "probation").collect()
    assert early.row(0, named=True)["n_complete"] == 1 and early["partial"][0]


def test_cohort_retention_grid(tiny_db):
    grid = attrition.cohort_retention(hires(tiny_db, "2024-Q1"), AS_OF, max_months=6)
    feb = {r["tenure_month"]: r["retained"] for r in grid.filter(pl.col("hire_month") == D(2024, 2, 1)).to_dicts()}
    # C hired 10 Feb left 20 Apr: employed at +1 month (10 Mar), gone at +3 months (10 May); +5 is after as-of.
    assert feb[0] == 1.0 and feb[1] == 1.0 and feb[3] == 0.0 and 5 not in feb


def test_exit_reasons_shares(tiny_db):
    p = parse_period("2024-01..2024-06")
    events = tiny_db.query("hr_events", start=p.start, end=p.months[-1], **full_access().sql_params()).lazy()
    out = attrition.exit_reasons(events, p, []).collect()
    assert out["exits"].sum() == 2 and out["share"].sum() == pytest.approx(1.0)


def test_km_on_tiny_company_by_hand(tiny_db):
    start = D(2021, 1, 1)  # before every hire: no truncation
    spells = tiny_db.query("tenure_spells", window_start=start, as_of=AS_OF, **full_access().sql_params())
    curves, summary = attrition.retention_curves(spells, start, AS_OF)
    s = dict(zip(curves["month"].to_list(), curves["survival"].to_list(), strict=True))
    # Tenures (days, +1 for the last day): A 182 censored, B 305 exit, C 71 exit, D 912 and H 1277 censored.
    # C at 71: 5 at risk → 4/5; B at 305: B, D, H at risk → 4/5 × 2/3.
    assert s[2] == 1.0 and s[3] == pytest.approx(0.8) and s[10] == pytest.approx(0.8)
    assert s[11] == pytest.approx(0.8 * 2 / 3)
    assert summary["median_months"][0] is None  # S never falls to 0.5
    assert (summary["n"][0], summary["exits"][0]) == (5, 2)


def test_km_reports_an_unestimable_group_instead_of_crashing(tiny_db):
    # From 2024: A and C are at risk first; the set empties at 182 days before B enters (214): not estimable.
    start = D(2024, 1, 1)
    spells = tiny_db.query("tenure_spells", window_start=start, as_of=AS_OF, **full_access().sql_params())
    curves, summary = attrition.retention_curves(spells, start, AS_OF)
    assert curves.is_empty() and summary["estimable"].to_list() == [False]


def km_reference(duration, observed, entry, times):
    """Product-limit estimator with left truncation, written independently of lifelines."""
    out = []
    for t in times:
        s = 1.0
        for u in np.unique(duration[(observed == 1) & (duration <= t)]):
            at_risk = np.sum((entry < u) & (duration >= u))
            deaths = np.sum((duration == u) & (observed == 1))
            s *= 1 - deaths / at_risk
        out.append(s)
    return np.array(out)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 900), st.integers(1, 700), st.booleans(), st.booleans()), min_size=3,
                max_size=40))
def test_km_agrees_with_independent_computation(rows):
    window_start, as_of = D(2022, 1, 1), D(2024, 12, 31)
    records = []
    for i, (hire_offset, length, leaves, voluntary) in enumerate(rows):
        hire = window_start + dt.timedelta(days=hire_offset - 300)
        end = hire + dt.timedelta(days=length)
        term = end if leaves and end <= as_of and end >= window_start else None
        records.append({"employee_id": i, "hire_date": hire, "termination_date": term,
                        "exit_type": ("voluntary" if voluntary else "involuntary") if term else None})
    spells = pl.DataFrame(records, schema={"employee_id": pl.Int64, "hire_date": pl.Date, "termination_date": pl.Date,
                                           "exit_type": pl.Utf8})
    curves, summary = attrition.retention_curves(spells, window_start, as_of, max_months=40)
    if curves.is_empty() or not summary["estimable"].all():
        return
    f = spells.with_columns(
        duration=(pl.coalesce("termination_date", pl.lit(as_of)) - pl.col("hire_date")).dt.total_days() + 1,
        entry=(pl.lit(window_start) - pl.col("hire_date")).dt.total_days().clip(lower_bound=0),
        observed=pl.col("termination_date").is_not_null().cast(pl.Int64),
    ).filter(pl.col("duration") > pl.col("entry"))
    times = (curves["month"].to_numpy() * attrition.MONTH_DAYS)
    ref = km_reference(f["duration"].to_numpy(), f["observed"].to_numpy(), f["entry"].to_numpy(), times)
    assert np.allclose(curves["survival"].to_numpy(), ref, atol=1e-9)
    assert (curves["lower"] <= curves["survival"] + 1e-9).all() and (curves["survival"] <= curves["upper"] + 1e-9).all()
