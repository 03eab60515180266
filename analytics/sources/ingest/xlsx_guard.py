"""Look inside an untrusted XLSX before any spreadsheet library sees it.

Nothing here trusts the zip's headers: every member is decompressed from its local header as a
stream, counting the bytes that come out and stopping at a cap, so a member whose headers claim
1 KB but inflate to gigabytes is caught after :data:`XLSX_MAX_UNCOMPRESSED` bytes. While streaming,
the XML itself is measured:

- the workbook unpacks to at most :data:`XLSX_MAX_UNCOMPRESSED` bytes and :data:`XLSX_MAX_RATIO` × its size;
- each sheet's extent — its ``<dimension>`` and the farthest cell actually present — covers at most
  :data:`XLSX_MAX_AREA` cells (rows × columns), so one value in ``XFD1048576`` is refused: a reader
  would lay out a grid of 17 billion cells;
- at most :data:`XLSX_MAX_CELLS` cells in all;
- the text the cells point at in the shared-string table, expanded, is at most
  :data:`XLSX_MAX_TEXT_CHARS` characters (a million cells naming one long shared string).

Only then is the workbook parsed, and in a child process (:mod:`analytics.sources.ingest.xlsx_child`).
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from array import array
from dataclasses import dataclass, field
from pathlib import Path

from analytics.sources.ingest.errors import ImportProblem
from analytics.sources.ingest.result import mb

XLSX_MAX_RATIO = 100                         # refuse workbooks unpacking to more than 100× their size
XLSX_MAX_UNCOMPRESSED = 200 * 1024 * 1024    # … or to more than 200 MB (counted while unpacking)
XLSX_MAX_CELLS = 5_000_000                   # cells in all sheets
XLSX_MAX_AREA = 10_000_000                   # rows × columns of one sheet's extent
XLSX_MAX_TEXT_CHARS = 100_000_000            # characters of shared strings, counted once per cell using them
XLSX_MAX_MEMBERS = 10_000
_CHUNK = 1 << 20
_MAX_CARRY = 4 << 20
_DIM = re.compile(r'<(?:\w+:)?dimension\b[^>]*?\bref="([A-Za-z]*)(\d*)(?::([A-Za-z]+)(\d+))?"')
_CELL = re.compile(r"<\w+:c[\s>/]")                    # cells with a namespace prefix (<x:c …>)
_REF_COL = re.compile(r' r="([A-Z]{1,3})[0-9]')        # cells: r="XFD20000" (rows have r="20000")
_REF_ROW = re.compile(r' r="[A-Z]{0,3}([0-9]+)"')
_SHARED = re.compile(r't="s"[^>]*>\s*<(?:\w+:)?v>\s*([0-9]+)')
_SI = re.compile(r"<(?:\w+:)?si\b[^>]*>(.*?)</(?:\w+:)?si>", re.S)
_SI_OPEN = re.compile(r"<(?:\w+:)?si\b")


@dataclass
class Inspection:
    """What the XML says: unpacked bytes, cells, and per sheet file its extent."""

    unpacked: int = 0
    cells: int = 0
    extents: dict[str, tuple[int, int]] = field(default_factory=dict)   # member → (rows, columns)
    text_chars: int = 0


def col_index(letters: str) -> int:
    """``A`` → 0, ``XFD`` → 16383."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def inspect_xlsx(source: Path | bytes, size: int, label: str) -> Inspection:
    """Measure the workbook from its XML, streaming every member under a byte cap; refuse what is unsafe."""
    fh = source.open("rb") if isinstance(source, Path) else io.BytesIO(source)
    try:
        try:
            with zipfile.ZipFile(fh) as zf:
                infos = zf.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            raise ImportProblem("is not a valid XLSX workbook (the zip container is damaged). Open it in Excel and "
                                "save it again, or save the sheet as CSV.", file=label, code="format") from None
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names:
            raise ImportProblem("is a zip archive but not an Excel workbook.", file=label, code="format",
                                expected="an .xlsx file saved by Excel or another spreadsheet program")
        if len(infos) > XLSX_MAX_MEMBERS:
            raise ImportProblem(f"holds {len(infos):,} files inside; a workbook has a few dozen. It was not opened.",
                                file=label, code="zip_bomb")
        declared = sum(i.file_size for i in infos)
        cap = min(XLSX_MAX_UNCOMPRESSED, XLSX_MAX_RATIO * max(size, 1))
        if declared > cap:
            raise _bomb(label, declared, size, declared=True)
        found = Inspection()
        ordered = sorted(infos, key=lambda i: (i.filename != "xl/sharedStrings.xml", i.filename))
        strings = array("I")
        for info in ordered:
            if info.is_dir():
                continue
            name = info.filename
            sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
            scan = _SheetScan(found, strings, name, label) if sheet else \
                _StringScan(strings, label) if name == "xl/sharedStrings.xml" else None
            for text in _stream(fh, info, found, cap, size, label, declared, want_text=scan is not None):
                if scan is not None:
                    scan.feed(text)
            if scan is not None:
                scan.close()
        return found
    finally:
        fh.close()


def _bomb(label: str, total: int, size: int, declared: bool = False, lying: int | None = None) -> ImportProblem:
    said = f" (its zip headers claim {mb(lying)})" if lying is not None else ""
    what = "says it unpacks" if declared else "unpacks"
    return ImportProblem(
        f"{what} to {'more than ' if not declared else ''}{mb(total)} from {mb(size)} ({total / max(size, 1):,.0f}:1)"
        f"{said}, above the limits of {XLSX_MAX_RATIO}:1 and {mb(XLSX_MAX_UNCOMPRESSED)}; it was not opened. Save "
        "the sheet as CSV (UTF-8) and import that.", file=label, code="zip_bomb")


def _stream(fh, info: zipfile.ZipInfo, found: Inspection, cap: int, size: int, label: str, declared: int,
            want_text: bool):
    """Decompress one member from its local header, chunk by chunk, whatever its headers claim."""
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise ImportProblem(f"is damaged: the zip entry {info.filename!r} has no valid header.", file=label,
                            code="format")
    method, = struct.unpack("<H", local[8:10])
    n, m = struct.unpack("<HH", local[26:30])
    fh.seek(info.header_offset + 30 + n + m)
    if method == zipfile.ZIP_STORED:
        source_left = min(info.compress_size, max(size - fh.tell(), 0))
        decomp = None
    elif method == zipfile.ZIP_DEFLATED:
        source_left = max(size - fh.tell(), 0)       # not the header's compressed size: read until the stream ends
        decomp = zlib.decompressobj(-15)
    else:
        raise ImportProblem(f"uses zip compression method {method} for {info.filename!r}, which spreadsheet "
                            "programs do not write. Save the file again from Excel, or as CSV.", file=label,
                            code="format")
    pending = b""
    while source_left > 0 or pending:
        if not pending:
            pending = fh.read(min(_CHUNK, source_left))
            source_left -= len(pending)
            if not pending:
                break
        if decomp is None:
            out, pending = pending, b""
        else:
            try:
                out = decomp.decompress(pending, _CHUNK)
            except zlib.error:
                raise ImportProblem(f"is damaged: {info.filename!r} inside it does not decompress. Open it in Excel "
                                    "and save it again.", file=label, code="format") from None
            pending = decomp.unconsumed_tail
        found.unpacked += len(out)
        if found.unpacked > cap:
            raise _bomb(label, found.unpacked, size, lying=declared if declared < found.unpacked else None)
        if out and want_text:
            yield out.decode("utf-8", errors="replace")
        if decomp is not None and decomp.eof:
            break


class _StringScan:
    """The length of every shared string (characters of its XML content, an upper bound of its text)."""

    def __init__(self, strings: array, label: str) -> None:
        self.strings, self.label, self.carry = strings, label, ""

    def feed(self, text: str) -> None:
        buf = self.carry + text
        end = 0
        for m in _SI.finditer(buf):
            self.strings.append(min(len(m.group(1)), 4_000_000_000))
            end = m.end()
            if len(self.strings) > XLSX_MAX_CELLS:
                raise ImportProblem(f"has more than {XLSX_MAX_CELLS:,} shared strings; it was not opened.",
                                    file=self.label, code="too_many_cells")
        rest = buf[end:]
        opened = _SI_OPEN.search(rest)
        self.carry = rest[opened.start():] if opened else rest[-16:]
        if len(self.carry) > _MAX_CARRY:
            raise ImportProblem("has a shared string of more than 4 million characters; it was not opened.",
                                file=self.label, code="too_big")

    def close(self) -> None:
        self.carry = ""


class _SheetScan:
    """Cells, extent and shared-string use of one worksheet's XML."""

    def __init__(self, found: Inspection, strings: array, member: str, label: str) -> None:
        self.found, self.strings, self.member, self.label = found, strings, member, label
        self.carry = ""
        self.rows = self.cols = 0
        self.dim = (0, 0)
        self.before_data = True

    def feed(self, text: str) -> None:
        buf = self.carry + text
        cut = buf.rfind("<")
        cut = len(buf) if cut < 0 or ">" in buf[cut:] else cut
        body, self.carry = buf[:cut], buf[cut:]
        if len(self.carry) > _MAX_CARRY:
            raise ImportProblem(f"sheet file {self.member} holds a tag longer than 4 MB; it was not opened.",
                                file=self.label, code="too_big")
        if self.before_data and (d := _DIM.search(body)):      # <dimension> comes before <sheetData>
            self.before_data = False
            col = d.group(3) or d.group(1)
            row = d.group(4) or d.group(2)
            self.dim = (int(row) if row else 0, col_index(col) + 1 if col else 0)
            self._check_area(*self.dim, "its dimension says")
        if self.before_data and "sheetData" in body:
            self.before_data = False
        self.found.cells += body.count("<c ") + body.count("<c>") + (len(_CELL.findall(body)) if ":c " in body else 0)
        if self.found.cells > XLSX_MAX_CELLS:
            raise ImportProblem(f"has more than {XLSX_MAX_CELLS:,} cells; it was not opened. Split the workbook or "
                                "save the sheet as CSV.", file=self.label, code="too_many_cells")
        letters = set(_REF_COL.findall(body))
        numbers = set(_REF_ROW.findall(body))
        if letters and numbers:
            col = max(letters, key=lambda c: (len(c), c))
            row = max(numbers, key=lambda r: (len(r), r))
            rows, cols = max(self.rows, int(row)), max(self.cols, col_index(col) + 1)
            if (rows, cols) != (self.rows, self.cols):
                self.rows, self.cols = rows, cols
                self._check_area(rows, cols, f"it has cells out to column {col} and row {row}, so")
        strings = self.strings
        n_strings = len(strings)
        for k in _SHARED.findall(body):
            i = int(k) if len(k) < 11 else -1
            if 0 <= i < n_strings:
                self.found.text_chars += strings[i]
        if self.found.text_chars > XLSX_MAX_TEXT_CHARS:
            raise ImportProblem(
                f"points its cells at shared text that expands to more than {XLSX_MAX_TEXT_CHARS:,} characters "
                f"(sheet file {self.member}); it was not opened. Save the sheet as CSV and import that.",
                file=self.label, code="too_big")

    def _check_area(self, rows: int, cols: int, why: str) -> None:
        if rows * cols > XLSX_MAX_AREA:
            raise ImportProblem(
                f"has a sheet ({self.member}) that spans {rows:,} rows × {cols:,} columns ({why} {rows * cols:,} "
                f"cells), above the limit of {XLSX_MAX_AREA:,}; it was not opened. Delete the far-away cells (Ctrl+End "
                "shows the last one) and save again, or save the sheet as CSV.", file=self.label, code="too_many_cells")

    def close(self) -> None:
        self.found.extents[self.member] = (max(self.rows, self.dim[0]), max(self.cols, self.dim[1]))
