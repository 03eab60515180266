"""Every fact table as Parquet, for an engine that scans them where they lie (Apache Spark reading a folder, a data
lake): ``python -m analytics facts export --to DIR``.

One folder per importable table (``DIR/<table>/``), zstd-compressed Parquet written by DuckDB; orders and activities
partitioned by month (``DIR/orders/month=2025-07/…``, Hive style, so a reader prunes months); and
``DIR/manifest.json``: the data token and version it was taken at, the as-of date, and each table's rows, columns
with their DuckDB types and partitioning. The folder is written beside the target and moved into place whole: a
failure or a kill leaves the previous export (or nothing), never half of one. App bookkeeping (users, sessions,
meetings, alerts, the audit log) is not a fact and is not exported.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from analytics.core.db import Database
from analytics.sources.ingest import importable_tables

#: tables large enough to be read a month at a time: the date each row is placed by
PARTITIONED = {"orders": "order_date", "activities": "activity_date"}
FORMAT = 1


class ExportError(ValueError):
    """The export cannot be written where asked; the message says why and what to do."""


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    rows: dict[str, int]
    seconds: float


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def export_facts(db: Database, folder: str | Path, replace: bool = False) -> ExportResult:
    """Write every fact table of ``db`` under ``folder`` (see the module); ``replace`` swaps out an existing
    non-empty folder, else that is refused."""
    started = time.perf_counter()
    folder = Path(folder).expanduser().resolve()
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())) and not replace:
        raise ExportError(f"{folder} exists and is not empty; choose an empty folder or add --replace.")
    staging = folder.with_name(f".{folder.name}.partial-{os.getpid()}")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    try:
        cur = db.cursor()
        rows, tables = {}, {}
        for table in importable_tables():
            columns = [(c, t) for c, t in cur.execute(
                "select column_name, data_type from duckdb_columns() where table_name = $t and schema_name = 'main' "
                "order by column_index", {"t": table}).fetchall()]
            rows[table] = int(cur.execute(f'select count(*) from "{table}"').fetchone()[0])
            target = staging / table
            if table in PARTITIONED:
                day = PARTITIONED[table]
                cur.execute(f'copy (select *, strftime("{day}", \'%Y-%m\') as month from "{table}" order by "{day}") '
                            f"to {_quoted(target)} (format parquet, compression zstd, partition_by (month))")
                if not rows[table]:
                    target.mkdir(exist_ok=True)
            else:
                target.mkdir()
                cur.execute(f'copy (select * from "{table}") to {_quoted(target / "part-0.parquet")} '
                            "(format parquet, compression zstd)")
            tables[table] = {"rows": rows[table], "columns": columns,
                             "partitioned_by": "month" if table in PARTITIONED else None,
                             "month_of": PARTITIONED.get(table)}
        manifest = {"format": FORMAT, "data_token": db.data_token, "data_version": db.data_version,
                    "as_of": db.meta("as_of"), "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "tables": tables}
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
        if folder.exists():
            aside = folder.with_name(f".{folder.name}.old-{os.getpid()}")
            os.replace(folder, aside)
            os.replace(staging, folder)
            shutil.rmtree(aside, ignore_errors=True)
        else:
            os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ExportResult(folder, rows, time.perf_counter() - started)


def read_manifest(folder: str | Path) -> dict:
    """The manifest of an export folder; ExportError when there is none."""
    path = Path(folder) / "manifest.json"
    if not path.exists():
        raise ExportError(f"{folder} holds no manifest.json: not a folder written by `facts export`.")
    return json.loads(path.read_text(encoding="utf-8"))
