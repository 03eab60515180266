"""In the browser: a director opens a rep's growth archive from the coaching list (a click on the row), reads it in
Chinese and in English, adds to the development plan, and downloads the one-page PDF in both languages."""
from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from analytics.core.db import Database
from tests.e2e.conftest import shot, sign_in, wait_idle

pytestmark = pytest.mark.e2e


def _heading(page, text: str) -> None:
    page.wait_for_function("t => [...document.querySelectorAll('[data-testid=\"stHeading\"]')]"
                           ".some(h => h.innerText.includes(t))", arg=text, timeout=120_000)


def test_director_opens_a_growth_archive_from_the_coaching_list(browser, server, demo_db_path):
    url, _ = server
    context = browser.new_context(viewport={"width": 1440, "height": 1800}, accept_downloads=True)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector('[data-testid="stApp"]', timeout=120_000)
    wait_idle(page)
    sign_in(page, "demo.director.east")
    page.locator('[data-testid="stSidebarNavLink"]', has_text="Scorecard").first.click()
    wait_idle(page)
    _heading(page, "Needs coaching")
    # the coaching list: the first data row's selection cell (the grid is drawn on a canvas)
    grids = page.locator('[data-testid="stDataFrame"]')
    for _ in range(3):  # a click that lands while the grid is still being drawn selects nothing: click again
        coaching = grids.nth(grids.count() - 2)
        coaching.scroll_into_view_if_needed()
        box = coaching.bounding_box()
        page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)
        wait_idle(page)
        try:
            page.wait_for_url("**person=*", timeout=20_000)
            break
        except PlaywrightTimeout:
            continue
    _heading(page, "Growth archive")
    assert "person=" in page.url
    employee_id = int(page.url.split("person=")[1].split("&")[0])
    db = Database(demo_db_path, read_only=True)  # the server's copy is locked by the server
    try:
        name = db.scalar("select name from employees where employee_id = $e", e=employee_id)
        region = db.scalar("select o.region_id from assignments a join org_paths o using (org_unit_id) "
                           "where a.employee_id = $e and a.valid_to is null", e=employee_id)
    finally:
        db.close()
    assert region == "east"  # the director's own region
    _heading(page, name)
    for section in ("Results: attainment by quarter against the team", "Skills: now against a year ago",
                    "Development plan"):
        page.wait_for_selector(f"text={section}", timeout=60_000)
    shot(page, "person_en.png")

    # the development plan: an item added together
    page.get_by_label("Item", exact=True).fill("Shadow a key-account visit")
    page.get_by_role("button", name="Add to the plan").click()
    wait_idle(page)
    page.wait_for_selector("text=Shadow a key-account visit", state="attached", timeout=60_000)  # a grid cell

    pypdf = pytest.importorskip("pypdf")
    with page.expect_download(timeout=120_000) as pdf:
        page.get_by_role("button", name="Download the growth archive (PDF, one page)").click()
    reader = pypdf.PdfReader(BytesIO(Path(pdf.value.path()).read_bytes()))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text().replace("\x00", "")
    assert "Growth archive" in text and name in text and "Shadow a key-account visit" in text

    # the same person in Chinese: the address keeps the person
    page.goto(f"{url}/person?person={employee_id}&lang=zh")
    wait_idle(page)
    _heading(page, "成长档案")
    _heading(page, name)
    page.wait_for_selector("text=发展计划", timeout=60_000)
    shot(page, "person_zh.png")
    with page.expect_download(timeout=120_000) as pdf:
        page.get_by_role("button", name="下载成长档案（PDF，一页）").click()
    text = pypdf.PdfReader(BytesIO(Path(pdf.value.path()).read_bytes())).pages[0].extract_text().replace("\x00", "")
    assert "成长档案" in text and name in text
    context.close()
