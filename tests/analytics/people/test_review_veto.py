"""The one-vote veto (issue 21): it caps the rating that counts at 2, so the 9-box puts the person at low
performance, and it keeps a rep out of the scorecard's top 20% and the high-potential list."""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from analytics.core.access import full_access
from analytics.core.periods import parse_period
from analytics.core.review_values import VETO_RATING_CAP, effective_rating, values_score
from analytics.metrics.engine import compute
from analytics.people import talent, talent_report
from analytics.sales import scorecard

AS_OF = dt.date(2025, 12, 31)


def test_effective_rating_caps_only_under_a_veto():
    frame = pl.DataFrame({"rating": [5, 4, 1, None, 3], "veto": [True, None, True, True, False]})
    got = frame.select(effective_rating(pl.col("rating"), pl.col("veto")).alias("r"))["r"].to_list()
    assert got == [VETO_RATING_CAP, 4, 1, None, 3]
    scores = pl.DataFrame({"a": [1, None], "b": [2, None], "c": [4, None]}).select(
        values_score(pl.col("a"), pl.col("b"), pl.col("c")))
    assert scores.to_series().to_list() == [pytest.approx(7 / 3), None]


def test_nine_box_puts_a_vetoed_star_at_low_performance():
    people = pl.DataFrame({
        "employee_id": [1, 2, 3], "name": ["A", "B", "C"], "role_id": ["sales_rep"] * 3, "team_id": ["t"] * 3,
        "region_id": ["r"] * 3, "rating": [5, 5, 2], "potential": [3, 3, 1], "review_quarter": ["2025-Q4"] * 3,
        "veto": [True, False, True]})
    box = talent.nine_box_people(people)
    got = {r["employee_id"]: (r["performance"], r["potential_band"], r["rating_effective"], r["vetoed"])
           for r in box.iter_rows(named=True)}
    assert got == {1: ("low", "high", 2, True), 2: ("high", "high", 5, False), 3: ("low", "low", 2, True)}
    counts = talent.nine_box_counts(people)
    stars = counts.filter((pl.col("performance") == "high") & (pl.col("potential_band") == "high"))["people"]
    assert stars.item() == 1  # B only; A sits in "low × high"
    # a frame without the veto column (an older database) has no vetoes
    assert talent.nine_box_people(people.drop("veto"))["performance"].to_list() == ["high", "high", "low"]


def _veto_latest(db, employee_id: int, on: dt.date) -> None:
    with db.transaction() as cur:
        cur.execute("update performance_reviews set veto = true, veto_reason = '抢单：测试' where employee_id = $e "
                    "and review_date = (select max(review_date) from performance_reviews where employee_id = $e "
                    "and review_date <= $d)", {"e": employee_id, "d": on})


def test_a_vetoed_rep_leaves_the_top_20_and_the_slot_passes_on(demo_copy_db):
    db, hr, period = demo_copy_db, full_access(), parse_period("2025-Q4")
    with db.transaction() as cur:  # start from no vetoes at all
        cur.execute("update performance_reviews set veto = false, veto_reason = null")
    before = scorecard.scorecard(db, hr, period, AS_OF)
    best = before.filter(pl.col("rank") == 1)["employee_id"].item()
    n_top = int(before["top_20"].sum())
    last_top = before.filter(pl.col("top_20"))["rank"].max()
    _veto_latest(db, best, AS_OF)
    after = scorecard.scorecard(db, hr, period, AS_OF)
    row = after.filter(pl.col("employee_id") == best).row(0, named=True)
    assert row["vetoed"] and not row["top_20"] and row["rank"] == 1  # still ranked by the score, never top 20%
    assert int(after["top_20"].sum()) == n_top  # the place passes to the next one
    assert after.filter(pl.col("rank") == last_top + 1)["top_20"].item()
    assert row["veto_reason"] == "抢单：测试"


def test_a_vetoed_rep_is_off_the_high_potential_list_and_low_in_the_nine_box(demo_copy_db):
    db, hr = demo_copy_db, full_access()
    with db.transaction() as cur:
        cur.execute("update performance_reviews set veto = false, veto_reason = null")
    hipo = scorecard.high_potential(db, hr, AS_OF)
    assert hipo.height > 0
    who = hipo["employee_id"][0]
    _veto_latest(db, who, AS_OF)
    assert who not in scorecard.high_potential(db, hr, AS_OF)["employee_id"].to_list()
    box = talent_report.nine_box(db, hr, AS_OF).people.filter(pl.col("employee_id") == who).row(0, named=True)
    assert box["vetoed"] and box["performance"] == "low" and box["rating_effective"] <= VETO_RATING_CAP


def test_review_metrics_come_from_the_engine(demo_copy_db):
    db, hr, q4 = demo_copy_db, full_access(), parse_period("2025-Q4")
    reviews = db.sql("select * from performance_reviews where review_date between '2025-10-01' and '2025-12-31'")
    vetoes = compute(db, hr, "review_vetoes", q4).row(0, named=True)
    assert vetoes["value"] == reviews["veto"].fill_null(False).sum()
    values = compute(db, hr, "values_score", q4).row(0, named=True)
    expected = reviews.select(pl.mean_horizontal("value_customer", "value_teamwork", "value_results").mean()).item()
    assert values["value"] == pytest.approx(expected)
    by_region = compute(db, hr, "collaboration_score", q4, by=["region"])
    assert by_region.height >= 5 and by_region["value"].is_between(1, 5).all()


def test_the_growth_archive_boxes_a_vetoed_review_at_low_performance_with_its_values():
    from analytics.people.archive_report import reviews_over_time

    D = dt.date
    rows = pl.DataFrame({"code": ["2025-Q3", "2025-Q4"], "day": [D(2025, 9, 30), D(2025, 12, 31)],
                         "value": [5.0, 5.0], "value2": [3.0, 3.0], "value3": [0.0, 1.0], "text": [None, "抢单"]})
    values = pl.DataFrame({"code": ["2025-Q3", "2025-Q4"], "day": [D(2025, 9, 30), D(2025, 12, 31)],
                           "value": [4.0, 2.5], "value2": [4.0, 2.0]})
    got = reviews_over_time(rows, values)
    assert got.select("quarter", "box_en", "vetoed", "values_score", "collaboration").rows() == [
        ("2025-Q3", "Star", False, 4.0, 4.0), ("2025-Q4", "Rough diamond", True, 2.5, 2.0)]
    assert got["veto_reason"].to_list() == [None, "抢单"]
