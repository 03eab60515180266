"""Golden answers on two engines: every named query on DuckDB and on Apache Spark (local mode) over the small demo
company, rows equal after sorting, floats within 1e-9 relative; the panels built on Spark equal DuckDB's and the
metrics read from them equal too. Real Spark (pyspark, Java 17): under CI=true a missing one fails.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from analytics.core import panels
from analytics.core.access import Viewer, full_access
from analytics.core.db import Database
from analytics.core.periods import parse_period
from analytics.core.spark_sql import query_text
from analytics.core.sql_files import bind
from analytics.metrics import engine
from analytics.sources.facts_export import export_facts
from tests.analytics.core.spark_cases import (
    PANEL_QUERIES,
    QUERIES,
    differences,
    sample_params,
    write_app_tables,
)

ROOT = Path(__file__).resolve().parents[3]
JVM_NOTICE = "WARNING: Using incubator modules: jdk.incubator.vector"


def _spark_or_fail() -> None:
    missing = []
    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing.append("pyspark (pip install -r requirements-spark.txt)")
    if shutil.which("java") is None:
        missing.append("Java 17 (the test command installs openjdk-17-jre-headless)")
    if missing:
        message = "Spark cannot run here: " + ", ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(message + " — CI must have it")
        pytest.skip(message)


@pytest.fixture(scope="module")
def duck(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Database:
    """A copy of the small demo company whose panels DuckDB built (the reference)."""
    path = tmp_path_factory.mktemp("spark-ref") / "duck.duckdb"
    shutil.copy(demo_db_path, path)
    db = Database(path)
    panels.build(db)
    db.close()  # written through to the file (no log beside it): the tests copy the file
    db = Database(path)
    yield db
    db.close()


@pytest.fixture(scope="module")
def facts(duck: Database, tmp_path_factory: pytest.TempPathFactory):
    from analytics.core.spark_engine import FactSource

    root = tmp_path_factory.mktemp("spark-facts")
    export_facts(duck, root / "facts")
    source = FactSource.open(root / "facts")
    for table, path in write_app_tables(duck, root).items():  # app tables two queries read (not facts)
        source.tables[table] = {"format": "parquet", "path": path}
    return source


@pytest.fixture(scope="module")
def spark():
    _spark_or_fail()
    from analytics.core.spark_engine import SESSION_CONFIG, spark_session

    # the JIT's first tier, no whole-stage code generation, no adaptive re-planning, one shuffle partition: a small
    # company's queries run in half the time with the same answers (the command-line build below keeps the defaults)
    fast = {"spark.driver.extraJavaOptions": SESSION_CONFIG["spark.driver.extraJavaOptions"]
            + " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC", "spark.sql.codegen.wholeStage": "false",
            "spark.sql.adaptive.enabled": "false", "spark.sql.shuffle.partitions": "1"}
    session = spark_session("local[2]", fast)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def registered() -> set[str]:
    return set()


@pytest.mark.parametrize("name", QUERIES + PANEL_QUERIES)
def test_every_named_query_gives_the_same_rows_on_duckdb_and_spark(name, duck, facts, spark, registered):
    from analytics.core.spark_engine import run_query

    params = sample_params(duck)
    text = query_text(name)
    if "panels." in text:  # reads a stored panel: on Spark, the one DuckDB built (the panels test builds its own)
        for table in panels.TABLES:
            spark.createDataFrame(duck.sql(f"select * from panels.{table.name}").to_arrow()) \
                .createOrReplaceTempView(f"panels__{table.name}")
    want = duck.sql(text, **bind(text, params))
    got = pl.from_arrow(run_query(spark, facts, name, params, registered))
    assert not differences(want, got), (name, differences(want, got))
    if name in {"sales_placed", "rep_period_customers"}:  # the whole company, placed by person (panels: by date)
        whole = {**params, "all_units": True, "units": [], "person": True}
        want = duck.sql(text, **bind(text, whole))
        got = pl.from_arrow(run_query(spark, facts, name, whole, registered))
        assert want.height > 0 and not differences(want, got), (name, differences(want, got))


@pytest.fixture(scope="module")
def spark_built(duck: Database, facts, spark, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo whose panels were dropped, then built on Spark by the function the command line calls
    (in this module's session: no second JVM; the command line itself builds in test_spark_connect)."""
    from analytics.core.spark_panels import build_on_spark

    path = tmp_path_factory.mktemp("spark-built") / "spark.duckdb"
    shutil.copy(duck.path, path)
    with duckdb.connect(str(path)) as con:  # nothing current: the Spark build makes every table anew
        con.execute("drop schema panels cascade")
    built = Database(path)
    try:
        seconds = build_on_spark(built, facts, spark)  # results through the driver as Arrow, the default
    finally:
        built.close()
    assert {t.name for t in panels.TABLES} <= set(seconds)
    return path


def test_the_panels_built_on_spark_are_duckdbs_and_the_metrics_read_from_them_agree(duck, spark_built):
    path = spark_built
    other = Database(path, read_only=True)
    try:
        info = panels.built(other)
        assert info is not None and info.token == duck.data_token and panels.engine_of(other) == "spark"
        for table in panels.TABLES:
            want = duck.sql(f"select * from panels.{table.name}")
            got = other.sql(f"select * from panels.{table.name}")
            assert got.schema == want.schema, table.name
            assert got.height == want.height > 0 and not differences(want, got), (table.name,
                                                                                   differences(want, got))
        quarter = parse_period("2025-Q3")
        assert panels.reader(other, "sales_placed", {
            "start": quarter.start, "end": quarter.end, "period_starts": [quarter.start], "period_ends": [quarter.end],
            "as_of": info.as_of, "window_days": info.window_days, "person": False}) is not None  # read from panels
        east = Viewer(user="t", org_units=frozenset({"east"}))
        for metric in ("attainment", "bookings", "attrition_rate", "headcount_end", "reps_at_quota", "repeat_rate",
                       "dso", "pipeline_coverage", "new_customers", "collection_rate", "hires"):
            for viewer, by in ((full_access(), ["region"]), (east, ["team"])):
                want = engine.compute(duck, viewer, metric, quarter, by=by)
                got = engine.compute(other, viewer, metric, quarter, by=by)
                assert not differences(want, got), (metric, by, differences(want, got))
    finally:
        other.close()


def test_facts_of_another_data_version_are_refused_and_nothing_is_written(duck, facts, spark, tmp_path):
    from analytics.core.spark_engine import SparkEngineError
    from analytics.core.spark_panels import build_on_spark

    path = tmp_path / "changed.duckdb"
    shutil.copy(duck.path, path)
    other = Database(path)
    try:
        with other.transaction():  # a data change after the export (a new data token)
            pass
        before = other.sql("select count(*) as n from duckdb_tables() where schema_name = 'panels'")
        with pytest.raises(SparkEngineError, match="another data version"):
            build_on_spark(other, facts, spark)
        assert other.sql("select count(*) as n from duckdb_tables() where schema_name = 'panels'").equals(before)
    finally:
        other.close()


def test_a_facts_map_reads_the_companys_own_tables(duck, facts, spark, tmp_path):
    """A .toml map: each fact table by format and path, or a table of the session's catalog: the same answers."""
    from analytics.core.spark_engine import FactSource, SparkEngineError, run_query

    lines = [f'[tables.{t}]\nformat = "parquet"\npath = "{spec["path"]}"\n' for t, spec in facts.tables.items()
             if t not in ("orders",)]
    spark.read.parquet(facts.tables["orders"]["path"]).createOrReplaceTempView("lake_orders")
    lines.append('[tables.orders]\nformat = "table"\nname = "lake_orders"\n')
    mapping = tmp_path / "facts.toml"
    mapping.write_text("\n".join(lines), encoding="utf-8")
    source = FactSource.open(mapping)
    params = sample_params(duck)
    for name in ("sales_booked", "rep_period_customers"):  # orders read from the catalog table, the rest by path
        text = query_text(name)
        want = duck.sql(text, **bind(text, params))
        got = pl.from_arrow(run_query(spark, source, name, params, set()))
        assert want.height > 0 and not differences(want, got), name
    bad = tmp_path / "bad.toml"
    bad.write_text('[tables.orders]\nformat = "csv"\npath = "x"\n', encoding="utf-8")
    with pytest.raises(SparkEngineError, match=r"tables\.orders.*format 'csv'"):
        FactSource.open(bad)


def test_the_command_line_tells_the_engine_and_says_what_is_wrong_in_one_line(duck, facts, spark_built, tmp_path):
    path = spark_built
    status = subprocess.run([sys.executable, "-m", "analytics", "panels", "status", "--db", str(path)],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert "built on spark" in status.stdout
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.sql("select engine from panels.built").fetchall() == [("spark",)]
    copy = tmp_path / "cli.duckdb"
    shutil.copy(duck.path, copy)
    changed = Database(copy)
    with changed.transaction():  # a data change after the export: Spark starts, then the build is refused
        pass
    changed.close()
    run = subprocess.run([sys.executable, "-m", "analytics", "panels", "build", "--db", str(copy), "--engine", "spark",
                          "--facts", str(facts.root)], capture_output=True, text=True, cwd=ROOT,
                         timeout=300)
    assert run.returncode == 2 and "another data version" in run.stderr and "Traceback" not in run.stderr, run.stderr
    # Spark's own chatter stays out ("Setting default log level …", progress bars, log lines); the JVM's notice of
    # the incubator module Spark 4 adds to every driver (--add-modules=jdk.incubator.vector) cannot be turned off
    said = [line for line in run.stderr.strip().splitlines() if line != JVM_NOTICE]
    assert len(said) == 1 and "another data version" in said[0], run.stderr
    for args, said in ((["--engine", "spark"], "needs --facts"),
                       (["--engine", "spark", "--facts", str(tmp_path)], "no manifest.json"),
                       (["--engine", "spark", "--facts", str(tmp_path / "x.toml")], "neither a facts folder"),
                       (["--engine", "spark", "--facts", str(tmp_path), "--spark-conf", "nothing"], "KEY=VALUE")):
        run = subprocess.run([sys.executable, "-m", "analytics", "panels", "build", "--db", str(copy), *args],
                             capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert run.returncode == 2 and said in run.stderr and "Traceback" not in run.stderr, (args, run.stderr)
        assert len(run.stderr.strip().splitlines()) == 1, run.stderr
