"""What the app records about its own use: a page view per visit, and the notes of the feedback button.

A page view is one ``page_view`` row in the audit log: the user (actor), the page's address (target), and in
``detail`` the roles the user held and the browser session's key. A *session* is one signed-in browser session
(a sign-in, or a reload or shared link that the session cookie signed in again): the frame draws a fresh key for
it on its first page view, so the report counts each once, in the month of its first view.

Feedback notes live in the ``feedback`` table (bookkeeping, like the audit log: no data version is bumped). The
audit records that a note was left or handled, never its text. Both writes are one small transaction each and
never raise into a page (a failure is logged and the page goes on).
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable

import polars as pl

from analytics.core.db import Database

_log = logging.getLogger("tandem.usage")
NOTE_MAX = 1000          # characters a feedback note keeps at most
STATUSES = ("open", "handled")


def _now() -> dt.datetime:
    return dt.datetime.now()


def record_view(db: Database, user: str, roles: Iterable[str], page: str, session: str,
                at: dt.datetime | None = None) -> bool:
    """One ``page_view`` entry (one insert, no data version); False, logged, when it could not be written."""
    try:
        with db.transaction(bump=False) as cur:
            db.audit(cur, user, "page_view", target=page,
                     detail={"roles": sorted(roles), "session": session}, at=at)
        return True
    except Exception:  # bookkeeping never breaks a page
        _log.warning("a page view could not be recorded", exc_info=True)
        return False


def add_feedback(db: Database, user: str, roles: Iterable[str], page: str, note: str, *, period: str | None,
                 grain: str | None, scope: str | None, lang: str, at: dt.datetime | None = None) -> int | None:
    """Store a note (cut to ``NOTE_MAX`` characters) with the page and period it was written on; audit the fact
    (``feedback_add``, without the text). The new note's id, or None for an empty note."""
    text = (note or "").strip()[:NOTE_MAX]
    if not text:
        return None
    when = at or _now()
    with db.transaction(bump=False) as cur:
        new_id = cur.execute("select coalesce(max(feedback_id), 0) + 1 from feedback").fetchall()[0][0]
        cur.execute("insert into feedback (feedback_id, created_at, username, roles, page, period, grain, scope, "
                    "lang, note, status) values ($id, $at, $u, $r, $p, $period, $grain, $scope, $lang, $note, 'open')",
                    {"id": new_id, "at": when, "u": user, "r": ",".join(sorted(roles)), "p": page, "period": period,
                     "grain": grain, "scope": scope, "lang": lang, "note": text})
        db.audit(cur, user, "feedback_add", target=page, detail={"feedback_id": new_id, "chars": len(text)}, at=when)
    return int(new_id)


def set_handled(db: Database, actor: str, feedback_id: int, handled: bool = True) -> bool:
    """Mark a note handled (or open again); audited (``feedback_handled`` / ``feedback_reopened``). False when
    there is no such note or it is already so."""
    with db.transaction(bump=False) as cur:
        rows = cur.execute("select status from feedback where feedback_id = $id", {"id": feedback_id}).fetchall()
        status = "handled" if handled else "open"
        if not rows or rows[0][0] == status:
            return False
        cur.execute("update feedback set status = $s, handled_by = $by, handled_at = $at where feedback_id = $id",
                    {"s": status, "by": actor if handled else None, "at": _now() if handled else None,
                     "id": feedback_id})
        db.audit(cur, actor, "feedback_handled" if handled else "feedback_reopened", target=str(feedback_id))
    return True


def feedback_notes(db: Database, start: dt.datetime | None = None, end: dt.datetime | None = None) -> pl.DataFrame:
    """The notes written in [start, end) (all when None), newest first."""
    return db.sql("select feedback_id, created_at, username, roles, page, period, grain, scope, lang, note, status, "
                  "handled_by, handled_at from feedback where ($start is null or created_at >= $start) "
                  "and ($end is null or created_at < $end) order by created_at desc, feedback_id desc",
                  start=start, end=end)


def usage_entries(db: Database, start: dt.datetime, end: dt.datetime) -> pl.DataFrame:
    """The audit entries the usage report reads, in [start, end): page views, exports and sign-ins, with the
    page views' roles and session keys taken out of ``detail``."""
    frame = db.sql("select event_id, occurred_at, actor, action, target, detail from audit_log "
                   "where action in ('page_view', 'export', 'login') and occurred_at >= $start and occurred_at < $end "
                   "order by occurred_at, event_id", start=start, end=end)
    details = [json.loads(d) if d else {} for d in frame["detail"].to_list()]
    return frame.drop("detail").with_columns(
        roles=pl.Series([",".join(d.get("roles", [])) if isinstance(d, dict) else "" for d in details],
                        dtype=pl.Utf8),
        session=pl.Series([d.get("session") if isinstance(d, dict) else None for d in details], dtype=pl.Utf8))
