"""The Joint plan page under AppTest: for the HR head and a sales director, in both languages, its cards are the
joint what-if's numbers for the viewer (the incentive engine's payout), the expected leavers are drawn with their
interval as error bars and the interval is in the table, the assumptions are printed, and nothing is raw; a raise
in the commission rates moves the payout card to the engine's figure for the raised plans."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from analytics.core.auth import viewer_for
from analytics.core.db import Database
from analytics.core.i18n import fmt_number, t
from analytics.core.periods import parse_period
from analytics.metrics.engine import as_of_date
from analytics.sales import joint_whatif as jw
from analytics.sales import joint_whatif_report as report
from tests.app.conftest import open_signed_in
from tests.app.test_raw_text import problems, visible

PAGE = "joint_plan.py"


def _expected(db_path: Path, user: str, label: str, scenario: jw.Scenario) -> dict:
    db = Database(db_path)
    try:
        as_of = as_of_date(db)
        out = report.compare(db, viewer_for(db, user), parse_period(label).to_date(as_of), as_of, scenario.to_json())
    finally:
        db.close()
    return {r["measure"]: r for r in out["summary"].iter_rows(named=True)}


def _period(at) -> str:
    return at.selectbox(key="period_quarter").value


@pytest.mark.parametrize("user", ["demo.hr", "demo.director.east"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_page_shows_the_joint_what_if_for_the_viewer(app_db: Path, user: str, lang: str):
    at = open_signed_in(PAGE, user, lang)
    assert at.title[0].value == t("joint.title", lang)
    assert not problems(visible(at, PAGE, lang), lang, str(app_db))
    rows = _expected(app_db, user, _period(at), jw.Scenario())
    assert at.metric[0].value == fmt_number(rows["payout"]["scenario"], "currency", lang)
    assert at.metric[2].value == fmt_number(rows["expected_leavers"]["scenario"], "count", lang)
    # the expected leavers with their interval: error bars on the chart, the interval's column in the table
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    bars = [d for s in specs for d in s["data"] if d.get("error_y")]
    assert bars and len(bars[0]["error_y"]["array"]) == 2
    headers = [c for df in at.dataframe for c in df.value.columns]
    assert t("joint.col.interval", lang) in headers
    text = " ".join(m.value for m in at.markdown)
    assert t("joint.assumptions", lang) in " ".join(h.value for h in at.subheader)
    assert "ROC AUC" in text


def test_a_raise_in_the_rates_moves_the_payout_card_to_the_engines_figure(app_db: Path):
    at = open_signed_in(PAGE, "demo.hr", "en")
    before = at.metric[0].value
    at.number_input(key="joint_rate").set_value(20).run()
    assert not at.exception and not at.error
    rows = _expected(app_db, "demo.hr", _period(at), jw.Scenario(plan=jw.PlanChange(rate_factor=1.2)))
    assert at.metric[0].value == fmt_number(rows["payout"]["scenario"], "currency", "en") != before
    assert rows["payout"]["change"] > 0
    lo, hi = rows["expected_leavers"]["change_lo"], rows["expected_leavers"]["change_hi"]
    assert lo <= rows["expected_leavers"]["change"] <= hi


def test_hires_from_the_capacity_plan_are_priced_as_the_hiring_page_plans_them(app_db: Path):
    at = open_signed_in(PAGE, "demo.hr", "en")
    at.selectbox(key="joint_from_plan").set_value("target +10%").run()
    assert not at.exception and not at.error
    db = Database(app_db)
    try:
        period = _period(at)
        quarter = parse_period(period)
        span = (quarter.end.year - quarter.start.year) * 12 + quarter.end.month - quarter.start.month + 1
        viewer = viewer_for(db, "demo.hr")
        hires = report.capacity_hires(db, viewer, as_of_date(db), "target +10%", months=span)
        year = report.capacity_hires(db, viewer, as_of_date(db), "target +10%")
    finally:
        db.close()
    assert span == 3 and 0 < sum(hires.values()) < sum(year.values())  # a quarter's hiring, not the plan's year
    rows = _expected(app_db, "demo.hr", period, jw.Scenario(hires=hires))
    assert rows["payout_headcount"]["scenario"] > 0
    assert at.metric[0].value == fmt_number(rows["payout"]["scenario"], "currency", "en")
    assert at.metric[2].value == fmt_number(rows["expected_leavers"]["scenario"], "count", "en")


def test_entered_quotas_by_region_and_team_and_exits_reach_the_scenario(app_db: Path):
    at = open_signed_in(PAGE, "demo.hr", "en")
    at.number_input(key="joint_q_east").set_value(10).run()
    at.number_input(key="joint_x_west").set_value(2).run()
    at.selectbox(key="joint_team").set_value("east-01").run()
    at.number_input(key="joint_team_q").set_value(20).run()
    assert not at.exception and not at.error
    scenario = jw.Scenario(quota_by_unit={"east": 0.1, "east-01": 0.2}, exits={"west": 2})
    rows = _expected(app_db, "demo.hr", _period(at), scenario)
    assert rows["payout_headcount"]["scenario"] < 0  # two exits: two average reps of the West fewer
    assert at.metric[0].value == fmt_number(rows["payout"]["scenario"], "currency", "en")
    assert at.metric[2].value == fmt_number(rows["expected_leavers"]["scenario"], "count", "en")


def test_an_invalid_plan_is_named_not_raised(app_db: Path):
    at = open_signed_in(PAGE, "demo.hr", "en")
    at.selectbox(key="joint_plan").set_value("quotapath_tiered").run()
    at.number_input(key="joint_tier").set_value(-50.0).run()  # its 50% tier falls onto the 0% one: refused
    assert not at.exception
    assert at.error[0].value.startswith("The plan as changed cannot be used")
    assert "not above the previous tier" in at.error[0].value and not at.metric


def test_a_saved_scenario_opens_again(app_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TANDEM_JOINT_PLANS_DIR", str(tmp_path))
    at = open_signed_in(PAGE, "demo.hr", "en")
    at.number_input(key="joint_quota").set_value(10).run()
    at.text_input(key="joint_name").input("quota up")
    next(b for b in at.button if b.label == t("joint.save", "en")).click().run()
    assert not at.exception and at.success[0].value == t("joint.saved", "en", name="quota up")
    assert (tmp_path / "quota_up.json").exists()
    saved = report.saved_scenarios(tmp_path)
    assert saved and jw.Scenario.from_json(saved["quota up"]).quota_change == pytest.approx(0.1)
    again = open_signed_in(PAGE, "demo.hr", "en")
    again.selectbox(key="joint_load").set_value("quota up").run()
    assert again.number_input(key="joint_quota").value == 10
