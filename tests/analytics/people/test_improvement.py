"""Improvement plans (analytics/people/improvement.py): outcomes, days to a plan and the summaries hand-computed on a
small company; the store's refusals and audit; the matched comparison on a company whose answer is known, and on the
demo company."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.people import improvement_report as imp
from tests.conftest import D, open_db, tiny_frames

AS_OF = D(2025, 3, 31)  # 2024-Q1 … 2025-Q1 complete
QUARTERS = [(2024, 1), (2024, 4), (2024, 7), (2024, 10), (2025, 1)]  # first months
HR = Viewer(user="hr", org_units=None, fields=frozenset({"person", "pay", "personal_details"}))
EAST = Viewer(user="east_director", org_units=frozenset({"east"}), fields=frozenset({"person"}))
EAST_01 = Viewer(user="lead1", org_units=frozenset({"east-01"}), fields=frozenset({"person"}))
EAST_02 = Viewer(user="lead2", org_units=frozenset({"east-02"}), fields=frozenset({"person"}))
NORTH = Viewer(user="north_director", org_units=frozenset({"north"}), fields=frozenset({"person"}))
ANALYST = Viewer(user="analyst", org_units=None, fields=frozenset())

# Attainment per quarter 2024-Q1 … 2025-Q1 (quota 100 a month = 300 a quarter; one order of attainment × 300 in
# each quarter's second month). The coaching rule of data/scorecard.toml: under 100% two quarters running.
ATTAINMENT = {
    11: [0.5, 0.6, 0.9, 1.0, 1.1],   # plan 1, opened 2024-07-20 (Q3): Q4 1.0 and 2025-Q1 1.1 → recovered
    12: [0.4, 0.5, 0.7, 0.9, 1.2],   # plan 2, opened 2024-08-15 (Q3): Q4 0.9 → not recovered
    13: [0.5, 0.5, 0.8, 1.5, 1.5],   # plan 3, opened 2024-07-10 (Q3): moves east-01 → east-02 on 2024-11-01 → moved
    14: [0.6, 0.6, 0.8, 1.2, None],  # plan 4, opened 2024-07-05 (Q3): leaves 2024-12-15 → left
    15: [0.8, 0.9, 0.5, 0.6, 1.3],   # plan 5, opened 2025-01-10 (2025-Q1): 2025-Q3 not complete → pending
    17: [1.1, 1.2, 1.0, 1.3, 1.0],   # plan 6, opened 2024-05-01 (Q2): Q3 1.0, Q4 1.3 → recovered; never under
}
# days_to_plan: the end of the latest quarter before the plan closing two quarters under 100%:
# 11: 2024-Q2 (0.5, 0.6) ends 06-30 → 20 days; 12: 06-30 → 46; 13: 06-30 → 10; 14: 06-30 → 5;
# 15: under in Q2, Q3, Q4 → the latest run ends 2024-12-31 → 10 days; 17: never under → null.
EXPECTED = pl.DataFrame({
    "plan_id": [6, 4, 3, 1, 2, 5],
    "employee_id": [17, 14, 13, 11, 12, 15],
    "quarter": ["2024-Q2", "2024-Q3", "2024-Q3", "2024-Q3", "2024-Q3", "2025-Q1"],
    "quarter_1": ["2024-Q3", "2024-Q4", "2024-Q4", "2024-Q4", "2024-Q4", "2025-Q2"],
    "quarter_2": ["2024-Q4", "2025-Q1", "2025-Q1", "2025-Q1", "2025-Q1", "2025-Q3"],
    "attainment_1": [1.0, 1.2, 1.5, 1.0, 0.9, None],
    "attainment_2": [1.3, None, 1.5, 1.1, 1.2, None],
    "outcome": ["recovered", "left", "moved", "recovered", "not_recovered", "pending"],
    "days_to_plan": [None, 5, 10, 20, 46, 10],
    "overdue": [False, False, False, False, False, True],
}, schema_overrides={"days_to_plan": pl.Int64, "attainment_1": pl.Float64, "attainment_2": pl.Float64})
PLANS = [  # plan_id, employee, opened, cause, training, mentor, post, review, closed
    (1, 11, D(2024, 7, 20), "skills", True, True, False, D(2024, 10, 20), D(2024, 10, 20)),
    (2, 12, D(2024, 8, 15), "skills", True, False, False, D(2024, 11, 15), D(2024, 11, 15)),
    (3, 13, D(2024, 7, 10), "territory", False, False, True, D(2024, 10, 10), D(2024, 10, 10)),
    (4, 14, D(2024, 7, 5), "attitude", False, True, False, D(2024, 10, 5), D(2024, 12, 15)),
    (5, 15, D(2025, 1, 10), "skills", False, True, False, D(2025, 3, 1), None),  # open, review passed: overdue
    (6, 17, D(2024, 5, 1), "other", True, False, False, D(2024, 8, 1), D(2024, 8, 1)),
]


def _company(attainment: dict[int, list[float | None]], units: dict[int, str], plans: list[tuple],
             moves: dict[int, tuple[dt.date, str]] | None = None,
             leavers: dict[int, dt.date] | None = None) -> dict[str, pl.DataFrame]:
    """The tiny company's org and roles with these reps (hired 2023-01-01), their quotas, orders and plans."""
    frames = tiny_frames()
    moves, leavers = moves or {}, leavers or {}
    ids = list(attainment)
    frames["employees"] = pl.DataFrame({
        "employee_id": ids, "name": [f"Rep {i}" for i in ids], "hire_date": [D(2023, 1, 1)] * len(ids),
        "termination_date": [leavers.get(i) for i in ids],
        "exit_type": ["voluntary" if i in leavers else None for i in ids],
        "regretted": [False if i in leavers else None for i in ids], "hire_source": ["referral"] * len(ids),
        "probation_months": [3] * len(ids)}, schema_overrides={"termination_date": pl.Date, "regretted": pl.Boolean,
                                                               "exit_type": pl.Utf8})
    asg = []
    for i in ids:
        moved = moves.get(i)
        last = leavers.get(i)
        if moved:
            asg.append((i, units[i], D(2023, 1, 1), moved[0] - dt.timedelta(days=1)))
            asg.append((i, moved[1], moved[0], last))
        else:
            asg.append((i, units[i], D(2023, 1, 1), last))
    frames["assignments"] = pl.DataFrame({
        "assignment_id": list(range(1, len(asg) + 1)), "employee_id": [a[0] for a in asg],
        "org_unit_id": [a[1] for a in asg], "manager_id": [None] * len(asg), "role_id": ["sales_rep"] * len(asg),
        "job_level": [1] * len(asg), "valid_from": [a[2] for a in asg], "valid_to": [a[3] for a in asg]},
        schema_overrides={"manager_id": pl.Int64, "valid_to": pl.Date})
    quotas, orders = [], []
    for i, values in attainment.items():
        for (year, month), value in zip(QUARTERS, values, strict=True):
            if value is None:
                continue
            quotas += [(i, D(year, month + k, 1), 100.0) for k in range(3)]
            orders.append((len(orders) + 1000, i, 10 + i % 2, D(year, month + 1, 10), value * 300))
    frames["quotas"] = pl.DataFrame(quotas, schema=["employee_id", "month", "amount"], orient="row")
    frames["orders"] = pl.DataFrame(orders, schema=["order_id", "employee_id", "customer_id", "order_date", "amount"],
                                    orient="row").with_columns(is_new_customer=pl.lit(False))
    frames["collections"] = frames["collections"].clear()
    frames["improvement_plans"] = pl.DataFrame(
        [(*p[:9], None, "test", dt.datetime.combine(p[2], dt.time(9))) for p in plans],
        schema={"plan_id": pl.Int64, "employee_id": pl.Int64, "opened_on": pl.Date, "cause": pl.Utf8,
                "action_training": pl.Boolean, "action_mentor": pl.Boolean, "action_post": pl.Boolean,
                "review_date": pl.Date, "closed_on": pl.Date, "note": pl.Utf8, "opened_by": pl.Utf8,
                "created_at": pl.Datetime("us")}, orient="row")
    return frames


@pytest.fixture
def db(tmp_path: Path) -> Database:
    units = {11: "east-01", 12: "east-01", 13: "east-01", 14: "east-01", 15: "east-02", 17: "north-01"}
    frames = _company(ATTAINMENT, units, PLANS, moves={13: (D(2024, 11, 1), "east-02")},
                      leavers={14: D(2024, 12, 15)})
    database = open_db(tmp_path / "plans.duckdb", frames, as_of=AS_OF)
    yield database
    database.close()


def test_outcomes_and_days_to_plan_by_hand(db):
    got = imp.outcomes(db, HR, AS_OF)
    assert got.select(EXPECTED.columns).sort("plan_id").equals(EXPECTED.sort("plan_id"))
    assert got["plan_id"].to_list() == [6, 4, 3, 1, 2, 5]  # oldest first
    assert got.filter(pl.col("plan_id") == 1)["actions"].to_list() == [["training", "mentor"]]
    assert got.filter(pl.col("plan_id") == 5)["signal_end"].to_list() == [D(2024, 12, 31)]


def test_leaving_is_decided_before_the_second_quarter_ends(db):
    # on 2024-12-31 plan 4's second quarter (2025-Q1) is not over, but its rep left on 12-15; plan 3's rep had moved
    got = imp.outcomes(db, HR, D(2024, 12, 31)).sort("plan_id")
    assert got["outcome"].to_list() == ["pending", "pending", "moved", "left", "recovered"]  # plans 1, 2, 3, 4, 6


def test_who_sees_which_plans(db):
    assert sorted(imp.plans(db, EAST, AS_OF)["plan_id"]) == [1, 2, 3, 4, 5]
    assert imp.plans(db, NORTH, AS_OF)["plan_id"].to_list() == [6]
    # east-02 holds 15 now, and 13 since his move: the plan opened in east-01 follows him
    assert sorted(imp.plans(db, EAST_02, AS_OF)["plan_id"]) == [3, 5]
    # east-01 opened 13's plan before he moved, and 14's (she left from east-01): both stay in its view
    assert sorted(imp.plans(db, EAST_01, AS_OF)["plan_id"]) == [1, 2, 3, 4]
    assert imp.plans(db, HR, D(2024, 6, 30))["plan_id"].to_list() == [6]  # opened by then
    for call in (imp.plans, imp.outcomes):
        with pytest.raises(imp.PlanError) as err:
            call(db, ANALYST, AS_OF)
        assert err.value.code == "person_level"


def test_summaries_by_cause_and_action_by_hand(db):
    got = imp.summary_by(imp.outcomes(db, HR, AS_OF), "cause")
    # skills: plans 1 (recovered), 2 (not), 5 (pending); attitude: 4 (left); territory: 3 (moved); other: 6 (recovered)
    assert got.select("cause", "plans", "people", "decided", "recovered", "pending").rows() == [
        ("skills", 3, 3, 2, 1, 1), ("attitude", 1, 1, 1, 0, 0), ("territory", 1, 1, 1, 0, 0), ("other", 1, 1, 1, 1, 0)]
    assert got["recovery_rate"].to_list() == [0.5, 0.0, 0.0, 1.0]
    # training: 1, 2, 6 → 2 of 3 decided recovered; mentor: 1, 4, 5 → 1 of 2; post: 3 → 0 of 1
    by_action = imp.summary_by(imp.outcomes(db, HR, AS_OF), "action")
    assert by_action.select("action", "plans", "decided", "recovered").rows() == [
        ("training", 3, 3, 2), ("mentor", 3, 2, 1), ("post", 1, 1, 0)]
    assert by_action["recovery_rate"].to_list() == pytest.approx([2 / 3, 0.5, 0.0])
    with pytest.raises(imp.PlanError):
        imp.summary_by(imp.outcomes(db, HR, AS_OF), "region")


def test_summaries_are_masked_for_aggregate_viewers(db):
    # every cause holds fewer than 5 people: all masked for the analyst, as they are for the HR head unmasked
    masked = imp.summary(db, ANALYST, AS_OF, "cause")
    assert masked["masked"].to_list() == [True] * 4
    assert masked["recovered"].null_count() == 4 and masked["recovery_rate"].null_count() == 4
    assert masked["cause"].to_list() == list(imp.CAUSES)
    assert imp.summary(db, HR, AS_OF, "cause")["recovered"].to_list() == [1, 0, 0, 1]


def _audit(db: Database) -> list[tuple]:
    return db.sql("select actor, action, target from audit_log where action like 'improvement_plan%' "
                  "order by event_id").rows()


def test_the_store_opens_reviews_and_closes_and_audits(db):
    version, plans_version = db.data_version, imp.plans_version(db)
    plan = imp.open_plan(db, EAST, 11, "skills", {"training", "mentor"}, D(2025, 6, 30), AS_OF, note="  Q2  review ")
    # not a fact: the data version stays (no stored figure retired), the plans' own counter moves
    assert plan == 7 and db.data_version == version and imp.plans_version(db) == plans_version + 1
    row = db.sql("select * from improvement_plans where plan_id = 7").row(0, named=True)
    assert (row["employee_id"], row["opened_on"], row["cause"], row["action_training"], row["action_mentor"],
            row["action_post"], row["review_date"], row["closed_on"], row["note"], row["opened_by"]) == (
        11, AS_OF, "skills", True, True, False, D(2025, 6, 30), None, "Q2 review", "east_director")
    imp.set_review_date(db, EAST, 7, D(2025, 7, 15), AS_OF)
    imp.close_plan(db, EAST_02, 5, AS_OF, note="recovered in March")
    assert db.sql("select closed_on, note from improvement_plans where plan_id = 5").row(0) == (
        AS_OF, "recovered in March")
    assert db.scalar("select review_date from improvement_plans where plan_id = 7") == D(2025, 7, 15)
    assert _audit(db) == [("east_director", "improvement_plan_open", "11"),
                          ("east_director", "improvement_plan_review", "11"),
                          ("lead2", "improvement_plan_close", "15")]
    assert "review" not in db.scalar("select detail from audit_log order by event_id limit 1 offset 1")  # no note text
    plans = imp.plans(db, HR, AS_OF)
    assert plans.filter(pl.col("plan_id") == 7)["is_open"].to_list() == [True]
    assert plans.filter(pl.col("plan_id") == 5)["overdue"].to_list() == [False]


@pytest.mark.parametrize(("viewer", "employee", "cause", "actions", "review", "code"), [
    (ANALYST, 11, "skills", {"training"}, D(2025, 6, 30), "person_level"),
    (NORTH, 11, "skills", {"training"}, D(2025, 6, 30), "not_allowed"),
    (EAST_02, 11, "skills", {"training"}, D(2025, 6, 30), "not_allowed"),
    (HR, 99, "skills", {"training"}, D(2025, 6, 30), "not_allowed"),
    (HR, 14, "skills", {"training"}, D(2025, 6, 30), "left"),
    (HR, 11, "luck", {"training"}, D(2025, 6, 30), "cause"),
    (HR, 11, "skills", {"training", "prayer"}, D(2025, 6, 30), "action"),
    (HR, 11, "skills", set(), D(2025, 6, 30), "action"),
    (HR, 11, "skills", {"training"}, D(2025, 3, 30), "review_date"),
    (HR, 11, "skills", {"training"}, D(2026, 4, 1), "review_date"),
    (HR, 15, "skills", {"training"}, D(2025, 6, 30), "already_open"),
])
def test_the_store_refuses(db, viewer, employee, cause, actions, review, code):
    with pytest.raises(imp.PlanError) as err:
        imp.open_plan(db, viewer, employee, cause, actions, review, AS_OF)
    assert err.value.code == code
    assert db.scalar("select count(*) from improvement_plans") == 6 and _audit(db) == []


def test_closing_is_refused_out_of_scope_twice_or_unknown(db):
    for viewer, plan, code in [(NORTH, 5, "not_allowed"), (ANALYST, 5, "person_level"), (HR, 1, "closed"),
                               (HR, 42, "unknown")]:
        with pytest.raises(imp.PlanError) as err:
            imp.close_plan(db, viewer, plan, AS_OF)
        assert err.value.code == code
    with pytest.raises(imp.PlanError) as err:
        imp.set_review_date(db, HR, 5, D(2027, 1, 1), AS_OF)
    assert err.value.code == "review_date"
    assert _audit(db) == []


# ── the matched comparison ────────────────────────────────────────────
# As of 2024-12-31 the events are 2024-Q2 (under in Q1 and Q2; Q3 and Q4 complete). T1 and T2 get a plan 15 days
# after Q2 and recover; controls C1, C2 (near them) do not recover, C3 (far: 0.9, 0.9) does; P gets a plan 138 days
# after Q2 (neither treated nor control) and recovers. T1 (0.5, 0.5) → C1 (0.5, 0.55), distance 0.05 (C2 0.1);
# T2 (0.4, 0.45) → C2 (0.4, 0.5), distance 0.05. Treated 2 of 2, matched controls 0 of 2: difference 1.0.
MATCH = {21: [0.5, 0.5, 1.2, 1.2], 22: [0.4, 0.45, 1.1, 1.3],
         31: [0.5, 0.55, 0.8, 0.8], 32: [0.4, 0.5, 0.7, 0.9], 33: [0.9, 0.9, 1.1, 1.1], 41: [0.5, 0.5, 1.2, 1.2]}
MATCH_PLANS = [(1, 21, D(2024, 7, 15), "skills", True, False, False, D(2024, 10, 15), D(2024, 10, 15)),
               (2, 22, D(2024, 7, 15), "attitude", False, True, False, D(2024, 10, 15), D(2024, 10, 15)),
               (3, 41, D(2024, 11, 15), "other", True, False, False, D(2025, 2, 15), None)]


def test_matched_comparison_on_a_known_answer(tmp_path):
    frames = _company({k: [*v, None] for k, v in MATCH.items()}, dict.fromkeys(MATCH, "east-01"), MATCH_PLANS)
    db = open_db(tmp_path / "match.duckdb", frames, as_of=D(2024, 12, 31))
    try:
        got = imp.matched_comparison(db, HR, D(2024, 12, 31), seed=3)
        assert got == {"treated_rate": 1.0, "control_rate": 0.0, "difference": 1.0, "ci_low": 1.0, "ci_high": 1.0,
                       "n_treated": 2, "n_treated_people": 2, "n_controls": 3, "n_matched_controls": 2,
                       "target": 1.0, "masked": False}
        masked = imp.matched_comparison(db, ANALYST, D(2024, 12, 31))  # 2 treated people < 5: nothing, not even n
        assert masked == {**dict.fromkeys(got), "target": 1.0, "masked": True}
    finally:
        db.close()


def test_matched_comparison_on_the_demo_company(demo_db_path):
    db = Database(demo_db_path, read_only=True)
    try:
        as_of = D(2025, 12, 31)
        got = imp.matched_comparison(db, HR, as_of, seed=0)
        assert got["n_treated"] > 50 and got["n_controls"] > got["n_treated"]
        assert got["ci_low"] <= got["difference"] <= got["ci_high"]
        assert got["difference"] == pytest.approx(got["treated_rate"] - got["control_rate"])
        assert imp.matched_comparison(db, HR, as_of, seed=0) == got  # seeded
        # the demo embeds an effect of a plan (docs/demo_company.md, effect 9; recovered: test_plan_effect.py)
        assert got["ci_low"] > 0
        assert imp.outcomes(db, HR, as_of).height == db.scalar("select count(*) from improvement_plans")
        seen = imp.matched_comparison(db, Viewer(user="analyst", org_units=None, fields=frozenset()), as_of, seed=0)
        assert seen == got  # enough people on both sides: the analyst sees the same figures
    finally:
        db.close()


def test_the_headline_cards_by_hand(db):
    # one open plan (5, review passed: overdue); decided: 6 and 1 recovered, 4 left, 3 moved, 2 not: 2 of 5;
    # days to a plan 5, 10, 20, 46, 10 (6 has no run before it): median 10
    assert imp.headline(imp.outcomes(db, HR, AS_OF)) == {"open": 1, "overdue": 1, "recovery_rate": 0.4,
                                                         "days_to_plan": 10.0}
