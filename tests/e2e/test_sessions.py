"""Sessions in real Chromium: the HttpOnly, SameSite=Strict cookie keeps a reload (and a shared link) signed
in with its page, period and scope; sign-out, a password change and a revoked or expired token end it;
another browser that knows only the Streamlit session id gets nothing."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from playwright.sync_api import expect

from analytics.core import auth, sessions
from analytics.core.db import Database
from tests.e2e.conftest import sign_in, start_server, wait_idle

pytestmark = pytest.mark.e2e
VIEWPORT = {"width": 1440, "height": 1200}
SIGN_IN = "Sign in to Tandem"
# Records every websocket the page opens (with its subprotocols: the last is the session id on a
# reconnect); when window.__forceSession is set, the first connection claims that session id.
WS_HOOK = """
(() => {
  const Orig = window.WebSocket;
  window.__sockets = []; window.__protocols = [];
  function Hooked(url, protocols) {
    const p = Array.from(protocols || []);
    if (window.__forceSession && window.__sockets.length === 0) { p.splice(2, 1, window.__forceSession); }
    window.__protocols.push(p);
    const ws = new Orig(url, p);
    window.__sockets.push(ws);
    return ws;
  }
  Hooked.prototype = Orig.prototype;
  for (const k of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) Hooked[k] = Orig[k];
  window.WebSocket = Hooked;
})();
"""


def _open(context, url: str):
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector('[data-testid="stApp"]', timeout=120_000)
    wait_idle(page)
    return page


def _title(page) -> str:
    page.wait_for_selector("h1", timeout=120_000)
    return page.locator("h1").first.inner_text().strip()


def _shows(page, title: str) -> None:
    """The page's heading becomes ``title``: a click's rerun may start after ``wait_idle`` has returned on a busy
    machine, so the heading is polled rather than read once."""
    expect(page.locator("h1").first).to_have_text(title, timeout=60_000)


def _cookie(context) -> dict:
    """The session cookie as the browser stores it (the fetch that sets it runs right after sign-in)."""
    deadline = time.time() + 30
    while time.time() < deadline:
        found = [c for c in context.cookies() if c["name"] == "tandem_session"]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"no tandem_session cookie: {context.cookies()}")


def _reload(page) -> None:
    page.reload()
    page.wait_for_selector('[data-testid="stApp"]', timeout=120_000)
    wait_idle(page)


def _picks(page) -> list[str]:
    """What the sidebar's pickers show: period type, period, region (and team when a region is chosen)."""
    boxes = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]')
    boxes.nth(2).wait_for(timeout=60_000)
    wait_idle(page)
    return [boxes.nth(i).locator("input").first.input_value() for i in range(boxes.count())]


@pytest.fixture
def own_db(demo_db_path: Path, tmp_path: Path) -> Path:
    """A copy of the demo company for a test that starts (and restarts) its own server on it."""
    path = tmp_path / "sessions.duckdb"
    shutil.copy(demo_db_path, path)
    return path


@contextmanager
def serving(db_path: Path) -> Iterator[str]:
    """A server on ``db_path`` for the block (the database is the server's alone while it runs)."""
    proc, url = start_server(db_path)
    try:
        yield url
    finally:
        proc.terminate()
        with suppress(subprocess.TimeoutExpired):
            proc.wait(10)
        if proc.poll() is None:
            proc.kill()


def test_reload_keeps_sign_in_page_period_and_scope(browser, server):
    url, _ = server
    context = browser.new_context(viewport=VIEWPORT)
    page = _open(context, url)
    _shows(page, SIGN_IN)
    sign_in(page, "demo.director.east")
    cookie = _cookie(context)
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/"
    assert page.evaluate("document.cookie").find("tandem_session") == -1  # scripts cannot read it
    # a shared link to a page, period and scope opens that view directly in a signed-in browser
    page.goto(f"{url}/quota?lang=en&grain=month&period=2025-09&region=east")
    page.wait_for_selector('[data-testid="stApp"]', timeout=120_000)
    wait_idle(page)
    assert _title(page) != SIGN_IN
    _shows(page, "Quota & performance")
    assert _picks(page)[:3] == ["Month", "2025-09", "East"]
    # choose a team: the URL follows the pickers
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').nth(3)
    box.scroll_into_view_if_needed()
    box.locator("input").first.click()
    options = page.locator('[role="option"]')
    options.first.wait_for(timeout=30_000)
    options.nth(1).click()
    wait_idle(page)
    team = _picks(page)[3]
    assert team != "All" and "team=" in page.url
    _reload(page)
    _shows(page, "Quota & performance")  # still signed in, same page
    assert _picks(page) == ["Month", "2025-09", "East", team]
    assert "/quota" in page.url and "grain=month" in page.url and "period=2025-09" in page.url
    context.close()


def test_shared_link_opens_the_same_view_after_sign_in(browser, server):
    url, _ = server
    context = browser.new_context(viewport=VIEWPORT)
    page = _open(context, f"{url}/quota?lang=en&grain=month&period=2025-09&region=east")
    _shows(page, SIGN_IN)
    sign_in(page, "demo.director.east")
    wait_idle(page)
    _shows(page, "Quota & performance")
    assert _picks(page)[:3] == ["Month", "2025-09", "East"]
    assert "/quota" in page.url and "period=2025-09" in page.url
    context.close()


def test_sign_out_invalidates_the_token(browser, server):
    url, _ = server
    context = browser.new_context(viewport=VIEWPORT)
    page = _open(context, url)
    sign_in(page)
    token = _cookie(context)["value"]
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign out").click()
    wait_idle(page)
    _shows(page, SIGN_IN)
    _reload(page)
    _shows(page, SIGN_IN)
    # the token is refused even when a browser still presents it
    other = browser.new_context(viewport=VIEWPORT)
    other.add_cookies([{"name": "tandem_session", "value": token, "url": url}])
    assert _title(_open(other, url)) == SIGN_IN
    other.close()
    context.close()


def test_a_password_change_a_revoked_or_an_expired_token_is_refused(browser, own_db: Path):
    """One server signs two browsers in; while none holds the file (DuckDB has one writer) an admin sets the
    analyst's password and tokens are made, revoked and aged; the restarted server answers each."""
    analyst, hr = browser.new_context(viewport=VIEWPORT), browser.new_context(viewport=VIEWPORT)
    with serving(own_db) as url:
        for context, user in ((analyst, "demo.analyst"), (hr, "demo.hr")):
            sign_in(_open(context, url), user)
            _cookie(context)
    db = Database(own_db)
    auth.set_password(db, "demo.analyst", "a brand new password 42", actor="demo.admin")
    good = sessions.create_session(db, "demo.hr")
    revoked = sessions.create_session(db, "demo.hr")
    expired = sessions.create_session(db, "demo.hr")
    sessions.revoke(db, revoked)
    with db.transaction(bump=False) as cur:
        cur.execute("update user_sessions set last_seen = $t where token_hash = $h",
                    {"t": dt.datetime.now() - dt.timedelta(minutes=481), "h": sessions.token_hash(expired)})
    db.close()
    with serving(own_db) as url:  # cookies are per host: both browsers present their tokens to the new server
        assert _title(_open(analyst, url)) == SIGN_IN  # the password changed: the analyst's token is worthless
        assert _title(_open(hr, url)) != SIGN_IN  # another user's session is untouched
        for token, signed_in in ((good, True), (revoked, False), (expired, False), ("made-up", False)):
            context = browser.new_context(viewport=VIEWPORT)
            context.add_cookies([{"name": "tandem_session", "value": token, "url": url}])
            assert (_title(_open(context, url)) != SIGN_IN) is signed_in, token
            context.close()
    analyst.close()
    hr.close()


def test_streamlit_session_id_alone_is_not_enough(browser, server):
    url, _ = server
    first = browser.new_context(viewport=VIEWPORT)
    first.add_init_script(WS_HOOK)
    page = _open(first, url)
    sign_in(page)
    _cookie(first)
    # make the first browser reconnect, so it names its Streamlit session id in the handshake
    page.evaluate("window.__sockets.at(-1).close()")
    page.wait_for_function("window.__protocols.length >= 2 && window.__protocols.at(-1).length >= 3",
                           timeout=60_000)
    session_id = page.evaluate("window.__protocols.at(-1)[2]")
    wait_idle(page)
    assert _title(page) != SIGN_IN
    second = browser.new_context(viewport=VIEWPORT)
    second.add_init_script(f"window.__forceSession = {session_id!r};" + WS_HOOK)
    intruder = _open(second, url)
    assert intruder.evaluate("window.__protocols[0][2]") == session_id
    assert _title(intruder) == SIGN_IN
    second.close()
    first.close()
