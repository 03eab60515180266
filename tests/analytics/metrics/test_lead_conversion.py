"""lead_conversion by hand on the tiny company (tests/conftest.py), owned by sales and marketing together.

People: A (1) east-01 until 2024-06-15, then east-02; B (2) east-01, left 2024-03-31; D (4) north-01. Marketing: a
department with two teams, mkt-a and mkt-b (no one sits in them). As of 2024-06-30.

Q1 2024 (leads created Jan–Mar), converted within 90 days?
  L1 A  mkt-a web      created 01-10, converted 02-20 (41 d)   yes
  L2 A  mkt-a web      created 01-20, converted 05-01 (102 d)  no — too late
  L3 B  mkt-b event    created 02-05, converted 03-01          yes
  L4 D  mkt-b event    created 02-15, lost 04-01               no
  L5 D  mkt-a partner  created 03-10, converted 04-10          yes
  L6 —  mkt-a referral created 03-20, converted 04-01          yes (no owner: company-wide only)
  total 4/6; east (L1–L3) 2/3, north (L4, L5) 1/2; mkt-a (L1, L2, L5, L6) 3/4, mkt-b (L3, L4) 1/2;
  web 1/2, event 1/2, partner 1/1, referral 1/1. Every Q1 lead is 90 days old by 06-30 (L6: 06-18): not maturing.
Q2 2024: L7 A created 04-05 converted 04-10 (yes); L8 B created 04-25 — after B's last day, placed where B sat on
  it (east-01) — no; L9 D created 06-01, converted 07-15, after the as-of date (not known yet): 1/3, maturing
  (L7 is 90 days old only on 07-04).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from analytics.core.access import Viewer, full_access
from analytics.core.periods import parse_period
from analytics.core.registry import get_metric
from analytics.metrics.engine import compute, groupings
from analytics.metrics.figure import headline
from tests.conftest import open_db, tiny_frames

D = dt.date


def lead_frames() -> dict[str, pl.DataFrame]:
    frames = tiny_frames()
    marketing = pl.DataFrame({
        "org_unit_id": ["marketing", "mkt-a", "mkt-b"], "parent_id": ["company", "marketing", "marketing"],
        "level": ["department", "team", "team"], "name_en": ["Marketing", "Digital", "Events"],
        "name_zh": ["市场部", "数字营销组", "活动组"], "opened_date": [D(2020, 1, 1)] * 3, "closed_date": [None] * 3,
    }, schema_overrides={"closed_date": pl.Date})
    frames["org_units"] = pl.concat([frames["org_units"], marketing])
    frames["leads"] = pl.DataFrame({
        "lead_id": [1, 2, 3, 4, 5, 6, 7, 8, 9],
        "created_on": [D(2024, 1, 10), D(2024, 1, 20), D(2024, 2, 5), D(2024, 2, 15), D(2024, 3, 10),
                       D(2024, 3, 20), D(2024, 4, 5), D(2024, 4, 25), D(2024, 6, 1)],
        "source": ["web", "web", "event", "event", "partner", "referral", "web", "campaign", "event"],
        "marketing_unit_id": ["mkt-a", "mkt-a", "mkt-b", "mkt-b", "mkt-a", "mkt-a", "mkt-a", "mkt-b", "mkt-b"],
        "owner_id": [1, 1, 2, 4, 4, None, 1, 2, 4],
        "converted_on": [D(2024, 2, 20), D(2024, 5, 1), D(2024, 3, 1), None, D(2024, 4, 10), D(2024, 4, 1),
                         D(2024, 4, 10), None, D(2024, 7, 15)],
        "lost_on": [None, None, None, D(2024, 4, 1), None, None, None, None, None],
    }, schema_overrides={"owner_id": pl.Int64, "lost_on": pl.Date})
    return frames


@pytest.fixture
def leads_db(tmp_path: Path):
    db = open_db(tmp_path / "leads.duckdb", lead_frames(), as_of=D(2024, 6, 30))
    yield db
    db.close()


def _by(db, by: str, period: str = "2024-Q1", viewer: Viewer | None = None) -> dict[str, tuple]:
    rows = compute(db, viewer or full_access(), "lead_conversion", parse_period(period), by=[by])
    return {r[by]: (r["numerator"], r["denominator"], pytest.approx(r["value"]) if r["value"] is not None else None)
            for r in rows.iter_rows(named=True)}


def test_total_counts_converted_within_90_days_of_creation(leads_db):
    row = compute(leads_db, full_access(), "lead_conversion", parse_period("2024-Q1")).row(0, named=True)
    assert (row["numerator"], row["denominator"]) == (4, 6)
    assert row["value"] == pytest.approx(4 / 6)
    assert row["maturing"] is False and row["small_base"] is True  # 6 leads < the minimum base of 10


def test_by_sales_region_and_team_places_each_lead_with_its_owner(leads_db):
    assert _by(leads_db, "region") == {"east": (2, 3, pytest.approx(2 / 3)), "north": (1, 2, pytest.approx(0.5))}
    assert _by(leads_db, "team") == {"east-01": (2, 3, pytest.approx(2 / 3)), "north-01": (1, 2, pytest.approx(0.5))}


def test_by_marketing_team_and_source(leads_db):
    assert _by(leads_db, "marketing_team") == {"mkt-a": (3, 4, pytest.approx(0.75)),
                                               "mkt-b": (1, 2, pytest.approx(0.5))}
    assert _by(leads_db, "source") == {"web": (1, 2, pytest.approx(0.5)), "event": (1, 2, pytest.approx(0.5)),
                                       "partner": (1, 1, pytest.approx(1.0)), "referral": (1, 1, pytest.approx(1.0))}
    labels = compute(leads_db, full_access(), "lead_conversion", parse_period("2024-Q1"), by=["marketing_team"],
                     lang="zh")["label"].to_list()
    assert sorted(labels) == ["数字营销组", "活动组"]
    sources = compute(leads_db, full_access(), "lead_conversion", parse_period("2024-Q1"), by=["source"],
                      lang="zh")["label"].to_list()
    assert "官网" in sources and "web" not in sources


def test_a_period_with_young_leads_is_maturing_and_counts_only_what_is_known(leads_db):
    row = compute(leads_db, full_access(), "lead_conversion", parse_period("2024-Q2")).row(0, named=True)
    assert (row["numerator"], row["denominator"], row["maturing"]) == (1, 3, True)
    # a lead created after its owner's last day sits where the owner sat on that day (B: east-01)
    assert _by(leads_db, "team", "2024-Q2") == {"east-01": (1, 2, pytest.approx(0.5)),
                                                "north-01": (0, 1, pytest.approx(0.0))}
    fig = headline(leads_db, full_access(), "lead_conversion", parse_period("2024-Q2"))
    assert fig.maturing and fig.value == pytest.approx(1 / 3)


def test_a_scoped_viewer_sees_only_leads_placed_in_scope(leads_db):
    north = Viewer("north", org_units=frozenset({"north"}))
    row = compute(leads_db, north, "lead_conversion", parse_period("2024-Q1")).row(0, named=True)
    assert (row["numerator"], row["denominator"]) == (1, 2)


def test_joint_ownership_and_groupings_are_in_the_definition():
    metric = get_metric("lead_conversion")
    assert metric.owners == ("sales", "marketing")
    assert "sales and marketing" in metric.formula_en and "销售与市场" in metric.formula_zh
    assert {"region", "team", "rep", "marketing_team", "source"} <= set(groupings("lead_conversion"))


def test_a_company_metric_may_read_leads():
    from analytics.core.custom_sql import check

    checked = check("select owner_id as employee_id, case when converted_on is not null then 1 else 0 end as "
                    "numerator, 1 as denominator, created_on as event_date from leads "
                    "where created_on between $start and $end")
    assert checked.rows == "person" and "from leads" in checked.text.lower()
