"""Commission plans and the payout engine (analytics/sales/incentives.py).

Every docs/metrics.md worked example is reproduced with the arithmetic written out; plan files are
validated with messages that name the file, the key and the line; hypothesis checks the engine's
promises (never negative, monotone in bookings, caps hold, a plan against itself gains nothing).
"""
from __future__ import annotations

import datetime as dt
import time
import tomllib
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.core.periods import month_period, quarter_of, year_of
from analytics.sales.incentives import (
    DEFAULT_PLAN_ID,
    PAYOUT_COLUMNS,
    PLANS_DIR,
    Plan,
    PlanError,
    list_plans,
    load_plan,
    payouts,
    plan_from_dict,
    plan_to_dict,
    plan_to_toml,
    simulate,
    simulate_panels,
    statement,
)

D = dt.date
YEAR = (D(2025, 1, 1), D(2025, 12, 31))
Q1 = (D(2025, 1, 1), D(2025, 3, 31))
SHIPPED = ["annual_bonus", "ka_2024", "ka_uplift", "lead_2024", "quarterly_step", "quotapath_tiered", "standard_2024"]

ORDER_SCHEMA = {"order_id": pl.Int64, "employee_id": pl.Int64, "order_date": pl.Date, "amount": pl.Float64,
                "is_ka": pl.Boolean}
QUOTA_SCHEMA = {"employee_id": pl.Int64, "month": pl.Date, "amount": pl.Float64}
CASH_SCHEMA = {"order_id": pl.Int64, "collected_date": pl.Date, "amount": pl.Float64}


def orders(*rows: tuple[int, dt.date, float, bool]) -> pl.DataFrame:
    """Rows (employee_id, order_date, amount, is_ka); order ids 1, 2, 3, … in the order given."""
    return pl.DataFrame([(i, *r) for i, r in enumerate(rows, 1)], schema=ORDER_SCHEMA, orient="row")


def quarter_quota(emp: int, total: float) -> list[tuple[int, dt.date, float]]:
    """Jan–Mar 2025 quota rows adding up to ``total`` exactly (e.g. 33,334 + 33,333 + 33,333 = 100,000)."""
    third = total // 3
    months = [D(2025, 1, 1), D(2025, 2, 1), D(2025, 3, 1)]
    return [(emp, months[0], total - 2 * third), (emp, months[1], third), (emp, months[2], third)]


def quotas(*rows: tuple[int, dt.date, float]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=QUOTA_SCHEMA, orient="row")


def bases(**by_emp: float) -> pl.DataFrame:
    """bases(e1=15000) → employee 1 earns 15,000 a month."""
    return pl.DataFrame({"employee_id": [int(k[1:]) for k in by_emp], "base_monthly": list(by_emp.values())},
                        schema={"employee_id": pl.Int64, "base_monthly": pl.Float64})


def cash(*rows: tuple[int, dt.date, float]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=CASH_SCHEMA, orient="row")


NO_BASE = bases()


def by_rep(frame: pl.DataFrame, column: str = "payout") -> dict[int, float]:
    """Σ column per rep over the periods returned."""
    return dict(frame.group_by("employee_id").agg(pl.col(column).sum()).sort("employee_id").iter_rows())


def variant(plan_id: str, **changes: object) -> Plan:
    """A shipped plan with top-level sections replaced (as the what-if editor would)."""
    return plan_from_dict({**plan_to_dict(load_plan(plan_id)), **changes}, source=f"{plan_id} (edited)")


def cents(x: float) -> int:
    return round(x * 100)


# ───────────────────────────── docs/metrics.md worked examples ─────────────────────────────


def test_quarterly_step_pays_the_reached_rate_on_the_whole_quarter():
    # Quarter quota 100,000 (Jan 33,334 + Feb 33,333 + Mar 33,333).
    # rep 1 books 90,000            → 90 % → 1 % × 90,000 = 900
    # rep 2 books 60,000 + 50,000   → 110 % → 1.5 % × 110,000 = 1,650 (whole quarter, not 1,000 + 1.5 % × 10,000)
    # rep 3 books exactly 100,000   → 100 % → 1.5 % × 100,000 = 1,500
    o = orders((1, D(2025, 2, 10), 90_000, False), (2, D(2025, 1, 5), 60_000, False),
               (2, D(2025, 3, 28), 50_000, False), (3, D(2025, 3, 31), 100_000, False))
    q = quotas(*quarter_quota(1, 100_000), *quarter_quota(2, 100_000), *quarter_quota(3, 100_000))
    out = payouts(load_plan("quarterly_step"), o, q, NO_BASE, *Q1)
    assert out.columns == PAYOUT_COLUMNS
    assert out["period_label"].to_list() == ["2025-Q1"] * 3
    assert out["payout"].to_list() == [900.0, 1650.0, 1500.0]
    assert out["rate"].to_list() == pytest.approx([0.01, 0.015, 0.015])
    assert out["attainment"].to_list() == pytest.approx([0.9, 1.1, 1.0])
    assert out["tier"].to_list() == ["<100%", "≥100%", "≥100%"]
    assert out["cost_of_sales"].to_list() == pytest.approx([900 / 90_000, 1650 / 110_000, 0.015])


def test_ka_bookings_earn_one_point_more():
    # 50,000 regular at 2 % = 1,000; 50,000 KA at 2 % + 1 point = 3 % = 1,500; total 2,500.
    o = orders((1, D(2025, 5, 3), 50_000, False), (1, D(2025, 5, 20), 50_000, True))
    plan = load_plan("ka_uplift")
    out = payouts(plan, o, quotas(), NO_BASE, D(2025, 5, 1), D(2025, 5, 31))
    assert (out["bookings"].item(), out["ka_bookings"].item(), out["payout"].item()) == (100_000, 50_000, 2_500)
    lines = statement(plan, 1, o, quotas(), NO_BASE, D(2025, 5, 1), D(2025, 5, 31))["lines"]
    assert lines["rate"].to_list() == pytest.approx([0.02, 0.03])
    assert lines["commission"].to_list() == [1_000.0, 1_500.0]


def _annual_case(q4_bookings: float) -> pl.DataFrame:
    # Quota 100,000 every month → 1,200,000 for FY2025; 300,000 booked in each of Q1–Q3, q4_bookings in Q4.
    o = orders(*[(1, D(2025, m, 15), 300_000, False) for m in (2, 5, 8)], (1, D(2025, 11, 15), q4_bookings, False))
    q = quotas(*[(1, D(2025, m, 1), 100_000) for m in range(1, 13)])
    return payouts(load_plan("annual_bonus"), o, q, bases(e1=15_000), *YEAR)


def test_meeting_the_annual_target_pays_one_month_of_base_with_the_last_quarter():
    # Bookings 3 × 300,000 + 300,000 = 1,200,000 = the annual quota → met.
    # Commission 1 % × 300,000 = 3,000 each quarter; Q4 adds base_monthly 15,000 → 18,000; year 27,000.
    out = _annual_case(300_000)
    assert out["bonus"].to_list() == [0, 0, 0, 15_000]
    assert out["payout"].to_list() == [3_000, 3_000, 3_000, 18_000]


def test_missing_the_annual_target_by_one_pays_no_bonus():
    # 900,000 + 299,999 = 1,199,999 < 1,200,000 → no bonus; Q4 = 1 % × 299,999 = 2,999.99.
    out = _annual_case(299_999)
    assert out["bonus"].sum() == 0
    assert out["payout"].to_list() == [3_000, 3_000, 3_000, 2_999.99]


def test_annual_bonus_waits_for_the_whole_year():
    # Asking for Q1–Q3 only: the FY2025 target period is not inside the range, so no bonus is decided.
    o = orders((1, D(2025, 2, 1), 2_000_000, False))
    q = quotas(*[(1, D(2025, m, 1), 100_000) for m in range(1, 13)])
    out = payouts(load_plan("annual_bonus"), o, q, bases(e1=15_000), D(2025, 1, 1), D(2025, 9, 30))
    assert out["bonus"].sum() == 0 and out["payout"].to_list() == [20_000, 0, 0]


@pytest.mark.parametrize(("booked", "expected"), [
    (40_000, 400),       # 40 %  < 50 %: half rate 1 % × 40,000 = 400
    (49_999, 499.99),    # just under 50 %: 1 % × 49,999 = 499.99
    (50_000, 1_000),     # 50 %: full rate 2 % on the whole quarter × 50,000 = 1,000 (retroactive)
    (60_000, 1_200),     # 60 %: 2 % × 60,000 = 1,200
    (100_000, 2_000),    # 100 %: 2 % × 100,000 = 2,000 (nothing above 100 % yet)
    (130_000, 2_900),    # 130 %: 2 % × 100,000 + 1.5 × 2 % × 30,000 = 2,000 + 900 = 2,900 (accelerator marginal)
])
def test_quotapath_tiers(booked, expected):
    out = payouts(load_plan("quotapath_tiered"), orders((1, D(2025, 2, 1), booked, False)),
                  quotas(*quarter_quota(1, 100_000)), NO_BASE, *Q1)
    assert out["payout"].item() == pytest.approx(expected, abs=1e-9)


def test_quotapath_statement_spreads_the_blended_rate_over_the_lines():
    # 130,000 in three orders; payout 2,900 → blended rate 2,900 / 130,000 on every line.
    o = orders((1, D(2025, 1, 9), 33_333.33, False), (1, D(2025, 2, 9), 33_333.33, False),
               (1, D(2025, 3, 9), 63_333.34, False))
    st_ = statement(load_plan("quotapath_tiered"), 1, o, quotas(*quarter_quota(1, 100_000)), NO_BASE, *Q1)
    assert st_["lines"]["rate"].to_list() == pytest.approx([2_900 / 130_000] * 3)
    assert sum(cents(x) for x in st_["lines"]["commission"]) == 290_000
    assert st_["totals"] == {"lines": 2_900, "floor": 0, "bonus": 0, "cap": 0, "payout": 2_900}


# ───────────────────────────── caps, collections, statements, edge cases ─────────────────────────────


def test_standard_plan_cap_at_three_times_target_incentive():
    # Quarter quota 100,000. Target incentive = commission at exactly 100 % = 2 % × 100,000 = 2,000;
    # cap = 3 × 2,000 = 6,000. Bookings 300,000 (300 %): 2 % × 100,000 + 3 % × 50,000 (100–150 %, ×1.5)
    # + 4 % × 150,000 (above 150 %, ×2) = 2,000 + 1,500 + 6,000 = 9,500 → capped at 6,000.
    o = orders((1, D(2025, 2, 1), 300_000, False))
    q = quotas(*quarter_quota(1, 100_000))
    plan = load_plan("standard_2024")
    row = payouts(plan, o, q, NO_BASE, *Q1).row(0, named=True)
    assert (row["commission"], row["cap_amount"], row["capped"], row["payout"]) == (9_500, 6_000, True, 6_000)
    st_ = statement(plan, 1, o, q, NO_BASE, *Q1)
    assert st_["totals"] == {"lines": 9_500, "floor": 0, "bonus": 0, "cap": -3_500, "payout": 6_000}
    assert st_["adjustments"].select("kind", "amount").rows() == [("cap", -3_500)]


@pytest.mark.parametrize(("cap", "expected"), [
    ({"amount": 1_000}, 1_000 + 15_000),                    # cap 1,000 on commission, bonus on top
    ({"base_months": 0.5}, 7_500 + 15_000),                 # cap ½ × 15,000 = 7,500; commission 12,000 → 7,500
    ({"amount": 20_000, "applies_to": "commission_and_bonus"}, 20_000),  # 12,000 + 15,000 = 27,000 → 20,000
])
def test_cap_forms(cap, expected):
    # Annual plan, yearly measurement: 1,200,000 booked against 1,200,000 quota → 1 % = 12,000, bonus 15,000.
    plan = variant("annual_bonus", measurement_period="year", cap=cap)
    o = orders((1, D(2025, 6, 1), 1_200_000, False))
    q = quotas(*[(1, D(2025, m, 1), 100_000) for m in range(1, 13)])
    row = payouts(plan, o, q, bases(e1=15_000), *YEAR).row(0, named=True)
    assert (row["commission"], row["bonus"], row["payout"], row["capped"]) == (12_000, 15_000, expected, True)
    assert statement(plan, 1, o, q, bases(e1=15_000), *YEAR)["totals"]["payout"] == expected


def _collection_case() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    # Bookings 60,000 (order 1) + 50,000 (order 2) = 110,000 against 100,000 → the 1.5 % tier.
    # Cash: order 1 in full on 20 Mar (60,000 plus 5,000 paid too much); order 2: 20,000 on 31 Mar
    # and 30,000 on 15 May.
    o = orders((1, D(2025, 1, 10), 60_000, False), (1, D(2025, 2, 10), 50_000, False))
    c = cash((1, D(2025, 3, 20), 60_000), (1, D(2025, 3, 20), 5_000), (2, D(2025, 3, 31), 20_000),
             (2, D(2025, 5, 15), 30_000))
    return o, quotas(*quarter_quota(1, 100_000)), c


@pytest.mark.parametrize(("payment", "credited", "payout"), [
    ({"basis": "bookings"}, 110_000, 1_650),                            # 1.5 % × 110,000
    ({"basis": "collections"}, 110_000, 1_650),                         # all cash: 60,000 (not 65,000) + 50,000
    ({"basis": "collections", "cutoff_days": 30}, 80_000, 1_200),       # by 30 Apr: 60,000 + 20,000 → 1.5 % × 80,000
    ({"basis": "collections", "cutoff_date": D(2025, 3, 25)}, 60_000, 900),  # by 25 Mar: 60,000 → 1.5 % × 60,000
])
def test_pay_on_collection_pays_only_cash_collected_by_the_cutoff(payment, credited, payout):
    o, q, c = _collection_case()
    plan = variant("quarterly_step", payment=payment)
    row = payouts(plan, o, q, NO_BASE, *Q1, collections=c).row(0, named=True)
    assert (row["bookings"], row["attainment"], row["rate"]) == (110_000, pytest.approx(1.1), pytest.approx(0.015))
    assert (row["credited"], row["payout"]) == (credited, payout)
    st_ = statement(plan, 1, o, q, NO_BASE, *Q1, collections=c)
    assert sum(cents(x) for x in st_["lines"]["commission"]) == cents(payout)


def test_pay_on_collection_needs_collections():
    o, q, _ = _collection_case()
    with pytest.raises(ValueError, match="collections"):
        payouts(load_plan("ka_2024"), o, q, NO_BASE, *Q1)


def test_statement_lines_and_adjustments_add_up_to_the_payout():
    # standard_2024 over FY2025, quota 100,000 a month: KA and regular orders, a return, a capped quarter
    # and the annual bonus; awkward amounts so line cents need the largest-remainder allocation.
    o = orders((1, D(2025, 1, 3), 12_345.67, False), (1, D(2025, 1, 19), 98_765.43, True),
               (1, D(2025, 2, 7), -4_321.09, False), (1, D(2025, 3, 30), 333.33, True),
               (1, D(2025, 5, 5), 400_000.01, False), (1, D(2025, 6, 6), 1_111.11, True),
               (1, D(2025, 8, 8), 250_000.55, True), (1, D(2025, 11, 11), 777_777.77, False),
               (1, D(2025, 12, 1), -9_999.99, True))
    q = quotas(*[(1, D(2025, m, 1), 100_000) for m in range(1, 13)])
    plan = load_plan("standard_2024")
    st_ = statement(plan, 1, o, q, bases(e1=12_345.6), *YEAR)
    summary, lines, adj = st_["summary"], st_["lines"], st_["adjustments"]
    assert summary.equals(payouts(plan, o, q, bases(e1=12_345.6), *YEAR).filter(pl.col("employee_id") == 1))
    assert summary["capped"].any() and summary["bonus"].sum() == 12_345.6
    for period in summary.iter_rows(named=True):
        label = period["period_label"]
        line_c = sum(cents(x) for x in lines.filter(pl.col("period_label") == label)["commission"])
        adj_c = sum(cents(x) for x in adj.filter(pl.col("period_label") == label)["amount"])
        assert line_c + adj_c == cents(period["payout"]), label
    t = st_["totals"]
    assert cents(t["lines"]) + cents(t["floor"]) + cents(t["bonus"]) + cents(t["cap"]) == cents(t["payout"])
    assert cents(t["payout"]) == cents(summary["payout"].sum())
    assert set(adj["kind"]) == {"cap", "bonus"}


def test_returns_reduce_bookings_and_payout_never_goes_below_zero():
    # rep 1: 110,000 booked, 15,000 returned → 95,000 → 95 % → 1 % × 95,000 = 950.
    # rep 2: only a credit note of −20,000 → 1 % × −20,000 = −200 → paid 0; the statement shows +200 "floor".
    o = orders((1, D(2025, 1, 10), 110_000, False), (1, D(2025, 2, 10), -15_000, False),
               (2, D(2025, 2, 1), -20_000, False))
    q = quotas(*quarter_quota(1, 100_000), *quarter_quota(2, 100_000))
    plan = load_plan("quarterly_step")
    assert payouts(plan, o, q, NO_BASE, *Q1)["payout"].to_list() == [950, 0]
    st_ = statement(plan, 2, o, q, NO_BASE, *Q1)
    assert st_["totals"] == {"lines": -200, "floor": 200, "bonus": 0, "cap": 0, "payout": 0}


def test_reps_without_quota_are_paid_the_lowest_rate_and_flagged():
    # rep 1 has no quota rows, rep 2 a quota of 0: both get standard_2024's lowest rate, 1 %
    # (+0.5 point on KA): 1 % × 100,000 + 0.5 % × 40,000 = 1,200 each; no tiers, no accelerators, no cap.
    o = orders((1, D(2025, 2, 1), 60_000, False), (1, D(2025, 2, 2), 40_000, True),
               (2, D(2025, 2, 1), 60_000, False), (2, D(2025, 2, 2), 40_000, True))
    out = payouts(load_plan("standard_2024"), o, quotas(*quarter_quota(2, 0)), NO_BASE, *Q1)
    assert out.select("no_quota", "tier", "payout").rows() == [(True, "no quota", 1_200)] * 2
    assert out["attainment"].is_null().all() and out["cap_amount"].is_null().all()


def test_partial_measurement_period_counts_only_the_months_in_range():
    # Asked for Feb–Mar under a quarterly plan: quota Feb + Mar = 66,666, bookings 70,000 → 105 % → 1.5 %.
    o = orders((1, D(2025, 1, 20), 50_000, False), (1, D(2025, 2, 20), 70_000, False))
    out = payouts(load_plan("quarterly_step"), o, quotas(*quarter_quota(1, 100_000)), NO_BASE,
                  D(2025, 2, 1), D(2025, 3, 31))
    row = out.row(0, named=True)
    assert (row["partial"], row["quota"], row["payout"]) == (True, 66_666, 1_050)


def test_marginal_tiers_pay_each_slice_at_its_own_rate():
    # lead_2024, monthly, quota 100,000: 0.5 % up to 100 %, 1 % above. 130,000 → 500 + 300 = 800.
    out = payouts(load_plan("lead_2024"), orders((1, D(2025, 4, 2), 130_000, False)),
                  quotas((1, D(2025, 4, 1), 100_000)), bases(e1=20_000), D(2025, 4, 1), D(2025, 4, 30))
    assert out["payout"].item() == 800
    assert out["rate"].item() == pytest.approx(800 / 130_000)


@given(st.dates(D(2000, 1, 1), D(2060, 12, 31)), st.integers(1, 12))
@settings(max_examples=60, deadline=None)
def test_period_labels_follow_the_fiscal_calendar(day, fy_start):
    o = orders((1, day, 1.0, False))
    plan = load_plan("ka_uplift")
    for grain, period in (("month", month_period(day)), ("quarter", quarter_of(day, fy_start)),
                          ("year", year_of(day, fy_start))):
        row = payouts(variant("ka_uplift", measurement_period=grain) if grain != plan.measurement_period else plan,
                      o, quotas(), NO_BASE, day, day, fy_start=fy_start).row(0, named=True)
        assert (row["period_label"], row["period_start"], row["period_end"]) == (period.label, period.start, period.end)


# ───────────────────────────── simulate ─────────────────────────────


def test_simulate_side_by_side_by_hand():
    # Quarter quota 100,000. rep 1 books 90,000, rep 2 110,000.
    # a = quarterly_step: 900 + 1,650 = 2,550.  b = quotapath: 2 % × 90,000 = 1,800; 2,000 + 3 % × 10,000 = 2,300.
    # Shift +10 %: 99,000 and 121,000 → a: 990 + 1.5 % × 121,000 = 990 + 1,815 = 2,805 (+255);
    #                                   b: 1,980 + 2,000 + 3 % × 21,000 = 1,980 + 2,630 = 4,610 (+510).
    o = orders((1, D(2025, 2, 1), 90_000, False), (2, D(2025, 2, 1), 110_000, False))
    q = quotas(*quarter_quota(1, 100_000), *quarter_quota(2, 100_000))
    r = simulate(load_plan("quarterly_step"), load_plan("quotapath_tiered"), o, q, NO_BASE, *Q1,
                 attainment_shift=0.1)
    assert r["totals"].select("plan", "payout").rows() == [("a", 2_550), ("b", 4_100)]
    assert r["totals"]["cost_of_sales"].to_list() == pytest.approx([2_550 / 200_000, 4_100 / 200_000])
    assert r["reps"].select("employee_id", "payout_a", "payout_b", "gain").rows() == [
        (1, 900, 1_800, 900), (2, 1_650, 2_300, 650)]
    bands = dict(r["bands"].select(pl.col("band").cast(pl.String), "n_reps").iter_rows())
    assert bands == {"<50%": 0, "50-80%": 0, "80-100%": 1, "100-120%": 1, ">=120%": 0, "no quota": 0}
    shift = r["shift"]
    assert shift["payout_shifted"].to_list() == pytest.approx([2_805, 4_610])
    assert shift["extra_cost"].to_list() == pytest.approx([255, 510])


# ───────────────────────────── plan files ─────────────────────────────


def test_shipped_plans_load_and_round_trip():
    plans = list_plans()
    assert [p.id for p in plans] == SHIPPED
    for p in plans:
        assert p.name_en and p.name_zh and p.description_en and p.description_zh
        assert plan_from_dict(plan_to_dict(p)) == p
        assert plan_from_dict(tomllib.loads(plan_to_toml(p))) == p


def test_load_plan_falls_back_only_when_asked():
    with pytest.raises(PlanError, match="no such plan file"):
        load_plan("ka_2099")
    assert load_plan("ka_2099", fallback=DEFAULT_PLAN_ID).id == "standard_2024"
    assert load_plan(PLANS_DIR / "quarterly_step.toml").id == "quarterly_step"
    with pytest.raises(PlanError, match="not a plan id"):
        load_plan("Standard 2024!")


GOOD = """\
name_en = "Test plan"
name_zh = "测试方案"
measurement_period = "quarter"

[rates]
base_pct = 1.0
ka_uplift_pp = 1.0

[tiers]
mode = "retroactive"

[[tiers.levels]]
from_pct = 100
rate_pct = 1.5

[[tiers.levels]]
from_pct = 120
rate_pct = 2.0
"""


@pytest.mark.parametrize(("old", "new", "key", "line", "expected"), [
    ("base_pct = 1.0", "base_pct = 1.0.5", "rates.base_pct", 6, "not valid TOML"),
    ("ka_uplift_pp = 1.0", "ka_uplift_ppp = 1.0", "rates.ka_uplift_ppp", 7, "did you mean 'ka_uplift_pp'"),
    ("base_pct = 1.0", "base_pct = -1.0", "rates.base_pct", 6, "expected a number from 0 to 100"),
    ("from_pct = 120", "from_pct = 90", "tiers.levels[1].from_pct", 17, "increasing order"),
    ("rate_pct = 2.0", "rate_pct = 1.2", "tiers.levels[1].rate_pct", 18, "never fall"),
    ('mode = "retroactive"', 'mode = "retro"', "tiers.mode", 10, "'retroactive', 'marginal'"),
])
def test_bad_plan_files_name_file_key_and_line(tmp_path, old, new, key, line, expected):
    path = tmp_path / "broken_plan.toml"
    path.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    (tmp_path / "good_plan.toml").write_text(GOOD, encoding="utf-8")
    assert load_plan(tmp_path / "good_plan.toml").tiers[1].rate_pct == 2.0  # the unbroken file is fine
    with pytest.raises(PlanError) as err:
        load_plan(path)
    message = str(err.value)
    assert "broken_plan.toml" in message and f"'{key}'" in message and f"line {line}" in message, message
    assert expected in message, message
    assert (err.value.key, err.value.line) == (key, line)


def test_line_numbers_inside_inline_arrays(tmp_path):
    # plan_to_toml writes tiers as an inline array, one level a line: the third level is on its own line.
    text = plan_to_toml(load_plan("standard_2024")).replace("{ from_pct = 80.0,", "{ from_pct = 50.0,")
    path = tmp_path / "standard_2024.toml"  # the id inside must match the file name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlanError) as err:
        load_plan(path)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "from_pct = 50.0" in t)
    assert (err.value.key, err.value.line) == ("tiers.levels[2].from_pct", line)


@pytest.mark.parametrize(("change", "key"), [
    ({"cap": {"amount": 1, "base_months": 2}}, "cap.base_months"),
    ({"payment": {"basis": "bookings", "cutoff_days": 30}}, "payment.cutoff_days"),
    ({"bonuses": [{"period": "year"}]}, "bonuses[0]"),
    ({"accelerators": {"mode": "marginal", "levels": [{"from_pct": 80, "multiplier": 1.5}]}},
     "accelerators.levels[0].from_pct"),
    ({"measurement_period": "week"}, "measurement_period"),
])
def test_plan_from_dict_names_the_key(change, key):
    with pytest.raises(PlanError) as err:
        variant("quarterly_step", **change)
    assert err.value.key == key and "quarterly_step (edited)" in str(err.value)


# ───────────────────────────── properties ─────────────────────────────

# Order amounts on the scale of the quotas, so that generated quarters land in every tier.
ORDER = st.tuples(st.integers(1, 3), st.integers(0, 364), st.integers(-5, 40).map(lambda k: k * 1_000), st.booleans(),
                  st.sampled_from([0.0, 0.5, 1.0]), st.integers(0, 150))
QUOTAS = st.lists(st.tuples(st.sampled_from([0, 10_000, 25_000, 50_000]), st.sets(st.integers(1, 12), min_size=6)),
                  min_size=3, max_size=3)  # per rep 1–3: a monthly quota and the months that carry it
BASES = bases(e1=9_000, e2=12_000, e3=15_000, e11=9_000, e12=12_000, e13=15_000)
CAPPED = [load_plan("standard_2024"), load_plan("ka_2024"), load_plan("lead_2024"),
          variant("annual_bonus", cap={"amount": 2_500, "applies_to": "commission_and_bonus"})]


def _frames(rows: list[tuple], rep_quotas: list[tuple], twin: int = 0) -> tuple[pl.DataFrame, ...]:
    """Orders, quotas and collections from generated rows (emp, day, amount, is_ka, share collected,
    days to collect); ``twin`` > 0 adds the same company again with employee ids + twin."""
    o = orders(*[(e, D(2025, 1, 1) + dt.timedelta(days=d), float(a), k) for e, d, a, k, _, _ in rows])
    c = cash(*[(i, D(2025, 1, 1) + dt.timedelta(days=d + w), a * s)
               for i, (_, d, a, _, s, w) in enumerate(rows, 1) if a > 0 and s > 0])
    q = quotas(*[(e, D(2025, m, 1), float(a)) for e, (a, months) in enumerate(rep_quotas, 1) for m in months])
    if twin:
        shift = pl.col("employee_id") + twin
        o = pl.concat([o, o.with_columns(shift, order_id=pl.col("order_id") + 1_000)])
        c = pl.concat([c, c.with_columns(order_id=pl.col("order_id") + 1_000)])
        q = pl.concat([q, q.with_columns(shift)])
    return o, q, c


@given(st.lists(ORDER, max_size=40), QUOTAS, st.lists(ORDER.filter(lambda r: r[2] > 0), min_size=1, max_size=12))
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_payout_never_negative_and_never_falls_when_orders_are_added(rows, rep_quotas, extra):
    # Reps 11–13 are twins of reps 1–3 with the same orders, cash and quotas, plus the extra orders
    # (uncollected): every twin's payout, period by period, is at least the original's.
    o, q, c = _frames(rows, rep_quotas, twin=10)
    o_extra = _frames([(e + 10, *r) for e, *r in extra], [])[0]
    o = pl.concat([o, o_extra.with_columns(order_id=pl.col("order_id") + 9_000)])
    for plan in list_plans():
        out = payouts(plan, o, q, BASES, *YEAR, collections=c)
        assert (out["payout"] >= 0).all(), plan.id
        pay = {(e, p): x for e, p, x in out.select("employee_id", "period_label", "payout").iter_rows()}
        for (e, p), x in pay.items():
            if e <= 3:
                assert pay.get((e + 10, p), 0.0) >= x - 1e-9, (plan.id, e, p)


@pytest.mark.parametrize("plan_id", SHIPPED)
def test_payout_rises_with_bookings_across_every_threshold(plan_id):
    # Rep i books i × 500 in Q1 (0 … 400,000 against a 100,000 quarter, i.e. 0–400 % in 0.5-point steps),
    # half of it KA and half of it collected within the quarter: payouts never fall from one rep to the next.
    n = 801
    o = pl.DataFrame({"order_id": np.arange(2 * n), "employee_id": np.tile(np.arange(n), 2),
                      "order_date": [D(2025, 2, 1)] * (2 * n), "amount": np.tile(np.arange(n) * 250.0, 2),
                      "is_ka": [False] * n + [True] * n}, schema=ORDER_SCHEMA)
    c = o.select("order_id", collected_date=pl.lit(D(2025, 3, 1)), amount=pl.col("amount") / 2)
    q = pl.concat([quotas(*quarter_quota(e, 100_000)) for e in range(n)])
    out = payouts(load_plan(plan_id), o, q, bases(**{f"e{e}": 10_000 for e in range(n)}), *Q1, collections=c)
    pay = out.group_by("employee_id").agg(pl.col("payout").sum()).sort("employee_id")["payout"]  # Σ months
    assert pay.len() == n and (pay.diff().drop_nulls() >= 0).all()
    assert pay[-1] > pay[1] > 0


@given(st.lists(ORDER, max_size=20), QUOTAS)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_caps_hold(rows, rep_quotas):
    o, q, c = _frames(rows, rep_quotas)
    for plan in CAPPED:
        out = payouts(plan, o, q, BASES, *YEAR, collections=c)
        limited = pl.col("payout") - (pl.col("bonus") if plan.cap.applies_to == "commission" else 0.0)
        over = out.filter(pl.col("cap_amount").is_not_null() & (limited > pl.col("cap_amount") + 1e-9))
        assert over.is_empty(), (plan.id, over)
        assert (out["payout"] <= out["commission"] + out["bonus"] + 1e-9).all()


@given(st.lists(ORDER, min_size=1, max_size=20), QUOTAS, st.sampled_from(SHIPPED), st.sampled_from([0.0, -0.2, 0.1]))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_simulate_a_plan_against_itself_changes_nothing(rows, rep_quotas, plan_id, shift):
    o, q, c = _frames(rows, rep_quotas)
    plan = load_plan(plan_id)
    r = simulate(plan, plan, o, q, BASES, *YEAR, collections=c, attainment_shift=shift)
    assert (r["reps"]["gain"] == 0).all() and (r["bands"]["gain"] == 0).all()
    assert r["totals"]["payout"][0] == r["totals"]["payout"][1]
    assert r["shift"]["extra_cost"][0] == r["shift"]["extra_cost"][1]


# ───────────────────────────── timing (printed, not asserted) ─────────────────────────────


def test_simulate_timing_on_a_company_sized_panel(capsys):
    """4,000 reps × 12 months. The rep × month panel is built directly (what ~2M orders reduce to);
    a full ``simulate`` from ~50k orders is timed too."""
    rng = np.random.default_rng(7)
    reps, months = np.arange(1, 4_001), [D(2025, m, 1) for m in range(1, 13)]
    monthly_quota = rng.uniform(150_000, 300_000, len(reps))
    emp = np.repeat(reps, 12)
    bookings = np.repeat(monthly_quota, 12) * rng.lognormal(0.0, 0.35, len(emp))
    ka = bookings * rng.uniform(0, 0.5, len(emp))
    panel = pl.DataFrame({"employee_id": emp, "month": months * len(reps), "bookings": bookings,
                          "ka_bookings": ka, "credited": bookings, "ka_credited": ka})
    q = pl.DataFrame({"employee_id": emp, "month": months * len(reps), "amount": np.repeat(monthly_quota, 12)})
    base = pl.DataFrame({"employee_id": reps, "base_monthly": rng.uniform(6_000, 14_000, len(reps))})
    a, b = load_plan("standard_2024"), load_plan("quotapath_tiered")
    t0 = time.perf_counter()
    r = simulate_panels(a, b, panel, panel, q, base, *YEAR, attainment_shift=0.1)
    panel_s = time.perf_counter() - t0
    n = 50_000
    o = pl.DataFrame({"order_id": np.arange(n), "employee_id": rng.choice(reps, n),
                      "order_date": np.datetime64("2025-01-01") + rng.integers(0, 365, n),
                      "amount": rng.lognormal(10.5, 1.0, n), "is_ka": rng.random(n) < 0.3})
    t0 = time.perf_counter()
    simulate(a, b, o, q, base, *YEAR, attainment_shift=0.1)
    orders_s = time.perf_counter() - t0
    with capsys.disabled():
        print(f"\nsimulate_panels, 4,000 reps × 12 months: {panel_s:.3f} s; "
              f"simulate from {n:,} orders: {orders_s:.3f} s")
    assert r["reps"].height == 4_000 and r["totals"].height == 2


def test_plans_dir_is_the_repository_folder():
    assert Path(__file__).resolve().parents[3] / "data" / "plans" == PLANS_DIR
