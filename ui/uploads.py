"""Files sent from a browser: checked on the server, stored (when a path is needed) under a random name in a
private temporary directory, and audited.

The name a browser sends is text chosen by the sender, never part of a path: it is only shown (as plain text)
and written to the audit log, cut to its last component and :data:`NAME_CHARS` characters. Type and size are
checked here, on the server, whatever the widget let through: the extension, the size (each upload kind has a
documented maximum, :data:`LIMITS`) and that the content is UTF-8 text without NUL bytes.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from analytics.core.access import Viewer
from analytics.core.db import Database

NAME_CHARS = 100


@dataclass(frozen=True)
class Limit:
    extensions: tuple[str, ...]   # lower case, with the dot
    max_bytes: int


#: The uploads the pages accept: a role file (admins) and a flight-risk snapshot (HR head). README
#: "Who may see what" documents these maxima.
LIMITS = {
    "roles_file": Limit((".toml",), 1 * 1024 * 1024),          # 1 MB
    "risk_snapshot": Limit((".csv",), 20 * 1024 * 1024),       # 20 MB
}


class UploadRefused(ValueError):
    """An upload that is not of the expected type or too large; ``reason`` is a catalogue key suffix."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def shown_name(name: str | None) -> str:
    """The browser's file name as harmless text: its last path component, no control characters, cut short."""
    text = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if ch.isprintable()).strip()
    return text[:NAME_CHARS] or "upload"


def max_megabytes(kind: str) -> int:
    return max(1, LIMITS[kind].max_bytes // (1024 * 1024))


def check(kind: str, name: str | None, data: bytes) -> None:
    """Raise :class:`UploadRefused` unless ``data`` fits the upload kind: extension, size, UTF-8 text."""
    limit = LIMITS[kind]
    if not shown_name(name).lower().endswith(limit.extensions):
        raise UploadRefused("type")
    if len(data) > limit.max_bytes:
        raise UploadRefused("size")
    if b"\x00" in data:
        raise UploadRefused("type")
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadRefused("type") from None


@contextmanager
def private_copy(data: bytes, suffix: str) -> Iterator[Path]:
    """``data`` in a file with a random name inside a new private directory (mode 0700), removed afterwards."""
    folder = tempfile.mkdtemp(prefix="tandem-upload-")
    fd, name = tempfile.mkstemp(suffix=suffix, dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)
        os.rmdir(folder)


def record_upload(db: Database, viewer: Viewer, kind: str, name: str | None, n_bytes: int, outcome: str,
                  n_rows: int | None = None) -> None:
    """Audit one upload: who, which kind, the name as sent (shortened), its size and what came of it."""
    with db.transaction(bump=False) as cur:  # audit only: no fact changes
        db.audit(cur, viewer.user, "upload", target=kind, scope=viewer.scope_key, n_rows=n_rows,
                 detail={"name": shown_name(name), "bytes": n_bytes, "outcome": outcome})
