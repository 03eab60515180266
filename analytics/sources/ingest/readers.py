"""Read a file into a polars frame of strings plus what was detected (encoding, delimiter, header).

Formats: CSV/TSV/TXT (:mod:`~analytics.sources.ingest.csv_reader`: encoding detected among UTF-8,
UTF-16, cp1252, Shift-JIS, EUC-KR, Big5 and GB18030, or given; delimiter sniffed among ``, ; TAB |``;
every row checked against the header), XLSX/XLSM (first sheet or a named one, via fastexcel in a
child process after :mod:`~analytics.sources.ingest.xlsx_guard` has measured its XML; title rows and
two-row merged headers handled), XLS (same child process, no merge information) and Parquet.

Every value comes back as text (``pl.Utf8``): typing is :mod:`analytics.sources.ingest.coerce`'s job, so
zip codes keep their leading zeros and nothing is guessed twice. Each frame carries :data:`ROW`,
the row number as in the file. Rows without any value are dropped (their numbers are simply absent).
Row problems the reader finds (short or long rows, NUL characters, over-long cells, repeated column
names) are ``ReadResult.issues``: they join the report, they never vanish.

Safety, before anything is parsed: a file whose estimated in-memory size exceeds the memory budget
(:func:`~analytics.sources.ingest.result.memory_budget`) is refused, and so is an XLSX that unpacks
too far, spans too many cells or expands its shared strings too far.
"""
from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from pathlib import Path

import fastexcel
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from analytics.sources.ingest.csv_reader import DELIMITERS, decode, read_csv, sniff_delimiter
from analytics.sources.ingest.errors import ImportProblem
from analytics.sources.ingest.headers import HeaderLayout, Merge, find_header, unique_names
from analytics.sources.ingest.result import (
    DEFAULT_MEMORY_BUDGET,
    FileInfo,
    ReadResult,
    check_budget,
    duplicate_names,
    finish,
    given_names,
)
from analytics.sources.ingest.xlsx_child import parse_in_child
from analytics.sources.ingest.xlsx_guard import XLSX_MAX_RATIO, XLSX_MAX_UNCOMPRESSED, col_index, inspect_xlsx

__all__ = ["DEFAULT_MEMORY_BUDGET", "DELIMITERS", "FORMATS", "XLSX_MAX_RATIO", "XLSX_MAX_UNCOMPRESSED", "FileInfo",
           "ReadResult", "decode", "read_file", "sniff_delimiter"]

FORMATS = ("csv", "xlsx", "xls", "parquet")
CSV_MEMORY_FACTOR = 7      # peak memory ÷ file size reading a CSV: 5.6–6.3 measured (docs/import.md, "Limits")
_SAMPLE_ROWS = 60
_ENGINE_ERRORS: tuple[type[BaseException], ...] = (
    pl.exceptions.PolarsError, pl.exceptions.PanicException, pa.ArrowException, fastexcel.FastExcelError,
    csv.Error, zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, UnicodeError, EOFError,
    OverflowError, KeyError, IndexError, MemoryError,
)


def read_file(source: str | Path | bytes, *, name: str | None = None, format: str | None = None,
              encoding: str | None = None, delimiter: str | None = None, has_header: bool = True,
              column_names: list[str] | None = None, sheet: str | int | None = None,
              header_row: int | None = None, header_rows: int | None = None,
              memory_budget: int | None = None) -> ReadResult:
    """Read a CSV, Excel or Parquet file (a path, or the bytes of an upload with its ``name``).

    ``format`` is detected from the content and the name; ``encoding`` and ``delimiter`` are
    detected for CSV unless given. ``has_header=False`` reads every row as data, named by
    ``column_names`` (or ``column_1``…). ``sheet`` is an Excel sheet name or 0-based index (default
    the first). ``header_row`` (1-based) and ``header_rows`` (1 or 2) override header detection.
    ``memory_budget`` defaults to :data:`DEFAULT_MEMORY_BUDGET`.
    Raises :class:`ImportProblem` for anything that stops the file from being read.
    """
    label = name or (Path(source).name if isinstance(source, (str, Path)) else "uploaded file")
    budget = DEFAULT_MEMORY_BUDGET if memory_budget is None else memory_budget
    try:
        return _read(source, label, format, encoding, delimiter, has_header, column_names, sheet, header_row,
                     header_rows, budget)
    except ImportProblem:
        raise
    except _ENGINE_ERRORS as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise ImportProblem(f"could not be read ({type(exc).__name__}: {first}). Check that it is a CSV, XLSX or "
                            "Parquet file and save it again.", file=label, code="unreadable",
                            expected="a CSV, XLSX or Parquet file") from None


def _read(source: str | Path | bytes, label: str, fmt: str | None, encoding: str | None, delimiter: str | None,
          has_header: bool, column_names: list[str] | None, sheet: str | int | None, header_row: int | None,
          header_rows: int | None, budget: int) -> ReadResult:
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise ImportProblem("does not exist. Check the path and the file name.", file=str(path), code="missing")
        if not path.is_file():
            raise ImportProblem("is not a file (a folder?). Give the path of a CSV, XLSX or Parquet file.",
                                file=str(path), code="missing")
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8)
        data: bytes | None = None
    else:
        data = bytes(source)
        size, head, path = len(data), data[:8], None
    if size == 0:
        raise ImportProblem("is empty (0 bytes).", file=label, code="empty")
    fmt = (fmt or _detect_format(head, label)).lower()
    if fmt not in FORMATS:
        raise ImportProblem(f"has format {fmt!r}, which cannot be imported.", file=label, code="format",
                            expected="csv, xlsx, xls or parquet")
    if fmt == "csv":
        check_budget(label, size * CSV_MEMORY_FACTOR, budget, size)
        raw = data if data is not None else path.read_bytes()  # type: ignore[union-attr]
        return read_csv(raw, label, size, encoding, delimiter, has_header, column_names, header_row, header_rows)
    if fmt in ("xlsx", "xls"):
        return _read_excel(path or data, label, size, fmt, sheet, has_header, column_names, header_row,  # type: ignore[arg-type]
                           header_rows, budget)
    return _read_parquet(path or io.BytesIO(data), label, size, budget)  # type: ignore[arg-type]


def _detect_format(head: bytes, label: str) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    suffix = Path(label).suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".parquet", ".pq"):
        raise ImportProblem(f"is named {suffix} but its content is not that format.", file=label, code="format")
    if suffix in (".ods", ".numbers", ".json", ".xml", ".zip", ".gz"):
        raise ImportProblem(f"is a {suffix} file, which cannot be imported; save it as CSV or XLSX.", file=label,
                            code="format", expected="csv, xlsx, xls or parquet")
    return "csv"


# ── Excel ───────────────────────────────────────────────────────────────────────────────────────

def _read_excel(source: Path | bytes, label: str, size: int, fmt: str, sheet: str | int | None, has_header: bool,
                column_names: list[str] | None, header_row: int | None, header_rows: int | None,
                budget: int) -> ReadResult:
    merges: list[Merge] = []
    dupes: list[dict] = []
    col_offset = 0
    if fmt == "xlsx":
        found = inspect_xlsx(source, size, label)
        check_budget(label, found.unpacked * 2 + found.text_chars * 2, budget, size)
    else:
        check_budget(label, size * CSV_MEMORY_FACTOR, budget, size)
    sheets_list, idx, frame = parse_in_child(source, label, sheet, budget)
    sheets = tuple(sheets_list)
    if not sheets:
        raise ImportProblem("has no sheets.", file=label, code="empty")
    if idx is None or frame is None:
        if isinstance(sheet, int):
            raise ImportProblem(f"has no sheet number {sheet}; it has {len(sheets)}: {', '.join(sheets)}.",
                                file=label, code="sheet")
        raise ImportProblem(f"has no sheet {sheet!r}; its sheets are {', '.join(sheets)}.", file=label,
                            code="sheet", expected="one of " + ", ".join(sheets))
    if fmt == "xlsx":
        merges, col_offset = _xlsx_merges(source, idx)
    if frame.width == 0 or frame.height == 0:
        raise ImportProblem(f"sheet {sheets[idx]!r} is empty.", file=label, code="empty")
    merges = [Merge(m.row0, m.col0 - col_offset, m.row1, m.col1 - col_offset) for m in merges
              if m.col1 - col_offset >= 0]
    if has_header:
        top = [list(r) for r in frame.head(_SAMPLE_ROWS).rows()]
        layout = find_header(top, frame.width, file=label, merges=merges, header_row=header_row,
                             header_rows=header_rows)
        names = layout.names
        if layout.rows == 1 and layout.start < len(top):
            dupes = duplicate_names(list(top[layout.start]), names, label, layout.start + 1)
    else:
        layout = HeaderLayout(0, 0, [], [])
        names = given_names(column_names, frame.width, label)
    data = frame.slice(layout.data_start)
    inside = [m for m in merges if m.row0 >= layout.data_start]
    notes = list(layout.notes)
    if inside:
        notes.append(f"{len(inside)} merged cell range(s) inside the data (first at row {inside[0].row0 + 1}): "
                     "only their top-left cell has a value.")
    info = FileInfo(name=label, format=fmt, size=size, sheet=sheets[idx], sheets=sheets,
                    header_row=layout.start + 1 if layout.rows else None, header_rows=layout.rows,
                    first_data_row=layout.data_start + 1, notes=tuple(notes))
    return finish(data, names, layout.data_start + 1, info, dupes)


_CELL = re.compile(r"([A-Z]{1,3})(\d+)")
_col_index = col_index


def _attrs(tag: str) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in re.findall(r'([\w:]+)="([^"]*)"', tag)}


def _xlsx_merges(source: Path | bytes, idx: int) -> tuple[list[Merge], int]:
    """Merged ranges in the first rows of sheet ``idx`` and the first used column (fastexcel starts there).

    Only called after :func:`check_zip`; the sheet XML is streamed, never held whole.
    """
    with zipfile.ZipFile(source if isinstance(source, Path) else io.BytesIO(source)) as zf:
        workbook = zf.read("xl/workbook.xml").decode("utf-8", errors="replace")
        rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", errors="replace") \
            if "xl/_rels/workbook.xml.rels" in zf.namelist() else ""
        sheets = [_attrs(t) for t in re.findall(r"<(?:\w+:)?sheet\b([^>]*)/?>", workbook)]
        targets = {a.get("Id"): a.get("Target", "") for a in map(_attrs, re.findall(r"<(?:\w+:)?Relationship\b([^>]*)>",
                                                                                   rels))}
        if idx >= len(sheets):
            return [], 0
        rid = next((v for k, v in sheets[idx].items() if k.endswith(":id")), None)
        target = targets.get(rid, "")
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        if path not in zf.namelist():
            return [], 0
        merges: list[Merge] = []
        offset = None
        tail = ""
        with zf.open(path) as fh:
            while chunk := fh.read(1 << 20):
                text = tail + chunk.decode("utf-8", errors="replace")
                if offset is None:
                    dim = re.search(r'<(?:\w+:)?dimension ref="([A-Z]+)\d+', text)
                    offset = _col_index(dim.group(1)) if dim else 0
                for ref in re.findall(r'<(?:\w+:)?mergeCell ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"', text):
                    cells = _CELL.findall(ref)
                    (c0, r0), (c1, r1) = cells[0], cells[-1]
                    if int(r0) <= _SAMPLE_ROWS:
                        merges.append(Merge(int(r0) - 1, _col_index(c0), int(r1) - 1, _col_index(c1)))
                tail = text[-300:]
        return sorted(set(merges), key=lambda m: (m.row0, m.col0)), offset or 0


# ── Parquet ─────────────────────────────────────────────────────────────────────────────────────

def _read_parquet(source: Path | io.BytesIO, label: str, size: int, budget: int) -> ReadResult:
    meta = pq.ParquetFile(source).metadata
    unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    check_budget(label, max(unpacked, size) * 2, budget, size)
    if isinstance(source, io.BytesIO):
        source.seek(0)
    frame = pl.read_parquet(source)
    nested = [c for c, t in frame.schema.items() if t.is_nested() or t == pl.Object]
    if nested:
        raise ImportProblem(f"has nested (list or struct) columns: {', '.join(nested)}.", file=label,
                            column=nested[0], code="format", expected="flat columns of numbers, dates or text")
    names = unique_names(frame.columns)
    info = FileInfo(name=label, format="parquet", size=size, header_row=None, header_rows=0, first_data_row=1)
    return finish(frame.select(pl.all().cast(pl.Utf8)), names, 1, info)
