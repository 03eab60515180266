"""The joint what-if on a tiny hand-checkable company: its payout is the incentive engine's for the same plan, a
quota increase moves reps to lower bands, pay moves pay against peers by the stated factor, and the attrition
response follows the model's dependence on pay against peers with an interval around it."""
from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from analytics.people import pay_response, risk
from analytics.sales import incentives
from analytics.sales import joint_whatif as jw

D = dt.date
START, END = D(2025, 1, 1), D(2025, 3, 31)
FLAT = incentives.plan_from_dict({"id": "flat", "name_en": "Flat", "name_zh": "固定", "measurement_period": "quarter",
                                  "rates": {"base_pct": 2.0}})


def _tiny() -> dict:
    """Two reps in Q1 2025 on a flat 2% plan, quota 100,000 a month each: rep 1 books 330,000 (110%), rep 2
    240,000 (80%); base pay 10,000 and 8,000 a month."""
    orders = pl.DataFrame({"order_id": [1, 2, 3, 4], "employee_id": [1, 1, 2, 2],
                           "order_date": [D(2025, 1, 10), D(2025, 3, 5), D(2025, 2, 1), D(2025, 3, 20)],
                           "amount": [200_000.0, 130_000.0, 140_000.0, 100_000.0], "is_ka": [False] * 4})
    months = [D(2025, m, 1) for m in (1, 2, 3)]
    quotas = pl.DataFrame({"employee_id": [1, 1, 1, 2, 2, 2], "month": months * 2, "amount": [100_000.0] * 6})
    base = pl.DataFrame({"employee_id": [1, 2], "base_monthly": [10_000.0, 8_000.0]})
    assignment = pl.DataFrame({"employee_id": [1, 1, 1, 2, 2, 2], "month": months * 2, "plan_id": ["flat"] * 6})
    panel = incentives.rep_month_panel(FLAT, orders, START, END)
    reps = pl.DataFrame({"employee_id": [1, 2], "name": ["A", "B"], "region_id": ["east", "west"],
                         "team_id": ["east-01", "west-01"], "base_monthly": [10_000.0, 8_000.0]})
    return {"plans": {"flat": FLAT}, "assignment": assignment, "credit_panels": {("bookings",): panel},
            "bookings": panel, "quotas": quotas, "base": base, "start": START, "end": END, "reps": reps,
            "orders": orders}


def _summary(out: dict) -> dict[str, dict]:
    return {r["measure"]: r for r in out["summary"].iter_rows(named=True)}


def test_payout_is_the_engines_for_the_same_plan_and_hand_checked():
    tiny = _tiny()
    change = jw.PlanChange(rate_factor=1.5)  # 2% → 3%
    out = jw.compare(tiny, jw.Scenario(plan=change), {}, None, None, None, months=3)
    s = _summary(out)
    assert s["payout"]["baseline"] == pytest.approx(0.02 * 330_000 + 0.02 * 240_000)  # 11,400
    assert s["payout"]["scenario"] == pytest.approx(0.03 * 330_000 + 0.03 * 240_000)  # 17,100
    engine = incentives.payouts(jw.changed_plan(FLAT, change), tiny["orders"], tiny["quotas"], tiny["base"], START, END)
    assert s["payout_engine"]["scenario"] == pytest.approx(float(engine["payout"].sum()), abs=0.005)
    per_rep = dict(zip(out["reps"]["employee_id"], out["reps"]["payout_scenario"], strict=True))
    assert per_rep == {e: pytest.approx(p) for e, p in engine.select("employee_id", "payout").iter_rows()}
    assert s["cost_of_sales"]["scenario"] == pytest.approx(0.03)


def test_a_changed_plan_is_validated_like_a_plan_file():
    tiered = incentives.plan_from_dict({"id": "t", "name_en": "T", "name_zh": "阶梯", "measurement_period": "quarter",
                                        "rates": {"base_pct": 2.0, "ka_uplift_pp": 0.5},
                                        "tiers": {"mode": "retroactive",
                                                  "levels": [{"from_pct": 100, "rate_pct": 3.0}]},
                                        "cap": {"amount": 50_000}})
    moved = jw.changed_plan(tiered, jw.PlanChange(rate_factor=2.0, tier_shift_pp=10, ka_uplift_pp=1.0, cap_factor=0.5))
    assert (moved.base_rate_pct, moved.tiers[0].rate_pct, moved.tiers[0].from_pct) == (4.0, 6.0, 110.0)
    assert (moved.ka_uplift_pp, moved.cap.amount) == (1.0, 25_000)
    assert jw.changed_plan(tiered, jw.PlanChange(remove_cap=True)).cap is None
    with pytest.raises(incentives.PlanError, match="rate"):  # 2% × 60 = 120%: refused as a plan file would be
        jw.changed_plan(tiered, jw.PlanChange(rate_factor=60))


def test_a_quota_increase_moves_reps_to_lower_bands():
    tiny = _tiny()
    out = jw.compare(tiny, jw.Scenario(quota_change=0.2), {}, None, None, None, months=3)
    reps = out["reps"].sort("employee_id")
    # rep 1: 330,000 ÷ 300,000 = 110% → ÷ 360,000 = 91.7%; rep 2: 80% → 66.7%
    assert reps["attainment_baseline"].to_list() == pytest.approx([1.1, 0.8])
    assert reps["attainment_scenario"].to_list() == pytest.approx([330 / 360, 240 / 360])
    assert reps["band_baseline"].to_list() == ["100-120%", "80-100%"]
    assert reps["band_scenario"].to_list() == ["80-100%", "50-80%"]
    bands = dict(zip(out["bands"]["band"], out["bands"]["change"], strict=True))
    assert bands == {"<50%": 0, "50-80%": 1, "80-100%": 0, "100-120%": -1, ">=120%": 0, jw.NO_QUOTA: 0}


def test_a_regions_quota_change_replaces_the_companys():
    tiny = _tiny()
    out = jw.compare(tiny, jw.Scenario(quota_change=0.2, quota_by_unit={"west": 0.0}), {}, None, None, None, months=3)
    reps = out["reps"].sort("employee_id")
    assert reps["attainment_scenario"].to_list() == pytest.approx([330 / 360, 0.8])


def test_pay_factor_is_base_plus_payout_over_the_period():
    out = jw.compare(_tiny(), jw.Scenario(plan=jw.PlanChange(rate_factor=1.5)), {}, None, None, None, months=3)
    factor = dict(zip(out["reps"]["employee_id"], out["reps"]["factor"], strict=True))
    assert factor[1] == pytest.approx((30_000 + 9_900) / (30_000 + 6_600))
    assert factor[2] == pytest.approx((24_000 + 7_200) / (24_000 + 4_800))


class _FallsWithPay:
    """A stand-in model: the probability of leaving falls as pay against peers rises (p = 0.3 − 0.2 × bvp)."""

    def predict_proba(self, x):
        p = np.clip(0.3 - 0.2 * np.asarray(x["base_vs_peers"], dtype=float), 0.01, 0.99)
        return np.column_stack([1 - p, p])


def _rows(n: int = 40) -> pl.DataFrame:
    rng = np.random.default_rng(1)
    data = {f: np.zeros(n) for f in risk.NUMERIC}
    data["base_vs_peers"] = rng.uniform(0.8, 1.2, n)
    return pl.DataFrame({"employee_id": np.arange(1, n + 1), **data, "hire_source": ["referral"] * n,
                         "role_id": ["rep"] * n})


def test_a_raise_lowers_expected_leavers_when_the_model_says_so_with_an_interval_around_it():
    rows = _rows()
    factor = pl.DataFrame({"employee_id": rows["employee_id"], "factor": [1.1] * rows.height})
    out = pay_response.response(_FallsWithPay(), rows, factor, rows["employee_id"], "fixed")
    bvp = rows["base_vs_peers"].to_numpy()
    assert out["leavers"]["baseline"] == pytest.approx(float((0.3 - 0.2 * bvp).sum()))
    assert out["leavers"]["scenario"] == pytest.approx(float((0.3 - 0.2 * bvp * 1.1).sum()))
    change = out["leavers"]["scenario"] - out["leavers"]["baseline"]
    assert change < 0
    lo, hi = out["leavers"]["interval"]["change"]
    assert lo <= change <= hi < 0  # every resample of these people agrees on the direction
    for key in ("baseline", "scenario"):
        lo, hi = out["leavers"]["interval"][key]
        assert lo <= out["leavers"][key] <= hi


def test_recomputed_peers_cancel_a_raise_for_everyone():
    rows = _rows()
    factor = pl.DataFrame({"employee_id": rows["employee_id"], "factor": [1.1] * rows.height})
    moved = pay_response.moved_features(rows, factor, "recomputed")
    # everyone × 1.1 and the role's median × 1.1: pay against peers is today's ÷ today's median
    expected = rows["base_vs_peers"] / rows["base_vs_peers"].median()
    assert moved["base_vs_peers"].to_list() == pytest.approx(expected.to_list())


def test_a_scenario_round_trips_through_json():
    sc = jw.Scenario(name="next year", plan=jw.PlanChange(plan_id="standard_2024", rate_factor=1.1, ka_uplift_pp=0.5),
                     quota_change=0.05, quota_by_unit={"east": 0.1}, hires={"east": 3}, exits={"west": 1},
                     peer_reference="recomputed")
    assert jw.Scenario.from_json(sc.to_json()) == sc
    with pytest.raises(ValueError):
        jw.Scenario(peer_reference="market")
