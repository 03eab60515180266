"""Reviews: what they show, frozen snapshots that survive new data, action items carried between meetings."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
import pytest

from analytics.core.access import Viewer, full_access
from analytics.core.db import Database
from analytics.core.i18n import fmt_number
from analytics.core.periods import parse_period
from analytics.metrics.engine import as_of_date, compute
from analytics.people import attrition_report
from analytics.reviews import store as reviews
from analytics.reviews.content import Item, Review, ReviewError, build_review

D = dt.date
AS_OF = D(2025, 12, 31)
EAST_AGG = Viewer("east_manager", frozenset({"east"}), frozenset())


@pytest.fixture
def demo(demo_copy_db: Database) -> Database:
    return demo_copy_db


@pytest.fixture(scope="module")
def quarterly(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Review:
    path = tmp_path_factory.mktemp("q") / "demo.duckdb"
    shutil.copy(demo_db_path, path)
    db = Database(path, read_only=True)
    try:
        return build_review(db, full_access("director"), "quarterly", parse_period("2025-Q4"), lang="en")
    finally:
        db.close()


def _pruned(obj):
    """Plotly JSON without empty containers (``{"title": {}}`` and ``{}`` are the same figure)."""
    if isinstance(obj, dict):
        out = {k: _pruned(v) for k, v in obj.items()}
        return {k: v for k, v in out.items() if v not in ({}, None)}
    if isinstance(obj, list):
        return [_pruned(v) for v in obj]
    return obj


def _figure(fig: go.Figure | None):
    return None if fig is None else _pruned(json.loads(fig.to_json()))


def _same(a: Review, b: Review) -> None:
    assert [i.id for i in a.items] == [i.id for i in b.items]
    for x, y in zip(a.items, b.items, strict=True):
        assert (x.title, x.takeaway, x.definition, x.numbers) == (y.title, y.takeaway, y.definition, y.numbers), x.id
        assert _figure(x.figure) == _figure(y.figure), x.id
        assert (x.table is None) == (y.table is None), x.id
        if x.table is not None:
            assert x.table.schema == y.table.schema and x.table.equals(y.table), x.id


# ── content ──────────────────────────────────────────────────────────────
def test_quarterly_items_and_numbers_match_the_engine(quarterly, demo):
    assert [i.id for i in quarterly.items] == ["attainment", "attrition", "talent", "goals", "regions", "decisions",
                                               "company_metrics", "actions"]
    att = compute(demo, full_access("x"), "attainment", parse_period("2025-Q4"), as_of=AS_OF)["value"][0]
    item = quarterly.item("attainment")
    assert item.numbers["attainment"] == pytest.approx(att)
    assert item.takeaway.startswith(f"Attainment {fmt_number(att, 'ratio', 'en')}, ")
    assert "reps at quota" in item.takeaway and item.figure is not None
    assert sum(item.table["Reps"].to_list()) == item.numbers["reps_with_quota"]
    assert "Quota attainment" in item.definition  # the registry's formula text, for the slide notes
    assert quarterly.title == "Quarterly strategy meeting 2025-Q4" and quarterly.scope_label == "Whole company"


def test_decisions_follow_the_rules(quarterly, demo_db_path):
    regions = quarterly.item("regions").table
    attr = quarterly.item("attrition").numbers["attrition_rate"]  # the same basis as the regions': the quarter
    hot = set(regions.filter(pl.col("Attrition (for the quarter)") >= 1.5 * attr)["Region"].to_list())
    low = regions.filter(pl.col("Attainment") < 0.85)["Region"].to_list()
    # a rate on a small base never drives a decision
    db = Database(demo_db_path, read_only=True)
    q4 = parse_period("2025-Q4")
    by_region = attrition_report.breakdown(db, full_access("x"), q4, as_of_date(db), "region", "en")
    small = set(by_region.filter(pl.col("small_base"))["label"].to_list())
    assert (hot - small) and low  # the demo's new region runs hot and under target: the rules have something to flag
    decisions = quarterly.item("decisions").table["Decision"].to_list()
    for region in hot - small:
        assert any(d.startswith(f"{region} attrition") and "retention plan" in d for d in decisions)
    for region in small:
        assert not any(d.startswith(f"{region} attrition") for d in decisions)
    for region in low:
        assert any(d.startswith(f"{region} attainment") for d in decisions)
    assert quarterly.item("decisions").numbers["decisions"] == len(decisions)


def test_review_rejects_a_period_of_the_wrong_grain_or_in_the_future(demo):
    with pytest.raises(ReviewError, match="covers one quarter"):
        build_review(demo, full_access("x"), "quarterly", parse_period("2025-11"))
    with pytest.raises(ReviewError, match="has not begun"):
        build_review(demo, full_access("x"), "monthly", parse_period("2026-03"))
    with pytest.raises(ReviewError, match="Unknown review kind"):
        build_review(demo, full_access("x"), "weekly", parse_period("2025-11"))


def test_monthly_alerts_name_people_only_for_person_level_viewers(demo):
    full = build_review(demo, full_access("hr"), "monthly", parse_period("2025-11"), lang="zh")
    agg = build_review(demo, EAST_AGG, "monthly", parse_period("2025-11"), lang="zh")
    assert [i.id for i in full.items] == ["sales", "recruiting", "training", "attrition", "alerts", "green_channel",
                                                "company_metrics", "actions"]
    assert full.title == "月度协调会 2025-11"
    names = full.item("alerts").table["姓名"].to_list()
    assert names and all(isinstance(n, str) for n in names)
    agg_alerts = agg.item("alerts").table
    assert "姓名" not in agg_alerts.columns and agg_alerts.height == 3  # counts only
    assert "仅汇总数据" in agg.scope_label
    east_exits = compute(demo, EAST_AGG, "exits", parse_period("2025-11"), as_of=AS_OF)["value"][0]
    assert agg.item("attrition").numbers["exits"] == east_exits
    # the demo's November meeting carries four action items; the December review follows them up
    dec = build_review(demo, full_access("hr"), "monthly", parse_period("2025-12"))
    assert dec.item("actions").numbers["items"] == 4 and dec.item("actions").table.height == 4


# ── frozen snapshots ─────────────────────────────────────────────────────
def test_a_frozen_review_reopens_unchanged_after_new_data(demo, quarterly):
    review_id = reviews.save_review(demo, quarterly, "director")
    before = reviews.load_review(demo, review_id)
    _same(quarterly, before)
    with demo.transaction() as cur:  # an import lands: big orders in the quarter
        rep, customer = cur.execute("select employee_id, customer_id from orders where order_date >= '2025-10-01' "
                                    "and employee_id is not null limit 1").fetchall()[0]
        first = int(cur.execute("select max(order_id) from orders").fetchall()[0][0]) + 1
        for i in range(20):
            cur.execute("insert into orders values ($id, $rep, $cust, $day, 5000000, null, false)",
                        {"id": first + i, "rep": rep, "cust": customer, "day": D(2025, 11, 15)})
    after = reviews.load_review(demo, review_id)
    _same(before, after)
    assert after.as_of == AS_OF and after.scope == quarterly.scope and after.review_id == review_id
    fresh = build_review(demo, full_access("director"), "quarterly", parse_period("2025-Q4"), lang="en")
    assert fresh.item("attainment").numbers["attainment"] > after.item("attainment").numbers["attainment"]
    assert _figure(fresh.item("regions").figure) != _figure(after.item("regions").figure)


def test_table_round_trip_keeps_dtypes_and_odd_values():
    frame = pl.DataFrame({
        "d": [D(2025, 1, 31), None], "t": [dt.datetime(2025, 1, 1, 9, 30), None], "i": [1, None],
        "f": [float("nan"), 2.5], "s": ["华东", None], "b": [True, None], "l": [["a", "b"], []],
    })
    back = reviews.table_from_json(json.loads(json.dumps(reviews.table_to_json(frame))))
    assert back.schema == frame.schema
    assert back.equals(frame)


# ── action items ─────────────────────────────────────────────────────────
def _review(viewer: Viewer, period: str = "2025-11") -> Review:
    fig = go.Figure(go.Bar(x=["华东"], y=[1.0]))
    item = Item("one", "One", "One sentence.", "A definition.", fig, pl.DataFrame({"x": [1]}), {"n": 1.0})
    return Review("monthly", period, AS_OF, viewer.scope_key, "en", f"Monthly {period}", [item], "Whole company")


def _items(db: Database, review_id: int) -> list[tuple]:
    return reviews.action_items(db, review_id).select("text", "status", "carried_from").rows()


def test_action_items_survive_a_restart_and_carry_until_closed(demo):
    db_path = demo.path
    boss = Viewer("boss", frozenset({"north"}), frozenset({"person"}))
    first = reviews.save_review(demo, _review(boss, "2025-10"), "boss")
    a = reviews.add_action_item(demo, first, "Hire two KA reps", "hr_head", "2025-12-15", "boss")
    b = reviews.add_action_item(demo, first, "Coach the bottom five", "sales_director", D(2025, 11, 30), "boss")
    reviews.update_action_item(demo, b, "done", "boss")
    demo.close()

    db = Database(db_path)  # a restart
    try:
        assert _items(db, first) == [("Hire two KA reps", "open", None), ("Coach the bottom five", "done", None)]
        assert reviews.open_items_for_next(db, "monthly", boss)["item_id"].to_list() == [a]
        second = reviews.save_review(db, _review(boss, "2025-11"), "boss")
        assert _items(db, second) == [("Hire two KA reps", "open", a)]  # the done one stays behind
        assert _items(db, first)[0] == ("Hire two KA reps", "open", None)  # history kept in the old meeting
        carried = reviews.action_items(db, second)["item_id"][0]
        reviews.update_action_item(db, carried, "in_progress", "boss")
        third = reviews.save_review(db, _review(boss, "2025-12"), "boss")
        assert _items(db, third) == [("Hire two KA reps", "in_progress", carried)]
        reviews.update_action_item(db, reviews.action_items(db, third)["item_id"][0], "dropped", "boss")
        assert reviews.open_items_for_next(db, "monthly", boss).is_empty()
        fourth = reviews.save_review(db, _review(boss, "2026-01"), "boss")
        assert _items(db, fourth) == []  # closing stops the carry
        closed = reviews.action_items(db, third).row(0, named=True)
        assert closed["closed_at"] is not None
        actions = db.sql("select action from audit_log where actor = 'boss' order by event_id")["action"].to_list()
        assert actions.count("review_save") == 4 and actions.count("action_item_add") == 2
        assert actions.count("action_item_update") == 3
    finally:
        db.close()


def test_items_carry_only_within_the_same_scope(demo):
    north = Viewer("n1", frozenset({"north"}), frozenset({"person"}))
    south = Viewer("s1", frozenset({"south"}), frozenset({"person"}))
    r1 = reviews.save_review(demo, _review(north), "n1")
    reviews.add_action_item(demo, r1, "North only", None, None, "n1")
    r2 = reviews.save_review(demo, _review(south), "s1")
    assert reviews.action_items(demo, r2).is_empty()
    r3 = reviews.save_review(demo, _review(Viewer("n2", frozenset({"north"}), frozenset({"person"}))), "n2")
    assert reviews.action_items(demo, r3)["text"].to_list() == ["North only"]  # same scope, another user


def _quarterly(viewer: Viewer, period: str) -> Review:
    review = _review(viewer, period)
    return Review("quarterly", period, AS_OF, viewer.scope_key, "en", f"Quarterly {period}", review.items, "")


def test_items_carry_across_kinds_from_the_quarterly_to_the_next_monthly_and_not_back(demo):
    """A quarterly meeting's item reaches the next monthly one; closed there, it does not come back from the
    older quarterly into the next quarterly; an item of a later meeting is not carried backwards."""
    boss = Viewer("boss", frozenset({"north"}), frozenset({"person"}))
    q3 = reviews.save_review(demo, _quarterly(boss, "2025-Q3"), "boss")
    hire = reviews.add_action_item(demo, q3, "Hire two KA reps", None, None, "boss")
    coach = reviews.add_action_item(demo, q3, "Coach the bottom five", None, None, "boss")
    # the live October review shows what its record will carry; the record carries exactly that
    _, pending = reviews.meeting_items(demo, "monthly", "2025-10", boss)
    assert pending["item_id"].to_list() == [hire, coach]
    assert reviews.previous_review(demo, boss, "monthly", before="2025-10")["review_id"] == q3
    october = reviews.open_meeting(demo, "monthly", "2025-10", AS_OF, boss, "Monthly 2025-10", "boss")
    assert _items(demo, october) == [("Hire two KA reps", "open", hire), ("Coach the bottom five", "open", coach)]
    copy = reviews.item_in_meeting(demo, october, coach)
    reviews.update_action_item(demo, copy, "done", "boss")
    later = reviews.add_action_item(demo, october, "Check the pipeline", None, None, "boss")
    # a September monthly written afterwards does not carry October's items (they come later)
    september = reviews.open_meeting(demo, "monthly", "2025-09", AS_OF, boss, "Monthly 2025-09", "boss")
    assert "Check the pipeline" not in [t for t, _, _ in _items(demo, september)]
    # the Q4 quarterly follows the newest copy of each item: the coaching is done in October, so it stays behind
    q4 = reviews.save_review(demo, _quarterly(boss, "2025-Q4"), "boss")
    texts = sorted(t for t, _, _ in _items(demo, q4))
    assert texts == ["Check the pipeline", "Hire two KA reps"], texts
    assert later in reviews.action_items(demo, q4)["carried_from"].to_list()


def test_reviews_are_listed_only_for_the_same_scope_or_full_access(demo):
    north = Viewer("n1", frozenset({"north"}), frozenset({"person"}))
    rid = reviews.save_review(demo, _review(north), "n1")
    assert rid in reviews.list_reviews(demo, Viewer("n2", frozenset({"north"}), frozenset({"person"})))["review_id"]
    assert rid in reviews.list_reviews(demo, full_access("hr"))["review_id"]
    assert rid not in reviews.list_reviews(demo, EAST_AGG)["review_id"]
    assert rid not in reviews.list_reviews(demo, Viewer("n3", frozenset({"north"}), frozenset()))["review_id"]
    with pytest.raises(ReviewError, match="another scope"):
        reviews.load_review(demo, rid, EAST_AGG)
    assert reviews.list_reviews(demo, full_access("hr"), kind="quarterly").is_empty()


@pytest.mark.parametrize(("call", "needle"), [
    (lambda db: reviews.add_action_item(db, 999, "x", None, None, "t"), "no saved review 999"),
    (lambda db: reviews.add_action_item(db, 1, "   ", None, None, "t"), "needs a text"),
    (lambda db: reviews.add_action_item(db, 1, "x", None, "31/12/2025", "t"), "not a date"),
    (lambda db: reviews.update_action_item(db, 1, "finished", "t"), "not one of open"),
    (lambda db: reviews.update_action_item(db, 999, "done", "t"), "no action item 999"),
    (lambda db: reviews.load_review(db, 999), "no saved review 999"),
])
def test_bad_action_item_input_is_refused_and_nothing_is_written(demo, call, needle):
    before = (demo.table_counts()["action_items"], demo.table_counts()["audit_log"], demo.data_version)
    with pytest.raises(ReviewError, match=needle):
        call(demo)
    assert (demo.table_counts()["action_items"], demo.table_counts()["audit_log"], demo.data_version) == before


def test_meeting_writes_move_their_own_version_not_the_data_version(demo):
    """An action item changes no fact: cached figures stay (data_version), the live review's cache key moves."""
    boss = Viewer("boss", frozenset({"north"}), frozenset({"person"}))
    data, meetings = demo.data_version, reviews.meetings_version(demo)
    first = reviews.save_review(demo, _review(boss, "2025-10"), "boss")
    item = reviews.add_action_item(demo, first, "Hire two KA reps", None, None, "boss")
    reviews.update_action_item(demo, item, "done", "boss")
    assert demo.data_version == data
    assert reviews.meetings_version(demo) == meetings + 3
