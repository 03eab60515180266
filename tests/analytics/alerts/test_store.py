"""Alerts as rows on the tiny company: an episode is raised once and closed when it clears; owners answer within
scope; requests from Sales; the share answered in time (alert_response_24h) computed by hand."""
from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from analytics.alerts import inbox_report, store
from analytics.alerts.evaluate_report import _MEMBERS
from analytics.core.access import Viewer
from analytics.core.periods import parse_period
from analytics.metrics import alert_metrics
from analytics.metrics.engine import compute
from analytics.metrics.shaping import Request

AS_OF = dt.date(2024, 6, 30)
NOW = dt.datetime(2024, 6, 1, 9, 0)
HR = Viewer("hr", roles=frozenset({"hr_head"}))
EAST = Viewer("dir.east", org_units=frozenset({"east"}), roles=frozenset({"sales_director"}),
              fields=frozenset({"person", "pay_reports"}))
NORTH = Viewer("dir.north", org_units=frozenset({"north"}), roles=frozenset({"sales_director"}),
               fields=frozenset({"person", "pay_reports"}))


def members(*subjects: tuple[str, str | None, int | None]) -> pl.DataFrame:
    rows = [{"subject": s, "org_unit_id": u, "employee_id": e, "facts": json.dumps({"value": 1})}
            for s, u, e in subjects]
    return pl.DataFrame(rows, schema=_MEMBERS) if rows else pl.DataFrame(schema=_MEMBERS)


def raise_one(db, subject=("unit:east", "east", None), owners=("hr_head",), at=NOW, hours=24.0, rule="r") -> int:
    new, _ = store.reconcile(db, rule, "high", owners, hours, members(subject), AS_OF, at)
    return new[0]


def test_an_episode_is_raised_once_and_closed_when_it_clears(tiny_db):
    east = members(("unit:east", "east", None))
    new, cleared = store.reconcile(tiny_db, "r", "high", ("hr_head",), 24, east, AS_OF, NOW)
    assert len(new) == 1 and cleared == 0
    row = store.alert(tiny_db, new[0])
    assert row["due_at"] == NOW + dt.timedelta(hours=24) and row["owner_roles"] == "hr_head"
    # the condition still holds: nothing new, however often it is evaluated
    for hours in (1, 2, 30):
        assert store.reconcile(tiny_db, "r", "high", ("hr_head",), 24, east, AS_OF,
                               NOW + dt.timedelta(hours=hours)) == ([], 0)
    # it clears: the episode is closed
    assert store.reconcile(tiny_db, "r", "high", ("hr_head",), 24, members(), AS_OF, NOW + dt.timedelta(days=2)) \
        == ([], 1)
    assert store.alert(tiny_db, new[0])["cleared_at"] == NOW + dt.timedelta(days=2)
    # it comes back: a new episode, a new alert
    again, _ = store.reconcile(tiny_db, "r", "high", ("hr_head",), 24, east, AS_OF, NOW + dt.timedelta(days=3))
    assert len(again) == 1 and again != new
    assert tiny_db.scalar("select count(*) from alerts where subject = 'unit:east'") == 2


def test_the_starting_point_is_recorded_not_raised(tiny_db):
    both = members(("person:1", "east-01", 1), ("person:4", "north-01", 4))
    new, _ = store.reconcile(tiny_db, "l", "medium", ("hr_head",), 24, both.head(1), AS_OF, NOW, quiet=True)
    assert new == [] and tiny_db.scalar("select count(*) from alerts where quiet") == 1
    new, _ = store.reconcile(tiny_db, "l", "medium", ("hr_head",), 24, both, AS_OF, NOW + dt.timedelta(days=1))
    assert [store.alert(tiny_db, a)["subject"] for a in new] == ["person:4"]  # only the newcomer
    rows, _ = inbox_report.visible(tiny_db, HR)
    assert rows["subject"].to_list() == ["person:4"]  # a starting point is in no inbox


def test_owners_answer_within_scope(tiny_db):
    v0 = store.alerts_version(tiny_db)
    east = raise_one(tiny_db, ("unit:east", "east", None), owners=("hr_head",))
    coach = raise_one(tiny_db, ("person:1", "east-01", 1), owners=("sales_director", "hr_head"), rule="c")
    assert store.alerts_version(tiny_db) > v0
    with pytest.raises(store.AlertError) as exc:
        store.acknowledge(tiny_db, EAST, east, NOW)
    assert exc.value.code == "not_owner"  # HR answers this one
    with pytest.raises(store.AlertError) as exc:
        store.acknowledge(tiny_db, NORTH, coach, NOW)
    assert exc.value.code == "scope"
    store.acknowledge(tiny_db, EAST, coach, NOW + dt.timedelta(hours=2), "calling him today")
    row = store.alert(tiny_db, coach)
    assert (row["acknowledged_by"], row["acknowledged_at"]) == ("dir.east", NOW + dt.timedelta(hours=2))
    with pytest.raises(store.AlertError) as exc:
        store.acknowledge(tiny_db, HR, coach, NOW + dt.timedelta(hours=3))
    assert exc.value.code == "already_acknowledged"
    with pytest.raises(store.AlertError) as exc:
        store.resolve(tiny_db, HR, east, "   ", NOW)
    assert exc.value.code == "text"
    store.resolve(tiny_db, HR, east, "mentors for every new hire", NOW + dt.timedelta(hours=5))
    row = store.alert(tiny_db, east)  # resolving an unacknowledged alert acknowledges it too
    assert row["acknowledged_at"] == row["resolved_at"] == NOW + dt.timedelta(hours=5)
    with pytest.raises(store.AlertError) as exc:
        store.add_action(tiny_db, HR, east, "more", NOW)
    assert exc.value.code == "already_resolved"
    assert store.actions(tiny_db, [coach])["text"].to_list() == ["calling him today"]
    log = tiny_db.sql("select action, detail from audit_log where action in ('alert_acknowledged', 'alert_resolved', "
                      "'alert_action') order by event_id")
    assert log["action"].to_list() == ["alert_acknowledged", "alert_resolved"]
    assert not any("calling" in d or "mentors" in d for d in log["detail"].to_list())  # no free text audited


def test_a_request_from_sales_is_an_alert_for_hr(tiny_db):
    due = NOW + dt.timedelta(hours=6)
    alert_id = store.file_request(tiny_db, EAST, "people_short", "east-02", "Two reps for the metro bid", due, NOW,
                                  people=2, as_of=AS_OF)
    row = store.alert(tiny_db, alert_id)
    assert (row["rule_id"], row["owner_roles"], row["severity"], row["org_unit_id"], row["due_at"]) == (
        "urgent_request", "hr_head", "urgent", "east-02", due)
    assert store.requests(tiny_db)["text"].to_list() == ["Two reps for the metro bid"]
    refusals = [
        (HR, "people_short", "east-02", "x", due, None, "not_director"),
        (EAST, "people_short", "north-01", "x", due, None, "scope"),
        (EAST, "staffing", "east-02", "x", due, None, "kind"),
        (EAST, "morale", "east-02", " ", due, None, "text"),
        (EAST, "morale", "east-02", "x", NOW - dt.timedelta(hours=1), None, "due"),
        (EAST, "morale", "east-02", "x", NOW + dt.timedelta(days=31), None, "due"),
        (EAST, "people_short", "east-02", "x", due, 0, "people"),
        (EAST, "people_short", "nowhere", "x", due, None, "unit"),
    ]
    for viewer, kind, unit, text, when, people, code in refusals:
        with pytest.raises(store.AlertError) as exc:
            store.file_request(tiny_db, viewer, kind, unit, text, when, NOW, people=people)
        assert exc.value.code == code, (kind, unit, code)
    assert tiny_db.scalar("select count(*) from alerts") == 1  # nothing written by a refusal
    with pytest.raises(store.AlertError):
        store.acknowledge(tiny_db, EAST, alert_id, NOW)  # the director filed it; HR answers
    store.resolve(tiny_db, HR, alert_id, "Two reps from East Team 1 for three weeks", NOW + dt.timedelta(hours=4))
    assert store.alert(tiny_db, alert_id)["cleared_at"] is not None  # answered: the request's episode is over


def _timed(db, subject, unit, raised, ack=None, hours=24.0, quiet=False) -> int:
    new, _ = store.reconcile(db, "t", "high", ("hr_head",), hours, members((subject, unit, None)), AS_OF, raised,
                             quiet=quiet)
    if quiet:
        return int(db.scalar("select max(alert_id) from alerts"))
    if ack is not None:
        store.acknowledge(db, HR, new[0], ack)
    return new[0]


def test_the_share_answered_in_time_by_hand(tiny_db):
    d = dt.datetime
    _timed(tiny_db, "a1", "east-01", d(2024, 6, 1, 9), ack=d(2024, 6, 1, 15))       # counted, in time
    _timed(tiny_db, "a2", "east-02", d(2024, 6, 2, 9), ack=d(2024, 6, 4, 9))        # counted, late
    _timed(tiny_db, "a3", "north-01", d(2024, 6, 3, 9))                              # due passed: counted, missed
    _timed(tiny_db, "a4", "east-01", d(2024, 6, 5, 9), hours=24 * 365 * 20)          # still inside its time
    _timed(tiny_db, "a5", None, d(2024, 6, 6, 9), ack=d(2024, 6, 6, 10))            # company-wide, in time
    _timed(tiny_db, "a6", "east-01", d(2024, 6, 7, 9), quiet=True)                  # a starting point
    _timed(tiny_db, "a7", "east-01", d(2024, 7, 1, 9), ack=d(2024, 7, 1, 10))       # another month
    june = parse_period("2024-06")
    total = compute(tiny_db, HR, "alert_response_24h", june).row(0, named=True)
    assert (total["numerator"], total["denominator"], total["value"]) == (2, 4, 0.5)  # a1, a5 of a1, a2, a3, a5
    assert total["maturing"]  # a4's clock is still running: the share is not final
    by_region = compute(tiny_db, HR, "alert_response_24h", june, by=["region"])
    assert dict(zip(by_region["region"], by_region["value"], strict=True)) == {"east": 0.5, "north": 0.0}
    east = compute(tiny_db, EAST, "alert_response_24h", june).row(0, named=True)
    assert (east["numerator"], east["denominator"]) == (1, 2)  # company-wide alerts are not in a region's scope
    by_month = compute(tiny_db, HR, "alert_response_24h", parse_period("2024-06..2024-07"), by=["month"])
    assert by_month["value"].to_list() == [0.5, 1.0] and by_month["maturing"].to_list() == [True, False]
    # at a moment before a3's clock ran out it is not counted yet
    req = Request(tiny_db, HR, [june], [], AS_OF, "en")
    early = alert_metrics.alert_response("alert_response_24h", req, now=dt.datetime(2024, 6, 3, 12))
    assert (early["numerator"][0], early["denominator"][0]) == (2, 3)
    # the inbox and the review read the same number
    assert inbox_report.response_share(tiny_db, HR, june)["value"][0] == 0.5
