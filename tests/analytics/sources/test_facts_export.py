"""``facts export``: every fact table as Parquet with a manifest; orders and activities by month; read back equal,
types kept; a non-empty folder refused; a failed export leaves the previous one whole."""
from __future__ import annotations

import json

import duckdb
import pytest

from analytics.cli.main import main
from analytics.core.db import Database
from analytics.sources import facts_export
from analytics.sources.ingest import importable_tables


@pytest.fixture(scope="module")
def exported(demo_db_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("facts") / "export"
    db = Database(demo_db_path, read_only=True)
    try:
        result = facts_export.export_facts(db, folder)
        counts = db.table_counts()
    finally:
        db.close()
    return result, counts


def test_every_fact_table_with_its_rows_and_types(exported, demo_db_path):
    result, counts = exported
    manifest = facts_export.read_manifest(result.folder)
    assert set(manifest["tables"]) == set(importable_tables()) and "users" not in manifest["tables"]
    assert "alerts" not in manifest["tables"] and "audit_log" not in manifest["tables"]  # bookkeeping stays home
    for table, info in manifest["tables"].items():
        assert info["rows"] == counts[table] == result.rows[table], table
    con = duckdb.connect()
    src = duckdb.connect(str(demo_db_path), read_only=True)
    try:
        for table in ("employees", "orders", "activities", "customers"):
            back = con.sql(f"select * exclude (month) from read_parquet('{result.folder}/{table}/**/*.parquet', "
                           "hive_partitioning = true)" if table in facts_export.PARTITIONED else
                           f"select * from read_parquet('{result.folder}/{table}/*.parquet')").pl()
            original = src.sql(f"select * from {table}").pl()
            key = original.columns[0]
            assert back.sort(key).equals(original.sort(key)), table  # the same rows, the same types (dates as dates)
        months = sorted(p.name for p in (result.folder / "orders").iterdir())
        expected = src.sql("select distinct strftime(order_date, '%Y-%m') as m from orders order by 1").fetchall()
        assert months == [f"month={m}" for (m,) in expected]
    finally:
        con.close()
        src.close()
    columns = dict(manifest["tables"]["orders"]["columns"])
    assert columns["order_date"] == "DATE" and manifest["tables"]["orders"]["partitioned_by"] == "month"


def test_a_non_empty_folder_is_refused_and_a_failed_export_leaves_the_old_one(exported, demo_db_path, monkeypatch,
                                                                               capsys):
    result, _ = exported
    before = (result.folder / "manifest.json").read_text(encoding="utf-8")
    code = main(["facts", "export", "--to", str(result.folder), "--db", str(demo_db_path)])
    assert code == 2 and "not empty" in capsys.readouterr().err
    real = facts_export.importable_tables
    monkeypatch.setattr(facts_export, "importable_tables", lambda: [*real()[:3], "no_such_table"])
    db = Database(demo_db_path, read_only=True)
    try:
        with pytest.raises(duckdb.Error):
            facts_export.export_facts(db, result.folder, replace=True)
    finally:
        db.close()
    assert (result.folder / "manifest.json").read_text(encoding="utf-8") == before  # the previous export, whole
    assert not [p for p in result.folder.parent.iterdir() if ".partial-" in p.name]
    monkeypatch.setattr(facts_export, "importable_tables", real)
    code = main(["facts", "export", "--to", str(result.folder), "--replace", "--db", str(demo_db_path)])
    assert code == 0 and "Exported" in capsys.readouterr().out
    assert json.loads((result.folder / "manifest.json").read_text())["tables"]["orders"]["rows"] > 0
