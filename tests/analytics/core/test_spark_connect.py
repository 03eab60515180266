"""The named queries and the panels build through Spark Connect (``sc://host:port``): a real Spark Connect server,
started here from pyspark's own jars with the session settings the queries need, answers as DuckDB does; a server
that does not answer is one line. Under CI=true a missing piece (Java, pyspark, Spark Connect's client packages)
fails.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from analytics.core import panels
from analytics.core.db import Database
from analytics.core.spark_engine import SESSION_CONFIG, SparkEngineError, is_connect, run_query, spark_session
from analytics.core.spark_sql import query_text
from analytics.core.sql_files import bind
from tests.analytics.core import test_spark_engine as on_spark
from tests.analytics.core.spark_cases import differences, sample_params

SERVER = "org.apache.spark.sql.connect.service.SparkConnectServer"
# a list parameter ($units) in each, the zipped unnests of the periods (sales_booked)
QUERIES = ("hr_monthly", "exits_list", "sales_booked")
# for a short test on a small company: the JIT's first tier only, no whole-stage code generation, no adaptive
# re-planning (the same answers; the two-engine test runs with Spark's defaults)
JAVA = SESSION_CONFIG["spark.driver.extraJavaOptions"]
FAST = {"spark.driver.extraJavaOptions": f"{JAVA} -XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
        "spark.sql.codegen.wholeStage": "false", "spark.sql.adaptive.enabled": "false"}
duck, facts = on_spark.duck, on_spark.facts  # the two-engine test's fixtures: the demo (DuckDB's panels), its facts


def _connect_or_fail() -> None:
    on_spark._spark_or_fail()
    try:
        import pyspark.sql.connect  # noqa: F401  (checks the client packages on import)
    except ImportError as error:
        message = f"Spark Connect's client packages are missing (pip install -r requirements-spark.txt): {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " — CI must have them")
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _without_connect_mode() -> dict[str, str]:
    """This process's environment without the mark pyspark leaves once a Connect session was made."""
    return {k: v for k, v in os.environ.items() if k not in ("SPARK_CONNECT_MODE_ENABLED", "SPARK_REMOTE")}


class Server:
    """A Spark Connect server on a free local port (local[2]), started with pyspark's spark-submit and the session
    settings of every run (static ones such as the JVM's zone can only be set there)."""

    def __init__(self, log: Path) -> None:
        import pyspark

        home = Path(pyspark.__file__).parent
        self.port, self.log = _free_port(), log
        self.url = f"sc://127.0.0.1:{self.port}"
        command = [str(home / "bin" / "spark-submit"), "--master", "local[2]", "--class", SERVER,
                   "--name", "tandem-connect-test"]
        for key, value in {**SESSION_CONFIG, **FAST, "spark.connect.grpc.binding.address": "127.0.0.1",
                           "spark.connect.grpc.binding.port": str(self.port),
                           "spark.connect.grpc.port.maxRetries": "0"}.items():
            command += ["--conf", f"{key}={value}"]
        with log.open("wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            env={**_without_connect_mode(), "SPARK_HOME": str(home)},
                                            start_new_session=True)

    def ready(self) -> str:
        """Its address once it takes connections (the test fails with its log if it stops or takes 2 minutes)."""
        deadline = time.monotonic() + 120
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self.url
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"The Spark Connect server did not start: "
                                f"{self.log.read_text(errors='replace')[-2000:]}")
                time.sleep(0.25)

    def stop(self) -> None:
        """Its whole process group (spark-submit's shell and the JVM)."""
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """Started before the demo's fixtures are made (the JVM boots meanwhile), stopped after the module."""
    _connect_or_fail()
    started = Server(tmp_path_factory.mktemp("spark-connect") / "server.log")
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="module")
def remote(server: Server):
    """A session of this process on the server, made as the command line makes it."""
    marked = {k: os.environ.get(k) for k in ("SPARK_CONNECT_MODE_ENABLED", "SPARK_REMOTE")}
    session = spark_session(server.ready(), {"spark.sql.shuffle.partitions": "1"})
    yield session
    session.stop()
    for key, value in marked.items():  # pyspark leaves the process in Connect mode: a local session would fail
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def test_named_queries_through_spark_connect_give_duckdbs_rows(server, duck, facts, remote):
    assert is_connect(remote)
    params = sample_params(duck)
    registered: set[str] = set()
    for name, given in [(q, params) for q in QUERIES] + [
            ("exits_list", {**params, "all_units": True, "units": []})]:  # an empty list: array<void> on Spark
        text = query_text(name)
        want = duck.sql(text, **bind(text, given))
        got = pl.from_arrow(run_query(remote, facts, name, given, registered))
        assert want.height > 0 and not differences(want, got), (name, differences(want, got))


def test_the_command_line_builds_the_panels_through_spark_connect(server, duck, facts, tmp_path):
    path = tmp_path / "connect.duckdb"
    shutil.copy(duck.path, path)
    with duckdb.connect(str(path)) as con:  # nothing current: every table is built anew
        con.execute("drop schema panels cascade")
    stage = tmp_path / "stage"  # written by the server's executors, read here (one machine)
    run = subprocess.run([sys.executable, "-m", "analytics", "panels", "build", "--engine", "spark", "--facts",
                          str(facts.root), "--db", str(path), "--spark-master", server.ready(),
                          "--spark-conf", "spark.sql.shuffle.partitions=1", "--stage", str(stage)],
                         capture_output=True, text=True, cwd=on_spark.ROOT, timeout=300, env=_without_connect_mode())
    assert run.returncode == 0 and "built on Spark" in run.stdout, run.stderr[-2000:]
    assert "Warning" not in run.stderr and "Traceback" not in run.stderr  # only settings a session may change
    assert sorted(p.name for p in stage.iterdir()) == sorted(t.name for t in panels.TABLES)
    other = Database(path, read_only=True)
    try:
        info = panels.built(other)
        assert info is not None and info.token == duck.data_token and panels.engine_of(other) == "spark"
        for table in panels.TABLES:
            want, got = duck.sql(f"select * from panels.{table.name}"), other.sql(f"select * from panels.{table.name}")
            assert got.schema == want.schema and got.height == want.height > 0, table.name
            assert not differences(want, got), (table.name, differences(want, got))
    finally:
        other.close()


def test_a_connect_server_that_does_not_answer_is_one_line():
    _connect_or_fail()
    closed = f"sc://127.0.0.1:{_free_port()}"
    started = time.monotonic()
    with pytest.raises(SparkEngineError, match="does not answer") as caught:
        spark_session(closed)
    assert time.monotonic() - started < 15 and len(str(caught.value).splitlines()) == 1
