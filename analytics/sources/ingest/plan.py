"""Turn read files into the parts of one import batch (shared by the import command and the Data page)."""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from analytics.core.db import Database
from analytics.sources.ingest.coerce import coerce
from analytics.sources.ingest.errors import ISSUE_SCHEMA, ImportProblem
from analytics.sources.ingest.flat import describe_flat, detect_flat, flat_parts
from analytics.sources.ingest.load import Part
from analytics.sources.ingest.mapping import ColumnMapping, match_columns
from analytics.sources.ingest.readers import ReadResult
from analytics.sources.ingest.tables import importable_tables


@dataclass
class BatchPlan:
    """The parts to load, what was recognised in each file, and the notes for the user."""

    parts: list[Part] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)   # file name → flat-export kind
    notes: list[str] = field(default_factory=list)


def plain_part(read: ReadResult, table: str, mapping: ColumnMapping | str | None = None) -> Part:
    """One file for one table: columns matched (or from a saved profile), values coerced."""
    if isinstance(mapping, ColumnMapping) and mapping.table != table:
        mapping = None
    used = match_columns(read, table, profile=mapping)
    by_header = match_columns(read.headers, table)      # a required column named plainly but with unreadable values
    for source, target in by_header.columns.items():   # is still that column: its values become errors row by row
        if target in used.spec.required and target not in used.columns.values() and source not in used.columns:
            used.set(source, target)
    coerced = coerce(used.apply(read), table, values=used.values, date_order=used.date_order)
    return Part(table, coerced, file=read.info.name, mapping=used)


def mapping_arg(value: str | None) -> ColumnMapping | str | None:
    """``--mapping`` (or ``TANDEM_SYNC_MAPPING``): a profile name, or a .json file read into a mapping."""
    if not value or not value.lower().endswith(".json"):
        return value
    path = Path(value)
    if not path.exists():
        raise ImportProblem("the mapping profile does not exist.", file=str(path), code="profile")
    try:
        return ColumnMapping.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ImportProblem(f"the mapping profile is not valid JSON ({exc}).", file=str(path), code="profile") from None


def plan_batch(db: Database, explicit: Sequence[tuple[str, ReadResult]], undecided: Sequence[ReadResult], *,
               table: str | None = None, mapping: ColumnMapping | str | None = None, flat: bool = True,
               fy_start: int = 1) -> BatchPlan:
    """Flat exports among ``undecided`` become every table they imply (unless ``flat`` is False); other files
    go to ``table`` or to the table their name says (``orders.csv``); ``explicit`` pairs name their table."""
    plan = BatchPlan()
    plain = list(undecided)
    pairs = list(explicit)
    if flat and undecided:
        plan.kinds = {r.info.name: k for r in undecided if (k := detect_flat(r))}
        batch, plain = flat_parts(list(undecided), db=db, fy_start=fy_start)
        plan.parts.extend(batch.parts)
        plan.notes.extend(f"{name}: {describe_flat(kind)}." for name, kind in plan.kinds.items())
    for read in plain:
        stem = Path(read.info.name).stem.lower()
        target = table or (stem if stem in importable_tables() else None)
        if target is None:
            raise ImportProblem("cannot tell which table this file is for; choose the table (or name the file "
                                "after it, e.g. orders.csv).", file=read.info.name, code="table",
                                expected=", ".join(importable_tables()))
        pairs.append((target, read))
    plan.parts.extend(plain_part(read, t, mapping) for t, read in pairs)
    _attach_read_issues(plan.parts, [*(r for _, r in explicit), *undecided])
    if not plan.parts:
        raise ImportProblem("there is nothing to load. " + " ".join(plan.notes), code="nothing")
    return plan


def _attach_read_issues(parts: list[Part], reads: Sequence[ReadResult]) -> None:
    """The reader's row problems (short rows, NUL characters …) join the report of the first part fed by that
    file, so they are shown — and, when errors, refuse the batch — like any other issue."""
    for read in reads:
        if not read.issues.height:
            continue
        part = next((p for p in parts if p.file == read.info.name), None)
        if part is None:
            continue
        found = read.issues.select(list(ISSUE_SCHEMA)).cast(ISSUE_SCHEMA)
        part.issues = found if part.issues is None or not part.issues.height else \
            pl.concat([part.issues.select(list(ISSUE_SCHEMA)).cast(ISSUE_SCHEMA), found])
