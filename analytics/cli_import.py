"""``python -m analytics import`` — placeholder until the loader lands (replaced by the import work)."""
from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("import", parents=[common], help="import a file into a fact table",
                       description="Import a CSV, XLSX or Parquet file into a fact table.")
    p.add_argument("--table", required=True)
    p.add_argument("--file", required=True, action="append")
    p.add_argument("--mapping")
    p.add_argument("--dry-run", action="store_true")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    raise ValueError("The loader is not built yet: use --dry-run once it lands.")
