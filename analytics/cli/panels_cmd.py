"""``python -m analytics panels build``: store the heavy named queries' monthly panels for the current data.
::
    python -m analytics panels build                 # the database of TANDEM_DB / --db
    python -m analytics panels build --engine spark --facts /data/tandem-facts   # the queries run on Spark
    python -m analytics panels status

The commands that change data (demo, import, restore) build the panels themselves, and the app rebuilds them in
the background when it finds them out of date; this command is for a database changed by other means, or to
see how long the build takes. ``--engine spark`` runs the panel queries on Apache Spark over facts exported as
Parquet (``facts export``) or the company's own tables mapped by a ``.toml`` file (docs/scale.md), and loads the
panels in one transaction. Exit status: 0 done; 2 no database, it is open in another process, the facts do not
match the database, or Spark refused or could not run a query (one line on stderr).
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from analytics.core import panels
from analytics.core.db import Database, DatabaseError
from analytics.core.settings import load_settings


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    tables = ", ".join(t.name for t in panels.TABLES)
    p = sub.add_parser("panels", parents=[common], help="build or show the stored monthly panels (README, Speed)",
                       description=f"Run the heavy queries ({tables}) once over the whole history and keep their rows "
                                   "in the database for the current data version, so pages and metrics read them "
                                   "instead of scanning the facts.")
    p.add_argument("action", choices=["build", "status"])
    p.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb",
                   help="where the panel queries run (default duckdb, inside the database file)")
    p.add_argument("--facts", metavar="DIR|MAP.toml",
                   help="with --engine spark: a `facts export` folder, or a .toml map of Parquet/Delta/Iceberg/"
                        "catalog tables")
    p.add_argument("--spark-master", metavar="URL",
                   help="local[N], spark://host:7077, yarn, k8s://… or sc://host for Spark Connect "
                        "(default: TANDEM_SPARK_MASTER, else local[2])")
    p.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE",
                   help="a Spark setting, repeatable (e.g. spark.executor.memory=8g)")
    p.add_argument("--stage", metavar="DIR",
                   help="with --engine spark: pass results through Parquet in DIR (a folder the executors and this "
                        "machine share) instead of the driver's memory")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    path = load_settings(args.db).db_path
    if not path.exists():
        raise DatabaseError(f"There is no database at {path}. Build one with `python -m analytics demo --db {path}`.")
    db = Database(path, read_only=args.action == "status")
    try:
        if args.action == "status":
            info = panels.built(db)
            engine = panels.engine_of(db) if info else None
            print(f"{path}: panels " + (f"current, months {info.first_month:%Y-%m} to {info.last_month:%Y-%m}, "
                                        f"as of {info.as_of}" + (f", built on {engine}" if engine else "")
                                        if info else "out of date or not built"))
            return 0
        started = time.perf_counter()
        if args.engine == "spark":
            return _build_on_spark(db, args, started)
        seconds = panels.build(db)
        if not seconds:
            print(f"{path}: the panels are current (or there is no data to build them from).")
            return 0
        for name, s in seconds.items():
            print(f"  {name:<18} {s:6.2f} s")
        print(f"{path}: panels built in {time.perf_counter() - started:.1f} s.")
        return 0
    finally:
        db.close()


def _build_on_spark(db: Database, args: argparse.Namespace, started: float) -> int:
    from analytics.core.spark_engine import FactSource, SparkEngineError, spark_session
    from analytics.core.spark_panels import build_on_spark

    if not args.facts:
        raise SparkEngineError("--engine spark needs --facts DIR (a `facts export` folder) or --facts MAP.toml.")
    extra = {}
    for item in args.spark_conf:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SparkEngineError(f"--spark-conf {item!r}: expected KEY=VALUE.")
        extra[key.strip()] = value.strip()
    facts = FactSource.open(Path(args.facts))
    spark = spark_session(args.spark_master, extra)
    try:
        seconds = build_on_spark(db, facts, spark, stage=Path(args.stage) if args.stage else None)
    finally:
        spark.stop()
    for name, s in seconds.items():
        print(f"  {name:<20} {s:6.2f} s")
    print(f"{db.path}: panels built on Spark in {time.perf_counter() - started:.1f} s and loaded in one transaction.")
    return 0
