"""Load a batch of imports into the warehouse: validate together, then one all-or-nothing transaction.

::

    result = load_batch(db, [("employees", prepare("hr.csv", "employees")),
                             ("orders", prepare("orders.csv", "orders"))], actor="li.na")
    if not result.ok:
        show(result.issues)          # nothing was written; every problem is a row
    result.counts["orders"]          # TableCounts(inserted=…, updated=…, unchanged=…)

A batch is the files that belong together (a CRM's teams, accounts, products and deals). The loader

1. coerces frames given as plain polars frames (typed columns pass through) and re-validates every
   part against the **other parts of the batch and the database** (references, keys);
2. refuses to write anything when any part has an error: the result carries the reports;
3. otherwise, in one transaction (:meth:`Database.transaction`, which bumps ``data_version``) and
   in dependency order (org units and roles before people, people before their assignments,
   customers before orders): resolves text references through ``external_key``, assigns new ids
   after the largest one for new natural keys, derives ``orders.is_new_customer`` when absent,
   upserts by key (changed rows updated, new rows inserted, equal rows left alone), moves
   ``meta.as_of`` to the last day of the latest month with data when that is later, and writes an
   audit entry (who, which tables, how many rows, file names — no personal values);
4. verifies after the commit by counting every table it wrote (DuckDB 2.0 can roll a COMMIT back
   without raising).

Any failure inside the transaction rolls everything back: the database is exactly as before.
``dry_run=True`` runs the same load and rolls it back, so its counts are exact.
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb
import polars as pl

from analytics.core import backup
from analytics.core.db import Database, DatabaseError
from analytics.core.demo_mode import end_demo_mode
from analytics.core.periods import month_end
from analytics.core.spreadsheet import csv_bytes
from analytics.sources.ingest.coerce import CoerceResult, coerce
from analytics.sources.ingest.errors import ROW, ImportProblem, disk_full
from analytics.sources.ingest.mapping import ColumnMapping
from analytics.sources.ingest.prepare import Prepared
from analytics.sources.ingest.tables import TABLES, TableSpec, table_spec
from analytics.sources.ingest.upsert import (
    Refused,
    assign_ids,
    derive_new_customer,
    fix_first_orders,
    resolve_refs,
    upsert,
)
from analytics.sources.ingest.validate import ISSUE_SCHEMA, ValidationReport, validate

Progress = Callable[[str], None]

# Dates that say something happened (used to move meta.as_of forward); plans and targets are not events.
EVENT_DATES: dict[str, tuple[str, ...]] = {
    "employees": ("hire_date", "termination_date"), "assignments": ("valid_from",),
    "orders": ("order_date",), "collections": ("collected_date",), "opportunities": ("created_date", "closed_date"),
    "leads": ("created_on", "converted_on", "lost_on"),
    "activities": ("activity_date",), "complaints": ("complaint_date",), "csat": ("survey_date",),
    "performance_reviews": ("review_date",), "engagement": ("survey_date",), "attendance": ("month",),
    "travel": ("month",), "assistance_referrals": ("referral_date",), "person_measures": ("measured_on",),
    "applications": ("applied_date", "accepted_date"), "enrollments": ("enrolled_date", "completed_date"),
    "skill_assessments": ("assessed_date",), "requisitions": ("opened_date", "filled_date"),
}


def _dependency_order() -> dict[str, int]:
    """Tables ordered so that every referenced table comes before the tables referring to it."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(name: str, stack: tuple[str, ...] = ()) -> None:
        if name in seen or name in stack:
            return
        for col in TABLES[name].references:
            if col.ref is not None and col.ref.table != name:
                visit(col.ref.table, (*stack, name))
        seen.add(name)
        order.append(name)

    for name in sorted(TABLES):
        visit(name)
    return {name: i for i, name in enumerate(order)}


ORDER = _dependency_order()


@dataclass
class Part:
    """One table's rows in a batch: a :class:`Prepared`, a :class:`CoerceResult` or a polars frame.

    ``file`` names the source in reports and the audit; ``values`` / ``date_order`` are used to
    coerce a frame; ``issues`` (the report schema) are problems found while building the part (flat
    exports) and join its report; ``insert_only`` adds missing rows and leaves stored ones alone.
    """

    table: str
    data: Any
    file: str | None = None
    values: Mapping[str, Mapping[str, str | None]] | None = None
    date_order: Mapping[str, str] | None = None
    issues: pl.DataFrame | None = None
    insert_only: bool = False
    mapping: ColumnMapping | None = None


@dataclass
class TableCounts:
    """What a load did to one table."""

    table: str
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    total: int = 0                      # rows in the table afterwards
    files: list[str] = field(default_factory=list)


@dataclass
class LoadResult:
    """The outcome of :func:`load_batch`: the reports, the counts, and whether anything was written."""

    ok: bool
    written: bool
    dry_run: bool
    reports: list[ValidationReport]
    counts: dict[str, TableCounts] = field(default_factory=dict)
    load_issues: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ISSUE_SCHEMA))
    data_version: int = 0
    as_of: dt.date | None = None
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def issues(self) -> pl.DataFrame:
        """Every issue of every part (and of the load itself), errors first, in file order."""
        frames = [r.issues for r in self.reports] + [self.load_issues]
        every = pl.concat([f.select(list(ISSUE_SCHEMA)).cast(ISSUE_SCHEMA) for f in frames])
        return every.sort(pl.col("severity") != "error", "file", pl.col("row").fill_null(0), "column")

    @property
    def n_errors(self) -> int:
        return int((self.issues["severity"] == "error").sum())

    @property
    def n_warnings(self) -> int:
        return int((self.issues["severity"] == "warning").sum())

    def counts_frame(self) -> pl.DataFrame:
        """One row per table written: inserted, updated, unchanged, rows afterwards."""
        return pl.DataFrame([{"table": c.table, "inserted": c.inserted, "updated": c.updated,
                              "unchanged": c.unchanged, "total": c.total} for c in self.counts.values()],
                            schema={"table": pl.Utf8, "inserted": pl.Int64, "updated": pl.Int64,
                                    "unchanged": pl.Int64, "total": pl.Int64})

    def parts_frame(self) -> pl.DataFrame:
        """One row per part: file, table, rows, errors, warnings."""
        return pl.DataFrame([{"file": r.file, "table": r.table, "rows": r.n_rows, "errors": r.n_errors,
                              "warnings": r.n_warnings} for r in self.reports],
                            schema={"file": pl.Utf8, "table": pl.Utf8, "rows": pl.Int64, "errors": pl.Int64,
                                    "warnings": pl.Int64})

    def to_csv(self) -> bytes:
        """Every issue as CSV (UTF-8 with BOM, for Excel; cells that would run as formulas neutralised)."""
        return csv_bytes(self.issues)


@dataclass
class _Staged:
    part: Part
    spec: TableSpec
    coerced: CoerceResult
    file: str
    report: ValidationReport | None = None


def _as_part(item: object) -> Part:
    if isinstance(item, Part):
        return item
    if isinstance(item, tuple) and len(item) in (2, 3) and isinstance(item[0], str):
        return Part(item[0], item[1], file=item[2] if len(item) == 3 else None)
    raise ImportProblem(f"a batch item must be (table, prepared or frame) or a Part, not {type(item).__name__}.",
                        code="batch")


def _stage(part: Part, index: int, today: dt.date | None) -> _Staged:
    try:
        spec = table_spec(part.table)
    except KeyError as exc:
        raise ImportProblem(str(exc.args[0]), file=part.file, code="table") from None
    data = part.data
    if isinstance(data, Prepared):
        if data.report.table != spec.name:
            raise ImportProblem(f"was prepared for table {data.report.table}, not {spec.name}.",
                                file=part.file or data.read.info.name, code="table")
        return _Staged(replace(part, mapping=part.mapping or data.mapping), spec, data.coerced,
                       part.file or data.read.info.name)
    file = part.file or f"{spec.name} (item {index + 1})"
    if isinstance(data, CoerceResult):
        return _Staged(part, spec, data, file)
    if not isinstance(data, pl.DataFrame):
        raise ImportProblem(f"holds a {type(data).__name__}; give a Prepared or a polars DataFrame.", file=file,
                            code="batch")
    return _Staged(part, spec, _coerce_frame(data, spec, part, today), file)


def _coerce_frame(frame: pl.DataFrame, spec: TableSpec, part: Part, today: dt.date | None) -> CoerceResult:
    """Coerce a frame; columns that already have their column's type (and are not text) pass through."""
    if ROW not in frame.columns:
        frame = frame.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).add(2).alias(ROW))
    typed = [c for c in frame.columns if c in spec and frame.schema[c] != pl.Utf8
             and frame.schema[c] == spec.column(c).dtype]
    result = coerce(frame.drop(typed), spec, values=part.values, date_order=part.date_order, today=today)
    kept = frame.select([pl.col(c).dt.month_start() if spec.column(c).month_start else pl.col(c) for c in typed])
    order = [c for c in [ROW, *spec.names] if c in result.frame.columns or c in typed]
    merged = pl.concat([result.frame, kept], how="horizontal").select(order)
    return CoerceResult(merged, result.errors, {**result.formats, **dict.fromkeys(typed, "typed")}, result.notes)


def _validate(staged: list[_Staged], db: Database) -> None:
    frames: dict[str, pl.DataFrame] = {}
    for s in staged:
        f = s.coerced.frame
        frames[s.spec.name] = pl.concat([frames[s.spec.name], f], how="diagonal_relaxed") \
            if s.spec.name in frames else f
    for s in staged:
        batch = {t: f for t, f in frames.items() if t != s.spec.name}
        report = validate(s.coerced, s.spec, file=s.file, mapping=s.part.mapping, batch=batch or None, db=db)
        extra = s.part.issues
        if extra is not None and extra.height:
            issues = pl.concat([report.issues, extra.select(list(ISSUE_SCHEMA)).cast(ISSUE_SCHEMA)])
            report = replace(report, issues=issues)
        s.report = report


@contextmanager
def _rolled_back(db: Database) -> Iterator[duckdb.DuckDBPyConnection]:
    """A transaction that is always rolled back (dry runs)."""
    cur = db.cursor()
    cur.execute("begin transaction")
    try:
        yield cur
    finally:
        with suppress(duckdb.Error):
            cur.execute("rollback")


def _count(cur: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(cur.sql(f'select count(*) from "{table}"').fetchall()[0][0])  # table names from the specs


def _load_part(cur: duckdb.DuckDBPyConnection, s: _Staged, notes: list[str]) -> tuple[int, int, int, pl.DataFrame]:
    spec, report = s.spec, s.report
    assert report is not None
    frame = report.accepted(s.coerced.frame) if report.n_reject else s.coerced.frame
    key = report.key
    frame = resolve_refs(cur, spec, frame, s.file, own=False)
    if spec.surrogate and key == spec.natural_key:
        pk = spec.primary_key[0]
        if pk in frame.columns and frame[pk].null_count() < frame.height:
            notes.append(f"{s.file}: {spec.name}.{pk} is not filled in every row, so rows are matched on "
                         f"{', '.join(key)} and the given {pk} values are not used.")
        frame, _ = assign_ids(cur, spec, frame)
        key = spec.primary_key
    frame = resolve_refs(cur, spec, frame, s.file, own=True)
    firsts = None
    if spec.name == "orders":
        frame, firsts = derive_new_customer(cur, frame)
    inserted, updated, unchanged = upsert(cur, spec, frame, key, insert_only=s.part.insert_only)
    if firsts is not None:
        fixed = fix_first_orders(cur, firsts, frame)
        if fixed:
            notes.append(f"{fixed} stored order(s) are no longer their customer's first order (an earlier one "
                         "arrived): their is_new_customer flag was corrected.")
            updated += fixed
    return inserted, updated, unchanged, frame


def _latest_event(staged: list[tuple[_Staged, pl.DataFrame]], today: dt.date) -> dt.date | None:
    latest = None
    for s, frame in staged:
        for c in EVENT_DATES.get(s.spec.name, ()):
            if c in frame.columns and frame.schema[c] == pl.Date:
                value = frame.select(pl.col(c).filter(pl.col(c) <= today).max()).item()
                if value is not None and (latest is None or value > latest):
                    latest = value
    return latest


def _write(db: Database, cur: duckdb.DuckDBPyConnection, staged: list[_Staged], actor: str, today: dt.date,
           audit: str | None, notes: list[str]) -> tuple[dict[str, TableCounts], dict[str, int], dt.date | None]:
    tables = list(dict.fromkeys(s.spec.name for s in staged))
    before = {t: _count(cur, t) for t in tables}
    counts = {t: TableCounts(t) for t in tables}
    loaded = []
    for s in staged:
        ins, upd, same, frame = _load_part(cur, s, notes)
        c = counts[s.spec.name]
        c.inserted, c.updated, c.unchanged = c.inserted + ins, c.updated + upd, c.unchanged + same
        if s.file not in c.files:
            c.files.append(s.file)
        loaded.append((s, frame))
    expected = {t: before[t] + counts[t].inserted for t in tables}
    for t in tables:
        counts[t].total = _count(cur, t)
        if counts[t].total != expected[t]:
            raise Refused(f"{t} holds {counts[t].total} rows after the load, {expected[t]} were expected")
    as_of = None
    latest = _latest_event(loaded, today)
    if latest is not None:
        stored = cur.sql("select value from meta where key = 'as_of'").fetchall()
        candidate = month_end(latest)
        if not stored or dt.date.fromisoformat(stored[0][0]) < candidate:
            cur.execute("insert or replace into meta values ('as_of', $v)", {"v": candidate.isoformat()})
            as_of = candidate
    if audit:
        files = list(dict.fromkeys(s.file for s in staged))
        db.audit(cur, actor, audit, target=",".join(tables), n_rows=sum(f.height for _, f in loaded),
                 detail={"files": files, "tables": {t: {"inserted": c.inserted, "updated": c.updated,
                                                        "unchanged": c.unchanged} for t, c in counts.items()}})
    return counts, expected, as_of


def _load_issue(message: str, file: str | None = None, code: str = "load") -> pl.DataFrame:
    return pl.DataFrame([{"file": file or "batch", "row": None, "column": None, "value": None,
                          "problem": f"the load was rolled back: {message}", "expected": "",
                          "severity": "error", "code": code}], schema=ISSUE_SCHEMA)



def load_batch(db: Database, items: Sequence[tuple[str, Any] | tuple[str, Any, str] | Part], actor: str, *,
               dry_run: bool = False, today: dt.date | None = None, progress: Progress | None = None,
               action: str = "import", then: Callable[[duckdb.DuckDBPyConnection], None] | None = None) -> LoadResult:
    """Validate the batch together and load it in one transaction; see the module docstring.

    ``items``: ``(table, Prepared or polars frame)``, ``(table, frame, file name)`` or :class:`Part`.
    ``action`` names the audit entry; ``then(cur)`` runs inside the load's transaction after the rows are
    written (a sync stores its high-water marks there, so they move only when the rows commit).
    Raises :class:`ImportProblem` for a malformed batch (unknown table, wrong item type) and
    :class:`DatabaseError` when a committed load does not show in the counts; every problem with
    the data is an issue of the returned :class:`LoadResult` and leaves the database untouched.
    """
    today = today or dt.date.today()
    say = progress or (lambda _message: None)
    t0 = time.perf_counter()
    if not items:
        raise ImportProblem("there is nothing to import: the batch is empty.", code="empty")
    staged = [_stage(_as_part(item), i, today) for i, item in enumerate(items)]
    staged.sort(key=lambda s: ORDER[s.spec.name])
    say(f"checking {sum(s.coerced.frame.height for s in staged):,} rows in {len(staged)} part(s)")
    _validate(staged, db)
    t1 = time.perf_counter()
    reports = [s.report for s in staged if s.report is not None]
    version = db.data_version
    result = LoadResult(ok=False, written=False, dry_run=dry_run, reports=reports, data_version=version,
                        seconds={"validate": t1 - t0})
    if any(not r.ok for r in reports):
        result.notes.append("Nothing was written: fix the errors and import the batch again.")
        return result
    say("dry run: loading and rolling back" if dry_run else "loading in one transaction")
    notes: list[str] = []
    try:
        if dry_run:
            with _rolled_back(db) as cur:
                counts, _, as_of = _write(db, cur, staged, actor, today, None, notes)
        else:
            try:  # a backup first (automatic, kept by the retention rule: docs/operations.md)
                backup.before_change(db.path, "import", con=db.cursor())
            except backup.BackupError as exc:
                issue = _load_issue(f"no backup could be taken before the import ({exc}). Free some space or fix "
                                    "the backup folder (TANDEM_BACKUP_DIRS), then import again",
                                    code="disk_full" if disk_full(exc) else "backup")
                return replace(result, load_issues=issue, notes=["Nothing was written."])
            with db.transaction() as cur:
                counts, expected, as_of = _write(db, cur, staged, actor, today, action, notes)
                if then is not None:
                    then(cur)
                end_demo_mode(db, cur, actor)  # real data: the demo accounts go (analytics/core/demo_mode.py)
    except Refused as exc:      # notes made inside the transaction described changes that were rolled back
        issues = exc.issues if exc.issues.height else _load_issue(str(exc))
        return replace(result, load_issues=issues, notes=["Nothing was written."])
    except (duckdb.Error, OSError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        if disk_full(exc):
            issue = _load_issue(f"the disk holding the database is full ({first}). Free some space (or move the "
                                "database to a larger disk) and import again", code="disk_full")
        else:
            issue = _load_issue(f"the database refused it ({first})")
        return replace(result, load_issues=issue, notes=["Nothing was written."])
    t2 = time.perf_counter()
    result = replace(result, ok=True, counts=counts, as_of=as_of, notes=notes,
                     seconds={**result.seconds, "load": t2 - t1})
    if dry_run:
        result.notes.append("Dry run: nothing was written.")
        return result
    _verify(db, expected, version)
    return replace(result, written=True, data_version=version + 1,
                   seconds={**result.seconds, "verify": time.perf_counter() - t2})


def _verify(db: Database, expected: Mapping[str, int], version: int) -> None:
    """After the commit: every table holds what the load said, and data_version moved once."""
    cur = db.cursor()
    found = {t: _count(cur, t) for t in expected}
    wrong = {t: (found[t], n) for t, n in expected.items() if found[t] != n}
    if wrong or db.data_version != version + 1:
        raise DatabaseError(f"The import did not take: row counts after commit (found, expected) {wrong}, "
                            f"data_version {db.data_version} (expected {version + 1}). Nothing can be assumed "
                            "written; run the import again.")
