"""The growth archive (analytics/people/archive_report.py) on the tiny company, every value computed by hand; who
may open it; the development plan's edits (analytics/people/development.py); and the one-page PDF reopened."""
from __future__ import annotations

import datetime as dt
from io import BytesIO
from pathlib import Path

import polars as pl
import pytest

from analytics.core.access import Viewer, full_access
from analytics.core.db import Database
from analytics.people import archive_report as archive
from analytics.people import development as dev
from tests.conftest import D, open_db, tiny_frames

AS_OF = D(2024, 6, 30)
HR = Viewer(user="hr", org_units=None, fields=frozenset({"person", "pay", "personal_details"}))
EAST_02 = Viewer(user="lead", org_units=frozenset({"east-02"}), fields=frozenset({"person"}))
EAST_01 = Viewer(user="other", org_units=frozenset({"east-01"}), fields=frozenset({"person"}))
ANALYST = Viewer(user="analyst", org_units=None, fields=frozenset())


def archive_frames() -> dict[str, pl.DataFrame]:
    """The tiny company with A's (1) records over time: reviews, skills, a course, a survey, overtime, a mentor."""
    frames = tiny_frames()
    frames["performance_reviews"] = pl.DataFrame({
        "employee_id": [1, 1, 4], "quarter": ["2024-Q1", "2024-Q2", "2024-Q2"],
        "review_date": [D(2024, 3, 31), D(2024, 6, 30), D(2024, 6, 30)], "rating": [4, 2, 3],
        "potential": [3, 2, 2], "reviewer_id": [None, None, None]}, schema_overrides={"reviewer_id": pl.Int64})
    frames["skills"] = pl.DataFrame({"skill_id": ["closing", "negotiation"], "name_en": ["Closing", "Negotiation"],
                                     "name_zh": ["成交", "谈判"], "category": ["sales", "sales"]})
    frames["role_skill_requirements"] = pl.DataFrame({"role_id": ["sales_rep", "sales_rep"],
                                                      "skill_id": ["closing", "negotiation"],
                                                      "required_score": [4.0, 3.0]})
    frames["skill_assessments"] = pl.DataFrame({
        "employee_id": [1, 1, 1, 1, 1],
        "skill_id": ["negotiation", "negotiation", "closing", "closing", "magic"],
        "assessed_date": [D(2023, 6, 1), D(2024, 5, 1), D(2024, 2, 1), D(2024, 6, 1), D(2024, 6, 1)],
        "score": [2.5, 3.5, 4.0, 7.0, 3.0]})  # 7.0 is out of range and "magic" unknown: both left out
    frames["courses"] = pl.DataFrame({"course_id": ["closing_skills"], "name_en": ["Closing skills"],
                                      "name_zh": ["成交技巧"], "category": ["skills"], "skill_id": ["closing"],
                                      "target_metric": ["attainment"], "hours": [6.0]})
    frames["enrollments"] = pl.DataFrame({
        "enrollment_id": [1, 2], "employee_id": [1, 1], "course_id": ["closing_skills", "closing_skills"],
        "enrolled_date": [D(2024, 2, 1), D(2024, 6, 1)], "completed_date": [D(2024, 2, 20), None],
        "completed": [True, False], "pre_score": [50.0, 60.0], "post_score": [70.0, None]},
        schema_overrides={"completed_date": pl.Date, "post_score": pl.Float64})
    frames["engagement"] = pl.DataFrame({"employee_id": [1], "survey_date": [D(2024, 3, 15)],
                                         "engagement_score": [3.8], "manager_score": [4.0], "enps": [8]},
                                        schema_overrides={"enps": pl.Int32})
    frames["attendance"] = pl.DataFrame({"employee_id": [1] * 6, "month": [D(2024, m, 1) for m in range(1, 7)],
                                         "overtime_hours": [10.0, 11, 12, 13, 14, 15], "leave_days": [1.0] * 6})
    frames["mentorships"] = pl.DataFrame({"mentorship_id": [1], "mentor_id": [4], "mentee_id": [1],
                                          "start_date": [D(2024, 1, 10)], "end_date": [None]},
                                         schema_overrides={"end_date": pl.Date})
    return frames


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = open_db(tmp_path / "archive.duckdb", archive_frames(), as_of=AS_OF)
    yield database
    database.close()


def test_who_may_open_a_person_page(db):
    assert archive.card(db, HR, 1, AS_OF)["name"] == "A"
    assert archive.card(db, HR, 1, AS_OF)["tenure_months"] == pytest.approx(181 / 30.4375)  # 2024-01-01 .. 06-30
    assert archive.card(db, HR, 2, AS_OF)["tenure_months"] == pytest.approx(304 / 30.4375)  # to B's last day
    assert archive.card(db, EAST_02, 1, AS_OF)["org_unit_id"] == "east-02"  # where A sits on the as-of date
    assert archive.card(db, EAST_01, 1, AS_OF) is None  # A moved out of east-01 in June
    assert archive.card(db, ANALYST, 1, AS_OF) is None  # aggregates only: nobody is named
    assert archive.card(db, HR, 99, AS_OF) is None
    assert archive.card(db, HR, 1, D(2023, 12, 31)) is None  # not hired yet on that date
    # someone who left is placed on their last day: B left east-01 on 2024-03-31
    assert archive.card(db, EAST_01, 2, AS_OF)["termination_date"] == D(2024, 3, 31)
    assert archive.archive(db, ANALYST, 1, AS_OF) is None
    assert archive.archive(db, EAST_01, 1, AS_OF) is None


def test_the_directory_holds_the_scope_and_the_last_years_leavers(db):
    assert archive.directory(db, EAST_02, AS_OF)["employee_id"].to_list() == [1, 3]  # A, and C (left in April)
    assert sorted(archive.directory(db, full_access(), AS_OF)["employee_id"].to_list()) == [1, 2, 3, 4, 5]
    assert archive.directory(db, ANALYST, AS_OF).is_empty()
    assert archive.directory(db, full_access(), D(2025, 6, 30))["employee_id"].to_list().count(2) == 0  # long gone


def test_assignments_say_what_changed(db):
    a = archive.archive(db, HR, 1, AS_OF).assignments
    assert a.select("valid_from", "org_unit_id", "change").rows() == [(D(2024, 1, 1), "east-01", "hire"),
                                                                      (D(2024, 6, 16), "east-02", "move")]


def test_attainment_by_quarter_against_the_team_median(db):
    att = archive.archive(db, HR, 1, AS_OF).attainment
    assert att["quarter"].to_list() == ["2024-Q1", "2024-Q2"]  # the last 8 completed quarters, since the hire
    q1 = att.filter(pl.col("quarter") == "2024-Q1").row(0, named=True)
    # A: 80 on quota 100; the team at the quarter's end (east-01) also holds B: 150 on 200; median of 0.8, 0.75
    assert q1["attainment"] == pytest.approx(0.8)
    assert q1["team_median"] == pytest.approx(0.775) and q1["team_reps"] == 2
    assert att.filter(pl.col("quarter") == "2024-Q2")["attainment"][0] is None  # no quota in Q2


def test_ramp_against_the_cohort(db):
    ramp = archive.archive(db, HR, 1, AS_OF).ramp
    # A's months: Jan 50 of 30, Feb 0 of 30, Mar 30 of 40; the cohort (sales reps hired in 2024 with quota) is A
    assert ramp["tenure_month"].to_list() == [1, 2, 3]
    assert ramp["attainment"].to_list() == pytest.approx([50 / 30, 0.0, 0.75])
    assert ramp["cohort_mean"].to_list() == pytest.approx([50 / 30, 0.0, 0.75])
    assert ramp["cohort_reps"].to_list() == [1, 1, 1]


def test_skills_now_against_a_year_ago(db):
    skills = archive.archive(db, HR, 1, AS_OF).skills
    assert skills.rows() == [("closing", 4.0, None, 4.0), ("negotiation", 3.5, 2.5, 3.0)]


def test_training_reviews_and_care_records(db):
    arch = archive.archive(db, HR, 1, AS_OF)
    tr = arch.training
    assert tr["enrolled_date"].to_list() == [D(2024, 6, 1), D(2024, 2, 1)]  # newest first
    assert tr.row(1, named=True)["gain"] == pytest.approx(20.0) and tr.row(0, named=True)["completed"] is False
    assert arch.reviews.select("quarter", "box_en", "box_zh").rows() == [("2024-Q1", "Star", "明星"),
                                                                          ("2024-Q2", "Inconsistent player", "待观察")]
    assert arch.engagement["engagement_score"].to_list() == [3.8]
    assert arch.attendance["overtime_hours"].to_list() == [10.0, 11, 12, 13, 14, 15]
    assert arch.mentors["mentor"].to_list() == ["D"]
    assert arch.risk.is_empty()  # no model named: no risk section


def test_records_after_the_as_of_date_are_left_out(db):
    arch = archive.archive(db, HR, 1, D(2024, 3, 31))
    assert arch.reviews["quarter"].to_list() == ["2024-Q1"]
    assert arch.skills.filter(pl.col("skill_id") == "negotiation")["score"][0] == 2.5
    assert arch.assignments.height == 1 and arch.attendance["month"].max() == D(2024, 3, 1)


def test_the_development_plan(db):
    item = dev.add_item(db, EAST_02, 1, "  Closing skills   course ", "hr_head", D(2024, 6, 1), AS_OF)
    second = dev.add_item(db, EAST_02, 1, "Weekly pipeline review", "sales_director", D(2024, 9, 1), AS_OF)
    items = dev.items(db, 1)
    assert items["text"].to_list() == ["Closing skills course", "Weekly pipeline review"]  # open, by due date
    assert dev.overdue(items, AS_OF).to_list() == [True, False]
    version = db.data_version
    dev.update_item(db, EAST_02, item, AS_OF, status="done")
    assert db.data_version == version  # not facts: no figure changes
    items = dev.items(db, 1)
    assert items["item_id"].to_list() == [second, item]  # the open one first
    assert items.filter(pl.col("item_id") == item)["closed_at"][0] is not None
    dev.update_item(db, EAST_02, item, AS_OF, status="open")  # reopened: no closing time
    assert dev.items(db, 1).filter(pl.col("item_id") == item)["closed_at"][0] is None
    with pytest.raises(dev.DevelopmentError) as refused:
        dev.add_item(db, EAST_01, 1, "x", None, None, AS_OF)
    assert refused.value.code == "not_allowed"
    for bad, code in ((dict(text=" "), "empty"), (dict(text="x" * 501), "too_long"), (dict(owner="boss"), "owner")):
        with pytest.raises(dev.DevelopmentError) as refused:
            dev.add_item(db, HR, 1, bad.get("text", "ok"), bad.get("owner"), None, AS_OF)
        assert refused.value.code == code
    dev.set_career_aim(db, HR, 1, "sales_rep", "Lead a team", 2026, AS_OF)
    assert dev.career_aim(db, 1)["aim"] == "Lead a team" and dev.career_aim(db, 1)["by_year"] == 2026
    with pytest.raises(dev.DevelopmentError):
        dev.set_career_aim(db, HR, 1, "astronaut", "", None, AS_OF)
    actions = db.sql("select action from audit_log where action like 'development%' or action = 'career_aim_set'")
    assert actions["action"].to_list().count("development_item_add") == 2
    assert "career_aim_set" in actions["action"].to_list()


def test_the_demo_company_has_plans_and_a_one_page_pdf_in_both_languages(demo_db_path):
    pypdf = pytest.importorskip("pypdf")
    from analytics.reviews.person_pdf import archive_pdf

    db = Database(demo_db_path, read_only=True)
    try:
        with_plan = db.sql("select distinct employee_id from development_items order by 1")["employee_id"].to_list()
        assert len(with_plan) >= 6 and db.scalar("select count(*) from career_aims") >= 1
        as_of = dt.date.fromisoformat(db.meta("as_of"))
        person = db.scalar("select employee_id from career_aims order by employee_id limit 1")
        arch = archive.archive(db, full_access(), person, as_of)
        assert arch is not None and arch.attainment["attainment"].is_not_null().any() and arch.skills.height
        for lang, heading in (("en", "Growth archive"), ("zh", "成长档案")):
            data = archive_pdf(db, arch, lang, items=dev.items(db, person), aim=dev.career_aim(db, person))
            reader = pypdf.PdfReader(BytesIO(data))
            assert len(reader.pages) == 1
            text = reader.pages[0].extract_text().replace("\x00", "")
            assert heading in text and str(arch.card["name"]) in text
        assert "两年内带领一个销售小组" in pypdf.PdfReader(BytesIO(archive_pdf(
            db, arch, "zh", items=dev.items(db, person), aim=dev.career_aim(db, person)))).pages[0].extract_text(
        ).replace("\x00", "")
    finally:
        db.close()


def test_the_command_line_lists_prints_and_writes_the_pdf(demo_db_path, tmp_path, capsys):
    from analytics.cli.main import main

    db = Database(demo_db_path, read_only=True)
    try:
        person = db.scalar("select employee_id from career_aims order by employee_id limit 1")
        name = db.scalar("select name from employees where employee_id = $e", e=person)
        north = db.scalar("select a.employee_id from assignments a join org_paths o using (org_unit_id) "
                          "where o.region_id = 'north' and a.valid_to is null order by 1 limit 1")
    finally:
        db.close()
    assert main(["person", "--db", str(demo_db_path), "--list", "--format", "csv"]) == 0
    assert name in capsys.readouterr().out
    assert main(["person", str(person), "--db", str(demo_db_path), "--section", "plan", "--format", "json"]) == 0
    assert "两年内" not in capsys.readouterr().out  # the plan's items, not the aim (json: one section)
    assert main(["person", str(person), "--db", str(demo_db_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(name) and "## results" in out and "## plan" in out and "career aim: team_lead" in out
    pdf = tmp_path / "archive.pdf"
    assert main(["person", str(person), "--db", str(demo_db_path), "--pdf", str(pdf), "--lang", "zh"]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    assert main(["person", str(north), "--db", str(demo_db_path), "--user", "demo.director.east"]) == 2
    assert "is in your scope" in capsys.readouterr().err  # nobody of that id in the director's scope
    assert main(["person", str(person), "--db", str(demo_db_path), "--user", "demo.analyst"]) == 2
    assert "aggregates only" in capsys.readouterr().err


def test_the_metric_tables_agree_with_the_person_page(demo_db_path):
    from analytics.cli.tables import TABLE_METRICS
    from analytics.core.periods import parse_period

    db = Database(demo_db_path, read_only=True)
    try:
        as_of = dt.date.fromisoformat(db.meta("as_of"))
        q3 = parse_period("2025-Q3")
        table = TABLE_METRICS["attainment_vs_team"](db, full_access(), q3, as_of, "en")
        person = table.sort("employee_id").row(0, named=True)
        arch = archive.archive(db, full_access(), person["employee_id"], as_of)
        page = arch.attainment.filter(pl.col("quarter") == "2025-Q3").row(0, named=True)
        assert (page["attainment"], page["team_median"], page["team_reps"]) == pytest.approx(
            (person["attainment"], person["team_median"], person["team_reps"]))
        skills = TABLE_METRICS["skills_year_on_year"](db, full_access(), q3, as_of, "en")
        assert skills.height and skills["year_ago"].is_not_null().any()
        plan = TABLE_METRICS["development_plan"](db, full_access(), q3, as_of, "en")
        assert plan.height == db.scalar("select count(*) from development_items")
        assert TABLE_METRICS["development_plan"](db, ANALYST, q3, as_of, "en").is_empty()
    finally:
        db.close()
