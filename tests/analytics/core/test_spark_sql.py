"""The DuckDB → Spark SQL translation: what it rewrites, and what it refuses because Spark would answer differently
without an error. No Spark needed: the answers themselves are checked by test_spark_engine.py."""
from __future__ import annotations

import pytest
import sqlglot

from analytics.core.spark_sql import SparkSqlError, translate, translate_text
from tests.analytics.core.spark_cases import PANEL_QUERIES, QUERIES


@pytest.mark.parametrize("name", QUERIES + PANEL_QUERIES + ["panels/read_rep_period_customers"])
def test_every_query_translates_and_parses_as_spark_sql(name):
    query = translate(name)
    sqlglot.parse_one(query.text, read="spark")  # the text is Spark SQL sqlglot reads back
    assert "$" not in query.text and "TO_MONTHS" not in query.text and "BY NAME" not in query.text
    assert "PEOPLE_IN_SCOPE(" not in query.text.upper() and "PLACED(" not in query.text.upper()  # macros inlined
    assert not any(t.startswith("people_in_scope") for t in query.tables)


@pytest.mark.parametrize(("sql", "said"), [
    ("select arg_max(x, d) from t", "must skip null values"),
    ("select arg_min(x, d) filter (where d > 0) from t", "must skip null values"),
    ("select d + to_months(3) from t", "to_months"),
    ("select * from range(date '2025-01-01', date '2025-03-01', interval 1 month) as r(m)", "range"),
    ("select * from generate_series(1, 3) as g(i)", "generate_series"),
    ("select * from t union all by name select * from u", "select \\*"),
    ("select a from t union by name select a from u", "union all by name"),
    ("select * from t asof left join u on t.k = u.k and t.d >= u.d", "ASOF"),
    ("select date_diff('month', a, b) from t", "counts differently"),
    ("select x, unnest([1, 2]) as a, unnest([3, 4]) as b from t", "beside other columns"),
])
def test_constructs_spark_would_answer_differently_are_refused_by_name(sql, said):
    with pytest.raises(SparkSqlError, match=said) as caught:
        translate_text(sql, "probe")
    assert str(caught.value).startswith("probe: ")


def test_a_query_that_does_not_parse_is_a_clear_error():
    with pytest.raises(SparkSqlError, match="probe: the SQL does not parse"):
        translate_text("select from where", "probe")


def test_two_unnests_are_zipped_not_crossed():
    text = translate_text("select unnest($a::date[]) as s, unnest($b::date[]) as e").text
    assert "INLINE(ARRAYS_ZIP(" in text and "AS (s, e)" in text.replace("\n", " ").replace("  ", " ")
    assert "EXPLODE" not in text


def test_union_by_name_lists_every_column_in_first_seen_order():
    text = translate_text("select a, 1 as b from t union all by name select c, a from u").text
    flat = " ".join(text.split())
    assert flat == "SELECT a, 1 AS b, NULL AS c FROM t UNION ALL SELECT a, NULL AS b, c FROM u"


def test_scope_macros_are_inlined_with_their_arguments():
    query = translate_text("select p.employee_id from people_in_scope($as_of::date, $all_units, $units) as p")
    assert set(query.tables) == {"employees", "assignments", "org_paths"}
    assert set(query.params) == {"as_of", "all_units", "units"}
    assert ":as_of" in query.text and "ARRAY_CONTAINS(:units" in query.text


def test_nested_ctes_get_names_of_their_own():
    text = translate_text("""with a as (with x as (select 1 as v) select v from x),
        b as (with x as (select 2 as v) select v from x)
        select * from a, b""").text
    assert "a__x" in text and "b__x" in text


def test_round_even_and_stored_panels():
    query = translate_text("select round_even(x, 2) as r from panels.sales_placed")
    assert "BROUND(x, 2)" in query.text and query.tables == ("panels__sales_placed",)
