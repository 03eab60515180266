"""Flat exports: the one wide file an HR system or CRM really exports, split into Tandem's tables.

::

    read = read_export("HRDataset_v14.csv")            # like read_file; names headerless AdventureWorks files
    kind = detect_flat(read)                            # "hr", "crm_pipeline", "aw_quota_history", "snapshot" … or None
    describe_flat(kind)                                 # "this looks like a flat HR export; it will also fill …"
    batch, plain = flat_parts([read], db=db)            # FlatBatch of Parts (+ the reads that are not flat)
    result = load_batch(db, batch.parts, actor="li.na")

Shapes recognised by their headers (:func:`detect_flat`):

==================  =====================================================================================
kind                what it is and what it fills
==================  =====================================================================================
``hr``              one row per person with department, position / manager, hire (and exit) data →
                    employees, org_units, roles, assignments, compensation, performance_reviews,
                    engagement (:mod:`analytics.sources.ingest.flat_hr`)
``crm_*``           a CRM's ``sales_teams`` / ``accounts`` / ``products`` / ``sales_pipeline`` →
                    employees, org_units, roles, assignments, customers, product_lines, orders,
                    opportunities (:mod:`analytics.sources.ingest.flat_sales`); files of one export load as one batch
``aw_*``            AdventureWorks ``SalesTerritory`` / ``SalesPerson`` / ``SalesPersonQuotaHistory`` →
                    org_units, employees, roles, assignments, quotas
``snapshot``        one row per person with a left/stayed column and no dates (IBM attrition): not loaded;
                    it is for ``python -m analytics risk evaluate`` (:func:`snapshot_frame` types it)
==================  =====================================================================================
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from analytics.sources.ingest.errors import ROW
from analytics.sources.ingest.flat_common import FlatBatch, has_headers
from analytics.sources.ingest.flat_hr import detect_hr, hr_parts
from analytics.sources.ingest.flat_sales import AW_COLUMNS, AW_KINDS, CRM_KINDS, aw_parts, crm_parts
from analytics.sources.ingest.readers import ReadResult, read_file

if TYPE_CHECKING:
    from analytics.core.db import Database

__all__ = ["FLAT_KINDS", "FlatBatch", "describe_flat", "detect_flat", "flat_parts", "read_export", "snapshot_frame"]

_SIGNATURES: dict[str, tuple[str, ...]] = {
    "crm_pipeline": ("opportunity_id", "sales_agent", "deal_stage", "engage_date", "close_date", "close_value"),
    "crm_teams": ("sales_agent", "manager", "regional_office"),
    "crm_accounts": ("account", "sector", "revenue"),
    "crm_products": ("product", "series", "sales_price"),
    "aw_quota_history": ("BusinessEntityID", "QuotaDate", "SalesQuota"),
    "aw_sales_person": ("BusinessEntityID", "TerritoryID", "SalesQuota", "CommissionPct"),
    "aw_territory": ("TerritoryID", "Name", "CountryRegionCode", "Group"),
}
FLAT_KINDS: dict[str, str] = {
    "hr": "this looks like a flat HR export; it will also fill org units, roles and assignments (and pay, "
          "performance reviews and engagement when it has those columns)",
    "crm_pipeline": "this looks like a CRM deals export; won deals become orders and every deal an opportunity",
    "crm_teams": "this looks like a CRM sales-team list; agents and managers become people in regions and teams",
    "crm_accounts": "this looks like a CRM account list; accounts become customers (the largest fifth by "
                    "revenue KA)",
    "crm_products": "this looks like a CRM product list; products become product lines",
    "aw_quota_history": "this looks like AdventureWorks quota history; each quarter's quota is spread over "
                        "its three months",
    "aw_sales_person": "this looks like AdventureWorks sales people; they become employees in their territory",
    "aw_territory": "this looks like AdventureWorks sales territories; they become regions",
    "snapshot": "this looks like a one-row-per-person attrition snapshot (no dates); it is not loaded — "
                "evaluate the risk model on it with `python -m analytics risk evaluate --file F --target "
                "Attrition`",
}
_GUID = re.compile(r"^\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}?$")
_DATE_HEADER = re.compile(r"date|hire|入职|日期", re.IGNORECASE)
_TARGETS = ("Attrition", "Left", "Churn", "Terminated", "离职")


def detect_flat(read: ReadResult) -> str | None:
    """The kind of flat export ``read`` is (a key of :data:`FLAT_KINDS`), or None for a one-table file."""
    for kind, names in _SIGNATURES.items():
        if has_headers(read, names):
            return kind
    if _snapshot_target(read) is not None:
        return "snapshot"
    if detect_hr(read):
        return "hr"
    return None


def describe_flat(kind: str | None) -> str:
    """The sentence a page or the command line shows for a detected kind ("" for None)."""
    return FLAT_KINDS.get(kind or "", "")


def _snapshot_target(read: ReadResult) -> str | None:
    if len(read.headers) < 5 or any(_DATE_HEADER.search(h) for h in read.headers):
        return None
    lower = {h.lower(): h for h in read.headers}
    return next((lower[t.lower()] for t in _TARGETS if t.lower() in lower), None)


def read_export(source: str | Path | bytes, *, name: str | None = None, **options: object) -> ReadResult:
    """:func:`read_file`, and a headerless AdventureWorks file is read again with its column names.

    AdventureWorks exports have no header row: the first row is data (an id, a GUID …). When the
    caller gave no header options and the column count and a GUID column fit a known file, the
    file is read again with ``has_header=False`` and that file's column names.
    """
    read = read_file(source, name=name, **options)  # type: ignore[arg-type]
    if options.get("has_header") is False or options.get("column_names"):
        return read
    heads = read.headers
    if not heads or not heads[0].isdigit() or not any(_GUID.match(h) for h in heads):
        return read
    for names in AW_COLUMNS.values():
        if len(names) == len(heads) and _GUID.match(heads[names.index("rowguid")]):
            again = {**options, "has_header": False, "column_names": names}
            return read_file(source, name=name, **again)  # type: ignore[arg-type]
    return read


def flat_parts(reads: Sequence[ReadResult], *, db: Database | None = None, fy_start: int = 1,
               today: dt.date | None = None) -> tuple[FlatBatch, list[ReadResult]]:
    """Split the flat exports among ``reads`` into parts; return them and the reads that are not flat.

    Files of one CRM export (or one AdventureWorks set) are converted together, so references
    between them (a deal's agent and account) resolve within the batch. Snapshots load nothing;
    their note says what to do with them.
    """
    batch = FlatBatch()
    plain: list[ReadResult] = []
    crm: dict[str, list[ReadResult]] = {}
    aw: dict[str, list[ReadResult]] = {}
    for read in reads:
        kind = detect_flat(read)
        if kind is None:
            plain.append(read)
        elif kind == "hr":
            batch.extend(hr_parts(read, db=db, fy_start=fy_start, today=today))
        elif kind in CRM_KINDS:
            crm.setdefault(kind, []).append(read)
        elif kind in AW_KINDS:
            aw.setdefault(kind, []).append(read)
        else:
            batch.kinds[read.info.name] = kind
            batch.notes.append(f"{read.info.name}: {describe_flat(kind)}.")
    if crm:
        batch.extend(crm_parts(crm, db=db, today=today))
    if aw:
        batch.extend(aw_parts(aw, db=db, today=today))
    return batch, plain


def snapshot_frame(read: ReadResult) -> pl.DataFrame:
    """A snapshot's columns typed for the risk model: whole numbers and numbers where every value is one."""
    out = []
    for name in read.headers:
        s = read.frame[name].str.strip_chars()
        s = pl.select(pl.when(s == "").then(None).otherwise(s)).to_series().alias(name)
        as_int = s.str.to_integer(strict=False)
        if as_int.null_count() == s.null_count():
            out.append(as_int)
            continue
        as_float = s.cast(pl.Float64, strict=False)
        out.append(as_float if as_float.null_count() == s.null_count() else s)
    return pl.DataFrame(out).drop(ROW, strict=False)
