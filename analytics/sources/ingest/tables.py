"""What can be imported: one :class:`TableSpec` per fact table of ``sql/schema.sql``.

Column names, their order, the DuckDB types, NOT NULL and the primary keys are read from the
schema itself (applied to an in-memory DuckDB once per process), so a spec cannot drift from
the warehouse. This module adds what the schema does not say: the import type (``money``,
``enum`` …), the meaning in English and Chinese, ranges, enum codes, references, natural keys
and cross-column rules. The annotations live in :mod:`analytics.sources.ingest.table_notes`.

Keys. ``TableSpec.primary_key`` is the schema's primary key. Where that is a surrogate id a
source file will not have (``employees.employee_id`` from an HR export), ``natural_key`` names
the columns that identify a row instead (``external_key``) and :meth:`TableSpec.upsert_key`
picks the one a given file can use. The loader assigns surrogate ids for new natural keys.

References to a table that has a natural key (``orders.employee_id`` → ``employees``) are kept
as text after coercion: the value is either Tandem's id or the source's external key, and the
loader resolves it. References to other tables keep the target column's type.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

import duckdb
import polars as pl

from analytics.core.db import SQL_DIR
from analytics.sources.ingest.rules import Ref, Rule

ColumnType = Literal["date", "int", "float", "money", "bool", "str", "enum"]
COLUMN_TYPES: tuple[str, ...] = ("date", "int", "float", "money", "bool", "str", "enum")
NOT_IMPORTED = frozenset({"meta", "audit_log", "reviews", "action_items", "users", "user_roles",
                          "user_sessions", "development_items", "career_aims",
                          "improvement_plans", "care_actions", "alerts", "alert_actions",
                          "alert_requests", "alert_sends", "feedback"})
# access: admin only; sessions: bookkeeping; meetings and development plans: written in the app

_SQL_TO_TYPE = {"DATE": "date", "BIGINT": "int", "INTEGER": "int", "DOUBLE": "float", "BOOLEAN": "bool",
                "VARCHAR": "str"}
_POLARS = {"date": pl.Date, "int": pl.Int64, "float": pl.Float64, "money": pl.Float64, "bool": pl.Boolean,
           "str": pl.Utf8, "enum": pl.Utf8}
_EXPECTED = {"date": "a date such as 2024-01-05", "int": "a whole number such as 42",
             "float": "a number such as 1234.5", "money": "an amount such as 1234.50",
             "bool": "yes or no (是/否, Y/N, true/false, 1/0)", "str": "text", "enum": "one of the listed codes"}


class SpecError(RuntimeError):
    """The annotations in table_notes.py do not fit sql/schema.sql (a programming error)."""


@dataclass(frozen=True)
class Column:
    """One importable column: schema facts plus what the importer needs to know about it."""

    name: str
    type: ColumnType
    sql_type: str
    required: bool               # must have a value on import (NOT NULL without a default, not derived)
    en: str                      # meaning, English
    zh: str                      # meaning, Chinese
    example: str = ""
    values: tuple[str, ...] = ()  # enum codes
    open_enum: bool = False      # codes outside ``values`` are kept with a warning instead of rejected
    min: float | None = None
    max: float | None = None
    ref: Ref | None = None
    month_start: bool = False    # a month: dates are moved to the first day of their month
    year_of_date: bool = False   # a year that may arrive as a full date (birth dates → birth_year)
    past: bool = False           # two-digit years resolve into the past (birth dates)
    pattern: str | None = None   # regular expression a text value must match (after normalising)
    default: str | None = None   # the schema's default, used by the database when the column is absent
    derived: str | None = None   # how the loader fills it when the file does not have it

    @property
    def keeps_text_key(self) -> bool:
        """A reference into a table with a natural key: kept as text for the loader to resolve."""
        return self.ref is not None and bool(TABLES[self.ref.table].natural_key)

    @property
    def dtype(self) -> pl.DataType:
        """The polars type after coercion."""
        return pl.Utf8 if self.keeps_text_key else _POLARS[self.type]

    @property
    def coerce_type(self) -> str:
        """The type coercion parses to (``str`` for text-kept references)."""
        return "str" if self.keeps_text_key else self.type

    @property
    def expected(self) -> str:
        """What a valid value looks like, in words (used in error messages and templates)."""
        if self.type == "enum":
            return "one of " + ", ".join(self.values)
        if self.keeps_text_key:
            return f"an id or external key of {self.ref.table}"  # type: ignore[union-attr]
        if self.year_of_date:
            return "a year such as 1983, or a date"
        if self.month_start:
            return "a month such as 2024-01 or a date in it"
        text = _EXPECTED[self.type]
        if self.min is not None and self.max is not None:
            text += f" from {_num(self.min)} to {_num(self.max)}"
        elif self.min is not None:
            text += f" of at least {_num(self.min)}"
        return text


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


@dataclass(frozen=True)
class TableSpec:
    """Everything the importer knows about one table."""

    name: str
    en: str
    zh: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    natural_key: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    _by_name: dict[str, Column] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_name.update({c.name: c for c in self.columns})

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"Table {self.name} has no column {name!r}; it has {', '.join(self.names)}.") from None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    @property
    def surrogate(self) -> bool:
        """True when the primary key is an id the loader may assign (a natural key exists)."""
        return bool(self.natural_key)

    @property
    def required(self) -> list[str]:
        """Columns that must be present and filled (the primary key columns are handled by upsert_key)."""
        return [c.name for c in self.columns if c.required and not (self.surrogate and c.name in self.primary_key)]

    @property
    def references(self) -> list[Column]:
        return [c for c in self.columns if c.ref is not None]

    def upsert_key(self, filled: Iterable[str]) -> tuple[str, ...]:
        """The key rows are matched on for upsert, given the columns a file fills.

        The primary key when every part of it is filled; else the natural key, when the table has one
        (the loader then assigns new ids). Else the primary key, whose absence validation reports.
        """
        have = set(filled)
        if set(self.primary_key) <= have or not self.natural_key:
            return self.primary_key
        return self.natural_key


# ── building the specs from the schema ──────────────────────────────────────────────────────────

@dataclass(frozen=True)
class _SchemaColumn:
    name: str
    sql_type: str
    not_null: bool
    default: str | None


@cache
def schema_catalogue() -> dict[str, tuple[list[_SchemaColumn], tuple[str, ...]]]:
    """Table → (columns in order, primary key), read by applying sql/schema.sql to an in-memory DuckDB."""
    con = duckdb.connect()
    try:
        con.execute((SQL_DIR / "schema.sql").read_text(encoding="utf-8"))
        rows = con.sql(
            "select c.table_name, c.column_name, c.data_type, c.is_nullable, c.column_default "
            "from information_schema.columns c join information_schema.tables t using (table_name) "
            "where t.table_type = 'BASE TABLE' order by c.table_name, c.ordinal_position"
        ).fetchall()
        pks = dict(con.sql(
            "select table_name, constraint_column_names from duckdb_constraints() where constraint_type = 'PRIMARY KEY'"
        ).fetchall())
    finally:
        con.close()
    out: dict[str, tuple[list[_SchemaColumn], tuple[str, ...]]] = {}
    for table, name, sql_type, nullable, default in rows:
        cols, _ = out.setdefault(table, ([], tuple(pks.get(table, ()))))
        cols.append(_SchemaColumn(name, sql_type, nullable == "NO", default))
    return out


def _build() -> dict[str, TableSpec]:
    from analytics.sources.ingest.table_notes import NOTES

    catalogue = schema_catalogue()
    importable = sorted(set(catalogue) - NOT_IMPORTED)
    missing = [t for t in importable if t not in NOTES]
    extra = [t for t in NOTES if t not in catalogue]
    if missing or extra:
        raise SpecError(f"table_notes.py and schema.sql disagree: no notes for {missing}, notes for unknown {extra}.")
    specs: dict[str, TableSpec] = {}
    for table in importable:
        note = NOTES[table]
        schema_cols, pk = catalogue[table]
        unknown = set(note.columns) - {c.name for c in schema_cols}
        if unknown:
            raise SpecError(f"table_notes.py annotates {table}.{sorted(unknown)}, which schema.sql does not have.")
        cols = []
        for sc in schema_cols:
            a = note.columns.get(sc.name)
            if a is None:
                raise SpecError(f"table_notes.py has no meaning for {table}.{sc.name}; add one.")
            base = _SQL_TO_TYPE.get(sc.sql_type)
            if base is None:
                raise SpecError(f"{table}.{sc.name} has type {sc.sql_type}, which the importer does not handle.")
            ctype = a.type or ("enum" if a.values and base == "str" else base)
            required = sc.not_null and sc.default is None and a.derived is None
            cols.append(Column(
                name=sc.name, type=ctype, sql_type=sc.sql_type, required=required, en=a.en, zh=a.zh,
                example=a.example, values=a.values, open_enum=a.open_enum, min=a.min, max=a.max, ref=a.ref,
                month_start=a.month_start, year_of_date=a.year_of_date, past=a.past, pattern=a.pattern,
                default=sc.default, derived=a.derived,
            ))
        specs[table] = TableSpec(table, note.en, note.zh, tuple(cols), pk, note.natural_key, note.rules)
    for spec in specs.values():
        for col in spec.references:
            assert col.ref is not None
            if col.ref.table not in specs or col.ref.column not in specs[col.ref.table]:
                raise SpecError(f"{spec.name}.{col.name} references {col.ref.table}.{col.ref.column}, "
                                "which is not an importable column.")
        for rule in spec.rules:
            for c in (rule.a, rule.b):
                spec.column(c)
        for c in spec.natural_key:
            spec.column(c)
    return specs


TABLES: dict[str, TableSpec] = _build()


def table_spec(table: str | TableSpec) -> TableSpec:
    """The spec of an importable table, by name (or the spec itself)."""
    if isinstance(table, TableSpec):
        return table
    try:
        return TABLES[table]
    except KeyError:
        raise KeyError(f"{table!r} is not an importable table; choose one of {', '.join(sorted(TABLES))}.") from None


def importable_tables() -> list[str]:
    """Names of every importable table, sorted."""
    return sorted(TABLES)
