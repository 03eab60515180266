"""Screenshot pages of a running Tandem in a tall viewport.

Usage: python scripts/shoot.py URL OUTDIR path [path ...] [--zh] [--user demo.hr]
Signs in with a demo account when the sign-in page shows, then opens each page by its sidebar link.
"""
from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]
USER = "demo.hr"
IDLE = ("document.querySelector('[data-testid=\"stApp\"]')"
        "?.getAttribute('data-test-script-state') === 'notRunning'")


def main() -> None:
    global USER
    args = [a for a in sys.argv[1:] if a != "--zh"]
    if "--user" in args:
        i = args.index("--user")
        USER = args[i + 1]
        del args[i:i + 2]
    url, out, *paths = args
    zh = "--zh" in sys.argv
    Path(out).mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 4200})
        page.goto(url)
        page.wait_for_selector('[data-testid="stApp"]', timeout=300_000)
        page.wait_for_function(IDLE, timeout=300_000)
        page.wait_for_selector('input[type="password"], [data-testid="stSidebarNavLink"]', timeout=120_000)
        if page.get_by_label("Password", exact=True).count():  # the sign-in page: use a demo account
            page.get_by_label("User name", exact=True).fill(USER)
            page.get_by_label("Password", exact=True).fill("tandem-demo")
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_timeout(500)
            page.wait_for_function(IDLE, timeout=300_000)
            page.wait_for_selector('[data-testid="stSidebar"] button:has-text("Sign out")', timeout=120_000)
            page.wait_for_function("!document.body.innerText.includes('Demo accounts')", timeout=120_000)
            page.wait_for_timeout(1500)
            page.wait_for_function(IDLE, timeout=300_000)
        if zh:
            page.locator('[data-testid="stSidebar"]').get_by_text("简体中文").click()
            page.wait_for_timeout(300)
            page.wait_for_function(IDLE, timeout=120_000)
        for path in paths:  # navigate in the same session (a reload would sign out)
            link = page.locator(f'[data-testid="stSidebarNavLink"][href$="/{path}"]')
            if link.count():
                link.first.click()
            page.wait_for_timeout(500)
            page.wait_for_function(IDLE, timeout=300_000)
            page.wait_for_timeout(3000)
            page.screenshot(path=f"{out}/{path or 'home'}{'_zh' if zh else ''}.png")
            print(path, "exceptions:", page.locator('[data-testid="stException"]').count())
        browser.close()


if __name__ == "__main__":
    main()
