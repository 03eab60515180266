"""The one exception of the importer, and the row-number column every stage carries.

File-level problems (cannot read the file at all: empty, wrong encoding, zip bomb, too big, a
mapping that names a column the file lacks) raise :class:`ImportProblem`. Problems with values
(a bad date in row 17) never raise: they become rows of the :class:`ValidationReport`.
"""
from __future__ import annotations

import errno

import polars as pl

# Every frame the importer hands on carries this column: the row number as in the file, 1-based,
# the header line counting as row 1 (so the first data row of a CSV with a header is row 2). It is
# the row a user sees in Excel or a text editor (records, where a quoted cell spans lines).
ROW = "__row__"

# One issue of a report (a reader's row problem, a value that did not parse, a broken rule …).
ISSUE_SCHEMA: dict[str, pl.DataType] = {
    "file": pl.Utf8, "row": pl.Int64, "column": pl.Utf8, "value": pl.Utf8, "problem": pl.Utf8,
    "expected": pl.Utf8, "severity": pl.Utf8, "code": pl.Utf8,
}


def issues_frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    """Issue dicts (keys of :data:`ISSUE_SCHEMA`, missing ones empty) as a frame."""
    return pl.DataFrame([{k: r.get(k) for k in ISSUE_SCHEMA} for r in rows], schema=ISSUE_SCHEMA)


class ImportProblem(ValueError):
    """A file the importer cannot take; the message names the file, row and column where known.

    Attributes carry the same facts for pages and reports: ``file``, ``row`` (1-based, as in the
    file), ``column``, ``expected`` (what would have worked) and ``code`` (a stable identifier such as
    ``"empty"``, ``"encoding"``, ``"zip_bomb"``, ``"too_big"``, for translated messages).
    """

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 column: str | None = None, expected: str | None = None, code: str = "file") -> None:
        where = ", ".join(part for part in (
            file,
            f"row {row}" if row is not None else None,
            f"column {column!r}" if column is not None else None,
        ) if part)
        text = f"{where}: {message}" if where else message
        if expected:
            text += f" Expected {expected}."
        super().__init__(text)
        self.file = file
        self.row = row
        self.column = column
        self.expected = expected
        self.code = code
        self.detail = message


def disk_full(exc: BaseException) -> bool:
    """DuckDB or the OS ran out of disk space (ENOSPC, "No space left on device", "disk is full")."""
    text = str(exc).lower()
    return getattr(exc, "errno", None) == errno.ENOSPC or "no space left" in text or "disk is full" in text
