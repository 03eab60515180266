"""The DuckDB warehouse: open or create, apply the schema, per-thread cursors, named queries.

DuckDB 2.0 notes: ``cursor.sql(q, params=...)`` returns a relation with
``.pl()``; ``execute()`` results have none. A failed statement inside a transaction makes the
later COMMIT roll back without raising, so every load is verified by counting afterwards.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb
import polars as pl

from analytics.core import panels
from analytics.core.sql_files import SQL_DIR, QueryError, sql_text  # noqa: F401  (QueryError: re-exported)
from analytics.core.sql_files import bind as _bind

SCHEMA_VERSION = 1
_MAGIC_OFFSET, _MAGIC = 8, b"DUCK"


class DatabaseError(RuntimeError):
    """Something about the database file that the user must fix; the message says what and how."""


class DatabaseLocked(DatabaseError):
    """The database file is held for writing by another process (the app, an import, a backup)."""


_log = logging.getLogger("tandem.db")
QUERY_LOG = os.environ.get("TANDEM_QUERY_LOG") == "1"  # each named query's seconds and rows, logged
RENEW_TOKEN = ("insert into meta values ('data_token', uuid()::varchar) "
               "on conflict (key) do update set value = excluded.value")
MEMO_SIZE = 96  # named-query results memoised per database, at most, and within ``memo_budget()`` bytes


@functools.cache
def memo_budget() -> int:
    """Bytes of named-query results kept in memory per database: ``TANDEM_MEMO_MB`` (default 512). A larger
    result is not kept (at the large company one person-level panel is hundreds of MB)."""
    return _positive_env("TANDEM_MEMO_MB", 512) * 2**20


def _freeze_params(params: Mapping[str, object]) -> tuple:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))


def _first(relation: duckdb.DuckDBPyRelation) -> tuple | None:
    """First row of a relation (DuckDB 2.0 relations have no fetchone)."""
    rows = relation.limit(1).fetchall()
    return rows[0] if rows else None


def looks_like_duckdb(path: Path) -> bool:
    """True when the file carries DuckDB's magic bytes (an empty file is not a database)."""
    with path.open("rb") as fh:
        head = fh.read(_MAGIC_OFFSET + len(_MAGIC))
    return head[_MAGIC_OFFSET:] == _MAGIC


def _check_target(path: Path) -> None:
    """Refuse, with one sentence, a path that is not a DuckDB file or cannot be created."""
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder, not a database file. Point TANDEM_DB or --db at a file path.")
    if path.stem.lower() == "panels":  # DuckDB names the file's catalog after it, and panels.<table> turns ambiguous
        raise DatabaseError(f"A database file may not be named {path.name}: the name is taken by the stored "
                            "panels inside it. Choose another name, e.g. tandem.duckdb.")
    if path.exists():
        if not looks_like_duckdb(path):
            raise DatabaseError(
                f"{path} is not a DuckDB database. Point TANDEM_DB or --db at a Tandem database, "
                "or at a path that does not exist yet to create one."
            )
        return
    parent = path.parent
    existing = next((p for p in [parent, *parent.parents] if p.exists()), None)
    if existing is None or not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise DatabaseError(
            f"Cannot create the database at {path}: {existing or parent} is not writable. "
            "Set TANDEM_DB or --db to a path in a writable folder."
        )


@functools.cache
def engine_config() -> dict[str, str]:
    """DuckDB's memory limit and threads, from the machine (read once per process):
    ``TANDEM_DUCKDB_MEMORY_MB`` (default: 15% of the machine's memory, at least 1 GB: DuckDB keeps data blocks
    cached up to its limit and spills to disk beyond it; at the large company a walk of every page peaked at
    9.3 GB with 40% and at 4.8 GB with 2.5 GB, but the flight-risk fit's feature query needs about 3 GB there)
    and ``TANDEM_DUCKDB_THREADS`` (default: the CPUs)."""
    total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20 if hasattr(os, "sysconf") else 8192
    memory = _positive_env("TANDEM_DUCKDB_MEMORY_MB", max(1024, int(total_mb * 0.15)))
    threads = _positive_env("TANDEM_DUCKDB_THREADS", os.cpu_count() or 1)
    return {"memory_limit": f"{memory}MB", "threads": str(threads)}


def _positive_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise DatabaseError(f"{name}={raw!r} is not a whole number above 0.")
    return int(raw)


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(str(path), read_only=read_only)
        # set after opening, not as connect(config=...): another connection to the same file in this process
        # (a backup, a test) must not be refused for a different configuration
        for name, value in engine_config().items():
            con.execute(f"set {name} = '{value}'")
        return con
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise DatabaseLocked(
                f"The database {path} is open in another process for writing ({text.splitlines()[0]}). "
                "Close that process or use another --db."
            ) from None
        raise DatabaseError(f"Cannot open {path}: {text.splitlines()[0]}") from None
    except duckdb.Error as exc:
        raise DatabaseError(f"Cannot open {path} as a DuckDB database: {str(exc).splitlines()[0]}") from None


class Database:
    """One DuckDB file: the connection, a cursor per thread, named queries and safe writes."""

    def __init__(self, path: str | Path, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        _check_target(self.path)
        existed = self.path.exists()
        if not existed and not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._con = _connect(self.path, read_only)
        self._local = threading.local()
        self._shadow: list[str] = []  # stand-ins for tables a read-only older file lacks (_shadow_missing_tables)
        self._memo: OrderedDict[tuple, pl.DataFrame] = OrderedDict()
        self._memo_lock = threading.Lock()
        try:
            self._check_version()
            if not read_only:
                self._apply_schema()
            else:
                self._shadow_missing_tables()
        except BaseException:
            self._con.close()
            if not existed:
                self.path.unlink(missing_ok=True)
                Path(str(self.path) + ".wal").unlink(missing_ok=True)
            raise

    # ── connection handling ──────────────────────────────────────────────
    def cursor(self) -> duckdb.DuckDBPyConnection:
        """The calling thread's own cursor (Streamlit sessions run in threads)."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._con.cursor()
            for statement in self._shadow:
                cur.execute(statement)
            self._local.cursor = cur
        return cur

    def close(self) -> None:
        self._con.close()

    def _check_version(self) -> None:
        has_meta = _first(self._con.sql(
            "select count(*) from information_schema.tables where table_name = 'meta'"
        ))[0]
        if not has_meta:
            return
        row = _first(self._con.sql("select value from meta where key = 'schema_version'"))
        if row and int(row[0]) > SCHEMA_VERSION:
            raise DatabaseError(
                f"{self.path} was written by a newer Tandem (schema version {row[0]}); this one reads up to "
                f"version {SCHEMA_VERSION}. Upgrade Tandem, or point TANDEM_DB or --db at another file."
            )

    def _shadow_missing_tables(self) -> None:
        """A file written by an earlier Tandem, opened read-only (the command line), lacks the tables added since:
        each gets an empty temporary stand-in for this connection, so a page or a command reads "none" instead of
        failing. The next writable open adds the real tables."""
        if not _first(self._con.sql("select count(*) from information_schema.tables where table_name = 'meta'"))[0]:
            return  # not a Tandem database (or an empty one): nothing to stand in for
        have = {r[0] for r in self._con.sql("select table_name from duckdb_tables() where database_name = "
                                             "current_database() and schema_name = 'main'").fetchall()}
        schema = (SQL_DIR / "schema.sql").read_text(encoding="utf-8")
        self._shadow = [f"create temp table if not exists {name} ({body}\n)"  # temp tables are per cursor
                        for name, body in re.findall(r"create table if not exists (\w+) \((.*?)\n\);", schema, re.S)
                        if name not in have]
        self._shadow += self._shadow_missing_columns(schema, have)
        for statement in self._shadow:
            self._con.execute(statement)

    def _shadow_missing_columns(self, schema: str, have: set[str]) -> list[str]:
        """Columns added since (``alter table … add column if not exists`` in schema.sql) that a read-only older
        file lacks: its table is read through a temporary view adding them as nulls (per cursor, as the tables)."""
        added: dict[str, list[tuple[str, str]]] = {}
        for table, column, kind in re.findall(r"alter table (\w+) add column if not exists (\w+) (\w+);", schema):
            if table in have:
                added.setdefault(table, []).append((column, kind))
        if not added:
            return []
        database = self._con.sql("select current_database()").fetchall()[0][0]
        columns = self._con.sql("select table_name, column_name from duckdb_columns() where database_name = "
                                "current_database() and schema_name = 'main'").fetchall()
        present = {(t, c) for t, c in columns}
        views = []
        for table, wanted in added.items():
            missing = [f"cast(null as {kind}) as {column}" for column, kind in wanted if (table, column) not in present]
            if missing:  # names from schema.sql and the catalogue, never from input
                source = '"' + database.replace('"', '""') + f'".main.{table}'
                views.append(f"create temp view {table} as select *, {', '.join(missing)} from {source}")
        return views

    def _apply_schema(self) -> None:
        cur = self._con.cursor()
        cur.execute("begin transaction")
        try:
            cur.execute((SQL_DIR / "schema.sql").read_text(encoding="utf-8"))
            cur.execute(
                "insert into meta values ('schema_version', $v), ('data_version', '0'), "
                "('data_token', uuid()::varchar) on conflict do nothing",
                {"v": str(SCHEMA_VERSION)},
            )
            cur.execute("commit")
        except BaseException:
            cur.execute("rollback")
            raise

    # ── reading ──────────────────────────────────────────────────────────
    def sql(self, text: str, **params: object) -> pl.DataFrame:
        """Run one read statement with bound ``$name`` parameters; return polars (through Arrow)."""
        return self.cursor().sql(text, params=_bind(text, params) or None).pl()

    def query(self, name: str, **params: object) -> pl.DataFrame:
        """Run ``sql/queries/<name>.sql`` with bound parameters; return a polars frame.

        Results are memoised per data version (a small LRU): one page asks for the same panel several
        times (a metric, its comparison, its breakdown), and polars frames are immutable, so they are
        shared safely. Any write bumps the data version, which retires every memoised result. A request that
        the query's stored panel covers reads the panel instead of the facts (analytics/core/panels.py).
        """
        key = (name, self.data_version, _freeze_params(params))
        hit = self._recall(key)
        if hit is not None:
            return hit
        started = time.perf_counter()
        from_panel = panels.reader(self, name, params)
        frame = self.sql(from_panel or sql_text(name), **params)
        if QUERY_LOG:
            _log.info("query %s %.3f s %d rows %s%s", name, time.perf_counter() - started, frame.height,
                      {k: v for k, v in params.items() if not isinstance(v, list | tuple)},
                      " (panel)" if from_panel else "")
        self._remember(key, frame)
        return frame

    def derived(self, name: str, params: Mapping[str, object], compute: Callable[[], pl.DataFrame]) -> pl.DataFrame:
        """A frame derived from named queries (``compute()``), memoised like :meth:`query` under ``name`` and
        ``params`` for this data version: a compact result several metrics share (the customer figures of a
        period) is computed once even when the rows it sums are too large to keep."""
        key = ("derived:" + name, self.data_version, _freeze_params(params))
        hit = self._recall(key)
        if hit is None:
            hit = compute()
            self._remember(key, hit)
        return hit

    def recall_derived(self, name: str, params: Mapping[str, object]) -> pl.DataFrame | None:
        """The frame :meth:`derived` keeps under ``name`` and ``params`` for this data version, or None (nothing
        is computed)."""
        return self._recall(("derived:" + name, self.data_version, _freeze_params(params)))

    def _recall(self, key: tuple) -> pl.DataFrame | None:
        with self._memo_lock:
            hit = self._memo.get(key)
            if hit is not None:
                self._memo.move_to_end(key)
            return hit

    def _remember(self, key: tuple, frame: pl.DataFrame) -> None:
        """Keep ``frame`` within the byte budget (a result above a quarter of it is not kept), oldest out first."""
        if frame.estimated_size() > memo_budget() // 4:
            return
        with self._memo_lock:
            self._memo[key] = frame
            while len(self._memo) > MEMO_SIZE or sum(f.estimated_size() for f in self._memo.values()) \
                    > memo_budget():
                self._memo.popitem(last=False)

    def scalar(self, text: str, **params: object) -> object:
        """The first column of the first row, or None (a prepared execute: half the cost of a relation, and
        meta look-ups run a few times per request); meant for one-row answers."""
        rows = self.cursor().execute(text, _bind(text, params) or None).fetchall()  # fetched to the end: DuckDB 2
        return rows[0][0] if rows else None

    def meta(self, key: str) -> str | None:
        value = self.scalar("select value from meta where key = $key", key=key)
        return None if value is None else str(value)

    @property
    def data_version(self) -> int:
        """Counter bumped by every write; caches key on it."""
        return int(self.meta("data_version") or 0)

    @property
    def data_token(self) -> str:
        """A random stamp renewed with every data version (and by a restore): stored results key on it, so
        two files that happen to reach the same version number never share results."""
        return self.meta("data_token") or ""

    def table_counts(self) -> dict[str, int]:
        names = self.sql(
            "select table_name from information_schema.tables where table_schema = 'main' "
            "and table_type = 'BASE TABLE' order by table_name"
        )["table_name"].to_list()
        return {n: int(self.scalar(f'select count(*) from "{n}"')) for n in names}  # names from the catalogue

    def run_checks(self) -> dict[str, pl.DataFrame]:
        """Every data contract in ``sql/checks/``: name → offending rows (empty when the rule holds)."""
        return {
            path.stem: self.sql(path.read_text(encoding="utf-8"))
            for path in sorted((SQL_DIR / "checks").glob("*.sql"))
        }

    # ── writing ──────────────────────────────────────────────────────────
    @contextmanager
    def transaction(self, bump: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """All-or-nothing write on this thread's cursor; bumps ``data_version`` on success.

        ``bump=False`` is for bookkeeping rows that change no fact (a stored model, a cache entry): results
        keyed on the data version stay valid, so the write must not retire them.
        """
        cur = self.cursor()
        cur.execute("begin transaction")
        try:
            yield cur
            if bump:
                cur.execute(
                    "update meta set value = cast(cast(value as bigint) + 1 as varchar) where key = 'data_version'"
                )
                cur.execute(RENEW_TOKEN)
            cur.execute("commit")
        except BaseException:
            with suppress(duckdb.Error):
                cur.execute("rollback")
            raise

    def audit(self, cur: duckdb.DuckDBPyConnection, actor: str, action: str, target: str | None = None,
              scope: str | None = None, n_rows: int | None = None, detail: Mapping[str, object] | None = None,
              at: dt.datetime | None = None) -> None:
        """Append one audit entry inside the caller's transaction (no personal values in ``detail``); ``at``: when it
        happened, if not now (the demo's usage history is played back in time)."""
        cur.execute(
            "insert into audit_log select coalesce(max(event_id), 0) + 1, $at, $actor, $action, $target, $scope, "
            "$n, $detail from audit_log",
            {"at": at or dt.datetime.now(), "actor": actor, "action": action, "target": target, "scope": scope,
             "n": n_rows, "detail": json.dumps(detail or {}, ensure_ascii=False, default=str)},
        )

    def replace_tables(self, frames: Mapping[str, pl.DataFrame], actor: str, action: str,
                       detail: Mapping[str, object] | None = None) -> dict[str, int]:
        """Replace the listed tables' contents in one transaction; verify row counts after commit."""
        known = set(self.table_counts())
        unknown = sorted(set(frames) - known)
        if unknown:
            raise DatabaseError(f"Unknown table(s) {', '.join(unknown)}; the schema has {', '.join(sorted(known))}.")
        with self.transaction() as cur:
            for table, frame in frames.items():
                cur.execute(f'delete from "{table}"')  # table checked against the catalogue above
                cur.register("_incoming", frame.to_arrow())
                try:
                    cols = ", ".join(f'"{c}"' for c in frame.columns)
                    cur.execute(f'insert into "{table}" ({cols}) select {cols} from _incoming')
                finally:
                    with suppress(duckdb.Error):  # after a failed insert the transaction is aborted
                        cur.unregister("_incoming")
            self.audit(cur, actor, action, target=",".join(frames), n_rows=sum(f.height for f in frames.values()),
                       detail=detail)
        counts = {t: int(self.scalar(f'select count(*) from "{t}"')) for t in frames}
        bad = {t: (counts[t], f.height) for t, f in frames.items() if counts[t] != f.height}
        if bad:
            raise DatabaseError(f"The load did not take: table counts after commit differ from the input: {bad}.")
        return counts


def table_columns(db: Database, table: str) -> list[str]:
    """Column names of a table, in schema order."""
    return db.sql(
        "select column_name from information_schema.columns where table_name = $t order by ordinal_position", t=table
    )["column_name"].to_list()
