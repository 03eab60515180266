"""The 9-box as drawn: high performance to the right, high potential at the top, each count in its own box."""
from __future__ import annotations

import polars as pl

from analytics.charts import figures
from analytics.people import talent


def _counts() -> pl.DataFrame:
    # a distinct count per box: performance index + 3 × potential index + 1 (low/low = 1 … high/high = 9)
    rank = {b: i for i, b in enumerate(talent.PERFORMANCE_BANDS)}
    boxes = talent.boxes()
    return boxes.with_columns(people=pl.struct("performance", "potential_band").map_elements(
        lambda r: rank[r["performance"]] + 3 * rank[r["potential_band"]] + 1, return_dtype=pl.Int64))


def _position(fig, value: int) -> tuple[int, int]:
    """(column from the left, row from the bottom) of the box showing ``value`` on the category axes."""
    trace = fig.data[0]
    xs = list(fig.layout.xaxis.categoryarray)
    ys = list(fig.layout.yaxis.categoryarray)
    for r, row in enumerate(trace.z):
        for c, v in enumerate(row):
            if v == value:
                return xs.index(trace.x[c]), ys.index(trace.y[r])
    raise AssertionError(value)


def test_high_performance_right_high_potential_top():
    fig = figures.nine_box(_counts(), "en", "9-box")
    assert list(fig.layout.xaxis.categoryarray) == ["Low", "Medium", "High"]  # left → right
    assert list(fig.layout.yaxis.categoryarray) == ["Low", "Medium", "High"]  # bottom → top
    assert fig.layout.yaxis.autorange is True  # categories bottom → top in categoryarray order, not reversed
    assert fig.layout.xaxis.autorange is True
    assert _position(fig, 9) == (2, 2)   # high performance, high potential: top right
    assert _position(fig, 1) == (0, 0)   # low, low: bottom left
    assert _position(fig, 3) == (2, 0)   # high performance, low potential: bottom right
    assert _position(fig, 7) == (0, 2)   # low performance, high potential: top left
    assert _position(fig, 5) == (1, 1)


def test_nine_box_in_chinese_keeps_the_order():
    fig = figures.nine_box(_counts(), "zh", "九宫格")
    assert _position(fig, 9) == (2, 2)
    assert _position(fig, 1) == (0, 0)
