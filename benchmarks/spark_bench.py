"""The panels built on DuckDB and on Spark local mode (2 cores), per demo size: wall time, the peak memory of the
whole process tree (Python and, for Spark, its JVM), seconds per panel table, and how big the panels the app
reads are; plus the facts export they start from. Each build runs as the command line runs it, in a fresh
process (``panels build`` / ``panels build --engine spark --facts DIR``), on a copy of
``benchmarks/work/<size>.duckdb`` (built here with the ``demo`` command when missing) whose panels were dropped.

Run: ``python -m benchmarks.spark_bench --sizes small,medium,large [--driver-memory 12g]``; prints markdown and
writes ``benchmarks/work/spark_bench.json`` (the figures docs/scale.md extrapolates from).
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.browser_walk import PeakMemory

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "work"


def _source(size: str) -> Path:
    source = WORK / f"{size}.duckdb"
    if not source.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "analytics", "demo", "--size", size, "--seed", "7", "--end", "2025-12",
                        "--db", str(source), "--quiet"], cwd=ROOT, check=True)
    return source


def _timed(args: list[str]) -> dict[str, object]:
    """Run ``python -m analytics ARGS`` in a fresh process: wall seconds, peak MB of its process tree, stdout."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "analytics", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    with PeakMemory(proc.pid, every=0.1) as sampler:
        out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"`analytics {' '.join(args)}` failed ({proc.returncode}): {err[-1500:]}")
    tables = {m[1]: float(m[2]) for m in re.finditer(r"^\s+(\w+)\s+([\d.]+) s$", out, re.MULTILINE)}
    return {"seconds": time.perf_counter() - started, "peak_mb": sampler.peak_mb, "tables": tables}


def _drop_panels(path: Path) -> None:
    import duckdb

    with duckdb.connect(str(path)) as con:
        con.execute("drop schema if exists panels cascade")


def run(size: str, driver_memory: str) -> dict[str, object]:
    import duckdb

    source = _source(size)
    with tempfile.TemporaryDirectory(dir=WORK) as folder:
        path = Path(folder) / f"{size}.duckdb"
        shutil.copy(source, path)
        with duckdb.connect(str(path), read_only=True) as con:
            people = con.sql("select count(*) from employees").fetchall()[0][0]
            orders = con.sql("select count(*) from orders").fetchall()[0][0]
        export = _timed(["facts", "export", "--to", str(Path(folder) / "facts"), "--db", str(path)])
        facts_bytes = sum(f.stat().st_size for f in (Path(folder) / "facts").rglob("*") if f.is_file())
        _drop_panels(path)
        duck = _timed(["panels", "build", "--db", str(path)])
        with duckdb.connect(str(path), read_only=True) as con:
            rows = {t: con.sql(f"select count(*) from panels.{t}").fetchall()[0][0] for (t,) in con.sql(
                "select table_name from duckdb_tables() where schema_name = 'panels' and table_name <> 'built'"
            ).fetchall()}
            panel_bytes = 0
            for table in rows:
                target = Path(folder) / f"panel_{table}.parquet"
                con.execute(f"copy panels.{table} to '{target}' (format parquet, compression zstd)")
                panel_bytes += target.stat().st_size
        _drop_panels(path)
        spark = _timed(["panels", "build", "--engine", "spark", "--facts", str(Path(folder) / "facts"), "--db",
                        str(path), "--spark-master", "local[2]",
                        "--spark-conf", f"spark.driver.memory={driver_memory}"])
    return {"size": size, "people": people, "orders": orders, "facts_mb": facts_bytes / 2**20,
            "export": export, "duckdb": duck, "spark": spark, "panel_rows": rows, "panels_mb": panel_bytes / 2**20}


def markdown(results: list[dict]) -> str:
    lines = ["| size | people | orders | facts as Parquet (MB) | export (s) | DuckDB build (s / peak MB) | "
             "Spark local[2] build (s / peak MB) | panel rows | panels (MB, zstd) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['size']} | {r['people']:,} | {r['orders']:,} | {r['facts_mb']:.1f} | "
                     f"{r['export']['seconds']:.1f} | {r['duckdb']['seconds']:.1f} / {r['duckdb']['peak_mb']:,.0f} | "
                     f"{r['spark']['seconds']:.1f} / {r['spark']['peak_mb']:,.0f} | "
                     f"{sum(r['panel_rows'].values()):,} | {r['panels_mb']:.1f} |")
    tables = sorted({t for r in results for t in r["spark"]["tables"]})
    lines += ["", "Seconds per panel table (DuckDB / Spark):", "",
              "| table | " + " | ".join(r["size"] for r in results) + " |", "|---|" + "---:|" * len(results)]
    for t in tables:
        cells = [f"{r['duckdb']['tables'].get(t, float('nan')):.2f} / {r['spark']['tables'].get(t, float('nan')):.2f}"
                 for r in results]
        lines.append(f"| {t} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="small,medium,large")
    parser.add_argument("--driver-memory", default="12g", help="spark.driver.memory (local mode: all of Spark)")
    args = parser.parse_args(argv)
    results = [run(size, args.driver_memory) for size in args.sizes.split(",")]
    (WORK / "spark_bench.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
