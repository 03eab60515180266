"""Changing one's own password in real Chromium: the browser that changed it stays signed in on a new cookie
(a reload keeps it), another browser of the same user is signed out, and the old token is worthless."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from analytics.core import auth
from analytics.core.db import Database
from tests.e2e.conftest import sign_in, wait_idle
from tests.e2e.test_sessions import SIGN_IN, VIEWPORT, _cookie, _open, _reload, _title, own_db, serving  # noqa: F401

pytestmark = pytest.mark.e2e


def _new_cookie(context, old: str) -> str:
    deadline = time.time() + 30
    while time.time() < deadline:
        value = _cookie(context)["value"]
        if value != old:
            return value
        time.sleep(0.2)
    raise AssertionError("the cookie was not replaced after the password change")


def test_a_password_change_keeps_this_browser_and_signs_out_the_others(browser, own_db: Path):  # noqa: F811
    db = Database(own_db)
    auth.add_user(db, "pat", "the first password", [auth.Grant("analyst", "company")], "test")
    db.close()
    mine, other = browser.new_context(viewport=VIEWPORT), browser.new_context(viewport=VIEWPORT)
    with serving(own_db) as url:
        page = _open(mine, url)
        sign_in(page, "pat", "the first password")
        old = _cookie(mine)["value"]
        sign_in(_open(other, url), "pat", "the first password")
        _cookie(other)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("Change password", exact=True).click()
        sidebar.get_by_label("Current password", exact=True).fill("the first password")
        sidebar.get_by_label(f"New password (at least {auth.MIN_PASSWORD} characters)", exact=True).fill(
            "a second password")
        sidebar.get_by_label("New password again", exact=True).fill("a second password")
        sidebar.get_by_role("button", name="Save the new password").click()
        wait_idle(page)
        sidebar.get_by_text("Password changed.").wait_for(timeout=60_000)
        assert _new_cookie(mine, old) != old
        _reload(page)
        assert _title(page) != SIGN_IN  # this browser continues, on its new token
        stale = other.pages[0]
        _reload(stale)
        assert _title(stale) == SIGN_IN  # the other browser signs in again
        third = browser.new_context(viewport=VIEWPORT)
        third.add_cookies([{"name": "tandem_session", "value": old, "url": url}])
        assert _title(_open(third, url)) == SIGN_IN  # the old token is worthless
        third.close()
    mine.close()
    other.close()
