"""The attrition drill-down narrows through the org tree: a team chosen in the sidebar shows inside the drilled
region, and a director drilling into one of their teams sees that team."""
from __future__ import annotations

from pathlib import Path

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.periods import parse_period
from analytics.metrics.engine import as_of_date
from analytics.people.attrition_report import breakdown


def test_a_team_chosen_in_the_sidebar_shows_in_its_drilled_region(demo_db_path: Path):
    db = Database(demo_db_path, read_only=True)
    try:
        tree = dict(db.sql("select org_unit_id, parent_id from org_units").rows())
        as_of, period = as_of_date(db), parse_period("2025-Q3")
        team = Viewer("hr").narrowed("east-01", tree)
        assert breakdown(db, team, period, as_of, "team", "en", within=("region", "east"))["team"].to_list() == [
            "east-01"]
        director = Viewer("d", frozenset({"east"}), frozenset({"person"}))
        teams = breakdown(db, director, period, as_of, "team", "en", within=("region", "east"))["team"].to_list()
        assert "east-01" in teams and all(t is None or t.startswith("east") for t in teams)
    finally:
        db.close()
