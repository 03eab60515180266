"""The loader: upsert by key, all or nothing, references across batch and database, ids, flags, audit."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

from analytics.core.db import Database, DatabaseError
from analytics.sources.ingest import ImportProblem, Part, load_batch, prepare
from analytics.sources.ingest import load as load_module

D = dt.date


def snapshot(db: Database) -> dict[str, pl.DataFrame]:
    """Every table's content, sorted: equal snapshots mean an equal database."""
    return {t: db.sql(f'select * from "{t}"').sort(pl.all(), nulls_last=True) for t in db.table_counts()}


def assert_same(a: dict[str, pl.DataFrame], b: dict[str, pl.DataFrame], skip: tuple[str, ...] = ()) -> None:
    assert a.keys() == b.keys()
    for table in a:
        if table not in skip:
            assert a[table].equals(b[table]), table


HR = (b"EmpID,Employee_Name,DateofHire,DateofTermination,EmploymentStatus,RecruitmentSource\n"
      b"E1,Ann,2024-01-05,,Active,Employee Referral\n"
      b"E2,Bob,2024-02-01,2024-05-31,Voluntarily Terminated,LinkedIn\n")
CUSTOMERS = b"external_key,name,tier\nC1,Acme,KA\nC2,Beta,regular\n"
ORDERS = (b"order_id,employee_id,customer_id,order_date,amount\n"
          b"1,E1,C1,2024-03-01,10\n2,E2,C1,2024-02-15,20\n3,E1,C2,2024-04-01,30\n")


def batch(hr: bytes = HR, customers: bytes = CUSTOMERS, orders: bytes = ORDERS) -> list[tuple[str, object]]:
    return [("orders", prepare(orders, "orders", name="orders.csv")),
            ("employees", prepare(hr, "employees", name="hr.csv")),
            ("customers", prepare(customers, "customers", name="customers.csv"))]


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(tmp_path / "load.duckdb")
    yield database
    database.close()


def test_batch_loads_in_dependency_order_and_resolves_external_keys(db: Database):
    result = load_batch(db, batch(), "li.na", today=D(2025, 1, 1))
    assert result.ok and result.written and not result.dry_run
    assert {t: (c.inserted, c.updated, c.unchanged) for t, c in result.counts.items()} == {
        "employees": (2, 0, 0), "customers": (2, 0, 0), "orders": (3, 0, 0)}
    orders = db.sql("select o.order_id, e.external_key as rep, c.external_key as cust, o.is_new_customer "
                    "from orders o join employees e using (employee_id) join customers c using (customer_id) "
                    "order by order_id")
    assert orders.rows() == [(1, "E1", "C1", False), (2, "E2", "C1", True), (3, "E1", "C2", True)]
    emp = db.sql("select employee_id, external_key, exit_type, hire_source from employees order by 1").rows()
    assert emp == [(1, "E1", None, "referral"), (2, "E2", "voluntary", "job_board")]
    assert result.as_of == D(2024, 5, 31) and db.meta("as_of") == "2024-05-31"


def test_reimport_changes_nothing(db: Database):
    first = load_batch(db, batch(), "li.na")
    before = snapshot(db)
    again = load_batch(db, batch(), "li.na")
    assert again.ok
    assert all((c.inserted, c.updated) == (0, 0) for c in again.counts.values())
    assert {t: c.unchanged for t, c in again.counts.items()} == {t: c.inserted for t, c in first.counts.items()}
    assert_same(before, snapshot(db), skip=("meta", "audit_log"))


def test_changed_rows_update_and_absent_columns_keep_their_values(db: Database):
    load_batch(db, batch(), "li.na")
    changed = ORDERS.replace(b"3,E1,C2,2024-04-01,30", b"3,E1,C2,2024-04-01,31")
    result = load_batch(db, [("orders", prepare(changed, "orders", name="orders.csv"))], "li.na")
    assert (result.counts["orders"].inserted, result.counts["orders"].updated,
            result.counts["orders"].unchanged) == (0, 1, 2)
    assert db.scalar("select amount from orders where order_id = 3") == 31.0
    # a file without hire_source does not erase the stored one
    slim = b"EmpID,Employee_Name,DateofHire\nE1,Ann Lee,2024-01-05\n"
    result = load_batch(db, [("employees", prepare(slim, "employees", name="slim.csv"))], "li.na")
    assert result.counts["employees"].updated == 1
    assert db.sql("select name, hire_source from employees where external_key = 'E1'").row(0) == ("Ann Lee",
                                                                                                 "referral")


def test_error_in_second_file_leaves_database_exactly_as_before(db: Database):
    load_batch(db, batch(), "li.na")
    before, version = snapshot(db), db.data_version
    bad_orders = ORDERS + b"4,E1,C1,not a date,5\n"
    more = b"EmpID,Employee_Name,DateofHire\nE3,Cy,2024-06-01\n"
    result = load_batch(db, [("employees", prepare(more, "employees", name="more.csv")),
                             ("orders", prepare(bad_orders, "orders", name="orders.csv"))], "li.na")
    assert not result.ok and not result.written and result.counts == {}
    bad = result.issues.filter(pl.col("severity") == "error").row(0, named=True)
    assert (bad["file"], bad["row"], bad["column"], bad["value"]) == ("orders.csv", 5, "order_date", "not a date")
    assert db.data_version == version
    assert_same(before, snapshot(db))


def test_failure_inside_the_transaction_rolls_everything_back(db: Database, monkeypatch: pytest.MonkeyPatch):
    load_batch(db, batch(), "li.na")
    before, version = snapshot(db), db.data_version
    real = load_module.upsert
    calls = []

    def failing(cur, spec, frame, key, **kw):
        calls.append(spec.name)
        if len(calls) == 2:
            raise duckdb.ConstraintException("simulated failure while writing the second table")
        return real(cur, spec, frame, key, **kw)

    monkeypatch.setattr(load_module, "upsert", failing)
    changed = batch(hr=HR.replace(b"Ann", b"Anne"), customers=CUSTOMERS.replace(b"Acme", b"ACME"))
    result = load_batch(db, changed, "li.na")
    assert sorted(calls) == ["customers", "employees"] and not result.ok and not result.written
    assert "simulated failure" in result.issues["problem"][0] and result.issues["code"][0] == "load"
    assert db.data_version == version
    assert_same(before, snapshot(db))


def test_references_resolve_across_batch_and_database_and_new_ids_continue(tiny_db: Database):
    """tiny_db has employees 1–5 (no external keys) and customers 10–12."""
    hr = b"EmpID,Employee_Name,DateofHire,referrer\nX1,Xu,2024-07-01,X2\nX2,Yan,2024-07-02,1\n"
    hr_prepared = prepare(hr, "employees", name="hr.csv")
    assert hr_prepared.mapping.columns["referrer"] == "referrer_id"
    cust = pl.DataFrame({"external_key": ["NEW"], "name": ["New Co"], "tier": ["regular"]})
    orders = pl.DataFrame({"order_id": [500, 501, 502], "employee_id": ["X1", "4", "X2"],
                           "customer_id": ["NEW", "10", "11"], "order_date": [D(2024, 7, 3)] * 3,
                           "amount": [1.0, 2.0, 3.0]})
    result = load_batch(tiny_db, [("employees", hr_prepared), Part("customers", cust, file="c.csv"),
                                  ("orders", orders, "o.csv")], "li.na")
    assert result.ok, result.issues
    people = dict(tiny_db.sql("select external_key, employee_id from employees where external_key is not null").rows())
    assert people == {"X1": 6, "X2": 7}                                 # after the largest id, 5
    assert tiny_db.sql("select employee_id, referrer_id from employees where employee_id >= 6 order by 1").rows() == [
        (6, 7), (7, 1)]                                                   # X2 from this file, 1 from the database
    assert tiny_db.scalar("select customer_id from customers where external_key = 'NEW'") == 13
    got = tiny_db.sql("select order_id, employee_id, customer_id, is_new_customer from orders where order_id >= 500 "
                      "order by 1").rows()
    assert got == [(500, 6, 13, True), (501, 4, 10, False), (502, 7, 11, False)]


def test_reference_missing_from_batch_and_database_is_refused(tiny_db: Database):
    before = snapshot(tiny_db)
    orders = pl.DataFrame({"order_id": ["600"], "employee_id": ["nobody"], "customer_id": ["10"],
                           "order_date": ["2024-07-01"], "amount": ["5"]})
    result = load_batch(tiny_db, [("orders", orders, "o.csv")], "li.na")
    assert not result.ok
    issue = result.issues.row(0, named=True)
    assert (issue["row"], issue["column"], issue["value"], issue["code"]) == (2, "employee_id", "nobody", "reference")
    assert_same(before, snapshot(tiny_db))


def test_new_customer_flag_considers_orders_already_stored(tiny_db: Database):
    """Customer 10's first order is 100 (2024-01-15); an earlier one arrives and takes the flag."""
    orders = pl.DataFrame({"order_id": [700, 701], "employee_id": ["1", "1"], "customer_id": ["10", "12"],
                           "order_date": [D(2023, 12, 1), D(2024, 5, 1)], "amount": [5.0, 6.0]})
    result = load_batch(tiny_db, [("orders", orders, "o.csv")], "li.na")
    assert result.ok and result.counts["orders"].inserted == 2 and result.counts["orders"].updated == 1
    flags = dict(tiny_db.sql("select order_id, is_new_customer from orders where order_id in (100, 700, 701)").rows())
    assert flags == {100: False, 700: True, 701: False}
    assert any("no longer their customer's first order" in n for n in result.notes)


def test_data_version_bumps_once_and_audit_names_files_not_people(db: Database):
    v0 = db.data_version
    result = load_batch(db, batch(), "li.na")
    assert db.data_version == v0 + 1 == result.data_version
    audit = db.sql("select * from audit_log").row(-1, named=True)
    assert (audit["actor"], audit["action"], audit["n_rows"]) == ("li.na", "import", 7)
    assert set(audit["target"].split(",")) == {"employees", "customers", "orders"}
    detail = json.loads(audit["detail"])
    assert sorted(detail["files"]) == ["customers.csv", "hr.csv", "orders.csv"]
    assert detail["tables"]["orders"] == {"inserted": 3, "updated": 0, "unchanged": 0}
    assert "Ann" not in audit["detail"] and "Acme" not in audit["detail"]
    failed = load_batch(db, [("orders", prepare(b"order_id,customer_id,order_date,amount\n9,C1,x,1\n", "orders",
                                                name="bad.csv"))], "li.na")
    assert not failed.ok and db.data_version == v0 + 1 and db.table_counts()["audit_log"] == 1


def test_dry_run_counts_exactly_and_writes_nothing(db: Database):
    load_batch(db, batch(), "li.na")
    before, version = snapshot(db), db.data_version
    changed = ORDERS.replace(b"30", b"31") + b"4,E2,C2,2024-06-01,7\n"
    result = load_batch(db, [("orders", prepare(changed, "orders", name="orders.csv"))], "li.na", dry_run=True)
    assert result.ok and result.dry_run and not result.written
    c = result.counts["orders"]
    assert (c.inserted, c.updated, c.unchanged, c.total) == (1, 1, 2, 4)
    assert db.data_version == version
    assert_same(before, snapshot(db))


def test_as_of_moves_forward_only(db: Database):
    load_batch(db, batch(), "li.na", today=D(2025, 1, 1))
    assert db.meta("as_of") == "2024-05-31"
    older = b"order_id,employee_id,customer_id,order_date,amount\n10,E1,C1,2023-01-10,1\n"
    load_batch(db, [("orders", prepare(older, "orders", name="old.csv"))], "li.na", today=D(2025, 1, 1))
    assert db.meta("as_of") == "2024-05-31"
    newer = b"order_id,employee_id,customer_id,order_date,amount\n11,E1,C1,2024-08-10,1\n12,E1,C1,2031-01-01,1\n"
    result = load_batch(db, [("orders", prepare(newer, "orders", name="new.csv"))], "li.na", today=D(2025, 1, 1))
    assert db.meta("as_of") == "2024-08-31" and result.as_of == D(2024, 8, 31)      # future dates ignored


def test_a_commit_that_silently_rolls_back_is_detected(db: Database, monkeypatch: pytest.MonkeyPatch):
    """DuckDB 2.0 can turn a COMMIT into a rollback without raising: the counts after it must catch that."""
    from contextlib import contextmanager

    @contextmanager
    def silent_rollback():
        cur = db.cursor()
        cur.execute("begin transaction")
        yield cur
        cur.execute("rollback")

    monkeypatch.setattr(db, "transaction", silent_rollback)
    with pytest.raises(DatabaseError, match="did not take"):
        load_batch(db, batch(), "li.na")
    assert db.table_counts()["employees"] == 0
    monkeypatch.undo()
    load_batch(db, batch(), "li.na")
    monkeypatch.setattr(db, "transaction", silent_rollback)
    with pytest.raises(DatabaseError, match="did not take"):      # updates only: the counts alone would not tell
        load_batch(db, batch(orders=ORDERS.replace(b",30", b",31")), "li.na")
    assert db.scalar("select amount from orders where order_id = 3") == 30.0


def test_insert_only_parts_keep_stored_rows(tiny_db: Database):
    org = pl.DataFrame({"org_unit_id": ["east", "brand-new"], "parent_id": ["company", "company"],
                        "level": ["region", "region"], "name_en": ["EAST (other name)", "New"],
                        "name_zh": ["东", "新"]})
    result = load_batch(tiny_db, [Part("org_units", org, file="org.csv", insert_only=True)], "li.na")
    c = result.counts["org_units"]
    assert (c.inserted, c.updated, c.unchanged) == (1, 0, 1)
    assert tiny_db.scalar("select name_en from org_units where org_unit_id = 'east'") == "East"


def test_malformed_batches_raise_import_problem(db: Database):
    with pytest.raises(ImportProblem, match="nothing to import"):
        load_batch(db, [], "li.na")
    with pytest.raises(ImportProblem, match="not an importable table"):
        load_batch(db, [("nope", pl.DataFrame({"a": [1]}))], "li.na")
    with pytest.raises(ImportProblem, match="holds a dict"):
        load_batch(db, [("orders", {"a": 1})], "li.na")
    with pytest.raises(ImportProblem, match="prepared for table employees"):
        load_batch(db, [("orders", prepare(HR, "employees", name="hr.csv"))], "li.na")
