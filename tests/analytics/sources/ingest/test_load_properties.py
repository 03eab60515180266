"""Property: whatever CSV arrives, load_batch raises nothing but ImportProblem and a refused load changes nothing."""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.core.db import Database
from analytics.sources.ingest import ImportProblem, load_batch, prepare, read_file
from tests.conftest import open_db, tiny_frames

from .test_properties import TABLES, csv_like

WATCHED = ("employees", "customers", "orders", "quotas", "opportunities", "assignments", "performance_reviews",
           "meta", "audit_log")


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    db = open_db(tmp_path_factory.mktemp("fuzz") / "fuzz.duckdb", tiny_frames(), as_of=dt.date(2024, 6, 30))
    yield db
    db.close()


def _state(db: Database) -> dict[str, pl.DataFrame]:
    return {t: db.sql(f'select * from "{t}"').sort(pl.all(), nulls_last=True) for t in WATCHED}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(data=csv_like(), table=TABLES, other=csv_like(), other_table=TABLES, as_frame=st.booleans())
def test_random_csv_batches_raise_only_import_problem_and_refusals_change_nothing(
        shared_db: Database, data: bytes, table: str, other: bytes, other_table: str, as_frame: bool):
    before, version = _state(shared_db), shared_db.data_version
    try:
        items: list[tuple[str, object]] = [(table, prepare(data, table, name="a.csv", today=dt.date(2025, 6, 1)))]
        if as_frame:          # the raw text frame of a second file goes through the loader's own coercion
            items.append((other_table, read_file(other, name="b.csv").frame))
        result = load_batch(shared_db, items, "fuzz", today=dt.date(2025, 6, 1))
    except ImportProblem as exc:
        assert str(exc)
        result = None
    after = _state(shared_db)
    if result is None or not result.ok:
        assert shared_db.data_version == version
        for name in WATCHED:
            assert before[name].equals(after[name]), name
    else:
        assert shared_db.data_version == version + 1 and result.written
        for name, counts in result.counts.items():
            if name in after:
                assert counts.total == after[name].height
