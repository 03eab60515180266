"""The Viewer and sign-in: scopes narrow and never widen; hashes; same refusal; throttling; roles as data."""
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.core import auth
from analytics.core.access import Viewer

TREE = {"company": None, "east": "company", "east-01": "east", "east-02": "east", "north": "company",
        "north-01": "north"}


def test_narrowing_never_widens():
    manager = Viewer("m", org_units=frozenset({"east-01"}), fields=frozenset({"person"}))
    assert manager.narrowed("east", TREE).org_units == {"east-01"}      # region around the team: the team only
    assert manager.narrowed("east-01", TREE).org_units == {"east-01"}
    assert manager.narrowed("east-02", TREE).org_units == frozenset()   # a sibling team: nothing
    assert manager.narrowed("north", TREE).org_units == frozenset()
    director = Viewer("d", org_units=frozenset({"east"}))
    assert director.narrowed("east-02", TREE).org_units == {"east-02"}
    assert Viewer("hr").narrowed("north", TREE).org_units == {"north"}


@given(st.sampled_from(sorted(TREE)), st.sets(st.sampled_from(sorted(TREE)), max_size=3))
def test_narrowed_scope_is_inside_the_original(unit, allowed):
    viewer = Viewer("x", org_units=frozenset(allowed))
    narrowed = viewer.narrowed(unit, TREE)
    covered = {u for u in TREE if auth_ancestors(u) & allowed}
    assert narrowed.org_units is not None
    assert {u for u in TREE if auth_ancestors(u) & narrowed.org_units} <= covered


def auth_ancestors(unit):
    out, cur = set(), unit
    while cur:
        out.add(cur)
        cur = TREE[cur]
    return out


@pytest.fixture
def users_db(tiny_db):
    auth.add_user(tiny_db, "dir.east", "correct horse", [auth.Grant("sales_director", "east")], "test", employee_id=1)
    auth.add_user(tiny_db, "hr", "battery staple", [auth.Grant("hr_head", "company")], "test")
    auth.add_user(tiny_db, "both", "battery staple", [auth.Grant("manager", "north-01"),
                                                      auth.Grant("analyst", "east")], "test")
    auth.add_user(tiny_db, "nobody", "battery staple", [], "test")
    return tiny_db


def test_hashes_are_salted_argon2_and_not_reversible(users_db):
    hashes = users_db.sql("select password_hash from users where username in ('hr', 'both') order by 1")
    a, b = hashes["password_hash"].to_list()
    assert a.startswith("$argon2id$") and a != b  # same password, different salt
    assert "battery" not in a
    assert not users_db.sql("select * from audit_log where detail like '%battery%' or detail like '%horse%'").height


def test_wrong_password_and_unknown_user_get_the_same_message(users_db):
    with pytest.raises(auth.AuthError) as wrong:
        auth.authenticate(users_db, "hr", "not it")
    with pytest.raises(auth.AuthError) as unknown:
        auth.authenticate(users_db, "who", "not it")
    assert str(wrong.value) == str(unknown.value) == auth.BAD_LOGIN
    viewer = auth.authenticate(users_db, "hr", "battery staple")
    assert viewer.org_units is None and viewer.sees_pay and viewer.person_level
    actions = users_db.sql("select action from audit_log where action like 'login%' order by event_id")["action"]
    assert actions.to_list() == ["login_failed", "login_failed", "login"]


def test_repeated_failures_are_slowed_down(users_db, monkeypatch):
    for _ in range(auth.LOCK_AFTER):
        with pytest.raises(auth.AuthError, match="Unknown user"):
            auth.authenticate(users_db, "hr", "bad")
    with pytest.raises(auth.AuthError, match="Too many failed attempts"):
        auth.authenticate(users_db, "hr", "battery staple")  # even the right password waits
    later = dt.datetime.now() + dt.timedelta(seconds=auth.MAX_LOCK_SECONDS + 1)
    monkeypatch.setattr(auth, "_now", lambda: later)
    assert auth.authenticate(users_db, "hr", "battery staple").user == "hr"


def test_roles_union_and_no_role_sees_nothing(users_db):
    both = auth.viewer_for(users_db, "both")
    assert both.org_units == {"north-01", "east"} and both.person_level  # manager rights on their team
    director = auth.viewer_for(users_db, "dir.east")
    assert director.org_units == {"east"} and not director.sees_pay and director.sees_any_pay
    assert auth.viewer_for(users_db, "nobody").sees_nothing
    auth.set_disabled(users_db, "hr", True, "test")
    assert auth.viewer_for(users_db, "hr").sees_nothing
    with pytest.raises(auth.AuthError, match="Unknown user"):
        auth.authenticate(users_db, "hr", "battery staple")


def test_grants_and_role_files_are_checked(users_db, tmp_path):
    with pytest.raises(auth.AuthError, match="Org unit 'atlantis' does not exist"):
        auth.set_grants(users_db, "both", [auth.Grant("manager", "atlantis")], "test")
    with pytest.raises(auth.AuthError, match="Role 'king'"):
        auth.set_grants(users_db, "both", [auth.Grant("king", "company")], "test")
    bad = tmp_path / "roles.toml"
    bad.write_text('[users.both]\nroles = ["manager@east-01"]\n[users.ghost]\nroles = ["analyst"]\n')
    with pytest.raises(auth.AuthError, match=r"roles.toml, users.ghost: There is no user 'ghost'"):
        auth.load_roles_file(users_db, bad, "test")
    assert auth.grants_of(users_db, "both") == [auth.Grant("analyst", "east"), auth.Grant("manager", "north-01")]
    good = tmp_path / "ok.toml"
    good.write_text('[users.both]\nroles = ["manager@east-01"]\n')
    assert auth.load_roles_file(users_db, good, "test") == 1
    assert auth.grants_of(users_db, "both") == [auth.Grant("manager", "east-01")]
