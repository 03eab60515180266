"""Files that must not break the importer: legacy encodings, damaged rows, hostile workbooks.

Every fixture is built here, tiny, in memory or under tmp_path.
"""
from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from analytics.sources.ingest import ImportProblem, read_file
from analytics.sources.ingest.result import MAX_FIELD_CHARS, memory_budget
from analytics.sources.ingest.xlsx_guard import XLSX_MAX_AREA, XLSX_MAX_TEXT_CHARS

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def issues(read) -> list[tuple[int | None, str | None, str, str]]:
    return [(r["row"], r["column"], r["severity"], r["code"]) for r in read.issues.iter_rows(named=True)]


# ── encodings ─────────────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize(("text", "codec", "detected"), [
    ("id,name\n1,Müller\n2,Gómez\n3,Åberg\n", "cp1252", "cp1252"),
    ("id,name\n1,Ångström\n2,Façade\n", "latin-1", "cp1252"),             # latin-1 reads the same as cp1252
    ("id,name\n1,山田太郎\n2,佐藤花子\n3,鈴木一郎\n", "shift_jis", "cp932"),
    ("id,name\n1,김민준\n2,이서연\n3,박지훈\n", "euc_kr", "cp949"),
    ("id,name\n1,陳大文\n2,林美玲\n3,黃志明\n", "big5", "cp950"),
    ("员工编号,姓名\n1001,张三\n1002,李四\n", "gb18030", "gb18030"),
    ("id,name\n1,Müller\n2,张三\n", "utf-8", "utf-8"),
    ("id,name\n1,Müller\n2,张三\n", "utf-8-sig", "utf-8-sig"),
    ("id,name\n1,Müller\n2,张三\n", "utf-16", "utf-16"),                 # with BOM
    ("id,name\n1,Müller\n2,张三\n", "utf-16-le", "utf-16-le"),           # without BOM
    ("id,name\n1,Müller\n2,张三\n", "utf-16-be", "utf-16-be"),
])
def test_names_read_back_exactly_in_each_encoding(text: str, codec: str, detected: str):
    read = read_file(text.encode(codec), name="people.csv")
    expected = [line.split(",")[1] for line in text.splitlines()[1:]]
    assert read.frame[read.headers[1]].to_list() == expected
    assert read.info.encoding == detected


def test_an_uncertain_encoding_is_refused_with_the_candidates_and_read_when_given():
    data = "id,name\n1,김민\n".encode("euc_kr")                  # two Hangul: as good as two hanzi in GBK
    with pytest.raises(ImportProblem) as info:
        read_file(data, name="kr.csv")
    text = str(info.value)
    assert info.value.code == "encoding_uncertain"
    assert "it could be EUC-KR (Korean) or " in text and "GB18030/GBK (Chinese)" in text
    assert "encoding explicitly (e.g. cp949)" in text and "--encoding" not in text     # the page shows it too
    read = read_file(data, name="kr.csv", encoding="euc-kr")
    assert read.frame["name"].to_list() == ["김민"] and read.info.encoding == "euc_kr"


def test_a_wrong_explicit_encoding_names_offset_and_line():
    with pytest.raises(ImportProblem, match=r"not UTF-8 at byte offset 11 \(line 2\): fc") as info:
        read_file("id,name\n1,Müller\n".encode("cp1252"), name="p.csv", encoding="utf-8")
    assert info.value.row == 2
    with pytest.raises(ImportProblem, match="encoding 'klingon' is unknown"):
        read_file(b"a,b\n1,2\n", name="p.csv", encoding="klingon")


# ── rows ──────────────────────────────────────────────────────────────────────────────────────

def test_a_truncated_last_row_is_an_error_not_a_date_in_2020():
    data = b"id,name,hire_date\n1,Ann,8/15/2024\n2,Bob,3/1/2023\n3,Cy,8/15/20"      # cut, no line break
    read = read_file(data, name="hr.csv")
    assert issues(read) == [(4, "hire_date", "error", "truncated")]
    short = read_file(b"id,name,hire_date\n1,Ann,8/15/2024\n2,Bob", name="hr.csv")
    assert issues(short) == [(3, "hire_date", "error", "ragged")]
    assert "has 2 field(s) but the header has 3" in short.issues["problem"][0]


def test_a_row_with_more_fields_than_the_header_is_an_error_with_its_row():
    read = read_file(b"id,name\n1,A\n2,B,C\n3,D\n", name="people.csv")
    assert issues(read) == [(3, "field 3", "error", "ragged")]
    assert read.frame["name"].to_list() == ["A", "B", "D"]         # read, not dropped: the error refuses it
    trailing = read_file(b"id,name\n1,A,,\n2,B\n", name="people.csv")  # empty extra fields are harmless
    assert issues(trailing) == []


def test_nul_bytes_and_overlong_cells_are_errors_by_row_and_column():
    data = b"id,name,note\n1,A\x00nn,x\n2,Bob," + b"y" * (MAX_FIELD_CHARS + 1) + b"\n3,Cy,ok\n"
    read = read_file(data, name="p.csv")
    assert sorted(issues(read)) == [(2, "name", "error", "nul"), (3, "note", "error", "too_long")]
    assert read.issues.filter(code="nul")["value"][0] == "A\\0nn"


def test_a_repeated_column_name_is_a_warning_on_the_header_row():
    read = read_file(b"id,name,Name\n1,A,B\n", name="p.csv")
    assert issues(read) == [(1, "Name_2", "warning", "duplicate_column")]
    assert "columns 2 and 3" in read.issues["problem"][0]


def test_lone_cr_and_mixed_line_ends_are_read_with_a_note():
    old_mac = read_file(b"id,name\r1,A\r2,B\r", name="mac.csv")
    assert old_mac.frame["name"].to_list() == ["A", "B"] and not old_mac.info.notes
    mixed = read_file(b"id,name\r\n1,A\r2,B\r\n3,C\n", name="mixed.csv")
    assert mixed.frame["name"].to_list() == ["A", "B", "C"]
    assert mixed.frame["__row__"].to_list() == [2, 3, 4]
    assert any("lone CR (the first is line 2)" in n for n in mixed.info.notes)


# ── memory budget ─────────────────────────────────────────────────────────────────────────────

def test_the_budget_comes_from_total_memory_or_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TANDEM_IMPORT_MEMORY_MB", "300")
    assert memory_budget() == 300 * 1024 * 1024
    monkeypatch.delenv("TANDEM_IMPORT_MEMORY_MB")
    from analytics.sources.ingest.result import total_memory
    total = total_memory()
    assert total and memory_budget() == max(256 * 1024 * 1024, total // 4)
    monkeypatch.setenv("TANDEM_IMPORT_MEMORY_MB", "lots")
    with pytest.raises(ImportProblem, match="TANDEM_IMPORT_MEMORY_MB='lots' is not a number"):
        memory_budget()


# ── hostile workbooks ─────────────────────────────────────────────────────────────────────────

def workbook(sheet_xml: str, shared: str | None = None, members: dict[str, bytes] | None = None) -> bytes:
    """A minimal XLSX (deflated) with one sheet."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml",
                    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                    '<Default Extension="xml" ContentType="application/xml"/>'
                    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                    'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
                    '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        zf.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                    'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        zf.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook {NS} xmlns:r="http://schemas.openxmlformats'
                    '.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/>'
                    '</sheets></workbook>')
        rels = ('<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                'worksheet" Target="worksheets/sheet1.xml"/>')
        if shared is not None:
            rels += ('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                     'relationships/sharedStrings" Target="sharedStrings.xml"/>')
            zf.writestr("xl/sharedStrings.xml", f'<?xml version="1.0"?><sst {NS}>{shared}</sst>')
        zf.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                    f'openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
        zf.writestr("xl/worksheets/sheet1.xml", f'<?xml version="1.0"?><worksheet {NS}><sheetData>{sheet_xml}'
                    '</sheetData></worksheet>')
        for name, data in (members or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def cells(rows: list[list[str]]) -> str:
    out = []
    for i, row in enumerate(rows, start=1):
        out.append(f'<row r="{i}">' + "".join(
            f'<c r="{chr(65 + j)}{i}" t="inlineStr"><is><t>{v}</t></is></c>' for j, v in enumerate(row)) + "</row>")
    return "".join(out)


def test_a_minimal_clean_workbook_reads_in_the_child_process():
    read = read_file(workbook(cells([["id", "name"], ["1", "Ann"], ["2", "Bob"]])), name="ok.xlsx")
    assert read.frame["name"].to_list() == ["Ann", "Bob"] and read.info.format == "xlsx"


def test_one_value_in_the_last_cell_of_the_sheet_is_refused():
    data = workbook(cells([["id", "name"]]) + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    assert len(data) < 2000
    far = r"spans 1,048,576 rows × 16,384 columns .*out to column XFD and row 1048576"
    with pytest.raises(ImportProblem, match=far) as info:
        read_file(data, name="far.xlsx")
    assert info.value.code == "too_many_cells" and f"{XLSX_MAX_AREA:,}" in str(info.value)


def test_a_sparse_sheet_out_to_xfd20000_is_refused():
    sparse = "".join(f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>' for r in range(100, 20001, 100))
    with pytest.raises(ImportProblem, match=r"rows × 16,384 columns .*out to column XFD and row \d+") as info:
        read_file(workbook(cells([["id"]]) + sparse), name="sparse.xlsx")
    assert info.value.code == "too_many_cells"


def test_a_declared_dimension_of_the_whole_sheet_is_refused():
    xml = cells([["id"], ["1"]]).replace("<row", '<dimension ref="A1:XFD1048576"/><row', 1)
    with pytest.raises(ImportProblem, match="its dimension says"):
        read_file(workbook(xml), name="dim.xlsx")


def test_millions_of_cells_pointing_at_one_shared_string_are_refused():
    text = "x" * 30_000
    n = XLSX_MAX_TEXT_CHARS // len(text) + 10
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>' for r in range(1, n + 1))
    data = workbook(rows, shared=f"<si><t>{text}</t></si>")
    assert len(data) < 200_000
    with pytest.raises(ImportProblem, match="shared text that expands to more than") as info:
        read_file(data, name="strings.xlsx")
    assert info.value.code == "too_big"


def lie_about_sizes(data: bytes, member: str, claim: int) -> bytes:
    """Rewrite the zip so ``member``'s local and central headers claim ``claim`` bytes unpacked."""
    out = bytearray(data)
    name = member.encode()
    i = 0
    while (i := out.find(b"PK\x03\x04", i)) >= 0:
        n = struct.unpack("<H", out[i + 26:i + 28])[0]
        if out[i + 30:i + 30 + n] == name:
            out[i + 22:i + 26] = struct.pack("<I", claim)
        i += 4
    i = 0
    while (i := out.find(b"PK\x01\x02", i)) >= 0:
        n = struct.unpack("<H", out[i + 28:i + 30])[0]
        if out[i + 46:i + 46 + n] == name:
            out[i + 24:i + 28] = struct.pack("<I", claim)
        i += 4
    return bytes(out)


def test_zip_headers_that_lie_about_sizes_do_not_fool_the_check(tmp_path: Path):
    filler = "<!--" + "a" * 250_000_000 + "-->"                      # 250 MB of XML comment, deflates to ~250 KB
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    assert len(comp.compress(filler.encode()) + comp.flush()) < 400_000
    data = workbook(cells([["id"], ["1"]]), members={"xl/bloat.xml": filler.encode()})
    liar = lie_about_sizes(data, "xl/bloat.xml", 1000)
    path = tmp_path / "liar.xlsx"
    path.write_bytes(liar)
    with pytest.raises(ImportProblem, match=r"unpacks to more than .*its zip headers claim") as info:
        read_file(path)
    assert info.value.code == "zip_bomb"


def test_a_crash_of_the_spreadsheet_reader_is_a_refusal_and_the_parent_survives(monkeypatch: pytest.MonkeyPatch):
    import os

    data = workbook(cells([["id"], ["1"]]))
    monkeypatch.setenv("TANDEM_TEST_CRASH_XLSX", "1")     # read by the child: it kills itself as a segfault would
    with pytest.raises(ImportProblem, match=r"made the spreadsheet reader stop \(exit code -\d+\)") as info:
        read_file(data, name="crash.xlsx")
    assert info.value.code == "xlsx_crash" and os.getpid()
    monkeypatch.delenv("TANDEM_TEST_CRASH_XLSX")
    assert read_file(data, name="ok.xlsx").frame["id"].to_list() == ["1"]


def test_a_workbook_over_the_memory_limit_is_refused_by_the_child():
    from analytics.sources.ingest.xlsx_child import parse_in_child

    data = workbook(cells([["id", "name"], ["1", "Ann"]]))
    with pytest.raises(ImportProblem, match=r"memory an import may use|spreadsheet reader stop") as info:
        parse_in_child(data, "tight.xlsx", None, 1)               # the child may not grow by even a byte
    assert info.value.code == "xlsx_crash"
