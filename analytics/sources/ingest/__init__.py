"""Import the HR and CRM exports people really have: a pure core (steps 1–5 write nothing), then the loader.

The flow, one table at a time::

    read = read_file(path_or_bytes, name="花名册.xlsx")         # 1. ReadResult: strings + FileInfo
    mapping = match_columns(read, "employees")                   # 2. ColumnMapping: headers → columns
    mapping.set("工号", "external_key")                           #    … edit, add value-map entries,
    mapping.set_value("exit_type", "Retired", "other")           #    fix a date order, then
    mapping.save("hris-export")                                   #    save it as a profile for next time
    coerced = coerce(mapping.apply(read), "employees",            # 3. CoerceResult: typed + type errors
                     values=mapping.values, date_order=mapping.date_order)
    report = validate(coerced, "employees", file=read.info.name,  # 4. ValidationReport: issues, actions
                      mapping=mapping, batch={...}, db=db)
    rows = report.accepted(coerced.frame)                         # 5. what the loader may write
    load_batch(db, [("employees", prepared), ...], actor="li.na")  # 6. validate the batch, load it all or nothing

or all of 1–4 at once with :func:`prepare`. File-level problems (cannot read the file, zip bomb,
too big for memory, mapping names a missing column) raise :class:`ImportProblem`; everything about
values is a row of the :class:`ValidationReport` and never raises.

For the loader: ``report.key`` is the upsert key (``TableSpec.upsert_key``); for a natural key the
loader assigns new surrogate ids. Reference columns into tables with a natural key
(``Column.keeps_text_key``) hold text — Tandem's id or the source's external key — to be resolved to
ids. ``Column.derived`` columns (``orders.is_new_customer``) are filled by the loader when absent.
Every frame carries :data:`ROW`, the row number as in the file.

:func:`load_batch` (:mod:`analytics.sources.ingest.load`) validates a batch of parts together and loads it in one
transaction; :mod:`analytics.sources.ingest.flat` splits the wide exports HR systems and CRMs produce (one row per
person with department and manager; deals with agent and office) into the tables they fill.
"""
from __future__ import annotations

from analytics.sources.ingest.coerce import CoerceResult, coerce
from analytics.sources.ingest.errors import ROW, ImportProblem
from analytics.sources.ingest.flat import (
    FLAT_KINDS,
    FlatBatch,
    describe_flat,
    detect_flat,
    flat_parts,
    read_export,
    snapshot_frame,
)
from analytics.sources.ingest.load import LoadResult, Part, TableCounts, load_batch
from analytics.sources.ingest.mapping import MAPPINGS_DIR, ColumnMapping, list_profiles, match_columns, normalise
from analytics.sources.ingest.prepare import Prepared, prepare
from analytics.sources.ingest.readers import DEFAULT_MEMORY_BUDGET, FileInfo, ReadResult, read_file
from analytics.sources.ingest.rules import Ref, Rule
from analytics.sources.ingest.tables import TABLES, Column, TableSpec, importable_tables, table_spec
from analytics.sources.ingest.templates import template_csv, template_xlsx
from analytics.sources.ingest.validate import ValidationReport, validate
from analytics.sources.ingest.values import DEFAULT_VALUE_MAPS

__all__ = [
    "DEFAULT_MEMORY_BUDGET", "DEFAULT_VALUE_MAPS", "MAPPINGS_DIR", "ROW", "TABLES", "CoerceResult", "Column",
    "ColumnMapping", "FileInfo", "ImportProblem", "Prepared", "ReadResult", "Ref", "Rule", "TableSpec",
    "ValidationReport", "coerce", "importable_tables", "list_profiles", "match_columns", "normalise", "prepare",
    "read_file", "table_spec", "template_csv", "template_xlsx", "validate",
]
__all__ += ["FLAT_KINDS", "FlatBatch", "LoadResult", "Part", "TableCounts", "describe_flat", "detect_flat",
            "flat_parts", "load_batch", "read_export", "snapshot_frame"]
