"""``python -m analytics panels build``: store the heavy named queries' monthly panels for the current data.
::
    python -m analytics panels build                 # the database of TANDEM_DB / --db
    python -m analytics panels status

The commands that change data (demo, import, restore) build the panels themselves, and the app rebuilds them in
the background when it finds them out of date; this command is for a database changed by other means, or to
see how long the build takes. Exit status: 0 done; 2 no database, or it is open in another process.
"""
from __future__ import annotations

import argparse
import time

from analytics.core import panels
from analytics.core.db import Database, DatabaseError
from analytics.core.settings import load_settings


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    tables = ", ".join(t.name for t in panels.TABLES)
    p = sub.add_parser("panels", parents=[common], help="build or show the stored monthly panels (README, Speed)",
                       description=f"Run the heavy queries ({tables}) once over the whole history and keep their rows "
                                   "in the database for the current data version, so pages and metrics read them "
                                   "instead of scanning the facts.")
    p.add_argument("action", choices=["build", "status"])
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    path = load_settings(args.db).db_path
    if not path.exists():
        raise DatabaseError(f"There is no database at {path}. Build one with `python -m analytics demo --db {path}`.")
    db = Database(path, read_only=args.action == "status")
    try:
        if args.action == "status":
            info = panels.built(db)
            print(f"{path}: panels " + (f"current, months {info.first_month:%Y-%m} to {info.last_month:%Y-%m}, "
                                        f"as of {info.as_of}" if info else "out of date or not built"))
            return 0
        started = time.perf_counter()
        seconds = panels.build(db)
        if not seconds:
            print(f"{path}: the panels are current (or there is no data to build them from).")
            return 0
        for name, s in seconds.items():
            print(f"  {name:<18} {s:6.2f} s")
        print(f"{path}: panels built in {time.perf_counter() - started:.1f} s.")
        return 0
    finally:
        db.close()
