"""Two sessions at once in real Chromium (East's and North's sales directors): neither the page nor the
websocket payload of one carries the other region's people."""
from __future__ import annotations

from pathlib import Path

import pytest

from analytics.core.db import Database
from tests.e2e.conftest import sign_in, wait_idle

pytestmark = pytest.mark.e2e


def region_names(db_path: Path, region: str, other: str) -> set[str]:
    """Names of people placed in ``region`` in the last quarter that no one in ``other`` has or contains."""
    db = Database(db_path, read_only=True)
    try:
        sql = """select distinct e.name from employees e join assignments a using (employee_id)
                 join org_units o using (org_unit_id)
                 where coalesce(a.valid_to, date '9999-12-31') >= date '2025-10-01'
                   and (o.org_unit_id = $r or o.parent_id = $r)"""
        mine = set(db.sql(sql, r=region)["name"].to_list())
        theirs = set(db.sql(sql, r=other)["name"].to_list())
    finally:
        db.close()
    # Chinese names nest ("韩霞" inside "韩霞芳"): keep names that occur inside no name of the other region
    return {n for n in mine - theirs if len(n) >= 2 and not any(n in t for t in theirs)}


def open_as(browser, url: str, user: str):
    context = browser.new_context(viewport={"width": 1440, "height": 2400})
    page = context.new_page()
    frames: list[bytes] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(
        payload if isinstance(payload, bytes) else payload.encode())))
    page.goto(url)
    page.wait_for_selector('[data-testid="stApp"]', timeout=120_000)
    wait_idle(page)
    sign_in(page, user)
    return context, page, frames


def test_two_directors_see_only_their_region(browser, server, demo_db_path: Path):
    url, _ = server
    north_only = region_names(demo_db_path, "north", "east")
    east_only = region_names(demo_db_path, "east", "north")
    assert north_only and east_only
    east_ctx, east_page, east_frames = open_as(browser, url, "demo.director.east")
    north_ctx, north_page, north_frames = open_as(browser, url, "demo.director.north")
    for page in (east_page, north_page):  # open the leaderboard (person-level) on the quota page
        page.locator('[data-testid="stSidebarNavLink"]', has_text="Quota").first.click()
        wait_idle(page)
        page.wait_for_timeout(1500)
    east_text, north_text = east_page.content(), north_page.content()
    east_bytes, north_bytes = b"".join(east_frames), b"".join(north_frames)
    assert any(n in east_text or n.encode() in east_bytes for n in east_only), "East sees its own people"
    leaks = [n for n in north_only if n in east_text or n.encode() in east_bytes]
    assert not leaks, f"East's session carried North's people: {leaks[:5]}"
    leaks = [n for n in east_only if n in north_text or n.encode() in north_bytes]
    assert not leaks, f"North's session carried East's people: {leaks[:5]}"
    east_ctx.close()
    north_ctx.close()
