"""The metric engine against an exact plain-DuckDB floor and a plain pandas implementation, per metric family.

Three requests of a full-access viewer over the whole company, as the app makes them:

- ``attrition_ttm``: ``attrition_rate_ttm`` by region for each of the 24 months ending with the as-of month
  (one ``compute`` over the 24 months, ``by=["month", "region"]``, as the attrition trend does);
- ``attainment``: ``attainment`` by team for each of the last 8 completed quarters (one ``compute_periods`` over
  the 8 quarters, as the Quota page's team-by-quarter table asks for it: analytics/sales/quota_report.py);
- ``headcount``: ``headcount_end`` by region for each of the last 24 month ends (one ``compute``,
  ``by=["month", "region"]``).

Each family runs through (1) the engine — cold on a fresh ``Database`` (its memo of named queries empty), then warm
on the same object — as the app runs it (reading the monthly panels stored at the data change,
analytics/core/panels.py) and again on the facts (``TANDEM_PANELS=0``); (2) its floor, one statement in
benchmarks/floors/ computing exactly the values the engine returns, cold and warm likewise; (3)
benchmarks/pandas_impl.py, once, on a fresh ``Database`` (reading the tables counts); each pass ``--rounds`` times,
medians shown. The four results are checked equal row by row (same groups, values, numerators and denominators to
1e-9 relative) before any time is reported.

Run: ``python -m benchmarks.families --size medium`` (benchmarks/work/<size>.duckdb, built when missing).
"""
from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import polars as pl

from analytics.core.access import full_access
from analytics.core.db import Database, DatabaseLocked
from analytics.core.periods import last_completed_quarters, month_start, trailing_months
from analytics.metrics import engine
from benchmarks import pandas_impl

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "work"
FLOORS = ROOT / "benchmarks" / "floors"
END = "2025-12"  # the demo's fixed history end, as benchmarks/run.py
REL_TOL = 1e-9
COLUMNS = ["period_start", "group", "value", "numerator", "denominator"]


class Mismatch(AssertionError):
    """Two implementations of a family disagree; the message names the first row that differs."""


@dataclass(frozen=True)
class Family:
    name: str
    metric_id: str
    group: str  # region | team
    floor: str  # file in benchmarks/floors/
    engine: Callable[[Database, dt.date], pl.DataFrame]
    floor_params: Callable[[dt.date], dict[str, object]]
    pandas: Callable[[Database, dt.date], pd.DataFrame]


# ── the requests ────────────────────────────────────────────────────────
def _months(as_of: dt.date, n: int = 24) -> list[dt.date]:
    return trailing_months(month_start(as_of), n).months


def _quarters(as_of: dt.date, n: int = 8) -> list:
    return last_completed_quarters(as_of, n)


def _engine_monthly(metric_id: str) -> Callable[[Database, dt.date], pl.DataFrame]:
    def run(db: Database, as_of: dt.date) -> pl.DataFrame:
        window = trailing_months(month_start(as_of), 24)
        frame = engine.compute(db, full_access(), metric_id, window, by=["month", "region"], as_of=as_of)
        return frame.select(period_start="month", group="region", value="value", numerator="numerator",
                            denominator="denominator")
    return run


def _engine_attainment(db: Database, as_of: dt.date) -> pl.DataFrame:
    frame = engine.compute_periods(db, full_access(), "attainment", _quarters(as_of), by=["team"], as_of=as_of)
    return frame.select("period_start", group="team", value="value", numerator="numerator",
                        denominator="denominator")


FAMILIES: dict[str, Family] = {
    "attrition_ttm": Family(
        "attrition_ttm", "attrition_rate_ttm", "region", "attrition_ttm_by_region.sql",
        _engine_monthly("attrition_rate_ttm"),
        lambda as_of: {"months": _months(as_of)},
        lambda db, as_of: pandas_impl.attrition_ttm_by_region(db, _months(as_of))),
    "attainment": Family(
        "attainment", "attainment", "team", "attainment_by_team.sql",
        _engine_attainment,
        lambda as_of: {"starts": [q.start for q in _quarters(as_of)], "ends": [q.end for q in _quarters(as_of)]},
        lambda db, as_of: pandas_impl.attainment_by_team(db, [(q.start, q.end) for q in _quarters(as_of)])),
    "headcount": Family(
        "headcount", "headcount_end", "region", "headcount_by_region.sql",
        _engine_monthly("headcount_end"),
        lambda as_of: {"months": _months(as_of)},
        lambda db, as_of: pandas_impl.headcount_by_region(db, _months(as_of))),
}


def run_floor(family: Family, db: Database, as_of: dt.date) -> pl.DataFrame:
    text = (FLOORS / family.floor).read_text(encoding="utf-8")
    frame = db.sql(text, **family.floor_params(as_of))
    return frame.rename({family.group: "group"})


def run_pandas(family: Family, db: Database, as_of: dt.date) -> pd.DataFrame:
    return family.pandas(db, as_of).rename(columns={family.group: "group"})


# ── comparing ───────────────────────────────────────────────────────────
def normalise(frame: pl.DataFrame | pd.DataFrame) -> pl.DataFrame:
    """period_start (date), group (text, null = unplaced), value, numerator, denominator (float; NaN → null),
    sorted."""
    if isinstance(frame, pd.DataFrame):
        frame = pl.from_pandas(frame, nan_to_null=True)
    return frame.select(
        pl.col("period_start").cast(pl.Date),
        pl.col("group").cast(pl.Utf8),
        *[pl.col(c).cast(pl.Float64).fill_nan(None) for c in COLUMNS[2:]],
    ).sort("period_start", "group", nulls_last=True)


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12)


def assert_same(family: str, left_name: str, left: pl.DataFrame, right_name: str, right: pl.DataFrame) -> None:
    """Raise :class:`Mismatch` naming the first (period, group) whose rows differ between two results."""
    a, b = normalise(left), normalise(right)
    keys = ["period_start", "group"]
    dup = a.filter(a.select(keys).is_duplicated())
    if dup.height:
        raise Mismatch(f"{family}: {left_name} has duplicate rows for {dup.row(0, named=True)}")
    joined = a.join(b, on=keys, how="full", coalesce=True, nulls_equal=True, suffix="_r").sort(
        keys, nulls_last=True)
    for row in joined.iter_rows(named=True):
        where = f"{family}: period {row['period_start']}, group {row['group'] or '(unplaced)'}"
        left_values = {c: row[c] for c in COLUMNS[2:]}
        right_values = {c: row[f"{c}_r"] for c in COLUMNS[2:]}
        for c in COLUMNS[2:]:
            if not _close(left_values[c], right_values[c]):
                raise Mismatch(f"{where}: {c} differs — {left_name} {left_values} vs {right_name} {right_values}")
    if a.height != b.height:
        raise Mismatch(f"{family}: {left_name} has {a.height} rows, {right_name} {b.height}")


# ── timing ──────────────────────────────────────────────────────────────
def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _cold_warm(path: Path, fn: Callable[[Database], object], warm_runs: int) -> tuple[float, float, object]:
    """Seconds of the first run on a fresh read-only Database and the best of ``warm_runs`` runs on it after."""
    db = Database(path, read_only=True)
    try:
        cold, out = _timed(lambda: fn(db))
        warm = min(_timed(lambda: fn(db))[0] for _ in range(max(warm_runs, 1)))
    finally:
        db.close()
    return cold, warm, out


def _warm_up(path: Path, as_of: dt.date) -> None:
    """Load what every first call of a process pays once (registry, settings, imports), outside the timings."""
    db = Database(path, read_only=True)
    try:
        engine.compute(db, full_access(), "headcount_end", trailing_months(month_start(as_of), 1), as_of=as_of)
        db.sql("select 1 as x").to_pandas()
    finally:
        db.close()


def data_as_of(path: Path) -> dt.date:
    db = Database(path, read_only=True)
    try:
        return engine.as_of_date(db)
    finally:
        db.close()


@contextmanager
def _panels_off() -> Iterator[None]:
    """The engine with its stored panels switched off: every named query scans the facts."""
    before = os.environ.get("TANDEM_PANELS")
    os.environ["TANDEM_PANELS"] = "0"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TANDEM_PANELS", None)
        else:
            os.environ["TANDEM_PANELS"] = before


def _one_round(path: Path, family: Family, as_of: dt.date, warm_runs: int, pandas: bool) -> dict[str, float]:
    """One cold/warm pass of the engine and the floor (and one pandas run); raises Mismatch when they disagree."""
    e_cold, e_warm, e_out = _cold_warm(path, lambda db: family.engine(db, as_of), warm_runs)
    with _panels_off():
        x_cold, x_warm, x_out = _cold_warm(path, lambda db: family.engine(db, as_of), warm_runs)
    f_cold, f_warm, f_out = _cold_warm(path, lambda db: run_floor(family, db, as_of), warm_runs)
    assert_same(family.name, "engine", e_out, "floor", f_out)
    assert_same(family.name, "engine on the facts", x_out, "floor", f_out)
    out = {"engine_cold": e_cold, "engine_warm": e_warm, "facts_cold": x_cold, "facts_warm": x_warm,
           "floor_cold": f_cold, "floor_warm": f_warm, "rows": e_out.height}
    if pandas:
        db = Database(path, read_only=True)
        try:
            out["pandas"], p_out = _timed(lambda: run_pandas(family, db, as_of))
        finally:
            db.close()
        assert_same(family.name, "engine", e_out, "pandas", p_out)
    return out


def run_family(path: Path, family: Family, as_of: dt.date, warm_runs: int = 1, pandas: bool = True,
               rounds: int = 1) -> dict:
    """Engine, floor (and pandas) for one family, ``rounds`` times (each on fresh Database objects): the median
    seconds, the ratios of those, and the rows of the result."""
    passes = [_one_round(path, family, as_of, warm_runs, pandas) for _ in range(max(rounds, 1))]
    out: dict = {"family": family.name, **{k: statistics.median(p[k] for p in passes) for k in passes[0]}}
    out |= {"facts_over_floor_cold": out["facts_cold"] / out["floor_cold"],
            "engine_over_floor_cold": out["engine_cold"] / out["floor_cold"],
            "engine_over_floor_warm": out["engine_warm"] / out["floor_warm"]}
    if pandas:
        out["pandas_over_engine_cold"] = out["pandas"] / out["engine_cold"]
    return out


def run(path: Path, families: list[str] | None = None, warm_runs: int = 1, pandas: bool = True,
        rounds: int = 1) -> dict[str, dict]:
    """Every family (or those named) on the database at ``path``: {family: seconds and ratios}."""
    as_of = data_as_of(path)
    _warm_up(path, as_of)
    return {name: run_family(path, FAMILIES[name], as_of, warm_runs, pandas, rounds) for name in families or FAMILIES}


def markdown(results: dict[str, dict], rounds: int = 1) -> str:
    """The results as a Markdown table (medians of ``rounds`` passes)."""
    head = ("| family | rows | engine cold s | engine warm s | on the facts cold s | floor cold s | floor warm s "
            "| pandas s | engine ÷ floor (cold) | on the facts ÷ floor (cold) | pandas ÷ engine (cold) |")
    lines = [head, "|" + "---|" * 11]
    for r in results.values():
        pandas_s = f"{r['pandas']:.3f}" if "pandas" in r else "—"
        ratio = f"{r['pandas_over_engine_cold']:.2f}" if "pandas" in r else "—"
        lines.append(f"| {r['family']} | {r['rows']} | {r['engine_cold']:.3f} | {r['engine_warm']:.3f} | "
                     f"{r['facts_cold']:.3f} | {r['floor_cold']:.3f} | {r['floor_warm']:.3f} | {pandas_s} | "
                     f"{r['engine_over_floor_cold']:.2f} | {r['facts_over_floor_cold']:.2f} | {ratio} |")
    passes = f"{rounds} pass{'es' if rounds != 1 else ''}"
    note = f"\n\nMedians of {passes}; cold = a fresh Database (empty memo), warm = the same object again."
    return "\n".join(lines) + note


def database_for(size: str) -> tuple[Path, bool]:
    """benchmarks/work/<size>.duckdb (built when missing), or a copy of it in a temporary folder when another
    process holds it for writing: (path, whether it is such a copy)."""
    path = WORK / f"{size}.duckdb"
    if not path.exists():
        subprocess.run([sys.executable, "-m", "analytics", "demo", "--size", size, "--seed", "7", "--end", END,
                        "--db", str(path), "--quiet"], cwd=ROOT, check=True)
    try:
        Database(path, read_only=True).close()
    except DatabaseLocked:
        copy = Path(tempfile.mkdtemp(prefix="tandem-families-")) / path.name
        shutil.copy(path, copy)
        return copy, True
    return path, False


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small", help="demo size: benchmarks/work/<size>.duckdb (default small)")
    parser.add_argument("--db", type=Path, help="another database file instead of the demo of --size")
    parser.add_argument("--families", default=",".join(FAMILIES), help="comma-separated, of: " + ", ".join(FAMILIES))
    parser.add_argument("--warm-runs", type=int, default=1, help="warm runs after the cold one; the best is shown")
    parser.add_argument("--rounds", type=int, default=3, help="cold/warm passes per family; medians are shown")
    parser.add_argument("--no-pandas", action="store_true", help="leave the pandas implementation out")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.families.split(",") if n.strip()]
    unknown = [n for n in names if n not in FAMILIES]
    if unknown:
        parser.error(f"unknown famil{'ies' if len(unknown) > 1 else 'y'} {', '.join(unknown)}; "
                     f"choose from {', '.join(FAMILIES)}")
    path, copied = (args.db, False) if args.db else database_for(args.size)
    try:
        as_of = data_as_of(path)
        results = run(path, names, args.warm_runs, not args.no_pandas, args.rounds)
    finally:
        if copied:
            shutil.rmtree(path.parent, ignore_errors=True)
    checked = "engine and exact floor" if args.no_pandas else "engine, exact floor and pandas"
    source = f"{WORK / (args.size + '.duckdb')} (a copy: the file was held by another process)" if copied else path
    print(f"{source}, as of {as_of}: {checked} agree on every row\n")
    print(markdown(results, args.rounds))


if __name__ == "__main__":
    main()
