"""Read a file into a polars frame of strings plus what was detected (encoding, delimiter, header).

Formats: CSV/TSV/TXT (delimiter sniffed among ``, ; TAB |``; UTF-8 with or without BOM, UTF-16 with
BOM, GBK/GB18030 decoded in Python; CRLF, LF or CR line ends; a header row found below title rows;
or no header with names given), XLSX/XLSM (first sheet or a named one, via fastexcel; title rows
and two-row merged headers handled), XLS (via fastexcel, no merge information) and Parquet.

Every value comes back as text (``pl.Utf8``): typing is :mod:`analytics.sources.ingest.coerce`'s job, so
zip codes keep their leading zeros and nothing is guessed twice. Each frame carries :data:`ROW`,
the row number as in the file. Rows without any value are dropped (their numbers are simply absent).

Safety, before anything is parsed: an XLSX whose members unpack to more than
:data:`XLSX_MAX_RATIO` × its size or more than :data:`XLSX_MAX_UNCOMPRESSED` bytes is refused (zip
bomb), and so is any file whose estimated in-memory size exceeds the memory budget.
"""
from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import fastexcel
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from analytics.sources.ingest.errors import ROW, ImportProblem
from analytics.sources.ingest.headers import HeaderLayout, Merge, blank, find_header, unique_names

FORMATS = ("csv", "xlsx", "xls", "parquet")
DELIMITERS = (",", ";", "\t", "|")
DEFAULT_MEMORY_BUDGET = 1 << 30            # bytes a read may take in memory (estimated)
XLSX_MAX_RATIO = 100                       # refuse workbooks unpacking to more than 100× their size
XLSX_MAX_UNCOMPRESSED = 200 * 1024 * 1024  # … or to more than 200 MB
_CSV_FACTOR = 3                            # file bytes → memory: the bytes, the decoded copy, the frame
_SAMPLE_BYTES = 64 * 1024
_SAMPLE_ROWS = 60
_DELIM_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_ENGINE_ERRORS: tuple[type[BaseException], ...] = (
    pl.exceptions.PolarsError, pl.exceptions.PanicException, pa.ArrowException, fastexcel.FastExcelError,
    csv.Error, zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, UnicodeError, EOFError,
    OverflowError, KeyError, IndexError,
)


@dataclass(frozen=True)
class FileInfo:
    """What the reader found out about a file (shown to the user before mapping)."""

    name: str
    format: str                    # 'csv' | 'xlsx' | 'xls' | 'parquet'
    size: int                      # bytes on disk
    encoding: str | None = None    # CSV: 'utf-8', 'utf-8-sig', 'utf-16', 'gb18030', …
    delimiter: str | None = None   # CSV
    sheet: str | None = None       # Excel: the sheet read
    sheets: tuple[str, ...] = ()   # Excel: all sheets
    header_row: int | None = None  # 1-based row of the first header line; None without a header
    header_rows: int = 1           # 0 (no header), 1, or 2 (combined)
    first_data_row: int = 2        # 1-based row number of the first data row
    n_rows: int = 0                # data rows kept (fully empty rows dropped)
    n_columns: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ReadResult:
    """A frame of strings (plus :data:`ROW`) and its :class:`FileInfo`."""

    frame: pl.DataFrame
    info: FileInfo

    @property
    def headers(self) -> list[str]:
        """The file's column names (without the row-number column)."""
        return [c for c in self.frame.columns if c != ROW]


def read_file(source: str | Path | bytes, *, name: str | None = None, format: str | None = None,
              encoding: str | None = None, delimiter: str | None = None, has_header: bool = True,
              column_names: list[str] | None = None, sheet: str | int | None = None,
              header_row: int | None = None, header_rows: int | None = None,
              memory_budget: int = DEFAULT_MEMORY_BUDGET) -> ReadResult:
    """Read a CSV, Excel or Parquet file (a path, or the bytes of an upload with its ``name``).

    ``format`` is detected from the content and the name; ``encoding`` and ``delimiter`` are
    detected for CSV unless given. ``has_header=False`` reads every row as data, named by
    ``column_names`` (or ``column_1``…). ``sheet`` is an Excel sheet name or 0-based index (default
    the first). ``header_row`` (1-based) and ``header_rows`` (1 or 2) override header detection.
    Raises :class:`ImportProblem` for anything that stops the file from being read.
    """
    label = name or (Path(source).name if isinstance(source, (str, Path)) else "uploaded file")
    try:
        return _read(source, label, format, encoding, delimiter, has_header, column_names, sheet, header_row,
                     header_rows, memory_budget)
    except ImportProblem:
        raise
    except _ENGINE_ERRORS as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise ImportProblem(f"could not be read ({first}).", file=label, code="unreadable",
                            expected="a CSV (UTF-8 or GBK), XLSX or Parquet file") from None


def _read(source: str | Path | bytes, label: str, fmt: str | None, encoding: str | None, delimiter: str | None,
          has_header: bool, column_names: list[str] | None, sheet: str | int | None, header_row: int | None,
          header_rows: int | None, budget: int) -> ReadResult:
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise ImportProblem("does not exist.", file=str(path), code="missing")
        if not path.is_file():
            raise ImportProblem("is not a file.", file=str(path), code="missing")
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
    if delimiter is not None and len(delimiter) != 1:
        raise ImportProblem(f"delimiter {delimiter!r} is not a single character.", file=label, code="delimiter")
    if fmt == "csv":
        _check_budget(label, size * _CSV_FACTOR, budget, size)
        raw = data if data is not None else path.read_bytes()  # type: ignore[union-attr]
        return _read_csv(raw, label, size, encoding, delimiter, has_header, column_names, header_row, header_rows)
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


def _check_budget(label: str, needed: int, budget: int, size: int) -> None:
    if needed > budget:
        raise ImportProblem(
            f"is {_mb(size)}; reading it here needs about {_mb(needed)} of memory, above the budget of "
            f"{_mb(budget)}. Import it with the command line (python -m analytics import), whose budget is half "
            "the machine's memory, or split it into smaller files.", file=label, code="too_big")


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:,.1f} KB"


# ── CSV ─────────────────────────────────────────────────────────────────────────────────────────

def decode(data: bytes, label: str, encoding: str | None = None) -> tuple[bytes, str]:
    """The file as UTF-8 bytes without BOM, and the encoding it was in.

    UTF-8 (BOM or not) passes through untouched; UTF-16 needs its BOM; otherwise GB18030 (a
    superset of GBK and GB2312) is tried. Bytes that fit neither, or a file mixing UTF-8 and GBK
    lines, raise :class:`ImportProblem` naming the byte offset and line.
    """
    if encoding:
        codec = encoding.lower().replace("_", "-")
        try:
            text = data.decode(codec)
        except LookupError:
            raise ImportProblem(f"encoding {encoding!r} is unknown.", file=label, code="encoding",
                                expected="utf-8, gb18030, gbk or utf-16") from None
        except UnicodeDecodeError as exc:
            raise _encoding_problem(data, label, exc, codec) from None
        return text.lstrip("\ufeff").encode("utf-8"), codec
    if data.startswith(b"\xef\xbb\xbf"):
        body = data[3:]
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _encoding_problem(body, label, exc, "utf-8", offset=3) from None
        return body, "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16").encode("utf-8"), "utf-16"
        except UnicodeDecodeError as exc:
            raise _encoding_problem(data, label, exc, "utf-16") from None
    try:
        data.decode("utf-8")
        return data, "utf-8"
    except UnicodeDecodeError as utf8_error:
        prefix = data[:utf8_error.start].decode("utf-8")
        if re.search(r"[\u4e00-\u9fff]", prefix):
            line = data.count(b"\n", 0, utf8_error.start) + 1
            raise ImportProblem(
                f"mixes encodings: it is UTF-8 (with Chinese text) up to line {line - 1 if line > 1 else 1}, "
                f"but byte offset {utf8_error.start} (line {line}) is not UTF-8 (likely GBK). Save the whole "
                "file in one encoding (Excel: 'CSV UTF-8') and import again.", file=label, row=line,
                code="encoding", expected="one encoding throughout") from None
        try:
            return data.decode("gb18030").encode("utf-8"), "gb18030"
        except UnicodeDecodeError as gb_error:
            raise _encoding_problem(data, label, utf8_error, "utf-8", other=gb_error) from None


def _encoding_problem(data: bytes, label: str, exc: UnicodeDecodeError, codec: str, offset: int = 0,
                      other: UnicodeDecodeError | None = None) -> ImportProblem:
    at = exc.start + offset
    line = data.count(b"\n", 0, exc.start) + 1
    bad = data[exc.start:exc.start + 4].hex(" ")
    also = ""
    if other is not None:
        other_line = data.count(b"\n", 0, other.start) + 1
        also = f", nor GB18030/GBK at byte offset {other.start} (line {other_line})"
    return ImportProblem(
        f"has bytes that are not {codec.upper()} at byte offset {at} (line {line}): {bad}{also}. Save the file "
        "as UTF-8 (Excel: 'CSV UTF-8') or GBK and import again, or give the encoding.",
        file=label, row=line, code="encoding", expected="UTF-8 or GB18030/GBK text")


def sniff_delimiter(sample: str) -> str:
    """The delimiter among ``, ; TAB |`` that splits the sample's lines most consistently into ≥ 2 fields."""
    best, best_score = ",", (0.0, 0)
    for d in DELIMITERS:
        counts = [len(r) for r in _csv_rows(sample, d, _SAMPLE_ROWS) if r]
        if not counts:
            continue
        mode = max(set(counts), key=lambda n: (counts.count(n), n))
        if mode < 2:
            continue
        score = (counts.count(mode) / len(counts), mode)
        if score > best_score:
            best, best_score = d, score
    return best


def _csv_rows(text: str, delimiter: str, limit: int) -> list[list[str]]:
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            rows.append(row)
            if len(rows) >= limit:
                break
    except csv.Error:
        pass
    return rows


class _NotUtf8(Exception):
    """The optimistic UTF-8 parse met bytes that are not UTF-8: decode in Python and parse again."""


def _read_csv(data: bytes, label: str, size: int, encoding: str | None, delimiter: str | None, has_header: bool,
              column_names: list[str] | None, header_row: int | None, header_rows: int | None) -> ReadResult:
    args = (label, size, delimiter, has_header, column_names, header_row, header_rows)
    if encoding is None and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) \
            and _utf8_head(data):
        try:            # most files are UTF-8: let polars validate the rest while parsing (no second copy)
            return _read_text(data, "utf-8", *args)
        except _NotUtf8:
            pass
    raw, enc = decode(data, label, encoding)
    return _read_text(raw, enc, *args)


def _utf8_head(data: bytes) -> bool:
    """The sample the sniffer reads is UTF-8 (a character cut at the sample's end is fine)."""
    head = data[:_SAMPLE_BYTES]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return len(head) < len(data) and exc.start >= len(head) - 3
    return True


def _read_text(raw: bytes, enc: str, label: str, size: int, delimiter: str | None, has_header: bool,
               column_names: list[str] | None, header_row: int | None, header_rows: int | None) -> ReadResult:
    """Parse UTF-8 bytes (``enc`` is the encoding the file was in)."""
    if not raw[:4096].strip() and not raw.strip():
        raise ImportProblem("is empty (no text).", file=label, code="empty")
    if b"\n" not in raw and b"\r" in raw:
        raw = raw.replace(b"\r", b"\n")              # old Mac line ends
    sample = raw[:_SAMPLE_BYTES].decode("utf-8", errors="ignore")
    if len(raw) > _SAMPLE_BYTES and "\n" in sample:
        sample = sample[:sample.rindex("\n") + 1]
    delim = delimiter or sniff_delimiter(sample)
    rows: list[list[str | None]] = [list(r) for r in _csv_rows(sample, delim, _SAMPLE_ROWS)]
    width = max((len(r) for r in rows), default=1)
    if has_header:
        layout = find_header(rows, width, file=label, header_row=header_row, header_rows=header_rows)
    else:
        layout = HeaderLayout(0, 0, [], [])
    frame, lenient = _parse_csv(raw, delim, layout.start, label)
    notes = list(layout.notes) + ([lenient] if lenient else [])
    if has_header:
        names = layout.names + [f"column_{j + 1}" for j in range(len(layout.names), frame.width)]
        names = unique_names(names[:frame.width])
        _check_single_column(names, delim, delimiter is not None, label)
    else:
        names = _given_names(column_names, frame.width, label)
    frame = frame.slice(layout.rows)
    first = layout.data_start + 1
    info = FileInfo(name=label, format="csv", size=size, encoding=enc, delimiter=delim,
                    header_row=layout.start + 1 if layout.rows else None, header_rows=layout.rows,
                    first_data_row=first, notes=tuple(notes))
    return _finish(frame, names, first, info)


def _parse_csv(raw: bytes, delim: str, skip: int, label: str) -> tuple[pl.DataFrame, str | None]:
    """All fields as text; the fast polars parser, or Python's csv module to explain (or forgive) a failure."""
    try:
        return pl.read_csv(raw, has_header=False, separator=delim, skip_rows=skip, infer_schema=False,
                           quote_char='"', raise_if_empty=False, missing_columns="insert"), None
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException):
        pass
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _NotUtf8 from None
    records: list[list[str]] = []
    try:
        for rec in csv.reader(io.StringIO(text), delimiter=delim, strict=True):
            records.append(rec)
        note = None
    except csv.Error as exc:
        if "end of data" in str(exc):
            raise ImportProblem(f"a quoted cell that starts in row {len(records) + 1} is never closed.", file=label,
                                row=len(records) + 1, code="quote", expected='a closing " for every opening "'
                                ) from None
        records = list(csv.reader(io.StringIO(text), delimiter=delim))
        note = f"Stray quote characters (first in row {_first_bad_quote(text, delim)}) were read as text."
    records = records[skip:]
    width = len(records[0]) if records else 1
    for k, rec in enumerate(records):
        if len(rec) > width and any(not blank(v) for v in rec[width:]):
            row = skip + k + 1
            raise ImportProblem(f"has {len(rec)} fields, but the header has {width}.", file=label, row=row,
                                code="ragged", expected=f"{width} fields separated by {_DELIM_NAMES.get(delim, delim)}")
    cols = [f"column_{j}" for j in range(width)]
    padded = [(rec + [None] * width)[:width] if rec else [None] * width for rec in records]
    return pl.DataFrame(padded, schema=dict.fromkeys(cols, pl.Utf8), orient="row"), note


def _first_bad_quote(text: str, delim: str) -> int:
    reader = csv.reader(io.StringIO(text), delimiter=delim, strict=True)
    n = 0
    try:
        for _ in reader:
            n += 1
    except csv.Error:
        return n + 1
    return n


def _check_single_column(names: list[str], delim: str, given: bool, label: str) -> None:
    if len(names) != 1:
        return
    others = [d for d in DELIMITERS if d != delim and d in names[0]]
    if others:
        d = others[0]
        raise ImportProblem(
            f"has one column when split on {_DELIM_NAMES.get(delim, repr(delim))}, but its header "
            f"{names[0][:60]!r} contains {_DELIM_NAMES[d]}s.", file=label, row=1, code="delimiter",
            expected=f"delimiter {d!r}" + ("" if given else " (or give the delimiter)"))


def _given_names(column_names: list[str] | None, width: int, label: str) -> list[str]:
    if column_names is None:
        return [f"column_{j + 1}" for j in range(width)]
    if len(column_names) != width:
        raise ImportProblem(f"has {width} columns, but {len(column_names)} column names were given.", file=label,
                            code="columns", expected=f"{width} names")
    return unique_names(column_names)


def _finish(frame: pl.DataFrame, names: list[str], first_row: int, info: FileInfo) -> ReadResult:
    """Name the columns, number the rows, drop fully empty rows, refuse a file without data."""
    frame = frame.rename(dict(zip(frame.columns, names, strict=True)))
    frame = frame.with_columns(pl.all().cast(pl.Utf8))
    frame = frame.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).add(first_row).alias(ROW))
    if names:
        empty = frame.select(pl.all_horizontal([pl.col(c).is_null() | (pl.col(c).str.len_bytes() == 0)
                                                for c in names])).to_series()
        if empty.any():
            frame = frame.filter(~empty)
    if frame.height == 0:
        what = "a header row but no data rows" if info.header_rows else "no data rows"
        raise ImportProblem(f"has {what}.", file=info.name, code="no_rows", expected="at least one data row")
    return ReadResult(frame, replace(info, n_rows=frame.height, n_columns=len(names)))


# ── Excel ───────────────────────────────────────────────────────────────────────────────────────

def check_zip(source: Path | bytes, size: int, label: str) -> int:
    """Refuse a zip bomb before anything is unpacked; return the total unpacked size.

    Reads only the zip's central directory: the declared sizes of its members.
    """
    try:
        with zipfile.ZipFile(source if isinstance(source, Path) else io.BytesIO(source)) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
    except zipfile.BadZipFile:
        raise ImportProblem("is not a valid XLSX workbook (the zip container is damaged).", file=label,
                            code="format") from None
    if "xl/workbook.xml" not in names:
        raise ImportProblem("is a zip archive but not an Excel workbook.", file=label, code="format",
                            expected="an .xlsx file")
    total = sum(i.file_size for i in infos)
    if len(infos) > 10_000 or total > XLSX_MAX_UNCOMPRESSED or total > XLSX_MAX_RATIO * max(size, 1):
        raise ImportProblem(
            f"unpacks to {_mb(total)} from {_mb(size)} ({total / max(size, 1):,.0f}:1), above the limits of "
            f"{XLSX_MAX_RATIO}:1 and {_mb(XLSX_MAX_UNCOMPRESSED)}; it was not opened. Save the sheet as CSV, "
            "or import it with the command line.", file=label, code="zip_bomb")
    return total


def _read_excel(source: Path | bytes, label: str, size: int, fmt: str, sheet: str | int | None, has_header: bool,
                column_names: list[str] | None, header_row: int | None, header_rows: int | None,
                budget: int) -> ReadResult:
    merges: list[Merge] = []
    col_offset = 0
    if fmt == "xlsx":
        unpacked = check_zip(source, size, label)
        _check_budget(label, unpacked * 2, budget, size)
    else:
        _check_budget(label, size * _CSV_FACTOR, budget, size)
    reader = fastexcel.read_excel(str(source) if isinstance(source, Path) else source)
    sheets = tuple(reader.sheet_names)
    if not sheets:
        raise ImportProblem("has no sheets.", file=label, code="empty")
    if sheet is None:
        idx = 0
    elif isinstance(sheet, int):
        if not 0 <= sheet < len(sheets):
            raise ImportProblem(f"has no sheet number {sheet}; it has {len(sheets)}: {', '.join(sheets)}.",
                                file=label, code="sheet")
        idx = sheet
    elif sheet in sheets:
        idx = sheets.index(sheet)
    else:
        raise ImportProblem(f"has no sheet {sheet!r}; its sheets are {', '.join(sheets)}.", file=label,
                            code="sheet", expected="one of " + ", ".join(sheets))
    if fmt == "xlsx":
        merges, col_offset = _xlsx_merges(source, idx)
    frame = reader.load_sheet(idx, header_row=None, dtypes="string", skip_rows=0).to_polars()
    if frame.width == 0 or frame.height == 0:
        raise ImportProblem(f"sheet {sheets[idx]!r} is empty.", file=label, code="empty")
    frame = frame.select(pl.all().cast(pl.Utf8))
    merges = [Merge(m.row0, m.col0 - col_offset, m.row1, m.col1 - col_offset) for m in merges
              if m.col1 - col_offset >= 0]
    if has_header:
        top = [list(r) for r in frame.head(_SAMPLE_ROWS).rows()]
        layout = find_header(top, frame.width, file=label, merges=merges, header_row=header_row,
                             header_rows=header_rows)
        names = layout.names
    else:
        layout = HeaderLayout(0, 0, [], [])
        names = _given_names(column_names, frame.width, label)
    data = frame.slice(layout.data_start)
    inside = [m for m in merges if m.row0 >= layout.data_start]
    notes = list(layout.notes)
    if inside:
        notes.append(f"{len(inside)} merged cell range(s) inside the data (first at row {inside[0].row0 + 1}): "
                     "only their top-left cell has a value.")
    info = FileInfo(name=label, format=fmt, size=size, sheet=sheets[idx], sheets=sheets,
                    header_row=layout.start + 1 if layout.rows else None, header_rows=layout.rows,
                    first_data_row=layout.data_start + 1, notes=tuple(notes))
    return _finish(data, names, layout.data_start + 1, info)


_CELL = re.compile(r"([A-Z]{1,3})(\d+)")


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


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
    _check_budget(label, max(unpacked, size) * 2, budget, size)
    if isinstance(source, io.BytesIO):
        source.seek(0)
    frame = pl.read_parquet(source)
    nested = [c for c, t in frame.schema.items() if t.is_nested() or t == pl.Object]
    if nested:
        raise ImportProblem(f"has nested (list or struct) columns: {', '.join(nested)}.", file=label,
                            column=nested[0], code="format", expected="flat columns of numbers, dates or text")
    names = unique_names(frame.columns)
    info = FileInfo(name=label, format="parquet", size=size, header_row=None, header_rows=0, first_data_row=1)
    return _finish(frame.select(pl.all().cast(pl.Utf8)), names, 1, info)
