"""What every command shares: acting as a Tandem user (``--user``) with that user's scope and fields."""
from __future__ import annotations

import argparse

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
