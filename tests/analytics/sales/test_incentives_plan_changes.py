"""Commission under the plan in force (docs/metrics.md, "Commission"; analytics/sales/incentives/segments.py).

Each measurement period is paid under the plan in force then, so a year pays exactly what its quarters pay;
a plan change inside a measurement period cuts it; months without a plan pay nothing and are listed as
``no plan``; the annual bonus lands in the year's last quarter with the base salary in force on the fiscal
year's last day (or the last day employed). Every figure below is worked out by hand in the comments.
"""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.core.access import full_access
from analytics.core.db import Database
from analytics.core.periods import parse_period
from analytics.sales import incentives_report
from analytics.sales.incentives import (
    NO_PLAN,
    ON_PLAN,
    PAYOUT_COLUMNS,
    load_plan,
    payouts,
    plan_to_dict,
    simulate,
    statement,
)
from tests.analytics.sales.test_incentives import SHIPPED, bases, cash, orders, quotas
from tests.conftest import open_db, tiny_frames

D = dt.date
FY = (D(2025, 1, 1), D(2025, 12, 31))
QUARTERS = [(D(2025, m, 1), (D(2025, m + 3, 1) if m < 10 else D(2026, 1, 1)) - dt.timedelta(days=1))
            for m in (1, 4, 7, 10)]
ASSIGNMENT_SCHEMA = {"employee_id": pl.Int64, "month": pl.Date, "plan_id": pl.String, "day": pl.Date}
PLANS = {p: load_plan(p) for p in SHIPPED}
BOOKED = {k: p for k, p in PLANS.items() if p.pay_on == "bookings"}  # the plans that need no collections


def plan_months(emp: int, *spans: tuple[int, int, str | None], last_day: dt.date | None = None) -> pl.DataFrame:
    """Assignment rows of 2025: (first month, last month, plan id or None) per span; ``last_day``: the rep
    left that day (the plan and base of that month are looked up on it)."""
    rows = []
    for first, last, plan in spans:
        for m in range(first, last + 1):
            end = (D(2025, m + 1, 1) if m < 12 else D(2026, 1, 1)) - dt.timedelta(days=1)
            rows.append((emp, D(2025, m, 1), plan, min(end, last_day or end)))
    return pl.DataFrame(rows, schema=ASSIGNMENT_SCHEMA, orient="row")


def monthly_quota(emp: int, amount: float, months: range = range(1, 13)) -> list[tuple[int, dt.date, float]]:
    return [(emp, D(2025, m, 1), amount) for m in months]


def cents_by_rep(frame: pl.DataFrame) -> dict[int, int]:
    return dict(frame.group_by("employee_id").agg((pl.col("payout") * 100).round(0).cast(pl.Int64).sum())
                .sort("employee_id").iter_rows())


def year_and_quarters(plan, o, q, base, assignment=None, collections=None) -> tuple[dict, dict]:
    """Σ payout (cents) per rep over FY2025, and Σ over the four quarters asked one by one."""
    year = cents_by_rep(payouts(plan, o, q, base, *FY, collections, assignment=assignment))
    quarters: dict[int, int] = {}
    for qs in QUARTERS:
        for e, c in cents_by_rep(payouts(plan, o, q, base, *qs, collections, assignment=assignment)).items():
            quarters[e] = quarters.get(e, 0) + c
    return year, quarters


# ───────────────────────────── a year is the sum of its quarters ─────────────────────────────


def test_plan_change_mid_year_quarterly_plans_year_equals_its_quarters():
    # Quota 10,000 a month (30,000 a quarter); quarterly_step Jan–Jun, quotapath_tiered Jul–Dec (a change at a
    # quarter boundary: nothing is cut).
    # Q1 36,000 = 120 % under quarterly_step → 1.5 % × 36,000 = 540
    # Q2 24,000 =  80 % under quarterly_step → 1 %   × 24,000 = 240
    # Q3 30,000 = 100 % under quotapath      → 2 %   × 30,000 = 600
    # Q4 15,000 =  50 % under quotapath      → 2 %   × 15,000 = 300 (full rate from 50 %)
    # Year 1,680. The old rule paid the year under the last plan: Q1 would have been 2 % × 30,000 + 3 % × 6,000.
    o = orders((1, D(2025, 2, 10), 36_000, False), (1, D(2025, 5, 10), 24_000, False),
               (1, D(2025, 8, 10), 30_000, False), (1, D(2025, 11, 10), 15_000, False))
    q = quotas(*monthly_quota(1, 10_000))
    asg = plan_months(1, (1, 6, "quarterly_step"), (7, 12, "quotapath_tiered"))
    out = payouts(BOOKED, o, q, bases(), *FY, assignment=asg)
    assert out.columns == PAYOUT_COLUMNS
    assert out.select("period_label", "plan_id", "cut", "payout").rows() == [
        ("2025-Q1", "quarterly_step", False, 540), ("2025-Q2", "quarterly_step", False, 240),
        ("2025-Q3", "quotapath_tiered", False, 600), ("2025-Q4", "quotapath_tiered", False, 300)]
    assert year_and_quarters(BOOKED, o, q, bases(), asg) == ({1: 168_000}, {1: 168_000})


def test_plan_change_mid_quarter_monthly_plans_year_equals_its_quarters():
    # Quota 10,000 a month; ka_uplift (monthly, 2 %, +1 point on KA) Jan–Apr, lead_2024 (monthly, 0.5 % up to
    # the monthly target, 1 % above) May–Dec. A change inside Q2 cuts nothing: the plans measure months.
    # Jan 12,000 KA → 3 % = 360;  Mar 5,000 → 2 % = 100;  May 13,000 → 0.5 % × 10,000 + 1 % × 3,000 = 80;
    # Aug 8,000 → 0.5 % = 40;     Nov 10,000 → 0.5 % = 50.  Q1 460, Q2 80, Q3 40, Q4 50; year 630.
    # Base 20,000 → lead_2024's cap of 2 months (40,000) never bites.
    o = orders((1, D(2025, 1, 20), 12_000, True), (1, D(2025, 3, 5), 5_000, False),
               (1, D(2025, 5, 5), 13_000, False), (1, D(2025, 8, 5), 8_000, False),
               (1, D(2025, 11, 5), 10_000, False))
    q = quotas(*monthly_quota(1, 10_000))
    asg = plan_months(1, (1, 4, "ka_uplift"), (5, 12, "lead_2024"))
    out = payouts(BOOKED, o, q, bases(e1=20_000), *FY, assignment=asg)
    assert out.height == 12 and not out["cut"].any()
    paid = dict(out.filter(pl.col("payout") > 0).select("period_label", "payout").iter_rows())
    assert paid == {"2025-01": 360, "2025-03": 100, "2025-05": 80, "2025-08": 40, "2025-11": 50}
    assert out.filter(pl.col("period_label") == "2025-04")["plan_id"].item() == "ka_uplift"
    assert out.filter(pl.col("period_label") == "2025-05")["plan_id"].item() == "lead_2024"
    assert year_and_quarters(BOOKED, o, q, bases(e1=20_000), asg) == ({1: 63_000}, {1: 63_000})


def test_plan_change_inside_a_quarter_cuts_it():
    # quarterly_step in January, quotapath_tiered from February. Quota Jan 10,000, Feb 20,000, Mar 20,000.
    # Jan alone:    12,000 / 10,000 = 120 % → quarterly_step 1.5 % × 12,000 = 180
    # Feb–Mar:      25,000 / 40,000 = 62.5 % → quotapath full rate 2 % × 25,000 = 500
    # Q1 = 680 (uncut, the quarter would be 37,000 / 50,000 = 74 %: 740 under quotapath, 370 under the step).
    o = orders((1, D(2025, 1, 9), 12_000, False), (1, D(2025, 2, 9), 10_000, False), (1, D(2025, 3, 9), 15_000, False))
    q = quotas((1, D(2025, 1, 1), 10_000), (1, D(2025, 2, 1), 20_000), (1, D(2025, 3, 1), 20_000))
    asg = plan_months(1, (1, 1, "quarterly_step"), (2, 3, "quotapath_tiered"))
    out = payouts(BOOKED, o, q, bases(), *QUARTERS[0], assignment=asg)
    assert out.select("period_label", "period_start", "period_end", "cut", "plan_id", "quota", "bookings",
                      "payout").rows() == [
        ("2025-Q1 (2025-01)", D(2025, 1, 1), D(2025, 1, 31), True, "quarterly_step", 10_000, 12_000, 180),
        ("2025-Q1 (2025-02..2025-03)", D(2025, 2, 1), D(2025, 3, 31), True, "quotapath_tiered", 40_000, 25_000, 500)]
    assert out["attainment"].to_list() == pytest.approx([1.2, 0.625])
    # The statement prices each order at its segment's rate and adds up to the same 680.
    st_ = statement(BOOKED, 1, o, q, bases(), *QUARTERS[0], assignment=asg)
    assert st_["lines"].select("period_label", "rate", "commission").rows() == [
        ("2025-Q1 (2025-01)", 0.015, 180), ("2025-Q1 (2025-02..2025-03)", 0.02, 200),
        ("2025-Q1 (2025-02..2025-03)", 0.02, 300)]
    assert st_["totals"]["payout"] == 680 and st_["plan_ids"] == ["quarterly_step", "quotapath_tiered"]
    assert st_["plan_id"] == "quotapath_tiered"


# ───────────────────────────── no plan ─────────────────────────────


def test_a_rep_without_a_plan_is_listed_as_no_plan_and_paid_nothing():
    # rep 5 has no plan all quarter: listed with bookings 50,000 and quota 30,000, status and tier 'no plan', 0.
    # rep 6 has no plan in January and quarterly_step from February: January is its own segment (no plan, 0);
    # Feb–Mar 25,000 / 20,000 = 125 % → 1.5 % × 25,000 = 375.
    o = orders((5, D(2025, 2, 1), 50_000, False), (6, D(2025, 1, 20), 40_000, False), (6, D(2025, 3, 1), 25_000, False))
    q = quotas(*monthly_quota(5, 10_000, range(1, 4)), *monthly_quota(6, 10_000, range(1, 4)))
    asg = pl.concat([plan_months(5, (1, 3, None)), plan_months(6, (1, 1, None), (2, 3, "quarterly_step"))])
    out = payouts(BOOKED, o, q, bases(), *QUARTERS[0], assignment=asg)
    assert out.select("employee_id", "period_label", "status", "plan_id", "tier", "bookings", "quota",
                      "payout").rows() == [
        (5, "2025-Q1", NO_PLAN, None, NO_PLAN, 50_000, 30_000, 0),
        (6, "2025-Q1 (2025-01)", NO_PLAN, None, NO_PLAN, 40_000, 10_000, 0),
        (6, "2025-Q1 (2025-02..2025-03)", ON_PLAN, "quarterly_step", "≥100%", 25_000, 20_000, 375)]
    assert out.filter(pl.col("status") == NO_PLAN)["credited"].to_list() == [0, 0]
    st_ = statement(BOOKED, 5, o, q, bases(), *QUARTERS[0], assignment=asg)
    assert st_["plan_id"] is None and st_["plan_ids"] == [None] and st_["totals"]["payout"] == 0
    assert st_["lines"].select("rate", "commission").rows() == [(0.0, 0.0)]


# ───────────────────────────── the annual bonus ─────────────────────────────


def _bonus_case() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Quota 10,000 a month; 30,000 booked in each quarter (120,000 = the annual quota: met).

    rep 1: annual_bonus all year; base 15,000, raised to 18,000 on 1 Dec 2025.
    rep 2: quarterly_step Jan–Jun, annual_bonus Jul–Dec: the plan in force in Q4 pays its bonus, judged on the year.
    rep 3: annual_bonus Jan–Jun, quarterly_step Jul–Dec: the plan in force in Q4 has no bonus.
    rep 4: annual_bonus, leaves on 20 Nov 2025 (quota Jan–Nov 110,000; bookings 90,000 + 20,000 in Oct: met);
           base 15,000, 16,000 from 1 Nov, and a row from 21 Nov that must not be used.
    """
    rows = [(e, D(2025, m, 15), 30_000, False) for e in (1, 2, 3, 4) for m in (2, 5, 8, 11) if (e, m) != (4, 11)]
    o = orders(*rows, (4, D(2025, 10, 15), 20_000, False))
    q = quotas(*[r for e in (1, 2, 3) for r in monthly_quota(e, 10_000)], *monthly_quota(4, 10_000, range(1, 12)))
    base = pl.DataFrame([(1, D(2024, 1, 1), 15_000.0), (1, D(2025, 12, 1), 18_000.0), (2, D(2024, 1, 1), 15_000.0),
                         (3, D(2024, 1, 1), 15_000.0), (4, D(2024, 1, 1), 15_000.0), (4, D(2025, 11, 1), 16_000.0),
                         (4, D(2025, 11, 21), 99_999.0)],
                        schema={"employee_id": pl.Int64, "valid_from": pl.Date, "base_monthly": pl.Float64},
                        orient="row")
    asg = pl.concat([plan_months(1, (1, 12, "annual_bonus")),
                     plan_months(2, (1, 6, "quarterly_step"), (7, 12, "annual_bonus")),
                     plan_months(3, (1, 6, "annual_bonus"), (7, 12, "quarterly_step")),
                     plan_months(4, (1, 11, "annual_bonus"), last_day=D(2025, 11, 20))])
    return o, q, base, asg


def test_annual_bonus_lands_in_q4_with_the_base_in_force_at_fiscal_year_end():
    # rep 1: 1 % × 30,000 = 300 a quarter; Q4 + one month of the base in force on 31 Dec = 18,000 → 18,300.
    # rep 2: quarterly_step 100 % → 1.5 % × 30,000 = 450 in Q1 and Q2; annual_bonus 300 in Q3, 300 + 15,000 in Q4.
    # rep 3: 300, 300 under annual_bonus; 450, 450 under quarterly_step; no bonus (Q4's plan has none).
    # rep 4: 300 × 3; Q4 = Oct–Nov: 1 % × 20,000 = 200 + the base in force on 20 Nov (16,000) = 16,200.
    o, q, base, asg = _bonus_case()
    out = payouts(BOOKED, o, q, base, *FY, assignment=asg)
    got = {e: out.filter(pl.col("employee_id") == e)["payout"].to_list() for e in (1, 2, 3, 4)}
    assert got == {1: [300, 300, 300, 18_300], 2: [450, 450, 300, 15_300], 3: [300, 300, 450, 450],
                   4: [300, 300, 300, 16_200]}
    assert out.filter(pl.col("bonus") > 0).select("employee_id", "period_label", "bonus").rows() == [
        (1, "2025-Q4", 18_000), (2, "2025-Q4", 15_000), (4, "2025-Q4", 16_000)]
    # Asked for Q4 alone, the annual target is still judged on the whole year and paid the same.
    q4 = payouts(BOOKED, o, q, base, *QUARTERS[3], assignment=asg)
    assert q4.select("employee_id", "payout").rows() == [(1, 18_300), (2, 15_300), (3, 450), (4, 16_200)]
    assert year_and_quarters(BOOKED, o, q, base, asg) == ({1: 1_920_000, 2: 1_650_000, 3: 150_000, 4: 1_710_000},) * 2
    bonuses = statement(BOOKED, 4, o, q, base, *FY, assignment=asg)["bonuses"]
    assert bonuses.select("period_label", "bonus_period_label", "bookings", "quota", "met", "bonus").rows() == [
        ("2025-Q4", "FY2025", 110_000, 110_000, True, 16_000)]


def test_annual_bonus_waits_for_the_year_end_and_a_single_plan_call_agrees():
    # Q1–Q3 asked: the year's last day is outside the range, so no bonus is judged yet (as before).
    o, q, base, asg = _bonus_case()
    assert payouts(BOOKED, o, q, base, D(2025, 1, 1), D(2025, 9, 30), assignment=asg)["bonus"].sum() == 0
    # One plan for everybody (no assignment): the same arithmetic as rep 1 above.
    rep1 = pl.col("employee_id") == 1
    one = payouts(load_plan("annual_bonus"), o.filter(rep1), q.filter(rep1), base, *QUARTERS[3])
    assert one.select("employee_id", "bonus", "payout").rows() == [(1, 18_000, 18_300)]


# ───────────────────────────── the what-if prices the same rep-months ─────────────────────────────


def test_what_if_plan_a_equal_to_the_plan_in_force_reproduces_the_payout_engine():
    # The bonus case: comparing only the rep-months on annual_bonus, with plan A = annual_bonus, gives exactly
    # the engine's annual_bonus rows (rep 2's Q3–Q4, rep 3's Q1–Q2, reps 1 and 4 all year, bonuses included).
    o, q, base, asg = _bonus_case()
    engine = payouts(BOOKED, o, q, base, *FY, assignment=asg).filter(pl.col("plan_id") == "annual_bonus")
    r = simulate(BOOKED["annual_bonus"], BOOKED["quotapath_tiered"], o, q, base, *FY,
                 assignment=asg.with_columns(selected=pl.col("plan_id") == "annual_bonus"))
    assert r["totals"]["payout"][0] == pytest.approx(engine["payout"].sum())
    assert dict(r["reps"].select("employee_id", "payout_a").iter_rows()) == pytest.approx(
        dict(engine.group_by("employee_id").agg(pl.col("payout").sum()).iter_rows()))


# ───────────────────────────── property ─────────────────────────────

ORDER = st.tuples(st.integers(1, 3), st.integers(0, 364), st.integers(-5, 40).map(lambda k: k * 1_000), st.booleans())
MONTH_PLANS = st.lists(st.sampled_from([*SHIPPED, None]), min_size=12, max_size=12)


@given(st.lists(ORDER, max_size=30), st.lists(st.sampled_from([0, 10_000, 25_000]), min_size=3, max_size=3),
       st.lists(MONTH_PLANS, min_size=3, max_size=3), st.sampled_from([None, *SHIPPED]))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_year_pays_exactly_what_its_quarters_pay(rows, rep_quota, month_plans, single):
    # Random orders (returns included), monthly quotas and a random plan (or none) per rep and month; or one
    # plan for everybody. Half of every order is collected 20 days later (for the pay-on-collection plan).
    o = orders(*[(e, D(2025, 1, 1) + dt.timedelta(days=d), float(a), k) for e, d, a, k in rows])
    c = cash(*[(i, D(2025, 1, 21) + dt.timedelta(days=d), a / 2) for i, (_, d, a, _) in enumerate(rows, 1) if a > 0])
    q = quotas(*[r for e, amount in enumerate(rep_quota, 1) for r in monthly_quota(e, float(amount))])
    base = bases(e1=9_000, e2=12_000, e3=15_000)
    if single is not None:
        year, quarters = year_and_quarters(PLANS[single], o, q, base, collections=c)
    else:
        asg = pl.DataFrame([(e, D(2025, m, 1), p) for e, plans in enumerate(month_plans, 1)
                            for m, p in enumerate(plans, 1)], schema=["employee_id", "month", "plan_id"], orient="row")
        year, quarters = year_and_quarters(PLANS, o, q, base, asg, c)
    assert year == quarters


# ───────────────────────────── the report: compensation decides the plan ─────────────────────────────


@pytest.fixture
def comp_db(tmp_path):
    """The tiny company (tests/conftest.py) with compensation: A (1) on quarterly_step until 15 Feb 2024,
    quotapath_tiered from 16 Feb (February is under the plan in force on its last day); B (2) without a plan;
    D (4) on standard_2024."""
    comp = pl.DataFrame([(1, D(2024, 1, 1), D(2024, 2, 15), 10_000.0, "quarterly_step"),
                         (1, D(2024, 2, 16), None, 10_000.0, "quotapath_tiered"),
                         (2, D(2023, 6, 1), D(2024, 3, 31), 9_000.0, None),
                         (4, D(2022, 1, 1), None, 12_000.0, "standard_2024")],
                        schema={"employee_id": pl.Int64, "valid_from": pl.Date, "valid_to": pl.Date,
                                "base_monthly": pl.Float64, "commission_plan": pl.String}, orient="row")
    db = open_db(tmp_path / "comp.duckdb", tiny_frames() | {"compensation": comp}, as_of=D(2024, 6, 30))
    yield db
    db.close()


def test_report_pays_each_month_under_the_plan_in_force_and_lists_reps_without_one(comp_db: Database):
    # Q1 2024. A: January under quarterly_step: 50 (KA) on quota 30 → 167 % → 1.5 % × 50 = 0.75;
    #              Feb–Mar under quotapath_tiered: 30 on quota 70 → 43 % → half rate 1 % × 30 = 0.30.
    # B: no plan: 150 booked on quota 200, listed with 0.  D: standard_2024, quota 0 → lowest rate 1 % × 40 = 0.40.
    period = parse_period("2024-Q1")
    pay = incentives_report.payouts_in_scope(comp_db, full_access(), period, D(2024, 6, 30))
    assert pay.select("employee_id", "period_label", "status", "plan_id", "bookings", "quota", "payout").rows() == [
        (1, "2024-Q1 (2024-01)", ON_PLAN, "quarterly_step", 50, 30, 0.75),
        (1, "2024-Q1 (2024-02..2024-03)", ON_PLAN, "quotapath_tiered", 30, 70, 0.30),
        (2, "2024-Q1", NO_PLAN, None, 150, 200, 0),
        (4, "2024-Q1", ON_PLAN, "standard_2024", 40, 0, 0.40)]
    plans, _ = incentives_report.available_plans()
    rows = incentives_report.per_rep(pay, plans).sort("employee_id", "plan").select("employee_id", "plan", "payout")
    assert rows.rows() == [(1, "Quarterly step", 0.75), (1, "Tiered (QuotaPath style)", 0.30), (2, "No plan", 0),
                           (4, "Standard sales plan 2024", 0.40)]
    st_ = incentives_report.rep_statement(comp_db, full_access(), 1, period, D(2024, 6, 30))
    assert st_["totals"]["payout"] == pytest.approx(1.05) and st_["plan_id"] == "quotapath_tiered"
    none = incentives_report.rep_statement(comp_db, full_access(), 2, period, D(2024, 6, 30))
    assert (none["plan_id"], none["plan_name_en"], none["plan_name_zh"]) == (None, "No plan", "无提成方案")


def test_report_what_if_compares_the_rep_months_of_the_plan_chosen(comp_db: Database):
    # Reps compared = the rep-months on quarterly_step: A's January only; plan A = quarterly_step → 0.75, the
    # Payouts tab's figure for those rep-months. All reps: plan A = quarterly_step on every rep-month of Q1:
    # A 80 / 100 = 80 % → 0.80; B 150 / 200 → 1.50; D no quota → 0.40; while the Payouts tab pays 1.45.
    period, as_of = parse_period("2024-Q1"), D(2024, 6, 30)
    a = load_plan("quarterly_step")
    only = incentives_report.what_if(comp_db, full_access(), period, as_of, plan_to_dict(a), plan_to_dict(a), 0.0,
                                     "quarterly_step")
    assert only["totals"]["payout"][0] == pytest.approx(0.75) == only["current"]["payout"][0]
    every = incentives_report.what_if(comp_db, full_access(), period, as_of, plan_to_dict(a), plan_to_dict(a))
    assert every["totals"]["payout"][0] == pytest.approx(0.80 + 1.50 + 0.40)
    assert every["current"]["payout"][0] == pytest.approx(1.45) and every["current"]["n_reps"][0] == 3
