"""Run the named queries on Apache Spark over facts kept as Parquet (or a company's own lake tables).

::

    spark = spark_session()                           # local[2] unless TANDEM_SPARK_MASTER / spark.master says
    facts = FactSource.open(Path("/data/tandem-facts"))  # a `facts export` folder, or a facts.toml map
    frame = run_query(spark, facts, "hr_monthly", params)  # a pyarrow table, the columns of the DuckDB query

pyspark is an optional dependency (``requirements-spark.txt``) and Java 17 must be on the machine; both are
imported only when a Spark session is asked for. The SQL is translated by :mod:`analytics.core.spark_sql`.
"""
from __future__ import annotations

import json
import logging
import os
import re
import socket
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analytics.core.spark_sql import PANEL_PREFIX, translate, translate_text
from analytics.core.sql_files import SQL_DIR, bind

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame, SparkSession

LOG_CONFIG = Path(__file__).with_name("spark_log4j2.properties")  # Spark's own log: errors only, on stderr
#: the session settings every run uses: results that do not depend on the machine's zone or on silent overflow
SESSION_CONFIG = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    "spark.sql.ansi.enabled": "true",
    "spark.sql.shuffle.partitions": "4",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.driver.extraJavaOptions": f"-Duser.timezone=UTC -Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}",
    "spark.sql.legacy.timeParserPolicy": "CORRECTED",
}
#: on Spark Connect, the settings read back from the server after the session is made: the results depend on them
CONNECT_CHECKED = ("spark.sql.session.timeZone", "spark.sql.timestampType", "spark.sql.ansi.enabled",
                   "spark.sql.legacy.timeParserPolicy")
CONNECT_TIMEOUT = 10.0  # seconds a Spark Connect server has to take the connection


class SparkEngineError(ValueError):
    """Spark or Java is missing, a facts folder or map is wrong, or a result has the wrong shape."""


def _duck_to_spark(duck_type: str) -> str:
    """A DuckDB column type → the Spark SQL type its Parquet column is read as."""
    t = duck_type.upper().strip()
    if t.endswith("[]"):
        return f"array<{_duck_to_spark(t[:-2])}>"
    simple = {"BIGINT": "bigint", "INTEGER": "int", "SMALLINT": "smallint", "TINYINT": "tinyint",
              "DOUBLE": "double", "FLOAT": "float", "VARCHAR": "string", "DATE": "date", "BOOLEAN": "boolean",
              "TIMESTAMP": "timestamp_ntz", "HUGEINT": "decimal(38,0)", "UBIGINT": "decimal(20,0)",
              "UINTEGER": "bigint", "TIMESTAMP WITH TIME ZONE": "timestamp"}
    if t in simple:
        return simple[t]
    if t.startswith("DECIMAL"):
        return t.lower()
    raise SparkEngineError(f"Column type {duck_type} has no Spark equivalent here.")


@dataclass
class FactSource:
    """Where each fact table lives: a ``facts export`` folder (manifest.json) or a map (``facts.toml``)::

        [tables.orders]
        format = "parquet"            # parquet | delta | iceberg | table
        path = "s3a://lake/sales/orders"
        [tables.employees]
        format = "table"              # a table of the session's catalog
        name = "hr.employees"
    """

    root: Path
    tables: dict[str, dict[str, Any]]
    manifest: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def open(cls, where: Path) -> FactSource:
        where = Path(where)
        if where.is_dir():
            manifest_path = where / "manifest.json"
            if not manifest_path.exists():
                raise SparkEngineError(f"{where} holds no manifest.json: write it with "
                                       "`python -m analytics facts export --to DIR`.")
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            tables = {name: {"format": "parquet", "path": str(where / name), **info}
                      for name, info in manifest["tables"].items()}
            return cls(where, tables, manifest)
        if where.suffix == ".toml" and where.exists():
            try:
                config = tomllib.loads(where.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as error:
                raise SparkEngineError(f"{where}: not valid TOML ({error}).") from error
            tables = config.get("tables", {})
            for name, spec in tables.items():
                fmt = spec.get("format", "parquet")
                if fmt not in ("parquet", "delta", "iceberg", "table"):
                    raise SparkEngineError(f"{where}: [tables.{name}] format {fmt!r}: expected parquet, delta, "
                                           "iceberg or table.")
                if ("name" if fmt == "table" else "path") not in spec:
                    raise SparkEngineError(f"{where}: [tables.{name}] needs "
                                           f"{'name' if fmt == 'table' else 'path'}.")
            return cls(where.parent, tables, {"as_of": config.get("as_of")})
        raise SparkEngineError(f"{where} is neither a facts folder nor a .toml map of fact tables.")

    def frame(self, spark: SparkSession, table: str) -> DataFrame:
        """The fact table as a Spark frame with the columns and types the DuckDB schema gives it."""
        spec = self.tables.get(table)
        if spec is None:
            raise SparkEngineError(f"The facts at {self.root} have no table {table!r}.")
        fmt = spec.get("format", "parquet")
        if fmt == "table":
            frame = spark.table(spec["name"])
        elif fmt == "parquet":
            frame = spark.read.parquet(spec["path"])
        else:
            frame = spark.read.format(fmt).load(spec["path"])
        columns = spec.get("columns")
        if columns:  # the manifest's columns, in order and types (drops the month partition column)
            frame = frame.selectExpr(*[f"cast(`{c}` as {_duck_to_spark(t)}) as `{c}`" for c, t in columns])
        return frame


def spark_session(master: str | None = None, extra: Mapping[str, str] | None = None) -> SparkSession:
    """A Spark session: ``master`` or ``TANDEM_SPARK_MASTER`` (``local[2]`` by default; ``sc://host:port`` for a
    Spark Connect server), with :data:`SESSION_CONFIG` and ``extra`` settings. On Spark Connect the settings a
    session may change are set for it (the server ignores the others: it was started with its own), and the ones
    the results depend on (:data:`CONNECT_CHECKED`) are read back."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise SparkEngineError("pyspark is not installed: pip install -r requirements-spark.txt "
                               "(and Java 17).") from error
    master = master or os.environ.get("TANDEM_SPARK_MASTER", "local[2]")
    connect = master.startswith("sc://")
    if connect:
        _connect_reachable(master)
    builder = SparkSession.builder.appName("tandem-panels")
    builder = builder.remote(master) if connect else builder.master(master)
    settings = {**SESSION_CONFIG, **(extra or {})}
    if connect:  # the server has its own core settings (the JVM's zone, the UI …): a session sets SQL ones only
        settings = {k: v for k, v in SESSION_CONFIG.items() if k.startswith("spark.sql.")} | dict(extra or {})
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
        if connect:  # a setting the server refused is dropped silently: read back the ones results depend on
            held = {key: spark.conf.get(key, None) for key in CONNECT_CHECKED}
    except Exception as error:  # no Java, a cluster that does not answer
        raise SparkEngineError(f"Spark did not start ({master}): {_first_line(error)}") from error
    if connect:
        for key, value in held.items():
            if str(value).lower() != settings[key].lower():
                spark.stop()
                raise SparkEngineError(f"The Spark Connect server at {master} keeps {key}={value}, the queries "
                                       f"need {settings[key]}: start it with --conf {key}={settings[key]}.")
    else:
        spark.sparkContext.setLogLevel("ERROR")
    logging.getLogger("DataFrameQueryContextLogger").setLevel(logging.CRITICAL)  # errors are raised, not logged
    return spark


def _connect_reachable(master: str) -> None:
    """Spark Connect's client packages are installed and its server takes connections (the client alone would
    retry for ten minutes before saying that it does not)."""
    try:
        import pyspark.sql.connect  # noqa: F401  (checks pandas, pyarrow, grpcio, grpcio-status … on import)
        from pyspark.sql.connect.client import DefaultChannelBuilder
    except ImportError as error:
        raise SparkEngineError(f"Spark Connect ({master}) needs its client packages: pip install -r "
                               f"requirements-spark.txt ({_first_line(error)}).") from error
    try:
        url = DefaultChannelBuilder(master).url
        host, port = url.hostname, url.port or DefaultChannelBuilder.default_port()
    except Exception as error:  # a malformed sc:// address
        raise SparkEngineError(f"{master}: {_first_line(error)}") from error
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT):
            pass
    except OSError as error:
        raise SparkEngineError(f"The Spark Connect server at {master} does not answer "
                               f"({host}:{port}: {error.strerror or error}).") from error


def is_connect(spark: SparkSession) -> bool:
    """Whether ``spark`` is a Spark Connect session (no SparkContext, a server elsewhere)."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


def register(spark: SparkSession, facts: FactSource, tables: Sequence[str], registered: set[str]) -> None:
    """Make each table a temp view (facts, ``org_paths`` from schema.sql); ``registered`` remembers which."""
    for table in tables:
        if table in registered or table.startswith(PANEL_PREFIX):
            continue
        if table == "org_paths":
            register(spark, facts, ["org_units"], registered)
            spark.sql("create or replace temp view org_paths as " + translate_text(_view_body("org_paths"),
                                                                                  "org_paths").text)
        else:
            facts.frame(spark, table).createOrReplaceTempView(table)
        registered.add(table)


def _view_body(view: str) -> str:
    schema = (SQL_DIR / "schema.sql").read_text(encoding="utf-8")
    found = re.search(rf"create or replace view {view} as\s*(.*?);", schema, re.DOTALL)
    if not found:
        raise SparkEngineError(f"schema.sql has no view {view}.")
    return found[1]


def spark_args(names: Sequence[str], params: Mapping[str, object], connect: bool = False) -> dict[str, object]:
    """The query's bound parameters for ``spark.sql(args=…)``: lists as typed array columns (an empty list
    has no element type of its own; ``connect``: columns of Spark Connect), the rest as they are."""
    if connect:
        from pyspark.sql.connect import functions as F
    else:
        from pyspark.sql import functions as F

    args: dict[str, object] = {}
    for key, value in bind(" ".join(f"${n}" for n in names), params).items():
        if isinstance(value, list | tuple):
            args[key] = F.array(*[F.lit(v) for v in value])  # empty: array<void>, which Spark widens
        else:
            args[key] = value
    return args


def query_frame(spark: SparkSession, facts: FactSource, name: str, params: Mapping[str, object],
                registered: set[str] | None = None) -> DataFrame:
    """Named query ``name`` (or ``panels/<name>``) as a Spark frame (analysed, not yet run)."""
    query = translate(name)
    register(spark, facts, query.tables, registered if registered is not None else set())
    try:
        return spark.sql(query.text, args=spark_args(query.params, params, is_connect(spark)))
    except Exception as error:  # Spark's analysis errors, one line
        raise SparkEngineError(f"{name} on Spark: {_first_line(error)}") from error


def collect(frame: DataFrame, name: str, stage: Path | None = None) -> pa.Table | Path:
    """Run the frame: its rows as a pyarrow table through the driver, or — with ``stage``, a folder the Spark
    executors and this machine both reach — written there as Parquet by the executors (``stage/<name>``), so
    no result has to fit in the driver (docs/scale.md)."""
    try:
        if stage is None:
            return frame.toArrow()
        target = Path(stage) / name.replace("/", "__")
        frame.write.mode("overwrite").parquet(str(target))
        return target
    except Exception as error:  # run-time errors (ANSI overflow, a lost executor), one line
        raise SparkEngineError(f"{name} on Spark: {_first_line(error)}") from error


def run_query(spark: SparkSession, facts: FactSource, name: str, params: Mapping[str, object],
              registered: set[str] | None = None) -> pa.Table:
    """Named query ``name`` (or ``panels/<name>``) on Spark with DuckDB's parameters; a pyarrow table."""
    return collect(query_frame(spark, facts, name, params, registered), name)


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:400]
