"""Probation early warning on the demo: day-30 features only, out-of-time validation beats the channel
baseline, the watch list ranks current probationers with reasons; revenue at risk and the page functions."""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from analytics.core.access import Viewer, full_access
from analytics.core.db import Database
from analytics.people import hiring_report, onboarding

AS_OF = dt.date(2025, 12, 31)


@pytest.fixture(scope="module")
def demo(demo_db_path):
    db = Database(demo_db_path, read_only=True)
    yield db
    db.close()


def test_features_use_no_later_facts(demo):
    early, late = dt.date(2025, 3, 31), AS_OF
    a = onboarding.load_features(demo, full_access(), early)
    b = onboarding.load_features(demo, full_access(), late)
    cols = ["employee_id", "mentored", "visits_30", "bookings_30", "days_observed"]
    known = a.filter(pl.col("days_observed") == 30).select(cols)
    assert known.height > 50
    assert known.equals(b.join(known.select("employee_id"), on="employee_id").select(cols).sort("employee_id"))
    assert b["days_observed"].max() <= 30


def test_model_beats_channel_baseline_out_of_time(demo):
    features = onboarding.load_features(demo, full_access(), AS_OF)
    v = onboarding.validate(features, AS_OF, test_months=6)
    print({k: v[k] for k in ("n_train", "n_test", "roc_auc_model", "roc_auc_baseline", "pr_auc_model",
                             "pr_auc_baseline")})
    assert v["train_hired_to"] < v["test_hired_from"]
    assert v["roc_auc_model"] > v["roc_auc_baseline"]
    assert v["excluded_in_probation"] > 0


def test_watch_list_ranks_current_probationers(demo):
    features = onboarding.load_features(demo, full_access(), AS_OF)
    watch = onboarding.watch_list(features)
    assert watch.height == features["in_probation"].sum() > 0
    assert watch["probability"].is_between(0, 1).all()
    assert watch["probability"].to_list() == sorted(watch["probability"].to_list(), reverse=True)
    assert (watch["probation_end"] > AS_OF).all()
    assert watch["reasons"].list.len().max() > 0


def test_page_functions_respect_person_level(demo):
    aggregate = Viewer("a", fields=frozenset())
    out = hiring_report.onboarding_watch(demo, aggregate, AS_OF)
    assert out["watch_list"].is_empty() and out["validation"]["roc_auc_model"] is not None
    rec = hiring_report.recruiting_overview(demo, aggregate, dt.date(2025, 1, 1), AS_OF, AS_OF)
    assert rec["quality_by_recruiter"].is_empty()
    assert rec["funnel_total"]["reached"].to_list() == sorted(rec["funnel_total"]["reached"].to_list(), reverse=True)
    risk = hiring_report.revenue_at_risk(demo, aggregate, AS_OF)
    assert risk["people"].is_empty()
    assert set(risk["by_region"]["kind"].unique()) == {"exit", "high_risk"}
    full = hiring_report.revenue_at_risk(demo, full_access(), AS_OF)
    people = full["people"]
    assert people.height > 0 and (people["bookings_at_risk"] > 0).all()
    east = people.filter(pl.col("region_id") == "east")
    total = full["by_region"].filter(pl.col("region_id") == "east")["bookings_at_risk"].sum()
    assert total == pytest.approx(east["bookings_at_risk"].sum())
