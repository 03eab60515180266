"""Sign-in, roles and scopes: who may see what (issue "Who may see what").

Local accounts keep argon2id hashes (argon2-cffi); a wrong password and an unknown user get the same
message, and repeated failures for a user are slowed down. Roles and scopes are rows of
``user_roles``, editable by an admin; a person may hold several, and their Viewer is the union.

| role | scope | fields |
|---|---|---|
| admin | everything, aggregates only | admin (users, settings, audit) |
| hr_head | everything | person-level, pay, personal details |
| sales_director | their regions | person-level; pay of their own reports only |
| manager | their team | person-level |
| analyst | granted units (default everything) | aggregates only (small groups masked) |
"""
from __future__ import annotations

import datetime as dt
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from analytics.core import sessions
from analytics.core.access import Viewer
from analytics.core.db import Database

ROLES = ("admin", "hr_head", "sales_director", "manager", "analyst")
ROLE_FIELDS: dict[str, frozenset[str]] = {
    "admin": frozenset({"admin"}),
    "hr_head": frozenset({"person", "pay", "personal_details"}),
    "sales_director": frozenset({"person", "pay_reports"}),
    "manager": frozenset({"person"}),
    "analyst": frozenset(),
}
WHOLE_COMPANY = "company"
LOCK_AFTER = 5            # failures before attempts are slowed down
MAX_LOCK_SECONDS = 300
DEMO_PASSWORD = "tandem-demo"  # shown on the login page only while the database is the demo company
_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("not-a-real-password")
BAD_LOGIN = "Unknown user or wrong password."


class AuthError(ValueError):
    """A refused sign-in or an invalid user/role change; the message is safe to show."""


@dataclass(frozen=True)
class Grant:
    role: str
    org_unit_id: str


def hash_password(password: str) -> str:
    if not password or len(password) < 8:
        raise AuthError("A password needs at least 8 characters.")
    return _HASHER.hash(password)


def _now() -> dt.datetime:
    return dt.datetime.now()


def _units(db: Database) -> set[str]:
    return set(db.sql("select org_unit_id from org_units")["org_unit_id"].to_list()) | {WHOLE_COMPANY}


def _check_grants(db: Database, grants: list[Grant]) -> None:
    known = _units(db)
    for g in grants:
        if g.role not in ROLES:
            raise AuthError(f"Role {g.role!r} does not exist; roles are {', '.join(ROLES)}.")
        if g.org_unit_id not in known:
            raise AuthError(f"Org unit {g.org_unit_id!r} does not exist; grant a region or team id, or "
                            f"'{WHOLE_COMPANY}' for everything.")


def add_user(db: Database, username: str, password: str | None, grants: list[Grant], actor: str, *,
             display_name: str | None = None, email: str | None = None, employee_id: int | None = None,
             is_demo: bool = False) -> None:
    """Create a user with roles (all in one transaction, audited; the password is stored hashed only)."""
    if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise AuthError("A username is letters, digits, '.', '_' or '-'.")
    if db.scalar("select count(*) from users where username = $u", u=username):
        raise AuthError(f"User {username!r} already exists.")
    _check_grants(db, grants)
    hashed = hash_password(password) if password is not None else None
    with db.transaction(bump=False) as cur:  # accounts and audit: no fact changes
        cur.execute("insert into users (username, display_name, password_hash, email, employee_id, is_demo, "
                    "created_at) values ($u, $d, $h, $e, $emp, $demo, $now)",
                    {"u": username, "d": display_name or username, "h": hashed, "e": email, "emp": employee_id,
                     "demo": is_demo, "now": _now()})
        _write_grants(cur, username, grants)
        db.audit(cur, actor, "user_add", target=username, detail={"roles": _describe(grants)})


def _write_grants(cur, username: str, grants: list[Grant]) -> None:
    """Replace the user's grant rows inside the caller's transaction."""
    cur.execute("delete from user_roles where username = $u", {"u": username})
    for g in grants:
        cur.execute("insert into user_roles values ($u, $r, $o)", {"u": username, "r": g.role, "o": g.org_unit_id})


def _describe(grants: list[Grant]) -> list[str]:
    return [f"{g.role}@{g.org_unit_id}" for g in grants]


def set_grants(db: Database, username: str, grants: list[Grant], actor: str) -> None:
    """Replace a user's roles and scopes (audited)."""
    _require_user(db, username)
    _check_grants(db, grants)
    with db.transaction(bump=False) as cur:  # accounts and audit: no fact changes
        _write_grants(cur, username, grants)
        db.audit(cur, actor, "user_roles", target=username, detail={"roles": _describe(grants)})


def set_disabled(db: Database, username: str, disabled: bool, actor: str) -> None:
    _require_user(db, username)
    with db.transaction(bump=False) as cur:  # accounts and audit: no fact changes
        cur.execute("update users set disabled = $d where username = $u", {"d": disabled, "u": username})
        db.audit(cur, actor, "user_disable" if disabled else "user_enable", target=username)


def set_password(db: Database, username: str, password: str, actor: str) -> None:
    _require_user(db, username)
    hashed = hash_password(password)
    with db.transaction(bump=False) as cur:  # accounts and audit: no fact changes
        cur.execute("update users set password_hash = $h, failed_attempts = 0 where username = $u",
                    {"h": hashed, "u": username})
        sessions.revoke_user(cur, username)  # every browser signed in with the old password signs in again
        db.audit(cur, actor, "user_password", target=username)


def _require_user(db: Database, username: str) -> None:
    if not db.scalar("select count(*) from users where username = $u", u=username):
        raise AuthError(f"There is no user {username!r}.")


def grants_of(db: Database, username: str) -> list[Grant]:
    rows = db.sql("select role, org_unit_id from user_roles where username = $u order by all", u=username)
    return [Grant(r, o) for r, o in rows.iter_rows()]


def viewer_for(db: Database, username: str, suppression_threshold: int = 5) -> Viewer:
    """The Viewer of a user: the union of their grants. No role, or disabled: a viewer that sees nothing."""
    row = db.sql("select disabled, employee_id from users where username = $u", u=username)
    if row.is_empty() or row["disabled"][0]:
        return Viewer(username, org_units=frozenset(), fields=frozenset(), suppression_threshold=suppression_threshold)
    grants = grants_of(db, username)
    units: set[str] | None = set()
    fields: set[str] = set()
    for g in grants:
        fields |= ROLE_FIELDS[g.role]
        if g.org_unit_id == WHOLE_COMPANY:
            units = None
        elif units is not None:
            units.add(g.org_unit_id)
    # analyst and admin on the whole company unless granted narrower units
    return Viewer(username, org_units=None if units is None else frozenset(units), fields=frozenset(fields),
                  suppression_threshold=suppression_threshold, roles=frozenset(g.role for g in grants),
                  employee_id=row["employee_id"][0])


def authenticate(db: Database, username: str, password: str, suppression_threshold: int = 5) -> Viewer:
    """Check a password; return the user's Viewer. Every refusal says the same thing, except a lock-out
    after repeated failures, which says how long to wait. Sign-ins and failures are audited."""
    row = db.sql("select password_hash, disabled, failed_attempts, last_failed_at from users where username = $u",
                 u=username or "")
    if row.is_empty() or row["password_hash"][0] is None:
        _verify(_DUMMY_HASH, password)  # same work for unknown users: no timing hint
        _record(db, username, "login_failed")
        raise AuthError(BAD_LOGIN)
    failures, last = int(row["failed_attempts"][0]), row["last_failed_at"][0]
    if failures >= LOCK_AFTER and last is not None:
        wait = min(2 ** (failures - LOCK_AFTER + 1), MAX_LOCK_SECONDS)
        left = (last + dt.timedelta(seconds=wait) - _now()).total_seconds()
        if left > 0:
            _record(db, username, "login_throttled")
            raise AuthError(f"Too many failed attempts. Try again in {int(left) + 1} seconds.")
    if row["disabled"][0] or not _verify(row["password_hash"][0], password):
        with db.transaction(bump=False) as cur:  # accounts and audit: no fact changes
            cur.execute("update users set failed_attempts = failed_attempts + 1, last_failed_at = $t "
                        "where username = $u", {"t": _now(), "u": username})
            db.audit(cur, username, "login_failed")
        time.sleep(0.2)
        raise AuthError(BAD_LOGIN)
    with db.transaction(bump=False) as cur:  # accounts and audit: no fact changes
        cur.execute("update users set failed_attempts = 0, last_login_at = $t where username = $u",
                    {"t": _now(), "u": username})
        db.audit(cur, username, "login")
    return viewer_for(db, username, suppression_threshold)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _record(db: Database, username: str, action: str) -> None:
    with db.transaction(bump=False) as cur:  # accounts and audit: no fact changes
        db.audit(cur, username or "(empty)", action)


def viewer_for_email(db: Database, email: str, suppression_threshold: int = 5) -> Viewer | None:
    """The Viewer of the user with this e-mail (OIDC sign-in through st.login), or None."""
    row = db.sql("select username from users where lower(email) = lower($e) and not disabled", e=email or "")
    return None if row.is_empty() else viewer_for(db, row["username"][0], suppression_threshold)


def load_roles_file(db: Database, path: Path, actor: str) -> int:
    """Apply a TOML role file (``[users.NAME] roles = ["sales_director@east", ...]``) in one transaction.

    Any error (syntax, unknown user, role or unit) refuses the whole file with a message naming it."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise AuthError(f"{path.name}: {exc}") from None
    plan: dict[str, list[Grant]] = {}
    for name, spec in (data.get("users") or {}).items():
        grants = []
        for item in spec.get("roles", []):
            role, _, unit = str(item).partition("@")
            grants.append(Grant(role, unit or WHOLE_COMPANY))
        try:
            _require_user(db, name)
            _check_grants(db, grants)
        except AuthError as exc:
            raise AuthError(f"{path.name}, users.{name}: {exc}") from None
        plan[name] = grants
    with db.transaction(bump=False) as cur:  # accounts and audit: no fact changes
        for name, grants in plan.items():
            _write_grants(cur, name, grants)
        db.audit(cur, actor, "roles_file", target=path.name, n_rows=len(plan))
    return len(plan)


def demo_accounts(db: Database) -> list[tuple[str, str]]:
    """(username, description) of the demo accounts, for the login page in demo mode."""
    rows = db.sql("select u.username, string_agg(r.role || '@' || r.org_unit_id, ', ' order by r.role) as roles "
                  "from users u left join user_roles r using (username) where u.is_demo group by all order by 1")
    return [(u, r or "") for u, r in rows.iter_rows()]


def create_demo_accounts(db: Database) -> None:
    """One demo account per role on the demo company (password DEMO_PASSWORD, marked as demo)."""
    east_rm = db.sql("select employee_id from assignments where role_id = 'regional_manager' and org_unit_id = 'east' "
                     "and valid_to is null order by valid_from desc limit 1")
    team = db.sql("select org_unit_id from org_units where level = 'team' and parent_id = 'east' order by 1 limit 1")
    team_id = team["org_unit_id"][0] if team.height else "east"
    lead = db.sql("select employee_id from assignments where role_id = 'team_lead' and org_unit_id = $t "
                  "and valid_to is null order by valid_from desc limit 1", t=team_id)
    accounts = [
        ("demo.admin", [Grant("admin", WHOLE_COMPANY)], None, "Demo admin"),
        ("demo.hr", [Grant("hr_head", WHOLE_COMPANY)], None, "Demo HR head"),
        ("demo.director.east", [Grant("sales_director", "east")],
         east_rm["employee_id"][0] if east_rm.height else None, "Demo sales director, East"),
        ("demo.director.north", [Grant("sales_director", "north")], None, "Demo sales director, North"),
        (f"demo.manager.{team_id}", [Grant("manager", team_id)], lead["employee_id"][0] if lead.height else None,
         f"Demo manager, {team_id}"),
        ("demo.analyst", [Grant("analyst", WHOLE_COMPANY)], None, "Demo analyst"),
    ]
    for name, grants, employee, label in accounts:
        add_user(db, name, DEMO_PASSWORD, grants, "demo", display_name=label, employee_id=employee, is_demo=True)


def list_users(db: Database) -> pl.DataFrame:
    """Every account with its roles (no hashes): for the admin page and ``users list``."""
    return db.sql("select u.username, u.display_name, u.email, u.employee_id, u.disabled, u.is_demo, u.last_login_at, "
                  "string_agg(r.role || '@' || r.org_unit_id, ', ' order by r.role) as roles "
                  "from users u left join user_roles r using (username) group by all order by 1")


def audit_log(db: Database, limit: int = 2000) -> pl.DataFrame:
    """The newest audit entries (who, when, what, scope, how many rows; never personal values)."""
    return db.sql("select event_id, occurred_at, actor, action, target, scope, n_rows, detail from audit_log "
                  "order by event_id desc limit $n", n=limit)
