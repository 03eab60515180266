"""The green channel's speed: evaluating every alert rule of data/alerts.toml on a demo company (the first
evaluation after a data change, rule by rule, and the schedule's repeat when nothing changed), and the metric
``alert_response_24h`` by region beside a plain-DuckDB floor that computes exactly the same values.

The database is a copy of ``benchmarks/work/<size>.duckdb`` (built by ``python -m benchmarks.run``, or here with
the ``demo`` command when missing), with the demo's alerts played forward first (what ``demo`` does after a build)
so the metric has alerts to count. The flight-risk model is fitted before the clock starts (the app fits it once
per data version, whoever asks first).

Run: ``python -m benchmarks.alerts_bench --sizes small,medium``; the lead adds the numbers to the report.
"""
from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "work"
FLOOR = """
select p.region_id as region,
       sum(case when a.acknowledged_at is not null and a.acknowledged_at <= a.due_at then 1 else 0 end) as numerator,
       sum(case when a.acknowledged_at is not null or a.due_at <= $now then 1 else 0 end) as denominator
from alerts a join org_paths p using (org_unit_id)
where not a.quiet and p.region_id is not null and cast(a.raised_at as date) between $start and $end
group by 1
"""


def _database(size: str, folder: Path) -> Path:
    source = WORK / f"{size}.duckdb"
    if not source.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "analytics", "demo", "--size", size, "--seed", "7", "--end", "2025-12",
                        "--db", str(source), "--quiet"], cwd=ROOT, check=True)
    path = folder / f"{size}.duckdb"
    shutil.copy(source, path)
    return path


def run(size: str) -> dict[str, object]:
    from analytics.alerts import evaluate_report, rules
    from analytics.core.access import full_access
    from analytics.core.db import Database
    from analytics.core.periods import parse_period
    from analytics.metrics.engine import as_of_date, compute
    from analytics.people import risk_store
    from analytics.reviews import demo_alerts

    with tempfile.TemporaryDirectory() as folder:
        path = _database(size, Path(folder))
        db = Database(path)
        try:
            as_of = as_of_date(db)
            risk_store.current_model(db, as_of)
            with db.transaction(bump=False) as cur:  # a copy may hold the build's alerts: start from none
                for table in ("alerts", "alert_actions", "alert_requests", "alert_sends"):
                    cur.execute(f"delete from {table}")
                cur.execute("delete from meta where key like 'alerts_%'")
            demo_alerts.replay(db, now=dt.datetime(2026, 1, 2, 9))
        finally:
            db.close()
        db = Database(path)  # a new process's view: nothing remembered but the stored panels and model
        try:
            config = replace(rules.load(), channels=())
            per_rule = {}
            for rule in config.rules:
                if rule.source in evaluate_report.RAISED_BY_PEOPLE:
                    continue
                t0 = time.perf_counter()
                evaluate_report.members(db, rule, as_of)
                per_rule[rule.id] = time.perf_counter() - t0
            t0 = time.perf_counter()
            evaluate_report.evaluate(db, dt.datetime(2026, 1, 2, 10), as_of, config)
            repeat = time.perf_counter() - t0
            period = parse_period("2025-10..2025-12")
            now = dt.datetime.now()
            t0 = time.perf_counter()
            engine = compute(db, full_access(), "alert_response_24h", period, by=["region"], as_of=as_of)
            engine_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            floor = db.sql(FLOOR, start=period.start, end=period.end, now=now)
            floor_s = time.perf_counter() - t0
            got = engine.select("region", "numerator", "denominator").sort("region")
            want = floor.select("region", pl.col("numerator").cast(pl.Float64), pl.col("denominator")
                                .cast(pl.Float64)).sort("region")
            if not got.equals(want):
                raise AssertionError(f"engine and floor differ:\n{got}\n{want}")
            alerts = int(db.scalar("select count(*) from alerts where not quiet"))
        finally:
            db.close()
    return {"size": size, "rules": per_rule, "first": sum(per_rule.values()), "repeat": repeat, "alerts": alerts,
            "engine": engine_s, "floor": floor_s}


def markdown(results: list[dict]) -> str:
    rule_ids = list(results[0]["rules"])
    lines = ["| rule | " + " | ".join(r["size"] for r in results) + " |", "|---|" + "---:|" * len(results)]
    for rule_id in rule_ids:
        lines.append(f"| {rule_id} | " + " | ".join(f"{r['rules'][rule_id]:.2f} s" for r in results) + " |")
    lines.append("| **all rules, first evaluation** | " + " | ".join(f"**{r['first']:.2f} s**" for r in results)
                 + " |")
    lines.append("| all rules again, nothing new (the schedule's tick) | "
                 + " | ".join(f"{r['repeat']:.2f} s" for r in results) + " |")
    lines.append("| `alert_response_24h` by region, 3 months (engine / DuckDB floor) | "
                 + " | ".join(f"{r['engine'] * 1000:.0f} / {r['floor'] * 1000:.0f} ms ({r['alerts']} alerts)"
                              for r in results) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="small,medium")
    args = parser.parse_args(argv)
    print(markdown([run(size) for size in args.sizes.split(",")]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
