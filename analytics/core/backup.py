"""Backups of the database, taken through DuckDB, and restores that verify before they swap (docs/operations.md).

A backup, ``<db stem>-YYYYMMDD-HHMMSS-mmmZ-<kind>.tar``, holds ``manifest.json`` (schema and data version,
when, from where, rows and a content hash per table, the payload's sha256) and ``database.duckdb.gz``: a copy
made by DuckDB (``ATTACH`` a new file, ``COPY FROM DATABASE`` in one transaction), a consistent snapshot of
the committed data even while the app has the file open. The ``.duckdb`` file is never copied as bytes (the
newest commits may still be in its ``.wal``). It goes to ``backups/`` beside the database and to each folder
of ``TANDEM_BACKUP_DIRS``, written as ``.*.part`` and renamed when complete; then :func:`retention` prunes.

:func:`restore` unpacks into a new file next to the target and checks it against the manifest before it backs
the current database up (kind ``before-restore``: the undo) and swaps the copy in with ``os.replace``, a
stale ``.wal`` set aside. A database another process has open is refused, with nothing changed.
"""
from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import uuid
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from analytics.core import panels
from analytics.core.db import DatabaseError, looks_like_duckdb

FORMAT = 1
MANIFEST, PAYLOAD = "manifest.json", "database.duckdb.gz"
KINDS = ("manual", "daily", "weekly", "before-import", "before-restore", "before-replace")
DEFAULT_KEEP, DAYS, WEEKS = 10, 7, 8
_NAME = re.compile(r"^(?P<stem>.+)-(?P<ts>\d{8}-\d{6}-\d{3})Z-(?P<kind>[a-z-]+)\.tar$")
_CHUNK = 1 << 20


class BackupError(DatabaseError):
    """A backup or restore that was refused or could not be done; the message names the file and what to do.
    ``code`` says why, for a page to word it: damaged, newer, in_use, missing, no_destination, settings, failed."""

    def __init__(self, message: str, code: str = "failed") -> None:
        super().__init__(message)
        self.code = code


def _damaged(path: Path, why: str) -> BackupError:
    return BackupError(f"{path} {why}. Nothing was changed; restore another backup (a copy in another backup "
                       "folder, or an older one).", "damaged")


@dataclass(frozen=True)
class Backup:
    """One backup file and its manifest (``kind``, ``created_at``, ``data_version``, ``tables``...)."""

    path: Path
    manifest: dict
    name = property(lambda self: self.path.name)
    kind = property(lambda self: str(self.manifest.get("kind", "manual")))
    created_at = property(lambda self: dt.datetime.fromisoformat(self.manifest["created_at"]))
    data_version = property(lambda self: int(self.manifest.get("data_version", 0)))
    total_rows = property(lambda self: sum(int(v) for v in self.manifest.get("tables", {}).values()))
    size = property(lambda self: self.path.stat().st_size)


@dataclass
class BackupResult:
    """What a backup wrote: the files (one per destination that worked) and the destinations that failed."""

    written: list[Path]
    failed: dict[Path, str]
    manifest: dict
    removed: list[Path] = field(default_factory=list)


@dataclass
class RestoreResult:
    target: Path
    backup: Path
    undo: Path | None               # the "before restore" backup of what was there (None: there was nothing)
    tables: dict[str, int]
    broken_checks: dict[str, int]   # data contracts the restored data breaks (rows), as they were when backed up
    set_aside: list[Path]           # a stale .wal or an unreadable database file, moved aside, not deleted


# ── where backups go ─────────────────────────────────────────────────────
def keep_count() -> int:
    raw = os.environ.get("TANDEM_BACKUP_KEEP", "").strip()
    if not raw:
        return DEFAULT_KEEP
    if not raw.isdigit() or int(raw) < 1:
        raise BackupError(f"TANDEM_BACKUP_KEEP={raw!r} is not a whole number of at least 1; "
                          f"set it to how many recent backups to keep (default {DEFAULT_KEEP}).", "settings")
    return int(raw)


def destinations(db_path: str | Path) -> list[Path]:
    """``backups/`` beside the database, then each folder of ``TANDEM_BACKUP_DIRS`` (duplicates once)."""
    folders = [Path(db_path).expanduser().absolute().parent / "backups"]
    folders += [Path(p).expanduser().absolute() for p in os.environ.get("TANDEM_BACKUP_DIRS", "").split(os.pathsep)
                if p.strip()]
    seen: dict[str, Path] = {}
    for folder in folders:
        seen.setdefault(os.path.normpath(str(folder)), folder)
    return list(seen.values())


def _kind(reason: str) -> str:
    slug = reason.strip().lower().replace(" ", "-").replace("_", "-")
    slug = slug if slug in KINDS else f"before-{slug}"
    if slug not in KINDS:
        raise BackupError(f"{reason!r} is not a kind of backup; expected one of {', '.join(KINDS)}.", "settings")
    return slug


def _stamp(when: dt.datetime) -> str:
    return f"{when:%Y%m%d-%H%M%S}-{when.microsecond // 1000:03d}"


def _parse_stamp(text: str) -> dt.datetime:
    return dt.datetime.strptime(text[:15], "%Y%m%d-%H%M%S").replace(
        microsecond=int(text[16:19]) * 1000, tzinfo=dt.UTC)


# ── taking a backup ──────────────────────────────────────────────────────
def _open_source(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A connection to the database: read-only from another process; in this process, the database instance
    already open (a second ``connect`` with the same settings shares it), read-write or read-only."""
    for read_only in (True, False):
        try:
            return duckdb.connect(str(db_path), read_only=read_only)
        except duckdb.ConnectionException:  # open in this process with the other setting: try that one
            continue
        except duckdb.IOException as exc:
            text = str(exc).splitlines()[0]
            if "lock" in text.lower():
                raise BackupError(
                    f"Cannot back up {db_path}: another process has it open for writing ({text}). Back it up "
                    "from that process (the app's Data page, Back up now) or stop it first.", "in_use") from None
            raise BackupError(f"Cannot open {db_path} to back it up: {text}") from None
    raise BackupError(f"Cannot open {db_path} to back it up: this process has it open in a way that cannot be shared.")


def _fingerprints(con: duckdb.DuckDBPyConnection, catalog: str) -> tuple[dict[str, int], dict[str, str]]:
    """Rows and an order-free content hash of every table of ``catalog`` (names come from the catalogue)."""
    names = [r[0] for r in con.execute(
        "select table_name from duckdb_tables() where database_name = $c and schema_name = 'main' "
        "order by table_name", {"c": catalog}).fetchall()]
    counts, hashes = {}, {}
    for name in names:
        n, h = con.execute(f'select count(*), coalesce(sum(hash(t)), 0)::varchar from "{catalog}".main."{name}" as t'
                           ).fetchall()[0]
        counts[name], hashes[name] = int(n), str(h)
    return counts, hashes


def _snapshot(con: duckdb.DuckDBPyConnection, target: Path) -> dict:
    """Copy the committed state of the connection's database into a new file ``target``; its facts."""
    cur = con.cursor()
    try:
        source = cur.execute("select current_database()").fetchall()[0][0]
        alias = f"tandem_backup_{uuid.uuid4().hex[:12]}"  # ATTACH is instance-wide: one name per backup
        cur.execute(f"attach '{_sql_path(target)}' as {alias} (read_write)")
        try:
            cur.execute("begin transaction")
            cur.execute(f'copy from database "{source}" to {alias}')
            counts, hashes = _fingerprints(cur, alias)
            meta = dict(cur.execute(f"select key, value from {alias}.main.meta").fetchall()) if "meta" in counts else {}
            cur.execute("commit")
            # the panels are derived (analytics/core/panels.py): left out, built again after a restore
            cur.execute(f"drop schema if exists {alias}.{panels.SCHEMA} cascade")
        except BaseException:
            with suppress(duckdb.Error):
                cur.execute("rollback")
            raise
        finally:
            with suppress(duckdb.Error):
                cur.execute(f"detach {alias}")
    finally:
        cur.close()
    return {"tables": counts, "fingerprints": hashes, "meta": meta}


def _sql_path(path: Path) -> str:
    """A path as a SQL string literal body (ATTACH takes no bound parameter)."""
    return str(path).replace("'", "''")


def _fsync(path: Path) -> None:
    """Flush a file (or a folder's entries) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _unlink_copy(path: Path) -> None:
    for p in (path, Path(f"{path}.wal")):
        p.unlink(missing_ok=True)


def _clean_parts(folder: Path) -> None:
    """Remove half-written files of backups that were interrupted (their process is gone)."""
    for part in folder.glob(".*.part*"):
        if not ((pid := re.search(r"\.(\d+)\.part", part.name)) and _alive(int(pid.group(1)))):
            part.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def _write_archive(staged: Path, manifest: dict, out: Path) -> None:
    """``out``: a tar of the manifest and the staged (already gzipped) payload, flushed to disk."""
    data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime = len(data), int(dt.datetime.now().timestamp())
        tar.addfile(info, io.BytesIO(data))
        tar.add(staged, arcname=PAYLOAD)
    _fsync(out)


def backup(db_path: str | Path, kind: str = "manual", to: Iterable[str | Path] | None = None,
           con: duckdb.DuckDBPyConnection | None = None, prune: bool | None = None,
           now: dt.datetime | None = None) -> BackupResult:
    """Back the database up to each destination (``to``, else :func:`destinations`); then apply the retention
    rule to the configured destinations (not to ``to`` folders, unless ``prune``). ``con``: an open connection
    to the database to copy through (the app's own), else one is opened."""
    db_path = Path(db_path).expanduser()
    kind = _kind(kind)
    if con is None and not db_path.exists():
        raise BackupError(f"There is no database at {db_path} to back up. Check --db or TANDEM_DB.", "missing")
    folders = [Path(p).expanduser().absolute() for p in to] if to else destinations(db_path)
    prune = (not to) if prune is None else prune
    keep = keep_count()
    when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    name = f"{db_path.stem}-{_stamp(when)}Z-{kind}.tar"
    failed: dict[Path, str] = {}
    usable: list[Path] = []
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _clean_parts(folder)
            while (folder / name).exists():  # two backups in the same millisecond
                when += dt.timedelta(milliseconds=1)
                name = f"{db_path.stem}-{_stamp(when)}Z-{kind}.tar"
            usable.append(folder)
        except OSError as exc:
            failed[folder] = f"{type(exc).__name__}: {exc}"
    if not usable:
        raise BackupError(_all_failed(db_path, failed), "no_destination")
    tag = f"{name}.{os.getpid()}.part"
    copy, packed = usable[0] / f".{tag}.duckdb", usable[0] / f".{tag}.gz"
    own = con is None
    source = _open_source(db_path) if own else con
    try:
        try:
            for stage_dir in list(usable):  # staged in the first folder that can hold the copy
                copy, packed = stage_dir / f".{tag}.duckdb", stage_dir / f".{tag}.gz"
                try:
                    facts = _snapshot(source, copy)
                    with copy.open("rb") as raw, gzip.GzipFile(packed, "wb", compresslevel=3, mtime=0) as gz:
                        shutil.copyfileobj(raw, gz, _CHUNK)
                    break
                except (OSError, duckdb.IOException) as exc:  # that folder is full or not writable: it failed
                    _unlink_copy(copy)
                    packed.unlink(missing_ok=True)
                    usable.remove(stage_dir)
                    failed[stage_dir] = f"{type(exc).__name__}: {exc}"
            else:
                raise BackupError(_all_failed(db_path, failed), "no_destination")
        finally:
            if own:
                source.close()
        with packed.open("rb") as fh:
            digest = hashlib.file_digest(fh, "sha256")
        meta = facts["meta"]
        manifest = {
            "format": FORMAT, "kind": kind, "created_at": when.isoformat(timespec="milliseconds"),
            "source": str(db_path.absolute()), "schema_version": int(meta.get("schema_version", 0)),
            "data_version": int(meta.get("data_version", 0)), "demo": meta.get("demo") == "true",
            "as_of": meta.get("as_of"), "duckdb_version": duckdb.__version__, "tables": facts["tables"],
            "total_rows": sum(facts["tables"].values()), "fingerprints": facts["fingerprints"],
            "payload": PAYLOAD, "payload_bytes": packed.stat().st_size, "database_bytes": copy.stat().st_size,
            "payload_sha256": digest.hexdigest(),
        }
        written: list[Path] = []
        for folder in usable:
            final, part = folder / name, folder / f".{tag}"
            try:
                _write_archive(packed, manifest, part)
                os.replace(part, final)
                _fsync_dir(folder)
                written.append(final)
            except OSError as exc:
                part.unlink(missing_ok=True)
                failed[folder] = f"{type(exc).__name__}: {exc}"
    finally:
        _unlink_copy(copy)
        packed.unlink(missing_ok=True)
    if not written:
        raise BackupError(_all_failed(db_path, failed), "no_destination")
    removed = [p for f in written for p in apply_retention(f.parent, db_path.stem, keep, now=when)] if prune else []
    return BackupResult(written, failed, manifest, removed)


def _fsync_dir(folder: Path) -> None:
    with suppress(OSError):  # not every file system syncs a folder
        _fsync(folder)


def _all_failed(db_path: Path, failed: dict[Path, str]) -> str:
    where = "; ".join(f"{p}: {why}" for p, why in failed.items())
    return (f"The backup of {db_path} could not be written to any destination ({where}). Free some space in a "
            "backup folder or make one writable (or set TANDEM_BACKUP_DIRS to one that is) and try again.")


def before_change(db_path: str | Path, reason: str,
                  con: duckdb.DuckDBPyConnection | None = None) -> BackupResult | None:
    """The automatic backup before a change (``reason``: ``"import"``, ``"restore"``, ``"replace"``): None when
    there is no database yet; :class:`BackupError` when no destination could take it — do not go on then."""
    path = Path(db_path).expanduser()
    if con is None and (not path.exists() or not looks_like_duckdb(path)):
        return None
    return backup(path, kind=reason, con=con)


# ── listing and retention ────────────────────────────────────────────────
def read_manifest(path: str | Path) -> dict:
    path = Path(path)
    try:
        with tarfile.open(path, "r:") as tar:
            member = tar.next()
            if member is None or member.name != MANIFEST:
                raise _damaged(path, "is not a Tandem backup (it has no manifest)")
            return json.loads(tar.extractfile(member).read())
    except (tarfile.TarError, json.JSONDecodeError, UnicodeDecodeError, EOFError) as exc:
        raise _damaged(path, f"is not a readable Tandem backup ({exc})") from None
    except FileNotFoundError:
        raise BackupError(f"There is no backup at {path}; `backups list` shows them.", "missing") from None


def list_backups(db_path: str | Path, folders: Iterable[str | Path] | None = None) -> list[Backup]:
    """Backups of this database (by file name stem) in the folders, newest first; unreadable ones left out."""
    stem = Path(db_path).stem
    found: list[Backup] = []
    for folder in [Path(f) for f in folders] if folders else destinations(db_path):
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            m = _NAME.match(path.name)
            if not m or m.group("stem") != stem:
                continue
            with suppress(BackupError, OSError):
                found.append(Backup(path, read_manifest(path)))
    return sorted(found, key=lambda b: (b.created_at, b.name, str(b.path)), reverse=True)


def retention(stamps: Iterable[dt.datetime], keep: int, now: dt.datetime) -> dict[dt.datetime, str]:
    """The backup times the retention rule keeps, each with why: "latest" (one of the ``keep`` newest), "daily"
    (the newest of one of the last 7 days: today and the 6 before, UTC) or "weekly" (the newest of one of the
    last 8 ISO weeks: this week and the 7 before). A time not in the answer is pruned."""
    ordered = sorted(set(stamps), reverse=True)
    roles = dict.fromkeys(ordered[:keep], "latest")
    today = now.astimezone(dt.UTC).date()
    this_week = today - dt.timedelta(days=today.weekday())
    days = {today - dt.timedelta(days=i) for i in range(DAYS)}
    weeks = {this_week - dt.timedelta(weeks=i) for i in range(WEEKS)}
    seen_days: set[dt.date] = set()
    seen_weeks: set[dt.date] = set()
    for stamp in ordered:  # newest first: the first one met in a day or a week is its newest
        day = stamp.astimezone(dt.UTC).date()
        week = day - dt.timedelta(days=day.weekday())
        if week in weeks and week not in seen_weeks:
            seen_weeks.add(week)
            roles.setdefault(stamp, "weekly")
        if day in days and day not in seen_days:
            seen_days.add(day)
            if roles.get(stamp) != "latest":
                roles[stamp] = "daily"
    return roles


def survivors(stamps: Iterable[dt.datetime], keep: int, now: dt.datetime) -> set[dt.datetime]:
    """The backup times :func:`retention` keeps."""
    return set(retention(stamps, keep, now))


def apply_retention(folder: Path, stem: str, keep: int, now: dt.datetime,
                    protect: Iterable[Path] = ()) -> list[Path]:
    """Delete the backups of ``stem`` in ``folder`` the rule does not keep (by the time in their names);
    ``protect``: files kept whatever the rule says (the backup being restored)."""
    spared = {os.path.normpath(str(Path(p).absolute())) for p in protect}
    stamped = {}
    for path in folder.iterdir():
        m = _NAME.match(path.name)
        if m and m.group("stem") == stem:
            stamped[path] = _parse_stamp(m.group("ts"))
    kept = survivors(stamped.values(), keep, now)
    removed = []
    for path, stamp in stamped.items():
        if stamp not in kept and os.path.normpath(str(path.absolute())) not in spared:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
