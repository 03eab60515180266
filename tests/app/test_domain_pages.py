"""AppTest for the HR and sales pages: each renders and an interaction changes a value we check."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from analytics.core.access import full_access
from analytics.core.db import Database
from analytics.core.i18n import fmt_number
from analytics.core.periods import parse_period
from analytics.metrics.engine import as_of_date
from analytics.people import attrition_report, risk_report
from analytics.sales import incentives_report, scorecard
from tests.app.conftest import sign_in
from tests.app.test_pages import APP, TIMEOUT


def open_page(page: str, user: str = "demo.hr") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at, user)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def period_of(at: AppTest):
    return parse_period(at.selectbox(key="period_quarter").value)


def test_attrition_breakdown_by_channel_adds_up(app_db: Path):
    at = open_page("pages/attrition.py")
    assert at.title[0].value == "Attrition & retention"
    at.selectbox(key="attr_by").set_value("hire_source").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert "Referral" in set(table["Group"])
    db = Database(app_db)
    as_of = as_of_date(db)
    expected = attrition_report.breakdown(db, full_access(), period_of(at), as_of, "hire_source", "en")
    exits = table["Exits"].str.replace(",", "").astype(int).sum()  # shown formatted: "1,234"
    assert exits == expected["exits"].sum()
    assert int(exits) == int(attrition_report.headline(db, full_access(), period_of(at), as_of)["exits"].value)


def test_risk_page_shows_the_backtest_and_reacts_to_the_horizon(app_db: Path):
    at = open_page("pages/risk.py")
    db = Database(app_db)
    as_of = as_of_date(db)
    six = risk_report.evaluation(db, full_access(), as_of, 6)
    assert at.metric[0].value == fmt_number(six.scores["model"]["roc_auc"], "score")
    at.selectbox(key="risk_horizon").set_value(3).run()
    assert not at.exception
    three = risk_report.evaluation(db, full_access(), as_of, 3)
    assert at.metric[0].value == fmt_number(three.scores["model"]["roc_auc"], "score")


def test_quota_page_cards_and_ramp_split(app_db: Path):
    at = open_page("pages/quota.py")
    assert at.title[0].value == "Quota & performance"
    db = Database(app_db)
    as_of = as_of_date(db)
    from analytics.metrics.engine import compute

    att = compute(db, full_access(), "attainment", period_of(at).to_date(as_of), as_of=as_of)["value"][0]
    assert at.metric[1].value == fmt_number(att, "ratio")
    at.radio(key="quota_ramp_split").set_value("mentored").run()
    assert not at.exception
    ramp = next(d.value for d in at.dataframe if "Reached 80% for good" in d.value.columns)
    assert set(ramp["Group"]) == {"Mentored", "No mentor"}


def test_quota_page_team_by_quarter_table(app_db: Path):
    at = open_page("pages/quota.py")
    db = Database(app_db)
    as_of = as_of_date(db)
    from analytics.sales.quota_report import team_quarters

    want = team_quarters(db, full_access(), as_of, "en")
    shown = next(d.value for d in at.dataframe if "Quarters under 100%" in d.value.columns)
    quarters = want.columns[2:-1]
    assert list(shown.columns) == ["Team", *quarters, "Quarters under 100%"] and len(quarters) == 8
    assert len(shown) == min(want.height, 1000) > 0
    first = want.row(0, named=True)
    assert shown.iloc[0]["Team"] == first["label"]
    assert shown.iloc[0][quarters[-1]] == fmt_number(first[quarters[-1]], "ratio")
    assert shown.iloc[0]["Quarters under 100%"] == fmt_number(first["under"], "count")


def test_scorecard_stage_filter_counts(app_db: Path):
    at = open_page("pages/scorecard.py")
    db = Database(app_db)
    card = scorecard.scorecard(db, full_access(), period_of(at), as_of_date(db))
    assert at.metric[0].value == f"{card.height:,}"
    at.segmented_control(key="scorecard_stage").set_value("new_rep").run()
    assert not at.exception
    assert at.metric[0].value == f"{card.filter(pl.col('stage') == 'new_rep').height:,}"


def test_incentives_totals_and_simulator_shift(app_db: Path):
    at = open_page("pages/incentives.py")
    db = Database(app_db)
    as_of = as_of_date(db)
    pay = incentives_report.payouts_in_scope(db, full_access(), period_of(at), as_of)
    assert at.metric[0].value == fmt_number(pay["payout"].sum(), "currency")
    at.slider(key="sim_shift").set_value(20).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "+20%" in text


@pytest.mark.parametrize("page", ["pages/attrition.py", "pages/risk.py", "pages/quota.py", "pages/scorecard.py",
                                  "pages/incentives.py", "pages/glossary.py", "pages/overview.py", "pages/admin.py",
                                  "pages/hiring.py", "pages/goals.py", "pages/review_monthly.py",
                                  "pages/review_quarterly.py", "pages/data.py", "pages/talent.py",
                                  "pages/key_accounts.py", "pages/training.py"])
def test_every_page_renders_in_chinese(app_db: Path, page: str):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at, "demo.admin" if page == "pages/admin.py" else "demo.hr")
    at.session_state["lang"] = "zh"
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert any("\u4e00" <= ch <= "\u9fff" for ch in at.title[0].value)


def test_a_broken_plan_file_is_named_and_the_page_keeps_working(app_db: Path, tmp_path: Path, monkeypatch):
    import shutil

    from analytics.sales import incentives
    plans = tmp_path / "plans"
    shutil.copytree(incentives.PLANS_DIR, plans)
    (plans / "broken.toml").write_text('name_en = "Broken"\nname_zh = "坏"\nmeasurement_period = "quarter"\n'
                                       '[rates]\nbase_pct = -1\n')
    monkeypatch.setattr(incentives, "PLANS_DIR", plans)
    at = open_page("pages/incentives.py")
    assert any("broken.toml" in e.value and "line 5" in e.value and "base_pct" in e.value for e in at.error)
    assert at.metric[0].value  # the payouts still show


def test_hiring_page_time_to_fill_and_plan_growth(app_db: Path):
    from analytics.people import hiring_report
    at = open_page("pages/hiring.py")
    db = Database(app_db)
    as_of = as_of_date(db)
    period = period_of(at).to_date(as_of)
    rec = hiring_report.recruiting_overview(db, full_access(), period.start, period.end, as_of)
    assert at.metric[0].value == fmt_number(rec["time_to_fill_total"]["median_days"][0], "days")

    def total_target(app: AppTest) -> str:
        summary = next(d.value for d in app.dataframe if "Shortfall" in d.value.columns)
        return summary["Target"].iloc[0]

    def expected_target(growth: float) -> str:
        from dataclasses import replace

        from analytics.people import planning
        scenarios = [replace(s, horizon=12) for s in planning.standard_scenarios(planning.measure(
            db, full_access(), as_of), 12)]
        plan = hiring_report.capacity_plan(db, full_access(), as_of, scenarios, growth=growth, horizon=12)
        return fmt_number(plan["summary"]["target"][0], "currency")

    assert total_target(at) == expected_target(0.1)
    at.slider(key="plan_growth").set_value(30).run()
    assert not at.exception
    assert total_target(at) == expected_target(0.3) != expected_target(0.1)


def test_reviews_save_and_reopen_frozen(app_db: Path):
    from analytics.reviews import store as reviews
    at = open_page("pages/review_quarterly.py")
    assert at.title[0].value == "Quarterly strategy review"
    db = Database(app_db)
    before = reviews.list_reviews(db, full_access(), "quarterly").height
    at.button(key="save_quarterly").click().run()
    assert not at.exception, at.exception
    saved = reviews.list_reviews(db, full_access(), "quarterly")
    assert saved.height == before + 1
    frozen = reviews.load_review(db, int(saved["review_id"][0]))
    assert frozen.items and frozen.item("attainment").takeaway


def test_the_person_picker_is_searched_on_the_server(app_db: Path):
    """The browser gets at most 50 people at once, named with their team (no ids); typing narrows the list."""
    from analytics.people import talent_report
    db = Database(app_db)
    people = talent_report.profiles(db, full_access(), as_of_date(db)).people.sort("name")
    at = open_page("pages/talent.py")
    box = at.selectbox(key="talent_person")
    assert people.height > 50 and len(box.options) == 50
    assert not any(str(e) in label for e, label in zip(people["employee_id"].head(50), box.options, strict=True))
    assert any("50" in c.value and f"{people.height:,}" in c.value for c in at.caption)
    target = people["name"][people.height // 2]
    at.text_input(key="talent_find").input(target).run()
    assert not at.exception, at.exception
    box = at.selectbox(key="talent_person")
    assert 1 <= len(box.options) <= 50 and all(target in o for o in box.options)
    at.text_input(key="talent_find").input("no such name zzz").run()
    assert not at.exception and at.info and not [b for b in at.selectbox if b.key == "talent_person"]


def test_talent_pages_show_the_analytics_values(app_db: Path):
    from analytics.people import talent_report
    db = Database(app_db)
    as_of = as_of_date(db)
    at = open_page("pages/talent.py")
    people = talent_report.profiles(db, full_access(), as_of).people
    first = at.selectbox(key="talent_person").value
    tier = people.filter(pl.col("employee_id") == first)["tier"][0]
    assert at.metric[0].value == {"novice": "Novice", "backbone": "Backbone", "expert": "Expert"}[tier]
    ka = open_page("pages/key_accounts.py")
    ka.slider(key="ka_capacity").set_value(30).run()
    assert not ka.exception
    match = talent_report.ka_matching(db, full_access(), as_of, 30)
    assert ka.metric[1].value == f"{int(match.accounts['keep'].sum()):,}"
    tr = open_page("pages/training.py")
    effect = talent_report.training_effect(db, full_access(), tr.selectbox(key="training_course").value, as_of)
    assert tr.metric[2].value == f"{effect.n_treated} / {effect.n_control}"


def test_a_long_table_shows_its_first_rows_and_says_how_many_there_are(app_db: Path, monkeypatch: pytest.MonkeyPatch):
    import ui.widgets
    from analytics.people import talent_report

    db = Database(app_db)
    ready = talent_report.readiness(db, full_access(), as_of_date(db))
    assert ready.height > 7
    monkeypatch.setattr(ui.widgets, "TABLE_ROWS", 7)
    at = open_page("pages/talent.py")
    shown = [d.value for d in at.dataframe if len(d.value) == 7]
    assert shown, "the readiness table is cut to its first 7 rows"
    captions = [c.value for c in at.caption]
    assert f"Showing the first 7 of {fmt_number(ready.height, 'count')} rows, in the order shown: narrow the scope " \
           "in the sidebar to see the others." in captions


def test_long_formatted_lists_are_cut_on_screen_and_whole_in_the_download(app_db: Path,
                                                                           monkeypatch: pytest.MonkeyPatch):
    """The scorecard, the leaderboard and the payouts show their first rows formatted (formatting every one of
    60,000 reps took most of a second) and say how many there are."""
    import ui.widgets

    monkeypatch.setattr(ui.widgets, "TABLE_ROWS", 5)
    for page in ("pages/scorecard.py", "pages/quota.py", "pages/incentives.py"):
        at = open_page(page)
        assert [d for d in at.dataframe if len(d.value) == 5], page
        assert any(c.value.startswith("Showing the first 5 of ") for c in at.caption), page


def test_the_gap_heatmap_keeps_the_teams_with_the_largest_gaps():
    from analytics.people import skills

    heat = pl.DataFrame({
        "team": ["a", "a", "b", "b", "c", "c", "d"],
        "skill_id": ["x", "y", "x", "y", "x", "y", "x"],
        "median_gap": [-1.0, 0.5, -0.5, -0.4, None, -2.0, 3.0],  # shortfalls: a 1.0, b 0.9, c 2.0 (masked: 0), d 0
    })
    assert skills.largest_gap_teams(heat, 2)["team"].unique().sort().to_list() == ["a", "c"]
    assert skills.largest_gap_teams(heat, 3)["team"].unique().sort().to_list() == ["a", "b", "c"]
    assert skills.largest_gap_teams(heat, 4).equals(heat)
