"""The one writer of the tables Tandem hands out: CSV and XLSX from pages, the command line, import reports
and templates. Nested cells become text, and cells a spreadsheet would run as a formula are neutralised.
"""
from __future__ import annotations

import io
import json

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


def safe_text(value: str) -> str:
    """One text cell as :func:`neutralise` writes it (for writers that place cells one by one)."""
    return "'" + value if value.startswith(FORMULA_START) else value


def flatten(frame: pl.DataFrame) -> pl.DataFrame:
    """Every cell a plain value: a struct column becomes one column per field (``drivers.name``), a list becomes
    its items joined with "; " (nested lists recursively)."""
    while True:
        nested = {c: dt for c, dt in frame.schema.items() if isinstance(dt, pl.List | pl.Struct | pl.Array)}
        if not nested:
            return frame
        exprs = []
        for name in frame.columns:
            dtype = frame.schema[name]
            if isinstance(dtype, pl.Struct):
                exprs += [pl.col(name).struct.field(f.name).alias(f"{name}.{f.name}") for f in dtype.fields]
            elif isinstance(dtype, pl.List | pl.Array):
                inner = dtype.inner
                if isinstance(inner, pl.List | pl.Struct | pl.Array):  # lists of records: each cell as JSON
                    exprs.append(pl.col(name).map_elements(_json, return_dtype=pl.Utf8).alias(name))
                    continue
                items = pl.col(name).cast(pl.List(inner)) if isinstance(dtype, pl.Array) else pl.col(name)
                exprs.append(items.list.eval(pl.element().cast(pl.Utf8)).list.join("; ").alias(name))
            else:
                exprs.append(pl.col(name))
        frame = frame.select(exprs)


def _json(value: object) -> str:
    items = value.to_list() if isinstance(value, pl.Series) else value
    return json.dumps(items, ensure_ascii=False, default=str)


def csv_bytes(frame: pl.DataFrame, line_terminator: str = "\n") -> bytes:
    """UTF-8 with BOM (so Excel reads Chinese correctly), formulas neutralised."""
    return b"\xef\xbb\xbf" + neutralise(flatten(frame)).write_csv(line_terminator=line_terminator).encode("utf-8")


def xlsx_bytes(frames: dict[str, pl.DataFrame]) -> bytes:
    """One sheet per frame (sheet names cut to Excel's 31 characters), formulas neutralised."""
    import xlsxwriter

    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"strings_to_formulas": False, "strings_to_urls": False}) as book:
        for name, frame in frames.items():
            neutralise(flatten(frame)).write_excel(workbook=book, worksheet=name[:31], autofit=True)
    return buffer.getvalue()


def csv_text(frame: pl.DataFrame) -> str:
    """CSV as text (no byte-order mark), for standard output."""
    return neutralise(flatten(frame)).write_csv()
