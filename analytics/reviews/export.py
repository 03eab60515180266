"""Exports: charts as PNG/SVG/PDF (tables go through :mod:`analytics.core.spreadsheet`, re-exported here).

Charts go through kaleido ≥ 1, which drives the system Chromium (``/usr/bin/chromium``). Starting a
browser costs ~3 s, so the first chart of a process starts kaleido's sync server once and every
later chart reuses it (~0.3 s each). The server is one per process and is not safe to call from two
threads at once, so calls are serialised with a lock (Streamlit sessions run in threads). MathJax is
disabled (it would be fetched from a CDN; there is no network) and plotly.js comes from the plotly
package, so rendering never leaves the machine. Text keeps the template's CJK font (Noto Sans CJK SC).
"""
from __future__ import annotations

import numbers
import os
import struct
import tempfile
import threading
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

from analytics.core.spreadsheet import csv_bytes, neutralise, xlsx_bytes

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from analytics.core.db import Database

CHART_FORMATS: dict[str, str] = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
DEFAULT_SIZE = (1000, 560)   # layout pixels of an exported chart when neither the caller nor the figure says
MAX_SIDE = 5000              # layout pixels; larger requests are refused (a typo, not a chart)
MAX_SCALE = 6.0


__all__ = ["CHART_FORMATS", "ExportError", "csv_bytes", "neutralise", "xlsx_bytes"]


class ExportError(ValueError):
    """An export that cannot be made as asked (bad format or size, unwritable path, no browser)."""


# ── charts ───────────────────────────────────────────────────────────────
_LOCK = threading.Lock()
_server = {"started": False}


def _start_server() -> None:
    import kaleido

    kaleido.start_sync_server(mathjax=False, silence_warnings=True)
    _server["started"] = True


def _stop_server() -> None:
    import kaleido

    with suppress(Exception):
        kaleido.stop_sync_server(silence_warnings=True)
    _server["started"] = False


def warm_up() -> None:
    """Start the browser now (e.g. before a batch) so the first chart does not pay for it."""
    with _LOCK:
        if not _server["started"]:
            _start_server()


def _check_size(width: int | None, height: int | None, scale: float) -> None:
    for name, value in (("width", width), ("height", height)):
        if value is not None and (not isinstance(value, numbers.Integral) or not 50 <= value <= MAX_SIDE):
            raise ExportError(f"Chart {name} {value!r} is out of range; give a whole number of pixels, 50–{MAX_SIDE}.")
    if not isinstance(scale, numbers.Real) or not 0.1 <= scale <= MAX_SCALE:
        raise ExportError(f"Chart scale {scale!r} is out of range; give a number from 0.1 to {MAX_SCALE:g}.")


def _figure_dict(fig: go.Figure | Mapping, width: int | None, height: int | None) -> tuple[dict, int, int]:
    """The figure as a dict with the CJK font family set, and the pixel size to render it at."""
    from analytics.charts.figures import FONT

    spec = fig.to_dict() if hasattr(fig, "to_dict") else dict(fig)
    layout = spec.setdefault("layout", {})
    font = layout.setdefault("font", {})
    font.setdefault("family", FONT)
    w = width or layout.get("width") or DEFAULT_SIZE[0]
    h = height or layout.get("height") or DEFAULT_SIZE[1]
    layout.pop("width", None)
    layout.pop("height", None)
    return spec, int(w), int(h)


def chart_bytes(fig: go.Figure | Mapping, fmt: str = "png", width: int | None = None, height: int | None = None,
                scale: float = 1.0, stamp: str | None = None) -> bytes:
    """One chart as PNG, SVG or PDF bytes. ``width`` and ``height`` are layout pixels (the figure's own size, or
    1000 × 560, when not given); a PNG is ``width × scale`` by ``height × scale`` physical pixels.

    ``stamp`` (e.g. "East › Team 3 · 2026-Q3": scope, drill-down and period) is drawn into the image as the
    title's subtitle (as the title when the figure has none), so an exported chart says what it covers."""
    if fmt not in CHART_FORMATS:
        raise ExportError(f"Chart format {fmt!r} is not offered; choose {', '.join(CHART_FORMATS)}.")
    _check_size(width, height, scale)
    spec, w, h = _figure_dict(fig, width, height)
    if stamp:
        layout = spec["layout"]
        title = layout.get("title") or {}
        title = {"text": title} if isinstance(title, str) else dict(title)
        if title.get("text"):
            title["subtitle"] = {"text": stamp, "font": {"size": 12, "color": "#5b6770"}}
            layout["margin"] = {**(layout.get("margin") or {}), "t": max((layout.get("margin") or {}).get("t", 0), 84)}
        else:
            title["text"] = stamp
        layout["title"] = title
    opts = {"format": fmt, "width": w, "height": h, "scale": float(scale)}
    import kaleido
    from kaleido.errors import ChromeNotFoundError

    with _LOCK:
        for attempt in (1, 2):
            try:
                if not _server["started"]:
                    _start_server()
                return kaleido.calc_fig_sync(spec, opts=opts)
            except ChromeNotFoundError:
                _stop_server()
                raise ExportError("Charts are drawn by Chromium, which was not found; install the chromium "
                                  "package (Debian: apt-get install chromium).") from None
            except Exception as exc:  # a browser that died: restart it once, then report
                _stop_server()
                if attempt == 2:
                    raise ExportError(f"The chart could not be drawn: {str(exc).splitlines()[0][:200]}") from None
    raise AssertionError("unreachable")


def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels of a PNG, read from its header."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ExportError("Not a PNG image.")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


# ── files ────────────────────────────────────────────────────────────────
def check_writable(path: str | Path) -> Path:
    """The output path, or one sentence saying why it cannot be written (checked before any work is done)."""
    out = Path(path).expanduser()
    if out.is_dir():
        raise ExportError(f"{out} is a folder; give a file name, e.g. {out / 'review.pptx'}.")
    parent = out.parent
    if not parent.exists():
        raise ExportError(f"Cannot write {out}: the folder {parent} does not exist.")
    if not parent.is_dir():
        raise ExportError(f"Cannot write {out}: {parent} is a file, not a folder.")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ExportError(f"Cannot write {out}: the folder {parent} is not writable.")
    return out


def write_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path`` and move it into place: a reader never sees half a
    file, and a failed write leaves nothing behind (an earlier file at ``path`` is kept)."""
    out = check_writable(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    except OSError as exc:
        raise ExportError(f"Cannot write {out}: {exc.strerror or exc}.") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        mode = out.stat().st_mode & 0o777 if out.exists() else 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, out)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ExportError(f"Cannot write {out}: {exc.strerror or exc}.") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def record_export(db: Database, actor: str, what: str, scope: str, n_rows: int | None,
                  detail: Mapping[str, object] | None = None) -> None:
    """Append an ``export`` entry to the audit log (its own small transaction).

    It does not bump ``data_version``: the audit log is not read by any metric, so an export must not
    empty every cache.
    """
    import duckdb

    cur = db.cursor()
    cur.execute("begin transaction")
    try:
        db.audit(cur, actor, "export", target=what, scope=scope, n_rows=n_rows, detail=detail)
        cur.execute("commit")
    except BaseException:
        with suppress(duckdb.Error):
            cur.execute("rollback")
        raise
