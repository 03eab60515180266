"""The Admin page says a refused account change in the page's language (nobody changes their own roles)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.core.i18n import t
from tests.app.conftest import sign_in
from tests.app.test_pages import APP, TIMEOUT
from ui.plaintext import plain


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_admin_changing_their_own_roles_is_refused_in_the_page_language(demo_db_path: Path, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch,
                                                                           lang: str):
    path = tmp_path / "admin.duckdb"
    shutil.copy(demo_db_path, path)
    monkeypatch.setenv("TANDEM_DB", str(path))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at, "demo.admin")
    at.session_state["lang"] = lang
    at.run()
    at.switch_page("pages/admin.py").run()
    assert not at.exception, at.exception
    at.selectbox(key="admin_user").set_value("demo.admin").run()
    at.text_area(key="admin_grants_demo.admin").input("hr_head@company").run()
    at.button(key="admin_save").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [plain(t("auth.account.own_account", lang))]  # as markdown source
