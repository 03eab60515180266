"""What a reader hands on: a frame of strings, what was detected about the file, and its row problems."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

import polars as pl

from analytics.sources.ingest.errors import ISSUE_SCHEMA, ROW, ImportProblem, issues_frame
from analytics.sources.ingest.headers import unique_names

MAX_FIELD_CHARS = 1_000        # a longer cell (a name, a comment) is an error: refused, never cut
MEMORY_FRACTION = 4            # the import may use a quarter of the machine's total memory …
MEMORY_ENV = "TANDEM_IMPORT_MEMORY_MB"  # … unless this says otherwise (megabytes)
MIN_BUDGET = 256 * 1024 * 1024


def total_memory() -> int | None:
    """Bytes of physical memory (the cgroup limit when lower), or None when it cannot be told."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = open(path, encoding="ascii").read().strip()  # noqa: SIM115 — tiny file
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < total:
            total = int(text)
    return total


def memory_budget() -> int:
    """Bytes one import may take in memory: ``TANDEM_IMPORT_MEMORY_MB``, else a quarter of total memory
    (at least 256 MB). Derived from what the machine has, not from what happens to be free now."""
    text = os.environ.get(MEMORY_ENV, "").strip()
    if text:
        try:
            mb = float(text)
        except ValueError:
            raise ImportProblem(f"{MEMORY_ENV}={text!r} is not a number of megabytes.", code="settings",
                                expected="e.g. TANDEM_IMPORT_MEMORY_MB=2048") from None
        if mb > 0:
            return int(mb * 1024 * 1024)
    total = total_memory()
    return max(MIN_BUDGET, total // MEMORY_FRACTION) if total else 1 << 30


DEFAULT_MEMORY_BUDGET = memory_budget()


@dataclass(frozen=True)
class FileInfo:
    """What the reader found out about a file (shown to the user before mapping)."""

    name: str
    format: str                    # 'csv' | 'xlsx' | 'xls' | 'parquet'
    size: int                      # bytes on disk
    encoding: str | None = None    # CSV: 'utf-8', 'utf-8-sig', 'utf-16', 'cp1252', 'gb18030', …
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
    """A frame of strings (plus :data:`ROW`), its :class:`FileInfo`, and the rows the reader found wrong.

    ``issues`` (:data:`ISSUE_SCHEMA`) are row problems of the file itself — a row with too few or too
    many fields, a NUL byte, a cell over :data:`MAX_FIELD_CHARS`, a repeated column name; they join the
    report of whatever part the file feeds (errors refuse the row, so the batch).
    """

    frame: pl.DataFrame
    info: FileInfo
    issues: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ISSUE_SCHEMA))

    @property
    def headers(self) -> list[str]:
        """The file's column names (without the row-number column)."""
        return [c for c in self.frame.columns if c != ROW]


def mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:,.1f} KB"


def check_budget(label: str, needed: int, budget: int, size: int) -> None:
    if needed > budget:
        raise ImportProblem(
            f"is {mb(size)}; reading it needs about {mb(needed)} of memory, above this server's import budget "
            f"of {mb(budget)} (a quarter of its memory, or {MEMORY_ENV}). Split the file into smaller files, "
            f"or ask the administrator to raise {MEMORY_ENV}.", file=label, code="too_big")


def given_names(column_names: list[str] | None, width: int, label: str) -> list[str]:
    if column_names is None:
        return [f"column_{j + 1}" for j in range(width)]
    if len(column_names) != width:
        raise ImportProblem(f"has {width} columns, but {len(column_names)} column names were given.", file=label,
                            code="columns", expected=f"{width} names")
    return unique_names(column_names)


def duplicate_names(raw: list[str | None], names: list[str], label: str, header_row: int | None) -> list[dict]:
    """A warning for each header that repeats an earlier one (compared as :func:`unique_names` does)."""
    out: list[dict] = []
    first: dict[str, int] = {}
    for j, (given, name) in enumerate(zip(raw, names, strict=False)):
        key = " ".join((given or "").replace("\ufeff", "").split()).casefold()
        if not key:
            continue
        if key in first:
            out.append({"file": label, "row": header_row, "column": name, "value": given,
                        "problem": f"the column name {given!r} appears again (columns {first[key] + 1} and {j + 1}); "
                                   f"the later one is read as {name!r}",
                        "expected": "each column name once; rename or delete the repeated column",
                        "severity": "warning", "code": "duplicate_column"})
        else:
            first[key] = j
    return out


def cell_issues(frame: pl.DataFrame, names: list[str], label: str, quotes: bool = False) -> list[dict]:
    """Errors for cells holding a NUL character or longer than :data:`MAX_FIELD_CHARS`; with ``quotes`` (CSV),
    a warning for a cell holding a quote character — a stray quote in the file, most often (vectorised)."""
    text = [c for c in names if frame.schema[c] == pl.Utf8]

    def flagged(c: str) -> pl.Expr:
        e = pl.col(c).str.contains("\x00", literal=True) | (pl.col(c).str.len_bytes() > MAX_FIELD_CHARS)
        return e | pl.col(c).str.contains('"', literal=True) if quotes else e

    if not text or not frame.select(pl.any_horizontal([flagged(c) for c in text]).any()).item():
        return []                         # one parallel pass for the usual file: nothing to report
    checks = [
        ("nul", lambda s: s.str.contains("\x00", literal=True), "holds a NUL character (byte 0)",
         "text without NUL bytes: re-export the file; a NUL usually means a damaged or binary file", "error"),
        ("too_long", lambda s: s.str.len_chars() > MAX_FIELD_CHARS, f"is longer than {MAX_FIELD_CHARS:,} characters",
         f"at most {MAX_FIELD_CHARS:,} characters: shorten the cell or check the delimiter and quotes", "error"),
    ]
    if quotes:
        checks.append(("quote", lambda s: s.str.contains('"', literal=True), "holds a quote character (\")",
                       'the value as intended: a stray quote in a CSV file shifts or joins values; quote whole '
                       'values and double quotes inside them ("")', "warning"))
    out: list[dict] = []
    for c in text:
        s = frame[c]
        for code, test, problem, expected, severity in checks:
            hit = frame.filter(test(s).fill_null(False)).select(ROW, c)
            for row, value in hit.head(10_000).iter_rows():
                shown = value.replace("\x00", "\\0")
                out.append({"file": label, "row": row, "column": c,
                            "value": shown[:80] + (f"… ({len(value):,} characters)" if len(shown) > 80 else ""),
                            "problem": f"the cell {problem}", "expected": expected, "severity": severity,
                            "code": code})
    return out


def finish(frame: pl.DataFrame, names: list[str], first_row: int, info: FileInfo,
           issues: list[dict] | None = None, rows: pl.Series | None = None) -> ReadResult:
    """Name the columns, number the rows (from ``first_row``, or ``rows`` as given), drop fully empty rows,
    refuse a file without data."""
    frame = frame.rename(dict(zip(frame.columns, names, strict=True)))
    frame = frame.with_columns(pl.all().cast(pl.Utf8))
    frame = frame.with_columns(rows.cast(pl.Int64).alias(ROW) if rows is not None else
                               pl.int_range(pl.len(), dtype=pl.Int64).add(first_row).alias(ROW))
    if names:
        empty = frame.select(pl.all_horizontal([pl.col(c).is_null() | (pl.col(c).str.len_bytes() == 0)
                                                for c in names])).to_series()
        if empty.any():
            frame = frame.filter(~empty)
    if frame.height == 0:
        what = "a header row but no data rows" if info.header_rows else "no data rows"
        raise ImportProblem(f"has {what}.", file=info.name, code="no_rows", expected="at least one data row")
    found = [*(issues or []), *cell_issues(frame, names, info.name, quotes=info.format == "csv")]
    return ReadResult(frame, replace(info, n_rows=frame.height, n_columns=len(names)), issues_frame(found))
