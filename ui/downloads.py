"""Downloads of person-level or pay data: built when clicked, never before, and audited when built.

``st.download_button(..., data=<a callable>, on_click="ignore")`` registers the callable and serves the file
only when the button is pressed; nothing sits at a ``/media/…`` address beforehand. :func:`on_click` wraps a
builder so that the file it builds comes with an ``export`` entry in the audit log: who, what, the viewer's
scope and the number of rows (no values).
"""
from __future__ import annotations

from collections.abc import Callable

import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.reviews import export


def on_click(db: Database, viewer: Viewer, what: str, frames: Callable[[], dict[str, pl.DataFrame]],
             fmt: str) -> Callable[[], bytes]:
    """A ``data=`` callable for ``st.download_button``: ``frames()`` as CSV (the first frame) or XLSX (one sheet
    each), with its audit entry. It runs on the server thread that serves the click, so it takes no Streamlit
    state: everything it needs is bound here."""

    def build() -> bytes:
        sheets = frames()
        if fmt == "csv":
            first = next(iter(sheets.values()))
            data, n_rows = export.csv_bytes(first), first.height
        else:
            data, n_rows = export.xlsx_bytes(sheets), sum(f.height for f in sheets.values())
        export.record_export(db, viewer.user, f"{what} ({fmt})", viewer.scope_key, n_rows)
        return data

    return build
