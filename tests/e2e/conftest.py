"""Real server, real headless Chromium. Under CI=true a missing browser fails; locally it skips."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.browser_walk import _free_port, stop_server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
IDLE = ("document.querySelector('[data-testid=\"stApp\"]')"
        "?.getAttribute('data-test-script-state') === 'notRunning'")


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module. Playwright's sync API keeps an event loop running on this thread while it
    is open: closed after each module, so a later module on the same worker (two workers, any order) can use
    asyncio.run."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: the test command installs Debian's chromium; CI must have it.")
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def start_server(db_path: Path, env_extra: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    # the app's own alert schedule stays off unless a test turns it on: evaluating every rule in the background
    # would compete with the page a test is waiting for (tests/e2e/test_green_channel.py runs it)
    env = {**os.environ, "TANDEM_DB": str(db_path), "TANDEM_ALERTS_SCHEDULE": "0", **(env_extra or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, url
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(proc.stdout.read().decode(errors="replace")) from None
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("streamlit did not start within 60 s")


@pytest.fixture
def server(demo_db_path: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    db = tmp_path / "e2e.duckdb"
    shutil.copy(demo_db_path, db)
    proc, url = start_server(db)
    try:
        yield url, db
    finally:
        stop_server(proc)


def wait_idle(page, timeout: int = 120_000) -> None:
    page.wait_for_timeout(300)
    page.wait_for_function(IDLE, timeout=timeout)


def choose(page, box, option: str | int, exact: bool = True, timeout: int = 120_000) -> str:
    """Choose in the selectbox ``box`` (its input) the option with this text (``exact`` False: containing it), or
    at this index; its text. A click that lands while the page is still redrawing opens nothing: try again."""
    import re

    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    options = page.locator('[role="option"]')
    for attempt in range(4):
        box.click()
        try:
            options.first.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            if attempt == 3:
                raise
            page.keyboard.press("Escape")
            wait_idle(page)
    if isinstance(option, int):
        target = options.nth(option)
    else:
        target = options.filter(has_text=re.compile(f"^{re.escape(option)}$") if exact else option).first
    text = target.inner_text().strip()
    target.click()
    wait_idle(page)
    expect(box).to_have_value(text, timeout=timeout)
    return text


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, user: str = "demo.hr", password: str = "tandem-demo") -> None:
    """Fill the sign-in form of a freshly loaded app and wait for the first page."""
    page.get_by_label("User name", exact=True).fill(user)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    wait_idle(page)
    page.wait_for_selector('[data-testid="stMetricValue"], [data-testid="stHeading"]', timeout=120_000)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The large company's walk (about 8 minutes) runs only when asked for by name, ``-m large``: an ``-m e2e``
    on the command line replaces the default ``-m "not large"`` and would otherwise take it along."""
    if "large" in (config.getoption("markexpr") or "").replace("not large", ""):
        return
    drop = [item for item in items if item.get_closest_marker("large")]
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = [item for item in items if not item.get_closest_marker("large")]
