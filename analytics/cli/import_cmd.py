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

Prints what was read (encoding, delimiter, sheet, and the reader's notes), the validation summary
(per column, and the first 20 issues with file, row, column, value and what was expected), then —
unless ``--dry-run`` or there are errors — loads and prints the counts per table. Exit status: 0
loaded (or a clean dry run), 1 the report has errors (nothing written), 2 the command is wrong or a
file was refused (one sentence on stderr), 3 an unexpected failure (one line naming a log file, see
analytics/cli/main.py). A database file that did not exist before is not left behind by a dry run
or a refused import.

``python -m analytics templates [--table T] --out DIR`` writes blank templates (CSV and XLSX with a
column guide) for one table or every importable table.
"""
from __future__ import annotations

import argparse
import getpass
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from analytics.core.db import Database
from analytics.core.settings import load_settings
from analytics.sources.ingest import (
    ColumnMapping,
    ImportProblem,
    LoadResult,
    Part,
    ReadResult,
    importable_tables,
    load_batch,
    read_export,
    template_csv,
    template_xlsx,
)
from analytics.sources.ingest.plan import mapping_arg, plan_batch
from analytics.sources.ingest.result import memory_budget

MAX_ISSUES = 20


TEMPLATES_HELP = ("Blank templates (CSV, and XLSX with a column guide in English and Chinese): "
                  "python -m analytics templates --out DIR [--table TABLE]; or the Data page's Templates section.")


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("import", parents=[common], help="import files into the database (one batch, all or nothing)",
                       description="Import CSV, XLSX or Parquet files as one batch: validated together, loaded in one "
                                   "transaction (upsert by key), or not at all. Flat exports (an HR roster with "
                                   "departments and managers, CRM deals with agents and offices) fill every table "
                                   "they imply. " + TEMPLATES_HELP,
                       epilog="Exit status: 0 loaded (or a clean dry run); 1 the report has errors, nothing written; "
                              "2 a wrong command or a refused file (one sentence on stderr); 3 an unexpected failure "
                              "(one line naming a log file).")
    p.add_argument("--table", help="table for files given without TABLE= that are not a recognised flat export")
    p.add_argument("--file", required=True, action="append", metavar="[TABLE=]PATH",
                   help="a file to import; repeat for a batch of related files")
    p.add_argument("--mapping", help="mapping profile for plain files: a name under data/mappings or a .json path")
    p.add_argument("--encoding", metavar="ENC", help="read CSV files in this encoding (e.g. cp1252, shift_jis, "
                                                     "euc-kr, big5, gb18030, utf-16) instead of detecting it")
    p.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    p.add_argument("--report", metavar="OUT.csv", help="write every issue to this CSV (UTF-8 with BOM)")
    p.add_argument("--no-flat", action="store_true", help="import each file into one table only")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=_run)
    t = sub.add_parser("templates", help="write blank import templates (CSV and XLSX) for the importable tables",
                       description="Write TABLE_template.csv and TABLE_template.xlsx (the header, and a README "
                                   "sheet describing every column) for one table or all importable tables.")
    t.add_argument("--table", help="one table (default: every importable table)")
    t.add_argument("--out", required=True, metavar="DIR", help="folder to write to (created when missing)")
    t.set_defaults(func=_templates)


def _templates(args: argparse.Namespace) -> int:
    tables = importable_tables()
    if args.table and args.table not in tables:
        raise ImportProblem(f"--table {args.table!r} is not an importable table.", code="table",
                            expected=", ".join(tables))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    chosen = [args.table] if args.table else list(tables)
    for table in chosen:
        (out / f"{table}_template.csv").write_bytes(template_csv(table))
        (out / f"{table}_template.xlsx").write_bytes(template_xlsx(table))
    print(f"Wrote {len(chosen) * 2} template file(s) for {', '.join(chosen)} to {out}.")
    return 0


def progress(quiet: bool) -> Callable[[str], None]:
    """Progress lines on stderr with the seconds since the start (nothing when ``quiet``)."""
    start = time.perf_counter()

    def say(message: str) -> None:
        if not quiet:
            sys.stderr.write(f"[{time.perf_counter() - start:6.1f}s] {message}\n")
            sys.stderr.flush()

    return say


def login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def _file_arg(text: str) -> tuple[str | None, Path]:
    table, sep, path = text.partition("=")
    if sep and table in importable_tables():
        return table, Path(path)
    return None, Path(text)


def _read_all(args: argparse.Namespace, say) -> tuple[list[tuple[str, ReadResult]], list[ReadResult]]:
    """Every file read before the database is opened: (files with a table, files to recognise)."""
    if args.table and args.table not in importable_tables():
        raise ImportProblem(f"--table {args.table!r} is not an importable table.", code="table",
                            expected=", ".join(importable_tables()))
    budget = memory_budget()
    explicit: list[tuple[str, ReadResult]] = []
    undecided: list[ReadResult] = []
    for text in args.file:
        table, path = _file_arg(text)
        size = path.stat().st_size if path.is_file() else 0
        say(f"reading {path.name}" + (f" ({size / 1024 / 1024:,.1f} MB)" if size > 1024 * 1024 else ""))
        try:
            read = read_export(path, memory_budget=budget, encoding=args.encoding)
        except ImportProblem as exc:
            if exc.code in ("encoding", "encoding_uncertain") and not args.encoding:
                raise ImportProblem(f"{exc.detail} On this command: --encoding ENC (e.g. cp1252, shift_jis, euc-kr, "
                                    "big5, gb18030).", file=exc.file, row=exc.row, column=exc.column,
                                    expected=exc.expected, code=exc.code) from None
            raise
        say(f"read {read.info.n_rows:,} rows × {read.info.n_columns} columns from {path.name}")
        print_read(read)
        if table is not None:
            explicit.append((table, read))
        else:
            undecided.append(read)
    return explicit, undecided


def print_read(read: ReadResult) -> None:
    """What the reader found (encoding, delimiter or sheet) and its notes, on standard output."""
    info = read.info
    how = [f"encoding {info.encoding}" if info.encoding else "", f"delimiter {info.delimiter!r}" if info.delimiter
           else "", f"sheet {info.sheet!r}" if info.sheet else "", f"header row {info.header_row}"
           if info.header_row and info.header_row != 1 else ""]
    print(f"{info.name}: {info.n_rows:,} rows × {info.n_columns} columns read"
          + (f" ({', '.join(h for h in how if h)})" if any(how) else "") + ".")
    for note in info.notes:
        print(f"{info.name}: {note}")


def _parts(args: argparse.Namespace, db: Database, explicit: list[tuple[str, ReadResult]],
           undecided: list[ReadResult], mapping: ColumnMapping | str | None) -> tuple[list[Part], list[str]]:
    plan = plan_batch(db, explicit, undecided, table=args.table, mapping=mapping, flat=not args.no_flat,
                      fy_start=load_settings(args.db).fiscal_year_start)
    for line in plan.notes:
        print(line)
    return plan.parts, []


def print_frame(frame: pl.DataFrame, rows: int = 60) -> None:
    with pl.Config(tbl_rows=rows, tbl_cols=12, fmt_str_lengths=60, tbl_width_chars=160, tbl_hide_dataframe_shape=True,
                   tbl_hide_column_data_types=True, set_tbl_formatting="ASCII_MARKDOWN"):
        print(frame)


def print_report(result: LoadResult) -> None:
    for report in result.reports:
        print(f"\n{report.file} → {report.table}: {report.n_rows:,} rows, key {', '.join(report.key)}; "
              f"{report.n_errors:,} error(s), {report.n_warnings:,} warning(s)")
        cols = report.columns.filter(pl.col("source").is_not_null() | (pl.col("n_ok") > 0) | (pl.col("n_errors") > 0))
        if cols.height:
            print_frame(cols.with_columns(pl.col("source").fill_null("(derived)")).select(
                "column", "source", "n_ok", "n_empty", "n_errors", "n_warnings", "format"))
    issues = result.issues
    if issues.height:
        print(f"\nIssues (first {min(MAX_ISSUES, issues.height)} of {issues.height:,}; errors first):")
        print_frame(issues.head(MAX_ISSUES).select("severity", "file", "row", "column", "value", "problem",
                                                    "expected"))
        for row in issues.filter(pl.col("code").is_in(["load", "disk_full"])).iter_rows(named=True):
            print(f"{row['file']}: {row['problem']}.")     # in full: the table cuts long text


def _run(args: argparse.Namespace) -> int:
    say = progress(args.quiet)
    settings = load_settings(args.db)
    mapping = mapping_arg(args.mapping)
    explicit, undecided = _read_all(args, say)
    with target_database(Path(settings.db_path), args.dry_run) as target:
        code, target.written = _import(args, settings, Database(target.path), say, explicit, undecided, mapping,
                                       target.target)
        return code


@dataclass
class Target:
    """Where a command writes: ``path`` (a scratch copy for a dry run on a missing file), and whether it did."""

    target: Path
    path: Path
    written: bool = False


@contextmanager
def target_database(target: Path, dry_run: bool) -> Iterator[Target]:
    """The database to open for an import: a dry run on a missing file checks against an empty database in a
    temporary folder; a database file (and folders) this command created is removed again unless written."""
    existed = target.exists()
    scratch = None
    if dry_run and not existed:   # check against an empty database that is thrown away: create nothing
        scratch = Path(tempfile.mkdtemp(prefix="tandem-dry-run-"))
        print(f"{target} does not exist: the dry run checks against an empty database and creates nothing.")
    created = [p for p in [target.parent, *target.parent.parents] if not p.exists()] if not existed else []
    place = Target(target, scratch / target.name if scratch is not None else target)
    try:
        yield place
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        elif not existed and not place.written:          # a refused import leaves no new database behind
            _remove_new_database(target, created)


def _remove_new_database(path: Path, created_dirs: list[Path]) -> None:
    for extra in (path, path.with_name(path.name + ".wal"), path.with_name(path.name + ".tmp")):
        with suppress(OSError):
            if extra.is_dir():
                shutil.rmtree(extra)
            else:
                extra.unlink(missing_ok=True)
    for folder in created_dirs:                      # innermost first; only folders this import created
        with suppress(OSError):
            folder.rmdir()


def check_may_import(db: Database, user: str | None) -> None:
    """Acting as a Tandem user: only HR heads and admins may load data (as in the app); before any account
    exists, ``--user`` only names the actor."""
    if user and db.scalar("select count(*) from users"):
        from analytics.core.auth import viewer_for

        viewer = viewer_for(db, user)
        if not (viewer.is_admin or viewer.sees_pay):
            raise ValueError(f"User {user!r} may not import data; imports need the hr_head or admin role.")


def _import(args: argparse.Namespace, settings, db: Database, say, explicit, undecided, mapping,
            target: Path) -> tuple[int, bool]:
    """Plan, check and load; (exit status, whether the database was written)."""
    try:
        check_may_import(db, args.user)
        parts, notes = _parts(args, db, explicit, undecided, mapping)
        actor = args.user or os.environ.get("TANDEM_USER") or login()
        result = load_batch(db, parts, actor, dry_run=args.dry_run, progress=say)
        return show_result(args, settings, db, result, notes, target, say)
    finally:
        db.close()


def show_result(args: argparse.Namespace, settings, db: Database, result: LoadResult, notes: list[str],
                target: Path, say: Callable[[str], None]) -> tuple[int, bool]:
    """Print a load's report (and write ``--report``), then the counts and, after a real load, build what the
    pages need; (exit status, whether the database was written)."""
    say(f"done: {', '.join(f'{k} {v:.1f}s' for k, v in result.seconds.items())}")
    print_report(result)
    for note in [*notes, *result.notes]:
        print(note)
    if args.report:
        report = Path(args.report)
        try:
            report.write_bytes(result.to_csv())
        except OSError as exc:
            raise ImportProblem(f"the report could not be written ({exc.strerror or exc}); the import itself "
                                f"{'was done' if result.written else 'wrote nothing'}. Choose another path for "
                                "--report.", file=str(report), code="report") from None
        print(f"Full report ({result.issues.height:,} issue(s)) written to {args.report}.")
    if not result.ok:
        full = "disk_full" in result.issues["code"].to_list()
        print(f"\n{result.n_errors:,} error(s): nothing was written to {target}"
              + (" (the disk is full: free space and import again)." if full else "."))
        return 1, False
    print("\nDry run — would load:" if args.dry_run else "\nLoaded:")
    print_frame(result.counts_frame())
    if not args.dry_run:
        print(f"{target}: data version {result.data_version}, as of {db.meta('as_of') or '—'}.")
        if result.written:
            say("building the monthly panels")
            from analytics.reviews.ahead import after_change  # the models load only when needed

            ahead = after_change(db, settings.fiscal_year_start, say)
            if ahead:
                print(f"{ahead:,} figure(s) of the pages people use computed ahead for the new data.")
    return 0, result.written
