"""The Inbox page (green channel) under AppTest: its cards are inbox_report's (the share answered in time from the
metric engine), an alert is acknowledged and resolved through the page (an empty note refused and nothing
written), a sales director files an urgent request in Chinese and sees only East's alerts, an aggregate viewer sees
no alert about a person, and HR files no requests.

The demo company is built without alerts: each test gets its own copy with the demo's alerts played forward at a
fixed time (the page's clock is the wall clock, so every alert still open is overdue)."""
from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from analytics.alerts import inbox_report, store
from analytics.core.auth import viewer_for
from analytics.core.db import Database
from analytics.core.i18n import fmt_number, t
from analytics.core.periods import month_start, periods_of_grain
from analytics.core.settings import load_settings
from analytics.metrics.engine import as_of_date
from tests.app.conftest import open_signed_in
from tests.app.test_raw_text import problems, visible
from ui.context import GRAINS, last_complete

REPLAYED_AT = dt.datetime(2026, 1, 2, 9, 0)  # after the demo's as-of date (2025-12-31) and its urgent request


@pytest.fixture(scope="module")
def alerts_db_path(alerts_demo_path: Path) -> Path:
    """The demo company with its alerts played forward at REPLAYED_AT (tests/conftest.py, once per session)."""
    return alerts_demo_path


@pytest.fixture
def own_db(alerts_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy for this test alone (the page writes alerts)."""
    path = tmp_path / "inbox.duckdb"
    shutil.copy(alerts_db_path, path)
    monkeypatch.setenv("TANDEM_DB", str(path))
    return path


def _open(user: str = "demo.hr", lang: str = "en") -> AppTest:
    return open_signed_in("inbox.py", user, lang)


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _listing(path: Path, user: str, lang: str = "en", which: str = "open") -> tuple[pl.DataFrame, int]:
    db = Database(path)
    try:
        return inbox_report.listing(db, viewer_for(db, user), lang, dt.datetime.now(), which)
    finally:
        db.close()


def _alert(path: Path, alert_id: int) -> dict:
    db = Database(path)
    try:
        return store.alert(db, alert_id)
    finally:
        db.close()


def _table(at: AppTest, lang: str = "en") -> pl.DataFrame:
    what = t("inbox.what", lang)
    return pl.from_pandas(next(d.value for d in at.dataframe if what in d.value.columns))


def _default_period(db: Database):
    """The sidebar's first period: the last complete one of the first grain at the as-of date (ui/context.py)."""
    as_of = as_of_date(db)
    periods = list(reversed(periods_of_grain(month_start(as_of).replace(year=as_of.year - 2), month_start(as_of),
                                             GRAINS[0], load_settings().fiscal_year_start)))
    return last_complete(periods, as_of), as_of


def test_the_cards_are_the_reports_numbers(own_db: Path):
    at = _open()
    db = Database(own_db)
    try:
        hr = viewer_for(db, "demo.hr")
        period, as_of = _default_period(db)
        share = inbox_report.response_share(db, hr, inbox_report.window(period.to_date(as_of), as_of,
                                                                        dt.datetime.now())).row(0, named=True)
        rows, held = inbox_report.listing(db, hr, "en", dt.datetime.now(), "open")
    finally:
        db.close()
    assert held == 0  # HR sees people by name
    assert share["value"] is not None and share["denominator"] > 0
    mine = rows.filter(pl.col("may_answer"))
    assert mine.height > 0, "the replayed demo should leave HR alerts to answer"
    labels = [m.label for m in at.metric]
    assert labels == [t("inbox.for_you", "en"), t("inbox.overdue", "en"), t("inbox.in_time", "en", period=period.label)]
    assert [m.value for m in at.metric] == [fmt_number(mine.height, "count", "en"),
                                            fmt_number(rows.filter(pl.col("overdue")).height, "count", "en"),
                                            fmt_number(share["value"], "ratio", "en")]
    help_text = at.metric[2].proto.help
    assert fmt_number(share["numerator"], "count", "en") in help_text
    assert fmt_number(share["denominator"], "count", "en") in help_text
    # the list is the open alerts, as the report words them
    shown = _table(at)
    assert shown[t("inbox.what", "en")].to_list() == rows["what"].to_list()
    assert list(at.selectbox(key="inbox_pick").options) == [
        f"{r['severity_text']} · {r['rule']} · {r['what'][:80]}"
        for r in mine.filter(pl.col("state").is_in(["new", "acknowledged"])).iter_rows(named=True)]


def test_acknowledge_then_resolve_through_the_page(own_db: Path):
    at = _open()
    rows, _ = _listing(own_db, "demo.hr")
    new = rows.filter(pl.col("may_answer") & (pl.col("state") == "new"))
    pick = new["alert_id"][-1]  # not the first offered: the pick is the viewer's
    assert _alert(own_db, pick)["acknowledged_at"] is None
    waiting = at.metric[0].value
    at.selectbox(key="inbox_pick").set_value(pick).run()
    _ok(at)
    at.button(key="inbox_ack").click().run()
    _ok(at)
    assert [s.value for s in at.success] == [t("inbox.acked", "en")]
    row = _alert(own_db, pick)
    assert row["acknowledged_by"] == "demo.hr" and row["acknowledged_at"] is not None
    assert row["resolved_at"] is None and inbox_report.state(row) == "acknowledged"
    assert at.metric[0].value == waiting  # still HR's to resolve
    assert at.selectbox(key="inbox_pick").value == pick
    assert not [b for b in at.button if b.key == "inbox_ack"]  # acknowledged once
    # resolving without a note is refused and writes nothing
    at.button(key="inbox_resolve").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [t("inbox.error.text", "en", n=store.MAX_TEXT)]
    assert not at.success
    assert _alert(own_db, pick) == row
    # with a note it is resolved, the note its resolution
    note = "Met the manager; counter-offer approved"
    at.text_input(key=f"inbox_note_{pick}").input(note)
    at.button(key="inbox_resolve").click().run()
    _ok(at)
    assert [s.value for s in at.success] == [t("inbox.resolved", "en")]
    done = _alert(own_db, pick)
    assert done["resolved_at"] is not None and done["resolved_by"] == "demo.hr" and done["resolution"] == note
    assert done["acknowledged_at"] == row["acknowledged_at"]  # the clock stopped at the acknowledgement
    assert at.metric[0].value == fmt_number(int(waiting) - 1, "count", "en")
    assert not [o for o in at.selectbox(key="inbox_pick").options if o.endswith(row_text(rows, pick)[:80])]


def row_text(rows: pl.DataFrame, alert_id: int) -> str:
    return rows.filter(pl.col("alert_id") == alert_id)["what"][0]


def _under_east(db: Database) -> dict[str, str]:
    """East and its teams: id → Chinese name."""
    units = db.sql("select org_unit_id, name_zh from org_units where org_unit_id = 'east' or parent_id = 'east' "
                   "order by org_unit_id")
    return dict(units.iter_rows())


def test_a_director_files_an_urgent_request_in_chinese_and_sees_only_east(own_db: Path):
    at = _open("demo.director.east", "zh")
    assert not problems(visible(at, "inbox.py", "zh"), "zh", str(own_db))
    db = Database(own_db)
    try:
        east = _under_east(db)
        before = {"requests": db.scalar("select count(*) from alert_requests"),
                  "alerts": db.scalar("select max(alert_id) from alerts")}
        everyone = inbox_report.visible(db, viewer_for(db, "demo.hr"))[0]
    finally:
        db.close()
    # only East's alerts, and there are others to hide
    rows, held = _listing(own_db, "demo.director.east", "zh")
    assert held == 0 and rows.height > 0
    mine = rows.filter(pl.col("may_answer")).height
    assert 0 < mine < rows.height  # care signals are HR's alone
    assert at.metric[0].value == fmt_number(mine, "count", "zh")
    assert set(_listing(own_db, "demo.director.east", "zh", "all")[0]["alert_id"].to_list()) == set(
        everyone.filter(pl.col("org_unit_id").is_in(list(east)))["alert_id"].to_list())
    assert set(everyone["org_unit_id"].to_list()) - set(east), "the demo should have alerts outside East"
    shown = _table(at, "zh")
    assert shown[t("inbox.what", "zh")].to_list() == rows["what"].to_list()
    cells = " ".join(str(v) for col in shown.columns for v in shown[col].to_list())
    assert not set(re.findall(r"[A-Za-z]{3,}", cells)) - {"KA"}, cells
    # the request form
    teams = sorted(set(east) - {"east"})
    assert list(at.selectbox(key="inbox_unit").options) == [east[u] for u in teams]  # East's teams, no other
    team = teams[1]
    text = "地铁项目投标，下周需增派三名销售"
    at.selectbox(key="inbox_kind").set_value("people_short")
    at.selectbox(key="inbox_unit").set_value(team)
    at.number_input(key="inbox_people").set_value(3)
    at.text_area(key="inbox_text").input(text)
    next(b for b in at.button if b.proto.is_form_submitter).click().run()
    _ok(at)
    assert [s.value for s in at.success] == [t("inbox.filed", "zh")]
    db = Database(own_db)
    try:
        request = db.sql("select * from alert_requests where request_id > $n", n=before["requests"])
        alert = db.sql("select * from alerts where alert_id > $n", n=before["alerts"])
    finally:
        db.close()
    assert request.height == 1 and alert.height == 1
    request, alert = request.row(0, named=True), alert.row(0, named=True)
    assert {k: request[k] for k in ("kind", "org_unit_id", "people", "text", "filed_by")} == {
        "kind": "people_short", "org_unit_id": team, "people": 3, "text": text, "filed_by": "demo.director.east"}
    assert {k: alert[k] for k in ("rule_id", "owner_roles", "org_unit_id", "employee_id", "subject")} == {
        "rule_id": "urgent_request", "owner_roles": "hr_head", "org_unit_id": team, "employee_id": None,
        "subject": f"request:{request['request_id']}"}
    assert alert["raised_at"] < alert["due_at"] == request["due_at"]
    # the director may not answer it (HR does), but sees it in the list
    assert text in " ".join(_table(at, "zh")[t("inbox.what", "zh")].to_list())
    assert not [o for o in at.selectbox(key="inbox_pick").options if text in o]


def test_an_aggregate_viewer_sees_no_alert_about_a_person(own_db: Path):
    at = _open("demo.analyst")
    db = Database(own_db)
    try:
        analyst = viewer_for(db, "demo.analyst")
        assert not analyst.person_level
        rows, held = inbox_report.visible(db, analyst)
        about = inbox_report.visible(db, viewer_for(db, "demo.hr"))[0].filter(pl.col("employee_id").is_not_null())
        open_people = inbox_report.listing(db, viewer_for(db, "demo.hr"), "en", dt.datetime.now(), "open")[0].filter(
            pl.col("employee_id").is_not_null())
        names = set(db.sql("select name from employees where list_contains($ids, employee_id)",
                           ids=about["employee_id"].unique().to_list())["name"].to_list())
    finally:
        db.close()
    assert held == about.height > 0 and rows["employee_id"].null_count() == rows.height > 0
    assert [c.value for c in at.caption if c.value == t("inbox.held", "en", n=open_people.height)]  # this view's
    assert not [s for s in at.selectbox if s.key in ("inbox_pick", "inbox_kind", "inbox_unit")]
    assert not [b for b in _page_buttons(at) if b.key in ("inbox_ack", "inbox_act", "inbox_resolve")
                or b.proto.is_form_submitter]
    assert not at.text_input and not [a for a in at.text_area if a.key != "feedback_note"]  # the sidebar's own
    at.segmented_control(key="inbox_which").set_value("all").run()
    _ok(at)
    shown = _table(at)
    assert shown[t("inbox.what", "en")].to_list() == _listing(own_db, "demo.analyst", "en", "all")[0]["what"].to_list()
    assert shown.height == rows.height
    assert [c.value for c in at.caption if c.value == t("inbox.held", "en", n=held)]
    texts = " ".join([str(v) for col in shown.columns for v in shown[col].to_list()]
                     + [e.value for e in (*at.caption, *at.markdown)])
    assert not [n for n in names if n in texts]


def _page_buttons(at) -> list:
    """The page's buttons, without the sidebar's feedback form (on every page, for everyone)."""
    return [b for b in at.button if b.proto.form_id != "feedback_form"]


def test_hr_files_no_requests(own_db: Path):
    at = _open("demo.hr", "zh")
    assert not problems(visible(at, "inbox.py", "zh"), "zh", str(own_db))
    assert not [s for s in at.selectbox if s.key in ("inbox_kind", "inbox_unit")]
    assert not [b for b in _page_buttons(at) if b.proto.is_form_submitter]
    assert t("inbox.request_title", "zh") not in [s.value for s in at.subheader]
    assert at.selectbox(key="inbox_pick").options  # HR answers instead
