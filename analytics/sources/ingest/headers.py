"""Find the header of a sheet or CSV: skip title rows, combine a two-row (merged) header, name columns.

Works on the first rows of a file as lists of strings (``None`` for an empty cell) and, for XLSX, on
the sheet's merged ranges. Used by :mod:`analytics.sources.ingest.readers`; pure, no I/O.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from analytics.sources.ingest.errors import ImportProblem

_NUMERIC = re.compile(r"^\s*[(+\-]?\s*[$€¥£￥]?\s*\d[\d.,\s']*%?\)?\s*$")
_DATE = re.compile(r"^\s*\d{1,4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,4}")


@dataclass(frozen=True)
class Merge:
    """A merged range of a sheet, 0-based and inclusive."""

    row0: int
    col0: int
    row1: int
    col1: int


@dataclass(frozen=True)
class HeaderLayout:
    """Where the header is: ``start`` (0-based row of its first line), ``rows`` (0, 1 or 2), the names."""

    start: int
    rows: int
    names: list[str]
    notes: list[str]

    @property
    def data_start(self) -> int:
        """0-based row of the first data row."""
        return self.start + self.rows


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def looks_like_data(value: object) -> bool:
    """A number, amount, percentage or date: what a data cell looks like and a header cell rarely does."""
    return isinstance(value, str) and bool(_NUMERIC.match(value) or _DATE.match(value))


def _filled(row: Sequence[str | None]) -> int:
    return sum(not blank(v) for v in row)


def _cell(rows: Sequence[Sequence[str | None]], r: int, c: int) -> str | None:
    if r >= len(rows) or c >= len(rows[r]):
        return None
    return rows[r][c]


def unique_names(names: Sequence[str | None]) -> list[str]:
    """Clean header names: trimmed, BOM removed, blanks named ``column_<n>``, duplicates suffixed ``_2``…"""
    out: list[str] = []
    seen: dict[str, int] = {}
    for j, raw in enumerate(names):
        name = (raw or "").replace("\ufeff", "").strip()
        name = re.sub(r"\s+", " ", name) or f"column_{j + 1}"
        key = name.casefold()
        if key in seen:
            seen[key] += 1
            name = f"{name}_{seen[key]}"
            key = name.casefold()
        seen.setdefault(key, 1)
        out.append(name)
    return out


def find_header(rows: Sequence[Sequence[str | None]], width: int, *, file: str,
                merges: Sequence[Merge] | None = None, header_row: int | None = None,
                header_rows: int | None = None) -> HeaderLayout:
    """Locate the header among the first ``rows`` of a file with ``width`` columns.

    Automatic unless ``header_row`` (1-based) / ``header_rows`` (1 or 2) are given:
    - leading empty rows are skipped;
    - a title row (one filled cell, e.g. a merged "员工花名册 2024" banner) above a fuller row is skipped;
    - a two-row header is combined into ``"upper / lower"`` names: detected from merged ranges
      (XLSX) or, without them, from a group pattern (an upper cell spanning blanks over filled lower
      cells, followed by rows holding numbers or dates);
    - a header spanning three or more rows is refused with a message saying what to change.
    """
    notes: list[str] = []
    merges = list(merges or [])
    if header_rows is not None and header_rows not in (1, 2):
        raise ImportProblem(f"header_rows={header_rows} is not supported.", file=file, expected="1 or 2",
                            code="header")
    if header_row is not None:
        start = header_row - 1
        if start < 0 or start >= len(rows):
            raise ImportProblem(f"header_row={header_row} is outside the first {len(rows)} rows.", file=file,
                                code="header")
        n = header_rows or 1
        return HeaderLayout(start, n, _names(rows, start, n, width, merges), notes)
    r = 0
    while r < len(rows) and _filled(rows[r]) == 0:
        r += 1
    if r >= len(rows):
        raise ImportProblem("has no header row: the first rows are empty.", file=file, code="empty")
    while width >= 2 and _filled(rows[r]) == 1:
        nxt = next((k for k in range(r + 1, min(len(rows), r + 6)) if _filled(rows[k]) > 0), None)
        if nxt is None or _filled(rows[nxt]) < 2:
            break
        title = next(str(v).strip() for v in rows[r] if not blank(v))
        notes.append(f"Row {r + 1} looks like a title ({title[:40]!r}) and was skipped; the header is row {nxt + 1}.")
        r = nxt
    tall = [m for m in merges if m.row0 <= r <= m.row1 and m.row1 - r >= 2]
    if tall and header_rows is None:
        m = tall[0]
        raise ImportProblem(
            f"the header spans rows {r + 1}–{m.row1 + 1} (merged cells). Keep one header row (or two), "
            "or give header_row= and header_rows= to say where it is.", file=file, row=r + 1, code="header")
    cells = [v for v in rows[r] if not blank(v)]
    if cells and sum(looks_like_data(v) for v in cells) * 2 > len(cells):
        notes.append(f"Row {r + 1} looks like data, not a header. If the file has no header row, read it with "
                     "has_header=False and give the column names.")
    n = header_rows or (2 if _two_rows(rows, r, width, merges) else 1)
    if n == 2:
        notes.append(f"Rows {r + 1} and {r + 2} form one two-row header; their names were combined as 'upper / lower'.")
    return HeaderLayout(r, n, _names(rows, r, n, width, merges), notes)


def _two_rows(rows: Sequence[Sequence[str | None]], r: int, width: int, merges: Sequence[Merge]) -> bool:
    if r + 1 >= len(rows):
        return False
    lower = [_cell(rows, r + 1, c) for c in range(width)]
    if any(looks_like_data(v) for v in lower if not blank(v)):
        return False
    if merges:
        for m in merges:
            if m.row0 == r and m.row1 == r + 1:
                return True                      # a cell merged down over both header rows
            if m.row0 == r == m.row1 and m.col1 > m.col0 and any(not blank(lower[c]) for c in
                                                                 range(m.col0, min(m.col1 + 1, width))):
                return True                      # a group label merged across filled cells below
        return False
    upper = [_cell(rows, r, c) for c in range(width)]
    group = any(not blank(upper[c]) and blank(upper[c + 1]) and not blank(lower[c]) and not blank(lower[c + 1])
                for c in range(width - 1))
    covered = all(not blank(upper[c]) or not blank(lower[c]) for c in range(width))
    later = [v for k in range(r + 2, min(len(rows), r + 8)) for v in rows[k]]
    return group and covered and any(looks_like_data(v) for v in later)


def _names(rows: Sequence[Sequence[str | None]], r: int, n: int, width: int, merges: Sequence[Merge]) -> list[str]:
    upper = [_cell(rows, r, c) for c in range(width)]
    if n == 1:
        return unique_names(upper)
    lower = [_cell(rows, r + 1, c) for c in range(width)]
    filled = list(upper)
    spans = [m for m in merges if m.row0 == r and m.col1 > m.col0]
    if spans:
        for m in spans:
            for c in range(m.col0, min(m.col1 + 1, width)):
                filled[c] = upper[m.col0]
    else:
        for c in range(1, width):
            if blank(filled[c]) and not blank(lower[c]):
                filled[c] = filled[c - 1]
    names: list[str | None] = []
    for up, low in zip(filled, lower, strict=True):
        up_s, low_s = (up or "").strip(), (low or "").strip()
        names.append(low_s if not up_s else up_s if not low_s or low_s == up_s else f"{up_s} / {low_s}")
    return unique_names(names)
