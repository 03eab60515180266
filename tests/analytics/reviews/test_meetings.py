"""Meetings (kind × period × scope): one frozen review each, "freeze again" on purpose, action items written in
the live review and carried within the scope, write rights, and the demo's seeded meeting frozen with numbers."""
from __future__ import annotations

import datetime as dt
import json

import plotly.graph_objects as go
import polars as pl
import pytest

from analytics.core import auth
from analytics.core.access import Viewer, full_access
from analytics.core.db import Database
from analytics.reviews import store as reviews
from analytics.reviews.content import Item, Review, ReviewError
from analytics.reviews.seed import freeze_seeded
from tests.analytics.reviews import test_store

AS_OF = dt.date(2025, 12, 31)
demo = test_store.demo  # a copy of the demo company per test


def _review(viewer: Viewer, period: str = "2025-11", value: float = 1.0, kind: str = "monthly") -> Review:
    item = Item("one", "One", f"Value {value}.", "A definition.", go.Figure(go.Bar(x=["华东"], y=[value])),
                pl.DataFrame({"x": [value]}), {"n": value})
    return Review(kind, period, AS_OF, viewer.scope_key, "en", f"Monthly {period}", [item], "scope")


def _audit(db: Database, action: str) -> list[dict]:
    rows = db.sql("select actor, target, detail from audit_log where action = $a order by event_id", a=action)
    return [{**r, "detail": json.loads(r["detail"])} for r in rows.iter_rows(named=True)]


def _count(db: Database, kind: str = "monthly", period: str = "2025-11") -> int:
    return int(db.scalar("select count(*) from reviews where kind = $k and period = $p", k=kind, p=period))


def test_saving_twice_gives_one_review(demo):
    hr = full_access("hr")
    before = _count(demo)  # the demo's seeded November meeting is company-wide ('all')
    first = reviews.save_review(demo, _review(hr), "hr")
    assert first == 1 and _count(demo) == before  # the seeded company meeting is frozen in place, not doubled
    version = demo.data_version
    again = reviews.save_review(demo, _review(hr, value=2.0), "hr")
    other_user = reviews.save_review(demo, _review(full_access("director")), "director")  # same scope, other user
    assert again == other_user == first and _count(demo) == before
    assert demo.data_version == version  # nothing written
    assert reviews.load_review(demo, first).item("one").numbers == {"n": 1.0}
    assert len(_audit(demo, "review_save")) == 1
    north = Viewer("n1", frozenset({"north"}), frozenset({"person"}))
    assert reviews.save_review(demo, _review(north), "n1") != first  # another scope is another meeting
    assert reviews.save_review(demo, _review(hr, kind="quarterly", period="2025-Q4"), "hr") != first


def test_freeze_again_replaces_the_snapshot_and_is_audited(demo):
    east = Viewer("e1", frozenset({"east"}), frozenset({"person"}))
    rid = reviews.save_review(demo, _review(east, value=1.0), "e1")
    item = reviews.add_action_item(demo, rid, "Keep me", None, None, "e1")
    again = reviews.save_review(demo, _review(east, value=5.0), "e2", refreeze=True)
    assert again == rid and _count(demo) == 2  # the seeded company meeting and East's
    frozen = reviews.load_review(demo, rid)
    assert frozen.item("one").numbers == {"n": 5.0} and frozen.created_by == "e2"
    assert reviews.action_items(demo, rid)["item_id"].to_list() == [item]  # the meeting's items stay
    entry = _audit(demo, "review_refreeze")
    assert len(entry) == 1 and entry[0]["actor"] == "e2" and entry[0]["target"] == f"review {rid}"
    assert entry[0]["detail"]["replaced_by"] == "e1" and entry[0]["detail"]["replaced_as_of"] == "2025-12-31"
    assert "Keep me" not in json.dumps(entry)


def test_the_list_has_owner_and_scope_and_hides_other_scopes_from_a_director(demo):
    hr, east = auth.viewer_for(demo, "demo.hr"), auth.viewer_for(demo, "demo.director.east")
    north = auth.viewer_for(demo, "demo.director.north")
    company = reviews.save_review(demo, _review(hr), "demo.hr")
    mine = reviews.save_review(demo, _review(east), "demo.director.east")
    theirs = reviews.save_review(demo, _review(north), "demo.director.north")
    listed = reviews.list_reviews(demo, east)
    assert listed["review_id"].to_list() == [mine]
    row = listed.row(0, named=True)
    assert row["created_by"] == "demo.director.east" and reviews.scope_id(row["scope"]) == ("east", True)
    assert set(reviews.list_reviews(demo, hr)["review_id"].to_list()) == {company, mine, theirs}
    with pytest.raises(ReviewError, match="another scope"):
        reviews.load_review(demo, theirs, east)


def test_an_item_added_in_the_live_review_is_carried_within_its_scope_only(demo):
    east = auth.viewer_for(demo, "demo.director.east")
    north = auth.viewer_for(demo, "demo.director.north")
    assert reviews.meeting_items(demo, "monthly", "2025-12", east)[0] is None  # no East meeting yet
    assert reviews.find_meeting(demo, "monthly", "2025-12", east.scope_key) is None
    live = reviews.open_meeting(demo, "monthly", "2025-12", AS_OF, east, "Monthly 2025-12", "demo.director.east")
    assert reviews.open_meeting(demo, "monthly", "2025-12", AS_OF, east, "x", "y") == live  # one record
    item = reviews.add_action_item(demo, live, "Call the three East KA accounts", "sales_director", "2026-01-15",
                                   "demo.director.east", viewer=east)
    meeting = reviews.find_meeting(demo, "monthly", "2025-12", east.scope_key)
    assert meeting["review_id"] == live and not meeting["frozen"]
    assert live not in reviews.list_reviews(demo, east)["review_id"].to_list()  # nothing frozen yet
    with pytest.raises(ReviewError, match="not been frozen"):
        reviews.load_review(demo, live)
    # freezing the meeting later keeps its record and items
    assert reviews.save_review(demo, _review(east, "2025-12"), "demo.director.east") == live
    assert reviews.action_items(demo, live)["item_id"].to_list() == [item]
    # the next East meeting starts from it (live, before its record exists) and carries it
    pending_id, pending = reviews.meeting_items(demo, "monthly", "2026-01", east)
    assert pending_id is None and pending["item_id"].to_list() == [item]
    january = reviews.save_review(demo, _review(east, "2026-01"), "demo.director.east")
    carried = reviews.action_items(demo, january)
    assert carried["carried_from"].to_list() == [item] and carried["text"].to_list() == [
        "Call the three East KA accounts"]
    # North's next meeting does not get it
    north_jan = reviews.open_meeting(demo, "monthly", "2026-01", AS_OF, north, "Monthly 2026-01", "demo.director.north")
    assert reviews.action_items(demo, north_jan).is_empty()
    # closed in the live January review: the carried copy closes, December's row keeps its history
    reviews.update_action_item(demo, reviews.item_in_meeting(demo, january, item), "done", "demo.director.east",
                               viewer=east)
    assert reviews.action_items(demo, january)["status"].to_list() == ["done"]
    assert reviews.action_items(demo, live)["status"].to_list() == ["open"]
    assert reviews.meeting_items(demo, "monthly", "2026-02", east)[1].is_empty()  # closing stops the carry
    assert [e["detail"]["carried_items"] for e in _audit(demo, "meeting_open")] == [0, 0]


def test_a_director_cannot_write_into_another_regions_meeting(demo):
    east = auth.viewer_for(demo, "demo.director.east")
    north = auth.viewer_for(demo, "demo.director.north")
    hr = auth.viewer_for(demo, "demo.hr")
    north_meeting = reviews.open_meeting(demo, "monthly", "2025-12", AS_OF, north, "t", "demo.director.north")
    own = reviews.add_action_item(demo, north_meeting, "North's", None, None, "demo.director.north", viewer=north)
    before = (demo.table_counts()["action_items"], demo.table_counts()["audit_log"])
    with pytest.raises(ReviewError, match="may not add action items"):
        reviews.add_action_item(demo, north_meeting, "East writes here", None, None, "demo.director.east", viewer=east)
    with pytest.raises(ReviewError, match="may not change action items"):
        reviews.update_action_item(demo, own, "dropped", "demo.director.east", viewer=east)
    with pytest.raises(ReviewError, match="may not add"):  # nor into the company's meeting
        reviews.add_action_item(demo, 1, "East writes here", None, None, "demo.director.east", viewer=east)
    assert (demo.table_counts()["action_items"], demo.table_counts()["audit_log"]) == before
    assert reviews.may_write(demo, hr, north.scope_key)  # the HR head's company-wide scope covers North's
    team = Viewer("m", frozenset({"east-01"}), frozenset({"person"}))
    assert reviews.may_write(demo, east, team.scope_key) and not reviews.may_write(demo, team, east.scope_key)
    analyst = auth.viewer_for(demo, "demo.analyst")
    assert not reviews.may_write(demo, analyst, hr.scope_key)  # aggregates only: not a person-level meeting


def test_the_seeded_review_is_frozen_with_its_numbers(demo):
    hr = full_access("hr")
    assert reviews.list_reviews(demo, hr).is_empty()  # a meeting record: items, no numbers yet
    with pytest.raises(ReviewError, match="not been frozen"):
        reviews.load_review(demo, 1)
    assert freeze_seeded(demo) == [1]
    assert freeze_seeded(demo) == []  # once
    review = reviews.load_review(demo, 1)
    assert review.kind == "monthly" and review.period == "2025-11" and review.as_of == dt.date(2025, 11, 30)
    assert [i.id for i in review.items] == ["sales", "recruiting", "training", "attrition", "alerts", "green_channel",
                                                "company_metrics", "actions"]
    assert review.item("sales").numbers["attainment"] > 0 and review.item("sales").figure is not None
    assert review.item("attrition").numbers["exits"] >= 0
    assert reviews.list_reviews(demo, hr)["review_id"].to_list() == [1]
    assert len(reviews.action_items(demo, 1)) == 4  # its action items untouched
    entry = _audit(demo, "review_save")
    assert len(entry) == 1 and entry[0]["detail"]["seeded"] is True
    assert reviews.save_review(demo, _review(hr), "hr") == 1  # frozen: saving the company's November again is a no-op


def test_an_item_closed_in_the_live_review_shows_closed_in_its_actions_item(demo):
    from analytics.core.periods import parse_period
    from analytics.reviews.content import build_review

    hr = full_access("hr")
    before = build_review(demo, hr, "monthly", parse_period("2025-12")).item("actions").numbers
    assert (before["items"], before["done"], before["open"]) == (4, 1, 2)  # the seeded November meeting's items
    december = reviews.open_meeting(demo, "monthly", "2025-12", AS_OF, hr, "Monthly 2025-12", "hr")
    first_open = int(reviews.action_items(demo, 1).filter(pl.col("status") == "open")["item_id"][0])
    reviews.update_action_item(demo, reviews.item_in_meeting(demo, december, first_open), "done", "hr", viewer=hr)
    after = build_review(demo, hr, "monthly", parse_period("2025-12")).item("actions").numbers
    assert (after["items"], after["done"], after["open"]) == (4, 2, 1)
    assert reviews.action_items(demo, 1).filter(pl.col("item_id") == first_open)["status"][0] == "open"  # history
