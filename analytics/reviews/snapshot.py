"""A review as one JSON document (what ``reviews.snapshot`` holds): figures as plotly JSON, tables as records
with their dtypes (dates ISO, NaN kept), the numbers. ``review_from_json`` rebuilds the review exactly.
"""
from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import plotly.io as pio
import polars as pl

from analytics.reviews.model import Item, Review

SNAPSHOT_FORMAT = 1


def _encode_value(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_encode_value(v) for v in value]
    return value


def _simple_dtype(name: str) -> pl.DataType | None:
    if name.startswith("Datetime"):
        unit = "ns" if "'ns'" in name else "ms" if "'ms'" in name else "us"
        return pl.Datetime(unit)
    if name.startswith("List(") and name.endswith(")"):
        inner = _simple_dtype(name[5:-1])
        return pl.List(inner) if inner is not None else None
    return {"Int8": pl.Int8, "Int16": pl.Int16, "Int32": pl.Int32, "Int64": pl.Int64, "UInt8": pl.UInt8,
            "UInt16": pl.UInt16, "UInt32": pl.UInt32, "UInt64": pl.UInt64, "Float32": pl.Float32,
            "Float64": pl.Float64, "String": pl.String, "Boolean": pl.Boolean, "Date": pl.Date, "Time": pl.Time,
            "Null": pl.Null}.get(name)


def table_to_json(frame: pl.DataFrame) -> dict[str, Any]:
    """Columns with their dtypes and the rows as records; types outside the simple set are kept as text."""
    columns, converted = [], []
    for name, dtype in frame.schema.items():
        kept = _simple_dtype(str(dtype)) is not None
        columns.append({"name": name, "dtype": str(dtype) if kept else "String"})
        converted.append(pl.col(name) if kept else pl.col(name).cast(pl.Utf8, strict=False))
    data = frame.select(converted)
    return {"columns": columns,
            "records": [{k: _encode_value(v) for k, v in row.items()} for row in data.iter_rows(named=True)]}


def _decode(value: object, dtype: pl.DataType) -> object:
    if value is None:
        return None
    if isinstance(dtype, pl.List):
        return [_decode(v, dtype.inner) for v in value]
    if dtype == pl.Date:
        return dt.date.fromisoformat(value)
    if isinstance(dtype, pl.Datetime):
        return dt.datetime.fromisoformat(value)
    if dtype == pl.Time:
        return dt.time.fromisoformat(value)
    if dtype.is_float() and isinstance(value, str):
        return float(value)
    return value


def table_from_json(obj: dict[str, Any]) -> pl.DataFrame:
    series = []
    for col in obj["columns"]:
        dtype = _simple_dtype(col["dtype"]) or pl.String
        values = [_decode(r.get(col["name"]), dtype) for r in obj["records"]]
        series.append(pl.Series(col["name"], values, dtype=dtype))
    return pl.DataFrame(series)


def review_to_json(review: Review) -> str:
    """The whole review as one JSON document (what ``reviews.snapshot`` holds)."""
    items = [{
        "id": it.id, "title": it.title, "takeaway": it.takeaway, "definition": it.definition,
        "figure": json.loads(it.figure.to_json()) if it.figure is not None else None,
        "table": table_to_json(it.table) if it.table is not None else None,
        "numbers": {k: _encode_value(v) for k, v in it.numbers.items()},
        "table_units": dict(it.table_units),
    } for it in review.items]
    doc = {"format": SNAPSHOT_FORMAT, "kind": review.kind, "period": review.period,
           "as_of": review.as_of.isoformat(), "scope": review.scope, "scope_label": review.scope_label,
           "lang": review.lang, "title": review.title, "data_version": review.data_version, "items": items}
    return json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _number(value: object) -> object:
    return float(value) if value in ("NaN", "Infinity", "-Infinity") else value


def review_from_json(text: str, **row: Any) -> Review:
    doc = json.loads(text) if text else {}
    items = [Item(
        id=i["id"], title=i["title"], takeaway=i["takeaway"], definition=i["definition"],
        figure=pio.from_json(json.dumps(i["figure"])) if i.get("figure") is not None else None,
        table=table_from_json(i["table"]) if i.get("table") is not None else None,
        numbers={k: _number(v) for k, v in (i.get("numbers") or {}).items()},
        table_units=dict(i.get("table_units") or {}),
    ) for i in doc.get("items", [])]
    as_of = doc.get("as_of")
    return Review(
        kind=doc.get("kind", row.get("kind")), period=doc.get("period", row.get("period")),
        as_of=dt.date.fromisoformat(as_of) if as_of else row.get("as_of"),
        scope=doc.get("scope", row.get("scope")), lang=doc.get("lang", "en"),
        title=doc.get("title") or row.get("title") or "", items=items, scope_label=doc.get("scope_label", ""),
        data_version=doc.get("data_version"), review_id=row.get("review_id"), created_by=row.get("created_by"),
        created_at=row.get("created_at"))
