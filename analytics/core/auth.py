"""Sign-in, roles and scopes: who may see what (issue "Who may see what").

Local accounts keep argon2id hashes (argon2-cffi). A wrong password, an unknown user and a disabled
account get the same message after the same work (one argon2 check, against a dummy hash of the same
cost when there is no real one), so neither the answer nor its timing tells whether a name exists.
Failed sign-ins are slowed down per user name, per client address and across the server (``Throttle``);
a wait never exceeds ``MAX_WAIT_SECONDS`` and is a refusal that says how long, never a sleeping server
thread. Roles and scopes are rows of ``user_roles``; only an enabled admin changes them (or the operator
at the server, who holds the database file), and nobody changes their own.

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
import hashlib
import math
import threading
import tomllib
from collections import deque
from collections.abc import Callable, Iterable
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
# Throttling of failed sign-ins (README "Who may see what"). A failure is remembered for FAILURE_MEMORY seconds.
LOCK_AFTER = 5            # failures of one user name (from anywhere) before its attempts must wait
ADDRESS_LOCK_AFTER = 10   # failures from one client address (any names) before its attempts must wait
MAX_LOCK_SECONDS = 30     # the longest wait: 2, 4, 8, 16, then 30 s after the latest failure
MAX_WAIT_SECONDS = MAX_LOCK_SECONDS
FAILURE_MEMORY = 15 * 60
GLOBAL_CEILING = 30       # failed sign-ins per minute across all names and addresses; beyond it ...
GLOBAL_WAIT_SECONDS = 10  # ... every attempt waits this long first
PASS_GRACE = 5 * 60       # a browser told to wait keeps its turn for this long after the wait
MIN_PASSWORD = 8
DEMO_PASSWORD = "tandem-demo"  # shown on the login page only while the database is the demo company
_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("not-a-real-password")  # same parameters as every new hash: the same cost to check
BAD_LOGIN = "Unknown user or wrong password."
THROTTLED = "Too many failed attempts. Try again in {s} seconds."
UNKNOWN_USER = "(unknown user)"  # the audit's actor for a failed sign-in with a name that is no account


class AuthError(ValueError):
    """A refused sign-in or an invalid user/role change; the message is safe to show.

    ``code`` names the refusal for the app's translations (ui/auth.py ``refusal_text``), ``params`` its values."""

    def __init__(self, message: str, code: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class Throttle:
    """Failed sign-ins remembered in this process, per user name, per client address and in total.

    ``wait`` says how many seconds an attempt must wait before its password is even checked (0: go ahead):

    - a user name with ``LOCK_AFTER`` or more failures in the last ``FAILURE_MEMORY`` seconds waits
      2, 4, 8, 16, then at most ``MAX_LOCK_SECONDS`` seconds after its latest failure;
    - a client address with ``ADDRESS_LOCK_AFTER`` or more failures (whatever the names) likewise, so one
      password tried over many names is slowed down too;
    - with ``GLOBAL_CEILING`` or more failures in the last minute anywhere, every attempt waits
      ``GLOBAL_WAIT_SECONDS``.

    An attempt told to wait gets a turn: when the same ``requester`` (one browser session) comes back after
    its wait, its attempt is checked whatever others have tried meanwhile. So someone guessing at a name
    can slow its owner down by at most ``MAX_WAIT_SECONDS``, never lock them out. Names are kept as
    hashes (never the typed text) and forgotten with their failures."""

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self._clock = clock or (lambda: _now().timestamp())
        self._lock = threading.Lock()
        self._names: dict[str, deque[float]] = {}
        self._addresses: dict[str, deque[float]] = {}
        self._all: deque[float] = deque()
        self._passes: dict[str, float] = {}  # requester -> the moment its wait ends
        self._noted: dict[str, float] = {}   # name -> when its last refusal was audited
        self._notes: deque[float] = deque()
        self._calls = 0

    @staticmethod
    def _key(name: str) -> str:
        return hashlib.sha256(name.strip().casefold().encode("utf-8")).hexdigest()

    def _forget(self, now: float) -> None:
        old = now - FAILURE_MEMORY
        for table in (self._names, self._addresses):
            for key in [k for k, times in table.items() if not times or times[-1] < old]:
                del table[key]
        while self._all and self._all[0] < now - 60:
            self._all.popleft()
        for key in [k for k, due in self._passes.items() if due + PASS_GRACE < now]:
            del self._passes[key]
        for key in [k for k, at in self._noted.items() if at < now - MAX_WAIT_SECONDS]:
            del self._noted[key]

    @staticmethod
    def _backoff(times: deque[float] | None, free: int, now: float) -> float:
        while times and times[0] < now - FAILURE_MEMORY:
            times.popleft()
        if not times or len(times) < free:
            return 0.0
        return max(0.0, times[-1] + min(2 ** (len(times) - free + 1), MAX_LOCK_SECONDS) - now)

    def wait(self, name: str, address: str | None = None, requester: str | None = None) -> int:
        """Seconds this attempt must wait (0: check the password now)."""
        now = self._clock()
        with self._lock:
            self._calls += 1
            if self._calls % 64 == 0:
                self._forget(now)
            due = self._passes.get(requester) if requester else None
            if due is not None:
                if now < due:
                    return math.ceil(due - now)
                del self._passes[requester]
                if now <= due + PASS_GRACE:
                    return 0  # waited its turn: heard whatever happened meanwhile
            while self._all and self._all[0] < now - 60:
                self._all.popleft()
            delay = max(self._backoff(self._names.get(self._key(name)), LOCK_AFTER, now),
                        self._backoff(self._addresses.get(address), ADDRESS_LOCK_AFTER, now) if address else 0.0,
                        GLOBAL_WAIT_SECONDS if len(self._all) >= GLOBAL_CEILING else 0.0)
            if delay <= 0:
                return 0
            seconds = min(math.ceil(delay), MAX_WAIT_SECONDS)
            if requester:
                self._passes[requester] = now + seconds
            return seconds

    def note(self, name: str) -> bool:
        """Whether to audit this refusal: at most one per name per MAX_WAIT_SECONDS and GLOBAL_CEILING a
        minute in all, so refusals, which cost nothing to provoke, cannot flood the audit log."""
        now, key = self._clock(), self._key(name)
        with self._lock:
            while self._notes and self._notes[0] < now - 60:
                self._notes.popleft()
            if now - self._noted.get(key, -1e18) < MAX_WAIT_SECONDS or len(self._notes) >= GLOBAL_CEILING:
                return False
            self._noted[key] = now
            self._notes.append(now)
            return True

    def failed(self, name: str, address: str | None = None) -> None:
        now = self._clock()
        with self._lock:
            self._names.setdefault(self._key(name), deque()).append(now)
            if address:
                self._addresses.setdefault(address, deque()).append(now)
            self._all.append(now)

    def succeeded(self, name: str) -> None:
        """The right password: that name's failures are forgotten (an address's are not)."""
        with self._lock:
            self._names.pop(self._key(name), None)


_THROTTLES: dict[str, Throttle] = {}  # one per database file: throttling is about that file's accounts
_THROTTLES_LOCK = threading.Lock()


def throttle_for(db: Database) -> Throttle:
    """The throttle of a database's accounts (one per file and process)."""
    key = str(Path(db.path).resolve())
    with _THROTTLES_LOCK:
        return _THROTTLES.setdefault(key, Throttle())


@dataclass(frozen=True)
class Grant:
    role: str
    org_unit_id: str


def hash_password(password: str) -> str:
    if not password or len(password) < MIN_PASSWORD:
        raise AuthError(f"A password needs at least {MIN_PASSWORD} characters.", "too_short", n=MIN_PASSWORD)
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


def check_actor(db: Database, actor: str, targets: Iterable[str] = ()) -> None:
    """May ``actor`` change users and roles, here of ``targets``? Raise AuthError if not.

    An actor that is an account must be an enabled admin and may not change their own account or roles
    (an admin does not grant themselves hr_head; another admin must). An actor that is no account is the
    operator at the server (the command line without ``--user``, set-up scripts), who holds the database
    file itself; every surface that acts for a signed-in user passes that user's name, and the command line
    refuses a ``--user`` that is no account."""
    if not db.scalar("select count(*) from users where username = $u", u=actor or ""):
        return
    if "admin" not in viewer_for(db, actor).roles:  # a disabled account holds no role
        raise AuthError("Only an admin may change users and roles.", "not_admin")
    if actor in set(targets):
        raise AuthError("Nobody changes their own account or roles; ask another admin.", "own_account")


def add_user(db: Database, username: str, password: str | None, grants: list[Grant], actor: str, *,
             display_name: str | None = None, email: str | None = None, employee_id: int | None = None,
             is_demo: bool = False) -> None:
    """Create a user with roles (all in one transaction, audited; the password is stored hashed only)."""
    check_actor(db, actor)
    if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise AuthError("A username is letters, digits, '.', '_' or '-'.", "bad_username")
    if db.scalar("select count(*) from users where username = $u", u=username):
        raise AuthError(f"User {username!r} already exists.", "user_exists", user=username)
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
    """Replace a user's roles and scopes (audited with the roles before and after)."""
    check_actor(db, actor, [username])
    _require_user(db, username)
    _check_grants(db, grants)
    before = _describe(grants_of(db, username))
    with db.transaction(bump=False) as cur:  # accounts and audit: no fact changes
        _write_grants(cur, username, grants)
        db.audit(cur, actor, "user_roles", target=username, detail={"roles": _describe(grants), "before": before})


def set_disabled(db: Database, username: str, disabled: bool, actor: str) -> None:
    check_actor(db, actor, [username])
    _require_user(db, username)
    with db.transaction(bump=False) as cur:  # accounts and audit: no fact changes
        cur.execute("update users set disabled = $d where username = $u", {"d": disabled, "u": username})
        db.audit(cur, actor, "user_disable" if disabled else "user_enable", target=username)


def set_password(db: Database, username: str, password: str, actor: str) -> None:
    """An admin (or the operator) sets another user's password; every session of that user ends."""
    check_actor(db, actor, [username])
    _require_user(db, username)
    hashed = hash_password(password)
    with db.transaction(bump=False) as cur:  # accounts and audit: no fact changes
        cur.execute("update users set password_hash = $h, failed_attempts = 0 where username = $u",
                    {"h": hashed, "u": username})
        sessions.revoke_user(cur, username)  # every browser signed in with the old password signs in again
        db.audit(cur, actor, "user_password", target=username)


def has_password(db: Database, username: str) -> bool:
    """Whether the user signs in with a local password (OIDC-only users have none to change)."""
    return bool(db.scalar("select count(*) from users where username = $u and password_hash is not null",
                          u=username or ""))


def change_own_password(db: Database, username: str, current: str, new: str, repeat: str, *,
                        address: str | None = None, requester: str | None = None,
                        throttle: Throttle | None = None, new_session: bool = False) -> str | None:
    """A signed-in user changes their own password: the current one must be right (a wrong one counts as a
    failed sign-in, throttled and audited alike), the new one typed twice, at least MIN_PASSWORD characters.
    Every session of the user ends; with ``new_session`` a fresh one starts in the same transaction and its
    token is returned (the browser that made the change stays signed in on a new token). Audited."""
    throttle = throttle or throttle_for(db)
    row = db.sql("select password_hash from users where username = $u and not disabled", u=username or "")
    if row.is_empty() or row["password_hash"][0] is None:
        raise AuthError("This account has no password to change.", "no_password")
    seconds = throttle.wait(username, address, requester)
    if seconds:
        if throttle.note(username):
            _record(db, username, "login_throttled", detail={"during": "password_change"})
        raise AuthError(THROTTLED.format(s=seconds), "throttled", s=seconds)
    if not _verify(row["password_hash"][0], current):
        throttle.failed(username, address)
        _record(db, username, "login_failed", detail={"during": "password_change"})
        raise AuthError("The current password is wrong.", "wrong_current")
    if new != repeat:
        raise AuthError("The new password and its repetition differ.", "mismatch")
    if new == current:
        raise AuthError("The new password is the current one.", "unchanged")
    hashed = hash_password(new)
    throttle.succeeded(username)
    token = None
    with db.transaction(bump=False) as cur:  # accounts and audit: no fact changes
        cur.execute("update users set password_hash = $h, failed_attempts = 0 where username = $u",
                    {"h": hashed, "u": username})
        sessions.revoke_user(cur, username)  # every other browser signs in again
        if new_session:
            token = sessions.start(cur, username)
        db.audit(cur, username, "user_password", target=username, detail={"own": True})
    return token


def _require_user(db: Database, username: str) -> None:
    if not db.scalar("select count(*) from users where username = $u", u=username):
        raise AuthError(f"There is no user {username!r}.", "no_user", user=username)


def require_account(db: Database, username: str) -> str:
    """``username`` if it is an account, else AuthError (a command line's ``--user`` must be one)."""
    _require_user(db, username)
    return username


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


def authenticate(db: Database, username: str, password: str, suppression_threshold: int = 5, *,
                 address: str | None = None, requester: str | None = None,
                 throttle: Throttle | None = None) -> Viewer:
    """Check a password; return the user's Viewer.

    Unknown user, wrong password and disabled account: the same refusal after the same work (one argon2
    check). While the name, the client ``address`` or the server has too many recent failures the attempt
    is refused before any check with how long to wait (``Throttle``; ``requester`` names the browser
    session, so a wait once served gives it its turn). Audited: sign-ins, failures and waits, with the
    typed name only when it is an account (else ``UNKNOWN_USER`` and the typed length)."""
    throttle = throttle or throttle_for(db)
    name = username or ""
    row = db.sql("select password_hash, disabled from users where username = $u", u=name)
    known = not row.is_empty()
    seconds = throttle.wait(name, address, requester)
    if seconds:
        if throttle.note(name):
            _record(db, name if known else None, "login_throttled", typed=len(name))
        raise AuthError(THROTTLED.format(s=seconds), "throttled", s=seconds)
    stored = row["password_hash"][0] if known else None
    matches = _verify(stored or _DUMMY_HASH, password)  # exactly one check, whoever asks
    if not (matches and stored is not None and not row["disabled"][0]):
        throttle.failed(name, address)
        with db.transaction(bump=False) as cur:  # accounts and audit: no fact changes
            cur.execute("update users set failed_attempts = failed_attempts + 1, last_failed_at = $t "
                        "where username = $u", {"t": _now(), "u": name})  # no row for an unknown name: same work
            _audit_attempt(db, cur, name if known else None, "login_failed", typed=len(name))
        raise AuthError(BAD_LOGIN, "bad_login")
    throttle.succeeded(name)
    rehash = _HASHER.check_needs_rehash(stored)
    with db.transaction(bump=False) as cur:  # accounts and audit: no fact changes
        if rehash:  # hashed with older parameters: bring it to today's cost (and the dummy's)
            cur.execute("update users set password_hash = $h where username = $u",
                        {"h": _HASHER.hash(password), "u": name})
        cur.execute("update users set failed_attempts = 0, last_login_at = $t where username = $u",
                    {"t": _now(), "u": name})
        db.audit(cur, name, "login")
    return viewer_for(db, name, suppression_threshold)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _audit_attempt(db: Database, cur, account: str | None, action: str, typed: int = 0,
                   detail: dict | None = None) -> None:
    """Audit a sign-in attempt: the account's name, or for a name that is no account a fixed marker and the
    typed length only (a password typed into the name field is never kept)."""
    if account is None:
        db.audit(cur, UNKNOWN_USER, action, detail={"typed_length": typed, **(detail or {})})
    else:
        db.audit(cur, account, action, detail=detail)


def _record(db: Database, account: str | None, action: str, typed: int = 0, detail: dict | None = None) -> None:
    with db.transaction(bump=False) as cur:  # accounts and audit: no fact changes
        _audit_attempt(db, cur, account, action, typed, detail)


def viewer_for_email(db: Database, email: str, suppression_threshold: int = 5) -> Viewer | None:
    """The Viewer of the user with this e-mail (OIDC sign-in through st.login), or None."""
    row = db.sql("select username from users where lower(email) = lower($e) and not disabled", e=email or "")
    return None if row.is_empty() else viewer_for(db, row["username"][0], suppression_threshold)


def load_roles_file(db: Database, path: Path, actor: str) -> int:
    """Apply a TOML role file (``[users.NAME] roles = ["sales_director@east", ...]``) in one transaction.

    Any error (syntax, unknown user, role or unit) refuses the whole file with a message naming it. Only an
    admin (or the operator) applies one, and never to a file that names the admin themselves."""
    check_actor(db, actor)
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
    check_actor(db, actor, plan)
    with db.transaction(bump=False) as cur:  # accounts and audit: no fact changes
        for name, grants in plan.items():
            _write_grants(cur, name, grants)
        db.audit(cur, actor, "roles_file", target=path.name, n_rows=len(plan),
                 detail={"roles": {name: _describe(grants) for name, grants in plan.items()}})
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


def audit_log(db: Database, limit: int = 2000, page_views: bool = True) -> pl.DataFrame:
    """The newest audit entries (who, when, what, scope, how many rows; never personal values); ``page_views``
    False leaves out the page views (one per visit: they would crowd out everything else)."""
    views = "" if page_views else "where action <> 'page_view' "
    return db.sql("select event_id, occurred_at, actor, action, target, scope, n_rows, detail from audit_log "
                  f"{views}order by event_id desc limit $n", n=limit)
