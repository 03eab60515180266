"""A real PostgreSQL server for the live-connector tests: Debian's binaries, a throwaway cluster, a free port.

``start_server()`` runs ``initdb`` and ``pg_ctl`` (as the ``postgres`` OS user when the tests run as root, since
initdb refuses root) in a temporary folder, listening on 127.0.0.1 only with password (SCRAM) authentication and
its socket in that folder; ``server.stop()`` stops it at once and removes the folder. Without the binaries the
caller skips — or fails under ``CI=true``, where scripts/test.sh installs them.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

SUPERUSER, SUPER_PASSWORD = "postgres", "pg-super-Pw-8812"
#: libpq's environment: a test clears it (monkeypatch.delenv) so that only what it passes reaches the server
LIBPQ_ENVIRONMENT = ("PGPASSWORD", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSFILE", "PGSERVICE")


class ServerUnavailable(RuntimeError):
    """No PostgreSQL binaries, or the cluster would not start (the message says which)."""


@dataclass
class Server:
    bindir: Path
    folder: Path
    port: int
    as_postgres: bool

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, user: str, password: str | None, dbname: str) -> str:
        secret = f":{password}" if password else ""
        return f"postgresql://{user}{secret}@127.0.0.1:{self.port}/{dbname}"

    def admin(self, dbname: str = "postgres") -> psycopg.Connection:
        """A superuser connection (autocommit) through the cluster's own socket."""
        return psycopg.connect(host=str(self.folder), port=self.port, user=SUPERUSER, dbname=dbname,
                               password=SUPER_PASSWORD, autocommit=True)

    def database(self, name: str, owner: str, password: str, script: str) -> str:
        """A new database ``name`` owned by ``owner``, filled by ``script`` run as the owner; its URL with the
        password in it."""
        with self.admin() as con:
            con.execute(f"create database {name} owner {owner}")
        url = self.url(owner, password, name)
        with psycopg.connect(url, autocommit=True) as con:
            con.execute(script)
        return url

    def stop(self) -> None:
        try:
            _run(self, "pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def _run(server: Server, tool: str, *args: str) -> subprocess.CompletedProcess:
    command = [str(server.bindir / tool), *args]
    if server.as_postgres:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)


def free_port() -> int:
    """A port nothing listens on (at the time of asking)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server() -> Server:
    """A fresh cluster, started; ServerUnavailable when PostgreSQL is missing or does not start."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not found:
        raise ServerUnavailable("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; Debian: "
                                "apt-get install postgresql)")
    as_postgres = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="tandem-pg-", dir="/tmp"))   # short: the socket path has a limit
    server = Server(found[-1].parent, folder, free_port(), as_postgres)
    pwfile = folder / "pw"
    pwfile.write_text(SUPER_PASSWORD + "\n", encoding="utf-8")
    if as_postgres:
        shutil.chown(folder, "postgres")
        shutil.chown(pwfile, "postgres")
    options = (f"-c listen_addresses=127.0.0.1 -p {server.port} -c unix_socket_directories={folder} "
               "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=32MB "
               "-c max_connections=30")
    try:
        _run(server, "initdb", "-D", str(server.data), "-U", SUPERUSER, f"--pwfile={pwfile}", "-E", "UTF8",
             "--locale=C.UTF-8", "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "--no-sync")
        _run(server, "pg_ctl", "-D", str(server.data), "-o", options, "-l", str(folder / "log"), "-w", "-t", "60",
             "start")
    except (subprocess.SubprocessError, OSError) as exc:
        log = (folder / "log").read_text(errors="replace")[-2000:] if (folder / "log").exists() else ""
        detail = getattr(exc, "stderr", "") or ""
        shutil.rmtree(folder, ignore_errors=True)
        raise ServerUnavailable(f"PostgreSQL did not start: {exc} {detail} {log}".strip()) from None
    return server


@contextmanager
def serving(user: str, password: str) -> Iterator[Server]:
    """A started server with a login role ``user`` that may create databases, for a test module's fixture;
    skips the module without PostgreSQL, or fails it under ``CI=true``."""
    import pytest

    try:
        started = start_server()
    except ServerUnavailable as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{exc} (CI=true: the live-connector tests need PostgreSQL)")
        pytest.skip(str(exc))
    try:
        with started.admin() as con:
            con.execute(f"create role {user} login password '{password}' createdb")
        yield started
    finally:
        started.stop()


def module_server(user: str, password: str):
    """A module-scoped ``server`` fixture (a server started for the module, with that login role): write
    ``server = module_server(USER, PASSWORD)`` in a test module."""
    import pytest

    @pytest.fixture(scope="module")
    def server() -> Iterator[Server]:
        with serving(user, password) as started:
            yield started

    return server


def clean_environment(*more: str):
    """An autouse fixture that keeps libpq's environment and the ``more`` variables away from each test of the
    module it is assigned in."""
    import pytest

    @pytest.fixture(autouse=True)
    def cleared(monkeypatch: pytest.MonkeyPatch) -> None:
        for name in (*LIBPQ_ENVIRONMENT, *more):
            monkeypatch.delenv(name, raising=False)

    return cleared
