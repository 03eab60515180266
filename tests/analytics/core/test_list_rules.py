"""The people-list thresholds live in one place, and the lists, alerts and decisions follow them."""
from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from analytics.core import list_rules as rules_module
from analytics.core.access import full_access
from analytics.core.db import Database
from analytics.core.list_rules import ListRules, ListRulesError, list_rules
from analytics.core.periods import last_completed_quarters, parse_period
from analytics.metrics.engine import as_of_date
from analytics.reviews.content import build_review
from analytics.sales import scorecard


def test_defaults_and_words():
    assert list_rules() == ListRules(1.0, 2, 1.0, 3)  # the shipped data/scorecard.toml
    assert ListRules(0.7, 2).describe("en") == "under 70% attainment 2 quarters running"
    assert ListRules(0.7, 2).describe("zh") == "连续2个季度达成率低于70%"


@pytest.mark.parametrize("bad", ["coaching_target = -1", "coaching_quarters = 1.5", 'high_potential_target = "x"'])
def test_a_bad_value_is_named(tmp_path: Path, bad: str):
    path = tmp_path / "scorecard.toml"
    path.write_text(f"[lists]\n{bad}\n")
    with pytest.raises(ListRulesError, match=r"scorecard\.toml: lists\."):
        list_rules(path)


def test_lists_and_alerts_follow_the_configured_threshold(demo_db_path: Path, tmp_path: Path, monkeypatch):
    config = tmp_path / "scorecard.toml"
    shutil.copy(rules_module.CONFIG, config)
    config.write_text(config.read_text().replace("coaching_target = 1.0", "coaching_target = 0.7"))
    monkeypatch.setattr(rules_module, "CONFIG", config)
    db = Database(demo_db_path, read_only=True)
    as_of = as_of_date(db)
    coach = scorecard.coaching_list(db, full_access(), as_of)
    labels = [q.label for q in last_completed_quarters(as_of, 2)]
    assert coach.height and coach.select(pl.max_horizontal(labels)).to_series().max() < 0.7
    wider = scorecard.coaching_list(db, full_access(), as_of, target=1.0)
    assert wider.height > coach.height  # the 100% list holds more reps than the 70% one
    review = build_review(db, full_access(), "monthly", parse_period(f"{as_of:%Y-%m}"), as_of)
    alerts = review.item("alerts")
    assert "under 70% attainment 2 quarters running" in alerts.takeaway
    assert alerts.numbers["coaching"] == coach.height
    if coach.height > 15:  # a cut list says how many it hides
        assert f"first 15 of {coach.height}" in alerts.takeaway
