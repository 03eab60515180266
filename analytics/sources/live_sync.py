"""One round of a live sync from PostgreSQL: choose the tables, read what changed, load it all or nothing.

::

    source = PgSource.parse("postgresql://hr@db.example:5432/people")
    with source.connect() as conn:
        chosen, notes = choose_tables(list_tables(conn, source, "public"), source, SyncRequest())
        done = sync_round(conn, db, source, chosen, SyncRequest(), actor="li.na")
    done.result            # the LoadResult (None when nothing changed since the last round)

    done = run_round(db, source, SyncRequest(), actor="sync")     # the same, connecting and choosing first

A source table becomes exactly what reading a file gives (:mod:`analytics.sources.ingest.postgres`), then goes
the file import's way: flat HR rosters and CRM exports are recognised by their headers
(:func:`~analytics.sources.ingest.flat.detect_flat`), a table named like a Tandem table (``orders``) or given
as ``PG=TANDEM`` is mapped into that table (with ``--mapping`` profiles), every part is validated together and
the batch is loaded by :func:`~analytics.sources.ingest.load.load_batch` in one transaction, or not at all.

Incremental: a table with a change column (``updated_at`` …) is read from its last mark — the largest change
value loaded — onwards; load_batch upserts by key, so a changed row is updated. A table without one is read
whole and loaded only when its fingerprint differs from the last load's. The files of a CRM or AdventureWorks
export are converted together (an agent's hire date is their first deal), so such a set is read whole when any
member changed. Marks live in the ``sync_marks`` table of the Tandem database and are written inside the load's
transaction: they move only when the rows commit, and a restored backup brings its own marks back.

The command (analytics/cli/sync_cmd.py) and the app's schedule and "Sync now" (analytics/sources/sync_rounds.py,
which records each round in ``sync_rounds``, declared here beside the marks) run the same round: :func:`connect`
then :meth:`Link.round`.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import duckdb
import psycopg

from analytics.core.db import Database, DatabaseError
from analytics.core.settings import SettingsError
from analytics.sources.ingest.errors import ImportProblem
from analytics.sources.ingest.flat import describe_flat, detect_flat
from analytics.sources.ingest.flat_sales import AW_KINDS, CRM_KINDS
from analytics.sources.ingest.load import LoadResult, load_batch
from analytics.sources.ingest.mapping import ColumnMapping
from analytics.sources.ingest.plan import plan_batch
from analytics.sources.ingest.postgres import (
    PgSource,
    PgTable,
    TableRead,
    has_changes,
    list_tables,
    read_table,
    snapshot,
)
from analytics.sources.ingest.tables import importable_tables

MARKS = "sync_marks"
MARKS_TABLE = f"""create table if not exists {MARKS} (
    source        varchar not null,     -- postgresql://HOST:PORT/DB (no user, no password)
    source_table  varchar not null,     -- schema.table
    change_column varchar,              -- the column changes are read by; null: the table is read whole
    mark          varchar,              -- the largest change value loaded, as PostgreSQL prints it
    fingerprint   varchar,              -- sha256 of the last whole read (an unchanged table is not loaded again)
    rows_read     bigint not null,
    synced_at     timestamp not null,
    primary key (source, source_table)
)"""
ROUND_ERRORS = (ValueError, DatabaseError, SettingsError, OSError)   # a round that fails this way is tried again
ROUNDS = "sync_rounds"     # the rounds the app ran (its schedule and "Sync now"): what the Data page shows
KEEP_ROUNDS = 200
ROUNDS_TABLE = f"""create table if not exists {ROUNDS} (
    round_id      bigint primary key,
    source        varchar not null,     -- postgresql://HOST:PORT/DB (no user, no password)
    actor         varchar not null,     -- 'sync' (the schedule) or the user who pressed "Sync now"
    started_at    timestamp not null,
    finished_at   timestamp not null,
    outcome       varchar not null,     -- loaded, unchanged, refused, unreachable, failed
    tables_read   varchar not null,     -- JSON list of schema.table read this round
    rows_loaded   varchar not null,     -- JSON object: Tandem table -> rows inserted or updated
    issues        varchar not null,     -- JSON list: the first issues of a refused round
    message       varchar not null      -- one line, password removed
)"""


@dataclass(frozen=True)
class SyncRequest:
    """What to sync: ``tables`` as (source table, Tandem table or None); empty: every recognised table."""

    tables: tuple[tuple[str, str | None], ...] = ()
    schema: str = "public"
    mapping: ColumnMapping | str | None = None
    since: str | None = None              # read changes after this value instead of the stored mark
    full: bool = False                    # read every table whole, whatever the marks say
    dry_run: bool = False
    fy_start: int = 1


@dataclass(frozen=True)
class Chosen:
    """A source table to sync: into ``target`` (one Tandem table) or, with ``kind``, as a flat export."""

    table: PgTable
    target: str | None = None
    kind: str | None = None

    @property
    def group(self) -> str | None:
        """The export set converted together (``crm``, ``aw``), or None for a table read row by row."""
        return "crm" if self.kind in CRM_KINDS else "aw" if self.kind in AW_KINDS else None


@dataclass(frozen=True)
class Mark:
    change_column: str | None
    mark: str | None
    fingerprint: str | None


@dataclass
class SyncRound:
    """What one round read and loaded; ``result`` is None when nothing changed (nothing written)."""

    reads: list[TableRead]
    unchanged: list[str]
    result: LoadResult | None = None
    notes: list[str] = field(default_factory=list)


def _kind(table: PgTable, source: PgSource) -> tuple[str | None, str | None]:
    """(flat kind, Tandem table) a source table is recognised as, from its headers and its name."""
    kind = detect_flat(table.headers_only(source))
    if kind is not None:
        return kind, None
    name = table.name.lower()
    return None, name if name in importable_tables() else None


def choose_tables(tables: list[PgTable], source: PgSource, request: SyncRequest) -> tuple[list[Chosen], list[str]]:
    """The tables to sync and a note on the ones left out. ImportProblem (exit 2) for a ``--table`` that does not
    exist or cannot be placed, or when nothing in the schema is recognised."""
    where = f"{source.label}, schema {request.schema}"
    if not tables:
        raise ImportProblem("has no table or view (is the schema right? --schema NAME).",
                            file=where, code="nothing")
    names = sorted(t.name for t in tables)
    chosen: list[Chosen] = []
    if request.tables:
        for pg, target in request.tables:
            table = next((t for t in tables if t.name == pg), None) or \
                next((t for t in tables if t.name.lower() == pg.lower()), None)
            if table is None:
                raise ImportProblem(f"there is no table or view {pg!r}.", file=where, code="table",
                                    expected="one of " + ", ".join(names[:30]))
            if target is not None:
                if target not in importable_tables():
                    raise ImportProblem(f"--table {pg}={target}: {target!r} is not an importable table.",
                                        code="table", expected=", ".join(importable_tables()))
                chosen.append(Chosen(table, target))
                continue
            kind, name = _kind(table, source)
            if kind == "snapshot":
                raise ImportProblem(f"{table.key}: {describe_flat(kind)}.", file=where, code="table")
            if kind is None and name is None:
                raise ImportProblem(f"cannot tell which Tandem table {table.key} is for; write --table "
                                    f"{table.name}=TABLE.", file=where, code="table",
                                    expected=", ".join(importable_tables()))
            chosen.append(Chosen(table, name, kind))
        return chosen, []
    left = []
    for table in tables:
        kind, name = _kind(table, source)
        if kind == "snapshot" or (kind is None and name is None):
            left.append(table.name)
        else:
            chosen.append(Chosen(table, name, kind))
    if not chosen:
        raise ImportProblem("no table or view is recognised as an HR or CRM export or named like a Tandem table; "
                            "name them with --table PGTABLE=TABLE.", file=where, code="nothing",
                            expected=", ".join(importable_tables()))
    notes = [f"{where}: left out (not recognised; --table NAME=TABLE takes one): {', '.join(sorted(left))}."] \
        if left else []
    return chosen, notes


def parse_tables(texts: Iterable[str], what: str = "--table") -> tuple[tuple[str, str | None], ...]:
    """``PGTABLE`` or ``PGTABLE=TABLE`` items (``--table``, ``TANDEM_SYNC_TABLES``) as (source table, Tandem table or
    None); ValueError naming ``what`` for an empty name or a TABLE that is not importable."""
    tables = []
    for text in texts:
        pg, sep, target = text.partition("=")
        pg, target = pg.strip(), (target.strip() or None) if sep else None
        if not pg or (target is not None and target not in importable_tables()):
            raise ValueError(f"{what} {pg}={target or ''}: write PGTABLE or PGTABLE=TABLE with TABLE one of "
                             f"{', '.join(importable_tables())}.")
        tables.append((pg, target))
    return tuple(tables)


@dataclass
class Link:
    """A connected source and the tables chosen from it: :meth:`round` syncs them into a Tandem database."""

    conn: psycopg.Connection
    source: PgSource
    request: SyncRequest
    chosen: list[Chosen]
    notes: list[str]

    def round(self, db: Database, actor: str, say: Callable[[str], None] | None = None) -> SyncRound:
        return sync_round(self.conn, db, self.source, self.chosen, self.request, actor, say)


@contextmanager
def connect(source: PgSource, request: SyncRequest, change_column: str | None = None) -> Iterator[Link]:
    """Connect, list the schema's tables and choose the ones to sync (the command and the app's schedule alike).
    ImportProblem when the source cannot be reached, listed or placed; ValueError for a ``change_column`` no
    table has."""
    with source.connect() as conn:
        tables = list_tables(conn, source, request.schema, change_column)
        if change_column and not any(t.change_column for t in tables):
            raise ValueError(f"No table of {source.label}, schema {request.schema}, has a column "
                             f"{change_column!r} (--change-column).")
        chosen, notes = choose_tables(tables, source, request)
        yield Link(conn, source, request, chosen, notes)


def run_round(db: Database, source: PgSource, request: SyncRequest, actor: str, change_column: str | None = None,
              say: Callable[[str], None] | None = None) -> SyncRound:
    """One whole round into an open database: connect, choose, read what changed, load it or nothing."""
    with connect(source, request, change_column) as link:
        done = link.round(db, actor, say)
    done.notes[:0] = link.notes
    return done


def stored_marks(db: Database, source: PgSource) -> dict[str, Mark]:
    """The marks of the last committed sync of ``source``, by ``schema.table``."""
    if not db.scalar("select count(*) from duckdb_tables() where table_name = $t", t=MARKS):
        return {}
    rows = db.sql(f"select source_table, change_column, mark, fingerprint from {MARKS} where source = $s",
                  s=source.label).rows()
    return {key: Mark(col, mark, fp) for key, col, mark, fp in rows}


def _since(chosen: Chosen, marks: dict[str, Mark], request: SyncRequest) -> str | None:
    column = chosen.table.change_column
    if request.full or column is None:
        return None
    if request.since is not None:
        return request.since
    stored = marks.get(chosen.table.key)
    return stored.mark if stored is not None and stored.change_column == column else None


def _same(got: TableRead, marks: dict[str, Mark]) -> bool:
    stored = marks.get(got.table.key)
    return stored is not None and stored.fingerprint == got.fingerprint


def read_changes(conn: psycopg.Connection, source: PgSource, chosen: list[Chosen], marks: dict[str, Mark],
                 request: SyncRequest, say: Callable[[str], None]) -> tuple[list[tuple[Chosen, TableRead]], list[str]]:
    """What to load this round, and the tables with nothing new (inside one snapshot of the source)."""
    out: list[tuple[Chosen, TableRead]] = []
    unchanged: list[str] = []
    sets: dict[str, list[Chosen]] = {}

    def read(c: Chosen, since: str | None = None) -> TableRead | None:
        say(f"reading {c.table.key}" + (f" (changed after {since})" if since is not None else ""))
        return read_table(conn, source, c.table, since=since)

    with snapshot(conn, source):
        for c in chosen:
            if c.group is not None:
                sets.setdefault(c.group, []).append(c)
                continue
            got = read(c, _since(c, marks, request))
            if got is None or (got.whole and not request.full and _same(got, marks)):
                unchanged.append(c.table.key)
            else:
                out.append((c, got))
        for members in sets.values():
            whole: dict[str, TableRead | None] = {}
            changed = request.full
            for c in members:
                since = _since(c, marks, request)
                if since is not None:
                    changed = changed or has_changes(conn, source, c.table, since)
                elif not changed:
                    got = whole[c.table.key] = read(c)
                    changed = got is not None and not _same(got, marks)
            if not changed:
                unchanged.extend(c.table.key for c in members)
                continue
            for c in members:
                got = whole[c.table.key] if c.table.key in whole else read(c)
                if got is not None:
                    out.append((c, got))
    return out, unchanged


def _store_marks(cur: duckdb.DuckDBPyConnection, source: PgSource, reads: list[TableRead]) -> None:
    """Inside the load's transaction: the new mark (and fingerprint) of every table read this round."""
    cur.execute(MARKS_TABLE)
    now = dt.datetime.now()
    for got in reads:
        cur.execute(
            f"insert into {MARKS} values ($s, $t, $col, $mark, $fp, $n, $at) on conflict (source, source_table) "
            "do update set change_column = excluded.change_column, mark = excluded.mark, "
            "fingerprint = excluded.fingerprint, rows_read = excluded.rows_read, synced_at = excluded.synced_at",
            {"s": source.label, "t": got.table.key, "col": got.table.change_column,
             "mark": got.mark if got.mark is not None else got.since, "fp": got.fingerprint if got.whole else None,
             "n": got.read.info.n_rows, "at": now})


def sync_round(conn: psycopg.Connection, db: Database, source: PgSource, chosen: list[Chosen],
               request: SyncRequest, actor: str, say: Callable[[str], None] | None = None) -> SyncRound:
    """Read what changed and load it in one transaction (marks included); nothing is written when nothing
    changed, when the report has errors, or for a dry run."""
    say = say or (lambda _message: None)
    pairs, unchanged = read_changes(conn, source, chosen, stored_marks(db, source), request, say)
    done = SyncRound([got for _, got in pairs], unchanged)
    if not pairs:
        return done
    explicit = [(c.target, got.read) for c, got in pairs if c.kind is None and c.target is not None]
    undecided = [got.read for c, got in pairs if c.kind is not None]
    plan = plan_batch(db, explicit, undecided, mapping=request.mapping, fy_start=request.fy_start)
    done.notes.extend(plan.notes)
    done.result = load_batch(db, plan.parts, actor, dry_run=request.dry_run, progress=say, action="sync",
                             then=lambda cur: _store_marks(cur, source, done.reads))
    return done
