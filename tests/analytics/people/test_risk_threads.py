"""The model's input frame is built column by column (risk._x), not with DataFrame.to_pandas, which converts
holding the GIL while it waits for polars' thread pool: with a page's map_elements in that pool (a fit runs in a
background thread beside the pages) the two waited for each other for ever in CI."""
from __future__ import annotations

import datetime as dt
import threading

import pandas as pd
import polars as pl

from analytics.core.access import full_access
from analytics.core.db import Database
from analytics.people import risk


def test_the_input_frame_is_to_pandas_column_for_column(demo_db_path):
    db = Database(demo_db_path, read_only=True)
    try:
        frame = risk.features(db, full_access(), [dt.date(2025, 6, 30), dt.date(2025, 12, 31)], 6)
    finally:
        db.close()
    assert frame.height > 100
    pd.testing.assert_frame_equal(risk._x(frame), frame.select(risk.FEATURES).to_pandas())


def test_building_it_beside_python_expressions_in_another_thread_finishes():
    wide = pl.DataFrame({c: [float(i % 7) for i in range(20_000)] for c in risk.FEATURES})
    done = threading.Event()

    def build() -> None:
        for _ in range(30):
            risk._x(wide)
        done.set()

    worker = threading.Thread(target=build, daemon=True)
    worker.start()
    text = pl.DataFrame({"v": list(range(20_000))})
    while not done.is_set() and worker.is_alive():
        text.select(pl.col("v").map_elements(lambda v: f"{v:,}", return_dtype=pl.Utf8))
    worker.join(timeout=120)
    assert done.is_set()
