"""Axes count whole people: a chart of a few exits never reads "500m"."""
from __future__ import annotations

import polars as pl

from analytics.charts.figures import stacked_bars


def test_few_people_get_whole_number_ticks():
    frame = pl.DataFrame({"reason": ["health", "career"], "exits": [1, 2], "exit_type": ["other", "voluntary"]})
    axis = stacked_bars(frame, "reason", "exits", "exit_type").layout.yaxis
    assert (axis.tickformat, axis.dtick) == ("d", 1)
    many = frame.with_columns(pl.col("exits") * 1000)
    assert stacked_bars(many, "reason", "exits", "exit_type").layout.yaxis.tickformat == "~s"
