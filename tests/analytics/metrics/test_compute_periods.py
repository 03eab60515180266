"""compute_periods: several periods in one request give exactly the rows of one compute() per period."""
import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analytics.core.access import Viewer, full_access
from analytics.core.db import Database
from analytics.core.periods import last_completed_quarters, parse_period
from analytics.metrics import engine
from analytics.metrics.engine import GroupingError, compute, compute_periods

AS_OF = dt.date(2025, 12, 31)
QUARTERS = last_completed_quarters(AS_OF, 4)


def one_by_one(db: Database, viewer: Viewer, metric_id: str, periods, by=()) -> pl.DataFrame:
    return pl.concat([compute(db, viewer, metric_id, p, by, as_of=AS_OF).with_columns(period_start=pl.lit(p.start))
                      for p in periods], how="diagonal_relaxed")


@pytest.mark.parametrize("metric_id", engine.computable())
@pytest.mark.parametrize("by", [(), ("team",)], ids=["company", "team"])
def test_several_quarters_in_one_request_equal_the_quarters_one_by_one(demo_db_path, metric_id, by, request):
    if by and "team" not in engine.groupings(metric_id):
        pytest.skip(f"{metric_id} is not offered by team")
    # the alerts metric counts alerts written in the app: the demo with its alerts played forward
    path = request.getfixturevalue("alerts_demo_path") if metric_id == "alert_response_24h" else demo_db_path
    db = Database(path, read_only=True)
    together = compute_periods(db, full_access(), metric_id, QUARTERS, by, as_of=AS_OF)
    apart = one_by_one(db, full_access(), metric_id, QUARTERS, by)
    assert together.height == apart.height > 0
    keys = [c for c in ("period_start", *by, "band") if c in apart.columns]  # the bands come in no set order
    assert_frame_equal(together.select(apart.columns).sort(keys, nulls_last=True), apart.sort(keys, nulls_last=True),
                       check_dtypes=False, abs_tol=1e-12)


def test_one_panel_read_for_all_the_quarters(demo_db_path, monkeypatch):
    db = Database(demo_db_path, read_only=True)
    reads: list[str] = []
    query = Database.query

    def counted(self, name, **params):
        reads.append(name)
        return query(self, name, **params)

    monkeypatch.setattr(Database, "query", counted)
    compute_periods(db, full_access(), "attainment", QUARTERS, ["team"], as_of=AS_OF)
    assert reads.count("sales_booked") == 1


def test_an_aggregate_viewer_gets_each_quarters_masks(demo_db_path):
    db = Database(demo_db_path, read_only=True)
    viewer = Viewer("analyst", None, frozenset())  # aggregates only, the whole company
    together = compute_periods(db, viewer, "attrition_rate", QUARTERS, ["team"], as_of=AS_OF)
    apart = one_by_one(db, viewer, "attrition_rate", QUARTERS, ["team"])
    assert together["masked"].any(), "the fixture should mask some team"
    assert_frame_equal(together.select(apart.columns), apart, check_dtypes=False)


def test_periods_come_back_in_the_order_given(demo_db_path):
    db = Database(demo_db_path, read_only=True)
    given = [parse_period("2025-Q3"), parse_period("2024-Q3")]  # a quarter against the same quarter a year ago
    frame = compute_periods(db, full_access(), "bookings", given, as_of=AS_OF)
    assert frame["period_start"].to_list() == [dt.date(2025, 7, 1), dt.date(2024, 7, 1)]
    assert frame["period"].to_list() == ["2025-Q3", "2024-Q3"]


def test_month_grouping_is_refused(demo_db_path):
    db = Database(demo_db_path, read_only=True)
    with pytest.raises(GroupingError, match="compute_periods"):
        compute_periods(db, full_access(), "bookings", QUARTERS, ["month"], as_of=AS_OF)


def test_team_quarters_by_hand_on_the_tiny_company(tiny_db):
    from analytics.sales.quota_report import team_quarters

    # 2024-Q1: east-01's reps A (80 on 100) and B (150 on 200) → 230 / 300; D's zero quota is left out. 2024-Q2: no
    # quota anywhere → a blank cell, not a quarter under target.
    frame = team_quarters(tiny_db, full_access(), dt.date(2024, 6, 30), "en", n=2)
    assert frame.columns == ["team", "label", "2024-Q1", "2024-Q2", "under"]
    row = frame.row(0, named=True)
    assert (row["team"], row["label"]) == ("east-01", "East Team 1")
    assert row["2024-Q1"] == pytest.approx(230 / 300) and row["2024-Q2"] is None
    assert row["under"] == 1


@pytest.mark.parametrize("viewer", [full_access(), Viewer("analyst", None, frozenset())], ids=["hr", "analyst"])
def test_team_quarters_equal_the_engine_quarter_by_quarter(demo_db_path, viewer):
    from analytics.sales.quota_report import team_quarters

    db = Database(demo_db_path, read_only=True)
    frame = team_quarters(db, viewer, AS_OF, "en", n=4)
    labels = [q.label for q in QUARTERS]
    assert frame.columns == ["team", "label", *labels, "under"]
    for q in QUARTERS:
        want = compute(db, viewer, "attainment", q, ["team"], as_of=AS_OF).filter(pl.col("team").is_not_null())
        got = frame.select("team", q.label).join(want.select("team", "value"), on="team", how="full", coalesce=True)
        assert got.height == frame.height == want.height
        assert ((got[q.label] - got["value"]).abs().fill_null(0) < 1e-12).all()
        assert got.filter(pl.col(q.label).is_null() != pl.col("value").is_null()).is_empty()
    under = frame.select(pl.sum_horizontal([(pl.col(q) < 1).fill_null(False).cast(pl.Int64) for q in labels]))
    assert frame["under"].to_list() == under.to_series().to_list()
    assert frame["under"].to_list() == sorted(frame["under"].to_list(), reverse=True)
