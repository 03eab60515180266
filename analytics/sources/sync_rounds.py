"""The app's own rounds of the live sync: its settings from the environment, one round run and recorded.

::

    settings = from_environment()          # None without TANDEM_SYNC_FROM (the sync is off)
    outcome = attempt(db, settings, actor="sync", fy_start=1)
    outcome.outcome                        # 'loaded', 'unchanged', 'refused', 'unreachable' or 'failed'
    recent(db, 10)                         # the last rounds, newest first (what the Data page shows)

A round is the command's round (:func:`analytics.sources.live_sync.run_round`: the same choice of tables, mapping,
validation, one transaction and marks), run under one lock per database so that the schedule and "Sync now"
never load at once. Whatever happens, the round is recorded in ``sync_rounds`` (declared beside ``sync_marks``):
when it started and finished, the tables read, the rows loaded per table, its outcome, the first issues of a
refused round and a one-line message — the password removed from every text. The record is app bookkeeping,
written with ``bump=False`` (it changes no fact: results keyed on the data version stay valid); only the
:data:`~analytics.sources.live_sync.KEEP_ROUNDS` newest rounds are kept.

Settings (docs/sync.md): ``TANDEM_SYNC_FROM`` (the postgresql:// URL), ``TANDEM_SYNC_EVERY`` (minutes, default 15),
``TANDEM_SYNC_TABLES`` (``PG[=TABLE]`` items, comma-separated), ``TANDEM_SYNC_SCHEMA``, ``TANDEM_SYNC_MAPPING``.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from analytics.core.db import Database
from analytics.sources.ingest.errors import ImportProblem
from analytics.sources.ingest.load import LoadResult
from analytics.sources.ingest.mapping import ColumnMapping
from analytics.sources.ingest.plan import mapping_arg
from analytics.sources.ingest.postgres import PgSource
from analytics.sources.live_sync import KEEP_ROUNDS, ROUNDS, ROUNDS_TABLE, SyncRequest, parse_tables, run_round

OUTCOMES = ("loaded", "unchanged", "refused", "unreachable", "failed")
PROBLEMS = ("from", "every", "tables", "mapping")     # the settings that can be wrong, by variable
DEFAULT_EVERY = 15.0
FIRST_ISSUES = 5
_log = logging.getLogger("tandem.sync")
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


@dataclass(frozen=True)
class SyncSettings:
    """The live sync the app runs; ``problem`` names the setting that is wrong (then nothing runs)."""

    source: PgSource | None
    every: float = DEFAULT_EVERY                          # minutes between the starts of two rounds
    tables: tuple[tuple[str, str | None], ...] = ()
    schema: str = "public"
    mapping: ColumnMapping | str | None = None
    problem: str | None = None                            # one of PROBLEMS
    detail: str = ""                                      # what is wrong, in English, password removed (the log)

    def request(self, fy_start: int = 1) -> SyncRequest:
        return SyncRequest(tables=self.tables, schema=self.schema, mapping=self.mapping, fy_start=fy_start)


def from_environment(env: Mapping[str, str] | None = None) -> SyncSettings | None:
    """The settings of ``TANDEM_SYNC_*``; None when no source is configured."""
    env = os.environ if env is None else env
    url = env.get("TANDEM_SYNC_FROM", "").strip()
    if not url:
        return None
    try:
        source = PgSource.parse(url)
    except ImportProblem as exc:
        return SyncSettings(None, problem="from", detail="TANDEM_SYNC_FROM: " + _redact_url(str(exc)))
    raw_every = env.get("TANDEM_SYNC_EVERY", "").strip()
    try:
        every = float(raw_every) if raw_every else DEFAULT_EVERY
    except ValueError:
        every = 0.0
    if not every > 0:
        return SyncSettings(source, problem="every", detail=f"TANDEM_SYNC_EVERY={raw_every!r} is not a number of "
                                                           "minutes above 0, e.g. 15 or 0.5.")
    items = [item for item in env.get("TANDEM_SYNC_TABLES", "").split(",") if item.strip()]
    try:
        tables = parse_tables(items, "TANDEM_SYNC_TABLES:")
    except ValueError as exc:
        return SyncSettings(source, every, problem="tables", detail=str(exc))
    try:
        mapping = mapping_arg(env.get("TANDEM_SYNC_MAPPING", "").strip() or None)
    except ImportProblem as exc:
        return SyncSettings(source, every, tables, problem="mapping", detail=f"TANDEM_SYNC_MAPPING: {exc}")
    return SyncSettings(source, every, tables, env.get("TANDEM_SYNC_SCHEMA", "").strip() or "public", mapping)


def _redact_url(text: str) -> str:
    return PgSource("", "", "", "").redact(text)


@dataclass
class Outcome:
    """One round as recorded: what it read and loaded, how it ended, in words without the password."""

    source: str
    actor: str
    started_at: dt.datetime
    finished_at: dt.datetime
    outcome: str                                          # one of OUTCOMES
    tables_read: list[str] = field(default_factory=list)
    rows_loaded: dict[str, int] = field(default_factory=dict)
    issues: list[str] = field(default_factory=list)
    message: str = ""
    data_version: int | None = None                       # after a load

    @property
    def rows(self) -> int:
        return sum(self.rows_loaded.values())


def _lock(db: Database) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(str(db.path.resolve()), threading.Lock())


def attempt(db: Database, settings: SyncSettings, actor: str, fy_start: int = 1,
            say: Callable[[str], None] | None = None, wait: bool = True) -> Outcome | None:
    """Run one round into ``db`` and record it; None when ``wait`` is False and a round is already running.
    Never raises for what a round can meet (the source down, a refused report, the database busy): that is the
    outcome. An unexpected failure is logged (password removed) and recorded as ``failed``."""
    if settings.source is None or settings.problem is not None:
        raise ValueError(f"the live sync is not configured: {settings.detail or 'TANDEM_SYNC_FROM is empty'}")
    lock = _lock(db)
    if not lock.acquire(blocking=wait):
        return None
    try:
        outcome = _run(db, settings, settings.source, actor, fy_start, say)
        try:
            record(db, outcome)
        except Exception as exc:   # the round's own outcome stands; the record is tried with the next one
            _log.warning("the sync round could not be recorded: %s", settings.source.redact(str(exc)))
        return outcome
    finally:
        lock.release()


def _run(db: Database, settings: SyncSettings, source: PgSource, actor: str, fy_start: int,
         say: Callable[[str], None] | None) -> Outcome:
    started = dt.datetime.now()
    out = Outcome(source.label, actor, started, started, "failed")
    try:
        done = run_round(db, source, settings.request(fy_start), actor, say=say)
    except ImportProblem as exc:   # cannot connect, or the source cannot be listed, read or placed
        out.outcome = "unreachable" if exc.code == "connect" else "refused"
        out.message = source.redact(str(exc))
    except ValueError as exc:
        out.outcome, out.message = "refused", source.redact(str(exc))
    except Exception as exc:   # the database busy or closed, a disk error, a surprise: logged, the next round tries
        out.message = source.redact(f"{type(exc).__name__}: {exc}".splitlines()[0])[:300]
        _log.error("a sync round failed unexpectedly: %s",
                   source.redact("".join(traceback.format_exception(exc))))
    else:
        out.tables_read = [got.table.key for got in done.reads]
        if done.result is None:
            out.outcome, out.message = "unchanged", f"Nothing changed in {source.label} since the last sync."
        else:
            _describe(out, done.result, source)
    out.finished_at = dt.datetime.now()
    return out


def _describe(out: Outcome, result: LoadResult, source: PgSource) -> None:
    if result.written:
        out.outcome, out.data_version = "loaded", result.data_version
        out.rows_loaded = {c.table: c.inserted + c.updated for c in result.counts.values()}
        out.message = f"Loaded {out.rows:,} row(s) from {source.label}; data version {result.data_version}."
        return
    out.outcome = "refused"
    errors = result.issues.filter(result.issues["severity"] == "error").head(FIRST_ISSUES)
    out.issues = [source.redact(_issue_line(row)) for row in errors.iter_rows(named=True)]
    out.message = f"{result.n_errors:,} error(s): nothing was written."


def _issue_line(issue: dict[str, object]) -> str:
    where = ", ".join(str(part) for part in (issue["file"], f"row {issue['row']}" if issue["row"] else None,
                                             f"column {issue['column']!r}" if issue["column"] else None) if part)
    value = f" (value {issue['value']!r})" if issue["value"] not in (None, "") else ""
    return f"{where}: {issue['problem']}{value}" if where else f"{issue['problem']}{value}"


def record(db: Database, out: Outcome) -> None:
    """Append the round to ``sync_rounds`` (app bookkeeping: the data version does not move) and keep the newest
    :data:`KEEP_ROUNDS`."""
    with db.transaction(bump=False) as cur:
        cur.execute(ROUNDS_TABLE)
        cur.execute(f"insert into {ROUNDS} select coalesce(max(round_id), 0) + 1, $source, $actor, $started, "
                    f"$finished, $outcome, $tables, $rows, $issues, $message from {ROUNDS}",
                    {"source": out.source, "actor": out.actor, "started": out.started_at,
                     "finished": out.finished_at, "outcome": out.outcome, "tables": json.dumps(out.tables_read),
                     "rows": json.dumps(out.rows_loaded), "issues": json.dumps(out.issues, ensure_ascii=False),
                     "message": out.message})
        cur.execute(f"delete from {ROUNDS} where round_id <= (select max(round_id) from {ROUNDS}) - $keep",
                    {"keep": KEEP_ROUNDS})


def recent(db: Database, n: int = 10) -> list[Outcome]:
    """The last ``n`` rounds the app ran, newest first (none before the first one)."""
    if not db.scalar("select count(*) from duckdb_tables() where table_name = $t", t=ROUNDS):
        return []
    rows = db.sql(f"select source, actor, started_at, finished_at, outcome, tables_read, rows_loaded, issues, "
                  f"message from {ROUNDS} order by round_id desc limit $n", n=n).rows()
    return [Outcome(source, actor, started, finished, outcome, json.loads(tables), json.loads(loaded),
                    json.loads(issues), message)
            for source, actor, started, finished, outcome, tables, loaded, issues, message in rows]
