"""``backup``, ``restore``, ``backups list`` and the demo's refusal to replace a real company: exit codes 0 / 2 / 3,
messages that name the file and what to do."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from analytics.cli.main import _may_replace, build_parser, main
from analytics.core import backup as bk
from analytics.core.db import Database
from tests.conftest import open_db, tiny_frames


@pytest.fixture(autouse=True)
def _no_extra_destinations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TANDEM_BACKUP_DIRS", raising=False)
    monkeypatch.delenv("TANDEM_BACKUP_KEEP", raising=False)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A company that is not the demo (the tiny one), closed, in its own folder."""
    path = tmp_path / "site" / "tandem.duckdb"
    path.parent.mkdir()
    open_db(path, tiny_frames()).close()
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def orders(path: Path) -> int:
    db = Database(path, read_only=True)
    try:
        return int(db.scalar("select count(*) from orders"))
    finally:
        db.close()


@pytest.mark.parametrize("command", [["backup"], ["restore"], ["backups", "list"]])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([*command, "--help"])
    assert exit_.value.code == 0 and "--db" in capsys.readouterr().out


def test_backup_list_restore_and_undo(site: Path, capsys):
    code, out, _ = run(capsys, "backup", "--db", str(site))
    assert code == 0 and f"Backed up {site} to {site.parent / 'backups'}" in out
    assert "data version 1" in out and "tables)." in out
    code, _, _ = run(capsys, "backup", "--kind", "daily", "--db", str(site))
    assert code == 0
    code, out, _ = run(capsys, "backups", "list", "--format", "json", "--db", str(site))
    listed = json.loads(out)
    assert [r["kind"] for r in listed] == ["daily", "manual"]  # newest first
    assert listed[0]["rows"] == sum(Database(site, read_only=True).table_counts().values())
    assert listed[0]["data_version"] == 1 and listed[0]["kept_as"] == "latest" and listed[0]["size"].endswith("KB")
    code, out, _ = run(capsys, "backups", "list", "--db", str(site))
    assert code == 0 and out.index("| daily") < out.index("| manual")
    manual = Path(listed[1]["file"])
    db = Database(site)
    with db.transaction() as cur:
        cur.execute("delete from orders")
    db.close()
    code, out, _ = run(capsys, "restore", manual.name, "--db", str(site))  # a name in the backup folder will do
    assert code == 0 and f"Restored {site} from {manual}" in out
    assert orders(site) == 5
    undo = out.split("To undo: python -m analytics restore ")[1].split(" --db ")[0]
    code, _, _ = run(capsys, "restore", undo, "--db", str(site))
    assert code == 0 and orders(site) == 0


def test_to_writes_there_and_backup_dirs_add_destinations(site: Path, tmp_path: Path, capsys,
                                                          monkeypatch: pytest.MonkeyPatch):
    code, out, _ = run(capsys, "backup", "--to", str(tmp_path / "usb"), "--db", str(site))
    assert code == 0 and len(list((tmp_path / "usb").glob("tandem-*-manual.tar"))) == 1
    assert not (site.parent / "backups").exists()
    monkeypatch.setenv("TANDEM_BACKUP_DIRS", os.pathsep.join([str(tmp_path / "offsite1"), str(tmp_path / "offsite2")]))
    code, out, err = run(capsys, "backup", "--db", str(site))
    assert code == 0 and out.count("Backed up") == 3 and err == ""
    for folder in (site.parent / "backups", tmp_path / "offsite1", tmp_path / "offsite2"):
        assert len(list(folder.glob("*.tar"))) == 1


def test_refusals_exit_2_and_change_nothing(site: Path, tmp_path: Path, capsys):
    code, _, err = run(capsys, "restore", "nosuch.tar", "--db", str(site))
    assert code == 2 and "There is no backup nosuch.tar" in err and "backups list" in err
    taken = bk.backup(site).written[0]
    data = bytearray(taken.read_bytes())
    with tarfile.open(taken) as tar:
        member = tar.getmember("database.duckdb.gz")
    data[member.offset_data + member.size // 2] ^= 0xFF
    bad = tmp_path / "bad.tar"
    bad.write_bytes(bytes(data))
    before = site.read_bytes()
    code, _, err = run(capsys, "restore", str(bad), "--db", str(site))
    assert code == 2 and f"{bad} is damaged: its checksum does not match" in err and "Nothing was changed" in err
    assert site.read_bytes() == before
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(site)!r}); "
                               "print('open', flush=True); sys.stdin.read()"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        code, _, err = run(capsys, "restore", str(taken), "--db", str(site))
        assert code == 2 and "it is open in another process" in err and "Stop the app" in err
        code, _, err = run(capsys, "backup", "--db", str(site))
        assert code == 2 and "another process has it open" in err
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert site.read_bytes() == before
    code, _, err = run(capsys, "backup", "--db", str(tmp_path / "none.duckdb"))
    assert code == 2 and "There is no database at" in err


def test_an_unexpected_failure_exits_3_with_a_log(site: Path, capsys, monkeypatch: pytest.MonkeyPatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(bk, "backup", broken)
    code, _, err = run(capsys, "backup", "--db", str(site))
    assert code == 3 and "unexpected failure (RuntimeError: disk on fire)" in err
    log = Path(err.split("the details are in ")[1].strip())
    assert "disk on fire" in log.read_text(encoding="utf-8")


def test_demo_refuses_to_replace_a_company_that_is_not_the_demo(site: Path, capsys):
    before = site.read_bytes()
    code, _, err = run(capsys, "demo", "--quiet", "--db", str(site))
    assert code == 2 and "is not the demo" in err and "--replace" in err
    assert site.read_bytes() == before and not (site.parent / "backups").exists()
    code, out, _ = run(capsys, "demo", "--quiet", "--replace", "--end", "2025-12", "--db", str(site))
    assert code == 0 and "before replacing it" in out
    (saved,) = bk.list_backups(site)
    assert saved.kind == "before-replace" and saved.manifest["tables"]["orders"] == 5
    db = Database(site, read_only=True)
    assert db.meta("demo") == "true"
    db.close()


def test_a_demo_or_empty_database_is_replaced_without_asking(demo_db_path: Path, tmp_path: Path):
    demo = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_path, demo)
    _may_replace(demo, replace=False)
    empty = tmp_path / "empty.duckdb"
    Database(empty).close()
    _may_replace(empty, replace=False)
    _may_replace(tmp_path / "absent.duckdb", replace=False)
    assert not (tmp_path / "backups").exists()
