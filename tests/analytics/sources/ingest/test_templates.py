"""Blank templates: the CSV header and the XLSX with its bilingual README sheet map back onto the table."""
from __future__ import annotations

import fastexcel
import pytest

from analytics.sources.ingest import ImportProblem, importable_tables, match_columns, prepare, read_file, table_spec
from analytics.sources.ingest.templates import README_SHEET, column_rows, template_csv, template_xlsx


def test_csv_template_is_the_header_row():
    assert template_csv("quotas") == b"\xef\xbb\xbfemployee_id,month,amount\r\n"
    with pytest.raises(ImportProblem, match="header row but no data rows"):
        read_file(template_csv("quotas"), name="quotas.csv")


@pytest.mark.parametrize("table", importable_tables())
def test_every_template_maps_onto_its_table_with_full_confidence(table: str):
    spec = table_spec(table)
    book = fastexcel.read_excel(template_xlsx(table))
    assert book.sheet_names == [table[:31], README_SHEET]
    header = book.load_sheet(0, header_row=None, dtypes="string").to_polars().row(0)
    assert list(header) == spec.names
    mapping = match_columns(list(header), table)
    assert mapping.columns == {n: n for n in spec.names} and set(mapping.confidence.values()) == {1.0}


def test_readme_sheet_lists_each_column_in_both_languages():
    book = fastexcel.read_excel(template_xlsx("employees"))
    readme = book.load_sheet(README_SHEET, header_row=3, dtypes="string").to_polars()
    assert readme.columns[:3] == ["column 列名", "meaning 含义", "含义"]
    rows = {r["column 列名"]: r for r in readme.to_dicts()}
    assert list(rows) == table_spec("employees").names
    assert rows["hire_date"]["含义"] == "入职日期" and rows["hire_date"]["required 必填"] == "yes 必填"
    assert rows["exit_type"]["allowed 取值"] == "voluntary, involuntary, other"
    assert rows["employee_id"]["required 必填"].startswith("no — or give external_key")
    assert rows["referrer_id"]["references 引用"] == "employees.employee_id or its external_key"
    assert rows["birth_year"]["example 示例"] == "1983"
    assert column_rows("orders")[-1]["required"].startswith("no — derived")


def test_a_filled_csv_template_imports_cleanly():
    data = template_csv("quotas") + b"7,2024-01,120000\r\n7,2024-02,130000\r\n"
    p = prepare(data, "quotas", name="quotas.csv")
    assert p.report.n_insert == 2 and p.coerced.frame["amount"].to_list() == [120000.0, 130000.0]
