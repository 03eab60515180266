"""Role × path matrix on the demo company: every person-level or pay path returns only the rows the
role may see, computed independently with plain SQL; aggregate roles get no person rows; zero leaks."""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from analytics.core import auth
from analytics.core.db import Database
from analytics.core.periods import parse_period
from analytics.metrics import engine
from analytics.people import attrition_report, risk_report
from analytics.sales import incentives_report, quota_report, scorecard

AS_OF = dt.date(2025, 12, 31)
PERIOD = parse_period("2025-Q4")
ROLES = ["demo.hr", "demo.director.east", "demo.director.north", "demo.manager.east-01", "demo.analyst",
         "demo.admin", "nobody"]


@pytest.fixture(scope="module")
def db(demo_db_path, tmp_path_factory):
    import shutil

    path = tmp_path_factory.mktemp("matrix") / "m.duckdb"
    shutil.copy(demo_db_path, path)
    database = Database(path)
    auth.add_user(database, "nobody", "long enough", [], "test")
    yield database
    database.close()


def allowed_people(db: Database, viewer, day: dt.date) -> set[int]:
    """Independent expectation: people whose assignment on ``day`` is in one of the viewer's units
    (a unit covers itself and, for a region, its teams)."""
    if viewer.org_units is None:
        return set(db.sql("select employee_id from employees")["employee_id"].to_list())
    units = sorted(viewer.org_units)
    rows = db.sql("""
        select a.employee_id from assignments a join org_units o using (org_unit_id)
        where $d between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
          and (list_contains($u, a.org_unit_id) or list_contains($u, o.parent_id))""", d=day, u=units or [""])
    return set(rows["employee_id"].to_list())


def ids(frame: pl.DataFrame, col: str = "employee_id") -> set[int]:
    return set(frame[col].to_list()) if col in frame.columns and frame.height else set()


@pytest.mark.parametrize("user", ROLES)
def test_person_level_paths_stay_inside_the_scope(db, user):
    viewer = auth.viewer_for(db, user)
    allowed = allowed_people(db, viewer, AS_OF)
    paths = {
        "exits_list": attrition_report.exits_list(db, viewer, PERIOD, AS_OF),
        "leaderboard": quota_report.leaderboard(db, viewer, PERIOD, AS_OF, "en"),
        "coaching": scorecard.coaching_list(db, viewer, AS_OF) if viewer.person_level else pl.DataFrame(),
        "rank_by_rep": engine.compute(db, viewer, "attainment", PERIOD, by=["rep"]) if viewer.person_level
        else pl.DataFrame(),
    }
    for name, frame in paths.items():
        col = "rep" if name == "rank_by_rep" else "employee_id"
        got = ids(frame, col)
        if not viewer.person_level:
            assert not got, f"{user} got person rows from {name}"
        else:
            if name == "exits_list":  # leavers are placed where they sat on their last day
                expected = set().union(*[allowed_people(db, viewer, d) for d in frame["termination_date"]])
            elif name == "coaching":  # reps still employed at the as-of date
                expected = allowed
            else:  # reps are placed month by month within the period
                expected = allowed_during(db, viewer)
            leaks = got - expected
            assert not leaks, f"{user} sees {len(leaks)} people outside the scope in {name}"


def allowed_during(db: Database, viewer) -> set[int]:
    """People with an assignment in the viewer's units at some time in the period."""
    if viewer.org_units is None:
        return set(db.sql("select employee_id from employees")["employee_id"].to_list())
    rows = db.sql("""
        select a.employee_id from assignments a join org_units o using (org_unit_id)
        where a.valid_from <= $e and coalesce(a.valid_to, date '9999-12-31') >= $s
          and (list_contains($u, a.org_unit_id) or list_contains($u, o.parent_id))""",
                  s=PERIOD.start, e=PERIOD.end, u=sorted(viewer.org_units) or [""])
    return set(rows["employee_id"].to_list())


def _reps_in_scope(db, viewer) -> set[int]:
    months = [d.replace(day=28) for d in PERIOD.months]
    out: set[int] = set()
    for m in months:
        last = (m + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        out |= allowed_people(db, viewer, last)
    return out | allowed_people(db, viewer, PERIOD.start)


@pytest.mark.parametrize("user", ROLES)
def test_risk_list_names_only_for_person_level(db, user):
    viewer = auth.viewer_for(db, user)
    if viewer.sees_nothing:
        assert risk_report.ranked(db, viewer, AS_OF).is_empty()
        return
    ranked = risk_report.ranked(db, viewer, AS_OF)
    if viewer.person_level:
        assert ids(ranked) <= allowed_people(db, viewer, AS_OF)
        assert "name" in ranked.columns
    else:
        assert "employee_id" not in ranked.columns and "name" not in ranked.columns


@pytest.mark.parametrize("user", ROLES)
def test_pay_reaches_only_those_allowed(db, user):
    viewer = auth.viewer_for(db, user)
    pay = incentives_report.payouts_in_scope(db, viewer, PERIOD, AS_OF)
    got = ids(pay)
    if viewer.sees_pay:
        assert got and got <= allowed_people(db, viewer, AS_OF) | _reps_in_scope(db, viewer)
    elif viewer.sees_any_pay:  # own reports only
        reports = set(db.query("reports_of", manager_id=viewer.employee_id, day=AS_OF)["employee_id"].to_list())
        assert got and got <= reports
    else:
        assert not got


@pytest.mark.parametrize("user", ROLES)
def test_aggregates_cover_only_the_scope(db, user):
    viewer = auth.viewer_for(db, user)
    frame = engine.compute(db, viewer, "headcount_end", PERIOD, by=["region"])
    regions = set(frame["region"].drop_nulls().to_list())
    if viewer.org_units is not None:
        tree = dict(db.sql("select org_unit_id, parent_id from org_units").iter_rows())
        allowed_regions = {u if tree.get(u) == "company" else tree.get(u) for u in viewer.org_units}
        assert regions <= allowed_regions
    total = engine.compute(db, viewer, "headcount_end", PERIOD)["value"][0]
    expected = len(allowed_people(db, viewer, PERIOD.end) & _employed(db, PERIOD.end))
    if viewer.person_level or (total is not None and expected >= viewer.suppression_threshold):
        assert (total or 0) == expected


def _employed(db, day) -> set[int]:
    return set(db.sql("select employee_id from employees where hire_date <= $d and (termination_date is null or "
                      "termination_date >= $d)", d=day)["employee_id"].to_list())


def test_scope_keys_differ_so_caches_never_mix(db):
    keys = {auth.viewer_for(db, u).scope_key for u in ROLES}
    assert len(keys) == len(ROLES)
