"""Tables that name people open the person page (成长档案): for a person-level viewer, choosing a row of a list of
people (the scorecard and its coaching list, the flight-risk list, the quota leaderboard, payouts, leavers,
onboarding watch, revenue at risk, 9-box, readiness, internal moves, key-account owners) opens that row's person's
growth archive; an aggregate-only viewer gets the tables, or the page's access message, without any selection.

AppTest cannot click a table row: the selection is set through the table's key in session state, as Streamlit
documents for a programmatic selection (``st.session_state[key] = {"selection": {"rows": [...]}}``)."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from streamlit.proto.Dataframe_pb2 import Dataframe as DataframeProto
from streamlit.testing.v1 import AppTest

from analytics.core.auth import viewer_for
from analytics.core.db import Database
from analytics.metrics.engine import as_of_date
from analytics.people import talent_report
from analytics.sales import quota_report, scorecard
from tests.app.test_domain_pages import open_page, period_of

SINGLE_ROW = [DataframeProto.SelectionMode.SINGLE_ROW]


def _table(at: AppTest, key: str):
    found = [d for d in at.dataframe if d.key == key]
    assert len(found) == 1, (key, [d.key for d in at.dataframe])
    return found[0]


def _employees(db_path: Path) -> dict[int, str]:
    db = Database(db_path)
    try:
        frame = db.sql("select employee_id, name from employees")
    finally:
        db.close()
    return dict(zip(frame["employee_id"].to_list(), frame["name"].to_list(), strict=True))


def _choose(at: AppTest, key: str, row: int) -> None:
    """Select row ``row`` of the table ``key`` as a click would, and run."""
    assert list(_table(at, key).proto.selection_mode) == SINGLE_ROW, key
    at.session_state[key] = {"selection": {"rows": [row], "columns": []}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def _on_person_page(at: AppTest, name: str) -> int:
    """The app shows the growth archive of a person named ``name``; returns the person's id in the address."""
    assert at.title[0].value == "Growth archive"
    assert not at.warning, [w.value for w in at.warning]  # not "not in your scope"
    assert at.subheader[0].value == name
    return int(at.query_params["person"])


def _db_of(path: Path):
    db = Database(path)
    return db, as_of_date(db)


def test_a_coaching_row_opens_that_reps_archive(app_db: Path):
    db, as_of = _db_of(app_db)
    try:
        coaching = scorecard.coaching_list(db, viewer_for(db, "demo.hr"), as_of)
    finally:
        db.close()
    assert coaching.height >= 2
    at = open_page("pages/scorecard.py")
    shown = _table(at, "scorecard_coaching").value
    assert list(shown["Name"]) == coaching["name"].to_list()  # one shown row per listed person, in order
    _choose(at, "scorecard_coaching", 1)
    assert _on_person_page(at, coaching["name"][1]) == coaching["employee_id"][1]


def test_a_leaderboard_row_opens_that_reps_archive(app_db: Path):
    at = open_page("pages/quota.py")
    db, as_of = _db_of(app_db)
    try:
        board = quota_report.leaderboard(db, viewer_for(db, "demo.hr"), period_of(at), as_of, "en")
    finally:
        db.close()
    row = min(2, board.height - 1)
    assert _table(at, "quota_leaderboard").value["Name"].iloc[row] == board["name"][row]
    _choose(at, "quota_leaderboard", row)
    assert _on_person_page(at, board["name"][row]) == board["employee_id"][row]


def test_a_flight_risk_row_opens_that_persons_archive(app_db: Path):
    at = open_page("pages/risk.py")
    name = _table(at, "risk_people").value["Name"].iloc[3]
    _choose(at, "risk_people", 3)
    assert _employees(app_db)[_on_person_page(at, name)] == name


@pytest.mark.parametrize(("page", "key", "header"), [
    ("pages/scorecard.py", "scorecard_people", "Name"),
    ("pages/scorecard.py", "scorecard_hipo", "Name"),
    ("pages/incentives.py", "pay_per_rep", "Name"),
    ("pages/incentives.py", "sim_losers", "Name"),
    ("pages/incentives.py", "sim_gainers", "Name"),
    ("pages/attrition.py", "attr_leavers", "Name"),
    ("pages/hiring.py", "hiring_watch", "Name"),
    ("pages/hiring.py", "hiring_risk_people", "Name"),
    ("pages/talent.py", "talent_readiness", "Name"),
    ("pages/talent.py", "talent_moves", "Name"),
    ("pages/key_accounts.py", "ka_moves", "Today's owner"),
    ("pages/key_accounts.py", "ka_continuity", "Today's owner"),
])
def test_every_list_of_people_opens_the_rows_person(app_db: Path, page: str, key: str, header: str):
    at = open_page(page)
    shown = _table(at, key).value
    assert header in shown.columns and "employee_id" not in shown.columns
    named = [i for i, v in enumerate(shown[header]) if v not in (None, "—")]
    assert named, f"{key}: nobody listed in the demo"
    row = named[min(1, len(named) - 1)]
    name = shown[header].iloc[row]
    _choose(at, key, row)
    assert _employees(app_db)[_on_person_page(at, name)] == name


def test_a_nine_box_member_opens_that_persons_archive(app_db: Path):
    db, as_of = _db_of(app_db)
    try:
        members = talent_report.nine_box(db, viewer_for(db, "demo.hr"), as_of).people
    finally:
        db.close()
    first = members.row(0, named=True)
    at = open_page("pages/talent.py")
    at.selectbox(key="talent_box").set_value(first["name_en"]).run()
    shown = _table(at, "talent_box_people").value
    # name, role, team, rating, the rating that counts (a veto caps it), vetoed, potential
    assert len(shown.columns) == 7 and "employee_id" not in shown.columns
    in_box = members.filter(pl.col("name_en") == first["name_en"])
    assert list(shown["Name"]) == in_box["name"].to_list()
    _choose(at, "talent_box_people", 0)
    assert _on_person_page(at, in_box["name"][0]) == in_box["employee_id"][0]


def test_a_rep_of_a_drilled_team_opens_their_archive(app_db: Path):
    at = open_page("pages/quota.py")
    db, as_of = _db_of(app_db)
    try:
        team = quota_report.leaderboard(db, viewer_for(db, "demo.hr"), period_of(at), as_of, "en")["team_id"][0]
        region = db.sql("select region_id from org_paths where org_unit_id = $team", team=team)["region_id"][0]
    finally:
        db.close()
    at.session_state["quota_path"] = [region, team]  # drilled region → team: the bars and the table are reps
    at.run()
    name = _table(at, "quota_drill_reps").value["Group"].iloc[0]
    _choose(at, "quota_drill_reps", 0)
    assert _employees(app_db)[_on_person_page(at, name)] == name


def test_a_director_opens_people_of_their_own_region(app_db: Path):
    at = open_page("pages/quota.py", "demo.director.east")
    db, as_of = _db_of(app_db)
    try:
        board = quota_report.leaderboard(db, viewer_for(db, "demo.director.east"), period_of(at), as_of, "en")
        everyone = quota_report.leaderboard(db, viewer_for(db, "demo.hr"), period_of(at), as_of, "en")
    finally:
        db.close()
    assert 0 < board.height < everyone.height  # the director's leaderboard is their region's
    assert list(_table(at, "quota_leaderboard").value["Name"]) == board["name"].to_list()
    _choose(at, "quota_leaderboard", 0)
    assert _on_person_page(at, board["name"][0]) == board["employee_id"][0]  # in scope: no warning


@pytest.mark.parametrize("page", ["pages/quota.py", "pages/risk.py", "pages/attrition.py", "pages/hiring.py",
                                  "pages/talent.py", "pages/training.py"])
def test_aggregate_viewers_get_no_selectable_table(app_db: Path, page: str):
    at = open_page(page, "demo.analyst")
    assert at.dataframe  # the page's tables (aggregates) are there
    assert not [d.key for d in at.dataframe if list(d.proto.selection_mode)]
    assert not any(c.value == "Click a row to open that person's growth archive." for c in at.caption)
    assert not at.exception
    if page == "pages/risk.py":
        assert "Name" not in at.dataframe[-1].value.columns  # the per-team aggregate instead of the people


@pytest.mark.parametrize("page", ["pages/scorecard.py", "pages/key_accounts.py", "pages/incentives.py",
                                  "pages/person.py"])
def test_pages_that_only_list_people_are_not_in_an_aggregate_viewers_menu(app_db: Path, page: str):
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        open_page(page, "demo.analyst")
