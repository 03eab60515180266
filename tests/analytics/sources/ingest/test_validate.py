"""Validation: every problem is a report row naming file, row (as in the file), column and what was expected."""
from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import polars as pl

from analytics.core.db import Database
from analytics.sources.ingest import ROW, coerce, prepare, validate
from tests.datasets import dataset

D = dt.date
TODAY = D(2025, 6, 1)


def issue(report, row, column) -> dict:
    hits = [i for i in report.issues.to_dicts() if i["row"] == row and i["column"] == column]
    assert len(hits) == 1, (row, column, report.to_frame())
    return hits[0]


def test_each_kind_of_problem_is_a_row_with_file_row_column_expected():
    data = (
        "工号,姓名,入职日期,离职日期,离职类型,试用期\r\n"
        "E1,Ann,2024-01-05,,,3\r\n"              # row 2: fine
        "E2,Bob,2024-03-01,2024-02-01,辞职,3\r\n"  # row 3: terminated before hired
        "E1,Ann again,2024-01-05,,,3\r\n"        # row 4: duplicate key of row 2
        "E4,,2024-01-05,,,three\r\n"             # row 5: name missing, text in a number column
        "E5,Eve,2024-01-05,,,30\r\n"             # row 6: probation out of range
        "E6,Fay,2024-01-05,2024-06-30,,3\r\n"    # row 7: left without an exit type
    ).encode()
    p = prepare(data, "employees", name="花名册.csv", today=TODAY)
    r = p.report
    assert not r.ok and r.key == ("external_key",)
    assert (r.n_rows, r.n_insert, r.n_update, r.n_reject) == (6, 1, 0, 5)
    order = issue(r, 3, "termination_date")
    assert order["file"] == "花名册.csv" and order["code"] == "rule_order" and order["severity"] == "error"
    assert order["expected"] == "termination_date on or after hire_date"
    assert order["value"] == "hire_date=2024-03-01, termination_date=2024-02-01"
    dup = issue(r, 4, "external_key")
    assert dup["code"] == "duplicate" and dup["problem"] == "duplicate key: the same as row 2" and dup["value"] == "E1"
    assert issue(r, 5, "name")["code"] == "required"
    text = issue(r, 5, "probation_months")
    assert (text["value"], text["code"], text["problem"]) == ("three", "type", "not a whole number")
    assert text["expected"] == "a whole number such as 42 from 0 to 24"
    rng = issue(r, 6, "probation_months")
    assert (rng["value"], rng["code"], rng["expected"]) == ("30", "range", "a whole number such as 42 from 0 to 24")
    paired = issue(r, 7, "exit_type")
    assert paired["code"] == "rule_paired" and "both" in paired["expected"]
    summary = {row["column"]: row for row in r.columns.to_dicts()}
    assert summary["probation_months"]["source"] == "试用期"
    assert (summary["probation_months"]["n_errors"], summary["probation_months"]["n_ok"]) == (2, 4)
    assert summary["name"]["n_empty"] == 1 and summary["employee_id"]["format"] == "not in file"
    accepted = r.accepted(p.coerced.frame)
    assert accepted[ROW].to_list() == [2] and p.rows[ROW].to_list() == [2]


def test_out_of_range_scores():
    p = prepare(b"employee_id,skill_id,assessed_date,score\n1,neg,2024-01-01,3.5\n1,neg,2024-02-01,7\n",
                "skill_assessments", name="skills.csv")
    bad = issue(p.report, 3, "score")
    assert (bad["value"], bad["code"], bad["expected"]) == ("7.0", "range", "a number such as 1234.5 from 1 to 5")
    p = prepare(b"employee_id,quarter,review_date,rating,potential\n1,2025Q3,2025-10-01,5,4\n1,2025 Q3,x,0,1\n",
                "performance_reviews", name="reviews.csv")
    assert issue(p.report, 2, "potential")["expected"].endswith("from 1 to 3")
    assert issue(p.report, 3, "rating")["code"] == "range"
    assert issue(p.report, 3, "review_date")["code"] == "type"
    dup = issue(p.report, 3, "employee_id, quarter")       # 2025 Q3 normalised to 2025-Q3: same key as row 2
    assert dup["code"] == "duplicate"


def test_enum_codes_strict_and_open():
    data = "name,hire_date,external_key,exit_type,termination_date,hire_source\n" \
           "A,2024-01-01,1,fired,2024-05-01,LinkedIn\nB,2024-01-01,2,sabbatical,2024-05-01,billboard\n"
    r = prepare(data.encode(), "employees", name="e.csv").report
    assert issue(r, 3, "exit_type")["severity"] == "error"
    assert issue(r, 3, "hire_source")["severity"] == "warning"
    assert (r.n_insert, r.n_reject) == (1, 1)


def _orders_csv() -> bytes:
    return (b"order_id,employee_id,customer_id,order_date,amount\n"
            b"100,1,10,2024-01-15,50\n"        # row 2: in the database already: update
            b"200,E9,C-1,2024-02-01,10\n"      # row 3: rep and customer from this batch (external keys)
            b"201,99,10,2024-02-02,10\n"       # row 4: rep 99 nowhere
            b"202,1,77,2024-02-03,1e3\n")      # row 5: customer 77 nowhere


def test_references_resolve_through_batch_and_database(tiny_db: Database):
    batch = {
        "employees": coerce(pl.DataFrame({ROW: [2], "external_key": ["E9"], "name": ["New"],
                                          "hire_date": ["2024-01-01"]}), "employees").frame,
        "customers": coerce(pl.DataFrame({ROW: [2], "external_key": ["C-1"], "name": ["Cee"], "tier": ["KA"]}),
                            "customers").frame,
    }
    r = prepare(_orders_csv(), "orders", name="orders.csv", batch=batch, db=tiny_db).report
    rep = issue(r, 4, "employee_id")
    assert rep["code"] == "reference" and rep["value"] == "99"
    assert rep["problem"] == "not found in employees (this import or database)"
    assert issue(r, 5, "customer_id")["value"] == "77"
    assert (r.n_insert, r.n_update, r.n_reject) == (1, 1, 2)
    assert r.actions.filter(pl.col("row") == 2)["action"].item() == "update"
    without = prepare(_orders_csv(), "orders", name="orders.csv", db=tiny_db).report
    assert issue(without, 3, "employee_id")["value"] == "E9"                   # not in the database alone
    unchecked = prepare(_orders_csv(), "orders", name="orders.csv").report
    assert {i["code"] for i in unchecked.issues.to_dicts()} == {"reference_unchecked"}
    assert unchecked.ok and unchecked.n_insert == 4


def test_natural_keys_already_in_the_database_will_update(tmp_path: Path):
    db = Database(tmp_path / "nk.duckdb")
    db.replace_tables({"employees": pl.DataFrame({
        "employee_id": [1, 2], "external_key": ["10026", "10084"], "name": ["A", "B"],
        "hire_date": [D(2011, 7, 5), D(2015, 3, 30)], "probation_months": [3, 3]})}, actor="t", action="t")
    data = b"EmpID,Employee_Name,DateofHire\n10026,A,7/5/2011\n10999,C,1/5/2024\n"
    r = prepare(data, "employees", name="hr.csv", db=db).report
    assert r.ok and (r.n_update, r.n_insert) == (1, 1)
    assign = b"EmpID,Department,Position,Level,Start\n10026,east,sales_rep,2,2024-01-01\n"
    a = prepare(assign, "assignments", name="a.csv", db=db).report
    assert a.key == ("employee_id", "valid_from")
    assert issue(a, 2, "org_unit_id")["code"] == "reference"           # no org units in this database
    db.close()


def test_missing_required_column_rejects_every_row():
    r = prepare(b"name,hire_date\nA,2024-01-01\n", "employees", name="e.csv").report
    file_level = [i for i in r.issues.to_dicts() if i["row"] is None]
    assert [(i["column"], i["code"]) for i in file_level] == [("external_key", "missing_column")]
    assert "map employee_id or external_key" in file_level[0]["problem"]
    assert r.n_reject == 1 and not r.ok


def test_report_exports_for_display_and_download():
    r = prepare(b"order_id,customer_id,order_date,amount\n1,10,2024-01-01,ten\n2,10,2024-01-01,5\n", "orders",
                name="o.csv").report
    frame = r.to_frame()
    assert frame.columns == ["file", "row", "column", "value", "problem", "expected", "severity", "code"]
    assert frame.row(0, named=True)["severity"] == "error"
    raw = r.to_csv()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert any(row["row"] == "2" and row["column"] == "amount" and row["value"] == "ten" for row in rows)
    assert r.summary()["reject"] == 1


def test_validate_never_raises_on_nonsense():
    frame = pl.DataFrame({ROW: [2, 3, 4], "order_id": ["", "x", None], "order_date": ["\x00", "9999-99-99", "0"],
                          "amount": ["--", "%", "()"], "customer_id": ["", " ", "\t"],
                          "is_new_customer": ["?", "", "1"]})
    report = validate(coerce(frame, "orders"), "orders", file="junk.csv")
    assert report.n_reject == 3 and report.n_errors >= 6


def test_real_hr_v14_reads_coerces_and_validates():
    p = prepare(dataset("hr_dataset_v14/HRDataset_v14.csv"), "employees", today=TODAY)
    first = p.coerced.frame.row(0, named=True)
    assert first["external_key"] == "10026" and first["name"] == "Adinolfi, Wilson  K"
    assert (first["hire_date"], first["birth_year"], first["gender"]) == (D(2011, 7, 5), 1983, "M")
    assert first["termination_date"] is None and first["exit_type"] is None and first["exit_reason"] is None
    second = p.coerced.frame.row(1, named=True)
    assert (second["termination_date"], second["exit_type"], second["exit_reason"]) == (
        D(2016, 6, 16), "voluntary", "career")
    assert p.coerced.errors.height == 0
    r = p.report
    assert (r.n_rows, r.n_insert, r.n_reject) == (311, 311, 0) and r.ok
    # 2 odd reasons kept with a warning; the note that the 4 retirements are recorded as exit type "other"
    assert {i["code"] for i in r.issues.to_dicts()} == {"enum", "format"}
    notes = r.issues.filter(r.issues["code"] == "format").to_dicts()
    assert len(notes) == 1 and notes[0]["column"] == "exit_type" and "4 exit(s)" in notes[0]["problem"]
    assert p.coerced.formats["hire_date"] == "M/D/YYYY" and "M/D/YY" in p.coerced.formats["birth_year"]
    assignments = prepare(p.read, "assignments", today=TODAY)
    assert assignments.coerced.frame["org_unit_id"].to_list()[0] == "Production"    # trailing spaces trimmed


def test_real_crm_pipeline_open_deals_lack_dates():
    r = prepare(dataset("crm_sales_opportunities/sales_pipeline.csv"), "opportunities").report
    assert r.n_rows == 8800 and r.key == ("external_key",)
    missing = r.issues.filter(pl.col("code") == "required")
    assert missing.height == 500 and set(missing["column"]) == {"created_date"}
    assert r.n_reject == 500 and r.n_insert == 8300
