"""Scorecard arithmetic, configuration errors, and the coaching / high-potential rules."""
import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from analytics.sales import scorecard


def test_percentiles_give_the_best_100_and_the_worst_0():
    frame = pl.DataFrame({"role_id": ["r"] * 3, "stage": ["s"] * 3, "x": [1.0, 5.0, None]})
    pct = frame.with_columns(p=scorecard._percentile("x", True))["p"].to_list()
    assert pct == [0.0, 100.0, 50.0]  # null scores the middle
    low = frame.with_columns(p=scorecard._percentile("x", False))["p"].to_list()
    assert low == [100.0, 0.0, 50.0]


def test_config_errors_name_the_key(tmp_path: Path):
    bad = tmp_path / "s.toml"
    bad.write_text("[weights.new_rep]\nattainment = 0.5\nvisits = 0.4\n[weights.mature_rep]\nattainment = 1.0\n"
                   "[weights.manager]\nteam_attainment = 1.0\n")
    with pytest.raises(scorecard.ScorecardConfigError, match=r"weights.new_rep\] add up to 0.9"):
        scorecard.load_config(bad)
    bad.write_text("[weights.new_rep]\nattainmnt = 1.0\n[weights.mature_rep]\nattainment = 1.0\n"
                   "[weights.manager]\nteam_attainment = 1.0\n")
    with pytest.raises(scorecard.ScorecardConfigError, match=r"weights\.new_rep\.attainmnt is not a component"):
        scorecard.load_config(bad)
    assert abs(sum(scorecard.load_config().weights["mature_rep"].values()) - 1) < 1e-9


def test_scores_follow_the_weights_on_the_demo(demo_db_path):
    from analytics.core.access import full_access
    from analytics.core.db import Database
    from analytics.core.periods import parse_period

    db = Database(demo_db_path, read_only=True)
    try:
        card = scorecard.scorecard(db, full_access(), parse_period("2025-Q3"), dt.date(2025, 12, 31))
    finally:
        db.close()
    cfg = scorecard.load_config()
    row = card.filter(pl.col("stage") == "mature_rep").row(0, named=True)
    expected = sum(row[f"pct_{c}"] * w for c, w in cfg.weights["mature_rep"].items()) - row["deduction"]
    assert row["score"] == pytest.approx(max(expected, 0))
    assert card["rank"].to_list() == sorted(card["rank"].to_list())
    assert card["top_20"].sum() == round(card.height * 0.2)
    # within a stage, a better attainment percentile cannot come with a lower attainment
    mature = card.filter((pl.col("stage") == "mature_rep") & (pl.col("role_id") == "sales_rep")).sort("attainment")
    assert mature["pct_attainment"].is_sorted()
