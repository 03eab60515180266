"""The end-to-end path in real Chromium: load, switch language, change period, see the number change."""
from __future__ import annotations

from pathlib import Path

import pytest

from analytics.core.access import full_access
from analytics.core.db import Database
from analytics.core.i18n import fmt_number
from analytics.core.periods import parse_period
from analytics.metrics.engine import as_of_date, compute
from tests.e2e.conftest import shot, sign_in, wait_idle

pytestmark = pytest.mark.e2e


def headcount_text(db_path: Path, label: str, lang: str) -> str:
    db = Database(db_path, read_only=True)
    try:
        as_of = as_of_date(db)
        value = compute(db, full_access(), "headcount_end", parse_period(label).to_date(as_of), as_of=as_of)
    finally:
        db.close()
    return fmt_number(value["value"][0], "count", lang)


def test_load_switch_language_change_period(browser, server, demo_db_path: Path):
    url, _ = server
    page = browser.new_page(viewport={"width": 1440, "height": 1800})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector('[data-testid="stApp"]', timeout=120_000)
    wait_idle(page)
    assert page.locator("h1").first.inner_text().strip() == "Sign in to Tandem"
    sign_in(page)
    wait_idle(page)
    assert page.locator("h1").first.inner_text().strip() == "Overview"
    assert page.locator('[data-testid="stException"]').count() == 0
    first = page.locator('[data-testid="stMetricValue"]').first.inner_text().strip()

    # Switch language: the page title and the period picker read Chinese.
    page.locator('[data-testid="stSidebar"]').get_by_text("简体中文").click()
    wait_idle(page)
    assert page.locator("h1").first.inner_text().strip() == "总览"
    assert page.locator('[data-testid="stMetricValue"]').first.inner_text().strip() == first

    # Change the period to four quarters earlier: the headcount card shows that quarter's number.
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').nth(1)
    box.scroll_into_view_if_needed()
    box.locator("input").first.click()
    options = page.locator('[role="option"]')
    options.first.wait_for(timeout=30_000)
    target = options.nth(4)
    label = target.inner_text().strip().split("（")[0]
    target.click()
    wait_idle(page)
    now = page.locator('[data-testid="stMetricValue"]').first.inner_text().strip()
    # the test process reads the copy the fixture made before the server opened its own file
    assert now == headcount_text(demo_db_path, label, "zh")
    assert now != first
    path = shot(page, "e2e_overview_zh.png")
    assert path.stat().st_size > 10_000
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not errors, errors
