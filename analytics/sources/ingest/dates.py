"""Dates from the strings people export, as polars expressions (no Python loop per row).

Accepted, per value:

=========================  =====================================  ==================================
form                        examples                               notes
=========================  =====================================  ==================================
ISO and year-first          ``2024-01-05``, ``2024/1/5``,          a time part is dropped
                            ``2011-05-31 00:00:00.000``
Chinese                     ``2024年1月5日``, ``2024年01月05日``
day/month or month/day      ``1/5/2024``, ``05.01.2024``,          order decided per column (below)
                            ``1/5/24``
compact                     ``20240105``
month names                 ``5-Jan-2024``, ``Jan 5, 2024``,
                            ``05 January 24``
Excel serial                ``45296`` → 2024-01-05                 five digits (1927–2173); ``45296.0``
months (month columns)      ``2024-01``, ``2024年1月``              the first day of the month
=========================  =====================================  ==================================

Day/month order, per column: a first part above 12 (``25/03/2024``) means D/M; a second part above
12 means M/D; with both, the majority wins and the rest are errors; with neither the column is
ambiguous and is read as M/D for ``/`` and ``-`` and D/M for ``.`` (the German/Russian habit), and
the choice is reported. ``date_order`` ("DMY" or "MDY") overrides the decision.

Two-digit years: ``yy`` becomes 20yy when ``yy ≤ pivot`` else 19yy. The pivot is this year + 10
(e.g. 35 in 2025) for ordinary dates, and this year (25 in 2025) for columns holding the past only
(birth dates), so ``07/10/83`` is 1983 and ``1/5/24`` is 2024.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[AaPp][Mm]|Z|[+-]\d{2}:?\d{2})?)?"
ISO = r"^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})" + _TIME + "$"
CHINESE = r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
PARTS = r"^(\d{1,2})\s*([-/.])\s*(\d{1,2})\s*[-/.]\s*(\d{4}|\d{2})" + _TIME + "$"
COMPACT = r"^(\d{4})(\d{2})(\d{2})$"
DAY_NAME = r"^(\d{1,2})[-\s]([A-Za-z]{3,9})\.?[-\s,]+(\d{4}|\d{2})$"
NAME_DAY = r"^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4}|\d{2})$"
SERIAL = r"^\d{5}(?:\.0+)?$"
MONTH_ONLY = r"^(\d{4})\s*(?:[-/.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月)$"
EXCEL_EPOCH = dt.date(1899, 12, 30)   # serial 1 = 1900-01-01, with Excel's 1900 leap-year bug absorbed
MONTHS = {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                          "nov", "dec"))}


@dataclass(frozen=True)
class DateDecision:
    """How a column's dates were read: ``order`` of day/month forms and a description for the report."""

    order: str            # 'MDY' | 'DMY'
    format: str           # e.g. 'M/D/YYYY', 'ISO (YYYY-MM-DD)', 'Excel serial'
    note: str | None      # set when the order was assumed or conflicting (reported as a warning)


def pivot_year(today: dt.date, past: bool) -> int:
    """Two-digit years up to this value are 20yy, above it 19yy."""
    return today.year % 100 if past else (today.year + 10) % 100


def decide(values: pl.Series, override: str | None = None) -> DateDecision:
    """Look at a column's strings (trimmed, non-null) and decide how to read them."""
    frame = values.to_frame("s")
    s = pl.col("s")
    parts = s.str.extract_groups(PARTS)
    stats = frame.select(
        n=s.is_not_null().sum(),
        iso=s.str.contains(ISO).sum(),
        chinese=s.str.contains(CHINESE).sum(),
        compact=s.str.contains(COMPACT).sum(),
        named=(s.str.contains(DAY_NAME) | s.str.contains(NAME_DAY)).sum(),
        serial=s.str.contains(SERIAL).sum(),
        parts=s.str.contains(PARTS).sum(),
        first_big=(parts.struct.field("1").cast(pl.Int32, strict=False) > 12).sum(),
        second_big=(parts.struct.field("3").cast(pl.Int32, strict=False) > 12).sum(),
        dot=(parts.struct.field("2") == ".").sum(),
        long_year=(parts.struct.field("4").str.len_chars() == 4).sum(),
        first_big_example=s.filter(parts.struct.field("1").cast(pl.Int32, strict=False) > 12).first(),
        second_big_example=s.filter(parts.struct.field("3").cast(pl.Int32, strict=False) > 12).first(),
    ).row(0, named=True)
    note = None
    if stats["parts"] == 0:
        order = override or "MDY"
    elif override:
        order = override
    elif stats["first_big"] and not stats["second_big"]:
        order = "DMY"
    elif stats["second_big"] and not stats["first_big"]:
        order = "MDY"
    elif stats["first_big"] and stats["second_big"]:
        order = "DMY" if stats["first_big"] >= stats["second_big"] else "MDY"
        note = (f"day/month order is mixed: {stats['first_big_example']!r} is day-first, "
                f"{stats['second_big_example']!r} month-first; read as {_human(order, '/', True)}, so the other "
                "values are errors")
    else:
        order = "DMY" if stats["dot"] > stats["parts"] / 2 else "MDY"
        note = (f"day/month order is ambiguous (no part above 12); read as {_human(order, '/', True)}. "
                "If that is wrong, set the column's date order in the mapping")
    forms = []
    if stats["iso"]:
        forms.append("ISO (YYYY-MM-DD)")
    if stats["parts"]:
        sep = "." if stats["dot"] > stats["parts"] / 2 else "/"
        forms.append(_human(order, sep, stats["long_year"] >= stats["parts"] / 2))
    if stats["chinese"]:
        forms.append("YYYY年M月D日")
    if stats["compact"]:
        forms.append("YYYYMMDD")
    if stats["named"]:
        forms.append("D-Mon-YYYY")
    if stats["serial"]:
        forms.append("Excel serial")
    return DateDecision(order, " + ".join(forms) or "no dates", note)


def _human(order: str, sep: str, long_year: bool) -> str:
    year = "YYYY" if long_year else "YY"
    return sep.join(["D", "M", year] if order == "DMY" else ["M", "D", year])


def _year(text: pl.Expr, pivot: int) -> pl.Expr:
    y = text.cast(pl.Int32, strict=False)
    return pl.when(text.str.len_chars() == 2).then(pl.when(y <= pivot).then(y + 2000).otherwise(y + 1900)).otherwise(y)


def _month_name(text: pl.Expr) -> pl.Expr:
    return text.str.slice(0, 3).str.to_lowercase().replace_strict(MONTHS, default=None, return_dtype=pl.Int32)


def parse_dates(s: pl.Expr, decision: DateDecision, *, pivot: int, month_only: bool = False) -> pl.Expr:
    """A Date expression from trimmed strings ``s``; null where the text is not a date."""
    iso = s.str.extract_groups(ISO)
    cn = s.str.extract_groups(CHINESE)
    parts = s.str.extract_groups(PARTS)
    compact = s.str.extract_groups(COMPACT)
    day_name = s.str.extract_groups(DAY_NAME)
    name_day = s.str.extract_groups(NAME_DAY)
    a, b = parts.struct.field("1").cast(pl.Int32, strict=False), parts.struct.field("3").cast(pl.Int32, strict=False)
    day_first = decision.order == "DMY"
    y = pl.coalesce(
        iso.struct.field("1").cast(pl.Int32, strict=False),
        cn.struct.field("1").cast(pl.Int32, strict=False),
        _year(parts.struct.field("4"), pivot),
        compact.struct.field("1").cast(pl.Int32, strict=False),
        _year(day_name.struct.field("3"), pivot),
        _year(name_day.struct.field("3"), pivot),
    )
    m = pl.coalesce(
        iso.struct.field("2").cast(pl.Int32, strict=False),
        cn.struct.field("2").cast(pl.Int32, strict=False),
        b if day_first else a,
        compact.struct.field("2").cast(pl.Int32, strict=False),
        _month_name(day_name.struct.field("2")),
        _month_name(name_day.struct.field("1")),
    )
    d = pl.coalesce(
        iso.struct.field("3").cast(pl.Int32, strict=False),
        cn.struct.field("3").cast(pl.Int32, strict=False),
        a if day_first else b,
        compact.struct.field("3").cast(pl.Int32, strict=False),
        day_name.struct.field("1").cast(pl.Int32, strict=False),
        name_day.struct.field("2").cast(pl.Int32, strict=False),
    )
    if month_only:
        mo = s.str.extract_groups(MONTH_ONLY)
        y = pl.coalesce(y, mo.struct.field("1").cast(pl.Int32, strict=False))
        m = pl.coalesce(m, mo.struct.field("2").cast(pl.Int32, strict=False),
                        mo.struct.field("3").cast(pl.Int32, strict=False))
        d = pl.coalesce(d, pl.when(mo.struct.field("1").is_not_null()).then(pl.lit(1, pl.Int32)))
    valid = y.is_between(1, 9999) & m.is_between(1, 12) & d.is_between(1, 31)
    built = pl.when(valid).then(pl.format("{}-{}-{}", y.cast(pl.Utf8).str.zfill(4), m, d)).str.to_date(
        "%Y-%m-%d", strict=False)
    serial = pl.when(s.str.contains(SERIAL)).then(
        pl.lit(EXCEL_EPOCH) + pl.duration(days=s.cast(pl.Float64, strict=False).cast(pl.Int64, strict=False)))
    return pl.coalesce(built, serial.cast(pl.Date, strict=False))
