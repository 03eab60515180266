"""``python -m analytics facts export --to DIR``: every fact table as Parquet (orders and activities by month), with a
manifest, for an engine that scans the facts where they lie (docs/scale.md).

Exit status: 0 written; 2 no database, a non-empty folder without --replace, or the database is open in another
process for writing.
"""
from __future__ import annotations

import argparse

from analytics.core.db import Database, DatabaseError
from analytics.core.settings import load_settings
from analytics.sources.facts_export import export_facts


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("facts", parents=[common], help="export the fact tables as Parquet",
                       description="Write every fact table of the database as zstd Parquet under --to (one folder "
                                   "per table; orders and activities partitioned by month) with manifest.json; the "
                                   "folder is moved into place whole.")
    p.add_argument("action", choices=["export"])
    p.add_argument("--to", required=True, metavar="DIR", help="the folder to write (empty, or with --replace)")
    p.add_argument("--replace", action="store_true", help="replace an existing export in that folder")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    path = load_settings(args.db).db_path
    if not path.exists():
        raise DatabaseError(f"There is no database at {path}. Build one with `python -m analytics demo --db {path}`.")
    db = Database(path, read_only=True)
    try:
        result = export_facts(db, args.to, replace=args.replace)
    finally:
        db.close()
    total = sum(result.rows.values())
    print(f"Exported {len(result.rows)} fact tables ({total:,} rows) to {result.folder} in {result.seconds:.1f} s; "
          "orders and activities by month; manifest.json lists rows and columns.")
    return 0
