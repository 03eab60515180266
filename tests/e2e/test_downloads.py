"""In the browser: download a chart (PNG) and a review pack (PPTX) and check the files."""
from __future__ import annotations

import pytest

from analytics.reviews.export import image_size
from tests.e2e.conftest import sign_in, wait_idle

pytestmark = pytest.mark.e2e


def test_chart_and_pack_downloads(browser, server, tmp_path):
    url, _ = server
    context = browser.new_context(viewport={"width": 1440, "height": 1600}, accept_downloads=True)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector('[data-testid="stApp"]', timeout=120_000)
    wait_idle(page)
    sign_in(page)
    page.locator('[data-testid="stSidebarNavLink"]', has_text="Quarterly review").first.click()
    wait_idle(page)
    page.wait_for_selector('text=Download pack (PPTX)', timeout=120_000)

    # a chart: open its download popover and take the PNG (drawn by kaleido through Chromium)
    page.locator('[data-testid="stMain"] [data-testid="stPopoverButton"]').first.click()  # not the sidebar's feedback
    page.wait_for_timeout(500)
    with page.expect_download(timeout=120_000) as png:
        page.locator('[data-testid="stPopoverBody"] button', has_text="PNG").first.click()
    png_path = tmp_path / "chart.png"
    png.value.save_as(png_path)
    data = png_path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = image_size(data)
    assert width >= 600 and height >= 200

    # the whole review as PPTX
    page.keyboard.press("Escape")
    with page.expect_download(timeout=180_000) as pack:
        page.get_by_role("button", name="Download pack (PPTX)").click()
    pptx_path = tmp_path / pack.value.suggested_filename
    pack.value.save_as(pptx_path)
    from pptx import Presentation

    deck = Presentation(str(pptx_path))
    titles = [s.shapes.title.text for s in deck.slides if s.shapes.title is not None]
    assert len(deck.slides) >= 5
    assert any("Quarterly" in t for t in titles)
    pictures = sum(1 for s in deck.slides for sh in s.shapes if sh.shape_type == 13)
    assert pictures >= 2
    context.close()
