"""At phone width (390 × 844, a phone's user agent and touch) in real Chromium, in English and 简体中文.

After a page is chosen from the menu the sidebar is closed (Streamlit does this itself on a phone); nothing
makes the page scroll sideways; tables keep inside the screen and scroll within their frame; plotly's toolbar
does not cover a chart's title (``ui.widgets.chart`` draws titles below it). A tall screenshot of every page
goes to the test's tmp folder (and to tests/e2e/screenshots_phone/ when TANDEM_KEEP_SCREENSHOTS is set; that
folder ignores itself in git).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from analytics.core.i18n import t
from tests.e2e.conftest import ROOT, sign_in, wait_idle

pytestmark = pytest.mark.e2e
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 1,
         "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
                       "Chrome/126.0.0.0 Mobile Safari/537.36"}
PAGES = (("nav.attrition", "attrition.title"), ("nav.quota", "quota.title"),
         ("nav.review_monthly", "review.monthly.title"), ("nav.overview", "overview.title"))
KEEP = ROOT / "tests" / "e2e" / "screenshots_phone"
SLOW = 120_000  # ms: a page's first view computes its figures (two CPUs shared with other work)

# Everything the checks need, measured in one go once the page's charts are drawn.
MEASURE = """() => {
  const box = e => { const r = e.getBoundingClientRect();
                     return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, w: r.width, h: r.height}; };
  const main = document.querySelector('[data-testid="stMain"]');
  return {
    inner: window.innerWidth,
    doc: document.documentElement.scrollWidth,
    main: [main.scrollWidth, main.clientWidth],
    sidebar: box(document.querySelector('[data-testid="stSidebar"]')),
    tables: Array.from(document.querySelectorAll('[data-testid="stDataFrame"], [data-testid="stTable"]')).map(e => {
      const scroller = e.querySelector('.dvn-scroller') || e;
      return {box: box(e), scrolls: scroller.scrollWidth > scroller.clientWidth + 1};
    }),
    charts: Array.from(document.querySelectorAll('.js-plotly-plot')).map(e => ({
      box: box(e),
      title: e.querySelector('.gtitle') && box(e.querySelector('.gtitle')),
      titleText: e.querySelector('.gtitle')?.textContent,
      modebar: e.querySelector('.modebar') && box(e.querySelector('.modebar')),
    })),
  };
}"""
CHARTS_DRAWN = ("Array.from(document.querySelectorAll('[data-testid=\"stPlotlyChart\"]'))"
                ".every(e => e.querySelector('.js-plotly-plot .main-svg'))")


def overlaps(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def tall_shot(page, folder: Path, name: str) -> None:
    """The whole page: the window made as tall as the app's scrolling main area, then put back."""
    height = min(page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight"), 16_000)
    page.set_viewport_size({"width": 390, "height": height})
    page.wait_for_timeout(500)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    page.set_viewport_size(PHONE["viewport"])
    if os.environ.get("TANDEM_KEEP_SCREENSHOTS"):
        KEEP.mkdir(exist_ok=True)
        (KEEP / ".gitignore").write_text("*\n")
        shutil.copy(path, KEEP / path.name)


def check_layout(page, where: str) -> dict:
    page.wait_for_function(CHARTS_DRAWN, timeout=SLOW)
    page.wait_for_timeout(500)
    m = page.evaluate(MEASURE)
    for _ in range(40):  # under load a chart's title or toolbar is drawn after the plot itself: measure again
        if any(c["box"]["w"] and c["title"] and c["modebar"] and c["titleText"] for c in m["charts"]):
            break
        page.wait_for_timeout(500)
        m = page.evaluate(MEASURE)
    inner = m["inner"]
    assert inner == 390, where
    assert m["doc"] <= inner + 1, f"{where}: the page scrolls sideways ({m['doc']} px wide)"
    assert m["main"][0] <= m["main"][1] + 1, f"{where}: the main area scrolls sideways {m['main']}"
    for table in m["tables"]:
        b = table["box"]
        if b["w"]:
            assert b["left"] >= -1 and b["right"] <= inner + 1, f"{where}: a table frame leaves the screen {b}"
    titled = [c for c in m["charts"] if c["box"]["w"] and c["title"] and c["modebar"] and c["titleText"]]
    for c in titled:
        assert c["box"]["left"] >= -1 and c["box"]["right"] <= inner + 1, f"{where}: a chart leaves the screen"
        assert not overlaps(c["title"], c["modebar"]), \
            f"{where}: the chart toolbar covers the title {c['titleText']!r}: {c['modebar']} / {c['title']}"
    assert titled, f"{where}: no chart with a title and a toolbar was measured"
    return m


def choose_page(page, nav_key: str, title_key: str, lang: str) -> None:
    """Open the menu, choose a page: the page opens and the menu closes."""
    expand = page.get_by_test_id("stExpandSidebarButton")
    if expand.is_visible():
        expand.click()
    link = page.locator('[data-testid="stSidebarNavLink"]', has_text=t(nav_key, lang)).first
    link.scroll_into_view_if_needed()  # the menu may have scrolled down to the language switch
    link.click()
    wait_idle(page)
    expect(page.locator("h1").first).to_have_text(t(title_key, lang), timeout=SLOW)
    expect(expand).to_be_visible(timeout=30_000)
    expect(expand).to_have_attribute("aria-expanded", "false")
    page.wait_for_function("document.querySelector('[data-testid=\"stSidebar\"]').getBoundingClientRect().right <= 0",
                           timeout=30_000)


def test_pages_at_phone_width(browser, server, tmp_path):
    url, _ = server
    context = browser.new_context(**PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    folder = tmp_path / "screenshots"
    folder.mkdir()
    page.goto(url)
    page.wait_for_selector('[data-testid="stApp"]', timeout=SLOW)
    wait_idle(page)
    sign_in(page)
    expect(page.locator("h1").first).to_have_text("Overview", timeout=SLOW)
    scrolling_tables = 0
    for lang in ("en", "zh"):
        if lang == "zh":  # the language switch is in the menu; choosing it keeps the menu open
            page.get_by_test_id("stExpandSidebarButton").click()
            page.locator('[data-testid="stSidebar"]').get_by_text("简体中文").click()
            wait_idle(page)
            expect(page.locator("h1").first).to_have_text(t("overview.title", "zh"), timeout=SLOW)
        for nav_key, title_key in PAGES:
            choose_page(page, nav_key, title_key, lang)
            where = f"{title_key} ({lang})"
            measured = check_layout(page, where)
            scrolling_tables += sum(table["scrolls"] for table in measured["tables"])
            assert page.locator('[data-testid="stException"]').count() == 0, where
            tall_shot(page, folder, f"{lang}_{nav_key.split('.')[1]}")
    assert scrolling_tables, "no table wider than the screen was seen scrolling inside its frame"
    assert not errors, errors
    context.close()
