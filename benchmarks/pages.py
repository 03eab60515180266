"""Every page's first view (cold) and second view (warm), server-side, with the process's peak memory.

Each page runs under Streamlit's AppTest as the HR head (every page visible, pay included), with the default
period and company scope, in a fresh Python process: the interpreter, Streamlit and Tandem are imported and
the app shell drawn once on the glossary (no metric) before the clock starts, so *cold* is what a viewer
waits for after a server start or a data change — every cache and memo empty — and *warm* is the same page
drawn again. Peak memory is the child process's maximum resident size (the interpreter with Tandem
imported is about 250 MB of it).

Run: ``python -m benchmarks.pages --size medium`` (a demo in benchmarks/work is built if missing).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "work"

PAGES = {  # page file -> label in the report
    "overview": "Overview", "review_monthly": "Monthly review", "review_quarterly": "Quarterly review",
    "goals": "Goals", "attrition": "Attrition & retention", "risk": "Flight risk", "hiring": "Hiring & capacity",
    "talent": "Talent", "training": "Training", "quota": "Quota & attainment", "scorecard": "Scorecard",
    "key_accounts": "Key accounts", "incentives": "Incentives", "data": "Data",
}

CHILD = """
import datetime as dt, json, resource, sys, time
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("app.py", default_timeout=900)
at.session_state["auth"] = {"user": sys.argv[2], "seen": dt.datetime.now()}
at.switch_page("pages/glossary.py").run()
assert not at.exception, at.exception
import ui.cached  # noqa: the report modules, as the server preloads them at start (app.py)
t0 = time.perf_counter()
at.switch_page(sys.argv[1]).run()
cold = time.perf_counter() - t0
assert not at.exception, [e.value for e in at.exception]
assert not at.error, [e.value for e in at.error]
t0 = time.perf_counter()
at.run()
warm = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"cold": cold, "warm": warm, "peak_mb": peak}))
"""


def page_once(db: Path, page: str, user: str = "demo.hr") -> dict[str, float]:
    """Cold and warm seconds and peak MB of one page in a fresh process."""
    proc = subprocess.run([sys.executable, "-c", CHILD, f"pages/{page}.py", user], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "TANDEM_DB": str(db)}, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"timing {page} on {db} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def all_pages(db: Path, pages: list[str] | None = None) -> dict[str, dict[str, float]]:
    """Every page once, in a fresh process each."""
    out = {}
    for page in pages or list(PAGES):
        out[page] = page_once(db, page)
        print(f"[pages] {page}: {out[page]['cold']:.2f} s cold, {out[page]['warm']:.2f} s warm, "
              f"{out[page]['peak_mb']:,.0f} MB", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pages")
    parser.add_argument("--size", default="medium")
    parser.add_argument("--pages", default="", help="comma-separated page files (default: every page)")
    args = parser.parse_args(argv)
    db = WORK / f"{args.size}.duckdb"
    if not db.exists():
        from benchmarks.run import generate

        generate(args.size)
    all_pages(db, [p for p in args.pages.split(",") if p] or None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
