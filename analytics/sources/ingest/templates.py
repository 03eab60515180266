"""Blank import templates per table: a CSV header, or an XLSX with a "README 说明" sheet, as bytes.

The XLSX has the table's columns on the first sheet (required ones highlighted, code columns with a
drop-down list, text columns formatted as text so ids keep leading zeros) and a second sheet listing
every column: meaning in English and Chinese, type, required, allowed values or range, reference,
example. Headers are the column names, so a filled template maps itself with confidence 1.
"""
from __future__ import annotations

import io

import polars as pl
import xlsxwriter

from analytics.core.spreadsheet import csv_bytes, safe_text
from analytics.sources.ingest.tables import Column, TableSpec, table_spec

README_SHEET = "README 说明"
_ROWS = 5000          # rows that carry the drop-down lists and text formats


def template_csv(table: str | TableSpec) -> bytes:
    """The header row (UTF-8 with BOM, CRLF: what Excel writes and reads without asking)."""
    spec = table_spec(table)
    return csv_bytes(pl.DataFrame(schema=dict.fromkeys(spec.names, pl.Utf8)), line_terminator="\r\n")


def column_rows(table: str | TableSpec) -> list[dict[str, str]]:
    """One dict per column with everything the README sheet shows (also handy for a page)."""
    spec = table_spec(table)
    rows = []
    for col in spec.columns:
        rows.append({
            "column": col.name,
            "meaning_en": col.en,
            "meaning_zh": col.zh,
            "type": col.type + (" (month)" if col.month_start else ""),
            "required": _required(spec, col),
            "allowed": _allowed(col),
            "references": f"{col.ref.table}.{col.ref.column}" + (" or its external_key" if col.keeps_text_key else "")
            if col.ref else "",
            "example": col.example,
        })
    return rows


def _required(spec: TableSpec, col: Column) -> str:
    if col.name in spec.required:
        return "yes 必填"
    if spec.surrogate and col.name in spec.primary_key:
        return f"no — or give {', '.join(spec.natural_key)} 否（或填写 {', '.join(spec.natural_key)}）"
    if col.name in spec.natural_key:
        return "key for updates 更新用的键"
    if col.derived:
        return "no — derived when empty 否（为空时自动推算）"
    if col.default is not None:
        return f"no — default {col.default} 否（默认 {col.default}）"
    return "no 否"


def _allowed(col: Column) -> str:
    if col.values:
        return ", ".join(col.values) + (" (others kept with a warning)" if col.open_enum else "")
    if col.type == "bool":
        return "yes/no, 是/否, Y/N, true/false, 1/0"
    if col.min is not None and col.max is not None:
        return f"{col.min:g} – {col.max:g}"
    if col.min is not None:
        return f"≥ {col.min:g}"
    if col.pattern:
        return "e.g. " + col.example
    return ""


def template_xlsx(table: str | TableSpec) -> bytes:
    """An XLSX with the header on sheet 1 (named after the table) and the column guide on "README 说明"."""
    spec = table_spec(table)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    head_req = wb.add_format({"bold": True, "bg_color": "#F8CBAD", "border": 1})
    text = wb.add_format({"num_format": "@"})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    data = wb.add_worksheet(spec.name[:31])
    for j, col in enumerate(spec.columns):
        data.write_string(0, j, safe_text(col.name), head_req if col.name in spec.required else head)
        data.write_comment(0, j, f"{col.en}\n{col.zh}", {"x_scale": 2})
        width = max(12, len(col.name) + 2)
        if col.type == "date":
            data.set_column(j, j, width, date)
        elif col.type in ("str", "enum") or col.keeps_text_key:
            data.set_column(j, j, width, text)
        else:
            data.set_column(j, j, width)
        if col.values:
            data.data_validation(1, j, _ROWS, j, {
                "validate": "list", "source": list(col.values),
                "error_type": "warning" if col.open_enum else "stop",
                "error_message": f"{col.expected}"[:255]})
        elif col.type == "bool":
            data.data_validation(1, j, _ROWS, j, {"validate": "list", "source": ["yes", "no"],
                                                  "error_type": "warning"})
    data.freeze_panes(1, 0)
    readme = wb.add_worksheet(README_SHEET)
    rows = column_rows(spec)
    labels = ["column 列名", "meaning 含义", "含义", "type 类型", "required 必填", "allowed 取值", "references 引用",
              "example 示例"]
    keys = ["column", "meaning_en", "meaning_zh", "type", "required", "allowed", "references", "example"]
    readme.write_string(0, 0, safe_text(f"{spec.en} · {spec.zh} — table {spec.name}"), wb.add_format({"bold": True,
                                                                                             "font_size": 13}))
    key_text = ", ".join(spec.primary_key)
    if spec.natural_key:
        key_text += f" (or {', '.join(spec.natural_key)} when the id is not known 或使用自然键)"
    readme.write_string(1, 0, safe_text(f"Rows are matched on 按此键更新: {key_text}. Dates as YYYY-MM-DD. "
                              "Red headers are required 红色表头为必填。"))
    for j, label in enumerate(labels):
        readme.write_string(3, j, safe_text(label), head)
    for i, row in enumerate(rows, start=4):
        for j, k in enumerate(keys):
            readme.write_string(i, j, safe_text(row[k]), wrap)
    for j, w in enumerate([22, 44, 30, 10, 26, 30, 30, 16]):
        readme.set_column(j, j, w)
    readme.freeze_panes(4, 1)
    wb.close()
    return buf.getvalue()
