"""Signed-in browser sessions kept on the server (table ``user_sessions``).

A sign-in creates a random token; the browser keeps it in an HttpOnly cookie and the database keeps only
its sha256, so neither a copy of the database nor a Streamlit session id is enough to sign in. A token is
valid while its row is not revoked, the user is not disabled, and it was seen within the idle time.
Sign-out revokes one token, a password change every token of the user, and a new sign-in in the same
browser revokes the token it replaces (rotation). Every write here is bookkeeping: no fact changes, so
``data_version`` stays as it was.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import duckdb

from analytics.core.db import Database

TOUCH_SECONDS = 60  # last_seen is written at most once a minute per session (idle expiry counts in minutes)


def token_hash(token: str) -> str:
    """The sha256 (hex) under which a token is stored; the token itself is never stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now()


def create_session(db: Database, username: str, replaces: str | None = None) -> str:
    """Start a session for a user who has just proved who they are; return the new token (for the cookie).

    ``replaces`` is the token the browser held before, if any: it is revoked (a sign-in always rotates)."""
    with db.transaction(bump=False) as cur:  # bookkeeping: no fact changes
        if replaces:
            cur.execute("update user_sessions set revoked_at = $t where token_hash = $h and revoked_at is null",
                        {"t": _now(), "h": token_hash(replaces)})
        return start(cur, username)


def start(cur, username: str) -> str:
    """Insert a new session inside the caller's transaction (a password change rotates in the same one);
    return its token."""
    token = secrets.token_urlsafe(32)
    now = _now()
    cur.execute("insert into user_sessions values ($h, $u, $t, $t, null)",
                {"h": token_hash(token), "u": username, "t": now})
    return token


def validate(db: Database, token_or_hash: str | None, idle_minutes: int, *, hashed: bool = False) -> str | None:
    """The username of a valid session (not revoked, not idle too long, user enabled), or None.

    A valid session's ``last_seen`` moves to now (at most once a minute), which keeps it alive."""
    if not token_or_hash:
        return None
    key = token_or_hash if hashed else token_hash(token_or_hash)
    row = db.sql("select s.username, s.last_seen from user_sessions s join users u using (username) "
                 "where s.token_hash = $h and s.revoked_at is null and not u.disabled", h=key)
    if row.is_empty():
        return None
    now = _now()
    last_seen = row["last_seen"][0]
    if now - last_seen > dt.timedelta(minutes=idle_minutes):
        revoke(db, key, hashed=True)  # expired: never valid again, even if the idle time is raised later
        return None
    if (now - last_seen).total_seconds() >= TOUCH_SECONDS:
        try:
            with db.transaction(bump=False) as cur:  # bookkeeping: no fact changes
                cur.execute("update user_sessions set last_seen = $t where token_hash = $h", {"t": now, "h": key})
        except duckdb.TransactionException:  # another tab of the same session touched it at the same moment
            pass
    return row["username"][0]


def revoke(db: Database, token_or_hash: str | None, *, hashed: bool = False) -> None:
    """End one session (sign-out). Unknown or already revoked tokens are ignored."""
    if not token_or_hash:
        return
    key = token_or_hash if hashed else token_hash(token_or_hash)
    with db.transaction(bump=False) as cur:  # bookkeeping: no fact changes
        cur.execute("update user_sessions set revoked_at = $t where token_hash = $h and revoked_at is null",
                    {"t": _now(), "h": key})


def revoke_user(cur, username: str) -> None:
    """End every session of a user, inside the caller's transaction (a password change)."""
    cur.execute("update user_sessions set revoked_at = $t where username = $u and revoked_at is null",
                {"t": _now(), "u": username})
