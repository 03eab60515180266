"""Server-side sessions: a token is valid until sign-out, a password change, rotation or idle expiry; the
database keeps only its hash; none of it moves data_version."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from analytics.core import auth, sessions
from analytics.core.db import Database


@pytest.fixture
def db(demo_db_path: Path, tmp_path: Path):
    path = tmp_path / "sessions.duckdb"
    shutil.copy(demo_db_path, path)
    database = Database(path)
    yield database
    database.close()


def test_token_is_valid_and_only_its_hash_is_stored(db: Database):
    before = db.data_version
    token = sessions.create_session(db, "demo.hr")
    assert sessions.validate(db, token, 480) == "demo.hr"
    stored = db.sql("select token_hash from user_sessions")["token_hash"].to_list()
    assert stored == [sessions.token_hash(token)] and token not in stored
    assert sessions.validate(db, "not-a-token", 480) is None
    assert sessions.validate(db, None, 480) is None
    assert db.data_version == before


def test_sign_out_rotation_and_password_change_revoke(db: Database):
    first = sessions.create_session(db, "demo.hr")
    second = sessions.create_session(db, "demo.hr", replaces=first)  # a new sign-in rotates the token
    assert sessions.validate(db, first, 480) is None
    assert sessions.validate(db, second, 480) == "demo.hr"
    sessions.revoke(db, second)
    assert sessions.validate(db, second, 480) is None
    a, b = sessions.create_session(db, "demo.analyst"), sessions.create_session(db, "demo.analyst")
    other = sessions.create_session(db, "demo.hr")
    auth.set_password(db, "demo.analyst", "another long password 42", actor="demo.admin")
    assert sessions.validate(db, a, 480) is None and sessions.validate(db, b, 480) is None
    assert sessions.validate(db, other, 480) == "demo.hr"


def test_idle_expiry_and_disabled_user(db: Database):
    token = sessions.create_session(db, "demo.hr")
    with db.transaction(bump=False) as cur:
        cur.execute("update user_sessions set last_seen = $t", {"t": dt.datetime.now() - dt.timedelta(minutes=30)})
    assert sessions.validate(db, token, 20) is None
    assert sessions.validate(db, token, 480) is None  # once expired, it stays refused
    fresh = sessions.create_session(db, "demo.manager.east-01")
    auth.set_disabled(db, "demo.manager.east-01", True, actor="demo.admin")
    assert sessions.validate(db, fresh, 480) is None


def test_validate_keeps_the_session_alive(db: Database):
    token = sessions.create_session(db, "demo.hr")
    old = dt.datetime.now() - dt.timedelta(minutes=10)
    with db.transaction(bump=False) as cur:
        cur.execute("update user_sessions set last_seen = $t", {"t": old})
    assert sessions.validate(db, token, 480) == "demo.hr"
    assert db.scalar("select last_seen from user_sessions") > old
