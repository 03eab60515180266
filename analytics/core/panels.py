"""Panels: the heavy named queries' results over the whole history, kept in the database per data version.

A named query that reduces orders, quotas or HR moments to rows per month (``sql/queries/hr_monthly.sql``,
``sales_booked.sql``, ``sales_placed.sql``, ``rep_month_sales.sql``) is run once after a data change over every
month of the data, for the whole company, and its rows are stored in the ``panels`` schema of the same file
(``panels.<query name>``), stamped with the data token they were built for. A later request for that query whose
parameters the panel covers — its months inside the panel's, every period a whole number of months, the same
as-of date and collection window, placement by date (``person`` false), any scope — reads the panel instead of
scanning the facts: the month rows in range, summed per period where the query groups by period, the rule
"the rep's quota over the period is positive" taken again per period, and the viewer's scope applied exactly
as the query applies it. The rows and values are those of the query itself (sums in another order: equal to
1e-9 relative); ``tests/analytics/core/test_panels.py`` checks every panel against its query.

A request the panel does not cover, or any request while the panels belong to an earlier data token, runs the
named query as before: panels only ever make a request faster, never different. They are rebuilt by the
commands that change data (``demo``, ``import``, ``restore``, ``panels build``), and by the app in the
background when it finds them out of date. They are derived data: backups leave them out, and a restored
file builds them again.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from analytics.core.sql_files import SQL_DIR, bind, sql_text
from analytics.core.windows import rep_accounts_params, traits_params

if TYPE_CHECKING:
    import duckdb
    import polars as pl


class Database(Protocol):
    """What the panels need of analytics.core.db.Database (which consults them: no import back)."""

    path: Path
    read_only: bool

    @property
    def data_token(self) -> str: ...

    def sql(self, text: str, **params: object) -> pl.DataFrame: ...

    def scalar(self, text: str, **params: object) -> object: ...

    def meta(self, key: str) -> str | None: ...

    def transaction(self, bump: bool = True) -> AbstractContextManager[duckdb.DuckDBPyConnection]: ...

_log = logging.getLogger("tandem.panels")
SCHEMA = "panels"
#: days after an order's date within which its cash counts as collected in the window (collection_rate)
COLLECTION_WINDOW_DAYS = 90



def _scope(row: str = "") -> str:
    """The named queries' scope rule: the whole company, or the unit or its region listed in $units."""
    return f"($all_units or list_contains($units, {row}org_unit_id) or list_contains($units, {row}region_id))"


_PERIODS = """with periods as (
    select unnest($period_starts::date[]) as p_start, unnest($period_ends::date[]) as p_end
)"""

_READ_MONTHLY = f"select * from {SCHEMA}.{{name}} where month between $start::date and $end::date and {_scope()}"

_READ_BOOKED = f"""{_PERIODS},
rows as (
    select p.p_start as period_start, p.p_end as period_end, x.employee_id, x.org_unit_id, x.region_id,
        x.team_id, x.manager_id, x.role_id, x.job_level, sum(x.bookings) as bookings, sum(x.quota) as quota
    from {SCHEMA}.sales_placed as x  -- its month rows hold the same groups (rep, unit, manager, role, level)
    join periods as p on x.month between p.p_start and p.p_end
    where x.month between $start::date and $end::date
    group by all
),
rep_quota as (
    select employee_id, period_start, period_end
    from rows
    where employee_id is not null
    group by all
    having sum(quota) > 0
)
select r.period_start, r.period_end, r.employee_id, r.org_unit_id, r.region_id, r.team_id, r.manager_id, r.role_id,
    r.job_level, r.bookings, r.quota, q.employee_id is not null as rep_has_quota
from rows as r
left join rep_quota as q using (employee_id, period_start, period_end)
where (r.employee_id is not null and {_scope("r.")})
    or (r.employee_id is null and $all_units)"""

_READ_PLACED = f"""{_PERIODS},
rows as (
    select p.p_start as period_start, p.p_end as period_end, x.* exclude (period_start, period_end, rep_has_quota)
    from {SCHEMA}.sales_placed as x
    join periods as p on x.month between p.p_start and p.p_end
    where x.month between $start::date and $end::date
),
rep_quota as (
    select employee_id, period_start, period_end, sum(quota) > 0 as rep_has_quota
    from rows
    where employee_id is not null and quota is not null
    group by all
)
select r.period_start, r.period_end, r.month, r.employee_id, r.org_unit_id, r.region_id, r.team_id,
    r.manager_id, r.role_id, r.job_level, r.bookings, r.ka_bookings, r.new_customer_bookings, r.n_orders,
    r.collected, r.collected_window, r.last_order_date, r.quota, coalesce(q.rep_has_quota, false) as rep_has_quota
from rows as r
left join rep_quota as q using (employee_id, period_start, period_end)
where (r.employee_id is not null and {_scope("r.")})
    or (r.employee_id is null and $all_units)"""


# a request whose periods are all single months reads the month rows as stored: the panel was built with one
# period per month, so its period columns and rep_has_quota (the rep's quota over that month is positive) are
# already those of such a request (a 24-month trend: 0.1 s instead of 0.4 s at the large company)
_MONTH_COLUMNS = """period_start, period_end, month, employee_id, org_unit_id, region_id, team_id, manager_id,
    role_id, job_level"""
_READ_PLACED_MONTHS = f"""select {_MONTH_COLUMNS}, bookings, ka_bookings, new_customer_bookings, n_orders, collected,
    collected_window, last_order_date, quota, rep_has_quota
from {SCHEMA}.sales_placed
where month between $start::date and $end::date and list_contains($period_starts::date[], month)
    and ((employee_id is not null and {_scope()}) or (employee_id is null and $all_units))"""
_READ_BOOKED_MONTHS = f"""select period_start, period_end, employee_id, org_unit_id, region_id, team_id, manager_id,
    role_id, job_level, bookings, quota, rep_has_quota
from {SCHEMA}.sales_placed
where month between $start::date and $end::date and list_contains($period_starts::date[], month)
    and ((employee_id is not null and {_scope()}) or (employee_id is null and $all_units))"""


def _single_months(params: Mapping[str, object]) -> bool:
    """Every period of the request is one whole month (its first day to its last)."""
    starts, ends = params.get("period_starts"), params.get("period_ends")
    return isinstance(starts, list | tuple) and isinstance(ends, list | tuple) and len(starts) == len(ends) > 0 \
        and all(isinstance(s, dt.date) and isinstance(e, dt.date) and s.day == 1 and e == _month_end(s)
                for s, e in zip(starts, ends, strict=True))


PANEL_SQL = SQL_DIR / "panels"


@dataclass(frozen=True)
class Table:
    """One stored panel table: built from a named query (``sql/queries/<name>.sql``) or from a panel-only query
    (``sql/panels/<name>.sql``) over the whole history, kept in the order of ``order`` (a month or a date: a read of
    some months skips the row groups of the others)."""

    name: str
    order: str
    panel_only: bool = False
    params: Callable[[dt.date], Mapping[str, object]] | None = None  # its own parameters for the as-of date
    source: str | None = None  # built by this panel reading (sql/panels/<source>.sql) over the tables built before

    def text(self) -> str:
        if self.source:
            return (PANEL_SQL / f"{self.source}.sql").read_text(encoding="utf-8")
        return (PANEL_SQL / f"{self.name}.sql").read_text(encoding="utf-8") if self.panel_only else sql_text(self.name)


TABLES: tuple[Table, ...] = (
    Table("hr_monthly", "month"),
    Table("sales_placed", "month"),
    # every rep's months, each rep placed at the month's end: summed from sales_placed once, not at each request
    Table("rep_month_sales", "month", source="read_rep_month_sales", params=lambda _as_of: {"hired_from": None}),
    Table("rep_month_events", "month", panel_only=True),
    Table("customer_months", "month", panel_only=True),
    Table("order_settlement", "order_date", panel_only=True),
    Table("person_book", "employee_id"),
    Table("talent_sales_traits", "employee_id", params=traits_params),
    Table("rep_accounts", "employee_id", params=rep_accounts_params),
)


def _file(name: str) -> Callable[[Mapping[str, object]], str]:
    return lambda _params: (PANEL_SQL / f"{name}.sql").read_text(encoding="utf-8")


def _placed(params: Mapping[str, object]) -> str:
    if params.get("person"):
        return (PANEL_SQL / "read_sales_placed_person.sql").read_text(encoding="utf-8")
    return _READ_PLACED_MONTHS if _single_months(params) else _READ_PLACED


def _booked(params: Mapping[str, object]) -> str:
    return _READ_BOOKED_MONTHS if _single_months(params) else _READ_BOOKED


@dataclass(frozen=True)
class Panel:
    """A named query some of whose requests the panels answer: how they are read, and which request parameters
    must have the value the panels were built with."""

    name: str
    read: Callable[[Mapping[str, object]], str]  # SQL over the panels, with the query's own parameters
    by_period: bool                 # the query takes $period_starts / $period_ends (each a whole month span)
    same_as_built: tuple[str, ...]  # parameters whose value must be the one the panels were built with
    single_period: bool = False     # $start .. $end is itself one period of whole months (first to last day)
    dated: bool = True              # False: the query has no $start .. $end; it holds at the as-of date it is built for
    built_with: Callable[[dt.date], Mapping[str, object]] | None = None  # undated: other parameters built with


PANELS: dict[str, Panel] = {p.name: p for p in (
    Panel("hr_monthly", lambda _p: _READ_MONTHLY.format(name="hr_monthly"), False, ()),
    Panel("rep_month_sales", lambda _p: f"select * from {SCHEMA}.rep_month_sales where month between $start::date "
          f"and $end::date and {_scope()} and ($hired_from::date is null or hire_date >= $hired_from::date)",
          False, ("as_of",)),
    Panel("sales_booked", _booked, True, ()),
    Panel("sales_placed", _placed, True, ("as_of", "window_days")),
    Panel("rep_period_customers", _file("read_rep_period_customers"), False, ("as_of",), single_period=True),
    Panel("person_book", lambda _p: f"select * from {SCHEMA}.person_book where {_scope()}", False, ("as_of",),
          dated=False),
    Panel("talent_sales_traits", lambda _p: f"select * from {SCHEMA}.talent_sales_traits where ($all_units "
          "or list_contains($units, scope_unit) or list_contains($units, scope_region))", False, ("as_of",),
          dated=False, built_with=traits_params),
    Panel("rep_accounts", lambda _p: f"select * from {SCHEMA}.rep_accounts where ($all_units "
          "or list_contains($units, scope_unit) or list_contains($units, scope_region))", False, ("as_of",),
          dated=False, built_with=rep_accounts_params),
)}


@dataclass(frozen=True)
class Built:
    """What the stored panels were built for."""

    token: str
    first_month: dt.date
    last_month: dt.date
    as_of: dt.date
    window_days: int

    def values(self) -> dict[str, object]:
        return {"as_of": self.as_of, "window_days": self.window_days}


_state_lock = threading.Lock()
_state: dict[tuple[str, str], Built | None] = {}   # (database path, data token) → its panels, or None
_build_locks: dict[str, threading.Lock] = {}


@functools.cache
def fingerprint() -> str:
    """A hash of how the panels are built and read: panels stored by other code are out of date too."""
    texts = [t.text() for t in TABLES] + [p.read_text(encoding="utf-8") for p in sorted(PANEL_SQL.glob("*.sql"))]
    texts += [_READ_MONTHLY, _READ_BOOKED, _READ_PLACED, _READ_PLACED_MONTHS, _READ_BOOKED_MONTHS]
    return hashlib.sha256("\n--\n".join(texts).encode()).hexdigest()[:16]


def built(db: Database, token: str | None = None) -> Built | None:
    """The panels stored in the database when they belong to its current data token (``token`` when the caller
    has just read it) and to this code's way of building them, else None."""
    key = (str(db.path), db.data_token if token is None else token)
    with _state_lock:
        if key in _state:
            return _state[key]
    found = None
    has_table = db.scalar("select count(*) from duckdb_tables() where database_name = current_database() "
                          "and schema_name = $s and table_name = 'built'", s=SCHEMA)
    if has_table:
        frame = db.sql(f"select * from {SCHEMA}.built")
        if frame.height == 1 and frame["token"][0] == key[1] and "code" in frame.columns \
                and frame["code"][0] == fingerprint():
            row = frame.row(0, named=True)
            found = Built(row["token"], row["first_month"], row["last_month"], row["as_of"], row["window_days"])
    with _state_lock:
        _state[key] = found
    return found


def _month_span(start: object, end: object) -> bool:
    return (isinstance(start, dt.date) and isinstance(end, dt.date) and start.day == 1
            and (end + dt.timedelta(days=1)).day == 1 and start <= end)


def covers(info: Built, panel: Panel, params: Mapping[str, object]) -> bool:
    """True when the panel holds every row the query would return for these parameters."""
    if not panel.dated:  # built over everyone for the data's as-of date: any scope, that date only
        built_with = panel.built_with(info.as_of) if panel.built_with else {}
        return all(params.get(k) == v for k, v in info.values().items() if k in panel.same_as_built) and all(
            params.get(k) == v for k, v in built_with.items())
    start, end = params.get("start"), params.get("end")
    if not (isinstance(start, dt.date) and isinstance(end, dt.date)):
        return False
    if panel.single_period:
        if not _month_span(start, end):
            return False
        end = end.replace(day=1)
    if start < info.first_month or end > info.last_month:
        return False
    if any(params.get(k) != v for k, v in info.values().items() if k in panel.same_as_built):
        return False
    if panel.by_period:
        starts, ends = params.get("period_starts"), params.get("period_ends")
        if not isinstance(starts, list | tuple) or not isinstance(ends, list | tuple) or len(starts) != len(ends):
            return False
        if not all(_month_span(s, e) and start <= s and e.replace(day=1) <= end for s, e in zip(starts, ends,
                                                                                                 strict=True)):
            return False
    return True


def enabled() -> bool:
    """Panels are read unless ``TANDEM_PANELS=0`` (every request then scans the facts, as a check or a benchmark)."""
    return os.environ.get("TANDEM_PANELS", "1").strip() != "0"


def reader(db: Database, name: str, params: Mapping[str, object]) -> str | None:
    """The SQL that reads query ``name`` from its panel for these parameters, or None (run the query)."""
    panel = PANELS.get(name)
    if panel is None or not enabled():
        return None
    info = built(db)
    if info is None or not covers(info, panel, params):
        return None
    return panel.read(params)


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    out, month = [], first
    while month <= last:
        out.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return out


def _month_end(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


@dataclass(frozen=True)
class Plan:
    """What a build of the panels is for: the data token, the months of the data, the as-of date, and the
    parameters every table is built with (the whole company, one period per month)."""

    token: str
    first: dt.date
    last: dt.date
    as_of: dt.date
    params: Mapping[str, object]

    def for_table(self, table: Table) -> dict[str, object]:
        return {**self.params, **table.params(self.as_of)} if table.params else dict(self.params)


def plan_for(token: str, first: dt.date, last: dt.date, as_of: dt.date) -> Plan:
    """The build plan for data whose months run from ``first`` to ``last`` (month starts) as of ``as_of``."""
    last = max(last, as_of.replace(day=1))
    months = _months(first, last)
    params = {"start": first, "end": last, "period_starts": months,
              "period_ends": [_month_end(m) for m in months], "as_of": as_of,
              "window_days": COLLECTION_WINDOW_DAYS, "person": False, "customers": True, "all_units": True,
              "units": []}
    return Plan(token, first, last, as_of, params)


def query_name(table: Table) -> str:
    """The query a panel table is built by: a named query, or ``panels/<file>`` (sql/panels)."""
    if table.source:
        return f"panels/{table.source}"
    return f"panels/{table.name}" if table.panel_only else table.name


def stamp(cur: duckdb.DuckDBPyConnection, plan: Plan, engine: str = "duckdb") -> None:
    """Record, inside the build's transaction, what the panels were built for (and by which engine)."""
    cur.execute(f"create or replace table {SCHEMA}.built (token varchar, first_month date, last_month date, "
                "as_of date, window_days integer, code varchar, engine varchar, built_at timestamp)")
    cur.execute(f"insert into {SCHEMA}.built values ($t, $f, $l, $a, $w, $c, $e, $b)",
                {"t": plan.token, "f": plan.first, "l": plan.last, "a": plan.as_of, "w": COLLECTION_WINDOW_DAYS,
                 "c": fingerprint(), "e": engine, "b": dt.datetime.now()})


def remember(db: Database, plan: Plan) -> None:
    """After the build's transaction committed: the panels are current for its token."""
    with _state_lock:
        _state[(str(db.path), plan.token)] = Built(plan.token, plan.first, plan.last, plan.as_of,
                                                   COLLECTION_WINDOW_DAYS)


def build_lock(db: Database) -> threading.Lock:
    """The lock one build of a database's panels holds (the app's background build and a command's)."""
    return _build_locks.setdefault(str(db.path), threading.Lock())


def _stamp_value(db: Database, column: str) -> object:
    if not db.scalar("select count(*) from duckdb_columns() where database_name = current_database() and "
                     "schema_name = $s and table_name = 'built' and column_name = $c", s=SCHEMA, c=column):
        return None
    return db.scalar(f"select {column} from {SCHEMA}.built")


def engine_of(db: Database) -> str | None:
    """Which engine built the stored panels ("duckdb", "spark"), or None when unknown."""
    value = _stamp_value(db, "engine")
    return str(value) if value is not None else None


def built_at(db: Database) -> dt.datetime | None:
    """When the stored panels were built (the server's local time), or None when unknown."""
    value = _stamp_value(db, "built_at")
    return value if isinstance(value, dt.datetime) else None


def panel_rows(db: Database) -> int:
    """Rows in all stored panel tables."""
    return int(db.scalar("select coalesce(sum(estimated_size), 0) from duckdb_tables() where database_name = "
                         "current_database() and schema_name = $s and table_name <> 'built'", s=SCHEMA) or 0)


def build(db: Database, say: Callable[[str], None] | None = None) -> dict[str, float]:
    """Build every panel for the database's current data, in one transaction that does not change the data
    version; returns seconds per panel. Nothing to do (panels current) → {}."""
    with build_lock(db):
        if built(db) is not None:
            return {}
        token = db.data_token
        first, last = db.scalar("select first_month from (" + sql_text("data_range") + ")"), \
            db.scalar("select last_month from (" + sql_text("data_range") + ")")
        as_of_text = db.meta("as_of")
        if first is None or not as_of_text:
            return {}
        plan = plan_for(token, first, last, dt.date.fromisoformat(as_of_text))
        seconds: dict[str, float] = {}
        with db.transaction(bump=False) as cur:
            cur.execute(f"create schema if not exists {SCHEMA}")
            for table in TABLES:
                if say:
                    say(table.name)
                started = time.perf_counter()
                text = table.text()
                cur.execute(f"create or replace table {SCHEMA}.{table.name} as select * from ({text}) "
                            f"order by {table.order}", _bound(text, plan.for_table(table)))
                seconds[table.name] = time.perf_counter() - started
            stamp(cur, plan)
        remember(db, plan)
        _log.info("panels built for data token %s: %s", token[:8],
                  ", ".join(f"{k} {v:.2f} s" for k, v in seconds.items()))
        return seconds


def _bound(text: str, params: Mapping[str, object]) -> dict[str, object]:
    return bind(text, params)


_refreshing: set[tuple[str, str]] = set()


def refresh_in_background(db: Database, token: str | None = None) -> bool:
    """Start building the panels in a thread when they are out of date (once per data token; ``token`` when the
    caller has just read it); True when started. Requests meanwhile run their named queries."""
    token = db.data_token if token is None else token
    if db.read_only or built(db, token) is not None:
        return False
    key = (str(db.path), token)
    with _state_lock:
        if key in _refreshing:
            return False
        _refreshing.add(key)

    def run() -> None:
        try:
            build(db)
        except Exception:  # the database closed or changed under the thread: the next request retries
            _log.info("building the panels stopped", exc_info=True)
            with _state_lock:
                _refreshing.discard(key)

    # not a daemon: a process that stops during a build waits for it (its one transaction commits or rolls back)
    # rather than being torn down inside a DuckDB query, which aborts the interpreter (signal 6)
    threading.Thread(target=run, daemon=False, name=f"tandem-panels-{key[1][:8]}").start()
    return True
