"""kill -9 at random points of ``python -m analytics import``: the database is as before or as after, never between.

Each run copies the same small database into place and imports the same few thousand orders (new orders, and
three stored ones whose new-customer flag the import corrects), in a child process that is SIGKILLed after a
delay drawn uniformly over the measured duration of a whole run. Afterwards the database must open (through
:class:`Database`, as the app opens it) and every table must equal the state before the import or the state
after it; the backups folder must hold only whole backups under their final names (their payload checksum
matches the manifest) and, at most, hidden ``.….part`` files of the killed process, which the next backup
removes (docs/operations.md, "Leftovers of interrupted runs").
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from analytics.core import backup as bk
from analytics.core.db import Database
from tests.conftest import open_db, tiny_frames

ROOT = Path(__file__).resolve().parents[4]
RUNS = 12  # kill points, one in each 12th of a run (stratified): about 30 s, the suite stays near 15 minutes

# One process imports Tandem once; each run is a fork of it (no database open, no polars pool started), so a
# run costs its own time, not an interpreter's start. The child runs the import command itself.
ZYGOTE = """
import os, sys
from analytics.cli.main import main
import analytics.cli.import_cmd, analytics.reviews.ahead  # the command's modules (and its models) loaded once
print("ready", flush=True)
for line in sys.stdin:
    db, csv = line.rstrip("\\n").split("\\t")
    pid = os.fork()
    if pid == 0:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        try:
            code = main(["import", "--quiet", "--db", db, "--file", csv, "--user", "crash.test"])
        except BaseException:
            os._exit(9)
        os._exit(code)
    print(pid, flush=True)
    print(os.waitpid(pid, 0)[1], flush=True)
"""


@pytest.fixture(autouse=True)
def _only_the_backups_beside_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TANDEM_BACKUP_DIRS", raising=False)
    monkeypatch.delenv("TANDEM_BACKUP_KEEP", raising=False)


def state(path: Path) -> dict[str, tuple[int, str]]:
    """Every table's rows and a content hash, through :class:`Database` opened as the app opens it. The time of
    an audit entry is left out (each import writes its own), everything else of it is kept; so is the data token
    (a random stamp each write renews)."""
    db = Database(path)
    try:
        cur = db.cursor()
        names = [r[0] for r in cur.sql("select table_name from duckdb_tables() where schema_name = 'main' "
                                       "order by 1").fetchall()]
        out = {}
        for name in names:
            cols = [r[0] for r in cur.sql(f"select column_name from duckdb_columns() where table_name = '{name}' "
                                          "and schema_name = 'main' order by column_index").fetchall()]
            kept = ", ".join(f'"{c}"' for c in cols if not (name == "audit_log" and c == "occurred_at"))
            rows = "where key <> 'data_token'" if name == "meta" else ""  # random per write: not content
            n, h = cur.sql(f'select count(*), coalesce(sum(hash(({kept}))), 0)::varchar from "{name}" {rows}'
                           ).fetchall()[0]
            out[name] = (int(n), str(h))
        return out
    finally:
        db.close()


def write_orders(path: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    lines = ["order_id,employee_id,customer_id,order_date,amount"]
    lines += [f"{1000 + i},{rng.choice([1, 2, 4])},{rng.choice([10, 11, 12])},2024-{rng.randint(1, 5):02d}-"
              f"{rng.randint(1, 28):02d},{rng.randint(1, 99_999) / 10}" for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def backups_whole(folder: Path, killed: set[int]) -> None:
    """Every file under a backup's name is whole; any other file is a hidden part file of a killed run (the next
    backup that gets as far as its folder removes them)."""
    if not folder.exists():
        return
    for path in folder.iterdir():
        if bk._NAME.match(path.name):
            manifest = bk.read_manifest(path)
            with tarfile.open(path) as tar:
                payload = tar.extractfile(bk.PAYLOAD).read()
            assert hashlib.sha256(payload).hexdigest() == manifest["payload_sha256"], path
        else:
            m = re.fullmatch(r"\..+\.tar\.(\d+)\.part(\.duckdb(\.wal)?|\.gz)?", path.name)
            assert m and int(m.group(1)) in killed, f"a stray file in the backups: {path}"


@pytest.mark.slow
def test_kill_9_during_an_import_leaves_the_database_before_or_after(tmp_path: Path):
    before_path = tmp_path / "before.duckdb"
    open_db(before_path, tiny_frames()).close()
    orders = tmp_path / "orders.csv"
    write_orders(orders, 3000)
    site = tmp_path / "site"
    target = site / "tandem.duckdb"
    backups = site / "backups"

    def fresh() -> None:  # the database as before; the backups folder is kept from run to run
        site.mkdir(exist_ok=True)
        for p in site.iterdir():
            if p.is_file():
                p.unlink()
        shutil.copy(before_path, target)

    fresh()
    before = state(target)
    env = {k: v for k, v in os.environ.items() if k not in ("TANDEM_BACKUP_DIRS", "TANDEM_BACKUP_KEEP")}
    zygote = subprocess.Popen([sys.executable, "-c", ZYGOTE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)})

    def start() -> int:
        zygote.stdin.write(f"{target}\t{orders}\n")
        zygote.stdin.flush()
        return int(zygote.stdout.readline())

    rng = random.Random(20261129)
    outcomes = {"before": 0, "after": 0, "killed": 0, "finished": 0}
    killed_pids: set[int] = set()
    try:
        assert zygote.stdout.readline().strip() == "ready"
        durations = []
        for _ in range(3):  # whole runs, not killed: the after state, and how long a run takes
            fresh()
            started = time.perf_counter()
            start()
            assert int(zygote.stdout.readline()) == 0, "a whole import failed"
            durations.append(time.perf_counter() - started)
        after = state(target)
        assert after != before and after["orders"][0] == before["orders"][0] + 3000
        duration = min(durations)  # the first whole run pays one-off costs (the page caches, the files' cache)
        # uniform over the duration, stratified (one delay in each 1/RUNS of it) so the last moments, the commit
        # and what follows it (the panels, the pages computed ahead), are always among the kill points
        delays = [duration * (i + rng.random()) / RUNS for i in range(RUNS)]
        rng.shuffle(delays)

        def kill_after(delay: float) -> None:
            fresh()
            pid = start()
            time.sleep(delay)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            status = int(zygote.stdout.readline())  # reaped: nothing of it runs any more
            killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
            assert killed or os.waitstatus_to_exitcode(status) == 0, f"an import ended with status {status}"
            outcomes["killed" if killed else "finished"] += 1
            if killed:
                killed_pids.add(pid)
            backups_whole(backups, killed_pids)
            now = state(target)
            assert now in (before, after), {t: (now[t], before.get(t), after.get(t)) for t in now
                                            if now[t] not in (before.get(t), after.get(t)) or t == "orders"}
            outcomes["before" if now == before else "after"] += 1

        for delay in delays:
            kill_after(delay)
        # a machine under load stretches some runs past the kill points: then the side no point reached is sought
        # with a few more (later for "after", earlier for "before"), so both sides of the commit are always tried
        for extra in range(4):
            if outcomes["after"] == 0:
                kill_after(duration * (1.0 + 0.5 * extra))
            elif outcomes["before"] == 0:
                kill_after(duration * 0.1 / (extra + 1))
        fresh()  # one more whole import: its backup removes the part files the killed runs left
        start()
        assert int(zygote.stdout.readline()) == 0
        backups_whole(backups, set())
        assert state(target) == after
    finally:
        zygote.stdin.close()
        zygote.wait(timeout=60)
    print(f"\nkill -9 during an import, {RUNS} runs of about {duration:.2f} s: {outcomes}")
    assert outcomes["before"] + outcomes["after"] == outcomes["killed"] + outcomes["finished"] >= RUNS
    assert outcomes["before"] >= 1 and outcomes["after"] >= 1, outcomes
    assert outcomes["killed"] >= RUNS // 2, outcomes  # most runs were cut off somewhere, not finished
