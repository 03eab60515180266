"""The joint what-if on the small demo company (seed 7, FY2025): its payout is the incentive engine's for the same
plans — from the orders themselves, rep by rep — the attrition response follows the fitted model's own dependence
on pay against peers, with an interval around it, and a quota increase never moves a rep to a higher band."""
from __future__ import annotations

import polars as pl
import pytest

from analytics.core.access import full_access
from analytics.core.auth import viewer_for
from analytics.core.db import Database
from analytics.core.periods import parse_period
from analytics.metrics.engine import as_of_date
from analytics.people import pay_response, risk, risk_report
from analytics.sales import incentives, incentives_report
from analytics.sales import joint_whatif as jw
from analytics.sales import joint_whatif_report as report

PERIOD = parse_period("FY2025")
N_BOOT = 400  # the page draws 1,000; fewer keep the test quick and the check the same


@pytest.fixture(scope="module")
def demo(demo_db_path):
    db = Database(demo_db_path, read_only=True)
    yield db, as_of_date(db)
    db.close()


def _run(db, as_of, scenario: jw.Scenario, viewer=None) -> dict:
    return report.compare(db, viewer or full_access(), PERIOD, as_of, scenario.to_json(), n_boot=N_BOOT)


def _row(out: dict, measure: str) -> dict:
    return out["summary"].filter(pl.col("measure") == measure).row(0, named=True)


def test_today_is_the_incentives_pages_payout_and_nothing_changes(demo):
    db, as_of = demo
    out = _run(db, as_of, jw.Scenario())
    pay = incentives_report.payouts_in_scope(db, full_access(), PERIOD, as_of)
    payout = _row(out, "payout")
    assert payout["baseline"] == pytest.approx(float(pay["payout"].sum()), abs=0.005)
    assert payout["scenario"] == pytest.approx(payout["baseline"], abs=0.005)
    for measure in ("expected_leavers", "revenue_at_risk"):
        row = _row(out, measure)
        assert row["change"] == pytest.approx(0.0, abs=1e-9)
        assert (row["change_lo"], row["change_hi"]) == pytest.approx((0.0, 0.0), abs=1e-9)


def test_a_raise_is_priced_by_the_engine_from_the_orders(demo):
    db, as_of = demo
    change = jw.PlanChange(rate_factor=1.2, ka_uplift_pp=1.0)
    out = _run(db, as_of, jw.Scenario(plan=change))
    # the engine on the raw orders (not the page's panels), under the changed plans in force
    data = incentives_report.inputs(db, full_access(), PERIOD, as_of)
    plans = {k: jw.changed_plan(p, change) for k, p in data["plans"].items()}
    engine = incentives.payouts(plans, data["orders"], data["quotas"], data["base"], data["start"], data["end"],
                                data["collections"], assignment=data["assignment"])
    assert _row(out, "payout")["scenario"] == pytest.approx(float(engine["payout"].sum()), abs=0.01)
    per_rep = engine.group_by("employee_id").agg(pl.col("payout").sum())
    joined = out["reps"].join(per_rep, on="employee_id", how="full", coalesce=True)
    assert joined.height == out["reps"].height
    assert (joined["payout_scenario"] - joined["payout"]).abs().max() < 0.005
    assert _row(out, "payout")["change"] > 0 and _row(out, "cost_of_sales")["change"] > 0


def test_one_plan_for_everyone_is_the_engines_for_that_plan(demo):
    db, as_of = demo
    out = _run(db, as_of, jw.Scenario(plan=jw.PlanChange(plan_id="quotapath_tiered")))
    data = incentives_report.inputs(db, full_access(), PERIOD, as_of)
    moved = data["assignment"].with_columns(plan_id=pl.when(pl.col("plan_id").is_not_null())
                                            .then(pl.lit("quotapath_tiered")))
    engine = incentives.payouts({"quotapath_tiered": incentives.load_plan("quotapath_tiered")}, data["orders"],
                                data["quotas"], data["base"], data["start"], data["end"], data["collections"],
                                assignment=moved)
    assert _row(out, "payout")["scenario"] == pytest.approx(float(engine["payout"].sum()), abs=0.01)


@pytest.mark.parametrize("rate_factor", [1.25, 0.75])
def test_the_attrition_response_follows_the_models_dependence_on_pay_against_peers(demo, rate_factor):
    db, as_of = demo
    out = _run(db, as_of, jw.Scenario(plan=jw.PlanChange(rate_factor=rate_factor)))
    reps = out["reps"].filter(pl.col("p_baseline").is_not_null())
    # the fitted model's individual partial dependence on base_vs_peers, computed here on its own: each scored
    # rep's probability with pay against peers at today's value and at the scenario's, all else held
    fitted = risk_report.fitted_model(db, as_of)
    rows = report.model_rows(db, fitted).join(reps.select("employee_id", "factor"), on="employee_id")
    today = fitted.model.predict_proba(risk._x(rows))[:, 1]
    moved = rows.with_columns(base_vs_peers=pl.col("base_vs_peers") * pl.col("factor"))
    scenario = fitted.model.predict_proba(risk._x(moved))[:, 1]
    pd_change = float(scenario.sum() - today.sum())
    leavers = _row(out, "expected_leavers")
    moved_up = reps["factor"] > 1 if rate_factor > 1 else reps["factor"] < 1
    assert moved_up.sum() > 0.8 * reps.height and (reps["factor"] == 1).sum() == reps.height - moved_up.sum()
    assert leavers["change"] == pytest.approx(pd_change, abs=1e-9)
    assert abs(pd_change) > 1e-6 and (leavers["change"] > 0) == (pd_change > 0)  # the model's direction
    assert leavers["change_lo"] <= leavers["change"] <= leavers["change_hi"]
    for key in ("baseline", "scenario"):
        lo, hi = out["intervals"]["leavers"][key]
        assert lo <= leavers[key] <= hi
    revenue = _row(out, "revenue_at_risk")
    assert revenue["change_lo"] <= revenue["change"] <= revenue["change_hi"]
    assert (revenue["change"] > 0) == (leavers["change"] > 0) or abs(revenue["change"]) < 1.0


def test_todays_probabilities_are_the_stored_models(demo):
    db, as_of = demo
    fitted = risk_report.fitted_model(db, as_of)
    rows = report.model_rows(db, fitted)
    mean = pay_response.members(fitted.model, risk._x(rows)).mean(axis=0)
    stored = rows.select("employee_id").with_columns(p=pl.Series(mean)).join(
        fitted.people.select("employee_id", "probability"), on="employee_id")
    assert stored.height == rows.height
    assert (stored["p"] - stored["probability"]).abs().max() < 1e-12


def test_a_quota_increase_never_moves_a_rep_up(demo):
    db, as_of = demo
    out = _run(db, as_of, jw.Scenario(quota_change=0.15))
    order = {b: i for i, b in enumerate(jw.BANDS)}
    reps = out["reps"].filter(pl.col("band_baseline") != jw.NO_QUOTA)
    moves = [order[s] - order[b] for b, s in zip(reps["band_baseline"], reps["band_scenario"], strict=True)]
    assert max(moves) == 0 and min(moves) < 0
    bands = out["bands"]
    assert bands["baseline"].sum() == bands["scenario"].sum() == out["reps"].height
    top = bands.filter(pl.col("band") == ">=120%")
    assert top["scenario"][0] < top["baseline"][0]


def test_a_sales_director_gets_their_own_reports_only(demo):
    db, as_of = demo
    director = viewer_for(db, "demo.director.east")
    out = _run(db, as_of, jw.Scenario(), director)
    pay = incentives_report.payouts_in_scope(db, director, PERIOD, as_of)
    assert set(out["reps"]["employee_id"]) == set(pay["employee_id"])
    assert _row(out, "payout")["baseline"] == pytest.approx(float(pay["payout"].sum()), abs=0.005)


def test_headcount_adds_average_reps_of_the_region(demo):
    db, as_of = demo
    out = _run(db, as_of, jw.Scenario(hires={"east": 4}, exits={"west": 1}))
    reps = out["reps"]
    east = reps.filter(pl.col("region_id") == "east")
    west = reps.filter(pl.col("region_id") == "west")
    expected = 4 * float(east["payout_scenario"].mean()) - float(west["payout_scenario"].mean())
    assert _row(out, "payout_headcount")["scenario"] == pytest.approx(expected)
    assert _row(out, "payout")["change"] == pytest.approx(expected)
