"""``python -m analytics import``: load files into the database as one batch, all or nothing.

::

    python -m analytics import --table employees --file HRDataset_v14.csv
    python -m analytics import --file sales_teams.csv --file accounts.csv --file products.csv \\
        --file sales_pipeline.csv --dry-run --report issues.csv
    python -m analytics import --file orders=q3_orders.xlsx --mapping erp-orders --user li.na

Each ``--file`` is ``PATH`` or ``TABLE=PATH``. A file without a table is recognised: a flat export
(an HR roster with departments and managers, a CRM's deals and teams, AdventureWorks quota files)
fills every table it implies; otherwise ``--table`` or a file named like a table (``orders.csv``)
says where it goes. ``TABLE=PATH`` (or ``--no-flat``) imports the file into that one table only.

Prints the validation summary (per column, and the first 20 issues with file, row, column, value
and what was expected), then — unless ``--dry-run`` or there are errors — loads and prints the
counts per table. Exit status: 0 loaded (or a clean dry run), 1 the report has errors (nothing
written), 2 a file cannot be read or the command is wrong (one sentence on stderr).
"""
from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from pathlib import Path

import polars as pl

from analytics.core.db import Database
from analytics.core.settings import load_settings
from analytics.sources.ingest import (
    DEFAULT_MEMORY_BUDGET,
    ColumnMapping,
    ImportProblem,
    LoadResult,
    Part,
    ReadResult,
    importable_tables,
    load_batch,
    read_export,
)
from analytics.sources.ingest.plan import plan_batch

MAX_ISSUES = 20


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("import", parents=[common], help="import files into the database (one batch, all or nothing)",
                       description="Import CSV, XLSX or Parquet files as one batch: validated together, loaded in one "
                                   "transaction (upsert by key), or not at all. Flat exports (an HR roster with "
                                   "departments and managers, CRM deals with agents and offices) fill every table "
                                   "they imply.")
    p.add_argument("--table", help="table for files given without TABLE= that are not a recognised flat export")
    p.add_argument("--file", required=True, action="append", metavar="[TABLE=]PATH",
                   help="a file to import; repeat for a batch of related files")
    p.add_argument("--mapping", help="mapping profile for plain files: a name under data/mappings or a .json path")
    p.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    p.add_argument("--report", metavar="OUT.csv", help="write every issue to this CSV (UTF-8 with BOM)")
    p.add_argument("--no-flat", action="store_true", help="import each file into one table only")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=_run)


def _progress(quiet: bool):
    start = time.perf_counter()

    def say(message: str) -> None:
        if not quiet:
            sys.stderr.write(f"[{time.perf_counter() - start:6.1f}s] {message}\n")
            sys.stderr.flush()

    return say


def _memory_budget() -> int:
    """The command line may use half of the memory available now (at least the pages' default budget)."""
    try:
        available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return DEFAULT_MEMORY_BUDGET
    return max(DEFAULT_MEMORY_BUDGET, available // 2)


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def _file_arg(text: str) -> tuple[str | None, Path]:
    table, sep, path = text.partition("=")
    if sep and table in importable_tables():
        return table, Path(path)
    return None, Path(text)


def _mapping(value: str | None) -> ColumnMapping | str | None:
    if not value or not value.lower().endswith(".json"):
        return value
    path = Path(value)
    if not path.exists():
        raise ImportProblem("the mapping profile does not exist.", file=str(path), code="profile")
    try:
        return ColumnMapping.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ImportProblem(f"the mapping profile is not valid JSON ({exc}).", file=str(path), code="profile") from None


def _read_all(args: argparse.Namespace, say) -> tuple[list[tuple[str, ReadResult]], list[ReadResult]]:
    """Every file read before the database is opened: (files with a table, files to recognise)."""
    if args.table and args.table not in importable_tables():
        raise ImportProblem(f"--table {args.table!r} is not an importable table.", code="table",
                            expected=", ".join(importable_tables()))
    budget = _memory_budget()
    explicit: list[tuple[str, ReadResult]] = []
    undecided: list[ReadResult] = []
    for text in args.file:
        table, path = _file_arg(text)
        size = path.stat().st_size if path.is_file() else 0
        say(f"reading {path.name}" + (f" ({size / 1024 / 1024:,.1f} MB)" if size > 1024 * 1024 else ""))
        read = read_export(path, memory_budget=budget)
        say(f"read {read.info.n_rows:,} rows × {read.info.n_columns} columns from {path.name}")
        if table is not None:
            explicit.append((table, read))
        else:
            undecided.append(read)
    return explicit, undecided


def _parts(args: argparse.Namespace, db: Database, explicit: list[tuple[str, ReadResult]],
           undecided: list[ReadResult], mapping: ColumnMapping | str | None) -> tuple[list[Part], list[str]]:
    plan = plan_batch(db, explicit, undecided, table=args.table, mapping=mapping, flat=not args.no_flat,
                      fy_start=load_settings(args.db).fiscal_year_start)
    for line in plan.notes:
        print(line)
    return plan.parts, []


def _print_frame(frame: pl.DataFrame, rows: int = 60) -> None:
    with pl.Config(tbl_rows=rows, tbl_cols=12, fmt_str_lengths=60, tbl_width_chars=160, tbl_hide_dataframe_shape=True,
                   tbl_hide_column_data_types=True, set_tbl_formatting="ASCII_MARKDOWN"):
        print(frame)


def _print_report(result: LoadResult) -> None:
    for report in result.reports:
        print(f"\n{report.file} → {report.table}: {report.n_rows:,} rows, key {', '.join(report.key)}; "
              f"{report.n_errors:,} error(s), {report.n_warnings:,} warning(s)")
        cols = report.columns.filter(pl.col("source").is_not_null() | (pl.col("n_ok") > 0) | (pl.col("n_errors") > 0))
        if cols.height:
            _print_frame(cols.with_columns(pl.col("source").fill_null("(derived)")).select(
                "column", "source", "n_ok", "n_empty", "n_errors", "n_warnings", "format"))
    issues = result.issues
    if issues.height:
        print(f"\nIssues (first {min(MAX_ISSUES, issues.height)} of {issues.height:,}; errors first):")
        _print_frame(issues.head(MAX_ISSUES).select("severity", "file", "row", "column", "value", "problem",
                                                    "expected"))


def _run(args: argparse.Namespace) -> int:
    say = _progress(args.quiet)
    settings = load_settings(args.db)
    mapping = _mapping(args.mapping)
    explicit, undecided = _read_all(args, say)
    db = Database(settings.db_path)
    try:
        has_users = bool(db.scalar("select count(*) from users"))
        if args.user and has_users:  # acting as a Tandem user: only HR heads and admins may load data (as in the app);
            from analytics.core.auth import viewer_for  # before any account exists, --user only names the actor

            viewer = viewer_for(db, args.user)
            if not (viewer.is_admin or viewer.sees_pay):
                raise ValueError(f"User {args.user!r} may not import data; imports need the hr_head or admin role.")
        parts, notes = _parts(args, db, explicit, undecided, mapping)
        actor = args.user or os.environ.get("TANDEM_USER") or _login()
        result = load_batch(db, parts, actor, dry_run=args.dry_run, progress=say)
        say(f"done: {', '.join(f'{k} {v:.1f}s' for k, v in result.seconds.items())}")
        _print_report(result)
        for note in [*notes, *result.notes]:
            print(note)
        if args.report:
            Path(args.report).write_bytes(result.to_csv())
            print(f"Full report ({result.issues.height:,} issue(s)) written to {args.report}.")
        if not result.ok:
            print(f"\n{result.n_errors:,} error(s): nothing was written to {settings.db_path}.")
            return 1
        print("\nDry run — would load:" if args.dry_run else "\nLoaded:")
        _print_frame(result.counts_frame())
        if not args.dry_run:
            print(f"{settings.db_path}: data version {result.data_version}, as of {db.meta('as_of') or '—'}.")
        return 0
    finally:
        db.close()

