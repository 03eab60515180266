"""Fixtures shared by the talent, skills and training tests: the small talent company of test_skills."""
from __future__ import annotations

import pytest

from analytics.core.access import full_access
from analytics.core.db import Database
from analytics.people import skills
from tests.analytics.people.test_skills import AS_OF, talent_frames


@pytest.fixture
def talent_db(tmp_path) -> Database:
    db = Database(tmp_path / "talent.duckdb")
    db.replace_tables(talent_frames(), actor="test", action="fixture")
    yield db
    db.close()


@pytest.fixture
def prof(talent_db) -> skills.Profiles:
    return skills.load_profiles(talent_db, full_access(), AS_OF)


@pytest.fixture
def risk_db(demo_db_path, tmp_path) -> Database:
    """A writable copy of the small demo company, with the process's remembered models forgotten around it."""
    import shutil

    from analytics.people import risk_store

    shutil.copy(demo_db_path, tmp_path / "risk.duckdb")
    database = Database(tmp_path / "risk.duckdb")
    risk_store.clear_memo()
    yield database
    database.close()
    risk_store.clear_memo()


@pytest.fixture
def risk_fitted_db(risk_demo_path, tmp_path) -> Database:
    """Like ``risk_db``, with the model of the as-of date (6 months) already fitted and stored: the process forgot
    it, the database has it."""
    import shutil

    from analytics.people import risk_store

    shutil.copy(risk_demo_path, tmp_path / "risk.duckdb")
    database = Database(tmp_path / "risk.duckdb")
    risk_store.clear_memo()
    yield database
    database.close()
    risk_store.clear_memo()


@pytest.fixture
def fits(monkeypatch) -> list:
    """Every model fit (every path to a model goes through ``risk_store.fit``): the arguments after the db."""
    from analytics.people import risk_store

    calls, real = [], risk_store.fit

    def counting(*args, **kwargs):
        calls.append(args[1:])
        return real(*args, **kwargs)

    monkeypatch.setattr(risk_store, "fit", counting)
    return calls
