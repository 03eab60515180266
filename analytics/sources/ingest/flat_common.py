"""Helpers shared by the flat-export converters (:mod:`flat_hr`, :mod:`flat_sales`).

A converter turns one wide export into :class:`~analytics.sources.ingest.load.Part` s, one per table, which
:func:`~analytics.sources.ingest.load.load_batch` loads together. Rows keep the source file's row number
(:data:`ROW`), so every issue points at the line the user can open; rows a converter invents (a
region named after a department) carry the row where that value first appears.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from analytics.sources.ingest.coerce import coerce_column
from analytics.sources.ingest.errors import ROW
from analytics.sources.ingest.load import Part
from analytics.sources.ingest.mapping import compact
from analytics.sources.ingest.readers import ReadResult
from analytics.sources.ingest.tables import table_spec
from analytics.sources.ingest.validate import ISSUE_SCHEMA

if TYPE_CHECKING:
    from analytics.core.db import Database

ROOT_ID, ROOT_EN, ROOT_ZH = "company", "Company", "公司"
# The demo company's definitions, so a flat import into a database that has them changes nothing.
ROLE_ROWS: dict[str, tuple[str, str, str, bool, int | None]] = {
    "sales_rep": ("Sales rep", "销售代表", "sales", True, 1),
    "team_lead": ("Sales supervisor", "销售主管", "sales", True, 2),
    "regional_manager": ("Regional manager", "区域经理", "management", False, 3),
}
ORG_SCHEMA = {ROW: pl.Int64, "org_unit_id": pl.Utf8, "parent_id": pl.Utf8, "level": pl.Utf8, "name_en": pl.Utf8,
              "name_zh": pl.Utf8}
ROLE_SCHEMA = {ROW: pl.Int64, "role_id": pl.Utf8, "name_en": pl.Utf8, "name_zh": pl.Utf8, "family": pl.Utf8,
               "carries_quota": pl.Boolean, "career_step": pl.Int64}


@dataclass
class FlatBatch:
    """The parts a flat export (or a set of related exports) becomes, with what the user should know."""

    parts: list[Part] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)       # file name → detected kind
    notes: list[str] = field(default_factory=list)

    def extend(self, other: FlatBatch) -> None:
        self.parts.extend(other.parts)
        self.kinds.update(other.kinds)
        self.notes.extend(other.notes)

    @property
    def tables(self) -> list[str]:
        return list(dict.fromkeys(p.table for p in self.parts))


def slug(text: str, sep: str = "-") -> str:
    """``"IT/IS"`` → ``it-is``; ``"Production       "`` → ``production``; CJK kept; never empty."""
    norm = unicodedata.normalize("NFKC", str(text)).strip().lower()
    out = re.sub(r"[^\w]+|_", sep, norm).strip(sep)
    return out or "unnamed"


def per_distinct(expr: pl.Expr, fn: Callable[[str], object], dtype: pl.DataType = pl.Utf8) -> pl.Expr:
    """``fn`` applied once per distinct text value of a column (null stays null): fast on long columns."""
    def apply(s: pl.Series) -> pl.Series:
        distinct = s.drop_nulls().unique()
        return s.replace_strict(distinct, pl.Series([fn(v) for v in distinct.to_list()], dtype=dtype),
                                default=None, return_dtype=dtype)

    return expr.cast(pl.Utf8).map_batches(apply, return_dtype=dtype)


def slugs(expr: pl.Expr, sep: str = "-") -> pl.Expr:
    """:func:`slug` over a column (null stays null)."""
    return per_distinct(expr, lambda text: slug(text, sep))


def tidy(expr: pl.Expr) -> pl.Expr:
    """Text trimmed, inner runs of spaces collapsed, empty → null."""
    s = expr.cast(pl.Utf8).str.replace_all(r"\s+", " ").str.strip_chars()
    return pl.when(s == "").then(None).otherwise(s)


def find_column(read: ReadResult, aliases: Iterable[str]) -> str | None:
    """The file's header that is one of ``aliases`` (compared after :func:`compact`), first alias first."""
    by_compact = {compact(h): h for h in read.headers}
    for alias in aliases:
        hit = by_compact.get(compact(alias))
        if hit is not None:
            return hit
    return None


def has_headers(read: ReadResult, names: Iterable[str]) -> bool:
    have = {compact(h) for h in read.headers}
    return all(compact(n) in have for n in names)


def column(read: ReadResult, aliases: Sequence[str]) -> str:
    """Like :func:`find_column` but the header must exist (the converters call it after detection)."""
    found = find_column(read, aliases)
    if found is None:
        from analytics.sources.ingest.errors import ImportProblem

        raise ImportProblem(f"has no column {aliases[0]!r}.", file=read.info.name, column=aliases[0],
                            code="missing_column", expected=" or ".join(aliases))
    return found


def parse_dates(values: pl.Series, table: str = "opportunities", col: str = "created_date",
                today: dt.date | None = None) -> pl.Series:
    """Dates from text with the importer's rules (day/month order decided for the column); null when not a date."""
    spec = table_spec(table)
    return coerce_column(values.cast(pl.Utf8), spec, spec.column(col), today=today).typed


def issues(rows: Sequence[Mapping[str, object]]) -> pl.DataFrame:
    """Issue rows (file, row, column, value, problem, expected, severity, code) as a report frame."""
    return pl.DataFrame([{k: r.get(k) for k in ISSUE_SCHEMA} for r in rows], schema=ISSUE_SCHEMA)


def row_issues(frame: pl.DataFrame, file: str, column: str, value: str, problem: str, expected: str,
               severity: str, code: str) -> pl.DataFrame:
    """One issue per row of ``frame`` (which has :data:`ROW` and the column ``value``)."""
    return frame.select(pl.lit(file).alias("file"), pl.col(ROW).alias("row"), pl.lit(column).alias("column"),
                        pl.col(value).cast(pl.Utf8).alias("value"), pl.lit(problem).alias("problem"),
                        pl.lit(expected).alias("expected"), pl.lit(severity).alias("severity"),
                        pl.lit(code).alias("code"))


def company_root(db: Database | None) -> str | None:
    """The id of the database's company root unit, if it has one."""
    if db is None:
        return None
    found = db.sql("select org_unit_id from org_units where level = 'company' order by parent_id nulls first, "
                   "org_unit_id limit 1")
    return found["org_unit_id"][0] if found.height else None


def org_frame(rows: Sequence[Mapping[str, object]]) -> pl.DataFrame:
    return pl.DataFrame([{k: r.get(k) for k in ORG_SCHEMA} for r in rows], schema=ORG_SCHEMA)


def root_rows(db: Database | None, row: int) -> tuple[str, list[dict[str, object]]]:
    """(root id, the root's row when the database has no root yet)."""
    root = company_root(db)
    if root is not None:
        return root, []
    return ROOT_ID, [{ROW: row, "org_unit_id": ROOT_ID, "parent_id": None, "level": "company", "name_en": ROOT_EN,
                      "name_zh": ROOT_ZH}]


def standard_roles(ids: Iterable[str], row: int) -> pl.DataFrame:
    """Rows of :data:`ROLE_ROWS` for ``ids`` (loaded insert-only: stored definitions win)."""
    return pl.DataFrame([{ROW: row, "role_id": i, "name_en": ROLE_ROWS[i][0], "name_zh": ROLE_ROWS[i][1],
                          "family": ROLE_ROWS[i][2], "carries_quota": ROLE_ROWS[i][3], "career_step": ROLE_ROWS[i][4]}
                         for i in ids], schema=ROLE_SCHEMA)


def first_rows(frame: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """One row per distinct ``by`` (non-null), the one with the smallest :data:`ROW`, in file order."""
    return (frame.filter(pl.all_horizontal([pl.col(c).is_not_null() for c in by]))
            .sort(ROW).unique(subset=list(by), keep="first", maintain_order=True))
