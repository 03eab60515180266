"""The loader's steps inside the transaction: resolve keys, assign ids, derive flags, upsert.

Every function takes the transaction's cursor and works on whole columns: polars for lookups and
DuckDB (through Arrow) for the comparisons and writes, never a Python loop per row.

- :func:`resolve_refs`: a reference kept as text (``orders.employee_id`` = ``"10026"`` or ``"E7"``)
  becomes Tandem's id. The source's external key is tried first, then Tandem's own id, so a file
  from the HR system (``EmpID``) and a file made from our template (``employee_id``) both work.
- :func:`assign_ids`: rows keyed by a natural key get the id of the stored row with that key, or a
  new id after the largest id in the table.
- :func:`derive_new_customer`: ``orders.is_new_customer`` = the order is its customer's first ever
  (earliest date, then lowest order id), looking at the database and the file together.
- :func:`upsert`: compare the rows with the stored ones by key; update the changed, insert the new,
  leave the equal alone; return the three counts.
"""
from __future__ import annotations

import polars as pl

from analytics.sources.ingest.errors import ROW
from analytics.sources.ingest.tables import TABLES, Column, TableSpec
from analytics.sources.ingest.validate import ISSUE_SCHEMA

_IN = "_tandem_in"
_ORD = "_tandem_orders"
_FIRST = "_tandem_first"


class Refused(Exception):
    """The load cannot go on (a key that does not resolve, a count that does not add up): roll back."""

    def __init__(self, message: str, issues: pl.DataFrame | None = None) -> None:
        super().__init__(message)
        self.issues = issues if issues is not None else pl.DataFrame(schema=ISSUE_SCHEMA)


def _q(name: str) -> str:
    """A quoted identifier (names come from the table specs, never from the file)."""
    return '"' + name.replace('"', '""') + '"'


def _lookup(cur, target: TableSpec) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(external key → id, id as text → id) of the stored rows of ``target``."""
    pk, nk = target.primary_key[0], target.natural_key[0]
    rows = cur.sql(f"select {_q(pk)} as id, cast({_q(nk)} as varchar) as nk from {_q(target.name)}").pl()
    by_nk = rows.filter(pl.col("nk").is_not_null()).select(v="nk", id="id").unique("v", keep="first")
    by_id = rows.select(v=pl.col("id").cast(pl.Utf8), id="id")
    return by_nk, by_id


def resolve(values: pl.Series, by_nk: pl.DataFrame, by_id: pl.DataFrame) -> pl.Series:
    """Text keys → ids (external key first, then Tandem's id); null where nothing matches."""
    keys = pl.concat([by_nk, by_id]).unique("v", keep="first")
    return values.replace_strict(keys["v"], keys["id"], default=None, return_dtype=pl.Int64)


def _unresolved_issues(frame: pl.DataFrame, col: Column, resolved: pl.Series, file: str) -> pl.DataFrame:
    bad = frame.select(ROW, pl.col(col.name).alias("value")).filter(
        pl.col("value").is_not_null() & resolved.is_null())
    return bad.select(
        pl.lit(file).alias("file"), pl.col(ROW).alias("row"), pl.lit(col.name).alias("column"), "value",
        pl.lit(f"not found in {col.ref.table} when loading").alias("problem"),  # type: ignore[union-attr]
        pl.lit(f"an existing {col.ref.table} key").alias("expected"),  # type: ignore[union-attr]
        pl.lit("error").alias("severity"), pl.lit("reference").alias("code"))


def resolve_refs(cur, spec: TableSpec, frame: pl.DataFrame, file: str, *, own: bool) -> pl.DataFrame:
    """Resolve text references of ``frame``: to other tables (``own=False``) or to its own table (``own=True``).

    For its own table (``employees.referrer_id``) the frame's rows count too: they are about to be
    written with the ids :func:`assign_ids` gave them.
    """
    for col in spec.columns:
        if col.name not in frame.columns or not col.keeps_text_key or (col.ref.table == spec.name) != own:  # type: ignore[union-attr]
            continue
        if frame[col.name].null_count() == frame.height:
            frame = frame.with_columns(pl.col(col.name).cast(pl.Int64))
            continue
        target = TABLES[col.ref.table]  # type: ignore[union-attr]
        by_nk, by_id = _lookup(cur, target)
        if own:
            pk, nk = target.primary_key[0], target.natural_key[0]
            mine_nk = frame.filter(pl.col(nk).is_not_null()).select(v=pl.col(nk).cast(pl.Utf8), id=pk) \
                if nk in frame.columns else pl.DataFrame(schema={"v": pl.Utf8, "id": pl.Int64})
            by_nk = pl.concat([mine_nk, by_nk]).unique("v", keep="first")
            by_id = pl.concat([frame.select(v=pl.col(pk).cast(pl.Utf8), id=pk), by_id]).unique("v", keep="first")
        resolved = resolve(frame[col.name].cast(pl.Utf8), by_nk, by_id)
        issues = _unresolved_issues(frame, col, resolved, file)
        if issues.height:
            raise Refused(f"{issues.height} {col.name} value(s) of {file} do not resolve", issues)
        frame = frame.with_columns(resolved.alias(col.name))
    return frame


def assign_ids(cur, spec: TableSpec, frame: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Give each row the stored id of its natural key, or a new one after the largest; return (frame, n new)."""
    pk, nk = spec.primary_key[0], list(spec.natural_key)
    cols = ", ".join(_q(c) for c in nk)
    stored = cur.sql(f"select {_q(pk)} as __id, {cols} from {_q(spec.name)}").pl()
    stored = stored.with_columns([pl.col(c).cast(frame.schema[c]) for c in nk]).unique(nk, keep="first")
    largest = cur.sql(f"select coalesce(max({_q(pk)}), 0) from {_q(spec.name)}").fetchall()[0][0]
    out = frame.drop(pk, strict=False).join(stored, on=nk, how="left", maintain_order="left")
    new = out["__id"].is_null()
    ids = pl.select(pl.when(new).then(new.cast(pl.Int64).cum_sum() + int(largest)).otherwise(out["__id"])).to_series()
    return out.with_columns(ids.alias(pk)).drop("__id"), int(new.sum())


def derive_new_customer(cur, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """Fill ``is_new_customer`` where it is empty; return the frame and, when stored orders of the same
    customers exist, each touched customer's first order (for :func:`fix_first_orders`).

    Nothing is derived when the file gave the flag in every row.
    """
    given = "is_new_customer" in frame.columns and frame["is_new_customer"].null_count() == 0
    if given or frame.height == 0:
        return frame, None
    incoming = frame.select("order_id", "customer_id", "order_date")
    stored = pl.DataFrame(schema=incoming.schema)
    if cur.sql("select count(*) from orders").fetchall()[0][0]:
        cur.register(_ORD, incoming.to_arrow())
        try:
            stored = cur.sql(
                f"select o.order_id, o.customer_id, o.order_date from orders as o "
                f"where o.customer_id in (select customer_id from {_ORD}) "
                f"and o.order_id not in (select order_id from {_ORD})").pl().cast(incoming.schema)
        finally:
            cur.unregister(_ORD)
    every = pl.concat([stored, incoming]) if stored.height else incoming
    firsts = every.group_by("customer_id").agg(
        first_order_id=pl.col("order_id").filter(pl.col("order_date") == pl.col("order_date").min()).min())
    flag = incoming.join(firsts, on="customer_id", how="left", maintain_order="left").select(
        (pl.col("order_id") == pl.col("first_order_id")).alias("is_new_customer"))["is_new_customer"]
    if "is_new_customer" in frame.columns:
        flag = frame["is_new_customer"].fill_null(flag)
    return frame.with_columns(flag.alias("is_new_customer")), firsts if stored.height else None


def fix_first_orders(cur, firsts: pl.DataFrame, frame: pl.DataFrame) -> int:
    """Stored orders of the touched customers whose flag is no longer right (an earlier order arrived)."""
    cur.register(_FIRST, firsts.to_arrow())
    cur.register(_ORD, frame.select("order_id").to_arrow())
    try:
        return int(cur.execute(
            f"update orders set is_new_customer = (orders.order_id = f.first_order_id) from {_FIRST} as f "
            "where orders.customer_id = f.customer_id "
            "and orders.is_new_customer <> (orders.order_id = f.first_order_id) "
            f"and orders.order_id not in (select order_id from {_ORD})").fetchall()[0][0])
    finally:
        cur.unregister(_FIRST)
        cur.unregister(_ORD)


def upsert(cur, spec: TableSpec, frame: pl.DataFrame, key: tuple[str, ...], *,
           insert_only: bool = False) -> tuple[int, int, int]:
    """Write ``frame`` into its table by ``key``; return (inserted, updated, unchanged).

    Columns the frame does not have keep their stored values on update and get their default (or
    null) on insert; an empty value in a column with a default (``probation_months``) takes the
    default. ``insert_only`` leaves stored rows as they are (counted as unchanged).
    """
    cols = [c for c in spec.names if c in frame.columns]
    table = _q(spec.name)
    value = {c: (f"coalesce(i.{_q(c)}, {spec.column(c).default})" if spec.column(c).default is not None
                 else f"i.{_q(c)}") for c in cols}
    on = " and ".join(f"t.{_q(k)} = i.{_q(k)}" for k in key)
    rest = [c for c in cols if c not in key]
    same = " and ".join(f"t.{_q(c)} is not distinct from {value[c]}" for c in rest) or "true"
    cur.register(_IN, frame.select(cols).to_arrow())
    try:
        n_stored = n_same = 0
        if cur.sql(f"select count(*) from {table}").fetchall()[0][0]:       # an empty table: every row is new
            n_stored, n_same = cur.sql(
                f"select count(t.{_q(key[0])}), count(*) filter (where t.{_q(key[0])} is not null and {same}) "
                f"from {_IN} as i left join {table} as t on {on}").fetchall()[0]
        n_new, n_changed = frame.height - n_stored, n_stored - n_same
        if n_changed and not insert_only:
            sets = ", ".join(f"{_q(c)} = {value[c]}" for c in rest)
            done = cur.execute(f"update {table} as t set {sets} from {_IN} as i where {on} and not ({same})"
                               ).fetchall()[0][0]
            if done != n_changed:
                raise Refused(f"{spec.name}: {done} rows updated where {n_changed} were expected")
        if n_new:
            names = ", ".join(_q(c) for c in cols)
            only_new = "" if n_stored == 0 else f" where not exists (select 1 from {table} as t where {on})"
            done = cur.execute(f"insert into {table} ({names}) select {', '.join(value[c] for c in cols)} "
                               f"from {_IN} as i{only_new}").fetchall()[0][0]
            if done != n_new:
                raise Refused(f"{spec.name}: {done} rows inserted where {n_new} were expected")
    finally:
        cur.unregister(_IN)
    if insert_only:
        return n_new, 0, n_stored
    return n_new, n_changed, n_same
