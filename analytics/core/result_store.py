"""Computed results kept on disk beside the database, one folder per state of the data.

A page's figures are pure functions of the data, the viewer's scope and the request. Once computed for the
database's current ``data_token`` (a random stamp renewed by every write that changes facts, plans, goals or
reviews — see ``Database.transaction``), they are written here, so the first view after a server restart
costs a file read instead of a recomputation. Nothing can be served for other data: the folder is named by
the token, and by a fingerprint of the code that computed the results (an upgrade starts afresh).

``TANDEM_RESULTS_DIR=off`` turns the store off. Layout:
``<root>/<code fingerprint>/<data token>/<sha256 of the request>.pickle``, where root is ``TANDEM_RESULTS_DIR``
or ``<database file>.results``. Each entry holds the request (so a newer data state can
be computed ahead for the same requests, see ``ui/prewarm.py``) and the result. Only the newest two tokens
are kept. Files are private to the server's user (0700 folders), written atomically; an unreadable entry is
recomputed, never shown.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_log = logging.getLogger("tandem.results")
ROOT = Path(__file__).resolve().parents[2]
KEEP_TOKENS = 2
MISSING = object()


def code_fingerprint() -> str:
    """sha256 (16 hex) over the source of analytics/, ui/ and sql/ and the metric files in force (metrics/*.toml,
    by name, time and size): results computed by other code, or with a metric of the company's own defined
    otherwise, never match."""
    from analytics.core.custom_metrics import metrics_dir, signature

    files = signature(metrics_dir())
    if not files:
        return _source_fingerprint()
    return hashlib.sha256(repr((_source_fingerprint(), files)).encode()).hexdigest()[:16]


@functools.cache
def _source_fingerprint() -> str:
    digest = hashlib.sha256()
    for folder in ("analytics", "ui", "sql"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in {".py", ".sql", ".toml"} and path.is_file():
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def results_root(db_path: str | Path) -> Path:
    """``TANDEM_RESULTS_DIR`` or the folder beside the database file."""
    configured = os.environ.get("TANDEM_RESULTS_DIR", "").strip()
    return Path(configured) if configured else Path(f"{db_path}.results")


def request_key(request: tuple) -> str:
    """A stable name for a request made of plain values (dates, strings, numbers, tuples)."""
    return hashlib.sha256(repr(request).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Entry:
    request: tuple
    context: object  # what the computation needs beside the request (the viewer), for computing ahead
    value: object


class ResultStore:
    """The stored results of one database file."""

    def __init__(self, db_path: str | Path) -> None:
        self.db_path = db_path

    @property
    def base(self) -> Path:
        return results_root(self.db_path) / code_fingerprint()

    @property
    def enabled(self) -> bool:
        """False when ``TANDEM_RESULTS_DIR=off`` (every view computes; nothing is written)."""
        return os.environ.get("TANDEM_RESULTS_DIR", "").strip().lower() != "off"

    def _folder(self, token: str) -> Path:
        return self.base / token

    def get(self, token: str, request: tuple) -> object:
        """The stored result, or ``MISSING``."""
        found, value = self.lookup(token, request)
        return value if found else MISSING

    def lookup(self, token: str, request: tuple) -> tuple[bool, object]:
        """(True, the stored result) or (False, None). Callers in the app use this form: a plain tuple still
        means the same after the module is reloaded (Streamlit reloads edited modules in development, and a
        ``MISSING`` made by the old module is not the new one's)."""
        if not token or not self.enabled:
            return False, None
        path = self._folder(token) / f"{request_key(request)}.pickle"
        try:
            with path.open("rb") as handle:
                entry = pickle.load(handle)  # our own files, in a private folder beside the database
        except FileNotFoundError:
            return False, None
        except Exception:  # a torn or foreign file: recompute, and replace it
            _log.warning("unreadable stored result %s, recomputing", path.name)
            return False, None
        if type(entry).__name__ == Entry.__name__ and getattr(entry, "request", None) == request:
            return True, entry.value
        return False, None

    def put(self, token: str, request: tuple, value: object, context: object = None, note: str = "") -> bool:
        """Store a result (atomically); False when it cannot be pickled or written (the page still shows it).
        ``note`` (the data's as-of date) is kept once per token, see ``note()``."""
        if not token or not self.enabled:
            return False
        folder = self._folder(token)
        temporary: Path | None = None
        try:
            fresh = not folder.exists()
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            if fresh:
                (folder / "note.txt").write_text(note, encoding="utf-8")
            data = pickle.dumps(Entry(request, context, value), protocol=pickle.HIGHEST_PROTOCOL)
            with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".tmp") as handle:
                temporary = Path(handle.name)
                handle.write(data)
            os.replace(temporary, folder / f"{request_key(request)}.pickle")
        except Exception as exc:  # unpicklable value, full disk, read-only folder: serve without storing
            _log.info("result not stored (%s)", exc)
            if temporary is not None:
                temporary.unlink(missing_ok=True)
            return False
        if fresh:
            self.prune(keep=KEEP_TOKENS)
        return True

    def note(self, token: str) -> str | None:
        """The note kept with a token's results (the data's as-of date), None when unknown."""
        try:
            return (self._folder(token) / "note.txt").read_text(encoding="utf-8")
        except OSError:
            return None

    def tokens(self) -> list[str]:
        """Stored data tokens, newest first."""
        if not self.enabled or not self.base.exists():
            return []
        folders = [p for p in self.base.iterdir() if p.is_dir()]
        return [p.name for p in sorted(folders, key=lambda p: p.stat().st_mtime, reverse=True)]

    def entries(self, token: str, limit: int = 500) -> Iterator[Entry]:
        """A token's entries, most recently written first (unreadable ones skipped)."""
        folder = self._folder(token)
        if not folder.exists():
            return
        files = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)[:limit]
        for path in files:
            try:
                with path.open("rb") as handle:
                    entry = pickle.load(handle)
            except Exception:
                continue
            if isinstance(entry, Entry):
                yield entry

    def prune(self, keep: int = KEEP_TOKENS) -> None:
        """Keep the newest ``keep`` data tokens of this code; remove older ones and other code's folders."""
        for token in self.tokens()[keep:]:
            shutil.rmtree(self._folder(token), ignore_errors=True)
        root = self.base.parent
        if root.exists():
            week_ago = time.time() - 7 * 86400
            for other in root.iterdir():
                if other.is_dir() and other != self.base and other.stat().st_mtime < week_ago:
                    shutil.rmtree(other, ignore_errors=True)
