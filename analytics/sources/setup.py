"""Build the demo company into a database file, atomically.

The new database is written next to the target (``<path>.building``) and moved into place only
when complete and verified, so a failure or an interruption never leaves a half-built file, and
an existing file is never touched unless it is a Tandem database that may be replaced.
"""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

from analytics.core import panels
from analytics.core.db import Database, DatabaseError, _check_target
from analytics.core.periods import month_end
from analytics.sources import demo

Progress = Callable[[float, str], None]


def build_demo_database(path: str | Path, size: str = "small", seed: int = 7, end: dt.date | None = None,
                        progress: Progress | None = None) -> dict[str, int]:
    """Generate the demo company and write it to ``path`` (replacing a Tandem database there).

    Returns row counts per table. ``end`` is the first day of the last month of history.
    """
    target = Path(path)
    _check_target(target)  # not a folder, not a foreign file, parent writable
    if target.exists():
        Database(target, read_only=True).close()  # refuses a newer schema before anything is written
    end = end or demo.default_end_month()
    say = progress or (lambda _f, _m: None)
    frames = demo.build_demo(size=size, seed=seed, end=end, progress=lambda f, m: say(0.85 * f, m))
    building = target.with_name(target.name + ".building")
    for stale in (building, Path(str(building) + ".wal")):
        stale.unlink(missing_ok=True)
    try:
        say(0.87, "Writing the database")
        db = Database(building)
        # meta and the audit log are written by the load itself
        frames = {name: f for name, f in frames.items() if name not in {"meta", "audit_log"}}
        counts = db.replace_tables(frames, actor="demo", action="demo",
                                   detail={"size": size, "seed": seed, "end": end.isoformat()})
        with db.transaction() as cur:
            for key, value in {"as_of": month_end(end).isoformat(), "demo": "true", "demo_size": size,
                               "demo_seed": str(seed)}.items():
                cur.execute("insert or replace into meta values ($k, $v)", {"k": key, "v": value})
        from analytics.core.auth import create_demo_accounts

        create_demo_accounts(db)  # one account per role, marked demo; password shown only in demo mode
        say(0.93, "Building the monthly panels")
        panels.build(db)
        say(0.95, "Checking data contracts")
        broken = {name: rows.height for name, rows in db.run_checks().items() if rows.height}
        db.close()
        if broken:
            raise DatabaseError(f"The generated demo company breaks data contracts: {broken}.")
        os.replace(building, target)
        Path(str(target) + ".wal").unlink(missing_ok=True)
    except BaseException:
        building.unlink(missing_ok=True)
        Path(str(building) + ".wal").unlink(missing_ok=True)
        raise
    say(1.0, "Done")
    return counts
