"""Benchmark harness: demo generation (time, peak memory), overview metrics warm, beside the
plain-DuckDB floor. Writes a Markdown report (default benchmarks/REPORT.md).

Run: ``python -m benchmarks.run --sizes small,medium`` (or ``python -m analytics bench``).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "work"
END = dt.date(2025, 12, 1)  # fixed history end so runs compare


def timed(fn: Callable[[], object], repeat: int = 3) -> tuple[float, float]:
    """(first run seconds, median of the following ``repeat`` runs)."""
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return first, statistics.median(runs)


def generate(size: str) -> dict[str, float]:
    """Build the demo company in a child process; wall time and the child's peak RSS."""
    db = WORK / f"{size}.duckdb"
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "analytics", "demo", "--size", size, "--seed", "7", "--end",
                             END.strftime("%Y-%m"), "--db", str(db), "--quiet"], cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"demo generation for {size} failed with status {status}")
    return {"seconds": time.perf_counter() - t0, "peak_mb": usage.ru_maxrss / 1024}


def panel_build(size: str) -> dict[str, float]:
    """``python -m analytics panels build`` after the panels were retired (what every data change costs on top
    of its load): wall time and the child's peak RSS."""
    import duckdb

    db = WORK / f"{size}.duckdb"
    con = duckdb.connect(str(db))
    try:
        con.execute("drop table if exists panels.built")
    finally:
        con.close()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "analytics", "panels", "build", "--db", str(db)], cwd=ROOT,
                            stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"building the panels for {size} failed with status {status}")
    return {"seconds": time.perf_counter() - t0, "peak_mb": usage.ru_maxrss / 1024}


def overview_times(size: str) -> dict[str, float]:
    from analytics.core.access import full_access
    from analytics.core.db import Database
    from analytics.core.periods import quarter_of, trailing_months
    from analytics.metrics.engine import as_of_date
    from analytics.reviews import overview

    db = Database(WORK / f"{size}.duckdb", read_only=True)
    try:
        as_of = as_of_date(db)
        quarter = quarter_of(as_of)
        cold, warm = timed(lambda: overview.kpis(db, full_access(), quarter, as_of))
        floor_sql = (ROOT / "benchmarks" / "floor_overview.sql").read_text()
        ttm = trailing_months(quarter.months[-1], 12)
        params = {"start": quarter.start, "end": quarter.end, "ttm_start": ttm.start, "as_of": as_of}
        f_cold, f_warm = timed(lambda: db.sql(floor_sql, **params))
        counts = db.table_counts()
    finally:
        db.close()
    return {"cold": cold, "warm": warm, "floor_cold": f_cold, "floor_warm": f_warm,
            "people": counts["employees"], "orders": counts["orders"], "rows": sum(counts.values())}







def domain_times(size: str) -> dict[str, float]:
    """Warm timings of the attrition, attainment, risk and simulator work on one demo size."""
    from analytics.core.access import full_access
    from analytics.core.db import Database
    from analytics.core.periods import quarter_of
    from analytics.metrics.engine import as_of_date
    from analytics.people import attrition_report, risk_report
    from analytics.sales import incentives, incentives_report, quota_report

    db = Database(WORK / f"{size}.duckdb", read_only=True)
    v = full_access()
    try:
        as_of = as_of_date(db)
        q = quarter_of(as_of)

        def attrition_all() -> None:
            attrition_report.headline(db, v, q, as_of)
            attrition_report.trend(db, v, q.months[-1], 24, True, as_of)
            attrition_report.breakdown(db, v, q, as_of, "region", "en")
            attrition_report.cohort_heatmap(db, v, as_of)
            attrition_report.retention(db, v, as_of, "hire_source")
            attrition_report.probation_panel(db, v, q, as_of)
            attrition_report.exit_reasons(db, v, q, as_of)

        def quota_all() -> None:
            quota_report.headline(db, v, q, as_of)
            quota_report.monthly_attainment(db, v, q.months[-1], as_of)
            quota_report.distribution(db, v, q, as_of)
            quota_report.breakdown(db, v, q, as_of, "region", "en")
            quota_report.ramp(db, v, as_of, "mentored")

        out = {}
        out["attrition_cold"], out["attrition_warm"] = timed(attrition_all, 2)
        floor_attrition = (ROOT / "benchmarks" / "floor_attrition.sql").read_text()
        floor_attainment = (ROOT / "benchmarks" / "floor_attainment.sql").read_text()
        _, out["attrition_floor"] = timed(lambda: db.sql(floor_attrition, s=q.start, e=q.end), 2)
        out["quota_cold"], out["quota_warm"] = timed(quota_all, 2)
        _, out["quota_floor"] = timed(lambda: db.sql(floor_attainment, s=q.start, e=q.end), 2)
        t0 = time.perf_counter()
        risk_report.evaluation(db, v, as_of, 6)
        risk_report.ranked(db, v, as_of, 6)
        out["risk_fit"] = time.perf_counter() - t0
        a = incentives.plan_to_dict(incentives.load_plan("standard_2024"))
        b = incentives.plan_to_dict(incentives.load_plan("quotapath_tiered"))
        out["simulator_cold"], out["simulator_warm"] = timed(
            lambda: incentives_report.what_if(db, v, q, as_of, a, b, 0.1), 2)
    finally:
        db.close()
    return out


def more_times(size: str) -> dict[str, float]:
    """Review pack (PPTX end to end, one chart after the first), talent (profiles + clustering + matching,
    warm), the profile aggregation floor, and one capacity-plan recompute after a scenario change."""
    from dataclasses import replace

    from analytics.core.access import full_access
    from analytics.core.db import Database
    from analytics.metrics.engine import as_of_date
    from analytics.people import planning, talent_report
    from analytics.reviews import packs

    out = {}
    pack = packs.benchmarks_pack(WORK / f"{size}.duckdb", "2025-Q3")
    out["pack_pptx"] = pack["quarterly_pptx_end_to_end_s"]
    out["chart_after_first"] = pack["chart_png_after_first_s"]
    db = Database(WORK / f"{size}.duckdb", read_only=True)
    v = full_access()
    try:
        as_of = as_of_date(db)

        def talent() -> None:
            talent_report.profiles(db, v, as_of)
            talent_report.archetypes(db, v, as_of)
            talent_report.ka_matching(db, v, as_of)

        out["talent_cold"], out["talent_warm"] = timed(talent, 1)
        floor = (ROOT / "benchmarks" / "floor_profiles.sql").read_text()
        _, out["talent_floor"] = timed(lambda: db.sql(floor, d=as_of), 2)
        inputs = planning.measure(db, v, as_of)
        target = planning.default_target(inputs, 0.1, 12)
        base = planning.standard_scenarios(inputs, 12)

        def recompute() -> None:
            planning.compare(inputs, target, [replace(base[0], attrition_delta_points=-5.0)])

        _, out["plan_recompute"] = timed(recompute, 3)
    finally:
        db.close()
    return out


def browser_walks(sizes: list[str]) -> dict[str, dict]:
    """Every page and both packs in headless Chromium on one real server, per size (benchmarks/browser_walk.py),
    on a copy of benchmarks/work/<size>.duckdb (built when missing): the walk signs in and audits its downloads."""
    import shutil

    from benchmarks.browser_walk import walk

    out = {}
    for size in sizes:
        if not (WORK / f"{size}.duckdb").exists():
            generate(size)
        copy = WORK / f"{size}_walk.duckdb"
        Path(f"{copy}.wal").unlink(missing_ok=True)
        shutil.copy(WORK / f"{size}.duckdb", copy)
        print(f"[bench] the browser walk on {size}…", flush=True)
        try:
            out[size] = walk(copy)
        finally:
            copy.unlink(missing_ok=True)
            Path(f"{copy}.wal").unlink(missing_ok=True)
    return out


def _counts(db_file: Path) -> dict[str, int]:
    from analytics.core.db import Database

    db = Database(db_file, read_only=True)
    try:
        counts = db.table_counts()
    finally:
        db.close()
    return {"people": counts["employees"], "orders": counts["orders"], "rows": sum(counts.values())}


def machine() -> str:
    import duckdb
    import polars

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB; Python {platform.python_version()}, "
            f"DuckDB {duckdb.__version__}, polars {polars.__version__}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run")
    parser.add_argument("--sizes", default="small,medium,large", help="demo sizes for pages, the server and the "
                        "metric families")
    parser.add_argument("--detail-sizes", default="small,medium", help="sizes for the per-domain sections")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "REPORT.md"))
    parser.add_argument("--browser-sizes", default="large", help="sizes walked in the browser (every page and both "
                        "packs on a real server; empty for none)")
    parser.add_argument("--only", choices=["pages", "browser"], help="print only these timings (the report is not "
                        "rewritten; a demo already in benchmarks/work is reused)")
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    detail = [s.strip() for s in args.detail_sizes.split(",") if s.strip() in sizes]
    browser_sizes = [s.strip() for s in args.browser_sizes.split(",") if s.strip()]
    from benchmarks import pages as page_bench

    if args.only == "pages":
        for size in sizes:
            if not (WORK / f"{size}.duckdb").exists():
                generate(size)
        print("\n".join(page_bench.page_lines({size: page_bench.page_times(size) for size in sizes})))
        return 0
    if args.only == "browser":
        from benchmarks.report import browser_section

        print("\n".join(browser_section(browser_walks(browser_sizes))))
        return 0
    pages, every_page, walks, ahead, fam = {}, {}, {}, {}, {}
    gen, ov, dom, more, built, person = {}, {}, {}, {}, {}, {}
    from benchmarks import families
    from benchmarks.report import (
        browser_section,
        families_section,
        pages_section,
        panels_section,
        server_section,
    )

    for size in sizes:
        print(f"[bench] generating {size}…", flush=True)
        gen[size] = generate(size)
        db_file = WORK / f"{size}.duckdb"
        print(f"[bench] building the panels again on {size}…", flush=True)
        built[size] = panel_build(size)
        print(f"[bench] every page on {size}…", flush=True)
        every_page[size] = page_bench.all_pages(db_file)
        print(f"[bench] one server walking every page on {size}…", flush=True)
        walks[size] = page_bench.server_walk(db_file)
        print(f"[bench] computing ahead after a data change on {size}…", flush=True)
        ahead[size] = page_bench.ahead_after_change(db_file)
        print(f"[bench] metric families against their floors and pandas on {size}…", flush=True)
        fam[size] = families.run(db_file, rounds=3 if size != "large" else 1)
        gen[size] |= _counts(db_file)
    browser = browser_walks(browser_sizes)
    for size in detail:
        print(f"[bench] overview metrics on {size}…", flush=True)
        ov[size] = overview_times(size)
        print(f"[bench] attrition, attainment, risk and simulator on {size}…", flush=True)
        dom[size] = domain_times(size)
        print(f"[bench] review pack, talent and capacity plan on {size}…", flush=True)
        more[size] = more_times(size)
        print(f"[bench] flight risk page and monthly review first views on {size}…", flush=True)
        pages[size] = page_bench.page_times(size)
        print(f"[bench] the person page on {size}…", flush=True)
        person[size] = page_bench.person_page(size)
    print("[bench] import of 1,000,000 orders…", flush=True)
    from benchmarks.import_bench import run as import_run

    imp = import_run(1_000_000, 3)
    print("[bench] the importer on a 1 GB XLSX bomb and a 2 GB CSV…", flush=True)
    from benchmarks.import_bench import hostile

    bad = hostile()
    lines = [
        "# Tandem benchmark report",
        "",
        f"Run {dt.datetime.now():%Y-%m-%d %H:%M} on {machine()}. Demo seed 7, history to {END:%Y-%m}.",
        "Regenerate with `python -m benchmarks.run` (all sizes; about 25 minutes on this machine).",
        "",
        "## Demo company generation (`python -m analytics demo`, whole process)",
        "",
        "| size | people | orders | rows in all | seconds | peak memory (MB) |",
        "|---|---:|---:|---:|---:|---:|",
        *[f"| {s} | {gen[s]['people']:,} | {gen[s]['orders']:,} | {gen[s]['rows']:,} | {gen[s]['seconds']:.1f} | "
          f"{gen[s]['peak_mb']:,.0f} |" for s in sizes],
        "",
        *panels_section(built, {s: gen[s]["people"] for s in sizes}),
        *pages_section(every_page, {s: gen[s]["people"] for s in sizes}, ahead),
        *server_section(walks, ahead, {s: gen[s]["people"] for s in sizes}),
        *browser_section(browser),
        *families_section(fam, {s: gen[s]["people"] for s in sizes}),
        "The sections below are measured for " + ", ".join(detail) + ".",
        "",
        "## Overview metrics (headcount, TTM attrition, attainment, revenue per head, with previous period and",
        "12-month trends), latest quarter, company scope",
        "",
        "Tandem computes each number through the metric engine (point-in-time placement, 12-month trends and the",
        "comparison period included: 4 metrics × 14 evaluations). The floor is one plain DuckDB statement that",
        "computes only the four current values (`benchmarks/floor_overview.sql`).",
        "",
        "| size | Tandem cold (s) | Tandem warm (s) | DuckDB floor cold (s) | DuckDB floor warm (s) |",
        "|---|---:|---:|---:|---:|",
        *[f"| {s} | {ov[s]['cold']:.3f} | {ov[s]['warm']:.3f} | {ov[s]['floor_cold']:.3f} | "
          f"{ov[s]['floor_warm']:.3f} |" for s in detail],
        "",
        "In the app these results are cached per scope and data version (`st.cache_data`), so a page revisit",
        "costs no recomputation; the warm figure is the cost after a data change.",
        "",
        "## Attrition, attainment, flight risk and the commission simulator (latest quarter, company scope)",
        "",
        "Attrition = every panel of the attrition page (KPIs with comparison, 24-month TTM trend, breakdown by",
        "region, cohort heatmap, Kaplan–Meier curves by channel, probation panel, exit reasons); its floor is one",
        "plain DuckDB statement computing the quarter's attrition by region. Attainment = every panel of the",
        "quota page but the leaderboard (KPIs, monthly attainment, bands, region breakdown, ramp curves); its",
        "floor is rep attainment for the quarter in one statement. Risk = out-of-time backtest plus today's",
        "ranked list (with the data version's model already stored by the page runs above: the fit itself is the",
        "'no model' figure further down). Simulator = one what-if re-run of two plans on every rep for the quarter.",
        "Targets: attrition and attainment under 2 s warm, risk fit under 60 s, simulator re-run under 1 s (medium).",
        "",
        "Cold = the first call on a freshly opened database; warm = the same call again (named-query results are",
        "memoised per data version, so a page asking for the same panel twice scans once).",
        "",
        "| size | attrition cold / warm (s) | floor (s) | attainment cold / warm (s) | floor (s) | risk fit (s) "
        "| simulator warm (s) |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *[f"| {s} | {dom[s]['attrition_cold']:.2f} / {dom[s]['attrition_warm']:.2f} | "
          f"{dom[s]['attrition_floor']:.3f} | {dom[s]['quota_cold']:.2f} / {dom[s]['quota_warm']:.2f} | "
          f"{dom[s]['quota_floor']:.3f} | "
          f"{dom[s]['risk_fit']:.1f} | {dom[s]['simulator_warm']:.2f} |" for s in detail],
        "",
        "## Review packs, talent, capacity plan",
        "",
        "Pack = a quarterly review built and written as PPTX, charts drawn by kaleido through the system",
        "Chromium (browser start included); chart = one more chart export after the first. Talent = skill",
        "profiles + archetype clustering + KA matching (warm); its floor is the per-person profile aggregation in one",
        "DuckDB statement (`benchmarks/floor_profiles.sql`). Plan = one capacity-plan recompute after a scenario",
        "change. Targets (medium): pack < 20 s, chart < 2 s, talent < 5 s, plan < 1 s.",
        "",
        "| size | pack PPTX (s) | chart after first (s) | talent warm (s) | floor (s) | plan recompute (s) |",
        "|---|---:|---:|---:|---:|---:|",
        *[f"| {s} | {more[s]['pack_pptx']:.1f} | {more[s]['chart_after_first']:.2f} | {more[s]['talent_warm']:.2f} | "
          f"{more[s]['talent_floor']:.3f} | {more[s]['plan_recompute']:.3f} |" for s in detail],
        "",
        *page_bench.page_lines(pages),
        *page_bench.person_lines(person),
        "## Import (1,000,000-row orders CSV, end to end: read, map, coerce, validate, load, verify)",
        "",
        "| rows/s (best of 3) | seconds | median seconds | re-import, no change (s) | DuckDB read_csv floor (s) |",
        "|---:|---:|---:|---:|---:|",
        f"| {imp['rows_per_s']:,.0f} | {imp['total_s']:.2f} | {imp['median_total_s']:.2f} | {imp['reimport_s']:.2f} | "
        f"{imp['floor_read_csv_s']:.2f} |",
        "",
        "Target: at least 500,000 rows per second end to end.",
        "",
        f"Reading peaks at {imp['read_peak_per_input_mb']:.1f} MB per input MB ({imp['read_peak_mb']:,.0f} MB for "
        f"{imp['input_mb']:,.0f} MB; the reader budgets 7 MB per MB).",
        "",
        "## The importer on hostile files (a dry run in a fresh process; peak = the whole process's resident size)",
        "",
        "| file | on disk (MB) | exit | seconds | peak memory (MB) |",
        "|---|---:|---:|---:|---:|",
        f"| XLSX bomb ({bad['bomb_expanded_mb']:,.0f} MB of sheet XML) | {bad['bomb_file_mb']:,.1f} | "
        f"{bad['bomb_exit']} | {bad['bomb_seconds']:.1f} | {bad['bomb_peak_mb']:,.0f} |",
        f"| orders CSV | {bad['csv_file_mb']:,.0f} | {bad['csv_exit']} | {bad['csv_seconds']:.1f} | "
        f"{bad['csv_peak_mb']:,.0f} |",
        "",
        "Both are refused before they are parsed (exit 2): the bomb by its sheet's size checked from the XML, the",
        "CSV by the memory budget (a quarter of RAM, or `TANDEM_IMPORT_MEMORY_MB`).",
        "",
    ]
    Path(args.out).write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
