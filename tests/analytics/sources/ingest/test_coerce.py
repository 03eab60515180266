"""Coercion: every date and number form people export → the exact value; errors name row, column, value."""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from analytics.sources.ingest import ROW, coerce, table_spec
from analytics.sources.ingest.coerce import coerce_column, to_numbers
from analytics.sources.ingest.dates import pivot_year

D = dt.date
TODAY = D(2025, 6, 1)


def one(table: str, column: str, raw: list[str | None], **kw) -> tuple[list, object]:
    spec = table_spec(table)
    res = coerce_column(pl.Series(column, raw, dtype=pl.Utf8), spec, spec.column(column), today=TODAY, **kw)
    return res.typed.to_list(), res


@pytest.mark.parametrize(("raw", "expected"), [
    ("2024-01-05", D(2024, 1, 5)),
    ("2024-1-5", D(2024, 1, 5)),
    ("2024/01/05", D(2024, 1, 5)),
    ("2024.1.5", D(2024, 1, 5)),
    ("2011-05-31 00:00:00.000", D(2011, 5, 31)),
    ("2011-05-31T13:45:00Z", D(2011, 5, 31)),
    ("2024年1月5日", D(2024, 1, 5)),
    ("2024年01月05日", D(2024, 1, 5)),
    ("20240105", D(2024, 1, 5)),
    ("45296", D(2024, 1, 5)),                      # Excel serial
    ("45296.0", D(2024, 1, 5)),
    ("5-Jan-2024", D(2024, 1, 5)),
    ("Jan 5, 2024", D(2024, 1, 5)),
    ("05 January 24", D(2024, 1, 5)),
    ("  2024-01-05  ", D(2024, 1, 5)),
])
def test_unambiguous_date_forms(raw: str, expected: dt.date):
    typed, _ = one("employees", "hire_date", [raw])
    assert typed == [expected]


def test_month_day_order_decided_by_a_second_part_above_12():
    typed, res = one("employees", "hire_date", ["1/5/2024", "3/30/2015", "1/5/24"])
    assert typed == [D(2024, 1, 5), D(2015, 3, 30), D(2024, 1, 5)]
    assert res.format == "M/D/YYYY" and res.note is None


def test_day_month_order_decided_by_a_first_part_above_12():
    typed, res = one("employees", "hire_date", ["1/5/2024", "25/03/2024", "05.01.2024"])
    assert typed == [D(2024, 5, 1), D(2024, 3, 25), D(2024, 1, 5)]
    assert res.format.startswith("D/M") and res.note is None


def test_ambiguous_order_is_assumed_and_reported_and_can_be_overridden():
    typed, res = one("employees", "hire_date", ["1/5/2024", "2/6/2024"])
    assert typed == [D(2024, 1, 5), D(2024, 2, 6)]
    assert "ambiguous" in res.note and "M/D/YYYY" in res.note
    typed, res = one("employees", "hire_date", ["1.5.2024", "2.6.2024"])
    assert typed == [D(2024, 5, 1), D(2024, 6, 2)]              # dots: the European habit
    typed, _ = one("employees", "hire_date", ["1/5/2024"], date_order="DMY")
    assert typed == [D(2024, 5, 1)]


def test_mixed_orders_keep_the_majority_and_flag_the_rest():
    typed, res = one("employees", "hire_date", ["25/03/2024", "26/03/2024", "3/30/2024"])
    assert typed == [D(2024, 3, 25), D(2024, 3, 26), None]
    assert "mixed" in res.note


def test_two_digit_year_pivot():
    assert pivot_year(TODAY, past=False) == 35 and pivot_year(TODAY, past=True) == 25
    typed, _ = one("employees", "hire_date", ["1/5/24", "1/5/35", "1/5/36", "1/5/99"])
    assert typed == [D(2024, 1, 5), D(2035, 1, 5), D(1936, 1, 5), D(1999, 1, 5)]
    years, res = one("employees", "birth_year", ["07/10/83", "1/1/05", "1/1/26", "1975", "83", "1990-02-01"])
    assert years == [1983, 2005, 1926, 1975, 1983, 1990]
    assert "M/D/YY" in res.format


def test_month_columns_move_dates_to_the_first():
    typed, res = one("quotas", "month", ["2011-05-31 00:00:00", "2024-02", "2024年3月", "2024-04-01"])
    assert typed == [D(2011, 5, 1), D(2024, 2, 1), D(2024, 3, 1), D(2024, 4, 1)]
    assert "moved to the first" in res.format


@pytest.mark.parametrize(("raw", "expected"), [
    ("1234.5", 1234.5), ("1,234.5", 1234.5), ("1 234,5", 1234.5), ("1.234,5", 1234.5),
    ("1.234.567,89", 1234567.89), ("¥1,234", 1234.0), ("￥ 88", 88.0), ("$12.50", 12.5), ("€3,50", 3.5),
    ("RMB 100", 100.0), ("100元", 100.0), ("12%", 0.12), ("12.5 %", 0.125), ("(1,000)", -1000.0),
    ("-3", -3.0), ("1.5万", 15000.0), ("2亿", 2e8), ("1e3", 1000.0), ("1\u00a0234,5", 1234.5),
])
def test_number_forms(raw: str, expected: float):
    numbers, _ = to_numbers(pl.Series([raw]), whole=False)
    assert numbers.to_list() == [pytest.approx(expected)]


def test_european_decision_is_per_column():
    numbers, fmt = to_numbers(pl.Series(["1.234", "5,5"]), whole=False)
    assert numbers.to_list() == [1234.0, 5.5] and fmt.startswith("1.234,5")
    numbers, fmt = to_numbers(pl.Series(["1,234", "5.5"]), whole=False)
    assert numbers.to_list() == [1234.0, 5.5] and fmt.startswith("1,234.5")


def test_whole_numbers_and_text_in_number_columns():
    typed, _ = one("performance_reviews", "rating", ["4", "4.0", "1,000", "3.5", "four", "inf"])
    assert typed == [4, 4, 1000, None, None, None]


def test_booleans_through_the_value_map():
    typed, _ = one("roles", "carries_quota", ["Yes", "是", "Y", "true", "1", "No", "否", "n", "FALSE", "0", "maybe",
                                              None, "N/A"])
    assert typed == [True, True, True, True, True, False, False, False, False, False, None, None, None]


def test_codes_and_text_are_trimmed_and_mapped():
    typed, _ = one("employees", "exit_type", ["Voluntarily Terminated", "Terminated for Cause", "Active", " 辞职 ",
                                              "odd"])
    assert typed == ["voluntary", "involuntary", None, "voluntary", "odd"]     # unknown codes: checked in validate
    typed, _ = one("employees", "name", ["Production       ", "  ", ""])
    assert typed == ["Production", None, None]
    typed, _ = one("employees", "exit_type", ["Retired"], user_map={"retired": "other"})
    assert typed == ["other"]
    typed, _ = one("orders", "employee_id", ["10026.0", "Moses Frase ", "N/A"])
    assert typed == ["10026", "Moses Frase", None]                              # text key for the loader
    typed, _ = one("performance_reviews", "quarter", ["2025Q3", "Q4 2025", "2025年第1季度", "2025-Q2", "later"])
    assert typed == ["2025-Q3", "2025-Q4", "2025-Q1", "2025-Q2", "later"]


def test_coerce_frame_reports_row_column_value_expected():
    frame = pl.DataFrame({
        ROW: [2, 3, 4],
        "order_id": ["1", "2", "x3"],
        "customer_id": ["C1", "C2", "C3"],
        "order_date": ["2024-01-05", "2024-13-01", ""],
        "amount": ["1,000", "ten", "5%"],
        "is_new_customer": ["yes", "no", "perhaps"],
        "unknown": ["a", "b", "c"],
    })
    res = coerce(frame, "orders", today=TODAY)
    assert res.frame.columns == [ROW, "order_id", "customer_id", "order_date", "amount", "is_new_customer"]
    assert res.frame.schema["order_date"] == pl.Date and res.frame.schema["amount"] == pl.Float64
    assert res.frame["amount"].to_list() == [1000.0, None, 0.05]
    errors = {(e["row"], e["column"]): e for e in res.error_rows()}
    assert set(errors) == {(4, "order_id"), (3, "order_date"), (3, "amount"), (4, "is_new_customer")}
    assert errors[(3, "order_date")]["value"] == "2024-13-01"
    assert errors[(3, "order_date")]["expected"] == "a date such as 2024-01-05"
    assert errors[(3, "amount")]["problem"] == "not an amount"
    assert errors[(4, "order_id")]["expected"].startswith("a whole number")


def test_retirement_death_and_contract_end_are_exits_of_type_other():
    frame = pl.DataFrame({"exit_type": ["Voluntarily Terminated", "Voluntarily Terminated", "Terminated for Cause",
                                        "Voluntarily Terminated"],
                          "exit_reason": ["retiring", "career change", "deceased", "合同到期"]})
    result = coerce(frame, "employees")
    assert result.frame["exit_type"].to_list() == ["other", "voluntary", "other", "other"]
    assert result.frame["exit_reason"].to_list() == ["retirement", "career", "death", "contract_end"]
    assert "3 exit(s)" in result.notes["exit_type"]
