"""Changing one's own password in the sidebar, under the sign-out button, in the page's language.

The app draws the sign-out button (and this form) in app.py, and AppTest's second run of a page runs the
page script alone (ui/context.py); so the interactions run a small script that draws what app.py draws
there, ``logout_button(viewer, db)``, and the full app is checked for where the form sits."""
from __future__ import annotations

import secrets
from pathlib import Path

from streamlit.testing.v1 import AppTest

from analytics.core import auth, sessions
from analytics.core.db import Database
from tests.app.conftest import sign_in
from tests.app.test_pages import APP, TIMEOUT


def _user(app_db: Path) -> tuple[Database, str]:
    db = Database(app_db)
    name = f"pw.{secrets.token_hex(4)}"
    auth.add_user(db, name, "the first password", [auth.Grant("analyst", "company")], "test")
    return db, name


def _sidebar_of(user: str) -> None:
    """What app.py draws for a signed-in user above the shared filters."""
    import os

    import streamlit as st

    from analytics.core import auth
    from ui.auth import logout_button
    from ui.context import get_database

    db = get_database(os.environ["TANDEM_DB"])
    st.session_state.setdefault("auth", {"user": user})
    logout_button(auth.viewer_for(db, user), db)


def _app_for(user: str) -> AppTest:
    at = AppTest.from_function(_sidebar_of, args=(user,), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    return at


def _change(at: AppTest, current: str, new: str, repeat: str) -> None:
    at.text_input(key="password_current").input(current)
    at.text_input(key="password_new").input(new)
    at.text_input(key="password_repeat").input(repeat)
    save = [b for b in at.sidebar.button if b.label in {"Save the new password", "保存新密码"}]
    assert len(save) == 1
    save[0].click().run()


def test_a_user_changes_their_password_and_other_browsers_are_signed_out(app_db: Path):
    db, name = _user(app_db)
    elsewhere = sessions.create_session(db, name)  # the same user signed in on another browser
    at = _app_for(name)
    _change(at, "the first password", "a second password", "a second password")
    assert not at.exception
    assert [s.value for s in at.sidebar.success] == [
        f"Password changed. Every other browser signed in as {name} is signed out."]
    assert at.session_state["auth"]["user"] == name  # this browser stays signed in
    assert sessions.validate(db, elsewhere, 60) is None
    assert auth.authenticate(db, name, "a second password").user == name
    assert db.sql("select actor, target from audit_log where action = 'user_password' and target = $u",
                  u=name).rows() == [(name, name)]


def test_a_refused_change_says_why_in_the_page_language(app_db: Path):
    db, name = _user(app_db)
    at = AppTest.from_function(_sidebar_of, args=(name,), default_timeout=TIMEOUT)
    at.session_state["lang"] = "zh"
    at.run()
    _change(at, "not the password", "a second password", "a second password")
    assert [e.value for e in at.sidebar.error] == ["密码未修改：当前密码不正确。"]
    _change(at, "the first password", "a second password", "a third password")
    assert [e.value for e in at.sidebar.error] == ["密码未修改：两次输入的新密码不一致。"]
    _change(at, "the first password", "short", "short")
    assert [e.value for e in at.sidebar.error] == [f"密码未修改：密码至少需要 {auth.MIN_PASSWORD} 个字符。"]
    assert auth.authenticate(db, name, "the first password").user == name  # nothing changed


def test_the_form_sits_under_the_sign_out_button(app_db: Path):
    _, name = _user(app_db)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at, name)
    at.run()
    assert not at.exception
    drawn = [type(e).__name__ + ":" + str(getattr(e, "label", "")) for e in at.sidebar]
    assert drawn.index("Button:Sign out") < drawn.index("Expander:Change password")
    assert [w.label for w in at.sidebar.text_input] == [
        "Current password", f"New password (at least {auth.MIN_PASSWORD} characters)", "New password again"]


def test_demo_accounts_keep_the_published_password(app_db: Path):
    at = _app_for("demo.analyst")
    assert "Demo accounts keep the password shown on the sign-in page." in [c.value for c in at.sidebar.caption]
    assert not [b for b in at.sidebar.button if b.label == "Save the new password"]


def test_a_throttled_sign_in_says_how_long_to_wait(app_db: Path):
    db, name = _user(app_db)
    for _ in range(auth.LOCK_AFTER):
        auth.throttle_for(db).failed(name)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["lang"] = "zh"
    at.run()
    at.text_input(key="login_user").input(name)
    at.text_input(key="login_password").input("the first password")
    at.button[0].click().run()
    assert at.error[0].value.startswith("登录被拒绝：失败次数过多，请 ")
    assert "auth" not in at.session_state
