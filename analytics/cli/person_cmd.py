"""``python -m analytics person``: a person's growth archive (成长档案) on the command line, and its one-page PDF.
::
    python -m analytics person --list [--user U]           # the people the user may open
    python -m analytics person 1042 [--section results]    # an employee id, or a name (exact)
    python -m analytics person "王芳" --pdf archive.pdf --lang zh

Same rules as the person page: person-level users only (``--user``; default the operator, who sees everyone),
the person in their scope. Exit status: 0 done; 2 refused (no such person, not in scope, aggregate-only user).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polars as pl

from analytics.cli.common import cli_viewer
from analytics.core.db import Database, DatabaseError
from analytics.core.settings import load_settings
from analytics.metrics.engine import GroupingError, as_of_date

SECTIONS = ("assignments", "results", "ramp", "skills", "training", "reviews", "risk", "workload", "plan")


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("person", parents=[common], help="a person's growth archive: sections or the one-page PDF",
                       description="Print one person's growth archive (the person page), or write it as a one-page "
                                   "PDF; --list prints the people you may open.")
    p.add_argument("who", nargs="?", help="employee id, or the person's name exactly as stored")
    p.add_argument("--list", action="store_true", help="list the people you may open")
    p.add_argument("--section", choices=[*SECTIONS, "all"], default="all")
    p.add_argument("--pdf", metavar="OUT.pdf", help="write the one-page PDF here")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="language of the PDF")
    p.add_argument("--format", choices=["csv", "json", "table"], default="table")
    p.set_defaults(func=_run)


def _emit(title: str, frame: pl.DataFrame, fmt: str) -> None:
    """One section: a heading and a table, or the rows as CSV or JSON (list columns as "a; b")."""
    import json

    from analytics.core.spreadsheet import csv_text

    lists = [c for c, t in frame.schema.items() if isinstance(t, pl.List)]
    frame = frame.with_columns([pl.col(c).list.eval(pl.element().cast(pl.Utf8).fill_null("")).list.join("; ")
                                for c in lists])
    if fmt == "csv":
        sys.stdout.write(csv_text(frame))
    elif fmt == "json":
        print(json.dumps(frame.to_dicts(), ensure_ascii=False, default=str, indent=1))
    else:
        print(f"\n## {title}")
        with pl.Config(tbl_rows=200, tbl_cols=20, fmt_str_lengths=40):
            print(frame)


def _resolve(db: Database, directory: pl.DataFrame, who: str) -> int:
    if who.isdigit() and int(who) in set(directory["employee_id"].to_list()):
        return int(who)
    named = directory.filter(pl.col("name") == who)
    if named.height == 1:
        return int(named["employee_id"][0])
    if named.height > 1:
        ids = ", ".join(str(i) for i in named["employee_id"].to_list())
        raise GroupingError(f"{named.height} people in your scope are called {who!r} (employee ids {ids}); "
                            "give the id.")
    raise GroupingError(f"Nobody called or numbered {who!r} is in your scope; `person --list` shows who is.")


def _run(args: argparse.Namespace) -> int:
    from analytics.people import archive_report, development, risk_report, risk_store

    settings = load_settings(args.db)
    if not settings.db_path.exists():
        raise DatabaseError(f"There is no database at {settings.db_path}.")
    db = Database(settings.db_path, read_only=True)
    try:
        viewer = cli_viewer(db, args, settings.suppression_threshold)
        if not viewer.person_level:
            raise GroupingError(f"`person` shows one person and user {viewer.user!r} may see aggregates only.")
        as_of = as_of_date(db)
        directory = archive_report.directory(db, viewer, as_of)
        if args.list or not args.who:
            _emit("people", directory.select("employee_id", "name", "team_id", "region_id", "role_id", "job_level",
                                             "termination_date"), args.format)
            return 0
        employee_id = _resolve(db, directory, args.who)
        fitted = risk_report.fitted_model(db, as_of)
        arch = archive_report.archive(db, viewer, employee_id, as_of, settings.fiscal_year_start,
                                      risk_store.ref_of(fitted) if fitted is not None else None)
        if arch is None:  # the directory said yes: only a race with a data change gets here
            raise GroupingError(f"Person {employee_id} is not in your scope.")
        items, aim = development.items(db, employee_id), development.career_aim(db, employee_id)
        if args.pdf:
            from analytics.reviews.person_pdf import archive_pdf

            Path(args.pdf).write_bytes(archive_pdf(db, arch, args.lang, items=items, aim=aim))
            print(f"Wrote the growth archive of {arch.card['name']} ({args.lang}) to {args.pdf}.")
            return 0
        frames = {"assignments": arch.assignments, "results": arch.attainment, "ramp": arch.ramp,
                  "skills": arch.skills, "training": arch.training, "reviews": arch.reviews, "risk": arch.risk,
                  "workload": arch.attendance.join(arch.engagement.with_columns(
                      month=pl.col("survey_date").dt.truncate("1mo")), on="month", how="left"),
                  "plan": items}
        if args.format == "table":
            card = arch.card
            print(f"{card['name']} · employee {employee_id} · {card['role_id']} level {card['job_level']} · "
                  f"{card['team_id'] or card['org_unit_id']} · hired {card['hire_date']}"
                  + (f" · left {card['termination_date']}" if card["termination_date"] else "")
                  + (f" · career aim: {aim['target_role_id'] or ''} {aim['aim'] or ''}".rstrip() if aim else ""))
        chosen = SECTIONS if args.section == "all" else (args.section,)
        if args.format != "table" and len(chosen) > 1:
            print("error: --format csv or json prints one --section at a time.", file=sys.stderr)
            return 2
        for name in chosen:
            _emit(name, frames[name], args.format)
        return 0
    finally:
        db.close()
