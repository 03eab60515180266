"""Accounts an insider cannot abuse: only an enabled admin changes users and roles, nobody their own (in the
functions every surface calls, and on the command line with --user); a user's own password change needs the
current password, ends every other session and is audited; role changes are audited with before and after."""
import json

import pytest

from analytics.core import auth, sessions


@pytest.fixture
def users_db(tiny_db):
    auth.add_user(tiny_db, "boss", "admin password", [auth.Grant("admin", "company")], "setup")
    auth.add_user(tiny_db, "boss2", "admin password", [auth.Grant("admin", "company")], "setup")
    auth.add_user(tiny_db, "ann", "analyst password", [auth.Grant("analyst", "company")], "setup")
    return tiny_db


def test_an_analyst_changes_no_one(users_db, tmp_path):
    hr = [auth.Grant("hr_head", "company")]
    with pytest.raises(auth.AuthError, match="Only an admin") as refused:
        auth.set_grants(users_db, "ann", hr, "ann")
    assert refused.value.code == "not_admin"
    with pytest.raises(auth.AuthError, match="Only an admin"):
        auth.set_grants(users_db, "boss", [], "ann")
    with pytest.raises(auth.AuthError, match="Only an admin"):
        auth.add_user(users_db, "sock", "long enough", hr, "ann")
    with pytest.raises(auth.AuthError, match="Only an admin"):
        auth.set_password(users_db, "boss", "taken over now", "ann")
    with pytest.raises(auth.AuthError, match="Only an admin"):
        auth.set_disabled(users_db, "boss", True, "ann")
    roles = tmp_path / "roles.toml"
    roles.write_text('[users.ann]\nroles = ["hr_head@company"]\n')
    with pytest.raises(auth.AuthError, match="Only an admin"):
        auth.load_roles_file(users_db, roles, "ann")
    assert auth.grants_of(users_db, "ann") == [auth.Grant("analyst", "company")]


def test_an_admin_does_not_change_their_own_roles(users_db, tmp_path):
    with pytest.raises(auth.AuthError, match="Nobody changes their own") as refused:
        auth.set_grants(users_db, "boss", [auth.Grant("admin", "company"), auth.Grant("hr_head", "company")], "boss")
    assert refused.value.code == "own_account"
    with pytest.raises(auth.AuthError, match="Nobody changes their own"):
        auth.set_disabled(users_db, "boss", True, "boss")
    roles = tmp_path / "roles.toml"
    roles.write_text('[users.ann]\nroles = ["manager@east-01"]\n[users.boss]\nroles = ["hr_head@company"]\n')
    with pytest.raises(auth.AuthError, match="Nobody changes their own"):
        auth.load_roles_file(users_db, roles, "boss")
    assert auth.grants_of(users_db, "boss") == [auth.Grant("admin", "company")]
    assert auth.grants_of(users_db, "ann") == [auth.Grant("analyst", "company")]  # the whole file refused
    auth.set_grants(users_db, "boss", [auth.Grant("admin", "company"), auth.Grant("hr_head", "company")], "boss2")
    assert "hr_head" in auth.viewer_for(users_db, "boss").roles  # another admin may


def test_a_disabled_admin_changes_no_one(users_db):
    auth.set_disabled(users_db, "boss2", True, "boss")
    with pytest.raises(auth.AuthError, match="Only an admin"):
        auth.set_grants(users_db, "ann", [auth.Grant("hr_head", "company")], "boss2")


def test_role_changes_are_audited_with_before_and_after(users_db, tmp_path):
    auth.set_grants(users_db, "ann", [auth.Grant("manager", "east-01")], "boss")
    roles = tmp_path / "roles.toml"
    roles.write_text('[users.ann]\nroles = ["analyst@east"]\n')
    auth.load_roles_file(users_db, roles, "boss")
    rows = users_db.sql("select actor, action, target, detail from audit_log "
                        "where action in ('user_roles', 'roles_file') order by event_id")
    assert rows["actor"].to_list() == ["boss", "boss"]
    assert json.loads(rows["detail"][0]) == {"roles": ["manager@east-01"], "before": ["analyst@company"]}
    assert json.loads(rows["detail"][1]) == {"roles": {"ann": ["analyst@east"]}}


# ── the command line obeys the same rules ───────────────────────────────────────────────────────────
@pytest.fixture
def cli_db(users_db):
    path = users_db.path
    users_db.close()
    return path


def test_an_analyst_cannot_grant_itself_hr_head_from_the_command_line(cli_db, capsys):
    from analytics.cli.main import main
    from analytics.core.db import Database

    code = main(["users", "grant", "ann", "--role", "hr_head@company", "--db", str(cli_db), "--user", "ann"])
    assert code == 2 and "Only an admin" in capsys.readouterr().err
    code = main(["users", "grant", "boss", "--role", "hr_head@company", "--db", str(cli_db), "--user", "boss"])
    assert code == 2 and "Nobody changes their own" in capsys.readouterr().err
    code = main(["users", "grant", "ann", "--role", "hr_head@company", "--db", str(cli_db), "--user", "ghost"])
    assert code == 2 and "There is no user 'ghost'" in capsys.readouterr().err  # not taken for the operator
    code = main(["users", "list", "--db", str(cli_db), "--user", "ann"])
    assert code == 2 and "Only an admin" in capsys.readouterr().err
    db = Database(cli_db)
    try:
        assert auth.grants_of(db, "ann") == [auth.Grant("analyst", "company")]
        assert auth.grants_of(db, "boss") == [auth.Grant("admin", "company")]
    finally:
        db.close()
    assert main(["users", "grant", "ann", "--role", "manager@east-01", "--db", str(cli_db), "--user", "boss"]) == 0
    assert main(["users", "grant", "ann", "--role", "analyst@company", "--db", str(cli_db)]) == 0  # the operator


# ── a user's own password ──────────────────────────────────────────────────────────────────────────
def test_changing_ones_password_ends_every_other_session(users_db):
    other = sessions.create_session(users_db, "ann")
    mine = sessions.create_session(users_db, "ann")
    token = auth.change_own_password(users_db, "ann", "analyst password", "a new long password",
                                     "a new long password", new_session=True)
    assert sessions.validate(users_db, other, 60) is None
    assert sessions.validate(users_db, mine, 60) is None  # rotated: the old token of this browser too
    assert sessions.validate(users_db, token, 60) == "ann"
    assert auth.authenticate(users_db, "ann", "a new long password").user == "ann"
    with pytest.raises(auth.AuthError, match="Unknown user or wrong password"):
        auth.authenticate(users_db, "ann", "analyst password")
    audit = users_db.sql("select actor, target, detail from audit_log where action = 'user_password'")
    assert audit.rows() == [("ann", "ann", '{"own": true}')]
    assert "a new long" not in users_db.sql("select * from audit_log").write_csv()


@pytest.mark.parametrize(("current", "new", "repeat", "code"), [
    ("wrong", "a new long password", "a new long password", "wrong_current"),
    ("analyst password", "a new long password", "a new long passwort", "mismatch"),
    ("analyst password", "short", "short", "too_short"),
    ("analyst password", "analyst password", "analyst password", "unchanged"),
])
def test_a_refused_change_changes_nothing(users_db, current, new, repeat, code):
    kept = sessions.create_session(users_db, "ann")
    with pytest.raises(auth.AuthError) as refused:
        auth.change_own_password(users_db, "ann", current, new, repeat, throttle=auth.Throttle())
    assert refused.value.code == code
    assert sessions.validate(users_db, kept, 60) == "ann"
    assert auth.authenticate(users_db, "ann", "analyst password", throttle=auth.Throttle()).user == "ann"


def test_guessing_the_current_password_is_throttled_like_a_sign_in(users_db):
    throttle = auth.Throttle()
    for _ in range(auth.LOCK_AFTER):
        with pytest.raises(auth.AuthError, match="current password is wrong"):
            auth.change_own_password(users_db, "ann", "guess", "a new long password", "a new long password",
                                     throttle=throttle)
    with pytest.raises(auth.AuthError) as refused:
        auth.change_own_password(users_db, "ann", "analyst password", "a new long password", "a new long password",
                                 throttle=throttle)
    assert refused.value.code == "throttled"
    failed = users_db.sql("select actor, detail from audit_log where action = 'login_failed'")
    assert failed["actor"].to_list() == ["ann"] * auth.LOCK_AFTER
