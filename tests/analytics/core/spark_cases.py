"""Parameters for every named query on the small demo company, and a comparison of two engines' answers.

Shared by the two-engine test and the Spark benchmark: one set of parameters per query, chosen so that every
branch has rows (a region and a team of another region in scope, three quarters, reps with orders).
"""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import polars as pl

from analytics.core.sql_files import SQL_DIR

QUERIES = sorted(p.stem for p in (SQL_DIR / "queries").glob("*.sql"))
PANEL_QUERIES = sorted(f"panels/{p.stem}" for p in (SQL_DIR / "panels").glob("*.sql")
                       if not p.stem.startswith("read_"))


def sample_params(db) -> dict[str, object]:
    """One value for every parameter a named query takes, read off the database (a small demo company)."""
    as_of = dt.date.fromisoformat(db.meta("as_of"))
    regions = db.sql("select org_unit_id from org_units where level = 'region' order by org_unit_id")["org_unit_id"]
    other_team = db.scalar("select org_unit_id from org_units where level = 'team' and parent_id <> $r "
                           "order by org_unit_id limit 1", r=regions[0])
    reps = db.sql("select employee_id, count(*) as n from orders group by all order by n desc, employee_id "
                  "limit 40")["employee_id"].to_list()
    manager = db.scalar("select manager_id from assignments where manager_id is not null group by all "
                        "order by count(*) desc, manager_id limit 1")
    quarters = [dt.date(as_of.year, m, 1) for m in (1, 4, 7)]
    ends = [dt.date(as_of.year, m + 2, 30 if m + 2 in (6, 9) else 31) for m in (1, 4, 7)]
    return {
        "as_of": as_of, "start": quarters[0], "end": ends[-1], "period_starts": quarters, "period_ends": ends,
        "all_units": False, "units": [regions[0], other_team], "person": False, "customers": True,
        "reps": reps, "employee_id": reps[0], "manager_id": manager, "day": as_of, "plan_id": None,
        "hired_from": dt.date(as_of.year - 2, 1, 1), "window_days": 90, "window_start": dt.date(as_of.year - 2, 1, 1),
        "horizon_months": 6, "as_of_dates": [dt.date(as_of.year - 1, 6, 30), dt.date(as_of.year - 1, 12, 31),
                                             dt.date(as_of.year, 6, 30)],
        "first_month": quarters[0], "last_month": dt.date(as_of.year, 9, 1), "grain_months": 3, "fy_start": 1,
        "q1_start": quarters[2], "q2_start": quarters[1], "cutoff_days": 60, "cutoff_date": None,
        "now": dt.datetime(as_of.year + 1, 1, 2, 9, 0),
    }


def _sort_key(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows in one order whatever the engine: by every column, floats rounded to 9 significant digits."""
    keys = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if dtype.is_float():
            keys.append(column.map_elements(lambda v: None if v is None or math.isnan(v) else float(f"{v:.9g}"),
                                            return_dtype=pl.Float64).alias(f"__k{len(keys)}"))
        elif dtype.is_numeric() or dtype.is_temporal() or dtype == pl.Boolean or dtype == pl.String:
            keys.append(column.cast(pl.String).alias(f"__k{len(keys)}"))
        else:
            keys.append(column.map_elements(repr, return_dtype=pl.String).alias(f"__k{len(keys)}"))
    if not keys:
        return frame
    ordered = frame.with_columns(keys).sort([f"__k{i}" for i in range(len(keys))], nulls_last=True)
    return ordered.drop([f"__k{i}" for i in range(len(keys))])


def differences(duck: pl.DataFrame, spark: pl.DataFrame, rel: float = 1e-9, limit: int = 5) -> list[str]:
    """Where two answers of one query differ (names, row count, values after sorting); [] when equal."""
    if duck.columns != spark.columns:
        return [f"columns {duck.columns} != {spark.columns}"]
    if duck.height != spark.height:
        return [f"rows {duck.height} != {spark.height}"]
    a, b = _sort_key(duck), _sort_key(spark)
    found: list[str] = []
    for name in duck.columns:
        x, y = a[name], b[name]
        if x.dtype.is_numeric() and y.dtype.is_numeric():
            xs, ys = x.cast(pl.Float64).to_list(), y.cast(pl.Float64).to_list()
            bad = [i for i, (u, v) in enumerate(zip(xs, ys, strict=True))
                   if not ((u is None and v is None) or (u is not None and v is not None and (
                       (math.isnan(u) and math.isnan(v)) or math.isclose(u, v, rel_tol=rel, abs_tol=1e-12))))]
        else:
            xs, ys = x.to_list(), y.to_list()
            bad = [i for i, (u, v) in enumerate(zip(xs, ys, strict=True)) if u != v]
        if bad:
            found.append(f"{name}: {len(bad)} rows differ, e.g. row {bad[0]}: {xs[bad[0]]!r} != {ys[bad[0]]!r}")
        if len(found) >= limit:
            break
    return found


def write_app_tables(db, out: Path, tables: tuple[str, ...] = ("alerts", "improvement_plans")) -> dict[str, str]:
    """App-written tables some named queries read (not facts: `facts export` leaves them out) as Parquet."""
    paths = {}
    for table in tables:
        target = out / f"{table}.parquet"
        db.sql(f"select * from {table}").write_parquet(target)
        paths[table] = str(target)
    return paths
