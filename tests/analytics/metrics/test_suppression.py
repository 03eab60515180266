"""Suppression holds against an adversary: the demo analyst (aggregates only) gathers every figure of the exits
family reachable for one quarter — every offered grouping, with and without months, at the company, at each
region and at each team — and solves for the masked cells with linear algebra over the published sums. No
masked cell may be determined.

The unknowns are the exits of each *fine cell*: month × every attribute a grouping can take (region, team,
role, role family, job level, tenure band, hire source, hire cohort), over the people present in the quarter.
Every published count is the sum of the fine cells it covers — the test checks that against the data first, so
the model of what a figure sums is right — and a masked count is determined when its row of fine cells lies in
the span of the published rows.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.periods import parse_period
from analytics.metrics.engine import GroupingError, compute, groupings
from analytics.people import attrition

PERIOD = "2025-Q3"
ANALYST = Viewer("analyst", None, frozenset())  # aggregates only, the whole company, threshold 5
CELL_DIMS = {"region": "region_id", "team": "team_id", "role": "role_id", "role_family": "role_family",
             "job_level": "job_level", "tenure_band": "tenure_band", "hire_source": "hire_source",
             "hire_cohort": "hire_cohort"}


@pytest.fixture(scope="module")
def db(demo_db_path: Path) -> Database:
    return Database(demo_db_path, read_only=True)


def _fine_cells(db: Database) -> tuple[pl.DataFrame, np.ndarray]:
    """(the fine cells: month and every attribute, the exits in each)."""
    period = parse_period(PERIOD)
    events = attrition.with_derived(db.query("hr_events", start=period.start, end=period.end, all_units=True,
                                             units=[]).lazy()).collect()
    keys = ["month", *CELL_DIMS.values()]
    cells = (events.group_by(keys).agg(exits=(pl.col("kind") == "exit").sum())
             .sort(keys, nulls_last=True).with_row_index("cell"))
    return cells, cells["exits"].to_numpy().astype(float)


def _published(db: Database) -> list[dict]:
    """Every row the analyst can obtain for the quarter: (scope, grouping, group, time, masked, count)."""
    tree = dict(db.sql("select org_unit_id, parent_id from org_units").rows())
    units = db.sql("select org_unit_id, level from org_units where level in ('region', 'team')").rows()
    scopes = [("*", None, ANALYST)] + [(u, level, ANALYST.narrowed(u, tree)) for u, level in units]
    offered = [d for d in groupings("exits") if d != "month"]
    rows = []
    for unit, level, viewer in scopes:
        for dims in ([], *[[d] for d in offered]):
            for by in (dims, ["month", *dims]):
                try:
                    frame = compute(db, viewer, "exits", parse_period(PERIOD), by=by)
                except GroupingError:
                    continue  # refused to this viewer: nothing published
                for r in frame.iter_rows(named=True):
                    rows.append({"unit": unit, "level": level, "dim": dims[0] if dims else None,
                                 "group": r.get(dims[0]) if dims else None, "month": r.get("month"),
                                 "masked": r["masked"], "count": r["value"]})  # exits: the value is the count
    return rows


def _row_vector(cells: pl.DataFrame, row: dict, team_region: dict[str, str]) -> np.ndarray:
    keep = pl.lit(True)
    if row["level"] == "region":
        keep &= pl.col("region_id") == row["unit"]
    elif row["level"] == "team":
        keep &= pl.col("team_id") == row["unit"]
    if row["month"] is not None:
        keep &= pl.col("month") == row["month"]
    if row["dim"] is not None:
        column = pl.col(CELL_DIMS[row["dim"]])
        keep &= column.is_null() if row["group"] is None else column.cast(pl.Utf8) == str(row["group"])
    vector = np.zeros(cells.height)
    vector[cells.filter(keep)["cell"].to_numpy()] = 1.0
    return vector


def test_no_masked_exit_count_is_determined_by_the_published_ones(db: Database):
    cells, exits = _fine_cells(db)
    rows = _published(db)
    team_region = dict(db.sql("select org_unit_id, parent_id from org_units where level = 'team'").rows())
    shown = [r for r in rows if not r["masked"]]
    hidden = [r for r in rows if r["masked"]]
    assert len(hidden) >= 20, "the quarter should have masked cells to attack"
    published = np.array([_row_vector(cells, r, team_region) for r in shown])
    # the model is right: each published count is the sum of its fine cells
    wrong = [(r, float(v @ exits)) for r, v in zip(shown, published, strict=True)
             if not np.isclose(v @ exits, r["count"])]
    assert not wrong, wrong[:5]
    # the span of the published rows (right singular vectors with a non-zero singular value)
    _, s, vt = np.linalg.svd(published, full_matrices=False)
    basis = vt[s > s.max() * 1e-10]
    determined = []
    for r in hidden:
        target = _row_vector(cells, r, team_region)
        if not target.any():
            continue  # a group with no one in it: nothing to hide
        residual = target - basis.T @ (basis @ target)
        if np.linalg.norm(residual) < 1e-8:
            determined.append((r["unit"], r["dim"], r["group"], r["month"], float(target @ exits)))
    assert not determined, f"{len(determined)} masked cells can be worked out: {determined[:8]}"


def test_the_attack_finds_a_cell_when_a_table_shows_all_but_one_group(db: Database):
    """The attack can fail: a region's total beside all its teams but one (and its people in no team), as a
    table without complementary suppression would show, determines the team left out."""
    cells, exits = _fine_cells(db)
    tree = dict(db.sql("select org_unit_id, parent_id from org_units").rows())
    east = ANALYST.narrowed("east", tree)
    teams = compute(db, east, "exits", parse_period(PERIOD), by=["team"])["team"].to_list()
    target = {"unit": "east", "level": "region", "dim": "team", "group": teams[0], "month": None}
    rows = [{"unit": "east", "level": "region", "dim": None, "group": None, "month": None}]
    rows += [{**target, "group": g} for g in [*teams[1:], None]]
    published = np.array([_row_vector(cells, r, {}) for r in rows])
    vector = _row_vector(cells, target, {})
    _, s, vt = np.linalg.svd(published, full_matrices=False)
    basis = vt[s > s.max() * 1e-10]
    assert vector.any() and np.linalg.norm(vector - basis.T @ (basis @ vector)) < 1e-8
    # and the published sums give its count exactly
    assert np.isclose(published[0] @ exits - sum(v @ exits for v in published[1:]), vector @ exits)


def test_an_aggregate_viewer_gets_no_cross_table_and_no_breakdown_below_its_scope(db: Database):
    with pytest.raises(GroupingError, match="one grouping at a time"):
        compute(db, ANALYST, "exits", parse_period(PERIOD), by=["region", "job_level"])
    with pytest.raises(GroupingError, match="region or team"):
        compute(db, ANALYST, "exits", parse_period(PERIOD), by=["org_unit"])
    tree = dict(db.sql("select org_unit_id, parent_id from org_units").rows())
    east = ANALYST.narrowed("east", tree)
    assert compute(db, east, "exits", parse_period(PERIOD), by=["job_level"]).is_empty()  # not published
    # a regional analyst whose whole scope is East keeps its breakdowns
    regional = Viewer("east_analyst", frozenset({"east"}), frozenset())
    assert not compute(db, regional, "exits", parse_period(PERIOD), by=["job_level"])["masked"].all()


def test_a_quarter_shown_has_every_month_shown(db: Database):
    quarter = compute(db, ANALYST, "exits", parse_period(PERIOD), by=["team"])
    months = compute(db, ANALYST, "exits", parse_period(PERIOD), by=["month", "team"])
    shown = set(quarter.filter(~pl.col("masked"))["team"].drop_nulls().to_list())
    hidden_in_a_month = set(months.filter(pl.col("masked"))["team"].drop_nulls().to_list())
    assert shown and not shown & hidden_in_a_month


def test_report_tables_mask_small_rows_with_a_complement_and_blank_their_counts():
    from analytics.metrics.suppression import mask_table

    reasons = pl.DataFrame({"reason": ["pay", "manager", "career", None], "n": [12, 3, 8, 2],
                            "share": [0.5, 0.1, 0.3, 0.1]})
    out = mask_table(reasons, ANALYST, "n", ["share"], key="reason")
    # manager is small; the people with no reason (2) are protected too, so the smallest unit left, career, goes
    assert out["masked"].to_list() == [False, True, True, True]
    assert out["n"].to_list() == [12, None, None, None] and out["share"].null_count() == 3
    assert mask_table(reasons, Viewer("hr", None), "n", ["share"], key="reason")["n"].to_list() == [12, 3, 8, 2]
    curve = pl.DataFrame({"cohort": ["a", "a", "b", "b"], "month": [1, 2, 1, 2], "n": [10, 10, 4, 9]})
    assert mask_table(curve, ANALYST, "n", [], part=["month"])["masked"].to_list() == [True, False, True, False]
