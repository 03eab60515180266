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
