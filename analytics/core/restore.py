"""Restoring a backup (docs/operations.md): unpack into a new file next to the target, check it against the
manifest (checksum, schema version, rows and content hashes, the data contracts), back the current database up
(kind ``before-restore``: the undo), then swap the copy in with ``os.replace``, a stale ``.wal`` set aside. A
database another process has open is refused, with nothing changed. Backups themselves: ``backup``.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import gzip
import hashlib
import os
import re
import shutil
import tarfile
from pathlib import Path

import duckdb

from analytics.core.backup import (
    _CHUNK,
    FORMAT,
    PAYLOAD,
    BackupError,
    RestoreResult,
    _alive,
    _damaged,
    _fingerprints,
    _fsync,
    _fsync_dir,
    _stamp,
    _unlink_copy,
    apply_retention,
    backup,
    destinations,
    keep_count,
    read_manifest,
)
from analytics.core.db import RENEW_TOKEN, SCHEMA_VERSION, Database, looks_like_duckdb


# ── restoring ────────────────────────────────────────────────────────────
def find_backup(name: str | Path, db_path: str | Path) -> Path:
    """A backup given as a path, or as a file name in one of the destinations."""
    path = Path(name).expanduser()
    if path.exists():
        return path
    for folder in destinations(db_path):
        if (folder / path.name).exists():
            return folder / path.name
    raise BackupError(f"There is no backup {name}. `python -m analytics backups list` shows the ones there are.",
                      "missing")


def verify(backup_path: str | Path, into: Path) -> tuple[dict, dict[str, int]]:
    """Check a backup and unpack it into the new file ``into``: the payload's sha256, then the unpacked
    database's schema version, row counts and table fingerprints against the manifest, then the data
    contracts. Returns the manifest and the contracts broken (name → rows). ``into`` is removed on refusal."""
    backup_path = Path(backup_path)
    manifest = read_manifest(backup_path)
    if manifest.get("format") != FORMAT or "payload_sha256" not in manifest:
        raise _damaged(backup_path, "is a backup format this Tandem does not read")
    if int(manifest.get("schema_version", 0)) > SCHEMA_VERSION:
        raise BackupError(f"{backup_path} was made by a newer Tandem (schema version {manifest['schema_version']}; "
                          f"this one reads up to {SCHEMA_VERSION}). Upgrade Tandem to restore it.", "newer")
    _unlink_copy(into)
    try:
        with tarfile.open(backup_path, "r:") as tar:
            member = tar.getmember(PAYLOAD)
            with tar.extractfile(member) as fh:
                digest = hashlib.file_digest(fh, "sha256")
            if digest.hexdigest() != manifest["payload_sha256"]:
                raise _damaged(backup_path, "is damaged: its checksum does not match its manifest")
            with tar.extractfile(member) as fh, gzip.GzipFile(fileobj=fh) as gz, into.open("wb") as out:
                shutil.copyfileobj(gz, out, _CHUNK)
                out.flush()
                os.fsync(out.fileno())
        return manifest, _check_unpacked(backup_path, into, manifest)
    except (tarfile.TarError, KeyError, OSError, EOFError) as exc:
        _unlink_copy(into)
        raise _damaged(backup_path, f"cannot be unpacked ({type(exc).__name__}: {exc})") from None
    except BaseException:
        _unlink_copy(into)
        raise


def _check_unpacked(backup_path: Path, into: Path, manifest: dict) -> dict[str, int]:
    try:
        con = duckdb.connect(str(into), read_only=True)
    except duckdb.Error as exc:
        raise _damaged(backup_path, f"holds no readable database ({str(exc).splitlines()[0]})") from None
    try:
        catalog = con.execute("select current_database()").fetchall()[0][0]
        counts, hashes = _fingerprints(con, catalog)
        version = con.execute("select value from meta where key = 'schema_version'").fetchall()
    finally:
        con.close()
    if not version or int(version[0][0]) != int(manifest["schema_version"]):
        raise _damaged(backup_path, "holds a database without the schema version of its manifest")
    if counts != manifest["tables"] or hashes != manifest.get("fingerprints", hashes):
        differ = sorted(t for t in set(counts) | set(manifest["tables"])
                        if counts.get(t) != manifest["tables"].get(t)
                        or hashes.get(t) != manifest.get("fingerprints", hashes).get(t))
        raise _damaged(backup_path, f"holds a database that does not match its manifest (tables {', '.join(differ)})")
    db = Database(into, read_only=True)
    try:
        return {name: rows.height for name, rows in db.run_checks().items() if rows.height}
    finally:
        db.close()


def _lock_error(exc: Exception) -> bool:
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def _refuse_open(target: Path, detail: str) -> BackupError:
    return BackupError(f"Cannot restore over {target}: it is open in another process ({detail}). Stop the app and "
                       "any other Tandem command using it, then run the restore again. Nothing was changed.", "in_use")


def _set_aside(path: Path, stamp: str) -> Path:
    aside = path.with_name(f"{path.name}.set-aside-{stamp}")
    os.replace(path, aside)
    return aside


def restore(backup_path: str | Path, db_path: str | Path, now: dt.datetime | None = None,
            actor: str = "cli") -> RestoreResult:
    """Verify ``backup_path``, back the current database up (kind ``before-restore``), and swap the verified
    copy in atomically. Refused, with nothing changed, when the backup fails a check or the database is open
    in another process."""
    target = Path(db_path).expanduser().absolute()
    backup_path = Path(backup_path).expanduser().absolute()
    when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    stamp = f"{_stamp(when)}Z"
    if target.is_dir():
        raise BackupError(f"{target} is a folder, not a database file. Point --db or TANDEM_DB at the database.")
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{target.name}.restoring-*"):  # left by an interrupted restore
        if not ((pid := re.search(r"restoring-(\d+)", stale.name)) and _alive(int(pid.group(1)))):
            stale.unlink(missing_ok=True)
    fresh = target.with_name(f".{target.name}.restoring-{os.getpid()}")
    manifest, broken = verify(backup_path, fresh)
    try:
        undo, current_version, set_aside = _back_up_current(target, backup_path)
        _mark_restored(fresh, manifest, backup_path, max(current_version, int(manifest["data_version"])) + 1, actor)
        set_aside += _swap(fresh, target, stamp)
    except BaseException:
        _unlink_copy(fresh)
        raise
    return RestoreResult(target, backup_path, undo, dict(manifest["tables"]), broken, set_aside)


def _back_up_current(target: Path, protect: Path) -> tuple[Path | None, int, list[Path]]:
    """The "before restore" backup of the database there now: (its file, the current data version, files set
    aside). A file that is no database or does not open is set aside rather than backed up."""
    if not target.exists():
        return None, 0, []
    if not looks_like_duckdb(target):
        return None, 0, [_set_aside(target, _stamp(dt.datetime.now(dt.UTC)) + "Z")]
    try:
        con = duckdb.connect(str(target))
    except duckdb.ConnectionException as exc:  # open in this very process, read-only
        raise _refuse_open(target, str(exc).splitlines()[0]) from None
    except duckdb.Error as exc:
        if _lock_error(exc):
            raise _refuse_open(target, str(exc).splitlines()[0]) from None
        stamp = _stamp(dt.datetime.now(dt.UTC)) + "Z"
        aside = [_set_aside(target, stamp)]
        wal = Path(f"{target}.wal")
        if wal.exists():
            aside.append(_set_aside(wal, stamp))
        return None, 0, aside
    try:
        result = backup(target, kind="before-restore", con=con, prune=False)
    finally:
        con.close()
    try:  # a connection of this same process that is still open would share the file under the swap
        duckdb.connect(str(target), read_only=True).close()
    except duckdb.ConnectionException as exc:
        raise _refuse_open(target, f"this process still has it open: {str(exc).splitlines()[0]}") from None
    except duckdb.Error as exc:
        if _lock_error(exc):
            raise _refuse_open(target, str(exc).splitlines()[0]) from None
        raise
    keep = keep_count()
    for written in result.written:
        apply_retention(written.parent, target.stem, keep, dt.datetime.now(dt.UTC), protect=[protect])
    return result.written[0], int(result.manifest["data_version"]), []


def _mark_restored(fresh: Path, manifest: dict, backup_path: Path, version: int, actor: str) -> None:
    """Give the restored file a data version above both the current and the backed-up one (so no cache keyed
    on a version shows the other data), and an audit entry naming the backup."""
    db = Database(fresh)
    try:
        with db.transaction(bump=False) as cur:
            cur.execute("update meta set value = $v where key = 'data_version'", {"v": str(version)})
            cur.execute(RENEW_TOKEN)
            db.audit(cur, actor, "restore", target=backup_path.name, n_rows=int(manifest.get("total_rows", 0)),
                     detail={"kind": manifest.get("kind"), "created_at": manifest.get("created_at"),
                             "data_version_backed_up": manifest.get("data_version")})
    finally:
        db.close()
    if Path(f"{fresh}.wal").exists():
        raise BackupError(f"The restored copy {fresh} kept a write-ahead log after closing; nothing was changed.")
    _fsync(fresh)


def _swap(fresh: Path, target: Path, stamp: str) -> list[Path]:
    """Move ``fresh`` into place, holding the target's file lock so no process opens it meanwhile; a stale
    ``.wal`` of the old file is set aside first (replayed into the restored file it would corrupt it)."""
    fd = None
    if target.exists():
        fd = os.open(target, os.O_RDWR)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise _refuse_open(target, "another process took it during the restore") from None
    try:
        aside = []
        wal = Path(f"{target}.wal")
        if wal.exists():
            aside.append(_set_aside(wal, stamp))
        os.replace(fresh, target)
        _fsync_dir(target.parent)
        return aside
    finally:
        if fd is not None:
            os.close(fd)
