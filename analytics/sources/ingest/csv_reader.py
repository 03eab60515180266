"""CSV, TSV and TXT: encoding, delimiter, header, and every row checked against the header.

The encoding is detected by :mod:`analytics.sources.ingest.encodings` (or given); the text is parsed
by polars (every field as text). Rows are then checked, never silently mended: a row with fewer
fields than the header (a truncated last line) or more (a stray delimiter), a cell with a NUL
character or longer than :data:`MAX_FIELD_CHARS`, and a last line cut in its last cell (the file ends
without a line break and the cell is shorter than every other in its column: ``8/15/20`` where the
column holds ``8/15/2024``) become errors of the report, with file, row and column. Lone CR line
ends (old Mac files, or mixed with CRLF) are read as line breaks, with a note naming the first.
"""
from __future__ import annotations

import csv
import io
import re

import polars as pl

from analytics.sources.ingest.encodings import canonical, detect
from analytics.sources.ingest.errors import ImportProblem
from analytics.sources.ingest.headers import HeaderLayout, blank, find_header, unique_names
from analytics.sources.ingest.result import (
    MAX_FIELD_CHARS,
    FileInfo,
    ReadResult,
    duplicate_names,
    finish,
    given_names,
)

DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_BYTES = 64 * 1024
_SAMPLE_ROWS = 60
_DELIM_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_LONE_CR = re.compile(rb"\r(?!\n)")

__all__ = ["DELIMITERS", "MAX_FIELD_CHARS", "decode", "read_csv", "sniff_delimiter"]


def decode(data: bytes, label: str, encoding: str | None = None) -> tuple[bytes, str]:
    """The file as UTF-8 bytes without BOM, and the encoding it was in (detected unless given).

    Raises :class:`ImportProblem` naming the byte offset and line of the first byte that does not
    fit, a file mixing UTF-8 and a legacy encoding, or an encoding that cannot be told for sure.
    """
    if encoding:
        codec = canonical(encoding, label)
        try:
            text = data.decode(codec)
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
    try:
        data.decode("utf-8")
        return data, "utf-8"
    except UnicodeDecodeError as utf8_error:
        prefix = data[:utf8_error.start].decode("utf-8")
        if re.search(r"[\u3040-\u9fff\uac00-\ud7a3]", prefix) or len(re.findall(r"[^\x00-\x7f]", prefix)) >= 3 \
                or _mostly_utf8(data[:256 * 1024]):
            line = data.count(b"\n", 0, utf8_error.start) + 1
            raise ImportProblem(
                f"mixes encodings: it is UTF-8 (with non-ASCII text) up to line {max(line - 1, 1)}, but byte "
                f"offset {utf8_error.start} (line {line}) is not UTF-8 (likely GBK or cp1252). Save the whole "
                "file in one encoding (Excel: 'CSV UTF-8') and import again.", file=label, row=line,
                code="encoding", expected="one encoding throughout") from None
        found = detect(data, label)
        if found.encoding.startswith("utf-8"):   # the sample was UTF-8, a later byte is not
            raise _encoding_problem(data, label, utf8_error, "utf-8") from None
        try:
            return data.decode(found.encoding).lstrip("\ufeff").encode("utf-8"), found.encoding
        except UnicodeDecodeError as exc:
            raise _encoding_problem(data, label, exc, found.encoding) from None


_UTF8_SEQ = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _mostly_utf8(sample: bytes) -> bool:
    """UTF-8 text with a stray byte or two (not a legacy code page: there, valid UTF-8 sequences are rare)."""
    valid = len(_UTF8_SEQ.findall(sample))
    stray = sum(b >= 0x80 for b in _UTF8_SEQ.sub(b"", sample))
    return valid >= 1 and stray <= valid


def _encoding_problem(data: bytes, label: str, exc: UnicodeDecodeError, codec: str,
                      offset: int = 0) -> ImportProblem:
    at = exc.start + offset
    line = data.count(b"\n", 0, exc.start) + 1
    bad = data[exc.start:exc.start + 4].hex(" ")
    return ImportProblem(
        f"has bytes that are not {codec.upper()} at byte offset {at} (line {line}): {bad}. Save the file as "
        "UTF-8 (Excel: 'CSV UTF-8') and import again, or choose its encoding explicitly.",
        file=label, row=line, code="encoding", expected=f"{codec.upper()} text throughout")


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


def read_csv(data: bytes, label: str, size: int, encoding: str | None, delimiter: str | None, has_header: bool,
             column_names: list[str] | None, header_row: int | None, header_rows: int | None) -> ReadResult:
    """Read CSV bytes; see the module docstring."""
    if delimiter is not None and len(delimiter) != 1:
        raise ImportProblem(f"delimiter {delimiter!r} is not a single character.", file=label, code="delimiter")
    args = (label, size, delimiter, has_header, column_names, header_row, header_rows)
    if encoding is None and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) \
            and _utf8_head(data) and detect(data[:_SAMPLE_BYTES], label).encoding == "utf-8":
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


def _line_ends(raw: bytes) -> tuple[bytes, str | None]:
    """Lone CRs read as line breaks; a note when some were (with the first line that ended so)."""
    if b"\r" not in raw:
        return raw, None
    first = _LONE_CR.search(raw)
    if first is None:
        return raw, None
    line = raw.count(b"\n", 0, first.start()) + raw.count(b"\r", 0, first.start()) - \
        raw.count(b"\r\n", 0, first.start()) + 1
    mixed = b"\n" in raw
    out = _LONE_CR.sub(b"\n", raw)
    if not mixed:
        return out, None          # an old Mac file: consistent, nothing to say
    return out, (f"Line ends are mixed: some lines end with a lone CR (the first is line {line}); they were read "
                 "as line breaks. If a quoted cell held a CR, it now holds a line break.")


def _read_text(raw: bytes, enc: str, label: str, size: int, delimiter: str | None, has_header: bool,
               column_names: list[str] | None, header_row: int | None, header_rows: int | None) -> ReadResult:
    """Parse UTF-8 bytes (``enc`` is the encoding the file was in)."""
    if not raw[:4096].strip() and not raw.strip():
        raise ImportProblem("is empty (no text).", file=label, code="empty")
    raw, cr_note = _line_ends(raw)
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
    frame, counts, lenient = _parse_csv(raw, delim, layout.start, label)
    notes = list(layout.notes) + [n for n in (lenient, cr_note) if n]
    issues: list[dict] = []
    if has_header:
        raw_names = layout.names + [f"column_{j + 1}" for j in range(len(layout.names), frame.width)]
        names = unique_names(raw_names[:frame.width])
        _check_single_column(names, delim, delimiter is not None, label)
        given = list(rows[layout.start]) if layout.rows == 1 and layout.start < len(rows) else raw_names
        issues += duplicate_names(given[:frame.width], names, label, layout.start + 1 if layout.rows else None)
    else:
        names = given_names(column_names, frame.width, label)
    first = layout.data_start + 1
    bad = re.search(r"row (\d+)", lenient) if lenient else None
    if bad and int(bad.group(1)) > layout.start:  # a line above the header was skipped: the note says it
        issues.append({"file": label, "row": int(bad.group(1)), "column": None, "value": None,
                       "problem": "stray quote characters: the row was read leniently (a quote inside a value was "
                                  "dropped or kept as text)", "expected": 'quotes only around whole values, doubled '
                                  'inside them ("")', "severity": "warning", "code": "quote"})
    if counts is not None:
        issues += _ragged(counts[layout.rows:], frame.slice(layout.rows), names, first, label, delim)
    frame = frame.slice(layout.rows)
    issues += _cut_last_line(raw, frame, names, first, label)
    info = FileInfo(name=label, format="csv", size=size, encoding=enc, delimiter=delim,
                    header_row=layout.start + 1 if layout.rows else None, header_rows=layout.rows,
                    first_data_row=first, notes=tuple(notes))
    return finish(frame, names, first, info, issues)


def _parse_csv(raw: bytes, delim: str, skip: int, label: str) -> tuple[pl.DataFrame, list[int] | None, str | None]:
    """All fields as text, and the number of fields of each record when some row may be short or long.

    The fast polars parser reads; a row whose last cell is empty might be a short row (polars pads
    those), so then the records are counted once more with Python's csv module. A row longer than
    the first makes polars fail: Python's csv module reads the file and keeps the counts.
    """
    try:
        frame = pl.read_csv(raw, has_header=False, separator=delim, skip_rows=skip, infer_schema=False,
                            quote_char='"', raise_if_empty=False, missing_columns="insert")
        counts = None
        if frame.width > 1 and frame.height and frame[frame.columns[-1]].null_count():
            counts = _field_counts(raw, delim, skip)
        return frame, counts, None
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
        records = list(csv.reader(io.StringIO(text.replace("\x00", "\\0")), delimiter=delim))
        note = f"Stray quote characters (first in row {_first_bad_quote(text, delim)}) were read as text."
    records = records[skip:]
    width = max(1, len(records[0]) if records else 1)
    counts = [len(r) if any(not blank(v) for v in r[width:]) else min(len(r), width) for r in records]
    cols = [f"column_{j}" for j in range(width)]
    padded = [(rec + [None] * width)[:width] if rec else [None] * width for rec in records]
    return pl.DataFrame(padded, schema=dict.fromkeys(cols, pl.Utf8), orient="row"), counts, note


def _field_counts(raw: bytes, delim: str, skip: int) -> list[int]:
    try:
        reader = csv.reader(io.StringIO(raw.decode("utf-8", errors="replace").replace("\x00", "\\0")),
                            delimiter=delim)
        return [len(r) for r in reader][skip:]
    except csv.Error:
        return []


def _ragged(counts: list[int], frame: pl.DataFrame, names: list[str], first: int, label: str,
            delim: str) -> list[dict]:
    """An error for every non-blank row whose field count differs from the header's."""
    width = len(names)
    how = _DELIM_NAMES.get(delim, repr(delim))
    out: list[dict] = []
    cells = frame.rows() if any(n != width and n for n in counts) else []
    for k, n in enumerate(counts):
        if n == width or n == 0 or k >= len(cells):
            continue
        values = [v for v in cells[k] if not blank(v)]
        if not values:
            continue
        row = first + k
        if n < width:
            out.append({"file": label, "row": row, "column": names[n], "value": None,
                        "problem": f"the row has {n} field(s) but the header has {width}: column {names[n]!r} and "
                                   "the ones after it are missing (a cut or damaged line)",
                        "expected": f"{width} fields separated by {how}; fix or delete the row",
                        "severity": "error", "code": "ragged"})
        else:
            extra = f"field {width + 1}"
            out.append({"file": label, "row": row, "column": extra, "value": None,
                        "problem": f"the row has {n} fields but the header has {width} (an unquoted {how} inside "
                                   "a value, or a missing column name)",
                        "expected": f"{width} fields: quote values that contain the delimiter",
                        "severity": "error", "code": "ragged"})
    return out


def _cut_last_line(raw: bytes, frame: pl.DataFrame, names: list[str], first: int, label: str) -> list[dict]:
    """The file ends without a line break and its last cell is shorter than every other value in its column:
    the file was most likely cut (a date ``8/15/20`` from ``8/15/2024``)."""
    if raw.endswith((b"\n", b"\r")) or frame.height < 2 or not names:
        return []
    col = frame.columns[-1]
    last = frame[col][-1]
    if blank(last):
        return []
    others = frame[col][:-1].drop_nulls()
    others = others.filter(others.str.strip_chars() != "")
    if others.len() < 1 or len(last.strip()) >= others.str.strip_chars().str.len_chars().min():
        return []
    return [{"file": label, "row": first + frame.height - 1, "column": names[-1], "value": last,
             "problem": "the file ends in the middle of this cell (no line break after it, and it is shorter than "
                        "every other value in the column): the file looks cut off",
             "expected": "the complete file: export or copy it again", "severity": "error", "code": "truncated"}]


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
