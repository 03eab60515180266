"""``python -m analytics import``: exit codes, what it prints, batches, dry runs and the report file."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from analytics.cli.main import main
from analytics.core.db import Database
from tests.datasets import dataset

HR = ("EmpID,Employee_Name,DateofHire,DateofTermination,EmploymentStatus\n"
      "E1,Ann,2024-01-05,,Active\nE2,Bob,2024-02-01,2024-05-31,Voluntarily Terminated\n")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["import", "--quiet", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def counts(path: Path) -> dict[str, int]:
    db = Database(path, read_only=True)
    try:
        return db.table_counts()
    finally:
        db.close()


def test_plain_import_then_reimport(tmp_path: Path, capsys):
    db = tmp_path / "t.duckdb"
    hr = write(tmp_path, "people.csv", HR)
    code, out, _ = run(capsys, "--db", str(db), "--table", "employees", "--file", str(hr), "--user", "li.na")
    assert code == 0
    assert "people.csv → employees: 2 rows, key external_key; 0 error(s)" in out
    assert "| external_key     | EmpID" in out and "Loaded:" in out
    assert "| employees | 2        | 0       | 0         | 2     |" in out
    code, out, _ = run(capsys, "--db", str(db), "--file", f"employees={hr}")
    assert code == 0 and "| employees | 0        | 0       | 2         | 2     |" in out
    Database(db).close()
    audit = Database(db, read_only=True)
    assert audit.sql("select actor from audit_log order by event_id")["actor"].to_list()[0] == "li.na"
    audit.close()


def test_errors_exit_1_and_write_nothing_with_a_full_report(tmp_path: Path, capsys):
    db = tmp_path / "t.duckdb"
    hr = write(tmp_path, "people.csv", HR + "E3,Cy,someday,,Active\n")
    orders = write(tmp_path, "orders.csv", "order_id,employee_id,customer_id,order_date,amount\n1,E1,C9,2024-03-01,5\n")
    report = tmp_path / "issues.csv"
    code, out, _ = run(capsys, "--db", str(db), "--file", f"employees={hr}", "--file", str(orders),
                       "--report", str(report))
    assert code == 1 and "nothing was written" in out
    assert "Issues (first 2 of 2; errors first):" in out and "someday" in out
    rows = list(csv.DictReader(io.StringIO(report.read_bytes().decode("utf-8-sig"))))
    assert {(r["file"], r["row"], r["column"], r["code"]) for r in rows} == {
        ("people.csv", "4", "hire_date", "type"), ("orders.csv", "2", "customer_id", "reference")}
    assert not db.exists()                               # a refused import leaves no new database behind


def test_dry_run_counts_and_writes_nothing(tmp_path: Path, capsys):
    db = tmp_path / "t.duckdb"
    hr = write(tmp_path, "employees.csv", HR)          # the file name says the table
    code, out, _ = run(capsys, "--db", str(db), "--file", str(hr), "--dry-run")
    assert code == 0 and "Dry run — would load:" in out and "Dry run: nothing was written." in out
    assert not db.exists()                               # a dry run on a new path creates nothing


def test_file_problems_exit_2_with_one_sentence(tmp_path: Path, capsys):
    db = tmp_path / "t.duckdb"
    code, _, err = run(capsys, "--db", str(db), "--table", "employees", "--file", str(tmp_path / "absent.csv"))
    assert code == 2 and err.count("\n") == 1 and "does not exist" in err
    assert not db.exists()                                   # files are read before the database is opened
    odd = write(tmp_path, "export.csv", "a,b\n1,2\n")
    code, _, err = run(capsys, "--db", str(db), "--file", str(odd))
    assert code == 2 and "cannot tell which table" in err
    code, _, err = run(capsys, "--db", str(db), "--table", "nope", "--file", str(odd))
    assert code == 2 and "not an importable table" in err


def test_flat_hr_export_says_what_it_fills(tmp_path: Path, capsys):
    db = tmp_path / "t.duckdb"
    code, out, _ = run(capsys, "--db", str(db), "--table", "employees", "--file",
                       str(dataset("hr_dataset_v14/HRDataset_v14.csv")))
    assert code == 0
    assert "this looks like a flat HR export; it will also fill org units, roles and assignments" in out
    assert "| assignments         | 311      |" in out and "Board of Directors" in out
    code, out, _ = run(capsys, "--db", str(db), "--no-flat", "--table", "employees", "--file",
                       str(dataset("hr_dataset_v14/HRDataset_v14.csv")))
    # one table only, with the built-in value maps: the 49 "Google Search" hires go back to 'other'
    assert code == 0 and "| employees | 0        | 49      | 262       | 311   |" in out


def test_crm_files_load_as_one_batch(tmp_path: Path, capsys):
    db = tmp_path / "t.duckdb"
    files = [str(dataset(f"crm_sales_opportunities/{f}")) for f in
             ("sales_teams.csv", "accounts.csv", "products.csv", "sales_pipeline.csv")]
    args = [a for f in files for a in ("--file", f)]
    code, out, _ = run(capsys, "--db", str(db), *args)
    assert code == 0 and "| orders        | 4238     |" in out and "| opportunities | 8300     |" in out
    assert counts(db)["audit_log"] == 1


def test_snapshot_alone_is_not_loaded(tmp_path: Path, capsys):
    code, _, err = run(capsys, "--db", str(tmp_path / "t.duckdb"), "--file",
                       str(dataset("ibm_hr_attrition/WA_Fn-UseC_-HR-Employee-Attrition.csv")))
    assert code == 2 and "nothing to load" in err and "risk evaluate" in err


def test_a_user_without_import_rights_is_refused(tmp_path, capsys):
    import polars as pl

    from analytics.cli.main import main
    from analytics.core import auth
    from analytics.core.db import Database

    path = tmp_path / "t.duckdb"
    db = Database(path)
    db.replace_tables({"org_units": pl.DataFrame({
        "org_unit_id": ["company"], "parent_id": [None], "level": ["company"], "name_en": ["C"], "name_zh": ["公"]},
        schema_overrides={"parent_id": pl.Utf8})}, actor="t", action="t")
    auth.add_user(db, "ann", "long enough", [auth.Grant("analyst", "company")], "t")
    db.close()
    csv = tmp_path / "orders.csv"
    csv.write_text("order_id,employee_id,customer_id,order_date,amount\n1,1,1,2024-01-01,5\n")
    code = main(["import", "--file", str(csv), "--db", str(path), "--user", "ann"])
    assert code == 2
    assert "may not import data" in capsys.readouterr().err
