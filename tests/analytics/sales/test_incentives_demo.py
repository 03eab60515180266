"""Invariants of commission on the small demo company (seed 7, history to 2025-12): for every rep a fiscal
year pays exactly what its four quarters pay, nobody with orders or quota is skipped, and every rep's
statement adds up to the payouts (tests/analytics/cli/test_cli.py checks the command line against the page)."""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from analytics.core.access import full_access
from analytics.core.db import Database
from analytics.core.periods import parse_period
from analytics.metrics.engine import as_of_date
from analytics.sales import incentives, incentives_report


@pytest.fixture(scope="module")
def demo(demo_db_path):
    db = Database(demo_db_path, read_only=True)
    yield db, as_of_date(db)
    db.close()


@pytest.fixture(scope="module")
def any_demo(demo_seed_path):
    """Both demo seeds (7 and 11): a year pays what its quarters pay on any company."""
    db = Database(demo_seed_path, read_only=True)
    yield db, as_of_date(db)
    db.close()


def _cents(frame: pl.DataFrame) -> dict[int, int]:
    return dict(frame.group_by("employee_id").agg((pl.col("payout") * 100).round(0).cast(pl.Int64).sum()).iter_rows())


@pytest.mark.parametrize("year", [2024, 2025])
def test_every_reps_year_is_the_sum_of_its_quarters(any_demo, year):
    db, as_of = any_demo
    fy = incentives_report.payouts_in_scope(db, full_access(), parse_period(f"FY{year}"), as_of)
    quarters: dict[int, int] = {}
    for q in range(1, 5):
        pay = incentives_report.payouts_in_scope(db, full_access(), parse_period(f"{year}-Q{q}"), as_of)
        for e, c in _cents(pay).items():
            quarters[e] = quarters.get(e, 0) + c
    assert fy.height > 100 and fy["bonus"].sum() > 0  # the demo has reps, and annual bonuses in Q4
    assert _cents(fy) == quarters
    # Nobody is skipped: every rep with orders or quota in the year is listed (under a plan or as no plan).
    active = db.sql("select distinct employee_id from orders where year(order_date) = $y and employee_id is not null "
                    "union select distinct employee_id from quotas where year(month) = $y", y=year)
    assert set(active["employee_id"]) <= set(fy["employee_id"])


def test_statements_add_up_to_the_payouts(demo):
    db, as_of = demo
    period = parse_period("FY2025")
    pay = incentives_report.payouts_in_scope(db, full_access(), period, as_of)
    data = incentives_report.inputs(db, full_access(), period, as_of)
    args = (data["orders"], data["quotas"], data["base"], data["start"], data["end"], data["collections"])
    changed = set(pay.filter(pl.col("cut"))["employee_id"]) | set(
        pay.group_by("employee_id").agg(pl.col("plan_id").n_unique()).filter(pl.col("plan_id") > 1)["employee_id"])
    for e in sorted(set(pay["employee_id"])):
        st_ = incentives.statement(data["plans"], e, *args, assignment=data["assignment"])
        mine = pay.filter(pl.col("employee_id") == e)
        t = st_["totals"]
        assert round(t["payout"] * 100) == sum(_cents(mine).values()), e
        assert round((t["lines"] + t["floor"] + t["bonus"] + t["cap"]) * 100) == round(t["payout"] * 100), e
        assert st_["summary"].select(incentives.PAYOUT_COLUMNS).equals(mine.select(incentives.PAYOUT_COLUMNS)), e
        if e in changed:
            assert len(st_["plan_ids"]) > 1 or st_["summary"]["cut"].any(), e
    assert changed and dt.date(2025, 12, 31) >= as_of >= dt.date(2025, 12, 1)
