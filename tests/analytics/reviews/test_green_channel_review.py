"""The monthly review's green-channel item: the month's alerts with their response times, the share answered in
time from the metric engine, names for person-level viewers only; and the demo company's alerts played forward
(deterministic, mostly answered in time, the East director's request answered by HR)."""
from __future__ import annotations

import datetime as dt
import shutil

import polars as pl
import pytest

from analytics.alerts import inbox_report
from analytics.core.auth import viewer_for
from analytics.core.db import Database
from analytics.core.periods import parse_period
from analytics.reviews import demo_alerts
from analytics.reviews.content import build_review

NOW = dt.datetime(2026, 1, 2, 9, 0)
AS_OF = dt.date(2025, 12, 31)


@pytest.fixture(scope="module")
def replayed(alerts_demo_path, tmp_path_factory):
    """A copy of the demo company with its alerts played forward at NOW (tests/conftest.py)."""
    path = tmp_path_factory.mktemp("green") / "demo.duckdb"
    shutil.copy(alerts_demo_path, path)
    db = Database(path)
    yield db
    db.close()


def item(review, item_id: str):
    return next(i for i in review.items if i.id == item_id)


def test_the_demos_alerts_are_played_forward(replayed, demo_db_path, tmp_path):
    db = replayed
    raised = db.sql("select * from alerts where not quiet")
    assert raised.height > 20 and db.scalar("select count(*) from alerts where quiet") > 0
    answered = raised.filter(pl.col("acknowledged_at").is_not_null())
    in_time = answered.filter(pl.col("acknowledged_at") <= pl.col("due_at"))
    assert 0.6 < in_time.height / answered.height < 1.0  # mostly within the day, some late
    request = raised.filter(pl.col("rule_id") == "urgent_request").row(0, named=True)
    assert request["acknowledged_by"] == "demo.hr" and request["resolved_by"] == "demo.hr"
    assert request["acknowledged_at"] - request["raised_at"] == dt.timedelta(hours=3, minutes=20)
    assert raised.filter(pl.col("raised_at") == NOW).height > 0  # the current alerts are fresh
    assert demo_alerts.replay(db, now=NOW) == 0  # only into an empty table
    again_path = tmp_path / "again.duckdb"
    shutil.copy(demo_db_path, again_path)
    again = Database(again_path)
    try:
        demo_alerts.replay(again, now=NOW)
        assert again.sql("select * from alerts order by alert_id").equals(db.sql("select * from alerts "
                                                                                 "order by alert_id"))
    finally:
        again.close()


def test_the_monthly_review_lists_the_months_alerts(replayed):
    db = replayed
    hr = viewer_for(db, "demo.hr")
    review = build_review(db, hr, "monthly", parse_period("2025-12"), AS_OF, "en")
    green = item(review, "green_channel")
    now = dt.datetime.now()
    span = inbox_report.window(parse_period("2025-12"), AS_OF, now)
    assert span.start == dt.date(2025, 12, 1) and span.end == now.date()  # the newest month: up to now
    rows, held = inbox_report.listing(db, hr, "en", now, "all", dt.datetime(2025, 12, 1),
                                      dt.datetime.combine(span.end + dt.timedelta(days=1), dt.time()))
    share = inbox_report.response_share(db, hr, span).row(0, named=True)
    assert green.numbers["raised"] == rows.height and held == 0
    assert (green.numbers["in_time_share"], green.numbers["in_time"], green.numbers["counted"]) == (
        share["value"], share["numerator"], share["denominator"])
    assert green.numbers["requests"] == 1 and f"{share['value']:.1%}" in green.takeaway
    table = green.table
    assert table.height == min(rows.height, 30)
    request = table.filter(pl.col("Alert") == "Urgent request from Sales").row(0, named=True)
    assert (request["Answered after"], request["In time"], request["State"]) == ("3 h 20 min", "yes", "Resolved")

    earlier = item(build_review(db, hr, "monthly", parse_period("2025-11"), AS_OF, "zh"), "green_channel")
    november = db.scalar("select count(*) from alerts where not quiet and raised_at >= timestamp '2025-11-01' "
                         "and raised_at < timestamp '2025-12-01'")
    assert earlier.numbers["raised"] == november and earlier.title == "绿色通道：预警及响应速度"


def test_an_aggregate_viewer_gets_counts_without_names(replayed):
    db = replayed
    analyst = viewer_for(db, "demo.analyst")
    green = item(build_review(db, analyst, "monthly", parse_period("2025-12"), AS_OF, "en"), "green_channel")
    about_people = db.sql("select employee_id from alerts where not quiet and raised_at >= timestamp '2025-12-01' "
                          "and employee_id is not null")
    assert f"{about_people.height} alerts about people are counted here" in green.takeaway
    names = db.sql("select name from employees where list_contains($e, employee_id)",
                   e=about_people["employee_id"].to_list())["name"].to_list()
    text = " ".join(str(v) for col in green.table.columns for v in green.table[col].to_list())
    assert not [n for n in names if n in text]
