"""Goals alignment: actuals computed from the registry, the red/amber/green rule, validated editing."""
from __future__ import annotations

import datetime as dt

import pytest

from analytics.core.access import Viewer, full_access
from analytics.core.db import Database
from analytics.core.periods import parse_period
from analytics.metrics.engine import compute
from analytics.reviews import goals
from analytics.reviews.goals import Goal, GoalError, delete_goal, evaluate, progress, upsert_goal

D = dt.date


# ── the rule, by hand ────────────────────────────────────────────────────
@pytest.mark.parametrize(("actual", "target", "direction", "unit", "elapsed", "partial", "status"), [
    (100.0, 100.0, "up", "currency", 1.0, False, "green"),     # meets exactly
    (91.0, 100.0, "up", "currency", 1.0, False, "amber"),      # within 10%
    (89.0, 100.0, "up", "currency", 1.0, False, "red"),        # 11% short
    (60.0, 100.0, "up", "currency", 0.5, True, "amber"),       # half the year gone, 60% done: on track pro rata
    (40.0, 100.0, "up", "currency", 0.5, True, "red"),         # behind pro rata (50 expected)
    (0.50, 0.90, "up", "ratio", 0.5, True, "red"),             # ratios are not scaled by time
    (0.27, 0.28, "down", "ratio", 1.0, False, "green"),        # down: at or under the target
    (0.30, 0.28, "down", "ratio", 1.0, False, "amber"),        # 0.30 ≤ 0.28 × 1.1 = 0.308
    (0.35, 0.28, "down", "ratio", 1.0, False, "red"),
    (4.0, 10.0, "down", "count", 0.5, True, "amber"),          # a yearly cap of 10 exits, 4 by mid-year: on track
    (5.4, 10.0, "down", "count", 0.5, True, "amber"),          # within 10% of the 5 expected by now
    (9.0, 10.0, "down", "count", 0.5, True, "red"),            # under the cap, but far ahead of its pace
    (9.0, 10.0, "down", "count", 1.0, False, "green"),         # the year is over: under the cap
])
def test_status_rule(actual, target, direction, unit, elapsed, partial, status):
    assert evaluate(actual, target, direction, unit, elapsed, partial)[0] == status


def test_pro_rata_reports_the_expected_value():
    status, reason, expected = evaluate(60.0, 120.0, "up", "currency", 0.25, True)
    assert (status, reason, expected) == ("amber", "why.pro_rata", 30.0)


def test_masked_actual_has_no_status():
    assert evaluate(None, 1.0, "up", "ratio", 1.0, False)[0] == "none"


# ── on the demo company ──────────────────────────────────────────────────
@pytest.fixture
def demo(demo_copy_db: Database) -> Database:
    return demo_copy_db


def test_actuals_are_the_engine_numbers(demo):
    as_of = D(2025, 12, 31)
    frame = progress(demo, full_access("t"), as_of, "en")
    row = frame.filter(frame["goal_id"] == "G1").row(0, named=True)
    expected = compute(demo, full_access("t"), "bookings", parse_period("FY2025"), as_of=as_of)["value"][0]
    assert row["actual"] == pytest.approx(expected)
    target = row["target"]
    assert row["status"] == ("green" if expected >= target else "amber" if expected >= 0.9 * target else "red")
    nw = frame.filter(frame["goal_id"] == "G1.3").row(0, named=True)  # a goal scoped to one region
    nw_expected = compute(demo, full_access("t").narrowed("northwest"), "bookings", parse_period("FY2025"),
                          as_of=as_of)["value"][0]
    assert nw["actual"] == pytest.approx(nw_expected) and nw["actual"] < row["actual"]


def test_goals_tree_is_depth_first_and_explains_missing_actuals(demo):
    frame = progress(demo, full_access("t"), D(2025, 12, 31), "zh")
    ids = frame["goal_id"].to_list()
    assert ids[0] == "G1" and ids.index("G1.1") < ids.index("G1.1.1") < ids.index("G1.2")
    assert frame.filter(frame["goal_id"] == "G1.1.1")["depth"][0] == 2
    # every goal of the demo tree is bound to a metric the engine computes: each has an actual and a status
    assert frame["actual"].is_not_null().all() and frame["status"].is_in(["green", "amber", "red"]).all()
    # a goal bound to a metric that is a table, not one number (the 9-box), has no actual and says why
    with demo.transaction() as cur:
        cur.execute("insert into goals (goal_id, parent_id, level, title_en, title_zh, metric_id, target, period) "
                    "values ('GX', 'G1', 'hr', 'Boxes', '九宫格', 'nine_box', 1, 'FY2025')")
    frame = progress(demo, full_access("t"), D(2025, 12, 31), "zh")
    not_computed = frame.filter(frame["metric_id"] == "nine_box").row(0, named=True)
    assert not_computed["status"] == "none" and not_computed["actual"] is None
    assert not_computed["reason"] == goals.TEXT["zh"]["why.not_computed"]


def test_within_a_quarter_uses_the_goal_period_to_that_quarter(demo):
    frame = progress(demo, full_access("t"), D(2025, 12, 31), "en", within=parse_period("2025-Q3"))
    row = frame.filter(frame["goal_id"] == "G1").row(0, named=True)
    jan_sep = compute(demo, full_access("t"), "bookings", parse_period("2025-01..2025-09"), as_of=D(2025, 9, 30))
    assert row["actual"] == pytest.approx(jan_sep["value"][0])
    assert row["partial"] and row["elapsed"] == pytest.approx(9 / 12)


def test_goals_outside_a_restricted_scope_show_no_number(demo):
    viewer = Viewer("nw", frozenset({"northwest"}), frozenset())
    frame = progress(demo, viewer, D(2025, 12, 31), "en")
    company = frame.filter(frame["goal_id"] == "G1").row(0, named=True)
    assert company["actual"] is None and company["reason"] == "outside your scope"
    assert frame.filter(frame["goal_id"] == "G1.3")["actual"][0] is not None


# ── editing ──────────────────────────────────────────────────────────────
def _goal(**over) -> dict:
    base = {"goal_id": "G9", "parent_id": "G1", "level": "sales", "title_en": "Lift KA share",
            "title_zh": "提升大客户占比", "metric_id": "ka_share", "target": 0.3, "direction": "up", "period": "FY2025",
            "org_unit_id": "east", "owner": "ka_lead"}
    return base | over


def _state(db: Database) -> tuple[int, int, int]:
    return (int(db.scalar("select count(*) from goals")), int(db.scalar("select count(*) from audit_log")),
            db.data_version)


@pytest.mark.parametrize(("change", "needle"), [
    ({"metric_id": "ka_shares"}, "Did you mean 'ka_share'"),
    ({"metric_id": "nine_box"}, "does not compute it yet"),
    ({"parent_id": "G404"}, "parent goal 'G404' does not exist"),
    ({"period": "2025-Q9"}, "not a period"),
    ({"level": "board"}, "level 'board'"),
    ({"title_zh": ""}, "both English"),
    ({"target": None}, "numeric target"),
    ({"org_unit_id": "atlantis"}, "org unit 'atlantis' does not exist"),
    ({"level": "strategy", "parent_id": "G1.1"}, "cannot sit under a sales goal"),
    ({"direction": None}, "no natural direction"),     # KA share is neutral in the registry: say which way
    ({"direction": "sideways"}, "must be 'up' or 'down'"),
])
def test_bad_goals_are_refused_and_nothing_is_written(demo, change, needle):
    before = _state(demo)
    with pytest.raises(GoalError) as err:
        upsert_goal(demo, _goal(**change), "tester")
    assert str(err.value).startswith("Goal G9") and needle in str(err.value)
    assert _state(demo) == before


def test_a_goal_cannot_become_its_own_ancestor(demo):
    with pytest.raises(GoalError, match="own ancestor"):
        upsert_goal(demo, {**_goal(goal_id="G1.1", level="sales"), "parent_id": "G1.1.1"}, "tester")


def test_upsert_then_update_then_delete(demo):
    saved = upsert_goal(demo, _goal(metric_id="repeat_rate", direction=None), "tester")
    assert saved.direction == "up"  # taken from the registry
    saved = upsert_goal(demo, _goal(), "tester")
    stored = [g for g in goals.load_goals(demo) if g.goal_id == "G9"]
    assert stored == [saved]
    assert demo.scalar("select action from audit_log order by event_id desc limit 1") == "goal_update"
    assert demo.scalar("select count(*) from audit_log where action = 'goal_create' and target = 'G9'") == 1
    frame = progress(demo, full_access("t"), D(2025, 12, 31), "en")
    east = compute(demo, full_access("t").narrowed("east"), "ka_share", parse_period("FY2025"), as_of=D(2025, 12, 31))
    assert frame.filter(frame["goal_id"] == "G9")["actual"][0] == pytest.approx(east["value"][0])

    upsert_goal(demo, Goal(**{**_goal(), "target": 0.2}), "tester")
    assert demo.scalar("select target from goals where goal_id = 'G9'") == 0.2
    assert demo.scalar("select action from audit_log order by event_id desc limit 1") == "goal_update"

    with pytest.raises(GoalError, match="has sub-goals"):
        delete_goal(demo, "G1", "tester")
    with pytest.raises(GoalError, match="no goal"):
        delete_goal(demo, "G404", "tester")
    delete_goal(demo, "G9", "tester")
    assert not demo.scalar("select count(*) from goals where goal_id = 'G9'")
    assert demo.scalar("select action from audit_log order by event_id desc limit 1") == "goal_delete"
