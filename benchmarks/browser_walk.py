"""One real Streamlit server, one headless Chromium: sign in, open every page of the navigation in turn, download
the quarterly review's PPTX pack and the monthly review's PDF pack, and sample the server's memory throughout.

Each page's first view is the time from the navigation click (for the first page: the sign-in click) until the
script is idle, with nothing stored from an earlier run (a fresh results folder). A page showing an exception or
an error box, or still running after ``page_timeout`` seconds, fails the walk with the page named and the
server's last output.

Run: ``python -m benchmarks.browser_walk --db benchmarks/work/large.duckdb`` (prints the result as JSON).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from analytics.core.i18n import t

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]
STATE = "document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state')"
IDLE = f"{STATE} === 'notRunning'"
# Counts the script runs started in the page (every change away from "notRunning"), so a wait after a click
# cannot mistake the idle state before the run for the idle state after it.
WATCH = """() => { if (window.__tandemWatch) return; const app = document.querySelector('[data-testid="stApp"]');
  window.__tandemRuns = 0; window.__tandemWatch = new MutationObserver(records => { for (const r of records)
    if (r.oldValue === 'notRunning') window.__tandemRuns++; });
  window.__tandemWatch.observe(app, {attributes: true, attributeOldValue: true,
    attributeFilter: ['data-test-script-state']}); }"""
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
NAV = '[data-testid="stSidebarNavLink"]'


class WalkError(RuntimeError):
    """The walk failed: a page crashed, showed an error or never finished, or a pack was not valid."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db_path: Path, results: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """``streamlit run app.py`` on ``db_path`` with its stored results in ``results`` and nothing computed ahead;
    its output goes to ``log`` (a file: a pipe nobody reads would stall a talkative server). No file watcher, as
    in a deployment: a source file edited during the walk must not reload modules under the running server."""
    port = _free_port()
    env = {**os.environ, "TANDEM_DB": str(db_path), "TANDEM_RESULTS_DIR": str(results),
           "TANDEM_PREWARM_LIMIT": "0"}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if proc.poll() is not None:
                raise WalkError(f"streamlit exited with {proc.returncode}:\n{tail(log)}") from None
            time.sleep(0.3)
    stop_server(proc)
    raise WalkError(f"streamlit did not start within 120 s:\n{tail(log)}")


def stop_server(proc: subprocess.Popen) -> None:
    """Stop the server (killed when it does not stop within 10 s)."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def tail(log: Path, chars: int = 4000) -> str:
    """The last ``chars`` characters the server wrote."""
    try:
        return log.read_bytes()[-chars:].decode(errors="replace")
    except OSError:
        return "(no server output)"


class PeakMemory:
    """Samples the resident memory of a process and all its children (summed) every ``every`` seconds in a
    thread; ``peak_mb`` is the largest sum seen."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        self.pid, self.every, self.peak_mb = pid, every, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _sample(self) -> float:
        try:
            root = psutil.Process(self.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0.0
        total = 0
        for p in procs:
            with contextlib.suppress(psutil.Error):  # a child that ended between the listing and the reading
                total += p.memory_info().rss
        return total / 2**20

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, self._sample())
            self._stop.wait(self.every)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _runs(page) -> int:
    return int(page.evaluate("() => window.__tandemRuns ?? 0"))


def wait_run(page, before: int, timeout: float, what: str, proc: subprocess.Popen) -> float:
    """Wait until a script run started after ``before`` runs has ended and the app stays idle (a run that
    triggers another is followed); the seconds until the last idle, measured from the call."""
    t0 = time.perf_counter()
    deadline = t0 + timeout
    done = None
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise WalkError(f"{what}: the server exited with {proc.returncode}")
        idle = page.evaluate(f"() => {IDLE}")
        started = _runs(page) > before
        if idle and (started or time.perf_counter() - t0 > 3):  # a run too quick to be seen still counts
            done = done or time.perf_counter()
            if time.perf_counter() - done >= 0.5:  # idle for half a second: no follow-up run
                return done - t0
        else:
            done = None
        page.wait_for_timeout(50)
    raise WalkError(f"{what}: still running after {timeout:.0f} s (a never-ending spinner)")


def check_page(page, what: str, page_errors: list[str]) -> None:
    """Fail when the page shows an exception or an error box, or the browser reported a script error."""
    boxes = page.locator(ERRORS)
    if boxes.count():
        texts = [boxes.nth(i).inner_text()[:1500] for i in range(boxes.count())]
        raise WalkError(f"{what}: the page shows an error:\n" + "\n---\n".join(texts))
    if page_errors:
        raise WalkError(f"{what}: the browser reported errors: {page_errors}")


def _nav_titles(page) -> list[str]:
    links = page.locator(NAV)
    return [links.nth(i).inner_text().strip().split("\n")[-1].strip() for i in range(links.count())]


def _open(page, titles: list[str], title: str, timeout: float, proc: subprocess.Popen) -> float:
    """Click the navigation link ``title`` (found by its position in ``titles``: a title may be part of another);
    seconds until its script is idle."""
    if title not in titles:
        raise WalkError(f"no page {title!r} in the navigation: {titles}")
    before = _runs(page)
    page.locator(NAV).nth(titles.index(title)).click()
    return wait_run(page, before, timeout, f"page {title!r}", proc)


def _download(page, button: str, target: Path, timeout: float) -> float:
    """Click the download button ``button``, save the file as ``target``; seconds from the click."""
    control = page.get_by_role("button", name=button, exact=True)
    control.wait_for(timeout=timeout * 1000)
    t0 = time.perf_counter()
    with page.expect_download(timeout=timeout * 1000) as download:
        control.click()
    download.value.save_as(target)
    return time.perf_counter() - t0


def check_pptx(path: Path) -> int:
    """The number of slides of a PPTX pack; fails on an unreadable or empty deck."""
    from pptx import Presentation

    deck = Presentation(str(path))
    if len(deck.slides) == 0:
        raise WalkError(f"{path.name}: the deck has no slides")
    return len(deck.slides)


def check_pdf(path: Path) -> int:
    """The number of pages of a PDF pack; fails on an unreadable or empty document."""
    from pypdf import PdfReader

    data = path.read_bytes()
    if not data.startswith(b"%PDF-"):
        raise WalkError(f"{path.name}: not a PDF ({data[:16]!r})")
    pages = len(PdfReader(path).pages)
    if pages == 0:
        raise WalkError(f"{path.name}: the PDF has no pages")
    return pages


def _walk_browser(url: str, proc: subprocess.Popen, out: Path, user: str, password: str, lang: str,
                  page_timeout: float) -> tuple[dict[str, float], dict[str, float], dict[str, int]]:
    from playwright.sync_api import sync_playwright

    pages: dict[str, float] = {}
    packs: dict[str, float] = {}
    details: dict[str, int] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1440, "height": 1600}, accept_downloads=True)
            page = context.new_page()
            page.set_default_timeout(page_timeout * 1000)
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            current = "sign-in"
            try:
                page.goto(f"{url}/?lang={lang}")
                page.wait_for_selector('[data-testid="stApp"]')
                page.evaluate(WATCH)
                wait_run(page, -1, page_timeout, "the sign-in page", proc)
                page.get_by_label(t("auth.username", lang), exact=True).fill(user)
                page.get_by_label(t("auth.password", lang), exact=True).fill(password)
                before = _runs(page)
                page.get_by_role("button", name=t("auth.sign_in", lang)).click()
                first = wait_run(page, before, page_timeout, "sign-in and the first page", proc)
                page.wait_for_selector(NAV)
                titles = _nav_titles(page)
                if not titles:
                    raise WalkError("no navigation after sign-in")
                current = titles[0]
                check_page(page, f"page {current!r}", errors)
                pages[current] = first  # the default page's first view follows the sign-in click
                print(f"[walk] {current}: {first:.2f} s", flush=True)
                for title in titles[1:]:
                    current = title
                    pages[title] = _open(page, titles, title, page_timeout, proc)
                    check_page(page, f"page {title!r}", errors)
                    print(f"[walk] {title}: {pages[title]:.2f} s", flush=True)
                for kind, fmt, check in (("quarterly", "pptx", check_pptx), ("monthly", "pdf", check_pdf)):
                    current = f"the {kind} review's {fmt.upper()} pack"
                    _open(page, titles, t(f"nav.review_{kind}", lang), page_timeout, proc)
                    name = f"{kind} {fmt.upper()}"
                    target = out / f"{kind}_pack.{fmt}"
                    packs[name] = _download(page, t(f"review.pack_{fmt}", lang), target, page_timeout)
                    details[name] = check(target)
                    check_page(page, current, errors)
                    print(f"[walk] pack {name}: {packs[name]:.2f} s, {details[name]} "
                          f"{'slides' if fmt == 'pptx' else 'pages'}", flush=True)
            except Exception as exc:
                with contextlib.suppress(Exception):  # the screenshot only helps; the failure is what matters
                    page.screenshot(path=str(out / "failure.png"), full_page=True)
                if isinstance(exc, WalkError):
                    raise
                raise WalkError(f"at {current}: {type(exc).__name__}: {exc}") from exc
            context.close()
        finally:
            browser.close()
    return pages, packs, details


def walk(db_path: Path, out_dir: Path | None = None, user: str = "demo.hr", password: str = "tandem-demo",
         lang: str = "en", page_timeout: float = 300) -> dict:
    """Walk every page of the navigation and download both packs on one real server over ``db_path``.

    Returns ``{"pages": {title: seconds}, "packs": {name: seconds}, "pack_pages": {name: slides or pages},
    "peak_mb": server peak (process and children), "seconds": total}``. The packs (and a screenshot on
    failure) are kept in ``out_dir`` when given. Raises :class:`WalkError` with the server's last output."""
    db_path = Path(db_path).resolve()
    if not db_path.exists():
        raise FileNotFoundError(db_path)
    scratch = Path(tempfile.mkdtemp(prefix="tandem-walk-"))
    out = Path(out_dir) if out_dir is not None else scratch / "out"
    out.mkdir(parents=True, exist_ok=True)
    log = scratch / "server.log"
    t0 = time.perf_counter()
    proc = None
    try:
        proc, url = start_server(db_path, scratch / "results", log)
        with PeakMemory(proc.pid) as memory:
            try:
                pages, packs, details = _walk_browser(url, proc, out, user, password, lang, page_timeout)
            except WalkError as exc:
                raise WalkError(f"{exc}\n--- server output (last lines) ---\n{tail(log)}") from exc
        return {"pages": {k: round(v, 3) for k, v in pages.items()},
                "packs": {k: round(v, 3) for k, v in packs.items()}, "pack_pages": details,
                "peak_mb": round(memory.peak_mb, 1), "seconds": round(time.perf_counter() - t0, 2)}
    finally:
        if proc is not None:
            stop_server(proc)
        shutil.rmtree(scratch, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.browser_walk")
    parser.add_argument("--db", required=True, type=Path, help="the DuckDB file to serve (walked as it is)")
    parser.add_argument("--out", type=Path, help="folder to keep the packs (and a screenshot on failure)")
    parser.add_argument("--user", default="demo.hr")
    parser.add_argument("--password", default="tandem-demo")
    parser.add_argument("--lang", default="en", choices=["en", "zh"])
    parser.add_argument("--page-timeout", type=float, default=300, help="seconds a page may take (default 300)")
    args = parser.parse_args(argv)
    result = walk(args.db, args.out, args.user, args.password, args.lang, args.page_timeout)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
