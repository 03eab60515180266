"""The green channel in real Chromium, two people at once: the East sales director (in Chinese) files an urgent
request to HR on the Inbox page; the HR head (in English) sees it with its clock running, acknowledges it and
resolves it with a note; the director then finds it, answered in time, in the monthly review's green-channel table.
The database is read at the end, after the server has stopped (DuckDB allows one writing process).

Screenshots (test-artifacts/green_channel_*.png) only when TANDEM_KEEP_SCREENSHOTS=1.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from analytics.core.db import Database
from analytics.core.i18n import t
from analytics.reviews.texts import tx
from tests.e2e.conftest import choose, shot, sign_in, start_server, stop_server, wait_idle

pytestmark = pytest.mark.e2e
SLOW = 120_000  # ms: a page's first view computes its figures (CPUs shared with other work)
TEXT = "地铁项目投标缺两名销售，请本周内支援"
NOTE = "Two reps from East Team 2 for two weeks"
DIRECTOR, HR = "demo.director.east", "demo.hr"

# the rows of every data grid on the page whose cells hold ``marker``: the grid is drawn on a canvas, but
# glide-data-grid keeps an accessible copy of its visible rows in the DOM (header texts and cell texts)
_ROWS = """marker => {
  const out = [];
  for (const grid of document.querySelectorAll('[data-testid="stDataFrame"]')) {
    const heads = [...grid.querySelectorAll('[role="columnheader"]')].map(h => h.textContent.trim());
    for (const row of grid.querySelectorAll('[role="row"]')) {
      const cells = [...row.querySelectorAll('[role="gridcell"]')].map(c => c.textContent.trim());
      if (cells.some(c => c.includes(marker))) out.push({heads, cells});
    }
  }
  return out;
}"""


def _shot(page, name: str) -> None:
    if os.environ.get("TANDEM_KEEP_SCREENSHOTS") == "1":
        shot(page, f"green_channel_{name}.png")


def _open(browser, url: str, user: str):
    context = browser.new_context(viewport={"width": 1440, "height": 1800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector('[data-testid="stApp"]', timeout=SLOW)
    wait_idle(page)
    sign_in(page, user)
    return context, page, errors


def _nav(page, title: str, h1: str) -> None:
    page.locator('[data-testid="stSidebarNavLink"]', has_text=title).first.click()
    wait_idle(page)
    expect(page.locator("h1").first).to_have_text(h1, timeout=SLOW)
    wait_idle(page)


def _row(page, marker: str, column: str) -> dict[str, str]:
    """The one grid row holding ``marker``, as {column header: cell text}, waiting for it to be drawn (and for the
    column ``column`` to be there)."""
    found: list[dict] = []

    def ready() -> bool:
        found[:] = page.evaluate(_ROWS, marker)
        return bool(found) and column in found[0]["heads"]

    deadline = dt.datetime.now() + dt.timedelta(seconds=60)
    while not ready():
        if dt.datetime.now() > deadline:
            raise AssertionError(f"no table row holds {marker!r} (rows found: {found})")
        page.wait_for_timeout(500)
    assert len(found) == 1, found
    heads, cells = found[0]["heads"], found[0]["cells"]
    heads = heads[len(heads) - len(cells):]  # a leading row-marker header, if any, has no cell
    return dict(zip(heads, cells, strict=True))


def _director_files(page) -> None:
    main = page.locator('[data-testid="stMain"]')
    _nav(page, t("nav.inbox", "zh"), t("inbox.title", "zh"))
    form = main.locator('[data-testid="stForm"]')
    expect(form.get_by_role("button", name=t("inbox.file", "zh"))).to_be_visible(timeout=SLOW)
    need = t("alerts.request_kind.people_short", "zh")
    kind_box = form.get_by_role("combobox", name=t("inbox.kind", "zh"), exact=True)
    if kind_box.input_value() != need:
        choose(page, kind_box, need, exact=False)
    expect(kind_box).to_have_value(need)
    team_box = form.get_by_role("combobox", name=t("inbox.team", "zh"), exact=True)
    if team_box.input_value() != "华东一组":
        choose(page, team_box, "华东一组", exact=False)
    expect(team_box).to_have_value("华东一组")
    people = form.get_by_label(t("inbox.people", "zh"), exact=True)
    people.fill("2")
    people.press("Tab")
    form.get_by_label(t("inbox.need", "zh"), exact=True).fill(TEXT)
    _shot(page, "01_director_request_filled")
    form.get_by_role("button", name=t("inbox.file", "zh")).click()
    wait_idle(page)
    expect(main.get_by_text(t("inbox.filed", "zh"))).to_be_visible(timeout=SLOW)
    _shot(page, "02_director_request_filed")


def _hr_answers(page) -> None:
    main = page.locator('[data-testid="stMain"]')
    _nav(page, t("nav.inbox", "en"), t("inbox.title", "en"))
    row = _row(page, TEXT, t("inbox.state", "en"))  # the grid draws the columns in view
    assert TEXT in row[t("inbox.what", "en")], row
    assert "East Team 1" in row[t("inbox.what", "en")], row
    assert "left to answer" in row[t("inbox.clock", "en")], row
    assert row[t("inbox.severity", "en")] == t("alerts.severity.urgent", "en"), row
    assert row[t("inbox.state", "en")] == t("inbox.states.new", "en"), row
    _shot(page, "03_hr_inbox")

    # urgent alerts sort first: the request is preselected (the label holds the sentence's first 80 characters)
    box = main.get_by_role("combobox", name=t("inbox.pick", "en"), exact=True)
    expect(box).to_have_count(1, timeout=SLOW)
    label = (f"{t('alerts.severity.urgent', 'en')} · {t('alerts.rule.urgent_request', 'en')} · "
             "Urgent request for East Team 1")
    if not box.input_value().startswith(label):
        choose(page, box, label, exact=False)
    expect(box).to_have_value(re.compile("^" + re.escape(label)))

    main.get_by_role("button", name=t("inbox.ack", "en"), exact=True).click()
    wait_idle(page)
    expect(main.get_by_text(t("inbox.acked", "en"), exact=True)).to_be_visible(timeout=SLOW)
    expect(main.get_by_role("button", name=t("inbox.ack", "en"), exact=True)).to_have_count(0, timeout=SLOW)
    _shot(page, "04_hr_acknowledged")

    note = main.get_by_label(t("inbox.note", "en"), exact=True)
    note.fill(NOTE)
    note.press("Enter")  # the text is sent before the button's click
    wait_idle(page)
    main.get_by_role("button", name=t("inbox.resolve", "en"), exact=True).click()
    wait_idle(page)
    expect(main.get_by_text(t("inbox.resolved", "en"), exact=True)).to_be_visible(timeout=SLOW)
    expect(main.get_by_role("button", name=t("inbox.resolve", "en"), exact=True)).to_have_count(0, timeout=SLOW)
    _shot(page, "05_hr_resolved")


def _director_reviews(page, month: str) -> None:
    main, sidebar = page.locator('[data-testid="stMain"]'), page.locator('[data-testid="stSidebar"]')
    _nav(page, t("nav.review_monthly", "zh"), t("review.monthly.title", "zh"))
    box = sidebar.locator(f'input[aria-label="{t("sidebar.meeting_monthly", "zh")}"]')
    if not box.input_value().startswith(month):  # the newest data month: its alerts run up to now
        choose(page, box, month, exact=False)
    heading = main.locator('[data-testid="stHeading"]', has_text=tx("green.title", "zh"))
    expect(heading).to_have_count(1, timeout=SLOW)
    heading.scroll_into_view_if_needed(timeout=30_000)
    wait_idle(page)
    take = main.get_by_text(re.compile(r"销售需求\d+条")).first
    expect(take).to_be_visible(timeout=SLOW)
    requests = int(re.search(r"销售需求(\d+)条", take.inner_text()).group(1))
    assert requests >= 1, take.inner_text()
    row = _row(page, TEXT, tx("green.state", "zh"))
    assert row[tx("green.state", "zh")] == t("inbox.states.resolved", "zh") == "已解决", row
    assert row[tx("green.in_time", "zh")] == tx("green.yes", "zh") == "是", row
    assert row[tx("green.alert", "zh")] == t("alerts.rule.urgent_request", "zh"), row
    _shot(page, "06_director_monthly_review")


def test_director_files_an_urgent_request_that_hr_answers_in_time(browser, demo_db_path, tmp_path: Path):
    db_path = tmp_path / "green.duckdb"
    shutil.copy(demo_db_path, db_path)
    db = Database(db_path, read_only=True)
    try:
        as_of = dt.date.fromisoformat(db.meta("as_of"))
    finally:
        db.close()
    proc, url = start_server(db_path)
    contexts = []
    try:
        director_context, director, director_errors = _open(browser, url, DIRECTOR)
        contexts.append(director_context)
        director.locator('[data-testid="stSidebar"]').get_by_text("简体中文").click()
        wait_idle(director)
        expect(director.locator("h1").first).to_have_text("总览", timeout=SLOW)
        _director_files(director)

        hr_context, hr, hr_errors = _open(browser, url, HR)
        contexts.append(hr_context)
        _hr_answers(hr)

        _director_reviews(director, f"{as_of:%Y-%m}")
        for page in (director, hr):
            assert page.locator('[data-testid="stException"]').count() == 0
        assert not director_errors and not hr_errors, (director_errors, hr_errors)
    finally:
        for context in contexts:
            context.close()
        stop_server(proc)

    db = Database(db_path, read_only=True)  # the server has stopped: its lock is gone
    try:
        rows = db.sql("select a.acknowledged_by, a.resolved_by, a.resolution, a.raised_at, a.acknowledged_at, "
                       "a.resolved_at, a.severity, a.org_unit_id, r.text, r.people, r.filed_by "
                       "from alerts as a join alert_requests as r on a.subject = 'request:' || r.request_id "
                       "where a.rule_id = 'urgent_request'")
    finally:
        db.close()
    assert rows.height == 1, rows
    ack_by, res_by, resolution, raised, acked, resolved, severity, unit, text, people, filed_by = rows.row(0)
    assert (ack_by, res_by, resolution) == (HR, HR, NOTE)
    assert (severity, unit, text, people, filed_by) == ("urgent", "east-01", TEXT, 2, DIRECTOR)
    assert raised <= acked <= resolved
    assert acked - raised < dt.timedelta(hours=24)
