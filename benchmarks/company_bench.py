"""Issue 21's capabilities on a demo company: the joint metric, a metric of the company's own, the usage report and
the joint plan's what-if, each beside a check that computes the same values another way.

- ``lead_conversion`` (owned by sales and marketing together) by region for each of the last 8 completed quarters,
  company scope, full access: one ``compute_periods`` as the app asks for it; beside its floor,
  benchmarks/floors/lead_conversion_by_region.sql, one plain DuckDB statement computing exactly the engine's values
  (numerator, denominator, value per region and quarter, and each quarter's maturing flag);
- ``new_customer_order_share`` (the shipped metrics/new_customer_order_share.toml, computed by
  analytics/metrics/custom_engine.py through the engine) the same way, beside
  benchmarks/floors/new_customer_order_share_by_region.sql;
- the usage report (analytics/reviews/usage_report.py ``build``) of the demo's latest quarter with use, as the demo
  admin (names shown), and its PDF in English (seconds and bytes);
- the Joint plan page's comparison (analytics/sales/joint_whatif_report.py ``compare``) for the fiscal year of the
  as-of date, company scope, as the HR head: today's plans (the page's first view: baseline against the unchanged
  plan), then one scenario (every commission rate × 1.1), then today's again. Each round runs in a fresh process
  (the module memos of payouts, feature rows and the stored flight-risk model empty; the interpreter and Tandem's
  modules loaded before the clock, as a server has them); the payouts are checked equal to the incentive engine's
  (analytics/sales/incentives ``payouts`` on the orders, under the plans in force and under the changed plans).

Metrics run cold on a fresh read-only ``Database`` (its memo of named queries empty), then warm on the same object;
the floor likewise. The engine's and the floor's rows are checked equal (same groups, values, numerators and
denominators to 1e-9 relative, same maturing flags) before any time is kept. Each measurement is made ``--rounds``
times; medians are shown.

The databases are ``benchmarks/work/company/<size>.duckdb``, built here with the ``demo`` command (seed 7, history to
2025-12) when missing or built before the leads table existed; the files in ``benchmarks/work/`` that the other
benchmarks use are left alone. The demo build stores the flight-risk model and plays the demo accounts' use of the
app back to the build's day.

Run: ``python -m benchmarks.company_bench --sizes small,medium`` (``--json OUT`` keeps the figures).
"""
from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import polars as pl

from analytics.core.access import full_access
from analytics.core.db import Database, DatabaseLocked
from analytics.core.periods import Period, fiscal_year_of, last_completed_quarters, parse_period
from analytics.metrics import engine
from benchmarks import families
from benchmarks.report import exponent

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "work" / "company"
FLOORS = ROOT / "benchmarks" / "floors"
END = "2025-12"  # the demo's fixed history end, as benchmarks/run.py
CUSTOM = "new_customer_order_share"
METRICS = {  # request → (metric id, floor file)
    "lead_conversion": ("lead_conversion", "lead_conversion_by_region.sql"),
    CUSTOM: (CUSTOM, "new_customer_order_share_by_region.sql"),
}
ADMIN, HR_HEAD = "demo.admin", "demo.hr"
RATE_FACTOR = 1.1  # the scenario: every commission rate +10%


class Mismatch(AssertionError):
    """A capability and its check disagree; the message names what differs."""


# ── the databases ───────────────────────────────────────────────────────
def _current(path: Path) -> bool:
    """Whether the file holds the facts of issue 21 (the leads table and the review value columns)."""
    db = Database(path, read_only=True)
    try:
        return bool(db.scalar("select count(*) from information_schema.columns where table_name = 'leads'")) and \
            bool(db.scalar("select count(*) from information_schema.columns "
                           "where table_name = 'performance_reviews' and column_name = 'collaboration'"))
    finally:
        db.close()


def database_for(size: str) -> tuple[Path, bool]:
    """benchmarks/work/company/<size>.duckdb (built when missing or older than the leads table), or a copy of it in
    a temporary folder when another process holds it for writing: (path, whether it is such a copy)."""
    path = WORK / f"{size}.duckdb"
    try:
        fresh = path.exists() and _current(path)
    except DatabaseLocked:
        fresh = True  # someone is writing it: use a copy below
    if not fresh:
        WORK.mkdir(parents=True, exist_ok=True)
        for old in (path, path.with_name(path.name + ".wal")):
            old.unlink(missing_ok=True)
        subprocess.run([sys.executable, "-m", "analytics", "demo", "--size", size, "--seed", "7", "--end", END,
                        "--db", str(path), "--quiet"], cwd=ROOT, check=True)
    try:
        Database(path, read_only=True).close()
    except DatabaseLocked:
        copy = Path(tempfile.mkdtemp(prefix="tandem-company-")) / path.name
        shutil.copy(path, copy)
        return copy, True
    return path, False


def people(path: Path) -> int:
    db = Database(path, read_only=True)
    try:
        return int(db.scalar("select count(*) from employees"))
    finally:
        db.close()


# ── the metrics ─────────────────────────────────────────────────────────
def _quarters(as_of: dt.date) -> list[Period]:
    return last_completed_quarters(as_of, 8)


def run_engine(metric_id: str, db: Database, as_of: dt.date) -> pl.DataFrame:
    frame = engine.compute_periods(db, full_access(), metric_id, _quarters(as_of), by=["region"], as_of=as_of)
    return frame.select("period_start", group="region", value="value", numerator="numerator",
                        denominator="denominator", maturing="maturing")


def run_floor(floor: str, db: Database, as_of: dt.date) -> pl.DataFrame:
    text = (FLOORS / floor).read_text(encoding="utf-8")
    quarters = _quarters(as_of)
    params: dict[str, object] = {"starts": [q.start for q in quarters], "ends": [q.end for q in quarters]}
    if "$as_of" in text:
        params["as_of"] = as_of
    frame = db.sql(text, **params).rename({"region": "group"})
    return frame if "maturing" in frame.columns else frame.with_columns(maturing=pl.lit(False))


def assert_same(name: str, got: pl.DataFrame, want: pl.DataFrame) -> None:
    """Rows equal as benchmarks/families.py checks them, and each quarter's maturing flag the same."""
    try:
        families.assert_same(name, "engine", got, "floor", want)
    except families.Mismatch as exc:
        raise Mismatch(str(exc)) from None
    flags = [frame.group_by("period_start").agg(pl.col("maturing").any()).sort("period_start") for frame in (got, want)]
    if not flags[0].equals(flags[1]):
        raise Mismatch(f"{name}: maturing flags differ — engine {flags[0].rows()} vs floor {flags[1].rows()}")


def _warm_up(path: Path, as_of: dt.date) -> None:
    """What a process pays once (registry, settings, imports; the custom metric's trial run, made when Tandem
    starts), outside the timings."""
    families._warm_up(path, as_of)
    from analytics.metrics import custom_engine

    db = Database(path, read_only=True)
    try:
        custom_engine.require(db, CUSTOM)
    finally:
        db.close()


def metric_round(path: Path, name: str, as_of: dt.date) -> dict[str, float]:
    metric_id, floor = METRICS[name]
    e_cold, e_warm, e_out = families._cold_warm(path, lambda db: run_engine(metric_id, db, as_of), 1)
    f_cold, f_warm, f_out = families._cold_warm(path, lambda db: run_floor(floor, db, as_of), 1)
    assert_same(name, e_out, f_out)
    return {"engine_cold": e_cold, "engine_warm": e_warm, "floor_cold": f_cold, "floor_warm": f_warm,
            "rows": e_out.height, "maturing": int(e_out.filter(pl.col("maturing"))["period_start"].n_unique())}


# ── the usage report ────────────────────────────────────────────────────
def usage_round(path: Path, today: dt.date) -> dict[str, float]:
    from analytics.core.auth import viewer_for
    from analytics.core.settings import load_settings
    from analytics.reviews import usage_report
    from analytics.reviews.usage_pdf import usage_pdf

    settings = load_settings()
    db = Database(path, read_only=True)
    try:
        quarter = usage_report.quarters_with_use(db, today, settings.fiscal_year_start)[0]
        admin = viewer_for(db, ADMIN, settings.suppression_threshold)
        if not admin.is_admin:
            raise Mismatch(f"{ADMIN} is not an admin in {path}")
        cold, report = families._timed(lambda: usage_report.build(db, admin, quarter, settings.min_base, today))
        warm, _ = families._timed(lambda: usage_report.build(db, admin, quarter, settings.min_base, today))
    finally:
        db.close()
    pdf_s, pdf = families._timed(lambda: usage_pdf(report, "en", today))
    if not pdf.startswith(b"%PDF"):
        raise Mismatch("the usage PDF is not a PDF")
    return {"build_cold": cold, "build_warm": warm, "pdf": pdf_s, "pdf_bytes": len(pdf), "quarter": quarter.label,
            "page_views": int(report.totals["page_views"].sum()), "users": report.by_user.height
            if report.by_user is not None else 0}


# ── the joint what-if ───────────────────────────────────────────────────
def _fiscal_year(as_of: dt.date, fy_start: int) -> Period:
    return parse_period(f"FY{fiscal_year_of(as_of, fy_start)}", fy_start)


def whatif_once(path: Path) -> dict[str, object]:
    """One fresh process's view of the Joint plan page: today's plans, one scenario, today's again (seconds), and
    the payouts checked against the incentive engine on the orders."""
    from analytics.core.auth import viewer_for
    from analytics.core.settings import load_settings
    from analytics.sales import incentives, incentives_report, joint_whatif
    from analytics.sales import joint_whatif_report as report

    settings = load_settings()
    fy = settings.fiscal_year_start
    today_json = joint_whatif.Scenario().to_json()
    change = joint_whatif.PlanChange(rate_factor=RATE_FACTOR)
    scenario_json = joint_whatif.Scenario(plan=change).to_json()
    db = Database(path, read_only=True)
    try:
        as_of = engine.as_of_date(db)
        period = _fiscal_year(as_of, fy)
        hr = viewer_for(db, HR_HEAD, settings.suppression_threshold)

        def compare(text: str) -> dict:
            return report.compare(db, hr, period, as_of, text, fy)

        baseline_s, baseline = families._timed(lambda: compare(today_json))
        scenario_s, scenario = families._timed(lambda: compare(scenario_json))
        again_s, _ = families._timed(lambda: compare(today_json))
        data = incentives_report.inputs(db, hr, period, as_of, fy)
        args = (data["orders"], data["quotas"], data["base"], data["start"], data["end"], data["collections"])
        direct = float(incentives.payouts(data["plans"], *args, fy_start=fy, assignment=data["assignment"])
                       ["payout"].sum())
        changed = {k: joint_whatif.changed_plan(p, change) for k, p in data["plans"].items()}
        direct_scenario = float(incentives.payouts(changed, *args, fy_start=fy, assignment=data["assignment"])
                                ["payout"].sum())
    finally:
        db.close()
    rows = {r["measure"]: r for r in scenario["summary"].iter_rows(named=True)}
    first = {r["measure"]: r for r in baseline["summary"].iter_rows(named=True)}
    return {"period": period.label, "as_of": str(as_of), "baseline": baseline_s, "scenario": scenario_s,
            "again": again_s, "reps": baseline["coverage"]["reps"],
            "payout_today": first["payout"]["baseline"], "payout_today_unchanged": first["payout"]["scenario"],
            "payout_baseline": rows["payout_engine"]["baseline"], "payout_scenario": rows["payout_engine"]["scenario"],
            "engine_today": direct, "engine_scenario": direct_scenario,
            "leavers": [rows["expected_leavers"]["baseline"], rows["expected_leavers"]["scenario"]]
            if "expected_leavers" in rows else None}


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=families.REL_TOL, abs_tol=1e-6)


def whatif_round(path: Path) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-m", "benchmarks.company_bench", "--whatif-once", str(path)], cwd=ROOT,
                          check=True, capture_output=True, text=True)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    checks = [("today's payout", out["payout_today"], out["engine_today"]),
              ("today's payout, unchanged plan", out["payout_today_unchanged"], out["engine_today"]),
              ("the scenario's baseline payout", out["payout_baseline"], out["engine_today"]),
              ("the scenario's payout", out["payout_scenario"], out["engine_scenario"])]
    for what, page, direct in checks:
        if not _close(page, direct):
            raise Mismatch(f"joint what-if: {what} {page!r} ≠ the incentive engine's {direct!r}")
    return out


# ── one size ────────────────────────────────────────────────────────────
def _median(passes: list[dict], keys: list[str]) -> dict[str, float]:
    return {k: statistics.median(p[k] for p in passes) for k in keys}


def run(path: Path, rounds: int = 3, parts: tuple[str, ...] = ("metrics", "usage", "whatif"),
        log: Callable[[str], None] = lambda _: None) -> dict:
    as_of = families.data_as_of(path)
    out: dict = {"people": people(path), "as_of": str(as_of), "metrics": {}}
    _warm_up(path, as_of)
    if "metrics" in parts:
        for name in METRICS:
            passes = [metric_round(path, name, as_of) for _ in range(rounds)]
            out["metrics"][name] = {**_median(passes, ["engine_cold", "engine_warm", "floor_cold", "floor_warm"]),
                                    "rows": passes[0]["rows"], "maturing": passes[0]["maturing"]}
            log(f"{name}: {out['metrics'][name]}")
    if "usage" in parts:
        passes = [usage_round(path, dt.date.today()) for _ in range(rounds)]
        out["usage"] = {**_median(passes, ["build_cold", "build_warm", "pdf"]),
                        **{k: passes[0][k] for k in ("pdf_bytes", "quarter", "page_views", "users")}}
        log(f"usage: {out['usage']}")
    if "whatif" in parts:
        passes = [whatif_round(path) for _ in range(rounds)]
        out["whatif"] = {**_median(passes, ["baseline", "scenario", "again"]),
                         **{k: v for k, v in passes[0].items() if k not in ("baseline", "scenario", "again")}}
        log(f"what-if: {out['whatif']}")
    return out


# ── the report ──────────────────────────────────────────────────────────
def _growth(results: dict[str, dict], value: Callable[[dict], float]) -> str:
    sizes = list(results)
    parts = []
    for a, b in itertools.pairwise(sizes):
        e = exponent(value(results[a]), value(results[b]), results[a]["people"], results[b]["people"])
        parts.append("–" if math.isnan(e) else f"{e:.2f}")
    return " / ".join(parts) or "–"


def markdown(results: dict[str, dict], rounds: int = 3) -> str:
    sizes = list(results)
    lines = ["| size | people | request | rows | engine cold / warm (s) | floor cold / warm (s) | "
             "engine ÷ floor, cold | engine ÷ floor, warm |", "|---|---:|---|---:|---:|---:|---:|---:|"]
    for size, res in results.items():
        for name, r in res["metrics"].items():
            lines.append(f"| {size} | {res['people']:,} | {name} by region, 8 quarters | {r['rows']} | "
                         f"{r['engine_cold']:.3f} / {r['engine_warm']:.3f} | {r['floor_cold']:.3f} / "
                         f"{r['floor_warm']:.3f} | {r['engine_cold'] / r['floor_cold']:.2f} | "
                         f"{r['engine_warm'] / r['floor_warm']:.2f} |")
    lines += ["", "| | " + " | ".join(sizes) + " |", "|---|" + "---:|" * len(sizes)]

    def row(label: str, cell: Callable[[dict], str], key: str) -> None:
        if all(key in results[s] for s in sizes):
            lines.append(f"| {label} | " + " | ".join(cell(results[s]) for s in sizes) + " |")

    row("usage report, latest quarter, admin: build cold / warm",
        lambda r: f"{r['usage']['build_cold']:.3f} / {r['usage']['build_warm']:.3f} s", "usage")
    row("usage report PDF (English)",
        lambda r: f"{r['usage']['pdf']:.2f} s, {r['usage']['pdf_bytes'] / 1024:,.0f} KB", "usage")
    row("joint what-if, today's plans (fresh process)", lambda r: f"{r['whatif']['baseline']:.1f} s", "whatif")
    row("joint what-if, commission rates +10% (next)", lambda r: f"{r['whatif']['scenario']:.1f} s", "whatif")
    row("joint what-if, today's plans again", lambda r: f"{r['whatif']['again']:.1f} s", "whatif")
    row("payout today → scenario (= incentive engine)",
        lambda r: f"{r['whatif']['payout_baseline']:,.0f} → {r['whatif']['payout_scenario']:,.0f} "
                  f"({r['whatif']['reps']:,} reps)", "whatif")
    notes = [f"Medians of {rounds} pass{'es' if rounds != 1 else ''}."]
    if len(sizes) > 1:
        growth = [f"{name} engine cold {_growth(results, lambda r, n=name: r['metrics'][n]['engine_cold'])}, "
                  f"floor cold {_growth(results, lambda r, n=name: r['metrics'][n]['floor_cold'])}"
                  for name in METRICS if all(name in results[s]["metrics"] for s in sizes)]
        if all("whatif" in results[s] for s in sizes):
            growth.append(f"joint what-if, today's plans {_growth(results, lambda r: r['whatif']['baseline'])}")
        if growth:
            notes.append("Growth (b, seconds ∝ people^b, " + " → ".join(sizes) + "): " + "; ".join(growth) + ".")
    return "\n".join(lines) + "\n\n" + " ".join(notes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="small,medium", help="demo sizes, comma-separated (default small,medium)")
    parser.add_argument("--db", type=Path, help="another database file instead of the demo sizes")
    parser.add_argument("--rounds", type=int, default=3, help="passes per measurement; medians are shown")
    parser.add_argument("--parts", default="metrics,usage,whatif", help="comma-separated, of: metrics, usage, whatif")
    parser.add_argument("--json", type=Path, help="also write the figures here as JSON")
    parser.add_argument("--whatif-once", type=Path, help=argparse.SUPPRESS)  # the child process of one round
    args = parser.parse_args(argv)
    if args.whatif_once:
        print(json.dumps(whatif_once(args.whatif_once), default=str))
        return 0
    parts = tuple(p.strip() for p in args.parts.split(",") if p.strip())
    targets = {"db": args.db} if args.db else {s.strip(): None for s in args.sizes.split(",") if s.strip()}
    results: dict[str, dict] = {}
    for name, given in targets.items():
        path, copied = (given, False) if given else database_for(name)
        try:
            results[name] = run(path, max(args.rounds, 1), parts, lambda text: print(text, file=sys.stderr))
        finally:
            if copied:
                shutil.rmtree(path.parent, ignore_errors=True)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    print("Engine and exact floor agree on every row; the what-if's payouts equal the incentive engine's.\n")
    print(markdown(results, max(args.rounds, 1)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
