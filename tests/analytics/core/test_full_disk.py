"""A full disk: imports and backups fail loudly, and what was there before stays whole.

A small tmpfs (48 MB) is mounted for each test and filled with a ballast file so only a few MB are left; the
database sits on it (or the backup destination does). The commands run as an operator runs them
(``python -m analytics …`` in a child process). Mounting needs root: without it the tests are skipped, except
under ``CI=true``, where a missing piece is a failure.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from analytics.core import backup as bk
from analytics.core import restore as rs
from analytics.core.db import Database
from tests.conftest import open_db, tiny_frames

ROOT = Path(__file__).resolve().parents[3]
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _only_the_backups_beside_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TANDEM_BACKUP_DIRS", raising=False)
    monkeypatch.delenv("TANDEM_BACKUP_KEEP", raising=False)


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 48 MB tmpfs, unmounted afterwards."""
    disk = tmp_path / "disk"
    disk.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(disk)],
                              capture_output=True, text=True, timeout=30)
        why = (done.stderr or done.stdout).strip() if done.returncode else ""
    except (OSError, subprocess.SubprocessError) as exc:
        why = f"{type(exc).__name__}: {exc}"
    if why:
        message = f"cannot mount a small tmpfs to fill (needs root and mount permission): {why}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True, timeout=60, check=False)


def leave_free(disk: Path, mb: float) -> Path:
    """A ballast file that leaves about ``mb`` MB free on the disk."""
    st = os.statvfs(disk)
    ballast = disk / "ballast"
    with ballast.open("wb") as fh:
        fh.truncate(0)
        left = st.f_bavail * st.f_frsize - int(mb * MB)
        while left > 0:
            fh.write(b"\0" * min(left, 4 * MB))
            left -= 4 * MB
    return ballast


def state(path: Path, read_only: bool = False) -> dict[str, tuple[int, str]]:
    """Every table's rows and a content hash, opened through :class:`Database`."""
    db = Database(path, read_only=read_only)
    try:
        cur = db.cursor()
        names = [r[0] for r in cur.sql("select table_name from duckdb_tables() where schema_name = 'main' "
                                       "order by 1").fetchall()]
        return {n: tuple(cur.sql(f'select count(*), coalesce(sum(hash(t)), 0)::varchar from "{n}" as t'
                                 ).fetchall()[0]) for n in names}
    finally:
        db.close()


def cli(*argv: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("TANDEM_BACKUP_DIRS", "TANDEM_BACKUP_KEEP")}
    return subprocess.run([sys.executable, "-m", "analytics", *argv], capture_output=True, text=True, cwd=ROOT,
                          env={**env, "PYTHONPATH": str(ROOT)}, timeout=300)


def write_orders(path: Path, n: int) -> None:
    """``n`` new orders of the tiny company's reps and customers (about 12 MB in the database per million)."""
    pl.DataFrame({"order_id": pl.int_range(1000, 1000 + n, eager=True)}).with_columns(
        employee_id=(pl.col("order_id") % 3).replace_strict({0: 1, 1: 2, 2: 4}),
        customer_id=10 + pl.col("order_id") % 3,
        order_date=pl.date(2024, 1, 1) + pl.duration(days=pl.col("order_id") % 150),
        amount=(pl.col("order_id") * 7919 % 100_000) / 10,
    ).write_csv(path)


def no_part_files(folder: Path) -> None:
    assert not [p.name for p in folder.rglob(".*part*")], "half-written backup files were left behind"


def whole_backups(db_path: Path, tmp_path: Path, expected: dict[str, tuple[int, str]]) -> int:
    """Every backup of the database verifies (checksum, counts, fingerprints) and holds the ``expected`` rows."""
    found = bk.list_backups(db_path)
    for i, b in enumerate(found):
        manifest, _ = rs.verify(b.path, tmp_path / f"verified-{i}.duckdb")
        assert manifest["tables"] == {t: n for t, (n, _) in expected.items()}
    return len(found)


@pytest.fixture
def orders_csv(tmp_path: Path) -> Path:
    path = tmp_path / "orders.csv"  # outside the small disk
    write_orders(path, 2_000_000)
    return path


def place_database(disk: Path) -> Path:
    db = disk / "tandem.duckdb"
    open_db(db, tiny_frames()).close()
    return db


def test_an_import_that_fills_the_disk_fails_loudly_and_leaves_the_data_and_its_backup_whole(
        small_disk: Path, orders_csv: Path, tmp_path: Path):
    db = place_database(small_disk)
    before = state(db)
    leave_free(small_disk, 10)  # room for the backup before the import, not for 2 million orders
    done = cli("import", "--quiet", "--db", str(db), "--file", str(orders_csv), "--user", "disk.test")
    out = done.stdout + done.stderr
    assert done.returncode == 1, out  # docs/import.md: a rolled-back load is a report with an error
    assert "the disk holding the database is full" in out and "the disk is full: free space" in out, out
    assert "Traceback" not in out and "unexpected failure" not in out
    assert state(db, read_only=True) == before  # opens on the full disk, unchanged
    (small_disk / "ballast").unlink()
    assert state(db) == before  # and opens for writing, as the app opens it, unchanged
    assert whole_backups(db, tmp_path, before) == 1  # the before-import backup was taken, and is whole
    no_part_files(small_disk)


def test_an_import_with_no_room_for_its_backup_is_refused_with_nothing_written(
        small_disk: Path, orders_csv: Path, tmp_path: Path):
    db = place_database(small_disk)
    before = state(db)
    leave_free(small_disk, 0.5)
    done = cli("import", "--quiet", "--db", str(db), "--file", str(orders_csv), "--user", "disk.test")
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "no backup could be taken before the import" in out and "No space left on device" in out, out
    assert "the disk is full: free space" in out and "Traceback" not in out, out
    assert state(db, read_only=True) == before
    (small_disk / "ballast").unlink()
    assert state(db) == before
    assert whole_backups(db, tmp_path, before) == 0
    no_part_files(small_disk)


def test_a_backup_onto_a_full_disk_fails_loudly_and_leaves_the_database_untouched(small_disk: Path,
                                                                                tmp_path: Path):
    db = tmp_path / "site" / "tandem.duckdb"
    open_db(db, tiny_frames()).close()
    before, digest = state(db), hashlib.sha256(db.read_bytes()).hexdigest()
    target = small_disk / "backups"
    first = cli("backup", "--db", str(db), "--to", str(target))  # room for one: it is kept, whole
    assert first.returncode == 0, first.stdout + first.stderr
    leave_free(small_disk, 0.2)
    done = cli("backup", "--db", str(db), "--to", str(target))
    assert done.returncode == 2, done.stdout + done.stderr  # refused, with a message, not an unexpected failure
    assert done.stderr.startswith("error: The backup of") and "No space left on device" in done.stderr
    assert "Free some space" in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest and state(db) == before
    kept = bk.list_backups(db, [target])
    assert len(kept) == 1
    rs.verify(kept[0].path, tmp_path / "verified.duckdb")
    no_part_files(small_disk)
    assert sorted(p.name for p in target.iterdir()) == [kept[0].name]


def test_a_full_destination_is_a_warning_when_another_takes_the_backup(small_disk: Path, tmp_path: Path):
    db = tmp_path / "site" / "tandem.duckdb"
    open_db(db, tiny_frames()).close()
    before = state(db)
    full, other = small_disk / "backups", tmp_path / "offsite"
    leave_free(small_disk, 0.2)
    done = cli("backup", "--db", str(db), "--to", str(full), "--to", str(other))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"warning: the backup could not be written to {full}" in done.stderr
    assert "No space left on device" in done.stderr and "Traceback" not in done.stderr
    assert [b.path.parent for b in bk.list_backups(db, [full, other])] == [other]
    manifest, _ = rs.verify(bk.list_backups(db, [other])[0].path, tmp_path / "verified.duckdb")
    assert manifest["tables"] == {t: n for t, (n, _) in before.items()}
    no_part_files(small_disk)
    no_part_files(other)
