"""Check a coerced frame before anything is written; every problem becomes a row of the report.

:func:`validate` never raises on data. It checks, in this order: required columns and values, types
(the coercion errors), enum codes (unknown codes are errors, or warnings for open code lists), text
patterns, ranges, cross-column rules (dates in order, pairs, …), duplicates of the key within the
file, references (into the same batch or the database) and, with a database, which keys already
exist: those rows will be *updated* (upsert), which is not an error.

A row with any error is rejected; the others will be inserted or updated. :class:`ValidationReport`
carries the issues (file, row, column, value, problem, expected, severity, code), a summary per
column, and the action per row for the loader.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from analytics.core.spreadsheet import csv_bytes
from analytics.sources.ingest.coerce import CoerceResult
from analytics.sources.ingest.errors import ISSUE_SCHEMA, ROW
from analytics.sources.ingest.tables import TABLES, Column, TableSpec, table_spec

if TYPE_CHECKING:
    from analytics.core.db import Database
    from analytics.sources.ingest.mapping import ColumnMapping

SUMMARY_SCHEMA: dict[str, pl.DataType] = {
    "column": pl.Utf8, "source": pl.Utf8, "type": pl.Utf8, "required": pl.Boolean, "n_ok": pl.Int64,
    "n_empty": pl.Int64, "n_errors": pl.Int64, "n_warnings": pl.Int64, "format": pl.Utf8,
}


@dataclass
class ValidationReport:
    """What would happen on import, and why rows would be rejected."""

    file: str
    table: str
    n_rows: int
    key: tuple[str, ...]
    issues: pl.DataFrame                     # ISSUE_SCHEMA; row is null for file- or column-level issues
    columns: pl.DataFrame                    # SUMMARY_SCHEMA, one row per table column
    actions: pl.DataFrame                    # row, action ('insert' | 'update' | 'reject')
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is an error (warnings allowed)."""
        return self.n_errors == 0

    @property
    def n_errors(self) -> int:
        return int((self.issues["severity"] == "error").sum())

    @property
    def n_warnings(self) -> int:
        return int((self.issues["severity"] == "warning").sum())

    def _count(self, action: str) -> int:
        return int((self.actions["action"] == action).sum())

    @property
    def n_insert(self) -> int:
        return self._count("insert")

    @property
    def n_update(self) -> int:
        return self._count("update")

    @property
    def n_reject(self) -> int:
        return self._count("reject")

    def accepted(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The rows of ``frame`` (with :data:`ROW`) that are not rejected: what the loader may write."""
        keep = self.actions.filter(pl.col("action") != "reject").select(pl.col("row").alias(ROW))
        return frame.join(keep, on=ROW, how="semi")

    def summary(self) -> dict[str, object]:
        return {"file": self.file, "table": self.table, "rows": self.n_rows, "insert": self.n_insert,
                "update": self.n_update, "reject": self.n_reject, "errors": self.n_errors,
                "warnings": self.n_warnings, "key": list(self.key), "ok": self.ok}

    def to_frame(self) -> pl.DataFrame:
        """The issues, errors first, in file order: for display."""
        return self.issues.sort(
            pl.col("severity") != "error", pl.col("row").fill_null(0), "column", nulls_last=False)

    def to_csv(self) -> bytes:
        """The issues as CSV (UTF-8 with BOM, so Excel shows Chinese correctly), for download."""
        return csv_bytes(self.to_frame())      # formulas neutralised (=, +, -, @, tab, CR)


def validate(data: CoerceResult | pl.DataFrame, table: str | TableSpec, *, file: str = "file",
             mapping: ColumnMapping | None = None, batch: Mapping[str, pl.DataFrame] | None = None,
             db: Database | None = None) -> ValidationReport:
    """Validate coerced rows of ``table`` (from :func:`coerce`) and say what importing them would do.

    ``batch``: the other coerced frames imported together, by table name (references may point into
    them). ``db``: the database, for references and for keys that will be updated. ``mapping``: to
    name each column's source header in the summary.
    """
    spec = table_spec(table)
    coerced = data if isinstance(data, CoerceResult) else CoerceResult(data, pl.DataFrame(schema={
        "row": pl.Int64, "column": pl.Utf8, "value": pl.Utf8, "problem": pl.Utf8, "expected": pl.Utf8}))
    frame = coerced.frame
    if ROW not in frame.columns:
        frame = frame.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).add(2).alias(ROW))
    present = [c for c in spec.names if c in frame.columns]
    complete = [c for c in present if frame[c].null_count() == 0]
    key = spec.upsert_key(complete)
    issues: list[pl.DataFrame] = []
    bad = _Issues(file, frame)

    # columns: required ones the file does not have, and the key
    for name in spec.required:
        if name not in frame.columns:
            bad.file_level(name, "required column is not in the file", spec.column(name).expected, "missing_column")
    if not set(key) <= set(present):
        alt = f" or {', '.join(spec.natural_key)}" if spec.natural_key else ""
        for name in key:
            if name not in frame.columns and name not in spec.required:
                bad.file_level(name, f"key column is not in the file (map {', '.join(spec.primary_key)}{alt})",
                               "a value in every row", "missing_column")
    for name, note in coerced.notes.items():
        bad.file_level(name, note, spec.column(name).expected, "format", severity="warning")

    # types, from coercion
    if coerced.errors.height:
        issues.append(coerced.errors.select(
            pl.lit(file).alias("file"), "row", "column", "value", "problem", "expected",
            pl.lit("error").alias("severity"), pl.lit("type").alias("code")))
    type_bad = {c: coerced.errors.filter(pl.col("column") == c)["row"] for c in present} if coerced.errors.height \
        else {}

    # values, column by column
    for name in present:
        col = spec.column(name)
        s = pl.col(name)
        if name in spec.required or name in key:
            typed_bad = pl.col(ROW).is_in(type_bad.get(name, pl.Series([], dtype=pl.Int64)).implode())
            bad.rows(s.is_null() & ~typed_bad, name, pl.lit(None, pl.Utf8), "required value is empty",
                     col.expected, "required")
        if col.coerce_type == "enum" and col.values:
            unknown = s.is_not_null() & ~s.is_in(list(col.values))
            bad.rows(unknown, name, s, "not a known code" + (" (kept as given)" if col.open_enum else ""),
                     col.expected, "enum", severity="warning" if col.open_enum else "error")
        if col.pattern and col.coerce_type == "str":
            bad.rows(s.is_not_null() & ~s.str.contains(col.pattern), name, s, "does not have the expected form",
                     col.expected, "pattern")
        if col.coerce_type in ("int", "float", "money") and (col.min is not None or col.max is not None):
            out = pl.lit(False)
            if col.min is not None:
                out = out | (s < col.min)
            if col.max is not None:
                out = out | (s > col.max)
            bad.rows(s.is_not_null() & out, name, s, "out of range", col.expected, "range")

    # rules across columns
    for rule in spec.rules:
        if rule.a in frame.columns and rule.b in frame.columns:
            value = pl.format("{}={}, {}={}", pl.lit(rule.a), pl.col(rule.a).cast(pl.Utf8).fill_null("(empty)"),
                              pl.lit(rule.b), pl.col(rule.b).cast(pl.Utf8).fill_null("(empty)"))
            bad.rows(rule.broken(), rule.b, value, rule.problem, rule.expected, f"rule_{rule.kind}",
                     severity=rule.severity)

    # duplicates of the key within the file
    if set(key) <= set(frame.columns) and frame.height:
        complete = pl.all_horizontal([pl.col(k).is_not_null() for k in key])
        keyed = frame.filter(complete).select(*key, ROW)
        repeated = keyed.filter(keyed.select(key).is_duplicated())       # cheap test first
        dups = repeated.with_columns(pl.col(ROW).min().over(key).alias("_first")).filter(
            pl.col(ROW) != pl.col("_first"))
        if dups.height:
            issues.append(dups.select(
                pl.lit(file).alias("file"), pl.col(ROW).alias("row"), pl.lit(", ".join(key)).alias("column"),
                pl.concat_str([pl.col(k).cast(pl.Utf8) for k in key], separator=", ").alias("value"),
                pl.format("duplicate key: the same as row {}", pl.col("_first")).alias("problem"),
                pl.lit("each key once per file").alias("expected"), pl.lit("error").alias("severity"),
                pl.lit("duplicate").alias("code")))

    # references into the batch and the database
    for col in spec.references:
        if col.name not in frame.columns or frame[col.name].null_count() == frame.height:
            continue
        known, where = _known_keys(col, spec, frame, batch, db)
        if known is None:
            bad.file_level(col.name, f"references to {col.ref.table} were not checked: {col.ref.table} is neither "  # type: ignore[union-attr]
                           "in this import nor in the database", "", "reference_unchecked", severity="warning")
            continue
        s = pl.col(col.name).cast(pl.Utf8)
        bad.rows(s.is_not_null() & ~s.is_in(known.implode()), col.name, s, f"not found in {col.ref.table} ({where})",  # type: ignore[union-attr]
                 f"an existing {col.ref.table} key", "reference")  # type: ignore[union-attr]

    issues.extend(bad.frames)
    all_issues = pl.concat([i.select(list(ISSUE_SCHEMA)).cast(ISSUE_SCHEMA) for i in issues]) if issues \
        else pl.DataFrame(schema=ISSUE_SCHEMA)
    actions = _actions(frame, all_issues, spec, key, db)
    summary = _summary(spec, frame, coerced, all_issues, mapping)
    return ValidationReport(file, spec.name, frame.height, tuple(key), all_issues, summary, actions)


class _Issues:
    """Collects issue frames from vectorised masks over the coerced frame."""

    def __init__(self, file: str, frame: pl.DataFrame) -> None:
        self.file = file
        self.frame = frame
        self.frames: list[pl.DataFrame] = []

    def rows(self, mask: pl.Expr, column: str, value: pl.Expr, problem: str, expected: str, code: str,
             severity: str = "error") -> None:
        hit = self.frame.filter(mask.fill_null(False))
        if hit.height:
            self.frames.append(hit.select(
                pl.lit(self.file).alias("file"), pl.col(ROW).alias("row"), pl.lit(column).alias("column"),
                value.cast(pl.Utf8).alias("value"), pl.lit(problem).alias("problem"),
                pl.lit(expected).alias("expected"), pl.lit(severity).alias("severity"), pl.lit(code).alias("code")))

    def file_level(self, column: str, problem: str, expected: str, code: str, severity: str = "error") -> None:
        self.frames.append(pl.DataFrame([{
            "file": self.file, "row": None, "column": column, "value": None, "problem": problem,
            "expected": expected, "severity": severity, "code": code}], schema=ISSUE_SCHEMA))


def _key_strings(frame: pl.DataFrame, spec: TableSpec) -> pl.Series:
    """Every key a row of ``spec`` can be referred to by, as text: its primary key and single natural key."""
    cols = [c for c in (*spec.primary_key[:1], *spec.natural_key[:1]) if c in frame.columns]
    if len(spec.primary_key) != 1 or not cols:
        return pl.Series([], dtype=pl.Utf8)
    parts = [frame[c].cast(pl.Utf8) for c in dict.fromkeys(cols)]
    return pl.concat(parts).drop_nulls().unique()


def _known_keys(col: Column, spec: TableSpec, frame: pl.DataFrame, batch: Mapping[str, pl.DataFrame] | None,
                db: Database | None) -> tuple[pl.Series | None, str]:
    assert col.ref is not None
    target = TABLES[col.ref.table]
    found: list[pl.Series] = []
    where = []
    if col.ref.table == spec.name:
        found.append(_key_strings(frame, target))
        where.append("this file")
    if batch and col.ref.table in batch and col.ref.table != spec.name:
        found.append(_key_strings(batch[col.ref.table], target))
        where.append("this import")
    if db is not None:
        cols = [c for c in dict.fromkeys((col.ref.column, *target.natural_key[:1]))]
        selects = " union all ".join(f'select cast("{c}" as varchar) as k from "{target.name}"' for c in cols)
        found.append(db.sql(f"select distinct k from ({selects}) where k is not null")["k"])  # identifiers: specs
        where.append("database")
    if not found:
        return None, ""
    return pl.concat(found).unique(), " or ".join(where)


def _actions(frame: pl.DataFrame, issues: pl.DataFrame, spec: TableSpec, key: tuple[str, ...],
             db: Database | None) -> pl.DataFrame:
    errors = issues.filter(pl.col("severity") == "error")
    rows = frame.select(pl.col(ROW).alias("row"))
    if errors["row"].null_count():                   # a file-level error rejects every row
        return rows.with_columns(action=pl.lit("reject"))
    rejected = errors["row"].drop_nulls().unique()
    existing = pl.lit(False)
    if db is not None and set(key) <= set(frame.columns) and frame.height:
        in_db = _existing(frame, spec, key, db)
        existing = pl.col("row").is_in(in_db.implode())
    return rows.with_columns(action=pl.when(pl.col("row").is_in(rejected.implode())).then(pl.lit("reject"))
                             .when(existing).then(pl.lit("update")).otherwise(pl.lit("insert")))


def _existing(frame: pl.DataFrame, spec: TableSpec, key: tuple[str, ...], db: Database) -> pl.Series:
    """Rows of the file whose key is already in the database (text refs resolved through external keys)."""
    cols = ", ".join(f'cast("{k}" as varchar) as "{k}"' for k in key)  # identifiers from the spec
    stored = db.sql(f'select distinct {cols} from "{spec.name}"')
    mine = frame.select(ROW, *[pl.col(k).cast(pl.Utf8) for k in key])
    for k in key:
        col = spec.column(k)
        if col.keeps_text_key and col.ref is not None:
            target = TABLES[col.ref.table]
            ids = db.sql(f'select cast("{col.ref.column}" as varchar) as id, "{target.natural_key[0]}" as ext '
                         f'from "{target.name}" where "{target.natural_key[0]}" is not null')
            mine = mine.join(ids, left_on=k, right_on="ext", how="left").with_columns(
                pl.coalesce("id", k).alias(k)).drop("id")
    return mine.join(stored, on=list(key), how="semi")[ROW]


def _summary(spec: TableSpec, frame: pl.DataFrame, coerced: CoerceResult, issues: pl.DataFrame,
             mapping: ColumnMapping | None) -> pl.DataFrame:
    sources = mapping.targets if mapping is not None else {}
    out = []
    for col in spec.columns:
        if col.name in frame.columns:
            mine = issues.filter((pl.col("column") == col.name) & pl.col("row").is_not_null())
            err_rows = mine.filter(pl.col("severity") == "error")["row"].unique()
            type_rows = mine.filter(pl.col("code") == "type")["row"].unique()
            stats = frame.select(
                n_ok=(pl.col(col.name).is_not_null() & ~pl.col(ROW).is_in(err_rows.implode())).sum(),
                n_empty=(pl.col(col.name).is_null() & ~pl.col(ROW).is_in(type_rows.implode())).sum(),
            ).row(0, named=True)
            out.append({"column": col.name, "source": sources.get(col.name), "type": col.type,
                        "required": col.name in spec.required, "n_ok": stats["n_ok"], "n_empty": stats["n_empty"],
                        "n_errors": err_rows.len(), "n_warnings": mine.filter(pl.col("severity") == "warning")["row"]
                        .n_unique(), "format": coerced.formats.get(col.name)})
        else:
            out.append({"column": col.name, "source": None, "type": col.type, "required": col.name in spec.required,
                        "n_ok": 0, "n_empty": frame.height, "n_errors": 0, "n_warnings": 0,
                        "format": "not in file" + (f"; {col.derived}" if col.derived else "")})
    return pl.DataFrame(out, schema=SUMMARY_SCHEMA)
