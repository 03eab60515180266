import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.core.periods import (
    PeriodError,
    fiscal_quarter_of,
    parse_period,
    periods_of_grain,
    quarter_of,
    trailing_months,
)

D = dt.date


def test_month_quarter_year_and_range():
    assert (parse_period("2025-07").start, parse_period("2025-07").end) == (D(2025, 7, 1), D(2025, 7, 31))
    q = parse_period("2025-Q3")
    assert (q.start, q.end, q.n_months) == (D(2025, 7, 1), D(2025, 9, 30), 3)
    fy = parse_period("FY2025")
    assert (fy.start, fy.end) == (D(2025, 1, 1), D(2025, 12, 31))
    r = parse_period("2024-01..2025-06")
    assert (r.start, r.end, r.n_months) == (D(2024, 1, 1), D(2025, 6, 30), 18)
    assert parse_period("2024-02").end == D(2024, 2, 29)  # leap year


def test_fiscal_year_starting_in_april_is_named_by_its_end_year():
    fy = parse_period("FY2025", fy_start=4)
    assert (fy.start, fy.end) == (D(2024, 4, 1), D(2025, 3, 31))
    q1 = parse_period("2025-Q1", fy_start=4)
    assert (q1.start, q1.end) == (D(2024, 4, 1), D(2024, 6, 30))
    assert fiscal_quarter_of(D(2025, 3, 15), 4) == (2025, 4)
    assert fiscal_quarter_of(D(2025, 4, 1), 4) == (2026, 1)


@pytest.mark.parametrize("bad", ["2025-13", "2025-Q5", "FY25", "July", "", "2025-06..2025-01"])
def test_bad_period_strings_get_one_clear_sentence(bad):
    with pytest.raises(PeriodError) as err:
        parse_period(bad)
    assert "2025-Q3" in str(err.value) or "ends before it starts" in str(err.value)


def test_partial_and_to_date():
    q = parse_period("2025-Q4")
    assert q.is_partial(D(2025, 11, 30)) and not q.is_partial(D(2025, 12, 31))
    assert q.to_date(D(2025, 11, 30)).end == D(2025, 11, 30)
    assert trailing_months(D(2025, 6, 1), 12).start == D(2024, 7, 1)
    assert [p.label for p in periods_of_grain(D(2025, 2, 1), D(2025, 7, 1), "quarter")] == ["2025-Q1", "2025-Q2",
                                                                                          "2025-Q3"]


@given(st.dates(min_value=D(1990, 1, 1), max_value=D(2090, 12, 31)), st.integers(1, 12))
def test_every_day_lies_in_its_fiscal_quarter(day, fy_start):
    q = quarter_of(day, fy_start)
    assert q.start <= day <= q.end and q.n_months == 3
    assert parse_period(q.label, fy_start) == q
    assert q.shift(1, fy_start).start == (dt.date(q.end.year + (q.end.month == 12), q.end.month % 12 + 1, 1))


def test_adding_months_clamps_to_the_month_end():
    from analytics.core.periods import add_months_clamped

    assert add_months_clamped(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months_clamped(D(2023, 1, 31), 1) == D(2023, 2, 28)
    assert add_months_clamped(D(2023, 11, 30), 3) == D(2024, 2, 29)
    assert add_months_clamped(D(2024, 5, 15), -5) == D(2023, 12, 15)


@given(st.lists(st.tuples(st.dates(D(1990, 1, 1), D(2060, 12, 31)), st.integers(-40, 40)), min_size=1, max_size=60),
       st.integers(1, 6))
def test_polars_month_arithmetic_equals_python_on_frames_of_many_chunks(rows, chunks):
    # The expression is used on frames DuckDB hands over in several chunks; pl.format offsets panicked there.
    import polars as pl

    from analytics.core.periods import add_months_clamped, add_months_expr

    parts = [pl.DataFrame({"day": [d for d, _ in rows[i::chunks]], "k": [k for _, k in rows[i::chunks]]},
                          schema={"day": pl.Date, "k": pl.Int32}) for i in range(chunks)]
    frame = pl.concat(parts, rechunk=False)
    got = frame.lazy().filter(pl.col("k") > -41).with_columns(end=add_months_expr(pl.col("day"), pl.col("k"))).collect()
    assert got["end"].to_list() == [add_months_clamped(d, k) for d, k in zip(got["day"], got["k"], strict=True)]
