"""A database written before issue 21 (no leads table, reviews without values, collaboration and veto): opened
read-only it reads them as empty and null; opened for writing it gains them for real, its rows kept."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from analytics.core.db import Database, table_columns

NEW_COLUMNS = ["value_customer", "value_teamwork", "value_results", "collaboration", "veto", "veto_reason"]


def _older_file(path: Path) -> None:
    Database(path).close()
    con = duckdb.connect(str(path))
    con.execute("drop table leads")
    for column in NEW_COLUMNS:
        con.execute(f"alter table performance_reviews drop column {column}")
    con.execute("insert into employees (employee_id, name, hire_date) values (1, 'A', date '2024-01-01')")
    con.execute("insert into performance_reviews (employee_id, quarter, review_date, rating, potential) "
                "values (1, '2024-Q2', date '2024-06-30', 4, 3)")
    con.close()


def test_read_only_reads_the_new_columns_as_null_and_leads_as_empty(tmp_path: Path):
    path = tmp_path / "old.duckdb"
    _older_file(path)
    db = Database(path, read_only=True)
    try:
        assert db.sql("select rating, value_customer, collaboration, veto, veto_reason from performance_reviews"
                      ).rows() == [(4, None, None, None, None)]
        assert db.scalar("select count(*) from leads") == 0
        traits = db.query("rep_traits", as_of=dt.date(2024, 7, 1))
        assert traits.select("rating", "veto").rows() == [(4, False)]
    finally:
        db.close()


def test_a_writable_open_adds_the_columns_and_keeps_the_rows(tmp_path: Path):
    path = tmp_path / "old.duckdb"
    _older_file(path)
    db = Database(path)
    try:
        assert set(NEW_COLUMNS) <= set(table_columns(db, "performance_reviews"))
        assert "created_on" in table_columns(db, "leads")
        assert db.sql("select rating, veto from performance_reviews").rows() == [(4, None)]
    finally:
        db.close()
