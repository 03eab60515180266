"""Capacity plan: hand-computed arithmetic, a brute-force month-by-month simulation on the demo, refusals,
saving and reopening scenarios."""
from __future__ import annotations

import datetime as dt
import time

import numpy as np
import polars as pl
import pytest

from analytics.core.access import full_access
from analytics.core.db import Database
from analytics.people import planning

RAMP = [0.25, 0.5, 0.75]


def test_one_exit_by_hand():
    # two mature reps, quota 100, attainment 1, monthly exit rate 0.5: one expected exit in month 1
    res = planning.plan_region(np.array([12, 12]), np.zeros(3), 100.0, 1.0, 0.5, 1, RAMP, hire=False)
    assert res["capacity"].tolist() == pytest.approx([100.0, 50.0, 25.0])
    assert res["expected_exits"].tolist() == pytest.approx([1.0, 0.5, 0.25])


def test_hires_by_hand():
    # no attrition; ramp 25/50/75% then 100%; a hire is productive (≥ 80%) from tenure month 4, so for month j
    # it starts in j − 3; lead 1 month → the earliest start is month 2. Months 2–4 cannot be closed (50 each);
    # month 5 needs ⌈50 ÷ 100⌉ = 1 hire starting in month 2, opened in month 1.
    target = np.array([200.0, 250, 250, 250, 250])
    res = planning.plan_region(np.array([12, 12]), target, 100.0, 1.0, 0.0, 1, RAMP)
    assert res["planned_starts"].tolist() == [0, 1, 0, 0, 0]
    assert res["unclosable_gap"].tolist() == pytest.approx([0, 50, 50, 50, 0])
    assert res["capacity"].tolist() == pytest.approx([200, 225, 250, 275, 300])
    assert res["reps_end"].tolist() == pytest.approx([2, 3, 3, 3, 3])


def _inputs(**kw) -> planning.PlanInputs:
    return planning.PlanInputs(
        as_of=dt.date(2025, 12, 31), regions=["east"],
        roster=pl.DataFrame({"employee_id": [1, 2], "region_id": ["east"] * 2, "tenure_month": [12, 12],
                             "mentored": [False, False]}),
        params=pl.DataFrame({"region_id": ["east"], "quota_per_rep": [100.0], "expected_attainment": [1.0],
                             "monthly_exit_rate": [0.0], "ttf_days": [30.0], "ttf_months": [1], "lead_days": [30.0],
                             "lead_months": [1], "reps": [2]}),
        ramp={"measured": RAMP, "mentored": [0.5, 1.0]}, **kw)


def test_run_scenario_schedule_and_refusals(tmp_path):
    inputs = _inputs()
    months = planning.plan_months(inputs, 5)
    target = pl.DataFrame({"region_id": ["east"] * 5, "month": months, "target": [200.0, 250, 250, 250, 250]})
    res = planning.run_scenario(inputs, target, planning.Scenario("s", horizon=5))
    assert res["schedule"].select("start_month", "hires", "open_by").to_dicts() == [
        {"start_month": dt.date(2026, 2, 1), "hires": 1, "open_by": dt.date(2026, 1, 1)}]
    bad = target.with_columns(target=pl.lit(-5.0))
    with pytest.raises(planning.PlanError, match="must be numbers ≥ 0"):
        planning.run_scenario(inputs, bad, planning.Scenario("neg", horizon=5))
    with pytest.raises(planning.PlanError, match="unknown region"):
        planning.run_scenario(inputs, target.with_columns(region_id=pl.lit("mars")), planning.Scenario("x", 5))
    with pytest.raises(planning.PlanError, match="unknown region 'mars'"):
        planning.run_scenario(inputs, target, planning.Scenario(
            "y", 5, openings=[{"region_id": "mars", "month": "2026-03", "reps": 3}]))
    # an opening of 4 reps in March adds 4 × 25 in March
    opened = planning.run_scenario(inputs, target, planning.Scenario(
        "open", 5, openings=[{"region_id": "east", "month": "2026-03", "reps": 4}], hire_to_close_gap=False))
    assert opened["monthly"]["capacity"].to_list() == pytest.approx([200, 200, 300, 400, 500])
    # saved and reopened (targets stored with it)
    scen = planning.Scenario("target plus 10", 5, target_factor=1.1, targets=target.to_dicts())
    planning.save_scenario(scen, tmp_path)
    assert planning.list_scenarios(tmp_path) == ["target plus 10"]
    back = planning.load_scenario("target plus 10", tmp_path)
    assert back == scen
    assert planning.run_scenario(inputs, None, back)["monthly"]["target"].to_list() == pytest.approx(
        [220.0, 275, 275, 275, 275])
    with pytest.raises(planning.PlanError, match="no saved scenario"):
        planning.load_scenario("nope", tmp_path)


def _brute_force(inputs: planning.PlanInputs, res: dict, scenario: planning.Scenario) -> pl.DataFrame:
    """Every rep simulated one by one, month by month."""
    rows = []
    params = {r["region_id"]: r for r in inputs.params.iter_rows(named=True)}
    ramp = inputs.ramp[scenario.ramp]
    months = planning.plan_months(inputs, scenario.horizon)
    for region in res["monthly"]["region_id"].unique().to_list():
        p = params[region]
        a = planning._adjusted_rate(p["monthly_exit_rate"], scenario.attrition_delta_points)
        reps = [[t, 1.0] for t in inputs.roster.filter(pl.col("region_id") == region)["tenure_month"].to_list()]
        starts = res["schedule"].filter(pl.col("region_id") == region)
        for m in months:
            for rep in reps:
                rep[0] += 1
                rep[1] *= 1 - a
            for n in starts.filter(pl.col("start_month") == m)["hires"].to_list():
                reps.extend([[1, 1.0] for _ in range(n)])
            cap = sum(p["quota_per_rep"] * p["expected_attainment"] * (ramp[t - 1] if t <= len(ramp) else 1.0) * w
                      for t, w in reps)
            rows.append({"region_id": region, "month": m, "sim_capacity": cap, "sim_reps": sum(w for _, w in reps)})
    return pl.DataFrame(rows)


@pytest.mark.parametrize("scenario", [planning.Scenario("baseline", 12),
                                      planning.Scenario("lower attrition", 12, attrition_delta_points=-5),
                                      planning.Scenario("mentored", 18, ramp="mentored", target_factor=1.1)])
def test_capacity_matches_brute_force_on_demo(demo_db_path, scenario):
    db = Database(demo_db_path, read_only=True)
    try:
        inputs = planning.measure(db, full_access(), dt.date(2025, 12, 31))
    finally:
        db.close()
    target = planning.default_target(inputs, 0.1, scenario.horizon)
    res = planning.run_scenario(inputs, target, scenario)
    assert res["schedule"]["hires"].sum() > 0
    sim = _brute_force(inputs, res, scenario)
    both = res["monthly"].join(sim, on=["region_id", "month"])
    assert both.height == res["monthly"].height
    assert both["capacity"].to_numpy() == pytest.approx(both["sim_capacity"].to_numpy(), rel=1e-9)
    assert both["reps_end"].to_numpy() == pytest.approx(both["sim_reps"].to_numpy(), rel=1e-9)


def test_scenarios_side_by_side_on_demo(demo_db_path):
    db = Database(demo_db_path, read_only=True)
    try:
        inputs = planning.measure(db, full_access(), dt.date(2025, 12, 31))
    finally:
        db.close()
    target = planning.default_target(inputs, 0.1)
    t0 = time.perf_counter()
    res = planning.compare(inputs, target, planning.standard_scenarios(inputs, 12, "northwest"))
    print(f"5 scenarios recomputed in {time.perf_counter() - t0:.3f} s")  # measured, not asserted
    s = {r["scenario"]: r for r in res["summary"].iter_rows(named=True)}
    assert s["attrition -5 pts"]["expected_exits"] < s["baseline"]["expected_exits"]
    assert s["attrition -5 pts"]["hires"] <= s["baseline"]["hires"]
    assert s["target +10%"]["target"] == pytest.approx(1.1 * s["baseline"]["target"])
    assert s["target +10%"]["hires"] > s["baseline"]["hires"]
    assert set(res["chart"].columns if "chart" in res else res["monthly"].columns) >= {"target", "capacity", "gap"}
    assert 0 < inputs.ramp["measured"][0] < inputs.ramp["measured"][5] <= 1


def test_months_short_counts_plan_months_not_region_months():
    # two regions, one mature rep each (capacity 100 a month, no attrition, no hiring); horizon 4.
    # east is short in months 1–3 (target 150), west in months 2–4: 3 + 3 = 6 region-months, but the
    # months in which some region is short are 1, 2, 3, 4 → 4, never more than the horizon.
    inputs = planning.PlanInputs(
        as_of=dt.date(2025, 12, 31), regions=["east", "west"],
        roster=pl.DataFrame({"employee_id": [1, 2], "region_id": ["east", "west"], "tenure_month": [12, 12],
                             "mentored": [False, False]}),
        params=pl.DataFrame({"region_id": ["east", "west"], "quota_per_rep": [100.0] * 2,
                             "expected_attainment": [1.0] * 2, "monthly_exit_rate": [0.0] * 2,
                             "ttf_days": [30.0] * 2, "ttf_months": [1] * 2, "lead_days": [30.0] * 2,
                             "lead_months": [1] * 2, "reps": [1, 1]}),
        ramp={"measured": RAMP})
    months = planning.plan_months(inputs, 4)
    target = pl.DataFrame({"region_id": ["east"] * 4 + ["west"] * 4, "month": months * 2,
                           "target": [150.0, 150, 150, 100, 100, 150, 150, 150]})
    summary = planning.compare(inputs, target, [planning.Scenario("s", 4, hire_to_close_gap=False)])["summary"]
    row = summary.row(0, named=True)
    assert row["months_short"] == 4
    assert row["shortfall"] == pytest.approx(6 * 50.0)
    # a month where only the total is covered still counts: west's surplus does not staff east
    surplus = target.with_columns(target=pl.when(pl.col("region_id") == "west").then(0.0)
                                  .otherwise(pl.col("target")))
    row = planning.compare(inputs, surplus, [planning.Scenario("s", 4, hire_to_close_gap=False)])["summary"].row(
        0, named=True)
    assert row["months_short"] == 3
