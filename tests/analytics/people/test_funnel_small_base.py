"""A funnel on fewer applications than the minimum base shows counts, marked small base, never rates; and the
applications too young to judge are left out whatever their outcome (keeping only the recent successes would
show every stage near 100%)."""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from analytics.charts import figures
from analytics.people import recruiting

D = dt.date


def _apps(rows: list[tuple]) -> pl.DataFrame:
    cols = [c for _, c in recruiting.STAGES]
    return pl.DataFrame([dict(channel=ch, **dict(zip(cols, dates, strict=False))) for ch, *dates in rows],
                        schema={"channel": pl.Utf8, **{c: pl.Date for c in cols}})


# three applications in Q4 2025: all screened, two interviewed, one offered and accepted
Q4 = _apps([
    ("referral", D(2025, 10, 1), D(2025, 10, 5), D(2025, 10, 12), D(2025, 10, 20), D(2025, 10, 25)),
    ("job_board", D(2025, 10, 2), D(2025, 10, 6), D(2025, 10, 15)),
    ("job_board", D(2025, 10, 3), D(2025, 10, 9)),
])


def test_small_base_shows_counts_without_rates():
    out = recruiting.funnel(Q4, [], min_base=10)
    assert out["reached"].to_list() == [3, 3, 2, 1, 1]
    assert out["applied"].to_list() == [3] * 5
    assert out["small_base"].to_list() == [True] * 5
    assert out["conversion"].null_count() == 5 and out["share_of_applied"].null_count() == 5
    by = recruiting.funnel(Q4, ["channel"], min_base=2)  # job_board has 2 (not small), referral 1 (small)
    flags = dict(by.filter(pl.col("stage") == "applied").select("channel", "small_base").iter_rows())
    assert flags == {"job_board": False, "referral": True}
    jb = by.filter(pl.col("channel") == "job_board")
    assert jb["conversion"].to_list() == [1.0, 1.0, 0.5, 0.0, None]  # none offered: no rate from 0


def test_at_the_minimum_base_the_rates_are_shown():
    out = recruiting.funnel(Q4, [], min_base=3)
    assert not out["small_base"].any()
    assert out["share_of_applied"].to_list() == pytest.approx([1.0, 1.0, 2 / 3, 1 / 3, 1 / 3])
    assert recruiting.funnel(Q4, [])["small_base"].to_list() == [False] * 5  # no minimum given: no flag


def test_recent_applications_are_left_out_even_when_accepted():
    # at 15 Nov all three are younger than 60 days; the accepted one must not stay alone as a 100% funnel
    kept, too_recent = recruiting.observable_applications(Q4, D(2025, 10, 1), D(2025, 12, 31), D(2025, 11, 15))
    assert kept.height == 0 and too_recent == 3
    kept, too_recent = recruiting.observable_applications(Q4, D(2025, 10, 1), D(2025, 12, 31), D(2025, 12, 1))
    assert kept.height == 2 and too_recent == 1  # applied by 2 Oct (60 days before 1 Dec)


def test_small_base_funnel_figure_shows_counts_not_percentages():
    labels = ["Applied", "Screened", "Interviewed", "Offered", "Accepted"]
    fig = figures.recruiting_funnel(labels, [3, 3, 2, 1, 1], "en", "Recruiting funnel", small_base=True)
    trace = fig.data[0]
    assert trace.textinfo == "text"
    assert list(trace.text) == ["3 of 3", "3 of 3", "2 of 3", "1 of 3", "1 of 3"]
    assert fig.layout.title.text == "Recruiting funnel · small base"
    zh = figures.recruiting_funnel(labels, [3, 3, 2, 1, 1], "zh", "招聘漏斗", small_base=True)
    assert zh.layout.title.text.endswith("基数过小") and zh.data[0].text[2] == "2 / 3"
    big = figures.recruiting_funnel(labels, [40, 30, 20, 10, 5], "en", "Recruiting funnel")
    assert big.data[0].textinfo == "value+percent initial" and big.layout.title.text == "Recruiting funnel"
