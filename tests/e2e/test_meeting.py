"""The meeting in real Chromium, as a director (in Chinese) and the HR head (in English) hold it.

Sign in, open the quarterly review (it opens on the last complete quarter), drill on the quota page from the
region to one team's reps, download a chart (PNG, and SVG to read its scope and period stamp) and the review
pack (PPTX), add an action item in the live quarterly review, then open the next month's monthly review and
find the item there, carried. The company's data end in November 2025, so the last complete quarter (2025-Q3)
is followed by a complete month (2025-10): the next meeting can be opened. A screenshot at each step.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from analytics.core.i18n import t
from tests.e2e.conftest import ROOT, choose, sign_in, start_server, stop_server, wait_idle

pytestmark = pytest.mark.e2e
QUARTER, NEXT_MONTH = "2025-Q3", "2025-10"
KEEP = ROOT / "tests" / "e2e" / "screenshots_meeting"
SLOW = 120_000  # ms: a page's first view computes its figures (two CPUs shared with other work)


@pytest.fixture(scope="module")
def meeting_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server on a small demo company whose data end in November 2025 (as of 2025-11-30)."""
    from analytics.sources.setup import build_demo_database

    folder = tmp_path_factory.mktemp("meeting")
    build_demo_database(folder / "tandem.duckdb", size="small", seed=7, end=dt.date(2025, 11, 1))
    proc, url = start_server(folder / "tandem.duckdb")
    try:
        yield url
    finally:
        stop_server(proc)


class Steps:
    """Screenshots numbered by step, in the test's tmp folder (and kept in the repository's
    tests/e2e/screenshots_meeting/ when TANDEM_KEEP_SCREENSHOTS is set; that folder ignores itself in git)."""

    def __init__(self, page, folder: Path, prefix: str) -> None:
        self.page, self.folder, self.prefix, self.n = page, folder, prefix, 0
        folder.mkdir(parents=True, exist_ok=True)

    def _scroll_to(self, focus) -> None:
        """Scroll to ``focus``; a widget redrawn by a late rerun is detached for a moment, so wait for the page to
        settle and find it again (the locator resolves anew on each try)."""
        for attempt in range(4):
            try:
                focus.scroll_into_view_if_needed(timeout=15_000)
                return
            except PlaywrightError:
                if attempt == 3:
                    raise
                wait_idle(self.page)

    def shot(self, name: str, focus=None) -> None:
        """A screenshot of the window, scrolled to ``focus`` (a locator) when given."""
        if focus is not None:
            self._scroll_to(focus)
        self.n += 1
        path = self.folder / f"{self.prefix}_{self.n:02d}_{name}.png"
        self.page.screenshot(path=str(path))
        if os.environ.get("TANDEM_KEEP_SCREENSHOTS"):
            KEEP.mkdir(exist_ok=True)
            (KEEP / ".gitignore").write_text("*\n")
            shutil.copy(path, KEEP / path.name)


def nav(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNavLink"]', has_text=title).first.click()
    wait_idle(page)


def pick(page, label: str, option: str | int) -> str:
    """Choose in the sidebar's selectbox ``label`` the option with this text (or at this index); its text."""
    return choose(page, page.locator(f'[data-testid="stSidebar"] input[aria-label="{label}"]'), option)


def click_bar(page, key: str, n: int = 0) -> None:
    """Click the n-th bar of the chart drawn with widget key ``key…`` (a plotly selection: the page's drill)."""
    bars = page.locator(f'[class*="st-key-{key}"] .js-plotly-plot g.point path')
    expect(bars.nth(n)).to_be_visible(timeout=SLOW)
    box = bars.nth(n).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    wait_idle(page)


def hold_the_meeting(browser, url: str, tmp_path: Path, user: str, lang: str, region: str | int, team: int,
                     open_next: bool = False) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1600}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    steps = Steps(page, tmp_path / "screenshots", f"{user}_{lang}")
    main, sidebar = page.locator('[data-testid="stMain"]'), page.locator('[data-testid="stSidebar"]')

    page.goto(url)
    page.wait_for_selector('[data-testid="stApp"]', timeout=SLOW)
    wait_idle(page)
    sign_in(page, user)
    expect(page.locator("h1").first).to_have_text("Overview", timeout=SLOW)
    if lang == "zh":
        sidebar.get_by_text("简体中文").click()
        wait_idle(page)
        expect(page.locator("h1").first).to_have_text("总览", timeout=SLOW)
    steps.shot("signed_in")

    # The quarterly review opens on the last complete quarter.
    nav(page, t("nav.review_quarterly", lang))
    expect(page.locator("h1").first).to_have_text(t("review.quarterly.title", lang), timeout=SLOW)
    expect(page.get_by_role("button", name=t("review.pack_pptx", lang))).to_be_visible(timeout=SLOW)
    expect(sidebar.locator(f'input[aria-label="{t("sidebar.meeting_quarterly", lang)}"]')).to_have_value(QUARTER)
    steps.shot("quarterly_opens_on_last_complete_quarter")

    # Drill: a team in the sidebar, then on the quota page region → team → the team's reps, one rep chosen.
    nav(page, t("nav.quota", lang))
    expect(page.locator("h1").first).to_contain_text(t("quota.title", lang), timeout=SLOW)
    region_name = pick(page, t("sidebar.region", lang), region)
    team_name = pick(page, t("sidebar.team", lang), team)
    steps.shot("team_chosen")
    click_bar(page, "quota_bars_region_")
    expect(page.locator("h1").first).to_contain_text(region_name, timeout=SLOW)
    click_bar(page, "quota_bars_team_")
    expect(page.locator("h1").first).to_contain_text(f"{region_name} › {team_name}", timeout=SLOW)
    rep_bars = page.locator('[class*="st-key-quota_bars_rep_"] .js-plotly-plot')
    expect(rep_bars.locator("g.point path").first).to_be_visible(timeout=SLOW)
    reps = [n.strip() for n in rep_bars.locator(".ytick text").all_text_contents()]
    assert len(reps) >= 2, reps
    steps.shot("drilled_to_reps", rep_bars)
    click_bar(page, "quota_bars_rep_")  # a rep's bar opens their growth archive
    expect(page.locator("h1").first).to_contain_text(t("person.title", lang), timeout=SLOW)
    assert page.locator('[data-testid="stException"]').count() == 0
    steps.shot("rep_archive")

    # Back in the quarterly review (now of the team): a chart, stamped with scope and period, and the pack.
    nav(page, t("nav.review_quarterly", lang))
    expect(page.get_by_role("button", name=t("review.pack_pptx", lang))).to_be_visible(timeout=SLOW)
    expect(sidebar.locator(f'input[aria-label="{t("sidebar.team", lang)}"]')).to_have_value(team_name)
    expect(sidebar.locator(f'input[aria-label="{t("sidebar.meeting_quarterly", lang)}"]')).to_have_value(QUARTER)
    expect(main.get_by_text(team_name).first).to_be_visible(timeout=SLOW)
    steps.shot("quarterly_of_the_team")
    chart = {}
    for fmt in ("PNG", "SVG"):
        main.locator('[data-testid="stPopoverButton"]', has_text=t("export.chart", lang)).first.click()
        body = page.locator('[data-testid="stPopoverBody"]')
        expect(body).to_be_visible(timeout=30_000)
        with page.expect_download(timeout=SLOW) as download:
            body.locator("button", has_text=fmt).first.click()
        chart[fmt] = tmp_path / f"{user}_chart.{fmt.lower()}"
        download.value.save_as(chart[fmt])
        page.keyboard.press("Escape")
        expect(body).to_be_hidden(timeout=30_000)
    png = chart["PNG"].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    svg = chart["SVG"].read_text(encoding="utf-8")
    assert f"{team_name} · {QUARTER}" in svg, "the exported chart is stamped with the meeting's scope and period"

    with page.expect_download(timeout=180_000) as pack:
        page.get_by_role("button", name=t("review.pack_pptx", lang)).click()
    pptx_path = tmp_path / pack.value.suggested_filename
    pack.value.save_as(pptx_path)
    from pptx import Presentation

    deck = Presentation(str(pptx_path))
    text = "\n".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes if shape.has_text_frame)
    assert team_name in text, "the pack names the meeting's team"
    assert QUARTER in text
    pictures = sum(1 for slide in deck.slides for shape in slide.shapes if shape.shape_type == 13)
    assert pictures >= 1
    chinese = len(re.findall(r"[\u4e00-\u9fff]", text))
    assert chinese > 50 if lang == "zh" else "Quarterly" in text
    steps.shot("downloaded", page.get_by_role("button", name=t("review.pack_pptx", lang)))

    # An action item in the live quarterly review.
    item = ("跟进辅导计划 " if lang == "zh" else "Follow up the coaching plan ") + uuid.uuid4().hex[:6]
    main.get_by_label(t("review.item_text", lang), exact=True).fill(item)
    main.get_by_role("button", name=t("review.add_item", lang)).click()
    wait_idle(page)
    item_pick = main.get_by_role("combobox", name=t("review.item_pick", lang), exact=True)
    expect(item_pick).to_have_count(1, timeout=SLOW)
    expect(item_pick).to_have_value(item, timeout=SLOW)
    steps.shot("action_item_added", item_pick)

    # The next month's monthly review carries it.
    nav(page, t("nav.review_monthly", lang))
    expect(page.locator("h1").first).to_have_text(t("review.monthly.title", lang), timeout=SLOW)
    pick(page, t("sidebar.meeting_monthly", lang), NEXT_MONTH)
    expect(main.get_by_text(t("review.open_from_last", lang, n=1, period=QUARTER))).to_be_visible(timeout=SLOW)
    expect(main.get_by_text(t("review.meeting_of", lang, period=NEXT_MONTH, scope=team_name))).to_be_visible()
    expect(item_pick).to_have_count(1, timeout=SLOW)
    expect(item_pick).to_have_value(item, timeout=SLOW)
    steps.shot("monthly_carries_the_item", item_pick)
    if open_next:
        open_the_next_meeting(page, main, item_pick, item, lang, steps)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not errors, errors
    context.close()


def open_the_next_meeting(page, main, item_pick, item: str, lang: str, steps: Steps) -> None:
    """Mark the item in progress in the monthly review: that opens the October meeting, which then holds the
    item as its carried copy (the review's own list, no longer "still open from 2025-Q3")."""
    choose(page, main.get_by_role("combobox", name=t("review.status", lang), exact=True),
           t("review.status.in_progress", lang))
    main.get_by_role("button", name=t("review.update", lang), exact=True).click()
    wait_idle(page)
    expect(main.get_by_text(t("review.open_from_last", lang, n=1, period=QUARTER))).to_be_hidden(timeout=SLOW)
    wait_idle(page)
    expect(item_pick).to_have_count(1, timeout=SLOW)  # a rerun's stale copy, if any, is gone before the value is read
    expect(item_pick).to_have_value(item, timeout=SLOW)
    steps.shot("monthly_meeting_opened", item_pick)


def test_director_holds_the_quarterly_meeting_in_chinese(browser, meeting_server, tmp_path):
    hold_the_meeting(browser, meeting_server, tmp_path, "demo.director.east", "zh", region="华东", team=1,
                     open_next=True)


def test_hr_head_holds_the_quarterly_meeting_in_english(browser, meeting_server, tmp_path):
    # another team than the director's: a meeting is kind × period × scope, and each test holds its own. The
    # October meeting is opened (a write, after which every figure is recomputed) only in the director's test.
    hold_the_meeting(browser, meeting_server, tmp_path, "demo.hr", "en", region="East", team=2)
