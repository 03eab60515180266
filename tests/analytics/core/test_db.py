"""The warehouse layer: bad paths and files get one clear sentence, writes are all-or-nothing."""
from pathlib import Path

import duckdb
import polars as pl
import pytest

from analytics.core.db import SCHEMA_VERSION, Database, DatabaseError, QueryError


def test_creates_schema_and_counts_versions(tmp_path: Path):
    db = Database(tmp_path / "sub" / "new.duckdb")
    assert db.meta("schema_version") == str(SCHEMA_VERSION)
    assert db.data_version == 0
    counts = db.table_counts()
    for table in ["employees", "assignments", "orders", "quotas", "goals", "action_items", "audit_log", "meta"]:
        assert table in counts
    frame = pl.DataFrame({"skill_id": ["x"], "name_en": ["X"], "name_zh": ["某"], "category": ["c"]})
    db.replace_tables({"skills": frame}, actor="t", action="test")
    db.replace_tables({"skills": frame}, actor="t", action="test")
    assert db.data_version == 2
    assert db.table_counts()["skills"] == 1
    assert db.sql("select count(*) as n from audit_log")["n"][0] == 2
    db.close()


def test_failed_write_leaves_nothing(tmp_path: Path):
    db = Database(tmp_path / "t.duckdb")
    good = pl.DataFrame({"skill_id": ["x"], "name_en": ["X"], "name_zh": ["某"], "category": ["c"]})
    db.replace_tables({"skills": good}, actor="t", action="test")
    bad = pl.DataFrame({"skill_id": ["y", "y"], "name_en": ["Y", "Y"], "name_zh": ["乙", "乙"], "category": ["c", "c"]})
    with pytest.raises(Exception, match=r"(?i)duplicate|constraint"):
        db.replace_tables({"skills": bad}, actor="t", action="test")
    assert db.sql("select skill_id from skills")["skill_id"].to_list() == ["x"]
    assert db.data_version == 1
    with pytest.raises(DatabaseError, match="Unknown table"):
        db.replace_tables({"nonsense": good}, actor="t", action="test")
    db.close()


def test_not_a_duckdb_file_is_refused_and_left_alone(tmp_path: Path):
    path = tmp_path / "notes.duckdb"
    path.write_text("these are my notes")
    with pytest.raises(DatabaseError, match="is not a DuckDB database"):
        Database(path)
    assert path.read_text() == "these are my notes"


def test_unwritable_location_is_refused_without_creating_anything(tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(DatabaseError, match="not writable"):
        Database(blocker / "inside" / "db.duckdb")
    with pytest.raises(DatabaseError, match="is a folder"):
        Database(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_a_file_named_like_the_panels_schema_is_refused(tmp_path: Path):
    """DuckDB names a file's catalog after it: panels.duckdb would make every panels.<table> ambiguous."""
    with pytest.raises(DatabaseError, match=r"may not be named panels\.duckdb"):
        Database(tmp_path / "panels.duckdb")
    assert not list(tmp_path.iterdir())


def test_newer_schema_is_refused_untouched(tmp_path: Path):
    path = tmp_path / "future.duckdb"
    db = Database(path)
    with db.transaction() as cur:
        cur.execute("update meta set value = '99' where key = 'schema_version'")
    db.close()
    with pytest.raises(DatabaseError, match=r"newer Tandem .*version 99"):
        Database(path)
    con = duckdb.connect(str(path), read_only=True)
    assert con.sql("select value from meta where key = 'schema_version'").fetchall() == [("99",)]
    con.close()


def test_named_queries_bind_parameters(tmp_path: Path):
    db = Database(tmp_path / "q.duckdb")
    with pytest.raises(QueryError, match="Missing query parameter"):
        db.query("hr_events", start="2024-01-01")
    with pytest.raises(QueryError, match="no named query"):
        db.query("drop_everything")
    with pytest.raises(QueryError, match="not a valid"):
        db.query("../schema")
    # a value that looks like SQL is only ever a value
    assert db.sql("select $x as v", x="'; drop table employees; --")["v"][0].startswith("'")
    assert "employees" in db.table_counts()
    db.close()


def test_every_contract_passes_on_the_tiny_company(tiny_db):
    broken = {name: rows for name, rows in tiny_db.run_checks().items() if rows.height}
    assert not broken


def test_contracts_catch_broken_rows(tiny_db):
    with tiny_db.transaction() as cur:
        cur.execute("update employees set termination_date = date '2020-01-01', exit_type = 'voluntary' "
                    "where employee_id = 4")
        cur.execute("insert into orders values (999, 1, 10, date '2024-01-01', -5, null, false)")
    results = tiny_db.run_checks()
    assert results["employees_termination_after_hire"]["employee_id"].to_list() == [4]
    assert results["orders_amount_non_negative"]["order_id"].to_list() == [999]


def test_duckdb_memory_and_threads_come_from_the_machine_or_the_environment(tmp_path, monkeypatch):
    import os

    from analytics.core import db as dbmod

    total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    dbmod.engine_config.cache_clear()
    try:
        assert dbmod.engine_config() == {"memory_limit": f"{max(1024, int(total_mb * 0.15))}MB",
                                         "threads": str(os.cpu_count())}
        dbmod.engine_config.cache_clear()
        monkeypatch.setenv("TANDEM_DUCKDB_MEMORY_MB", "700")
        monkeypatch.setenv("TANDEM_DUCKDB_THREADS", "1")
        db = Database(tmp_path / "limits.duckdb")
        try:
            limit, threads = db.sql("select current_setting('memory_limit'), current_setting('threads')").row(0)
            assert limit.startswith("667") and threads == 1  # 700 MB = 667.5 MiB as DuckDB prints it
        finally:
            db.close()
        dbmod.engine_config.cache_clear()
        monkeypatch.setenv("TANDEM_DUCKDB_THREADS", "none")
        with pytest.raises(DatabaseError, match="TANDEM_DUCKDB_THREADS"):
            dbmod.engine_config()
    finally:
        dbmod.engine_config.cache_clear()


def test_memoised_query_results_stay_within_their_byte_budget(tiny_db, monkeypatch):
    """A named query's result is kept for the next ask only while the memo stays within its budget; a result
    larger than a quarter of it is never kept (at the large company one panel is hundreds of MB)."""
    import datetime as dt

    import analytics.core.db as dbmod

    args = {"start": dt.date(2024, 1, 1), "end": dt.date(2024, 6, 1), "all_units": True, "units": []}
    first = tiny_db.query("hr_events", **args)
    assert tiny_db.query("hr_events", **args) is first  # kept: asked again, not recomputed
    size = first.estimated_size()
    tiny_db._memo.clear()
    monkeypatch.setattr(dbmod, "memo_budget", lambda: size * 4 - 1)
    again = tiny_db.query("hr_events", **args)
    assert tiny_db.query("hr_events", **args) is not again and not tiny_db._memo  # too large to keep
    monkeypatch.setattr(dbmod, "memo_budget", lambda: size * 4)
    kept = tiny_db.query("hr_events", **args)
    other = tiny_db.query("hr_events", **{**args, "end": dt.date(2024, 5, 1)})
    assert sum(f.estimated_size() for f in tiny_db._memo.values()) <= size * 4
    assert tiny_db.query("hr_events", **{**args, "end": dt.date(2024, 5, 1)}) is other
    assert kept.height and other.height


def test_a_derived_frame_is_computed_once_per_data_version(tiny_db):
    """``Database.derived`` keeps a compact frame computed from rows too large for the memo: asked again for
    the same name and parameters it is not recomputed; other parameters or a write compute it again."""
    calls: list[int] = []

    def compute() -> pl.DataFrame:
        calls.append(1)
        return pl.DataFrame({"n": [len(calls)]})

    first = tiny_db.derived("figures", {"by": ["region_id"], "period": "2025-Q3"}, compute)
    assert tiny_db.derived("figures", {"by": ["region_id"], "period": "2025-Q3"}, compute) is first
    assert tiny_db.derived("figures", {"by": ["team_id"], "period": "2025-Q3"}, compute)["n"][0] == 2
    with tiny_db.transaction() as cur:  # any write retires it
        cur.execute("update meta set value = value where key = 'as_of'")
    assert tiny_db.derived("figures", {"by": ["region_id"], "period": "2025-Q3"}, compute)["n"][0] == 3
    assert len(calls) == 3


def test_an_older_file_opened_read_only_reads_the_newer_tables_as_empty(tmp_path):
    """A file from before a table was added, opened read-only (the command line), must read it as empty, not fail;
    the next writable open adds the table for real."""
    path = tmp_path / "old.duckdb"
    Database(path).close()
    import duckdb

    con = duckdb.connect(str(path))
    con.execute("drop table improvement_plans")  # as an earlier Tandem wrote it
    con.close()
    db = Database(path, read_only=True)
    try:
        assert db.scalar("select count(*) from improvement_plans") == 0
        import threading

        counts = []
        worker = threading.Thread(target=lambda: counts.append(db.scalar("select count(*) from improvement_plans")))
        worker.start()
        worker.join()
        assert counts == [0]  # every thread's cursor sees the stand-in
    finally:
        db.close()
    db = Database(path)
    try:
        assert db.scalar("select count(*) from duckdb_tables() where table_name = 'improvement_plans' "
                         "and not temporary") == 1
    finally:
        db.close()
