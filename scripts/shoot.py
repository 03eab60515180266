"""Screenshot pages of a running Tandem in a tall viewport.

Usage: python scripts/shoot.py URL OUTDIR path [path ...] [--zh]
"""
from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]
IDLE = ("document.querySelector('[data-testid=\"stApp\"]')"
        "?.getAttribute('data-test-script-state') === 'notRunning'")


def main() -> None:
    url, out, *paths = [a for a in sys.argv[1:] if a != "--zh"]
    zh = "--zh" in sys.argv
    Path(out).mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 4200})
        page.goto(url)
        page.wait_for_selector('[data-testid="stApp"]', timeout=300_000)
        page.wait_for_function(IDLE, timeout=300_000)
        if zh:
            page.locator('[data-testid="stSidebar"]').get_by_text("简体中文").click()
            page.wait_for_timeout(300)
            page.wait_for_function(IDLE, timeout=120_000)
        for path in paths:
            page.goto(f"{url}/{path}" + ("?lang=zh" if zh else ""))
            page.wait_for_selector('[data-testid="stApp"]')
            page.wait_for_timeout(500)
            page.wait_for_function(IDLE, timeout=300_000)
            page.wait_for_timeout(3000)
            page.screenshot(path=f"{out}/{path or 'home'}{'_zh' if zh else ''}.png")
            print(path, "exceptions:", page.locator('[data-testid="stException"]').count())
        browser.close()


if __name__ == "__main__":
    main()
