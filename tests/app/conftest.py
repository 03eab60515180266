"""Fixtures for the AppTest suites."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def app_db_path(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the demo database for the page tests (the app holds it open read-write; the pages
    only read, so tests can share it and its caches)."""
    path = tmp_path_factory.mktemp("app") / "app.duckdb"
    shutil.copy(demo_db_path, path)
    return path


@pytest.fixture
def app_db(app_db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TANDEM_DB", str(app_db_path))
    return app_db_path


def sign_in(at, user: str = "demo.hr") -> None:
    """Sign a test session in as a demo account (server-side session state, as the login form does)."""
    import datetime as dt

    at.session_state["auth"] = {"user": user, "seen": dt.datetime.now()}


def open_signed_in(page: str, user: str = "demo.hr", lang: str = "en"):
    """An AppTest of the app signed in as ``user`` in ``lang``, switched to ``pages/<page>``, drawn without an
    exception or an error box."""
    from streamlit.testing.v1 import AppTest

    from tests.app.test_pages import APP, TIMEOUT

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at, user)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page(f"pages/{page}").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


@pytest.fixture(autouse=True)
def _error_details(monkeypatch: pytest.MonkeyPatch):
    """The app hides error details from its users (.streamlit/config.toml); the tests read them."""
    from streamlit import config

    before = config.get_option("client.showErrorDetails")
    config.set_option("client.showErrorDetails", "full")
    yield
    config.set_option("client.showErrorDetails", before)


@pytest.fixture(scope="session", autouse=True)
def _components_scanned_once():
    """Each new AppTest scans the metadata of every installed distribution for Streamlit components (about half
    a second, hundreds of times a run); the installed packages do not change during a run, so they are scanned
    once and every AppTest gets that result."""
    from streamlit.components.v2 import manifest_scanner

    found = manifest_scanner.scan_component_manifests()
    patch = pytest.MonkeyPatch()
    patch.setattr(manifest_scanner, "scan_component_manifests", lambda max_workers=None: list(found))
    yield
    patch.undo()
