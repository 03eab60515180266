"""A download of person-level or pay data is built by its callable, on click, with an audit entry."""
from __future__ import annotations

import io
import shutil

import polars as pl

from analytics.core import auth
from analytics.core.db import Database
from ui import downloads


def test_the_callable_builds_the_file_and_writes_the_audit_entry(demo_db_path, tmp_path):
    shutil.copy(demo_db_path, tmp_path / "d.duckdb")
    db = Database(tmp_path / "d.duckdb")
    viewer = auth.viewer_for(db, "demo.director.east")
    frame = pl.DataFrame({"name": ["A", "B", "=cmd()"], "payout": [1.0, 2.0, 3.0]})
    built = []
    build = downloads.on_click(db, viewer, "payouts 2025-Q3", lambda: built.append(1) or {"payouts": frame}, "csv")
    assert built == [] and not db.scalar("select count(*) from audit_log where action = 'export'")  # nothing yet
    data = build()
    assert built == [1]
    back = pl.read_csv(io.BytesIO(data))
    assert back.height == 3 and not back["name"][2].startswith("=")  # formulas neutralised by the writer
    row = db.sql("select * from audit_log where action = 'export'").row(0, named=True)
    assert row["actor"] == "demo.director.east" and row["target"] == "payouts 2025-Q3 (csv)"
    assert row["scope"] == viewer.scope_key and row["n_rows"] == 3
    xlsx = downloads.on_click(db, viewer, "statement 1 2025-Q3", lambda: {"a": frame, "b": frame.head(1)}, "xlsx")()
    assert xlsx[:2] == b"PK"
    assert db.scalar("select n_rows from audit_log where action = 'export' order by event_id desc limit 1") == 4
    db.close()
