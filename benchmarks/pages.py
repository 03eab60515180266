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
import ui.cached; ui.cached.preload()  # noqa: the report modules, as the server preloads them at start (app.py)
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


def page_once(db: Path, page: str, user: str = "demo.hr", results: Path | None = None) -> dict[str, float]:
    """Cold and warm seconds and peak MB of one page in a fresh process; ``results`` = the stored-results folder
    (TANDEM_RESULTS_DIR; default beside the database)."""
    env = {**os.environ, "TANDEM_DB": str(db), "TANDEM_PREWARM_LIMIT": "0"}
    if results is not None:
        env["TANDEM_RESULTS_DIR"] = str(results)
    proc = subprocess.run([sys.executable, "-c", CHILD, f"pages/{page}.py", user], cwd=ROOT, capture_output=True,
                          text=True, env=env, check=False)
    if proc.returncode != 0:
        said = [line for line in proc.stderr.splitlines() if not any(n in line for n in _NOISE)]
        how = f"killed by signal {-proc.returncode}" if proc.returncode < 0 else f"exit status {proc.returncode}"
        raise SystemExit(f"timing {page} on {db} failed ({how}):\n" + "\n".join(said[-40:]))
    return json.loads(proc.stdout.strip().splitlines()[-1])


_NOISE = ("MemoryCacheStorageManager", "missing ScriptRunContext")  # Streamlit outside a server, every run


MODEL = """
import sys
from analytics.core.db import Database
from analytics.metrics.engine import as_of_date
from analytics.people import risk_store
db = Database(sys.argv[1])
risk_store.current_model(db, as_of_date(db))
db.close()
"""


def store_model(db: Path) -> None:
    """Fit and store the flight-risk model of the database's data version (waiting for it: a page would start
    it in the background and show the previous model meanwhile)."""
    proc = subprocess.run([sys.executable, "-c", MODEL, str(db)], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        raise SystemExit(f"fitting the flight-risk model of {db} failed:\n{proc.stderr[-3000:]}")


def all_pages(db: Path, pages: list[str] | None = None) -> dict[str, dict[str, float]]:
    """Every page twice, each time in a fresh process: first with an empty stored-results folder (the first view
    after a data change, before anything was computed ahead: everything computed), then with the results the
    first pass stored (the first view after a server restart, or after a data change once computed ahead).
    Keys per page: computed, computed_peak_mb, stored, stored_peak_mb, warm."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="tandem-results-"))
    out = {}
    try:
        store_model(db)  # the flight-risk model of this data version (fitted once per data change, in the background)
        for page in pages or list(PAGES):
            first = page_once(db, page, results=folder)
            again = page_once(db, page, results=folder)
            out[page] = {"computed": first["cold"], "computed_peak_mb": first["peak_mb"], "stored": again["cold"],
                         "stored_peak_mb": again["peak_mb"], "warm": again["warm"]}
            print(f"[pages] {page}: {first['cold']:.2f} s computed ({first['peak_mb']:,.0f} MB), "
                  f"{again['cold']:.2f} s stored, {again['warm']:.2f} s warm", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return out


WALK = """
import datetime as dt, json, resource, sys, time
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("app.py", default_timeout=1800)
at.session_state["auth"] = {"user": "demo.hr", "seen": dt.datetime.now()}
at.switch_page("pages/glossary.py").run()
t0 = time.perf_counter()
for page in sys.argv[1:]:
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, (page, [e.value for e in at.exception])
print(json.dumps({"seconds": time.perf_counter() - t0,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def server_walk(db: Path) -> dict[str, float]:
    """One server process visiting every page in turn with nothing stored (every figure computed): its seconds
    and peak memory — what a server needs for a full walk right after a data change."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="tandem-results-"))
    try:
        proc = subprocess.run([sys.executable, "-c", WALK, *PAGES], cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "TANDEM_DB": str(db), "TANDEM_RESULTS_DIR": str(folder),
                                   "TANDEM_PREWARM_LIMIT": "0"}, check=False)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if proc.returncode != 0:
        raise SystemExit(f"walking every page of {db} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


AHEAD = """
import json, sys, time
from analytics.core.db import Database
from analytics.core.result_store import ResultStore
from analytics.reviews import ahead
db = Database(sys.argv[1])
store = ResultStore(sys.argv[1])
with db.transaction() as cur:  # a data change that leaves the as-of date (a correction, a goal, a sync)
    cur.execute("update employees set hire_source = hire_source where employee_id = (select min(employee_id) "
                "from employees)")
t0 = time.perf_counter()
ready = []
n = ahead.after_change(db, say=lambda _m: ready or ready.append(time.perf_counter() - t0))  # as an import ends
print(json.dumps({"seconds": time.perf_counter() - t0, "panels_seconds": ready[0] if ready else None,
                  "requests": len(list(store.entries(db.data_token))), "computed": n}))
"""


def ahead_after_change(db: Path, pages: list[str] | None = None) -> dict[str, object]:
    """On a copy whose stored results cover every page (one walk with the default folder), a data change that
    keeps the as-of date, then what an import or a restore on the command line does before it returns: the
    panels built and the previous requests computed ahead (seconds, number of requests). Then every page's first
    view after the change, each in a fresh process (``pages``: page → seconds, peak MB)."""
    import shutil

    copy = db.with_name(f"{db.stem}_ahead.duckdb")
    results = Path(f"{copy}.results")
    shutil.rmtree(results, ignore_errors=True)
    shutil.copy(db, copy)
    try:
        proc = subprocess.run([sys.executable, "-c", WALK, *PAGES], cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "TANDEM_DB": str(copy), "TANDEM_PREWARM_LIMIT": "0"}, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"walking every page of {copy} failed:\n{proc.stderr[-3000:]}")
        proc = subprocess.run([sys.executable, "-c", AHEAD, str(copy)], cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "TANDEM_PREWARM_LIMIT": "1000"}, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"computing ahead on {copy} failed:\n{proc.stderr[-3000:]}")
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        out["pages"] = {}
        for page in pages or list(PAGES):
            seen = page_once(copy, page)
            out["pages"][page] = {"cold": seen["cold"], "peak_mb": seen["peak_mb"]}
            print(f"[after change] {page}: {seen['cold']:.2f} s", flush=True)
        return out
    finally:
        copy.unlink(missing_ok=True)
        Path(f"{copy}.wal").unlink(missing_ok=True)
        shutil.rmtree(results, ignore_errors=True)


PAGE_CHILD = """
import datetime as dt, sys, time
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("app.py", default_timeout=900)
at.session_state["auth"] = {"user": "demo.hr", "seen": dt.datetime.now()}
at.run()
t0 = time.perf_counter()
at.switch_page(sys.argv[1]).run()
assert not at.exception, at.exception
print(time.perf_counter() - t0)
"""


def _page_cold(db: Path, page: str) -> float:
    """Seconds of one page's first view as the HR head, in a fresh process (every cache and memo empty)."""
    proc = subprocess.run([sys.executable, "-c", PAGE_CHILD, page], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "TANDEM_DB": str(db), "TANDEM_RESULTS_DIR": "off",
                               "TANDEM_PREWARM_LIMIT": "0"}, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"timing {page} on {db} failed:\n{proc.stderr[-2000:]}")
    return float(proc.stdout.strip().splitlines()[-1])


def page_times(size: str) -> dict[str, float]:
    """Cold first views of the Flight risk page and the monthly review (AppTest, fresh process each) on a copy
    of the demo: with no model stored yet (the page waits for the fit, saying what it does), with the data
    version's model stored, and right after a data change (the previous model shown, the fit in the
    background)."""
    import shutil

    from analytics.core.db import Database

    copy, wal = WORK / f"{size}_pages.duckdb", WORK / f"{size}_pages.duckdb.wal"
    wal.unlink(missing_ok=True)  # a log left by an interrupted run would not match the fresh copy
    shutil.copy(WORK / f"{size}.duckdb", copy)
    db = Database(copy)
    try:  # no model stored yet, as on a database that never had one
        with db.transaction(bump=False) as cur:
            cur.execute("drop table if exists model_store")
    finally:
        db.close()
    out = {"risk_no_model": _page_cold(copy, "pages/risk.py"),
           "risk_stored": _page_cold(copy, "pages/risk.py"),
           "review_stored": _page_cold(copy, "pages/review_monthly.py")}
    db = Database(copy)
    try:  # a new data version, as after an import
        with db.transaction() as cur:
            cur.execute("update employees set hire_source = hire_source where employee_id = "
                        "(select min(employee_id) from employees)")
    finally:
        db.close()
    out["risk_after_change"] = _page_cold(copy, "pages/risk.py")
    copy.unlink(missing_ok=True)
    wal.unlink(missing_ok=True)
    return out


PERSON_CHILD = """
import datetime as dt, json, sys, time
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("app.py", default_timeout=900)
at.session_state["auth"] = {"user": "demo.hr", "seen": dt.datetime.now()}
at.query_params["person"] = sys.argv[1]
at.run()
import ui.cached; ui.cached.preload()
t0 = time.perf_counter()
at.switch_page("pages/person.py").run()
cold = time.perf_counter() - t0
assert not at.exception, [e.value for e in at.exception]
assert at.subheader, "no person shown"
t0 = time.perf_counter()
at.run()
print(json.dumps({"cold": cold, "warm": time.perf_counter() - t0}))
"""


def person_page(size: str) -> dict[str, float]:
    """The person page (成长档案) of one rep with a career aim and a plan, as the HR head, in a fresh process with
    nothing stored: its first view (the archive computed; the flight-risk model of the data version stored before)
    and its second (warm)."""
    from analytics.core.db import Database

    db_path = WORK / f"{size}.duckdb"
    db = Database(db_path, read_only=True)
    try:
        person = db.scalar("select employee_id from career_aims order by employee_id limit 1")
    finally:
        db.close()
    store_model(db_path)
    proc = subprocess.run([sys.executable, "-c", PERSON_CHILD, str(person)], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "TANDEM_DB": str(db_path), "TANDEM_RESULTS_DIR": "off",
                               "TANDEM_PREWARM_LIMIT": "0"}, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"timing the person page on {db_path} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def person_lines(times: dict[str, dict[str, float]]) -> list[str]:
    return [
        "## The person page (成长档案), one rep",
        "",
        "The HR head opens one rep's growth archive (a rep with a career aim and a development plan) in a fresh",
        "process with nothing stored: first view (every section computed) and the same page again (warm). Target:",
        "under 1 s warm at the medium company.",
        "",
        "| size | first view (s) | warm (s) |",
        "|---|---:|---:|",
        *[f"| {s} | {t['cold']:.2f} | {t['warm']:.2f} |" for s, t in times.items()],
        "",
    ]


def page_lines(pages: dict[str, dict[str, float]]) -> list[str]:
    return [
        "## First views of the Flight risk page and the monthly review (cold)",
        "",
        "Each figure is one page's first run under AppTest as the HR head, in a fresh process (every cache empty),",
        "on a copy of the demo. No model = nothing stored yet: the page waits for the fit with a status saying what",
        "it does. Stored = the data version's model is in `model_store` (fitted once for every page). After a data",
        "change = the previous model's results shown with a note while the new one is fitted in the background.",
        "",
        "| size | risk, no model (s) | risk, stored (s) | risk, after a data change (s) | monthly review, stored (s) |",
        "|---|---:|---:|---:|---:|",
        *[f"| {s} | {t['risk_no_model']:.1f} | {t['risk_stored']:.1f} | {t['risk_after_change']:.1f} | "
          f"{t['review_stored']:.1f} |" for s, t in pages.items()],
        "",
    ]


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
