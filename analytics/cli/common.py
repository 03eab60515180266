"""What every command shares: acting as a Tandem user (``--user``) with that user's scope and fields, and the
log of an unexpected failure (exit status 3)."""
from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import traceback
from pathlib import Path

from analytics.core.access import Viewer, full_access
from analytics.core.db import Database
from analytics.metrics.engine import GroupingError


def cli_viewer(db: Database, args: argparse.Namespace, suppression: int) -> Viewer:
    """The Viewer for a command: the named ``--user`` (same scope as in the app), else the operator."""
    from analytics.core import auth
    if not getattr(args, "user", None):
        return full_access("cli", suppression)
    if not db.scalar("select count(*) from users where username = $u", u=args.user):
        raise GroupingError(f"There is no user {args.user!r}; list them with `python -m analytics users list`.")
    return auth.viewer_for(db, args.user, suppression)


def write_failure_log(exc: BaseException) -> Path:
    """The traceback of an unexpected failure, in a log file named in the one-line message (exit status 3)."""
    folder = Path(tempfile.gettempdir()) / "tandem-logs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"cli-{dt.datetime.now():%Y%m%d-%H%M%S}-{id(exc):x}.log"
    path.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
    return path
