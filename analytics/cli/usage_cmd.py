"""``python -m analytics usage``: the app's own use in a quarter (the Usage page), and its quarterly PDF.
::
    python -m analytics usage --quarter 2025-Q4                    # per month, by role, the most and least used pages
    python -m analytics usage --quarter 2025-Q4 --pdf usage.pdf --lang zh --user demo.admin

Same rules as the page: user names only for an admin (``--user`` naming one; the operator without ``--user`` gets
roles and counts), small roles pooled otherwise. Writing the PDF is audited as an export (the database is opened
for writing then; without ``--pdf`` it is only read). Exit status: 0 done; 2 refused (a bad quarter, no such user).
"""
from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import polars as pl

from analytics.cli.common import cli_viewer
from analytics.core.db import Database, DatabaseError
from analytics.core.settings import load_settings


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("usage", parents=[common], help="the app's own use in a quarter, and its PDF report",
                       description="Print page views, exports and sessions per month by role and by page, and the most "
                                   "and least used pages of a quarter (from the audit log); --pdf writes the quarterly "
                                   "report.")
    p.add_argument("--quarter", help="a fiscal quarter such as 2025-Q4 (default: the current one)")
    p.add_argument("--pdf", metavar="OUT.pdf", help="write the quarterly report here (audited as an export)")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="language of the PDF")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from analytics.reviews import usage_report

    settings = load_settings(args.db)
    if not settings.db_path.exists():
        raise DatabaseError(f"There is no database at {settings.db_path}.")
    today = dt.date.today()
    quarter = usage_report.quarter_period(args.quarter, today, settings.fiscal_year_start)
    db = Database(settings.db_path, read_only=not args.pdf)
    try:
        viewer = cli_viewer(db, args, settings.suppression_threshold)
        report = usage_report.build(db, viewer, quarter, settings.min_base, today)
        if args.pdf:
            from analytics.reviews.export import record_export
            from analytics.reviews.usage_pdf import usage_pdf

            Path(args.pdf).write_bytes(usage_pdf(report, args.lang, today))
            record_export(db, args.user or "cli", f"usage report {quarter.label}.pdf", viewer.scope_key, None)
            print(f"Wrote the usage report of {quarter.label} ({args.lang}) to {args.pdf}.")
            return 0
    finally:
        db.close()
    with pl.Config(tbl_rows=100, tbl_cols=12, fmt_str_lengths=40):
        for title, frame in (("per month", report.totals), ("by role", report.by_role),
                             ("pages, most used first", report.ranking), ("by user", report.by_user)):
            if frame is not None:
                print(f"\n## {title} ({quarter.label})")
                print(frame)
    print(f"\nNever opened: {', '.join(report.never_opened) or 'none'}. Feedback notes: {report.notes}.")
    return 0
