"""Read PostgreSQL tables the way the importer reads files: every value as text, one ``ReadResult`` per table.

::

    source = PgSource.parse("postgresql://hr@db.example:5432/people")
    with source.connect() as conn:                    # ImportProblem (one sentence, no password) when refused
        tables = list_tables(conn, source, "public")  # PgTable: columns, types, primary key, change column
        got = read_table(conn, source, tables[0])     # TableRead: .read is what read_file gives for a CSV

A table read is the same thing a file read is: a polars frame of strings plus :data:`ROW`, with a
:class:`FileInfo` whose ``name`` is the label ``postgresql://db.example:5432/people#public.hr_roster`` — so
every issue of the report names the source table, the row and the column. Rows are numbered from 1 in the
order of the primary key (else the table's stored order). Values are PostgreSQL's own text: dates ISO,
numbers as stored, booleans ``true`` / ``false``, ``timestamptz`` in the session's time zone without offset.

Rows are streamed with ``COPY … TO STDOUT`` inside one read-only, repeatable-read transaction per round (a
consistent snapshot of every table), and the bytes are held within the import memory budget. An incremental
read takes the rows whose change column is above the last mark; the new mark is the largest value read.
The password (from the URL, ``PGPASSWORD`` or ``~/.pgpass``, as libpq reads them) never appears in a message.
"""
from __future__ import annotations

import getpass
import hashlib
import io
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from urllib.parse import quote

import polars as pl
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from analytics.sources.ingest.errors import ROW, ImportProblem
from analytics.sources.ingest.mapping import compact
from analytics.sources.ingest.result import DEFAULT_MEMORY_BUDGET, FileInfo, ReadResult, finish, mb

CONNECT_SECONDS = 10
READ_MEMORY_FACTOR = 7     # peak memory ÷ COPY bytes: the bytes, the frame of strings, the row checks (as CSV)
#: Column names taken as the change column when none is given (compared without case, spaces or underscores):
#: the usual ones, Salesforce's SystemModstamp, Odoo's write_date and AdventureWorks' ModifiedDate.
CHANGE_COLUMNS = ("updated_at", "last_modified", "modified_at", "last_updated", "changed_at", "modified",
                  "updated", "last_modified_date", "modified_date", "systemmodstamp", "write_date")
CHANGE_TYPES = frozenset({"timestamp", "timestamptz", "date", "int2", "int4", "int8", "numeric", "xid8"})
_NUMBER, _CHANGE = "tandem_row_number__", "tandem_change__"   # names of the helper columns of an incremental read
_KINDS = {"r": "table", "p": "partitioned table", "v": "view", "m": "view", "f": "foreign table"}  # ctid: "table"


@dataclass(frozen=True)
class PgSource:
    """A PostgreSQL database named by a URL; ``label`` names it in messages (no user, no password)."""

    url: str
    host: str
    port: str
    dbname: str
    secrets: tuple[str, ...] = ()

    @classmethod
    def parse(cls, url: str) -> PgSource:
        """Check a ``postgresql://USER@HOST:PORT/DB`` URL; ImportProblem (exit 2) when it is not one."""
        if not re.match(r"^postgres(?:ql)?://", url):
            raise ImportProblem("--from takes a PostgreSQL URL such as postgresql://USER@HOST:5432/DB.",
                                code="source", expected="postgresql://USER@HOST:PORT/DB")
        try:
            params = conninfo_to_dict(url)
        except psycopg.Error as exc:
            raise ImportProblem(f"--from is not a valid PostgreSQL URL ({_first_line(exc)}).", code="source",
                                expected="postgresql://USER@HOST:PORT/DB") from None
        password = params.get("password")
        secrets = tuple(s for s in (password, quote(password or "", safe=""), os.environ.get("PGPASSWORD"))
                        if s and len(s) >= 3)
        clean = cls(url, "", "", "", secrets)
        port = str(params.get("port") or os.environ.get("PGPORT") or "5432")
        if not port.isdigit():
            raise ImportProblem(f"--from names port {clean.redact(port)!r}, which is not a number.", code="source",
                                expected="postgresql://USER@HOST:PORT/DB")
        host = str(params.get("host") or os.environ.get("PGHOST") or "localhost")
        user = params.get("user") or os.environ.get("PGUSER") or _os_user()
        dbname = str(params.get("dbname") or os.environ.get("PGDATABASE") or user)   # libpq's defaults
        return cls(url, host, port, dbname, secrets)

    @property
    def label(self) -> str:
        """``postgresql://HOST:PORT/DB``: what every message and the audit log call this source."""
        return f"postgresql://{self.host}:{self.port}/{self.dbname}"

    def table_label(self, schema: str, table: str) -> str:
        return f"{self.label}#{schema}.{table}"

    def redact(self, text: str) -> str:
        """``text`` with the password (as given, URL-encoded, or from PGPASSWORD) replaced by ``***``."""
        text = re.sub(r"(postgres(?:ql)?://[^:/@\s]*):[^@\s]*@", r"\1:***@", text)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    @contextmanager
    def connect(self) -> Iterator[psycopg.Connection]:
        """A connection for reading (ISO dates); one sentence naming host and database when it is refused."""
        try:
            conn = psycopg.connect(self.url, connect_timeout=CONNECT_SECONDS, application_name="tandem sync",
                                   autocommit=True)
        except psycopg.Error as exc:
            raise ImportProblem(f"cannot connect to PostgreSQL at {self.host}:{self.port}, database "
                                f"{self.dbname!r}: {self.redact(_first_line(exc))}. Check the host, port, user and "
                                "password (PGPASSWORD or ~/.pgpass) and that the server accepts connections.",
                                code="connect") from None
        try:
            conn.execute("set datestyle to 'ISO, YMD'")
            yield conn
        finally:
            conn.close()

    def problem(self, exc: BaseException, what: str) -> ImportProblem:
        """A PostgreSQL error while doing ``what`` as one sentence (exit 2), password removed."""
        return ImportProblem(f"PostgreSQL refused {what}: {self.redact(_first_line(exc))}.", file=self.label,
                             code="source")


@dataclass(frozen=True)
class PgTable:
    """A table (or view) of the source: its columns and their PostgreSQL types, primary key, change column."""

    schema: str
    name: str
    kind: str                                   # 'table', 'view', 'partitioned table', 'foreign table'
    columns: tuple[tuple[str, str], ...]        # (name, type name: 'text', 'date', 'timestamptz', …)
    primary_key: tuple[str, ...] = ()
    change_column: str | None = None

    @property
    def key(self) -> str:
        """``schema.table``: how the marks and the messages name it."""
        return f"{self.schema}.{self.name}"

    @property
    def names(self) -> list[str]:
        return [c for c, _ in self.columns]

    def headers_only(self, source: PgSource) -> ReadResult:
        """An empty read with this table's column names: enough to recognise a flat export by its headers."""
        frame = pl.DataFrame(schema={**dict.fromkeys(self.names, pl.Utf8), ROW: pl.Int64})
        info = FileInfo(name=source.table_label(self.schema, self.name), format="postgresql", size=0,
                        header_row=None, header_rows=0, first_data_row=1, n_columns=len(self.columns))
        return ReadResult(frame, info)


@dataclass(frozen=True)
class TableRead:
    """One table as read: the ``ReadResult``, the largest change value read, a fingerprint of the rows."""

    table: PgTable
    read: ReadResult
    whole: bool                                  # every row (else the rows after ``since``)
    since: str | None = None
    mark: str | None = None                      # max(change column) of the rows read, as PostgreSQL prints it
    fingerprint: str = ""                        # sha256 of the column names and the rows' text


_CATALOGUE = """
select c.relname, c.relkind, a.attname, t.typname,
       coalesce(array_position(i.indkey::int2[], a.attnum) - array_lower(i.indkey::int2[], 1) + 1, 0)
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
join pg_type t on t.oid = case when (select typtype from pg_type where oid = a.atttypid) = 'd'
                               then (select typbasetype from pg_type where oid = a.atttypid) else a.atttypid end
left join pg_index i on i.indrelid = c.oid and i.indisprimary
where n.nspname = %s and c.relkind in ('r', 'p', 'v', 'm', 'f') and not c.relispartition
order by c.relname, a.attnum
"""


def list_tables(conn: psycopg.Connection, source: PgSource, schema: str = "public",
                change_column: str | None = None) -> list[PgTable]:
    """Every table and view of ``schema`` the catalogue shows, with its change column: ``change_column`` when
    the table has it, else the first of :data:`CHANGE_COLUMNS` it has with a type that orders changes."""
    try:
        rows = conn.execute(_CATALOGUE, [schema]).fetchall()
    except psycopg.Error as exc:
        raise source.problem(exc, f"to list the tables of schema {schema!r}") from None
    grouped: dict[str, tuple[str, list[tuple[str, str]], list[tuple[int, str]]]] = {}
    for relname, relkind, column, typname, pk_position in rows:
        _, cols, pk = grouped.setdefault(relname, (_KINDS[relkind], [], []))
        cols.append((column, typname))
        if pk_position:
            pk.append((pk_position, column))
    tables = []
    for relname, (kind, cols, pk) in grouped.items():
        tables.append(PgTable(schema, relname, kind, tuple(cols), tuple(c for _, c in sorted(pk)),
                              _change_column(cols, change_column)))
    return tables


def _change_column(cols: list[tuple[str, str]], given: str | None) -> str | None:
    if given is not None:
        return next((c for c, _ in cols if c == given), None) or \
            next((c for c, _ in cols if c.lower() == given.lower()), None)
    typed = {compact(c): c for c, t in cols if t in CHANGE_TYPES}
    return next((typed[compact(name)] for name in CHANGE_COLUMNS if compact(name) in typed), None)


def _text(name: str, typname: str) -> sql.Composable:
    """The column as PostgreSQL prints it; ``timestamptz`` moved to the session's zone without offset (the
    date parser reads ``2024-01-05 13:45:00``, not ``…+00``)."""
    col = sql.Identifier(name)
    if typname == "timestamptz":
        return sql.SQL("{}::timestamp::text").format(col)
    return sql.SQL("{}::text").format(col)


def read_table(conn: psycopg.Connection, source: PgSource, table: PgTable, *, since: str | None = None,
               budget: int | None = None) -> TableRead | None:
    """Read ``table`` (the rows whose change column is above ``since``, when given) as text; None when no row
    was read. Call inside the round's transaction (:func:`snapshot`)."""
    label = source.table_label(table.schema, table.name)
    relation = sql.Identifier(table.schema, table.name)
    where = sql.SQL("")
    params: list[str] = []
    if since is not None:
        if table.change_column is None:
            raise ImportProblem("has no change column to read changes by.", file=label, code="source")
        where = sql.SQL(" where {} > %s").format(sql.Identifier(table.change_column))
        params = [since]
    names = [_NUMBER, *table.names] if since is not None else table.names
    order = sql.SQL("order by {}").format(sql.SQL(", ").join(sql.Identifier("src", c) for c in table.primary_key)) \
        if table.primary_key else sql.SQL("order by src.ctid") if table.kind == "table" else sql.SQL("")
    texts = sql.SQL(", ").join(_text(c, t) for c, t in table.columns)
    if since is None:   # ordered by the source's columns (src.), not by their text of the same name
        select = sql.SQL("select {} from {} as src {}").format(texts, relation, order)
    else:   # rows keep their number in the whole table (the same row is the same row in every report)
        select = sql.SQL("select {n}, {cols} from (select row_number() over ({order}) as {n}, {texts}, {change} as {c} "
                         "from {rel} as src) as numbered{where} order by {n}").format(
            n=sql.Identifier(_NUMBER), cols=sql.SQL(", ").join(map(sql.Identifier, table.names)), order=order,
            texts=sql.SQL(", ").join(sql.SQL("{} as {}").format(_text(c, t), sql.Identifier(c))
                                     for c, t in table.columns),
            change=sql.Identifier(table.change_column), c=sql.Identifier(_CHANGE), rel=relation,
            where=sql.SQL(" where {} > %s").format(sql.Identifier(_CHANGE)))
    limit = (DEFAULT_MEMORY_BUDGET if budget is None else budget) // READ_MEMORY_FACTOR
    digest = hashlib.sha256("\x1f".join(table.names).encode())
    buffer = io.BytesIO()
    try:
        with conn.cursor() as cur:
            with cur.copy(sql.SQL("copy ({}) to stdout with (format csv)").format(select), params) as copy:
                for chunk in copy:
                    buffer.write(chunk)
                    digest.update(chunk)
                    if buffer.tell() > limit:
                        raise ImportProblem(
                            f"holds more than {mb(limit)} of text to read, above this server's import budget "
                            f"of {mb(limit * READ_MEMORY_FACTOR)} (a quarter of its memory, or "
                            "TANDEM_IMPORT_MEMORY_MB). Sync it by a change column, or raise the budget.",
                            file=label, code="too_big")
            mark = None
            if table.change_column is not None:
                cur.execute(sql.SQL("select max({})::text from {}{}").format(
                    sql.Identifier(table.change_column), relation, where), params)
                mark = cur.fetchone()[0]  # type: ignore[index]
    except psycopg.Error as exc:
        raise source.problem(exc, f"to read {table.key}") from None
    size = buffer.tell()
    if size == 0:
        return None
    buffer.seek(0)
    frame = pl.read_csv(buffer, has_header=False, infer_schema=False, new_columns=names, quote_char='"')
    numbers = frame[_NUMBER] if since is not None else None
    frame = frame.drop(_NUMBER, strict=False)
    notes = [f"row N is the Nth row of the table in the order of {', '.join(table.primary_key)}" if table.primary_key
             else "row N is the Nth row of the table in its stored order"]
    if since is not None:
        notes.append(f"the rows changed since {since} ({table.change_column})")
    info = FileInfo(name=label, format="postgresql", size=size, header_row=None, header_rows=0, first_data_row=1,
                    notes=tuple(notes))
    try:
        read = finish(frame, table.names, 1, info, rows=numbers)
    except ImportProblem as exc:
        if exc.code == "no_rows":      # every row empty: nothing to load
            return None
        raise
    return TableRead(table, read, since is None, since, mark, digest.hexdigest())


def has_changes(conn: psycopg.Connection, source: PgSource, table: PgTable, since: str) -> bool:
    """Whether ``table`` has a row whose change column is above ``since`` (in the round's snapshot)."""
    query = sql.SQL("select exists (select 1 from {} where {} > %s)").format(
        sql.Identifier(table.schema, table.name), sql.Identifier(table.change_column or ""))
    try:
        return bool(conn.execute(query, [since]).fetchone()[0])  # type: ignore[index]
    except psycopg.Error as exc:
        raise source.problem(exc, f"to look for changes in {table.key}") from None


@contextmanager
def snapshot(conn: psycopg.Connection, source: PgSource) -> Iterator[psycopg.Connection]:
    """One read-only, repeatable-read transaction: every table of a round is read from the same moment."""
    try:
        conn.execute("begin isolation level repeatable read read only")
    except psycopg.Error as exc:
        raise source.problem(exc, "to start a read-only transaction") from None
    try:
        yield conn
    finally:
        with suppress(psycopg.Error):
            conn.execute("rollback")


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "postgres"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines() or [type(exc).__name__])[0][:300].rstrip(".")
