"""Skill profiles on a hand-made company (exact values), bad input, and archetypes on the demo company."""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from analytics.core.access import Viewer, full_access
from analytics.core.db import Database
from analytics.people import skills, talent_report
from tests.conftest import tiny_frames

D = dt.date
AS_OF = D(2024, 6, 30)
DEMO_AS_OF = D(2025, 12, 31)


def talent_frames() -> dict[str, pl.DataFrame]:
    """tiny_frames() plus E (6), a sales rep in east-02 since 2023-01-01, and the talent facts.

    Employed on 2024-06-30: A (1, sales_rep east-02, hired 2024-01-01), D (4, sales_rep north-01, 2022),
    E (6, sales_rep east-02, 2023-01-01), H (5, hr_bp, region east). B and C have left.
    """
    t = tiny_frames()
    t["employees"] = pl.concat([t["employees"], pl.DataFrame({
        "employee_id": [6], "name": ["E"], "hire_date": [D(2023, 1, 1)], "termination_date": [None],
        "exit_type": [None], "regretted": [None], "hire_source": ["referral"], "probation_months": [3],
    }, schema=t["employees"].schema)])
    t["assignments"] = pl.concat([t["assignments"], pl.DataFrame({
        "assignment_id": [7], "employee_id": [6], "org_unit_id": ["east-02"], "manager_id": [None],
        "role_id": ["sales_rep"], "job_level": [1], "valid_from": [D(2023, 1, 1)], "valid_to": [None],
    }, schema=t["assignments"].schema)])
    t["roles"] = pl.concat([t["roles"], pl.DataFrame({
        "role_id": ["team_lead"], "name_en": ["Supervisor"], "name_zh": ["主管"], "family": ["sales"],
        "carries_quota": [True], "career_step": [2]}, schema=t["roles"].schema)])
    t["customers"] = pl.concat([t["customers"], pl.DataFrame({
        "customer_id": [13], "name": ["North Two"], "tier": ["regular"], "region_id": ["north"]})])
    # extra orders: A repeat 60 (May); D new customer 13 before the window (20) and again in it (30); E 90
    t["orders"] = pl.concat([t["orders"], pl.DataFrame({
        "order_id": [105, 106, 107, 108], "employee_id": [1, 4, 4, 6], "customer_id": [11, 13, 13, 11],
        "order_date": [D(2024, 5, 10), D(2023, 3, 1), D(2024, 4, 1), D(2024, 6, 5)],
        "amount": [60.0, 20.0, 30.0, 90.0], "is_new_customer": [False, True, False, False],
    }, schema=t["orders"].schema)])
    t["quotas"] = pl.concat([t["quotas"], pl.DataFrame({
        "employee_id": [1] * 3 + [4] * 3 + [6] * 3,
        "month": [D(2024, m, 1) for m in (4, 5, 6)] * 3,
        "amount": [50.0] * 3 + [20.0] * 3 + [30.0] * 3})])
    t["complaints"] = pl.DataFrame({"complaint_id": [1], "customer_id": [11], "employee_id": [1],
                                    "complaint_date": [D(2024, 5, 20)], "severity": [1]})
    t["activities"] = pl.DataFrame({
        "activity_id": [1, 2, 3, 4], "employee_id": [1, 1, 1, 1], "customer_id": [10, 10, 11, 11],
        "activity_date": [D(2024, 2, 1), D(2024, 3, 1), D(2024, 5, 1), D(2023, 5, 1)], "kind": ["visit"] * 4})
    t["skills"] = pl.DataFrame({"skill_id": ["prospecting", "negotiation", "ka_management"],
                                "name_en": ["Prospecting", "Negotiation", "KA management"],
                                "name_zh": ["客户开发", "商务谈判", "大客户管理"], "category": ["sales"] * 3})
    t["role_skill_requirements"] = pl.DataFrame({
        "role_id": ["sales_rep", "sales_rep", "team_lead"], "skill_id": ["prospecting", "negotiation", "negotiation"],
        "required_score": [3.0, 3.0, 4.0]})
    t["skill_assessments"] = pl.DataFrame({
        "employee_id": [1, 1, 1, 1, 4, 4, 4, 4, 6, 6, 99],
        "skill_id": ["prospecting", "prospecting", "negotiation", "prospecting", "negotiation", "negotiation",
                     "ka_management", "juggling", "prospecting", "negotiation", "prospecting"],
        "assessed_date": [D(2024, 1, 31), D(2024, 5, 31), D(2024, 5, 31), D(2024, 7, 31), D(2023, 12, 31),
                          D(2024, 6, 1), D(2024, 3, 31), D(2024, 3, 31), D(2024, 6, 30), D(2024, 6, 30),
                          D(2024, 1, 1)],
        "score": [2.0, 3.0, 4.0, 5.0, 2.0, 9.0, 4.0, 4.0, 4.0, 2.0, 3.0],
    })
    t["courses"] = pl.DataFrame({
        "course_id": ["c_pros", "c_neg", "c_neg2", "c_lead"], "name_en": ["P", "N", "N2", "L"],
        "name_zh": ["P", "N", "N2", "L"], "category": ["skills", "skills", "ka", "management"],
        "skill_id": ["prospecting", "negotiation", "negotiation", None],
        "target_metric": ["new_customers", "ka_share", "ka_share", "attainment"], "hours": [8.0, 6.0, 4.0, 10.0]})
    t["enrollments"] = pl.DataFrame({
        "enrollment_id": [1, 2, 3, 4, 5, 6],
        "employee_id": [1, 4, 4, 6, 98, 1],
        "course_id": ["c_neg", "c_pros", "c_neg", "c_pros", "c_pros", "c_pros"],
        "enrolled_date": [D(2024, 3, 1), D(2024, 1, 20), D(2024, 6, 20), D(2024, 6, 1), D(2024, 1, 1), D(2024, 7, 1)],
        "completed_date": [D(2024, 3, 10), D(2024, 2, 1), D(2024, 6, 29), None, D(2024, 1, 5), D(2024, 7, 15)],
        "completed": [True, True, True, False, True, True],
        "pre_score": [50.0, 40.0, 60.0, 55.0, 10.0, 70.0],
        "post_score": [70.0, 65.0, 140.0, None, 90.0, 80.0],
    })
    t["performance_reviews"] = pl.DataFrame({
        "employee_id": [1, 1, 4, 6, 5], "quarter": ["2024-Q1", "2024-Q2", "2024-Q2", "2024-Q2", "2024-Q2"],
        "review_date": [D(2024, 3, 31), D(2024, 6, 30), D(2024, 6, 30), D(2024, 6, 30), D(2024, 6, 30)],
        "rating": [4, 2, 3, 5, 9], "potential": [3, 2, 1, 3, 2]})
    return t



def row(prof: skills.Profiles, employee_id: int) -> dict:
    return prof.people.filter(pl.col("employee_id") == employee_id).row(0, named=True)


def test_people_in_scope_on_the_day(prof):
    assert prof.people["employee_id"].to_list() == [1, 4, 5, 6]  # B and C have left


def test_latest_valid_assessment_wins_and_never_assessed_is_null(prof):
    a, d, e, h = (row(prof, i) for i in (1, 4, 6, 5))
    # A: prospecting 2.0 (Jan) then 3.0 (May) → 3.0; the 5.0 of July is after the as-of date
    assert (a["score_prospecting"], a["score_negotiation"], a["score_ka_management"]) == (3.0, 4.0, None)
    # D: the out-of-range 9.0 of June is left out → the 2.0 of December stands; "juggling" is not a skill
    assert (d["score_prospecting"], d["score_negotiation"], d["score_ka_management"]) == (None, 2.0, 4.0)
    assert (e["score_prospecting"], e["score_negotiation"]) == (4.0, 2.0)  # assessed on the as-of date itself
    assert h["score_prospecting"] is None and h["skill_mean"] is None and h["n_skills"] == 0  # null, not zero
    assert (a["skill_mean"], d["skill_mean"], e["skill_mean"]) == (3.5, 3.0, 3.0)


def test_training_completed_by_the_as_of_date(prof):
    a, d, e = (row(prof, i) for i in (1, 4, 6))
    assert (a["courses_completed"], a["courses"]) == (1, ["c_neg"])  # c_pros finished after the as-of date
    assert (d["courses_completed"], d["courses"]) == (2, ["c_neg", "c_pros"])
    assert (e["courses_completed"], e["courses"]) == (0, [])  # enrolled, not completed


def test_sales_traits_over_the_last_twelve_months(prof):
    a = row(prof, 1)
    assert prof.window == skills.Window(D(2023, 7, 1), D(2024, 6, 30), D(2024, 4, 1), D(2024, 1, 1))
    # A books 50 (KA, new) + 30 (new) + 60 (repeat) = 140 on quota 100 + 150 = 250
    assert a["attainment_12m"] == pytest.approx(140 / 250)
    assert a["ka_share"] == pytest.approx(50 / 140)
    assert a["new_customer_share"] == pytest.approx(80 / 140)
    assert a["complaint_rate"] == pytest.approx(1 / 2)  # one complaint, two active customers
    assert a["visits_per_month"] == pytest.approx(3 / (182 / 30.4375))  # the 2023-05 visit is outside
    assert a["attainment_trend"] == pytest.approx(60 / 150 - 80 / 100)  # Apr–Jun minus Jan–Mar
    d = row(prof, 4)
    assert d["repeat_rate"] == 1.0  # customer 13: base (ordered 2023-03 with D) and ordered again
    assert d["attainment_12m"] == pytest.approx(70 / 60)
    assert d["attainment_q2"] is None  # D's January quota is 0
    assert a["repeat_rate"] is None  # no repeat base


def test_tiers_by_the_documented_rules(prof):
    tiers = dict(zip(prof.people["employee_id"], prof.people["tier"], strict=True))
    # A: 5.9 months < 6 → novice; D: 29.9 months, 117%, skill 3.0 (< 4 for expert) → backbone;
    # E: 18 months, 100%, 3.0 → backbone; H: no quota role, never assessed → novice
    assert tiers == {1: "novice", 4: "backbone", 5: "novice", 6: "backbone"}
    # the rules are data: lowering the expert skill bar to 3 makes D an expert
    relaxed = prof.people.with_columns(tier=skills.tier_expr(skills.TierRules(expert_skill=3.0)))
    assert dict(zip(relaxed["employee_id"], relaxed["tier"], strict=True))[4] == "expert"


def test_radar_person_vs_requirement_vs_team_median(talent_db, prof):
    req = talent_db.query("skill_requirements")
    r = skills.radar(prof, req, 1)
    # team east-02 = A and E: prospecting median(3, 4) = 3.5, negotiation median(4, 2) = 3.0
    assert r.rows() == [
        ("negotiation", "Negotiation", "商务谈判", 4.0, 3.0, 3.0, 2),
        ("prospecting", "Prospecting", "客户开发", 3.0, 3.0, 3.5, 2),
    ]
    assert skills.radar(prof, req, 12345).is_empty()


def test_gap_heatmap_is_team_median_of_score_minus_requirement(talent_db, prof):
    heat = skills.gap_heatmap(prof, talent_db.query("skill_requirements"))
    cells = {(t, s): (g, n) for t, s, g, n in heat.select("team", "skill_id", "median_gap", "n_assessed").rows()}
    assert cells[("east-02", "prospecting")] == (0.5, 2)   # A 0, E +1
    assert cells[("east-02", "negotiation")] == (0.0, 2)   # A +1, E −1
    assert cells[("north-01", "negotiation")] == (-1.0, 1)
    assert cells[("north-01", "prospecting")] == (None, 0)  # never assessed: no gap, not a zero


def test_suggestions_point_at_courses_not_yet_completed(talent_db, prof):
    completed = talent_db.query("completed_courses", as_of=AS_OF, **full_access().sql_params())
    sug = skills.suggestions(prof, talent_db.query("skill_requirements"), talent_db.query("course_catalogue"),
                             completed)
    got = sug.select("employee_id", "skill_id", "shortfall", "course_id").rows()
    # D lacks negotiation (2 vs 3) and has done c_neg → c_neg2 only; E lacks negotiation → both courses;
    # A has no shortfall; D's prospecting was never assessed → no suggestion from a guess
    assert got == [(4, "negotiation", 1.0, "c_neg2"), (6, "negotiation", 1.0, "c_neg"),
                   (6, "negotiation", 1.0, "c_neg2")]


def test_bad_input_is_left_out_and_counted(prof, talent_db):
    # juggling (unknown skill), 9.0 (out of range), person 99 (never existed); enrolment of person 98;
    # a post score of 140 (nulled, the enrolment kept)
    assert prof.excluded == {
        "skill_assessments.unknown_skill": 1, "skill_assessments.unknown_person": 1,
        "skill_assessments.score_out_of_range": 1, "enrollments.unknown_person": 1,
        "enrollments.score_out_of_range": 1, "performance_reviews.out_of_range": 1,
    }
    view = talent_report.profiles(talent_db, full_access(), AS_OF)
    assert view.excluded == prof.excluded and view.people.height == 4


def test_aggregate_viewers_get_no_people(talent_db):
    viewer = Viewer("lead", fields=frozenset())
    view = talent_report.profiles(talent_db, viewer, AS_OF)
    assert view.people.is_empty()
    assert view.tiers["people"].null_count() == view.tiers.height  # every team has fewer than 5 people
    assert talent_report.radar(talent_db, viewer, 1, AS_OF).is_empty()
    assert talent_report.suggestions(talent_db, viewer, 1, AS_OF).is_empty()


def test_scope_filters_people(talent_db):
    north = Viewer("north", org_units=frozenset({"north"}))
    assert talent_report.profiles(talent_db, north, AS_OF).people["employee_id"].to_list() == [4]


# ── archetypes on the demo company ─────────────────────────────────────
@pytest.fixture(scope="module")
def demo_profiles(demo_db_path):
    db = Database(demo_db_path, read_only=True)
    yield skills.load_profiles(db, full_access(), DEMO_AS_OF)
    db.close()


def test_archetypes_separate_ka_specialists_from_hunters(demo_profiles):
    fit = skills.archetypes(demo_profiles.people)
    assert fit is not None and 0.2 < fit.silhouette < 1
    assert fit.silhouette == max(fit.silhouettes.values())
    cent = {r["archetype"]: r for r in fit.centroids.iter_rows(named=True)}
    assert {"ka_specialist", "hunter"} <= set(cent)
    ka = fit.members.filter(pl.col("archetype") == "ka_specialist")
    hunters = fit.members.filter(pl.col("archetype") == "hunter")
    assert (ka["role_id"] == "ka_rep").mean() > 0.8
    assert (ka["ka_share"] > 0.5).mean() > 0.8
    assert cent["hunter"]["new_customer_share"] > 0.45
    assert (hunters["new_customer_share"] > 0.3).mean() > 0.8
    assert (hunters["role_id"] == "sales_rep").all()
    # most embedded KA reps land in the KA cluster
    ka_reps = fit.members.filter(pl.col("role_id") == "ka_rep")
    assert (ka_reps["archetype"] == "ka_specialist").mean() > 0.8


def test_archetype_names_are_stable_across_refits(demo_profiles):
    first = skills.archetypes(demo_profiles.people, random_state=0)
    again = skills.archetypes(demo_profiles.people.sample(fraction=1.0, shuffle=True, seed=3), random_state=0)
    assert first.members.select("employee_id", "cluster", "archetype").equals(
        again.members.select("employee_id", "cluster", "archetype"))
    other_seed = skills.archetypes(demo_profiles.people, random_state=11, k=first.k)
    # a different random start may number k-means' clusters differently; names follow the centroids
    assert other_seed.members.select("employee_id", "archetype").equals(
        first.members.select("employee_id", "archetype"))


def test_name_clusters_rules():
    cent = pl.DataFrame({"cluster": [0, 1, 2, 3], "ka_share": [0.1, 0.7, 0.1, 0.1],
                         "new_customer_share": [0.6, 0.0, 0.1, 0.1], "repeat_rate": [0.5, 0.8, 0.95, 0.6],
                         "visits_per_month": [9.0, 7.0, 10.0, 6.0]})
    assert skills.name_clusters(cent, skills.ArchetypeRules()) == {
        1: "ka_specialist", 0: "hunter", 2: "farmer", 3: "all_rounder"}
    low = cent.with_columns(ka_share=pl.lit(0.2))  # nobody clears the KA bar → no KA specialist
    assert "ka_specialist" not in skills.name_clusters(low, skills.ArchetypeRules()).values()


def test_profiles_are_built_once_per_data_version_and_scope(talent_db):
    """The talent, training and key-account reports all start from the profiles: a second report on the same
    data and scope reuses them; another scope, or new data, builds them again."""
    first = skills.load_profiles(talent_db, full_access(), AS_OF)
    assert skills.load_profiles(talent_db, full_access(), AS_OF).people is first.people
    team = Viewer(user="t", org_units=frozenset({first.people["org_unit_id"][0]}))
    narrowed = skills.load_profiles(talent_db, team, AS_OF).people
    assert narrowed is not first.people and 0 < narrowed.height < first.people.height
    with talent_db.transaction() as cur:
        cur.execute("update meta set value = value where key = 'as_of'")
    again = skills.load_profiles(talent_db, full_access(), AS_OF).people
    assert again is not first.people and again.equals(first.people)
