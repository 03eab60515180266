"""The one table writer: nested cells flattened, formulas neutralised, Chinese kept."""
from __future__ import annotations

import polars as pl

from analytics.core.spreadsheet import csv_bytes, csv_text, flatten


def test_structs_become_columns_and_lists_become_text():
    frame = pl.DataFrame({"id": [1, 2], "drivers": [["tenure", "pay"], []],
                          "top": [{"name": "=HYPERLINK(x)", "effect": 0.2}, {"name": "华东", "effect": None}]})
    flat = flatten(frame)
    assert flat.columns == ["id", "drivers", "top.name", "top.effect"]
    assert flat["drivers"].to_list() == ["tenure; pay", ""]
    text = csv_text(frame)
    assert "'=HYPERLINK(x)" in text and "华东" in text
    assert csv_bytes(frame).startswith(b"\xef\xbb\xbf")


def test_lists_of_records_are_json():
    frame = pl.DataFrame({"x": [[{"k": 1}, {"k": 2}]]})
    assert flatten(frame)["x"].to_list() == ['[{"k": 1}, {"k": 2}]']
