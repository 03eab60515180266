"""The table specs agree with the warehouse and say everything a template and a report need."""
from __future__ import annotations

from pathlib import Path

import pytest

from analytics.core.db import Database, table_columns
from analytics.sources.ingest import TABLES, importable_tables, table_spec
from analytics.sources.ingest.tables import COLUMN_TYPES, NOT_IMPORTED


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    db = Database(tmp_path_factory.mktemp("spec") / "spec.duckdb")
    yield db
    db.close()


def test_every_fact_table_has_a_spec_whose_columns_equal_the_database(db: Database):
    in_db = set(db.table_counts()) - NOT_IMPORTED
    assert set(importable_tables()) == in_db
    for name in importable_tables():
        assert table_spec(name).names == table_columns(db, name), name


def test_each_column_is_documented_typed_and_consistent():
    for spec in TABLES.values():
        assert spec.en and spec.zh
        for col in spec.columns:
            assert col.en.strip() and col.zh.strip(), f"{spec.name}.{col.name} needs a meaning in both languages"
            assert col.type in COLUMN_TYPES
            assert (col.type == "enum") == bool(col.values), f"{spec.name}.{col.name}"
            if col.min is not None and col.max is not None:
                assert col.min <= col.max


def test_keys_references_and_rules_point_at_real_columns():
    for spec in TABLES.values():
        assert spec.primary_key, spec.name
        for ref_col in spec.references:
            target = table_spec(ref_col.ref.table)
            assert ref_col.ref.column in target.primary_key
        for rule in spec.rules:
            assert rule.a in spec and rule.b in spec


def test_known_domain_facts():
    emp = table_spec("employees")
    assert emp.natural_key == ("external_key",) and emp.surrogate
    assert "employee_id" not in emp.required and {"name", "hire_date"} <= set(emp.required)
    assert emp.upsert_key(["external_key", "name"]) == ("external_key",)
    assert emp.upsert_key(["employee_id", "external_key"]) == ("employee_id",)
    assert emp.column("exit_type").values == ("voluntary", "involuntary", "other")
    assert emp.column("probation_months").default == "3" and not emp.column("probation_months").required
    orders = table_spec("orders")
    assert orders.column("amount").type == "money" and orders.column("amount").min == 0
    assert orders.column("employee_id").ref.table == "employees" and orders.column("employee_id").keeps_text_key
    assert orders.column("customer_id").ref.table == "customers"
    assert orders.column("is_new_customer").derived and "is_new_customer" not in orders.required
    assert table_spec("assignments").column("org_unit_id").ref.table == "org_units"
    reviews = table_spec("performance_reviews")
    assert (reviews.column("rating").min, reviews.column("rating").max) == (1, 5)
    assert (reviews.column("potential").min, reviews.column("potential").max) == (1, 3)
    assert table_spec("skill_assessments").column("score").max == 5
    assert ("order", "hire_date", "termination_date") in {(r.kind, r.a, r.b) for r in emp.rules}
    assert ("order", "valid_from", "valid_to") in {(r.kind, r.a, r.b) for r in table_spec("assignments").rules}
    assert table_spec("quotas").column("month").month_start


def test_unknown_table_is_a_clear_error():
    with pytest.raises(KeyError, match="not an importable table"):
        table_spec("audit_log")


def test_no_streamlit_in_the_package():
    root = Path(__file__).resolve().parents[4] / "analytics" / "sources" / "ingest"
    for path in root.glob("*.py"):
        assert "streamlit" not in path.read_text(encoding="utf-8"), path.name
