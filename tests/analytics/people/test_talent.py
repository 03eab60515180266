"""Talent review: the 9-box, promotion readiness and internal moves (hand-made cases and the demo company)."""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from analytics.core.access import Viewer, full_access
from analytics.core.db import Database
from analytics.people import talent, talent_report
from tests.analytics.people.test_skills import AS_OF

DEMO_AS_OF = dt.date(2025, 12, 31)



def catalogues(db: Database):
    return db.query("role_catalogue"), db.query("skill_requirements"), db.query("course_catalogue")


# ── 9-box ──────────────────────────────────────────────────────────────
def test_nine_box_uses_the_latest_valid_review(prof):
    people = talent.nine_box_people(prof.people)
    boxes = {r["employee_id"]: (r["performance"], r["potential_band"]) for r in people.iter_rows(named=True)}
    # A: Q1 (4, 3) is superseded by Q2 (2, 2); D (3, 1); E (5, 3); H's review (rating 9) is invalid → not placed
    assert boxes == {1: ("low", "mid"), 4: ("mid", "low"), 6: ("high", "high")}
    counts = talent.nine_box_counts(prof.people)
    assert counts.height == 9 and counts["people"].sum() == 3
    got = {(r["performance"], r["potential_band"]): r["people"] for r in counts.iter_rows(named=True)}
    assert got[("high", "high")] == 1 and got[("low", "mid")] == 1 and got[("mid", "low")] == 1
    assert got[("low", "low")] == 0
    assert counts.filter(pl.col("performance").eq("high") & pl.col("potential_band").eq("high"))["name_en"][0] \
        == "Star"


def test_nine_box_view_masks_small_boxes_for_aggregate_viewers(talent_db):
    view = talent_report.nine_box(talent_db, full_access(), AS_OF)
    assert view.people.height == 3 and view.not_reviewed == 1
    agg = talent_report.nine_box(talent_db, Viewer("agg", fields=frozenset()), AS_OF)
    assert agg.people.is_empty()
    assert agg.counts.filter(pl.col("people").is_not_null() & (pl.col("people") > 0)).is_empty()


# ── readiness ──────────────────────────────────────────────────────────
def readiness_of(prof, db, rules=None) -> dict[int, dict]:
    roles, req, cat = catalogues(db)
    ready = talent.readiness(prof.people, prof.scores, roles, req, cat, rules)
    return {r["employee_id"]: r for r in ready.iter_rows(named=True)}


def test_readiness_scores_and_reasons(prof, talent_db):
    ready = readiness_of(prof, talent_db)
    assert set(ready) == {1, 4, 6}  # H (hr_bp) is not on the sales ladder
    e, d, a = ready[6], ready[4], ready[1]
    assert e["next_role"] == "team_lead"
    # E: 17.9 months in role (< 18), 100% attainment, potential 3, rating 5, no management course,
    # negotiation 2 against the supervisor's 4 → 3 of 6
    assert e["met"] == ["results", "potential", "rating"]
    assert e["missing"] == ["time_in_role", "course", "skills"]
    assert e["score"] == pytest.approx(3 / 6) and e["flag"] == "ready_later"
    # D: 29.9 months, 117%, potential 1, rating 3 → 2 of 6
    assert d["met"] == ["time_in_role", "results"] and d["score"] == pytest.approx(2 / 6)
    assert d["flag"] == "not_yet"
    # A: in the role since hire (a team move keeps the role), potential 2 = half a point, negotiation 4 ≥ 4
    assert a["months_in_role"] == pytest.approx(181 / 30.4375)
    assert a["score"] == pytest.approx((0.5 + 1) / 6) and a["met"] == ["skills"]


def test_readiness_rules_are_data(prof, talent_db):
    rules = talent.ReadinessRules(months_in_role_step1=12, max_skill_shortfall=2.0)
    e = readiness_of(prof, talent_db, rules)[6]
    assert e["score"] == pytest.approx(5 / 6) and e["flag"] == "ready_now" and e["missing"] == ["course"]
    courses = talent.ReadinessRules(course_category="skills")  # D completed two "skills" courses
    d = readiness_of(prof, talent_db, courses)[4]
    assert "course" in d["met"] and d["prep_courses"] == ["c_neg", "c_pros"]


# ── internal moves ─────────────────────────────────────────────────────
def test_internal_move_rules_on_a_hand_made_team():
    people = pl.DataFrame({
        "employee_id": [1, 2, 3, 4], "name": ["r1", "r2", "r3", "r4"], "role_id": ["sales_rep"] * 4,
        "team_id": ["t"] * 4,
        "repeat_rate": [0.95, 0.5, 0.6, 0.9], "new_customer_share": [0.05, 0.6, 0.3, 0.5],
        "ka_share": [0.1, 0.2, 0.7, 0.1], "attainment_12m": [0.8, 1.2, 0.9, 0.7],
        "score_ka_management": [None, 3.0, 4.0, None], "score_negotiation": [None, 3.0, 4.0, None],
    }, schema_overrides={"score_ka_management": pl.Float64, "score_negotiation": pl.Float64})
    roles = pl.DataFrame({"role_id": ["sales_rep", "ka_rep", "customer_success"]})
    req = pl.DataFrame({"role_id": ["ka_rep", "customer_success"], "skill_id": ["negotiation", "negotiation"],
                        "required_score": [4.5, 3.0]})
    scores = pl.DataFrame({"employee_id": [2, 3, 2, 3], "skill_id": ["negotiation"] * 2 + ["ka_management"] * 2,
                           "score": [3.0, 4.0, 3.0, 4.0]})
    moves = talent.internal_moves(people, scores, roles, req)
    # r1: top repeat rate, lowest new-customer share, under target → customer success (never assessed: no gap)
    # r3: top KA share, KA skills 4, 90% → KA rep, 0.5 short of the KA rep's negotiation requirement
    # r4 retains well but hunts (50% new) → stays; r2 has KA share but KA skills of 3 → stays
    assert moves.select("employee_id", "to_role", "skill_shortfall").rows() == [
        (1, "customer_success", None), (3, "ka_rep", 0.5)]
    assert moves.filter(pl.col("employee_id") == 1)["reasons"][0].to_list() == ["r_repeat", "h_new", "cs_results"]
    assert talent.internal_moves(people, scores, roles.filter(pl.col("role_id") != "customer_success"),
                                 req)["to_role"].to_list() == ["ka_rep"]


# ── the demo company ───────────────────────────────────────────────────
@pytest.fixture(scope="module")
def demo(demo_db_path):
    db = Database(demo_db_path, read_only=True)
    yield db
    db.close()


def test_demo_nine_box_and_readiness(demo):
    view = talent_report.nine_box(demo, full_access(), DEMO_AS_OF)
    assert view.counts["people"].sum() == view.people.height > 200
    ready = talent_report.readiness(demo, full_access(), DEMO_AS_OF)
    assert set(ready["flag"]) <= {"ready_now", "ready_later", "not_yet"}
    now = ready.filter(pl.col("flag") == "ready_now")
    assert now.height > 0
    assert (now["potential"] == 3).all() and not now["missing"].list.contains("time_in_role").any()
    assert set(ready.filter(pl.col("role_id") == "team_lead")["next_role"]) == {"regional_manager"}
    agg = talent_report.readiness(demo, Viewer("agg", fields=frozenset()), DEMO_AS_OF)
    assert "employee_id" not in agg.columns and agg["people"].drop_nulls().sum() <= ready.height


def test_demo_internal_moves_follow_the_rules(demo):
    moves = talent_report.internal_moves(demo, full_access(), DEMO_AS_OF)
    cs = moves.filter(pl.col("to_role") == "customer_success")
    assert cs.height > 0
    assert (cs["attainment_12m"] < 1.0).all()
    assert (cs["role_id"] == "sales_rep").all()
    agg = talent_report.internal_moves(demo, Viewer("agg", fields=frozenset()), DEMO_AS_OF)
    assert "employee_id" not in agg.columns
