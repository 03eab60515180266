"""``python -m analytics import`` against bad files: exit statuses, messages, and a database left as it was."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import pytest

from analytics.cli.main import main
from analytics.core.db import Database

HR = "EmpID,Employee_Name,DateofHire\nE1,Ann,2024-01-05\nE2,Bob,2024-02-01\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["import", "--quiet", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def state(path: Path) -> tuple[dict[str, int], int]:
    db = Database(path, read_only=True)
    try:
        return db.table_counts(), db.data_version
    finally:
        db.close()


@pytest.fixture
def loaded(tmp_path: Path, capsys) -> Path:
    """A database holding two employees (imported once)."""
    db = tmp_path / "t.duckdb"
    hr = tmp_path / "employees.csv"
    hr.write_text(HR, encoding="utf-8")
    assert run(capsys, "--db", str(db), "--file", str(hr))[0] == 0
    return db


def test_a_cut_off_file_exits_1_names_row_and_column_and_changes_nothing(loaded: Path, tmp_path: Path, capsys):
    before = state(loaded)
    cut = tmp_path / "employees.csv"
    cut.write_bytes(b"EmpID,Employee_Name,DateofHire\nE3,Cy,8/15/2024\nE4,Di,3/1/2023\nE5,Ed,8/15/20")
    code, out, _ = run(capsys, "--db", str(loaded), "--file", str(cut))
    assert code == 1
    assert "| error    | employees.csv | 4   | DateofHire | 8/15/20 | the file ends in the middle of this cell" in out
    assert state(loaded) == before


def test_an_uncertain_encoding_exits_2_with_the_candidates_and_changes_nothing(loaded: Path, tmp_path: Path, capsys):
    before = state(loaded)
    kr = tmp_path / "employees.csv"
    kr.write_bytes("EmpID,Employee_Name,DateofHire\nE3,김민,2024-01-05\n".encode("euc_kr"))
    code, _, err = run(capsys, "--db", str(loaded), "--file", str(kr))
    assert code == 2 and err.count("\n") == 1
    assert "encoding is uncertain" in err and "EUC-KR (Korean)" in err and "--encoding" in err
    assert state(loaded) == before
    code, out, _ = run(capsys, "--db", str(loaded), "--file", str(kr), "--encoding", "euc-kr")
    assert code == 0 and "encoding euc_kr" in out
    assert state(loaded)[0]["employees"] == 3


def test_a_hostile_workbook_exits_2_and_changes_nothing(loaded: Path, tmp_path: Path, capsys):
    from tests.analytics.sources.test_ingest_hostile import cells, workbook

    before = state(loaded)
    far = tmp_path / "employees.xlsx"
    far.write_bytes(workbook(cells([["EmpID"]]) + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))
    code, _, err = run(capsys, "--db", str(loaded), "--file", str(far))
    assert code == 2 and "employees.xlsx: has a sheet" in err and "it was not opened" in err
    assert state(loaded) == before


def test_a_flat_hr_file_without_hire_dates_is_a_report_error_not_a_traceback(tmp_path: Path, capsys):
    hr = tmp_path / "roster.csv"
    hr.write_text("EmpID,Employee_Name,DateofHire,Department,Position\nE1,Ann,soon,Sales,Rep\n"
                  "E2,Bob,later,Sales,Manager\n", encoding="utf-8")
    db = tmp_path / "t.duckdb"
    code, out, err = run(capsys, "--db", str(db), "--file", str(hr))
    assert code == 1 and err == ""
    assert "| error    | roster.csv | 2   | hire_date | soon  | not a date |" in out
    assert not db.exists()


def test_an_unexpected_failure_exits_3_with_a_log_and_no_traceback(tmp_path: Path, capsys,
                                                                   monkeypatch: pytest.MonkeyPatch):
    hr = tmp_path / "employees.csv"
    hr.write_text(HR, encoding="utf-8")

    def boom(*args, **kwargs):
        raise RuntimeError("something nobody expected")

    monkeypatch.setattr("analytics.cli.import_cmd.load_batch", boom)
    code, _, err = run(capsys, "--db", str(tmp_path / "t.duckdb"), "--file", str(hr))
    assert code == 3 and "Traceback" not in err and err.count("\n") == 1
    assert "unexpected failure (RuntimeError: something nobody expected)" in err
    log = Path(err.rsplit(" in ", 1)[1].strip())
    assert log.exists() and "Traceback" in log.read_text(encoding="utf-8")
    assert not (tmp_path / "t.duckdb").exists()


def test_a_full_disk_is_named_rolls_back_and_claims_no_correction(loaded: Path, tmp_path: Path, capsys,
                                                                  monkeypatch: pytest.MonkeyPatch):
    before = state(loaded)
    hr = tmp_path / "employees.csv"
    hr.write_text(HR + "E9,Zed,2024-03-01\n", encoding="utf-8")

    def full(*args, **kwargs):
        raise duckdb.IOException('Could not write file "t.duckdb.wal": No space left on device')

    monkeypatch.setattr("analytics.sources.ingest.load.upsert", full)
    code, out, _ = run(capsys, "--db", str(loaded), "--file", str(hr))
    assert code == 1
    assert "the disk holding the database is full" in out and "the disk is full: free space" in out
    assert "corrected" not in out and "Nothing was written." in out
    assert state(loaded) == before


def test_the_report_file_neutralises_formulas(tmp_path: Path, capsys):
    hr = tmp_path / "employees.csv"
    hr.write_text('EmpID,Employee_Name,DateofHire\nE1,A,"=HYPERLINK(""http://x"",""y"")"\nE2,B,+cmd|calc\n'
                  'E3,C,@SUM(1+1)\nE4,D,-2+3\nE5,E,"\tx"\n', encoding="utf-8")
    report = tmp_path / "issues.csv"
    code, _, _ = run(capsys, "--db", str(tmp_path / "t.duckdb"), "--file", str(hr), "--report", str(report))
    assert code == 1
    rows = list(csv.DictReader(io.StringIO(report.read_bytes().decode("utf-8-sig"))))
    values = {r["row"]: r["value"] for r in rows if r["column"] == "hire_date"}
    assert values == {"2": "'=HYPERLINK(\"http://x\",\"y\")", "3": "'+cmd|calc", "4": "'@SUM(1+1)", "5": "'-2+3",
                      "6": "'\tx"}


def test_reader_notes_and_the_encoding_are_printed(tmp_path: Path, capsys):
    hr = tmp_path / "employees.csv"
    hr.write_bytes("Staff list 2024\nEmpID,Employee_Name,DateofHire\nE1,Müller,2024-01-05\n".encode("cp1252"))
    code, out, _ = run(capsys, "--db", str(tmp_path / "t.duckdb"), "--file", str(hr), "--dry-run")
    assert code == 0
    assert "employees.csv: 1 rows × 3 columns read (encoding cp1252, delimiter ',', header row 2)." in out
    assert any(line.startswith("employees.csv: ") and "title" in line.lower() for line in out.splitlines())
    assert "command line" not in out


def test_templates_command_and_help(tmp_path: Path, capsys):
    assert main(["templates", "--table", "orders", "--out", str(tmp_path / "tpl")]) == 0
    assert sorted(p.name for p in (tmp_path / "tpl").iterdir()) == ["orders_template.csv", "orders_template.xlsx"]
    assert (tmp_path / "tpl" / "orders_template.csv").read_bytes().startswith(b"\xef\xbb\xbforder_id,")
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    assert "python -m analytics templates --out DIR" in capsys.readouterr().out


def test_unreadable_values_in_optional_columns_are_reported_by_row_and_column(tmp_path: Path, capsys):
    roster = tmp_path / "roster.csv"
    roster.write_text("EmpID,Employee_Name,DateofHire,Department,Position,Salary,PerformanceScore,"
                      "LastPerformanceReview_Date,EngagementSurvey\n"
                      "E1,Ann,2024-01-05,Sales,Rep,60000,Exceeds,2024-06-01,4.5\n"
                      "E2,Bob,2024-02-01,Sales,Manager,abc,Fully Meets,someday,3\n", encoding="utf-8")
    report = tmp_path / "issues.csv"
    code, _, _ = run(capsys, "--db", str(tmp_path / "t.duckdb"), "--file", str(roster), "--dry-run",
                     "--report", str(report))
    assert code == 1
    rows = list(csv.DictReader(io.StringIO(report.read_bytes().decode("utf-8-sig"))))
    assert {(r["row"], r["column"], r["value"], r["severity"]) for r in rows} == {
        ("3", "Salary", "abc", "error"), ("3", "LastPerformanceReview_Date", "someday", "warning")}
