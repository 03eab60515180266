"""``python -m analytics backup``, ``restore`` and ``backups list``: nothing lost.

::

    python -m analytics backup                      # to backups/ beside the database (+ TANDEM_BACKUP_DIRS)
    python -m analytics backup --to /mnt/offsite    # to that folder only (no pruning there)
    python -m analytics backups list
    python -m analytics restore tandem-20261129-163544-490Z-manual.tar

Exit status: 0 done; 2 refused or wrong usage (no such file, checksum mismatch, the database is open in
another process; nothing was changed); 3 an unexpected failure (the details in a log file named on stderr).
docs/operations.md describes the rules.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

import polars as pl

from analytics.core import backup as bk
from analytics.core import restore as rs
from analytics.core.db import Database
from analytics.core.settings import load_settings


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("backup", parents=[common], help="back the database up (consistent while it is in use)",
                       description="Copy the database through DuckDB into a compressed backup with a manifest, in "
                                   "backups/ beside the database and in every folder of TANDEM_BACKUP_DIRS; then "
                                   "prune by the retention rule (docs/operations.md).")
    p.add_argument("--to", action="append", metavar="DIR",
                   help="write to this folder instead (repeatable); backups there are not pruned")
    p.add_argument("--kind", choices=["manual", "daily", "weekly"], default="manual",
                   help="label for the backup, e.g. daily from a scheduled job (default manual)")
    p.set_defaults(func=_backup)

    p = sub.add_parser("restore", parents=[common], help="restore a backup (verified first; undoable)",
                       description="Verify a backup (checksum, row counts, schema version, data contracts), back the "
                                   "current database up, then swap the backup in. Refused while another process "
                                   "has the database open.")
    p.add_argument("file", help="a backup file, or the name of one in the backup folders (see `backups list`)")
    p.set_defaults(func=_restore)

    p = sub.add_parser("backups", parents=[common], help="list the backups, newest first",
                       description="List the backups of the database in its backup folders, newest first.")
    p.add_argument("action", choices=["list"])
    p.add_argument("--dir", action="append", metavar="DIR", help="list this folder instead (repeatable)")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=_list)


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n} B"


def _local(when: dt.datetime) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _backup(args: argparse.Namespace) -> int:
    db_path = load_settings(args.db).db_path
    result = bk.backup(db_path, kind=args.kind, to=args.to)
    m = result.manifest
    for path in result.written:
        print(f"Backed up {db_path} to {path} ({_size(path.stat().st_size)}; data version {m['data_version']}, "
              f"{m['total_rows']:,} rows in {len(m['tables'])} tables).")
    for folder, why in result.failed.items():
        print(f"warning: the backup could not be written to {folder} ({why}); check that folder.", file=sys.stderr)
    if result.removed:
        print(f"Retention removed {len(result.removed)} older backup(s).")
    return 0


def _restore(args: argparse.Namespace) -> int:
    db_path = load_settings(args.db).db_path
    path = rs.find_backup(args.file, db_path)
    result = rs.restore(path, db_path, actor=args.user or "cli")
    print(f"Restored {result.target} from {result.backup} ({sum(result.tables.values()):,} rows, verified).")
    _build_panels(result.target)
    for aside in result.set_aside:
        print(f"Set aside (not deleted): {aside}")
    if result.broken_checks:
        names = ", ".join(f"{k} ({v})" for k, v in result.broken_checks.items())
        print(f"note: the restored data breaks data contracts as it did when backed up: {names}. "
              "`python -m analytics checks` lists them.")
    if result.undo is not None:
        print(f"To undo: python -m analytics restore {result.undo} --db {result.target}")
    return 0


def _build_panels(path) -> None:
    """The restored data's monthly panels (derived data: backups leave them out), and the figures of the pages
    people used on the data before, computed ahead for the restored data."""
    db = Database(path)
    try:
        from analytics.reviews.ahead import after_change  # the models load only when needed

        ahead = after_change(db, load_settings(None).fiscal_year_start)
        if ahead:
            print(f"{ahead:,} figure(s) of the pages people use computed ahead for the restored data.")
    finally:
        db.close()


def _list(args: argparse.Namespace) -> int:
    db_path = load_settings(args.db).db_path
    backups = bk.list_backups(db_path, args.dir)
    roles = bk.retention([b.created_at for b in backups], bk.keep_count(), dt.datetime.now(dt.UTC))
    rows = [{"created": _local(b.created_at), "kind": b.kind.replace("-", " "), "size": _size(b.size),
             "data_version": b.data_version, "rows": b.total_rows, "kept_as": roles.get(b.created_at, "to prune"),
             "file": str(b.path)} for b in backups]
    if args.format == "json":
        print(json.dumps(rows, indent=1, ensure_ascii=False))
        return 0
    if not rows:
        folders = ", ".join(str(f) for f in (args.dir or bk.destinations(db_path)))
        print(f"No backups of {db_path} in {folders}. Make one with `python -m analytics backup --db {db_path}`.")
        return 0
    with pl.Config(tbl_rows=500, tbl_cols=10, fmt_str_lengths=120, tbl_width_chars=220,
                   tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True,
                   set_tbl_formatting="ASCII_MARKDOWN", thousands_separator=True):
        print(pl.DataFrame(rows))
    return 0
