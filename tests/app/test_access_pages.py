"""Sign-in and role-based pages under AppTest."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.core import auth
from tests.app.conftest import sign_in
from tests.app.test_pages import APP, TIMEOUT


def test_sign_in_form_refuses_then_accepts(app_db: Path):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert at.title[0].value == "Sign in to Tandem"
    assert not at.metric  # nothing from the data before signing in
    at.text_input(key="login_user").input("demo.hr")
    at.text_input(key="login_password").input("wrong password")
    at.button[0].click().run()
    assert at.error[0].value.endswith(auth.BAD_LOGIN)
    at.text_input(key="login_password").input(auth.DEMO_PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state["auth"]["user"] == "demo.hr"


def test_menus_follow_roles(app_db: Path):
    analyst = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(analyst, "demo.analyst")
    analyst.run()
    assert not analyst.exception
    for page in ("pages/scorecard.py", "pages/incentives.py", "pages/joint_plan.py", "pages/admin.py"):
        with pytest.raises(ValueError, match="registered"):
            analyst.switch_page(page)  # not in the analyst's menu (aggregates only, no pay, no admin)
    director = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(director, "demo.director.east")
    director.run()
    assert director.selectbox(key="scope_region").options == ["All", "East"]


def test_a_user_without_roles_sees_nothing(app_db: Path):
    from analytics.core.db import Database

    db = Database(app_db)
    if not db.scalar("select count(*) from users where username = 'norole'"):
        auth.add_user(db, "norole", "long enough", [], "test")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at, "norole")
    at.run()
    assert not at.exception
    assert at.title[0].value == "No access"
    assert not at.metric and not at.dataframe


@pytest.mark.parametrize(("user", "offered"), [("demo.hr", True), ("demo.admin", True), ("demo.director.east", False),
                                               ("demo.manager.east-01", False), ("demo.analyst", False)])
def test_the_usage_page_is_for_admins_and_the_hr_head(app_db: Path, user: str, offered: bool):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at, user)
    at.run()
    if offered:
        at.switch_page("pages/usage.py").run()
        assert not at.exception and at.title[0].value == "Usage"
    else:
        with pytest.raises(ValueError, match="registered"):
            at.switch_page("pages/usage.py")


@pytest.mark.parametrize(("user", "offered"), [("demo.hr", True), ("demo.director.east", True), ("demo.admin", False),
                                               ("demo.manager.east-01", False), ("demo.analyst", False)])
def test_the_joint_plan_is_for_the_roles_that_see_pay(app_db: Path, user: str, offered: bool):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at, user)
    at.run()
    if offered:
        at.switch_page("pages/joint_plan.py").run()
        assert not at.exception and at.title[0].value == "Joint plan"
    else:  # aggregate viewers and managers see no one's pay: the page is not in their menu
        with pytest.raises(ValueError, match="registered"):
            at.switch_page("pages/joint_plan.py")
