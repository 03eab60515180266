"""Exports: tables as CSV and XLSX (spreadsheet-formula injection neutralised), charts as PNG/SVG/PDF."""
from __future__ import annotations

import io

import polars as pl

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR) with a quote (OWASP)."""
    text = [c for c, t in frame.schema.items() if t == pl.Utf8]
    return frame.with_columns([
        pl.when(pl.any_horizontal([pl.col(c).str.starts_with(s) for s in FORMULA_START]))
        .then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text
    ])


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists and structs as text, so every cell fits a CSV or a spreadsheet."""
    nested = [c for c, t in frame.schema.items() if isinstance(t, pl.List | pl.Struct | pl.Array)]
    return frame.with_columns([pl.col(c).map_elements(str, return_dtype=pl.Utf8) for c in nested])


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """UTF-8 with BOM (so Excel reads Chinese correctly), formulas neutralised."""
    return b"\xef\xbb\xbf" + neutralise(_flat(frame)).write_csv().encode("utf-8")


def xlsx_bytes(frames: dict[str, pl.DataFrame]) -> bytes:
    """One sheet per frame (sheet names cut to Excel's 31 characters), formulas neutralised."""
    import xlsxwriter

    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"strings_to_formulas": False, "strings_to_urls": False}) as book:
        for name, frame in frames.items():
            neutralise(_flat(frame)).write_excel(workbook=book, worksheet=name[:31], autofit=True)
    return buffer.getvalue()
