"""Backups and restores on real DuckDB files: consistent snapshots, manifests, verified and undoable restores,
the retention rule, several destinations, and kill -9 at random points (never a state between two)."""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import duckdb
import pytest

from analytics.core import backup as bk
from analytics.core import restore as rs
from analytics.core.db import Database
from tests.conftest import open_db, tiny_frames

ROOT = Path(__file__).resolve().parents[3]
UTC = dt.UTC


@pytest.fixture(autouse=True)
def _no_extra_destinations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TANDEM_BACKUP_DIRS", raising=False)
    monkeypatch.delenv("TANDEM_BACKUP_KEEP", raising=False)


def contents(path: Path, marks: bool = False) -> dict[str, list]:
    """Every table's rows, sorted. ``marks=False`` leaves out what a restore adds on purpose: the data version
    (moved above both) and its own audit entry."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'main' "
                                           "order by 1").fetchall()]
        out = {}
        for name in names:
            rows = con.execute(f'select * from "{name}"').fetchall()
            if not marks and name == "meta":
                rows = [r for r in rows if r[0] not in {"data_version", "data_token"}]  # a restore renews both
            if not marks and name == "audit_log":
                rows = [r for r in rows if r[3] != "restore"]
            out[name] = sorted(rows, key=repr)
        return out
    finally:
        con.close()


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def demo_copy(demo_db_path: Path, tmp_path: Path) -> Path:
    path = tmp_path / "site" / "tandem.duckdb"
    path.parent.mkdir()
    shutil.copy(demo_db_path, path)
    return path


@pytest.fixture
def tiny_path(tmp_path: Path) -> Path:
    path = tmp_path / "tiny" / "tandem.duckdb"
    path.parent.mkdir()
    open_db(path, tiny_frames()).close()
    return path


def change(path: Path) -> None:
    """A visible change: orders of one rep gone, one role added (a new data version)."""
    db = Database(path)
    try:
        with db.transaction() as cur:
            cur.execute("delete from orders where employee_id = 1")
            cur.execute("insert into roles values ('extra', 'Extra', '额外', 'support', false, null)")
    finally:
        db.close()


# ── taking a backup ──────────────────────────────────────────────────────
def test_backup_while_another_connection_writes_has_exactly_the_committed_rows(tiny_path: Path):
    app = Database(tiny_path)  # the app holds the file open read-write, in this process
    try:
        writer = app.cursor()
        writer.execute("begin transaction")
        writer.execute("insert into orders values (9001, 1, 10, date '2024-05-01', 7.0, null, false)")
        half = bk.backup(tiny_path)  # uncommitted: not in the backup
        writer.execute("commit")     # committed, still in the .wal (no checkpoint yet)
        assert Path(f"{tiny_path}.wal").exists()
        full = bk.backup(tiny_path)
        assert app.scalar("select count(*) from orders") == 6  # the app's connection is unharmed
    finally:
        app.close()
    assert half.manifest["tables"]["orders"] == 5 and full.manifest["tables"]["orders"] == 6
    for result, has_row in ((half, False), (full, True)):
        out = tiny_path.parent / f"check-{has_row}.duckdb"
        rs.verify(result.written[0], out)
        con = duckdb.connect(str(out), read_only=True)
        assert con.execute("select count(*) from orders where order_id = 9001").fetchall()[0][0] == has_row
        con.close()


def test_manifest_counts_versions_and_checksum(demo_copy: Path):
    db = Database(demo_copy, read_only=True)
    counts, version = db.table_counts(), db.data_version
    db.close()
    result = bk.backup(demo_copy, now=dt.datetime(2026, 11, 29, 16, 31, 43, 512000, tzinfo=UTC))
    (path,) = result.written
    assert path == demo_copy.parent / "backups" / "tandem-20261129-163143-512Z-manual.tar"
    manifest = bk.read_manifest(path)
    assert manifest == result.manifest
    assert manifest["tables"] == counts and manifest["total_rows"] == sum(counts.values())
    assert manifest["data_version"] == version and manifest["schema_version"] == 1 and manifest["demo"] is True
    assert manifest["created_at"] == "2026-11-29T16:31:43.512+00:00" and manifest["kind"] == "manual"
    assert manifest["source"] == str(demo_copy.absolute())
    with tarfile.open(path) as tar:
        assert tar.getnames() == ["manifest.json", "database.duckdb.gz"]
        payload = tar.extractfile("database.duckdb.gz").read()
    assert hashlib.sha256(payload).hexdigest() == manifest["payload_sha256"]
    assert len(payload) < demo_copy.stat().st_size / 3  # compressed
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no staging file left


def test_a_backup_of_a_database_another_process_holds_is_refused(tiny_path: Path):
    with holder(tiny_path), pytest.raises(bk.BackupError, match="another process has it open"):
        bk.backup(tiny_path)


def test_before_change_backs_up_an_existing_database_only(tmp_path: Path, tiny_path: Path):
    assert bk.before_change(tmp_path / "none.duckdb", "import") is None
    result = bk.before_change(tiny_path, "import")
    assert result.written[0].name.endswith("-before-import.tar") and result.manifest["kind"] == "before-import"
    with pytest.raises(bk.BackupError, match="not a kind of backup"):
        bk.before_change(tiny_path, "whim")


def test_every_destination_gets_a_copy_and_one_failing_is_reported(tiny_path: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch):
    offsite, second = tmp_path / "offsite", tmp_path / "second"
    monkeypatch.setenv("TANDEM_BACKUP_DIRS", os.pathsep.join([str(offsite), "", str(second)]))
    result = bk.backup(tiny_path)
    assert [p.parent for p in result.written] == [tiny_path.parent / "backups", offsite, second]
    assert len({file_hash(p) for p in result.written}) == 1 and result.failed == {}
    assert len(bk.list_backups(tiny_path)) == 3
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where a folder should be")
    monkeypatch.setenv("TANDEM_BACKUP_DIRS", os.pathsep.join([str(blocked), str(offsite)]))
    result = bk.backup(tiny_path)
    assert list(result.failed) == [blocked] and len(result.written) == 2
    with pytest.raises(bk.BackupError, match="could not be written to any destination"):
        bk.backup(tiny_path, to=[blocked / "x", blocked / "y"])


# ── the retention rule ───────────────────────────────────────────────────
def test_retention_keeps_the_newest_n_a_day_for_7_days_and_a_week_for_8_weeks(tmp_path: Path):
    # now: Sunday 2026-11-29 (ISO week 48 starts Monday 23 Nov); keep 2. Days kept: 23–29 Nov; weeks kept: the
    # weeks starting 23, 16, 9, 2 Nov and 26, 19, 12, 5 Oct.
    now = dt.datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    t = {k: dt.datetime(*v, tzinfo=UTC) for k, v in {
        "a": (2026, 11, 29, 11), "b": (2026, 11, 29, 9),   # the 2 newest
        "c": (2026, 11, 29, 8),                            # today, not newest of today: pruned
        "d": (2026, 11, 28, 20), "e": (2026, 11, 28, 10),  # d newest of the 28th (daily); e pruned
        "f": (2026, 11, 23, 6),                            # the 23rd, oldest day of the 7: daily
        "g": (2026, 11, 22, 23),                           # the 22nd is out of the 7 days; newest of its week
        "h": (2026, 11, 17, 10),                           # same week as g: pruned
        "k": (2026, 11, 10, 10),                           # newest of the week of 9 Nov: weekly
        "i": (2026, 10, 5, 10),                            # the 8th week back (starts Monday 5 Oct): weekly
        "j": (2026, 10, 4, 10),                            # week of 28 Sep, the 9th back: pruned
    }.items()}
    roles = bk.retention(t.values(), 2, now)
    assert {k for k, v in t.items() if v in roles} == {"a", "b", "d", "f", "g", "k", "i"}
    assert [roles[t[k]] for k in "abdfgki"] == ["latest", "latest", "daily", "daily", "weekly", "weekly", "weekly"]
    folder = tmp_path / "backups"
    folder.mkdir()
    for stamp in t.values():
        (folder / f"tandem-{stamp:%Y%m%d-%H%M%S}-000Z-manual.tar").touch()
    (folder / "other-20201010-101010-000Z-manual.tar").touch()  # another database's backup: not ours to prune
    (folder / "notes.txt").touch()
    removed = bk.apply_retention(folder, "tandem", 2, now)
    assert sorted(p.name[7:15] + p.name[16:18] for p in removed) == ["2026100410", "2026111710", "2026112810",
                                                                     "2026112908"]
    assert len(list(folder.iterdir())) == 7 + 2


def test_keep_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    assert bk.keep_count() == 10
    monkeypatch.setenv("TANDEM_BACKUP_KEEP", "3")
    assert bk.keep_count() == 3
    monkeypatch.setenv("TANDEM_BACKUP_KEEP", "0")
    with pytest.raises(bk.BackupError, match="TANDEM_BACKUP_KEEP"):
        bk.keep_count()


def test_backups_prune_their_folder(tiny_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TANDEM_BACKUP_KEEP", "2")
    start = dt.datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    for minute in range(4):  # same day: the 2 newest stay (the newest of the day and of the week among them)
        bk.backup(tiny_path, now=start + dt.timedelta(minutes=minute))
    names = sorted(p.name for p in (tiny_path.parent / "backups").iterdir())
    assert names == ["tandem-20261129-100200-000Z-manual.tar", "tandem-20261129-100300-000Z-manual.tar"]


# ── restoring ────────────────────────────────────────────────────────────
def test_restore_round_trip_equals_the_original_and_can_be_undone(demo_copy: Path):
    original = contents(demo_copy)
    taken = bk.backup(demo_copy).written[0]
    change(demo_copy)
    changed = contents(demo_copy)
    version = Database(demo_copy, read_only=True)
    changed_version = version.data_version
    version.close()
    assert changed != original
    result = rs.restore(taken, demo_copy, actor="ops")
    assert contents(demo_copy) == original  # every table
    assert result.broken_checks == {} and result.set_aside == []
    db = Database(demo_copy, read_only=True)
    assert db.data_version == changed_version + 1  # above both: no cache keyed on a version shows other data
    last = db.sql("select actor, action, target from audit_log order by event_id desc limit 1").row(0)
    db.close()
    assert last == ("ops", "restore", taken.name)
    assert result.undo.name.endswith("-before-restore.tar")
    assert bk.read_manifest(result.undo)["data_version"] == changed_version
    rs.restore(result.undo, demo_copy)  # undo
    assert contents(demo_copy) == changed
    assert taken.exists()


def tamper(path: Path, out: Path, payload=None, manifest=None) -> Path:
    with tarfile.open(path) as tar:
        meta = json.loads(tar.extractfile("manifest.json").read())
        data = tar.extractfile("database.duckdb.gz").read()
    data, meta = (payload or (lambda b: b))(data), (manifest or (lambda m: m))(meta)
    with tarfile.open(out, "w") as tar:
        for name, blob in (("manifest.json", json.dumps(meta).encode()), ("database.duckdb.gz", data)):
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return out


def flip(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]


def test_a_tampered_backup_is_refused_and_nothing_changes(tiny_path: Path, tmp_path: Path):
    taken = bk.backup(tiny_path).written[0]
    change(tiny_path)
    before, files = file_hash(tiny_path), sorted(os.listdir(tiny_path.parent / "backups"))
    bad = tamper(taken, tmp_path / "bad.tar", payload=flip)
    with pytest.raises(bk.BackupError, match="checksum does not match"):
        rs.restore(bad, tiny_path)

    def more_orders(m: dict) -> dict:
        return {**m, "tables": {**m["tables"], "orders": m["tables"]["orders"] + 1}}

    lying = tamper(taken, tmp_path / "lying.tar", manifest=more_orders)
    with pytest.raises(bk.BackupError, match=r"does not match its manifest \(tables orders\)"):
        rs.restore(lying, tiny_path)
    garbage = tmp_path / "garbage.tar"
    garbage.write_bytes(b"not a backup at all")
    with pytest.raises(bk.BackupError, match="not a readable Tandem backup"):
        rs.restore(garbage, tiny_path)
    assert file_hash(tiny_path) == before and sorted(os.listdir(tiny_path.parent / "backups")) == files
    assert sorted(os.listdir(tiny_path.parent)) == ["backups", "tandem.duckdb"]  # no copy left behind


class holder:
    """Another process holding the database open read-write, until the block ends."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self):
        code = (f"import duckdb, sys; c = duckdb.connect({str(self.path)!r}); print('open', flush=True); "
                "sys.stdin.read()")
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)
        assert self.proc.stdout.readline().strip() == "open"
        return self.proc

    def __exit__(self, *exc) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def test_a_restore_over_a_database_in_use_is_refused(tiny_path: Path):
    taken = bk.backup(tiny_path).written[0]
    change(tiny_path)
    before = contents(tiny_path, marks=True)
    with holder(tiny_path), pytest.raises(bk.BackupError, match=r"open in another process .*Stop the app"):
        rs.restore(taken, tiny_path)
    assert contents(tiny_path, marks=True) == before
    assert not [p for p in tiny_path.parent.iterdir() if ".restoring-" in p.name]
    app = Database(tiny_path)  # open in this very process (the app's own connection not closed)
    try:
        with pytest.raises(bk.BackupError, match="this process still has it open"):
            rs.restore(taken, tiny_path)
    finally:
        app.close()
    assert contents(tiny_path, marks=True) == before


def test_a_stale_wal_is_not_replayed_into_the_restored_file(tiny_path: Path, tmp_path: Path):
    taken = bk.backup(tiny_path).written[0]
    restored = contents(tiny_path)
    # a process commits a row and dies without closing: the commit lives only in the .wal
    code = (f"import duckdb, os; c = duckdb.connect({str(tiny_path)!r}); "
            "c.execute(\"insert into roles values ('late', 'Late', '迟', 'support', false, null)\"); os._exit(0)")
    subprocess.run([sys.executable, "-c", code], check=True)
    assert Path(f"{tiny_path}.wal").exists()
    result = rs.restore(taken, tiny_path)
    assert contents(tiny_path) == restored
    assert not Path(f"{tiny_path}.wal").exists()
    undo = tmp_path / "undo.duckdb"
    rs.verify(result.undo, undo)  # the late row was not lost: it is in the before-restore backup
    con = duckdb.connect(str(undo), read_only=True)
    assert con.execute("select count(*) from roles where role_id = 'late'").fetchall() == [(1,)]
    con.close()


def test_a_database_that_will_not_open_is_set_aside_not_deleted(tiny_path: Path):
    taken = bk.backup(tiny_path).written[0]
    restored = contents(tiny_path)
    tiny_path.write_bytes(b"crashed half-way " * 100)  # not a database any more
    Path(f"{tiny_path}.wal").write_bytes(b"a log of another life")
    result = rs.restore(taken, tiny_path)
    assert contents(tiny_path) == restored and result.undo is None
    assert sorted(p.name.split(".set-aside-")[0] for p in result.set_aside) == ["tandem.duckdb", "tandem.duckdb.wal"]
    assert [p.read_bytes()[:7] for p in sorted(result.set_aside)] == [b"crashed", b"a log o"]


# ── kill -9 at random points ─────────────────────────────────────────────
ZYGOTE = """
import os, sys
from analytics.core import backup as bk  # imported once; each run is a fork of this process (no database open)
from analytics.core import restore as rs
print("ready", flush=True)
for line in sys.stdin:
    op, backup_file, db = line.rstrip("\\n").split("\\t")
    pid = os.fork()
    if pid == 0:
        try:
            bk.backup(db) if op == "backup" else rs.restore(backup_file, db)
        except BaseException:
            os._exit(1)
        os._exit(0)
    print(pid, flush=True)
    print(os.waitpid(pid, 0)[1], flush=True)
"""


def _run_killed(op: str, backup_file: Path, db: Path, runs: int, prepare, check, seed: int) -> dict[str, int]:
    """``runs`` runs of ``op`` in a child process, each killed (SIGKILL) after a random delay up to 1.1 times the
    measured duration of a whole run (the shortest of three), stratified: one delay in each ``runs``-th of that
    span, in random order, so every stretch of a run, its last moments included, is among the kill points; then
    ``check``-ed. The children are forks of one process that imported Tandem once, so a run costs its own time,
    not an interpreter's start."""
    env = {k: v for k, v in os.environ.items() if k != "TANDEM_BACKUP_DIRS"}
    zygote = subprocess.Popen([sys.executable, "-c", ZYGOTE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)})
    rng = random.Random(seed)
    outcomes: dict[str, int] = {}
    try:
        assert zygote.stdout.readline().strip() == "ready"
        durations = []  # three runs are not killed: how long a whole run takes (the shortest: a load spike on a
        for _ in range(3):  # shared machine would otherwise stretch every delay past the run's end)
            prepare()
            started = time.perf_counter()
            zygote.stdin.write(f"{op}\t{backup_file}\t{db}\n")
            zygote.stdin.flush()
            zygote.stdout.readline()
            assert zygote.stdout.readline().strip() == "0", "a whole run failed"
            durations.append(time.perf_counter() - started)
        duration = min(durations)
        delays = [duration * 1.1 * (i + rng.random()) / runs for i in range(runs)]
        rng.shuffle(delays)
        for delay in delays:
            prepare()
            zygote.stdin.write(f"{op}\t{backup_file}\t{db}\n")
            zygote.stdin.flush()
            pid = int(zygote.stdout.readline())
            time.sleep(delay)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            status = int(zygote.stdout.readline())  # reaped: nothing of it runs any more
            state = check()
            outcomes[state] = outcomes.get(state, 0) + 1
            outcomes["killed" if status == signal.SIGKILL else "finished"] = outcomes.get(
                "killed" if status == signal.SIGKILL else "finished", 0) + 1
    finally:
        zygote.stdin.close()
        zygote.wait(timeout=30)
    return outcomes


RUNS = 30  # kill points per operation, stratified over a run (were 50 drawn at random: about 40% more time)


@pytest.mark.slow
def test_kill_9_during_backup_and_restore_leaves_a_state_before_or_after(tmp_path: Path):
    """Measured 33 s on a shared 2-CPU machine at load average 7.6 (57 s with 50 random kill points each; no
    wall-clock assertion)."""
    before_path = tmp_path / "before.duckdb"
    open_db(before_path, tiny_frames()).close()
    after_path = tmp_path / "after.duckdb"
    shutil.copy(before_path, after_path)
    change(after_path)
    before, after = contents(before_path), contents(after_path)
    assert before != after
    site = tmp_path / "site"
    site.mkdir()
    target = site / "tandem.duckdb"
    taken = bk.backup(after_path, to=[tmp_path / "kept"]).written[0]

    # kill during a backup: the database is untouched, and every backup that shows is whole
    shutil.copy(before_path, target)

    def backups_whole() -> str:
        assert contents(target) == before
        for b in bk.list_backups(target):
            with tarfile.open(b.path) as tar:
                payload = tar.extractfile("database.duckdb.gz").read()
            assert hashlib.sha256(payload).hexdigest() == b.manifest["payload_sha256"], b.path
        return "before"

    _run_killed("backup", taken, target, RUNS, lambda: None, backups_whole, seed=1)

    # kill during a restore: the database opens and holds the old data or the restored data, nothing between
    def fresh() -> None:
        for p in site.iterdir():
            if p.is_file():
                p.unlink()
        shutil.copy(before_path, target)

    def before_or_after() -> str:
        state = contents(target)
        assert state in (before, after)
        return "before" if state == before else "after"

    outcomes = _run_killed("restore", taken, target, RUNS, fresh, before_or_after, seed=2)
    assert outcomes.get("before", 0) + outcomes.get("after", 0) == RUNS
    assert outcomes.get("killed", 0) >= RUNS // 2, outcomes  # most runs were cut off somewhere, not finished
