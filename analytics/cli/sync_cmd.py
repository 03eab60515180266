"""``python -m analytics sync``: load HR and CRM tables from PostgreSQL, all or nothing, once or on a schedule.

::

    python -m analytics sync --from postgresql://tandem@db.example:5432/people
    python -m analytics sync --from postgresql://tandem@db.example/crm --table deals=opportunities --dry-run
    python -m analytics sync --from postgresql://tandem@db.example/people --every 15

Every table (and view) of the schema that is recognised — a flat HR roster, a CRM export's teams, accounts,
products and deals, or a table named like a Tandem table — or the ``--table`` ones, read as the file import reads
a file, mapped, validated and loaded in one transaction (docs/sync.md). Tables with a change column are read
from the last mark on. Exit status as ``import``: 0 loaded (or nothing changed, or a clean dry run), 1 the
report has errors (nothing written), 2 a wrong command or a source that cannot be reached or read (one sentence
on stderr naming host and database, never the password), 3 an unexpected failure (one line naming a log).
With ``--every`` a failed round prints one line and the next round tries again; the status is the last round's.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from analytics.cli.common import write_failure_log
from analytics.cli.import_cmd import (
    check_may_import,
    login,
    mapping_arg,
    print_read,
    progress,
    show_result,
    target_database,
)
from analytics.core.db import Database
from analytics.core.settings import load_settings
from analytics.sources.ingest.postgres import PgSource
from analytics.sources.live_sync import ROUND_ERRORS, SyncRequest, connect, parse_tables


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("sync", parents=[common], help="load HR and CRM tables from PostgreSQL (all or nothing, "
                                                      "incremental, once or every N minutes)",
                       description="Read HR and CRM tables from a PostgreSQL database and load them like imported "
                                   "files: recognised the same way, mapped by the same column and value maps, "
                                   "validated, loaded in one transaction or not at all. Tables with a change column "
                                   "(updated_at, last_modified, …) are read from the last sync's mark on.",
                       epilog="Exit status: 0 loaded, nothing changed or a clean dry run; 1 the report has errors, "
                              "nothing written; 2 a wrong command or a source that cannot be reached (one sentence "
                              "on stderr); 3 an unexpected failure (one line naming a log file). The password comes "
                              "from the URL, PGPASSWORD or ~/.pgpass and is never printed. See docs/sync.md.")
    p.add_argument("--from", dest="source", required=True, metavar="postgresql://USER@HOST:PORT/DB",
                   help="the PostgreSQL database to read")
    p.add_argument("--table", action="append", default=[], metavar="PGTABLE[=TABLE]",
                   help="a source table or view, into the Tandem TABLE when given; repeat for several "
                        "(default: every recognised table of the schema)")
    p.add_argument("--schema", default="public", help="the source schema (default public)")
    p.add_argument("--mapping", help="mapping profile for tables loaded into one table: a name under data/mappings "
                                     "or a .json path")
    p.add_argument("--change-column", metavar="COL", help="the column that tells when a row changed (default: "
                   "updated_at, last_modified, modified_at … when a table has one)")
    p.add_argument("--since", metavar="VALUE", help="read the rows changed after VALUE (a time, a date or a number "
                                                    "of the change column) instead of the last mark; first round only")
    p.add_argument("--full", action="store_true", help="read every table whole, whatever the marks say")
    p.add_argument("--dry-run", action="store_true", help="check and count, write nothing (marks included)")
    p.add_argument("--every", type=_minutes, metavar="MINUTES", help="run again every MINUTES until interrupted; "
                                                                     "each round all or nothing")
    p.add_argument("--rounds", type=int, metavar="N", help="with --every: stop after N rounds")
    p.add_argument("--report", metavar="OUT.csv", help="write every issue to this CSV (UTF-8 with BOM)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=_run)


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of minutes above 0, e.g. 15 or 0.5.")
    return value


def _request(args: argparse.Namespace) -> SyncRequest:
    if args.since is not None and args.full:
        raise ValueError("--since and --full contradict each other: --full reads every table whole.")
    if args.rounds is not None and (args.every is None or args.rounds < 1):
        raise ValueError("--rounds N (N ≥ 1) goes with --every MINUTES.")
    return SyncRequest(tables=parse_tables(args.table), schema=args.schema, mapping=mapping_arg(args.mapping),
                       since=args.since, full=args.full, dry_run=args.dry_run,
                       fy_start=load_settings(args.db).fiscal_year_start)


def _run(args: argparse.Namespace) -> int:
    source = PgSource.parse(args.source)
    request = _request(args)
    if args.every is None:
        return sync_once(args, source, request)
    return run_every(args, source, request)


def sync_once(args: argparse.Namespace, source: PgSource, request: SyncRequest) -> int:
    """One round: connect, choose the tables, read what changed, load it (or not at all); the exit status."""
    say = progress(args.quiet)
    settings = load_settings(args.db)
    say(f"connecting to {source.label}")
    with connect(source, request, args.change_column) as link:
        for line in link.notes:
            print(line)
        with target_database(Path(settings.db_path), request.dry_run) as target:
            db = Database(target.path)
            try:
                check_may_import(db, args.user)
                actor = args.user or os.environ.get("TANDEM_USER") or login()
                done = link.round(db, actor, say)
                for got in done.reads:
                    print_read(got.read)
                if done.unchanged:
                    print(f"Unchanged since the last sync: {', '.join(done.unchanged)}.")
                if done.result is None:
                    print(f"Nothing changed in {source.label} since the last sync; nothing was written.")
                    return 0
                code, target.written = show_result(args, settings, db, done.result, done.notes, target.target, say)
                if target.written:
                    for got in done.reads:
                        if got.mark is not None:
                            print(f"{got.table.key}: loaded up to {got.table.change_column} = {got.mark}; the next "
                                  "sync reads the rows changed after it.")
                return code
            finally:
                db.close()


def run_every(args: argparse.Namespace, source: PgSource, request: SyncRequest,
              sleep: Callable[[float], None] = time.sleep) -> int:
    """Rounds every ``--every`` minutes (``--rounds`` of them, or until interrupted); a failed round prints one
    line and the next one tries again. ``--since`` holds for the first round only. The last round's status."""
    code, n = 0, 0
    while True:
        n += 1
        started = time.monotonic()
        print(f"— round {n}, {dt.datetime.now():%Y-%m-%d %H:%M:%S} —", flush=True)
        try:
            code = sync_once(args, source, request if n == 1 else replace(request, since=None))
        except KeyboardInterrupt:
            print(f"interrupted: round {n} wrote nothing; earlier rounds stay loaded.", file=sys.stderr)
            return 130
        except ROUND_ERRORS as exc:
            code = 2
            print(f"round {n} failed: {source.redact(str(exc)).rstrip('.')}; the next round tries again in "
                  f"{args.every:g} minute(s).", file=sys.stderr, flush=True)
        except Exception as exc:   # a scheduled sync outlives a surprise: logged, and the next round tries again
            code = 3
            log = write_failure_log(exc)
            print(f"round {n} failed unexpectedly ({type(exc).__name__}); the details are in {log}. The next round "
                  f"tries again in {args.every:g} minute(s).", file=sys.stderr, flush=True)
        if args.rounds is not None and n >= args.rounds:
            return code
        try:
            sleep(max(0.0, args.every * 60 - (time.monotonic() - started)))
        except KeyboardInterrupt:
            print(f"stopped after {n} round(s).", file=sys.stderr)
            return code
