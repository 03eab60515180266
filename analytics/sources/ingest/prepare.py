"""Read → map → coerce → validate one file (steps 1–4 of the import; nothing is written)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from analytics.sources.ingest.coerce import CoerceResult, coerce
from analytics.sources.ingest.errors import ISSUE_SCHEMA
from analytics.sources.ingest.mapping import ColumnMapping, match_columns
from analytics.sources.ingest.readers import ReadResult, read_file
from analytics.sources.ingest.validate import ValidationReport, validate

if TYPE_CHECKING:
    from analytics.core.db import Database


@dataclass
class Prepared:
    """Everything up to the load: what was read, how it was mapped, the typed rows and the report."""

    read: ReadResult
    mapping: ColumnMapping
    coerced: CoerceResult
    report: ValidationReport

    @property
    def rows(self) -> pl.DataFrame:
        """The typed rows the loader may write (rejected rows left out)."""
        return self.report.accepted(self.coerced.frame)


def prepare(source: str | Path | bytes | ReadResult, table: str, *, name: str | None = None,
            mapping: ColumnMapping | str | None = None, batch: Mapping[str, pl.DataFrame] | None = None,
            db: Database | None = None, today: dt.date | None = None, **read_options: object) -> Prepared:
    """Read → map → coerce → validate one file for ``table``; raises only :class:`ImportProblem`.

    ``mapping``: a ColumnMapping to use as is, or a saved profile name to start from (then the rest is
    matched automatically). ``read_options`` go to :func:`read_file`.
    """
    read = source if isinstance(source, ReadResult) else read_file(source, name=name, **read_options)  # type: ignore[arg-type]
    if isinstance(mapping, ColumnMapping) and set(mapping.sources) == set(read.headers):
        used = mapping
    else:
        used = match_columns(read, table, profile=mapping)
    coerced = coerce(used.apply(read), table, values=used.values, date_order=used.date_order, today=today)
    report = validate(coerced, table, file=read.info.name, mapping=used, batch=batch, db=db)
    if read.issues.height:          # the reader's row problems (short rows, NUL characters …) join the report
        report = replace(report, issues=pl.concat([read.issues.cast(ISSUE_SCHEMA), report.issues.cast(ISSUE_SCHEMA)]))
    return Prepared(read, used, coerced, report)
