"""Demo mode: a database built as the demo company publishes its demo accounts (and their password) on the
sign-in page and may sign visitors in (``TANDEM_DEMO_AUTOLOGIN``). It ends, for good, with the first import of
real data into that database: the demo accounts are disabled and signed out, the password is never shown
again, autologin is refused; ``python -m analytics info`` says which mode a database is in.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from analytics.core.db import Database


def is_demo(db: Database) -> bool:
    """True while the database is the demo company with no real data imported into it."""
    return db.meta("demo") == "true"


def end_demo_mode(db: Database, cur: Any, actor: str, reason: str = "import") -> bool:
    """Inside the caller's transaction (the import's): leave demo mode if the database is in it. Disables the
    demo accounts and revokes their sessions; audited. Returns True when demo mode ended here."""
    row = cur.execute("select value from meta where key = 'demo'").fetchall()
    if not row or row[0][0] != "true":
        return False
    cur.execute("insert or replace into meta values ('demo', 'false')")
    n = len(cur.execute("update users set disabled = true where is_demo and not disabled returning username"
                        ).fetchall())
    cur.execute("update user_sessions set revoked_at = $t where revoked_at is null and username in "
                "(select username from users where is_demo)", {"t": dt.datetime.now()})
    db.audit(cur, actor, "demo_mode_end", target="demo accounts", n_rows=n, detail={"reason": reason})
    return True
