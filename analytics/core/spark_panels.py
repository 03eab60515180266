"""Build the stored panels on Spark: every panel table's query run where the facts are, loaded into the app's
database in one transaction, stamped exactly as a DuckDB build stamps them.

::

    python -m analytics panels build --engine spark --facts /data/tandem-facts --db data/tandem.duckdb

The facts are a ``facts export`` folder (its manifest names the data token they were taken at: a database whose
data has changed since is refused) or a ``.toml`` map of the company's own Parquet / Delta / Iceberg / catalog
tables. Each result's columns must be those of the same query on DuckDB, in order, with types of the same kind
(a number for a number, a date for a date …): anything else is refused, naming the panel and the column, and
nothing is written. Values are cast to DuckDB's types on the way in, so the panels are the tables a DuckDB build
makes; the metric engine reads them without knowing which engine built them.
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow.parquet as pq

from analytics.core import panels
from analytics.core.spark_engine import FactSource, SparkEngineError, collect, query_frame, run_query, spark_session
from analytics.core.spark_sql import PANEL_PREFIX
from analytics.core.sql_files import bind

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import SparkSession

_KINDS = {"integer": ("int", "uint", "decimal"), "float": ("float", "double", "decimal", "int"),
          "date": ("date32",), "timestamp": ("timestamp",), "string": ("string", "large_string"),
          "bool": ("bool",)}


def _duck_kind(duck_type: str) -> str:
    t = duck_type.upper()
    if t in ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER") or \
            (t.startswith("DECIMAL") and t.endswith(",0)")):
        return "integer"
    if t in ("DOUBLE", "FLOAT") or t.startswith("DECIMAL"):
        return "float"
    if t == "DATE":
        return "date"
    if t.startswith("TIMESTAMP"):
        return "timestamp"
    if t == "VARCHAR":
        return "string"
    if t == "BOOLEAN":
        return "bool"
    return t.lower()


def check_schema(panel: str, expected: list[tuple[str, str]], result: pa.Schema) -> None:
    """Raise :class:`SparkEngineError` unless ``result`` has the expected columns, in order, of the same kinds."""
    got = [(f.name, str(f.type)) for f in result]
    names = [n for n, _ in expected]
    if [n for n, _ in got] != names:
        missing = [n for n in names if n not in {g for g, _ in got}]
        extra = [g for g, _ in got if g not in set(names)]
        raise SparkEngineError(f"Panel {panel}: Spark returned columns {[g for g, _ in got]}, expected {names}"
                               + (f" (missing {missing})" if missing else "") + (f" (extra {extra})" if extra else "")
                               + ".")
    for (name, duck_type), (_, arrow_type) in zip(expected, got, strict=True):
        kind = _duck_kind(duck_type)
        if arrow_type == "null":  # a column with no value at all: any type holds it
            continue
        if not any(arrow_type.startswith(prefix) for prefix in _KINDS.get(kind, (kind,))):
            raise SparkEngineError(f"Panel {panel}: column {name} is {arrow_type} on Spark, expected {duck_type} "
                                   f"(a {kind}).")


def build_on_spark(db: panels.Database, facts: FactSource, spark: SparkSession | None = None,
                   say: Callable[[str], None] | None = None, stage: Path | None = None) -> dict[str, float]:
    """Run every panel table's query on Spark and store the panels in ``db`` in one transaction; seconds per
    panel. The panels are rebuilt even when current (the point is to build them on Spark). ``stage``: results
    pass through Parquet files in that folder instead of the driver's memory."""
    token = db.data_token
    exported = facts.manifest.get("data_token")
    if exported and exported != token:
        raise SparkEngineError(f"The facts at {facts.root} were exported at another data version than the "
                               f"database's ({exported[:8]} ≠ {token[:8]}): export them again with `python -m "
                               "analytics facts export --to DIR --replace`.")
    as_of_text = db.meta("as_of") or facts.manifest.get("as_of")
    if not as_of_text:
        raise SparkEngineError("No as-of date: neither the database nor the facts name one.")
    spark = spark or spark_session()
    registered: set[str] = set()
    started = time.perf_counter()
    span = run_query(spark, facts, "data_range", {}, registered).to_pylist()
    if not span or span[0]["first_month"] is None:
        return {}
    plan = panels.plan_for(token, span[0]["first_month"], span[0]["last_month"], dt.date.fromisoformat(as_of_text))
    seconds = {"data_range": time.perf_counter() - started}
    results: dict[str, pa.Table | Path] = {}
    read_later = _read_by_later_tables()
    for table in panels.TABLES:
        if say:
            say(table.name)
        started = time.perf_counter()
        frame = query_frame(spark, facts, panels.query_name(table), plan.for_table(table), registered)
        if table.name in read_later:  # a later panel reads this one (rep_month_sales: sales_placed), kept once
            frame = frame.persist()
            frame.createOrReplaceTempView(PANEL_PREFIX + table.name)
        results[table.name] = collect(frame, table.name, stage)
        seconds[table.name] = time.perf_counter() - started
    lock = panels.build_lock(db)
    with lock, db.transaction(bump=False) as cur:
        cur.execute(f"create schema if not exists {panels.SCHEMA}")
        for table in panels.TABLES:
            text = table.text()
            target = f"{panels.SCHEMA}.{table.name}"
            # DuckDB's columns and types for the same query: the table is made by it, the rows come from Spark
            cur.execute(f"create or replace table {target} as select * from ({text}) limit 0",
                        bind(text, plan.for_table(table)))
            expected = [(r[0], r[1]) for r in cur.execute(f"describe {target}").fetchall()]
            result = results[table.name]
            if isinstance(result, Path):  # staged as Parquet by the executors
                source = f"read_parquet('{(result / '*.parquet').as_posix()}')"
                schema = pq.ParquetDataset(result).schema
            else:
                cur.register("spark_result", result)
                source, schema = "spark_result", result.schema
            check_schema(table.name, expected, schema)
            columns = ", ".join(f'cast("{n}" as {t}) as "{n}"' for n, t in expected)
            cur.execute(f"insert into {target} select {columns} from {source} order by {table.order}")
            if source == "spark_result":
                cur.unregister("spark_result")
        panels.stamp(cur, plan, engine="spark")
    panels.remember(db, plan)
    return seconds


def _read_by_later_tables() -> set[str]:
    """Panel tables that a later panel table's query reads (``panels.<name>``)."""
    from analytics.core.spark_sql import translate

    return {t.removeprefix(PANEL_PREFIX) for table in panels.TABLES
            for t in translate(panels.query_name(table)).tables if t.startswith(PANEL_PREFIX)}
