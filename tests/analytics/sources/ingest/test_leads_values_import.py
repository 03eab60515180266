"""Importing leads and the values columns of performance reviews (issue 21): mapped, checked, all or nothing."""
from __future__ import annotations

import datetime as dt

import polars as pl

from analytics.core.db import Database
from analytics.sources.ingest import load_batch, prepare
from analytics.sources.ingest.templates import template_csv
from tests.analytics.sources.ingest.test_load import assert_same, snapshot

D = dt.date
LEADS = ("线索编号,创建日期,来源,marketing_unit_id,负责销售,转化日期,丢失日期\n"
         "L1,2024-05-01,官网,east,1,2024-05-20,\n"
         "L2,2024-05-02,event,north,4,,2024-06-01\n").encode()
REVIEWS = (b"employee_id,quarter,review_date,rating,potential,value_customer,value_teamwork,value_results,"
           b"collaboration,veto,veto_reason\n"
           b"1,2024-Q2,2024-06-30,5,3,4,2,5,3,yes,grabbed a colleague's order\n"
           b"4,2024-Q2,2024-06-30,3,2,3,4,3,4,no,\n")


def _errors(result) -> list[tuple]:
    bad = result.issues.filter(pl.col("severity") == "error")
    return [(r["file"], r["row"], r["column"], r["value"]) for r in bad.iter_rows(named=True)]


def test_leads_load_with_their_channel_codes_and_references(tiny_db: Database):
    prepared = prepare(LEADS, "leads", name="leads.csv")
    assert prepared.mapping.columns["线索编号"] == "external_key"
    result = load_batch(tiny_db, [("leads", prepared)], "li.na", today=D(2024, 7, 1))
    assert result.ok, result.issues
    got = tiny_db.sql("select external_key, source, marketing_unit_id, owner_id, converted_on, lost_on from leads "
                      "order by 1").rows()
    assert got == [("L1", "web", "east", 1, D(2024, 5, 20), None), ("L2", "event", "north", 4, None, D(2024, 6, 1))]


def test_a_bad_lead_row_is_refused_with_file_row_and_column_and_nothing_is_written(tiny_db: Database):
    before, version = snapshot(tiny_db), tiny_db.data_version
    bad = LEADS + b"L3,2024-05-10,television,east,1,,\nL4,2024-05-10,web,east,1,2024-04-01,\n"
    result = load_batch(tiny_db, [("leads", prepare(bad, "leads", name="leads.csv"))], "li.na", today=D(2024, 7, 1))
    assert not result.ok and not result.written
    errors = _errors(result)
    assert ("leads.csv", 4, "source", "television") in errors
    assert any(e[:3] == ("leads.csv", 5, "converted_on") for e in errors)  # converted before it was created
    assert tiny_db.data_version == version
    assert_same(before, snapshot(tiny_db))


def test_reviews_load_values_collaboration_and_veto(tiny_db: Database):
    result = load_batch(tiny_db, [("performance_reviews", prepare(REVIEWS, "performance_reviews", name="r.csv"))],
                        "li.na", today=D(2024, 7, 1))
    assert result.ok, result.issues
    got = tiny_db.sql("select employee_id, value_customer, value_teamwork, value_results, collaboration, veto, "
                      "veto_reason from performance_reviews order by 1").rows()
    assert got == [(1, 4, 2, 5, 3, True, "grabbed a colleague's order"), (4, 3, 4, 3, 4, False, None)]


def test_an_older_review_file_without_the_new_columns_still_loads(tiny_db: Database):
    old = b"employee_id,quarter,review_date,rating,potential\n1,2024-Q2,2024-06-30,4,2\n"
    result = load_batch(tiny_db, [("performance_reviews", prepare(old, "performance_reviews", name="old.csv"))],
                        "li.na", today=D(2024, 7, 1))
    assert result.ok, result.issues
    assert tiny_db.sql("select rating, value_customer, veto from performance_reviews").rows() == [(4, None, None)]


def test_a_veto_without_a_reason_or_a_value_out_of_range_refuses_the_file(tiny_db: Database):
    before = snapshot(tiny_db)
    bad = REVIEWS + b"2,2024-Q1,2024-03-31,4,2,7,3,3,3,yes,\n"
    result = load_batch(tiny_db, [("performance_reviews", prepare(bad, "performance_reviews", name="r.csv"))],
                        "li.na", today=D(2024, 7, 1))
    assert not result.ok and not result.written
    errors = _errors(result)
    assert ("r.csv", 4, "value_customer", "7") in errors
    assert any(e[:3] == ("r.csv", 4, "veto_reason") for e in errors)
    assert_same(before, snapshot(tiny_db))


def test_the_templates_name_the_new_columns():
    leads = template_csv("leads").decode("utf-8-sig")
    assert leads.splitlines()[0].startswith("lead_id,external_key,created_on,source,campaign,marketing_unit_id")
    reviews = template_csv("performance_reviews").decode("utf-8-sig")
    assert "value_customer,value_teamwork,value_results,collaboration,veto,veto_reason" in reviews.splitlines()[0]
