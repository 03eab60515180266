"""``python -m analytics sync --from postgresql://…`` against a real PostgreSQL server started for this module.

The server (tests/pg_server.py) listens on 127.0.0.1 with password authentication; every test gets its own
database. Without PostgreSQL the module is skipped, and under ``CI=true`` it fails.
"""
from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from analytics.cli import sync_cmd
from analytics.cli.main import build_parser, main
from analytics.core.db import Database
from analytics.sources.ingest import ImportProblem, importable_tables
from analytics.sources.ingest.postgres import PgSource, list_tables, read_table, snapshot
from tests.datasets import dataset
from tests.pg_server import clean_environment, free_port, module_server

USER, PASSWORD = "tandem", "Sync-Pw-41x9"
CRM_FILES = ("sales_teams.csv", "accounts.csv", "products.csv", "sales_pipeline.csv")
_numbers = itertools.count(1)

PEOPLE = """create table employees (
    emp_id text primary key, name text not null, hire_date text, termination_date date, exit_type text,
    updated_at timestamptz not null default now());
insert into employees (emp_id, name, hire_date, termination_date, exit_type, updated_at) values
    ('E1', 'Ann Lee', '2024-01-05', null, null, '2025-01-01 09:00:00+00'),
    ('E2', 'Bob Ma', '2024-02-01', '2024-05-31', 'Voluntarily Terminated', '2025-01-01 09:00:00+00'),
    ('E3', 'Cy Wu', '2024-03-11', null, null, '2025-01-02 09:00:00+00');
create table customers (external_key text primary key, name text not null, tier text not null);
insert into customers values ('C1', 'Acme', 'KA'), ('C2', 'Beta', 'regular');
create table orders (order_id bigint primary key, employee_id text, customer_id text, order_date date,
    amount numeric(12, 2), modified_at timestamp not null);
insert into orders values (1, 'E1', 'C1', '2024-03-01', 1200.50, '2025-01-01 10:00:00'),
    (2, 'E3', 'C2', '2024-04-15', 300, '2025-01-01 10:00:00');
create table wiki_pages (id int primary key, body text);
insert into wiki_pages values (1, 'not HR, not CRM');
"""


server = module_server(USER, PASSWORD)
_no_pg_environment = clean_environment()


def new_database(server, script: str = PEOPLE) -> str:
    """A database owned by the sync user, filled by ``script``; its URL with the password in it."""
    return server.database(f"src{next(_numbers)}", USER, PASSWORD, script)


def pg(url: str, statement: str, params: list | None = None) -> None:
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(statement, params)


def sync(capsys, url: str, db: Path, *extra: str) -> tuple[int, str, str]:
    code = main(["sync", "--quiet", "--from", url, "--db", str(db), *extra])
    out = capsys.readouterr()
    return code, out.out, out.err


@contextmanager
def _ro(path: Path) -> Iterator[Database]:
    """The database, read only, for a ``with`` block."""
    db = Database(path, read_only=True)
    try:
        yield db
    finally:
        db.close()


def everything(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table (sorted), the meta rows included: to compare a database before and after."""
    with _ro(path) as db:
        return {t: sorted(db.sql(f'select * from "{t}"').rows(), key=repr) for t in db.table_counts()}


def marks(path: Path) -> dict[str, tuple]:
    with _ro(path) as db:
        rows = db.sql("select source_table, change_column, mark, rows_read from sync_marks").rows()
    return {r[0]: r[1:] for r in rows}


def test_first_sync_loads_recognised_tables_and_leaves_others_out(server, tmp_path, capsys):
    url = new_database(server)
    db = tmp_path / "t.duckdb"
    code, out, err = sync(capsys, url, db)
    assert code == 0, out + err
    label = f"postgresql://127.0.0.1:{server.port}/{url.rsplit('/', 1)[1]}"
    assert f"{label}, schema public: left out (not recognised; --table NAME=TABLE takes one): wiki_pages." in out
    assert f"{label}#public.employees → employees: 3 rows, key external_key; 0 error(s)" in out
    assert "| orders    | 2        | 0       | 0         | 2     |" in out
    with _ro(db) as d:
        people = d.sql("select external_key, name, hire_date::varchar as hired, exit_type from employees "
                       "order by 1").rows()
        assert people == [("E1", "Ann Lee", "2024-01-05", None), ("E2", "Bob Ma", "2024-02-01", "voluntary"),
                          ("E3", "Cy Wu", "2024-03-11", None)]
        orders = d.sql("select order_id, amount, is_new_customer from orders order by 1").rows()
        assert orders == [(1, 1200.5, True), (2, 300.0, True)]
        audit = d.sql("select action, target from audit_log where action = 'sync'").rows()
        assert audit == [("sync", "customers,employees,orders")]
    assert marks(db) == {"public.employees": ("updated_at", "2025-01-02 09:00:00+00", 3),
                         "public.orders": ("modified_at", "2025-01-01 10:00:00", 2),
                         "public.customers": (None, None, 2)}


def label(server, url: str) -> str:
    return f"postgresql://127.0.0.1:{server.port}/{url.rsplit('/', 1)[1]}"


def version(path: Path) -> int:
    with _ro(path) as d:
        return d.data_version


FLAT = """create table hris ("EmpID" text primary key, "Employee_Name" text, "DateofHire" text, "Department" text,
    "Position" text, "ManagerName" text, updated_at timestamp);
insert into hris values ('101', 'Lee, Ann', '1/5/2024', 'Sales', 'Area Sales Manager', '', '2025-01-01'),
    ('102', 'Ma, Bob', '2/1/2024', 'Sales', 'Sales Rep', 'Ann Lee', '2025-01-01'),
    ('103', 'Wu, Cy', '3/11/2024', 'IT/IS', 'IT Support', 'Ann Lee', '2025-01-01');
create table sales_teams (sales_agent text, manager text, regional_office text);
insert into sales_teams values ('Dee Ong', 'Kim Ro', 'East'), ('Eli Fox', 'Kim Ro', 'East');
create table accounts (account text, sector text, revenue numeric);
insert into accounts values ('Acme', 'technology', 100), ('Beta', 'retail', 50);
create table sales_pipeline (opportunity_id text primary key, sales_agent text, product text, account text,
    deal_stage text, engage_date date, close_date date, close_value numeric, updated_at timestamptz);
insert into sales_pipeline values
    ('AAA1', 'Dee Ong', 'GTX Pro', 'Acme', 'Won', '2024-01-10', '2024-02-01', 100, '2025-01-01'),
    ('AAA2', 'Eli Fox', 'GTX Pro', 'Acme', 'Engaging', '2024-03-05', null, null, '2025-01-01'),
    ('AAA3', 'Dee Ong', 'GTX Pro', 'Beta', 'Engaging', '2024-02-01', null, null, '2025-01-01');
"""


def test_flat_exports_roster_by_row_and_a_crm_set_whole(server, tmp_path, capsys):
    url, db = new_database(server, FLAT), tmp_path / "t.duckdb"
    code, out, err = sync(capsys, url, db)
    assert code == 0, out + err
    assert "public.hris: this looks like a flat HR export" in out and "this looks like a CRM deals export" in out
    query = ("select e.external_key, e.hire_date::varchar, a.org_unit_id, m.external_key from employees e "
             "join assignments a using (employee_id) left join employees m on m.employee_id = a.manager_id "
             "where e.external_key in ('103', 'Dee Ong') order by 1")
    with _ro(db) as d:
        assert d.sql(query).rows() == [("103", "2024-03-11", "it-is--ann-lee", "101"),
                                       ("Dee Ong", "2024-01-10", "east--kim-ro", "Kim Ro")]
    pg(url, """update hris set "Department" = 'Production', updated_at = '2025-02-01' where "EmpID" = '103'""")
    pg(url, "update sales_pipeline set deal_stage = 'Won', close_date = '2024-05-01', close_value = 70, "
            "updated_at = '2025-02-01' where opportunity_id = 'AAA3'")
    code, out, err = sync(capsys, url, db)
    assert code == 0, out + err
    assert f"{label(server, url)}#public.hris: 1 rows × 7 columns read." in out     # the roster: the changed row
    for table, n in (("sales_teams", 2), ("accounts", 2), ("sales_pipeline", 3)):  # the CRM set: whole
        assert f"{label(server, url)}#public.{table}: {n} rows × " in out
    with _ro(db) as d:     # the deal's agent keeps the hire date of their first deal (a set read whole)
        assert d.sql(query).rows() == [("103", "2024-03-11", "production--ann-lee", "101"),
                                       ("Dee Ong", "2024-01-10", "east--kim-ro", "Kim Ro")]
        assert d.sql("select count(*) from orders").item() == 2
    assert marks(db)["public.sales_pipeline"] == ("updated_at", "2025-02-01 00:00:00+00", 3)
    code, out, _ = sync(capsys, url, db)
    assert code == 0 and "Nothing changed" in out


def test_a_table_reads_as_text_the_way_postgresql_prints_it(server, tmp_path, capsys, monkeypatch):
    url = new_database(server, """create table t (id int primary key, d date, ts timestamptz, b boolean,
        n numeric(8, 2), f float8, s text);
        insert into t values (2, '2024-01-05', '2024-01-05 13:45:00+00', true, 1234.5, 1e6, 'x,"y"' || chr(10) || 'z'),
                             (10, null, null, false, -3, 0.25, '')""")
    monkeypatch.setenv("PGTZ", "Asia/Shanghai")                  # the session's zone: +08
    source = PgSource.parse(url)
    with source.connect() as conn:
        (table,) = list_tables(conn, source)
        with snapshot(conn, source):
            got = read_table(conn, source, table)
            with pytest.raises(ImportProblem) as refused:
                read_table(conn, source, table, budget=7 * 40)
    assert got is not None and table.primary_key == ("id",) and table.change_column is None
    assert got.read.info.name == f"{label(server, url)}#public.t"
    assert got.read.frame.rows() == [
        ("2", "2024-01-05", "2024-01-05 21:45:00", "true", "1234.50", "1000000", 'x,"y"\nz', 1),
        ("10", None, None, "false", "-3.00", "0.25", "", 2)]    # numbered in key order (10 after 2)
    assert refused.value.code == "too_big" and "public.t" in str(refused.value)
    code, _, err = sync(capsys, url, tmp_path / "t.duckdb", "--schema", "elsewhere")
    assert code == 2 and "schema elsewhere: has no table or view" in err


def synced(server, tmp_path: Path, capsys) -> tuple[str, Path]:
    """A source with the PEOPLE tables, synced once into a new database."""
    url, db = new_database(server), tmp_path / "t.duckdb"
    assert sync(capsys, url, db)[0] == 0
    return url, db


def test_incremental_reads_only_changed_rows_and_updates_them(server, tmp_path, capsys):
    url, db = synced(server, tmp_path, capsys)
    first = version(db)
    pg(url, "update employees set name = 'Ann Lee-Chen', updated_at = '2025-02-01 08:00:00+00' where emp_id = 'E1'")
    pg(url, "insert into employees values ('E4', 'Di Xu', '2025-01-20', null, null, '2025-02-01 08:00:00+00')")
    code, out, err = sync(capsys, url, db)
    assert code == 0, out + err
    assert f"{label(server, url)}#public.employees: 2 rows × 6 columns read." in out
    assert "the rows changed since 2025-01-02 09:00:00+00 (updated_at)" in out
    assert "Unchanged since the last sync: public.customers, public.orders." in out
    assert "| employees | 1        | 1       | 0         | 4     |" in out
    with _ro(db) as d:
        assert d.sql("select name from employees where external_key in ('E1', 'E4') order by 1").rows() == [
            ("Ann Lee-Chen",), ("Di Xu",)]
    assert marks(db)["public.employees"] == ("updated_at", "2025-02-01 08:00:00+00", 2)
    assert version(db) == first + 1
    before = everything(db)                 # nothing new: nothing read, nothing written, the version stays
    code, out, _ = sync(capsys, url, db)
    assert code == 0 and "nothing was written" in out
    assert everything(db) == before


def test_a_bad_value_refuses_the_round_and_the_mark_waits_for_the_fix(server, tmp_path, capsys):
    url, db = synced(server, tmp_path, capsys)
    before = everything(db)
    pg(url, "update employees set hire_date = 'someday', updated_at = '2025-03-01 00:00:00+00' where emp_id = 'E2'")
    pg(url, "update orders set amount = 99, modified_at = '2025-03-01 00:00:00' where order_id = 1")
    report = tmp_path / "issues.csv"
    code, out, _ = sync(capsys, url, db, "--report", str(report))
    assert code == 1 and "nothing was written" in out
    rows = list(csv.DictReader(report.read_text(encoding="utf-8-sig").splitlines()))
    source = f"{label(server, url)}#public.employees"
    assert [(r["file"], r["row"], r["column"], r["value"], r["code"]) for r in rows] == [
        (source, "2", "hire_date", "someday", "type")]           # E2 is the second row by emp_id
    assert everything(db) == before                               # every table, marks and data version included
    pg(url, "update employees set hire_date = '2024-02-03', updated_at = '2025-03-02 00:00:00+00' "
            "where emp_id = 'E2'")
    code, out, _ = sync(capsys, url, db)
    assert code == 0
    assert "| employees | 0        | 1       | 0         | 3     |" in out
    assert "| orders    | 0        | 1       | 0         | 2     |" in out    # the order change was not lost
    with _ro(db) as d:
        assert d.sql("select hire_date::varchar from employees where external_key = 'E2'").item() == "2024-02-03"
        assert d.sql("select amount from orders where order_id = 1").item() == 99.0
    assert marks(db)["public.employees"][1] == "2025-03-02 00:00:00+00"


def test_a_refused_connection_is_one_line_without_the_password(server, tmp_path, capsys):
    db = tmp_path / "t.duckdb"
    closed = f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{free_port()}/nowhere"
    code, out, err = sync(capsys, closed, db)
    assert code == 2 and err.count("\n") == 1
    assert "cannot connect to PostgreSQL at 127.0.0.1" in err and "'nowhere'" in err and "refused" in err
    assert PASSWORD not in out + err and not db.exists()
    wrong = server.url(USER, "Wrong-Pw-7713", "postgres")
    code, out, err = sync(capsys, wrong, db)
    assert code == 2 and err.count("\n") == 1 and "password authentication failed" in err
    assert "Wrong-Pw-7713" not in out + err and not db.exists()


def test_dry_run_counts_and_writes_nothing(server, tmp_path, capsys):
    url, db = new_database(server), tmp_path / "t.duckdb"
    code, out, _ = sync(capsys, url, db, "--dry-run")
    assert code == 0 and "Dry run — would load:" in out and not db.exists()
    assert sync(capsys, url, db)[0] == 0
    pg(url, "update customers set tier = 'regular' where external_key = 'C1'")
    before = everything(db)
    code, out, _ = sync(capsys, url, db, "--dry-run")
    assert code == 0 and "| customers | 0        | 1       | 1         | 2     |" in out
    assert everything(db) == before


def test_tables_named_on_the_command_line_with_a_mapping_profile(server, tmp_path, capsys):
    url = new_database(server, PEOPLE + """create table staff (staff_no text, full_name text, start_day text);
        insert into staff values ('S1', 'Eve Tan', '05.01.2024'), ('S2', 'Fu Lin', '17.03.2024');""")
    profile = tmp_path / "staff.json"
    profile.write_text(json.dumps({"format": "tandem-mapping", "version": 1, "name": "staff", "table": "employees",
                                   "columns": {"staff_no": "external_key", "start_day": "hire_date"},
                                   "date_order": {"hire_date": "DMY"}}), encoding="utf-8")
    db = tmp_path / "t.duckdb"
    code, out, err = sync(capsys, url, db, "--table", "staff=employees", "--mapping", str(profile))
    assert code == 0, out + err
    with _ro(db) as d:
        assert d.sql("select external_key, name, hire_date::varchar from employees order by 1").rows() == [
            ("S1", "Eve Tan", "2024-01-05"), ("S2", "Fu Lin", "2024-03-17")]
    assert marks(db) == {"public.staff": (None, None, 2)}     # no change column: read whole, by fingerprint
    code, _, err = sync(capsys, url, db, "--table", "wiki_pages")
    assert code == 2 and "cannot tell which Tandem table public.wiki_pages is for" in err
    code, _, err = sync(capsys, url, db, "--table", "nothing_here")
    assert code == 2 and "there is no table or view 'nothing_here'" in err


def test_every_runs_rounds_and_a_failed_round_is_tried_again(server, tmp_path, capsys):
    url, db = new_database(server), tmp_path / "t.duckdb"
    pg(url, f"revoke select on orders from {USER}")
    waits: list[float] = []

    def fake_sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 1:
            pg(url, f"grant select on orders to {USER}")
        else:
            pg(url, "insert into orders values (3, 'E1', 'C2', '2024-06-01', 50, '2025-04-01 00:00:00')")

    args = build_parser().parse_args(["sync", "--quiet", "--from", url, "--db", str(db), "--every", "5",
                                      "--rounds", "3"])
    code = sync_cmd.run_every(args, PgSource.parse(url), sync_cmd._request(args), sleep=fake_sleep)
    out = capsys.readouterr()
    assert code == 0
    failed = [line for line in out.err.splitlines() if line.startswith("round 1 failed")]
    assert len(failed) == 1 and "permission denied for table orders" in failed[0]
    assert "the next round tries again in 5 minute(s)" in failed[0] and PASSWORD not in out.err
    assert out.out.count("— round ") == 3 and "| orders | 1        | 0       | 0         | 3     |" in out.out
    assert len(waits) == 2 and all(250 < w <= 300 for w in waits)
    assert marks(db)["public.orders"][1] == "2025-04-01 00:00:00"
    code = main(["sync", "--quiet", "--from", url, "--db", str(db), "--every", "0.0001", "--rounds", "2"])
    assert code == 0 and capsys.readouterr().out.count("Nothing changed") == 2


def test_the_password_is_never_printed_or_stored(server, tmp_path, capsys, monkeypatch):
    url, db = new_database(server), tmp_path / "t.duckdb"
    code, out, err = sync(capsys, url, db)
    assert main(["sync", "--from", url, "--db", str(db), "--full"]) == 0    # with progress lines
    more = capsys.readouterr()
    assert code == 0 and PASSWORD not in out + err + more.out + more.err and "connecting to" in more.err
    assert PASSWORD not in repr(everything(db))                  # audit log and marks included
    monkeypatch.setenv("PGPASSWORD", PASSWORD)                   # PGPASSWORD instead of the URL
    bare = url.replace(f":{PASSWORD}@", "@")
    code, out, err = sync(capsys, bare, db, "--full")
    assert code == 0 and PASSWORD not in out + err
    with _ro(db) as d:
        details = " ".join(d.sql("select detail from audit_log where action = 'sync'")["detail"].to_list())
    assert label(server, url) + "#public.employees" in details and USER not in details


def _copy_csv(url: str, path: Path, table: str) -> None:
    """The CSV as it is into a table of text columns named by its header (PostgreSQL's COPY), keyed by a
    ``line_no`` in file order: a heap has no order of its own (COPY may place a later row on an earlier page),
    and Tandem numbers new people and deals in the order it reads them."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh))
    with psycopg.connect(url, autocommit=True) as con:
        columns = ", ".join(f'"{name}" text' for name in header)
        con.execute(f'create table "{table}" (line_no bigserial primary key, {columns})')
        names = ", ".join(f'"{name}"' for name in header)
        with con.cursor().copy(f'copy "{table}" ({names}) from stdin with (format csv, header true)') as copy:
            copy.write(path.read_bytes())


def test_the_public_datasets_synced_equal_the_file_import(server, tmp_path, capsys):
    hr = dataset("hr_dataset_v14/HRDataset_v14.csv")
    crm = [dataset(f"crm_sales_opportunities/{name}") for name in CRM_FILES]
    url = new_database(server, "select 1")
    for path in [hr, *crm]:
        _copy_csv(url, path, path.stem.lower())
    by_file, by_sync = tmp_path / "file.duckdb", tmp_path / "sync.duckdb"
    assert main(["import", "--quiet", "--db", str(by_file), "--file", str(hr)]) == 0
    assert main(["import", "--quiet", "--db", str(by_file), *(a for p in crm for a in ("--file", str(p)))]) == 0
    code, out, err = sync(capsys, url, by_sync)
    assert code == 0, out + err
    assert "this looks like a flat HR export" in out and "this looks like a CRM deals export" in out
    files, synced = everything(by_file), everything(by_sync)
    compared = [t for t in importable_tables() if files[t] or synced[t]]
    assert {"employees", "org_units", "assignments", "orders", "opportunities", "customers"} <= set(compared)
    for table in compared:
        assert synced[table] == files[table], table
    meta = {k: v for k, v in files["meta"] if k == "as_of"}
    assert meta == {k: v for k, v in synced["meta"] if k == "as_of"}
