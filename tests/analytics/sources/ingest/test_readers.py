"""Reading the files people export: encodings, delimiters, headers, Excel layouts, and refusing the unsafe."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from analytics.sources.ingest import ROW, ImportProblem, read_file
from analytics.sources.ingest.readers import XLSX_MAX_RATIO
from tests.datasets import dataset

from .conftest import AW_QUOTA_COLUMNS


def values(result, column: str) -> list:
    return result.frame[column].to_list()


def test_utf8_bom_and_crlf(tmp_path: Path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfEmpID,Name,Zip\r\n10026,Wilson,01960\r\n10084,\xe5\xbc\xa0\xe4\xb8\x89,02148\r\n")
    r = read_file(path)
    assert r.headers == ["EmpID", "Name", "Zip"]            # no BOM left in the first header
    assert values(r, "Name") == ["Wilson", "张三"]
    assert values(r, "Zip") == ["01960", "02148"]            # text: leading zeros kept
    assert values(r, ROW) == [2, 3]
    assert (r.info.encoding, r.info.delimiter, r.info.header_row, r.info.n_rows) == ("utf-8-sig", ",", 1, 2)
    assert r.frame.schema["EmpID"] == pl.Utf8


def test_gbk_with_chinese_headers(tmp_path: Path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("员工编号,姓名,入职日期\r\n1001,张三,2024/1/5\r\n1002,李四,2023年7月1日\r\n".encode("gbk"))
    r = read_file(path)
    assert r.info.encoding == "gb18030"
    assert r.headers == ["员工编号", "姓名", "入职日期"]
    assert values(r, "姓名") == ["张三", "李四"]
    assert values(r, "入职日期") == ["2024/1/5", "2023年7月1日"]


def test_semicolon_delimited_with_decimal_commas():
    r = read_file(b"id;amount;name\n1;1.234,50;A\n2;7,25;B\n", name="eu.csv")
    assert r.info.delimiter == ";"
    assert values(r, "amount") == ["1.234,50", "7,25"]


def test_tab_separated_without_header_uses_given_names():
    data = b"274\t2011-05-31 00:00:00\t28000\t{99}\t2011-04-16 00:00:00\n275\t2011-08-31 00:00:00\t7000\t{98}\tx\n"
    r = read_file(data, name="quota.csv", has_header=False, column_names=AW_QUOTA_COLUMNS)
    assert r.info.delimiter == "\t" and r.info.header_rows == 0 and r.info.header_row is None
    assert r.headers == AW_QUOTA_COLUMNS
    assert values(r, "SalesQuota") == ["28000", "7000"]
    assert values(r, ROW) == [1, 2]                          # no header: the first line is row 1
    guessed = read_file(data, name="quota.csv")               # read as if it had a header: a hint, not a guess
    assert guessed.headers[0] == "274" and any("looks like data" in n for n in guessed.info.notes)
    with pytest.raises(ImportProblem, match="has 5 columns, but 2 column names"):
        read_file(data, name="quota.csv", has_header=False, column_names=["a", "b"])


def test_pipe_delimited_and_title_row_above_the_header():
    r = read_file("员工花名册 2024\nid|name|dept\n1|A|Sales\n2|B|HR\n".encode(), name="roster.txt")
    assert r.info.delimiter == "|"
    assert r.headers == ["id", "name", "dept"]
    assert r.info.header_row == 2 and r.info.first_data_row == 3
    assert values(r, ROW) == [3, 4]
    assert any("title" in n for n in r.info.notes)


def test_blank_lines_are_dropped_but_rows_keep_their_numbers():
    r = read_file(b"a,b\n1,2\n\n3,4\n,\n5,6\n", name="gaps.csv")
    assert values(r, "a") == ["1", "3", "5"]
    assert values(r, ROW) == [2, 4, 6]


def test_utf16_with_bom_as_excel_unicode_text():
    r = read_file("name\tscore\n王五\t4\n".encode("utf-16"), name="unicode.txt")
    assert (r.info.encoding, r.info.delimiter) == ("utf-16", "\t")
    assert values(r, "name") == ["王五"]


def _xlsx(path: Path, build) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    build(wb)
    wb.close()
    return path


def test_xlsx_title_row_above_the_header(tmp_path: Path):
    def build(wb):
        ws = wb.add_worksheet("花名册")
        ws.merge_range("A1:D1", "Employee list 员工花名册")
        ws.write_row(2, 0, ["EmpID", "Name", "Hire Date", "Zip"])
        ws.write_row(3, 0, [10026, "Wilson  ", None, "01960"])
        ws.write_datetime(3, 2, dt.datetime(2024, 1, 5), wb.add_format({"num_format": "yyyy-mm-dd"}))
        ws.write_row(4, 0, [10084, "张三", 45296, "02148"])
    r = read_file(_xlsx(tmp_path / "title.xlsx", build))
    assert r.info.format == "xlsx" and r.info.sheet == "花名册"
    assert r.headers == ["EmpID", "Name", "Hire Date", "Zip"]
    assert r.info.header_row == 3
    assert values(r, ROW) == [4, 5]
    assert values(r, "EmpID") == ["10026", "10084"]
    assert values(r, "Hire Date")[0].startswith("2024-01-05")
    assert values(r, "Hire Date")[1] == "45296"
    assert values(r, "Zip") == ["01960", "02148"]
    assert any("title" in n for n in r.info.notes)


def test_xlsx_merged_two_row_header_is_combined(tmp_path: Path):
    def build(wb):
        ws = wb.add_worksheet("Data")
        ws.merge_range("A1:A2", "EmpID")
        ws.merge_range("B1:B2", "Name")
        ws.merge_range("C1:D1", "Dates")
        ws.write_row(1, 2, ["Hire", "Termination"])
        ws.write_row(2, 0, [1, "A", "2024-01-05", None])
        ws.write_row(3, 0, [2, "B", "2023-03-01", "2024-02-29"])
    r = read_file(_xlsx(tmp_path / "merged.xlsx", build))
    assert r.headers == ["EmpID", "Name", "Dates / Hire", "Dates / Termination"]
    assert r.info.header_rows == 2 and r.info.first_data_row == 3
    assert values(r, "Dates / Termination") == [None, "2024-02-29"]
    assert values(r, ROW) == [3, 4]


def test_xlsx_header_of_three_merged_rows_is_refused(tmp_path: Path):
    def build(wb):
        ws = wb.add_worksheet()
        ws.merge_range("A1:A3", "ID")
        ws.merge_range("B1:C1", "Pay")
        ws.merge_range("B2:C2", "2024")
        ws.write_row(2, 1, ["Base", "Bonus"])
        ws.write_row(3, 0, [1, 100, 10])
    with pytest.raises(ImportProblem, match="header spans rows 1–3") as info:
        read_file(_xlsx(tmp_path / "tall.xlsx", build))
    assert info.value.file == "tall.xlsx" and info.value.row == 1


def test_xlsx_named_sheet_and_missing_sheet(tmp_path: Path):
    def build(wb):
        wb.add_worksheet("Cover").write("A1", "nothing here")
        ws = wb.add_worksheet("Orders")
        ws.write_row(0, 0, ["order_id", "amount"])
        ws.write_row(1, 0, [1, 9.5])
    path = _xlsx(tmp_path / "two.xlsx", build)
    r = read_file(path, sheet="Orders")
    assert r.info.sheets == ("Cover", "Orders")
    assert values(r, "amount") == ["9.5"]
    with pytest.raises(ImportProblem, match="no sheet 'Nope'; its sheets are Cover, Orders"):
        read_file(path, sheet="Nope")


def test_csv_two_row_header_without_merge_information():
    data = b"EmpID,Name,Dates,\n,,Hire,Termination\n1,A,2024-01-05,\n2,B,2023-03-01,2024-02-29\n"
    r = read_file(data, name="flat.csv")
    assert r.headers == ["EmpID", "Name", "Dates / Hire", "Dates / Termination"]
    assert values(r, ROW) == [3, 4]


def test_parquet_values_come_back_as_text(tmp_path: Path):
    path = tmp_path / "orders.parquet"
    pl.DataFrame({"order_id": [1, 2], "amount": [10.5, 3.0], "day": [dt.date(2024, 1, 5), None],
                  "zip": ["01960", "02148"]}).write_parquet(path)
    r = read_file(path)
    assert r.info.format == "parquet"
    assert values(r, "order_id") == ["1", "2"]
    assert values(r, "amount") == ["10.5", "3.0"]
    assert values(r, "day") == ["2024-01-05", None]
    assert values(r, "zip") == ["01960", "02148"]
    assert values(r, ROW) == [1, 2]
    uploaded = read_file(path.read_bytes(), name="upload.parquet")
    assert uploaded.frame.drop(ROW).equals(r.frame.drop(ROW))


@pytest.mark.parametrize(("data", "match", "code"), [
    (b"", "is empty", "empty"),
    (b"\xef\xbb\xbf  \r\n", "is empty", "empty"),
    (b"id,name,hire_date\r\n", "header row but no data rows", "no_rows"),
    (b'id,name\n1,"A\n2,B\n', "row 2.*quoted cell that starts in row 2 is never closed", "quote"),
])
def test_files_that_cannot_be_read_name_the_problem(data: bytes, match: str, code: str):
    with pytest.raises(ImportProblem, match=match) as info:
        read_file(data, name="people.csv")
    assert info.value.code == code
    assert str(info.value).startswith("people.csv")


def test_wrong_delimiter_is_explained():
    with pytest.raises(ImportProblem, match=r"one column when split on comma.*contains semicolons") as info:
        read_file(b"id;name;dept\n1;A;Sales\n", name="semi.csv", delimiter=",")
    assert info.value.expected.startswith("delimiter ';'") and info.value.row == 1


def test_bytes_in_no_supported_encoding_give_offset_and_line():
    data = b"id,name\n1,Anna\n2,B\x81 \n"          # 0x81 then a space: no code page Tandem reads has it
    with pytest.raises(ImportProblem) as info:
        read_file(data, name="bad.csv")
    text = str(info.value)
    assert text.startswith("bad.csv: is in none of the encodings")
    assert "byte offset 18 (line 3), 81 20" in text and "choose its encoding explicitly" in text
    assert info.value.code == "encoding"


def test_mixed_utf8_and_gbk_is_refused():
    data = "id,name\n1,张三\n".encode() + "2,李四\n".encode("gbk")
    with pytest.raises(ImportProblem, match=r"mixes encodings.*line 3") as info:
        read_file(data, name="mixed.csv")
    assert info.value.row == 3


def test_memory_budget_names_the_budget_and_what_to_do():
    data = b"a,b\n" + b"1,2\n" * 1000
    with pytest.raises(ImportProblem, match=r"above this server's import budget.*TANDEM_IMPORT_MEMORY_MB") as info:
        read_file(data, name="big.csv", memory_budget=4000)
    assert info.value.code == "too_big" and "command line" not in str(info.value)


def _bomb(path: Path) -> Path:
    """A structurally valid workbook whose sheet XML is 20 MB of one repeated cell (compresses ~1000:1)."""
    cell = b'<row r="2"><c r="A2"><v>1</v></c></row>'
    sheet = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             b"<sheetData>" + cell * (20_000_000 // len(cell)) + b"</sheetData></worksheet>")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml",
                    '<workbook><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def test_zip_bomb_xlsx_is_refused_before_it_is_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = _bomb(tmp_path / "bomb.xlsx")
    assert path.stat().st_size * XLSX_MAX_RATIO < 20_000_000

    def never(*args, **kwargs):
        raise AssertionError("fastexcel must not be called on a zip bomb")

    monkeypatch.setattr("analytics.sources.ingest.readers.parse_in_child", never)
    with pytest.raises(ImportProblem, match=r"unpacks to 19.\d MB .* it was not opened") as info:
        read_file(path)
    assert info.value.code == "zip_bomb"
    with pytest.raises(ImportProblem, match="unpacks to"):
        read_file(path.read_bytes(), name="upload.xlsx")


def test_a_zip_that_is_not_a_workbook_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("notes.txt", "hello")
    with pytest.raises(ImportProblem, match="not an Excel workbook"):
        read_file(buf.getvalue(), name="x.xlsx")


def test_missing_file(tmp_path: Path):
    with pytest.raises(ImportProblem, match="does not exist"):
        read_file(tmp_path / "nope.csv")


def test_real_hr_v14_reads_as_text_with_leading_zeros():
    r = read_file(dataset("hr_dataset_v14/HRDataset_v14.csv"))
    assert (r.info.encoding, r.info.n_rows, r.info.n_columns) == ("utf-8-sig", 311, 36)
    assert r.headers[0] == "Employee_Name"
    first = r.frame.row(0, named=True)
    assert first["Zip"] == "01960" and first["DOB"] == "07/10/83" and first["Sex"] == "M "
    assert first["Department"] == "Production       "


def test_real_adventureworks_quota_history_without_header():
    r = read_file(dataset("adventureworks_sales_quota/SalesPersonQuotaHistory.csv"), has_header=False,
                  column_names=AW_QUOTA_COLUMNS)
    assert (r.info.delimiter, r.info.n_rows) == ("\t", 163)
    assert r.frame.row(0, named=True)["QuotaDate"] == "2011-05-31 00:00:00"
