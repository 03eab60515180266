"""Recruiting pipelines: hand-computed time to fill, key-position fill rate and funnel on a tiny fixture,
bad rows counted, and the demo's channel effect in quality of hire."""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from analytics.core.access import full_access
from analytics.core.db import Database
from analytics.people import recruiting
from tests.conftest import open_db, tiny_frames

D = dt.date
AS_OF = D(2024, 6, 30)
H1 = (D(2024, 1, 1), D(2024, 6, 30))


def hiring_frames() -> dict[str, pl.DataFrame]:
    frames = tiny_frames()
    frames["requisitions"] = pl.DataFrame({
        "requisition_id": [1, 2, 3, 4, 5, 6],
        "org_unit_id": ["east-01", "north-01", "east-02", "east-01", "east-01", "east-01"],
        "role_id": ["sales_rep"] * 6,
        "key_position": [False, True, True, True, True, True],
        "opened_date": [D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1), D(2024, 4, 1), D(2024, 5, 1), D(2024, 6, 1)],
        "target_date": [D(2024, 2, 15), D(2024, 3, 31), D(2024, 4, 30), D(2024, 5, 31), D(2024, 6, 15),
                        D(2024, 9, 30)],
        "filled_date": [D(2024, 2, 10), D(2024, 3, 21), D(2024, 5, 20), None, None, None],
        "cancelled_date": [None, None, None, None, D(2024, 6, 1), None],
        "recruiter": ["X", "Y", "X", "Y", "X", "Y"],
        "hired_employee_id": [1, None, None, None, None, None],
    }, schema_overrides={"filled_date": pl.Date, "cancelled_date": pl.Date, "hired_employee_id": pl.Int64})
    n = None
    frames["applications"] = pl.DataFrame({
        "application_id": [1, 2, 3, 4, 5, 6],
        "requisition_id": [1, 1, 1, 1, 1, 999],
        "channel": ["referral", "referral", "job_board", "job_board", "job_board", "job_board"],
        "applied_date": [D(2024, 1, 5), D(2024, 1, 6), D(2024, 1, 7), D(2024, 1, 8), D(2024, 2, 2), D(2024, 1, 9)],
        "screened_date": [D(2024, 1, 10), D(2024, 1, 12), D(2024, 1, 9), n, D(2024, 2, 4), n],
        "interviewed_date": [D(2024, 1, 20), n, D(2024, 1, 15), n, D(2024, 2, 10), n],
        "offered_date": [D(2024, 2, 1), n, D(2024, 1, 25), n, n, n],
        "accepted_date": [D(2024, 2, 10), n, n, n, n, n],
        "hired_employee_id": [1, n, n, n, n, n],
        "referrer_id": [4, 4, n, n, n, n],
    }, schema_overrides={c: pl.Date for c in ["screened_date", "interviewed_date", "offered_date", "accepted_date"]}
        | {"hired_employee_id": pl.Int64, "referrer_id": pl.Int64})
    return frames


@pytest.fixture
def hiring_db(tmp_path):
    db = open_db(tmp_path / "x.duckdb", hiring_frames(), as_of=AS_OF)
    yield db
    db.close()


def test_time_to_fill_by_hand(hiring_db):
    data = recruiting.load(hiring_db, full_access(), AS_OF)
    out = recruiting.time_to_fill(data["requisitions"].rows, *H1).row(0, named=True)
    # filled in H1: 40 (Jan 1 → Feb 10), 49 (Feb 1 → Mar 21), 80 (Mar 1 → May 20) days
    assert out["filled"] == 3
    assert out["median_days"] == 49
    assert out["mean_days"] == pytest.approx((40 + 49 + 80) / 3)


def test_key_position_fill_rate_by_hand(hiring_db):
    reqs = recruiting.load(hiring_db, full_access(), AS_OF)["requisitions"].rows
    out = recruiting.key_position_fill_rate(reqs, *H1, as_of=AS_OF).row(0, named=True)
    # due in H1: req 2 (on time), 3 (late), 4 (never filled); req 5 cancelled before its target: excluded
    assert (out["due"], out["filled_on_time"], out["cancelled"]) == (3, 1, 1)
    assert out["fill_rate"] == pytest.approx(1 / 3)
    later = recruiting.key_position_fill_rate(reqs, D(2024, 1, 1), D(2024, 12, 31), as_of=AS_OF).row(0, named=True)
    assert later["not_yet_due"] == 1 and later["due"] == 3  # req 6's target is after the as-of date


def test_open_requisitions_by_hand(hiring_db):
    reqs = recruiting.load(hiring_db, full_access(), AS_OF)["requisitions"].rows
    out = recruiting.open_requisitions(reqs, AS_OF, by=["region_id"])
    assert out.to_dicts() == [{"region_id": "east", "open": 2, "overdue": 1, "key_open": 2, "median_days_open":
                               pytest.approx(((AS_OF - D(2024, 4, 1)).days + (AS_OF - D(2024, 6, 1)).days) / 2)}]
    plan = pl.DataFrame({"region_id": ["east", "north"], "planned": [3, 1]})
    with_plan = recruiting.open_requisitions(reqs, AS_OF, by=["region_id"], plan=plan)
    assert with_plan.select("region_id", "gap_to_plan").to_dicts() == [
        {"region_id": "east", "gap_to_plan": 1}, {"region_id": "north", "gap_to_plan": 1}]


def test_funnel_conversion_by_hand(hiring_db):
    data = recruiting.load(hiring_db, full_access(), AS_OF)
    assert data["applications"].excluded == {"application for an unknown requisition": 1}
    apps, too_recent = recruiting.observable_applications(data["applications"].rows, *H1, as_of=AS_OF)
    assert too_recent == 0
    total = recruiting.funnel(apps, [])
    assert total["reached"].to_list() == [5, 4, 3, 2, 1]
    assert total["conversion"].to_list() == pytest.approx([1.0, 4 / 5, 3 / 4, 2 / 3, 1 / 2])
    assert total["share_of_applied"].to_list() == pytest.approx([1.0, 0.8, 0.6, 0.4, 0.2])
    # applied → screened: 5, 6, 2, 2 days → median 3.5
    assert total.filter(pl.col("stage") == "screened")["median_days_from_previous"].item() == 3.5
    ref = recruiting.funnel(apps, ["channel"]).filter(pl.col("channel") == "referral")
    assert ref["reached"].to_list() == [2, 2, 1, 1, 1]
    acc = recruiting.offer_acceptance(apps).sort("channel")
    assert acc["acceptance_rate"].to_list() == [0.0, 1.0]
    tth = recruiting.time_to_hire(apps, *H1)
    assert tth.filter(pl.col("channel") == "referral")["median_days"].item() == 36


def test_recent_applications_are_excluded_and_counted(hiring_db):
    apps = recruiting.load(hiring_db, full_access(), AS_OF)["applications"].rows
    _, too_recent = recruiting.observable_applications(apps, *H1, as_of=D(2024, 3, 10))
    assert too_recent == 1  # applied 2 Feb, not accepted: fewer than 60 days at 10 Mar


def test_requisitions_without_dates_are_counted():
    reqs = pl.DataFrame({
        "requisition_id": [1, 2, 3, 4],
        "opened_date": [None, D(2024, 1, 1), D(2024, 3, 1), D(2024, 1, 1)],
        "target_date": [D(2024, 2, 1), None, D(2024, 4, 1), D(2024, 2, 1)],
        "filled_date": [None, None, D(2024, 2, 1), D(2024, 1, 20)],
        "cancelled_date": [None, None, None, None],
    }, schema_overrides={"filled_date": pl.Date, "cancelled_date": pl.Date, "opened_date": pl.Date,
                         "target_date": pl.Date})
    out = recruiting.clean_requisitions(reqs)
    assert out.rows["requisition_id"].to_list() == [4]
    assert out.excluded == {"requisition without an opened date": 1, "requisition without a target date": 1,
                            "requisition filled before it was opened": 1}


def test_quality_of_hire_and_referrals_by_hand(hiring_db):
    hires = recruiting.load(hiring_db, full_access(), AS_OF)["hires"]
    q = recruiting.quality_of_hire(hires.filter(pl.col("employee_id").is_in([1, 3])), AS_OF).sort("hire_source")
    # A (referral, hired 2024-01-01) passed probation; C (job board, 2024-02-10) left in probation; no one has a
    # 12-month outcome at 2024-06-30
    assert q["probation_pass_rate"].to_list() == [0.0, 1.0]
    assert q["retention_observed"].to_list() == [0, 0] and q["retention_not_observable"].to_list() == [1, 1]
    apps = recruiting.load(hiring_db, full_access(), AS_OF)["applications"].rows
    ref = recruiting.referral_programme(hires, apps, *H1, as_of=AS_OF, bonus=3000)["summary"].row(0, named=True)
    assert (ref["referrals"], ref["referral_hires"], ref["bonuses_paid"], ref["bonus_amount_paid"]) == (2, 1, 1, 3000)


def test_referral_hires_stay_longer_on_the_demo(demo_db_path):
    db = Database(demo_db_path, read_only=True)
    try:
        from analytics.people.onboarding import history_start

        hires = recruiting.load(db, full_access(), D(2025, 12, 31), start=history_start(db))["hires"]
        q = recruiting.quality_of_hire(hires, D(2025, 12, 31))
        rate = dict(zip(q["hire_source"].to_list(), q["retention_12m"].to_list(), strict=True))
        assert rate["referral"] > rate["job_board"] + 0.15
    finally:
        db.close()
