"""Who may write goals, enforced in analytics/reviews/goals.py so every surface obeys: a manager changes the
goals of their own team only (no company goal, nothing of another unit, nothing moved out of or into their
scope), an aggregate-only analyst writes nothing, an admin writes within its scope only."""
from __future__ import annotations

import dataclasses
import shutil

import pytest

from analytics.core import auth
from analytics.core.db import Database
from analytics.reviews import goals
from analytics.reviews.goals import GoalAccessError, delete_goal, upsert_goal


@pytest.fixture
def db(demo_db_path, tmp_path):
    path = tmp_path / "g.duckdb"
    shutil.copy(demo_db_path, path)
    database = Database(path)
    # a goal of another region's team, written by the operator (the command line's rights)
    upsert_goal(database, _goal("GN", "north-01"), "operator")
    yield database
    database.close()


def _goal(goal_id: str, unit: str | None, **over) -> dict:
    return {"goal_id": goal_id, "parent_id": "G1", "level": "sales", "title_en": "Team goal", "title_zh": "团队目标",
            "metric_id": "ka_share", "target": 0.3, "direction": "up", "period": "FY2025", "org_unit_id": unit} | over


def _stored(db: Database) -> tuple:
    return (db.sql("select * from goals order by goal_id").rows(), int(db.scalar("select count(*) from audit_log")))


def viewer(db, user):
    return auth.viewer_for(db, user)


def test_a_manager_cannot_change_a_company_goal(db):
    manager = viewer(db, "demo.manager.east-01")
    before = _stored(db)
    company = next(g for g in goals.load_goals(db) if g.goal_id == "G1")
    assert company.org_unit_id is None
    with pytest.raises(GoalAccessError) as err:
        upsert_goal(db, dataclasses.replace(company, title_en="Hijacked"), manager)
    assert err.value.reason == "company"
    with pytest.raises(GoalAccessError):  # nor create one
        upsert_goal(db, _goal("GX", None), manager)
    with pytest.raises(GoalAccessError):  # nor delete one (G1.2.1 has no sub-goals)
        delete_goal(db, "G1.2.1", manager)
    assert _stored(db) == before


def test_a_manager_cannot_delete_or_take_another_regions_goal(db):
    manager = viewer(db, "demo.manager.east-01")
    before = _stored(db)
    with pytest.raises(GoalAccessError) as err:
        delete_goal(db, "GN", manager)
    assert err.value.reason == "out_of_scope" and err.value.unit == "north-01"
    # saving a goal of the same id into one's own team would take it over: refused on the stored goal's unit
    with pytest.raises(GoalAccessError):
        upsert_goal(db, _goal("GN", "east-01"), manager)
    with pytest.raises(GoalAccessError):  # a director of east: north's team is outside their region too
        delete_goal(db, "GN", viewer(db, "demo.director.east"))
    assert _stored(db) == before


def test_a_manager_writes_their_own_teams_goals_and_cannot_move_them_out(db):
    manager = viewer(db, "demo.manager.east-01")
    upsert_goal(db, _goal("GE", "east-01"), manager)
    assert db.scalar("select actor from audit_log order by event_id desc limit 1") == "demo.manager.east-01"
    with pytest.raises(GoalAccessError):
        upsert_goal(db, _goal("GE", "east-02"), manager)  # another team of the same region
    upsert_goal(db, _goal("GE", "east-01", target=0.4), manager)
    assert db.scalar("select target from goals where goal_id = 'GE'") == 0.4
    # the director of the region may change and delete it; the manager too
    upsert_goal(db, _goal("GE", "east", target=0.5), viewer(db, "demo.director.east"))
    with pytest.raises(GoalAccessError):  # now a region goal: above the manager's team
        delete_goal(db, "GE", manager)
    delete_goal(db, "GE", viewer(db, "demo.director.east"))
    assert not db.scalar("select count(*) from goals where goal_id = 'GE'")


@pytest.mark.parametrize("user", ["demo.analyst", "nobody-at-all"])
def test_aggregate_only_and_roleless_viewers_write_nothing(db, user):
    reader = viewer(db, user)
    before = _stored(db)
    for attempt in (lambda: upsert_goal(db, _goal("GA", "east-01"), reader),
                    lambda: upsert_goal(db, _goal("GA", None), reader),
                    lambda: delete_goal(db, "GN", reader)):
        with pytest.raises(GoalAccessError) as err:
            attempt()
        assert err.value.reason == "read_only"
    assert _stored(db) == before
    assert goals.writable_units(db, reader) == []


def test_the_admin_role_writes_only_within_its_scope(db):
    admin = viewer(db, "demo.admin")
    assert not admin.person_level and admin.is_admin and admin.org_units is None
    narrowed = dataclasses.replace(admin, org_units=frozenset({"east"}))  # an admin granted one region
    before = _stored(db)
    with pytest.raises(GoalAccessError):
        upsert_goal(db, _goal("GA", None), narrowed)
    with pytest.raises(GoalAccessError):
        delete_goal(db, "GN", narrowed)
    with pytest.raises(GoalAccessError):
        upsert_goal(db, _goal("GA", "north"), narrowed)
    assert _stored(db) == before
    upsert_goal(db, _goal("GA", "east-02"), narrowed)
    assert None not in goals.writable_units(db, narrowed) and "north" not in goals.writable_units(db, narrowed)
    assert goals.writable_units(db, admin)[0] is None  # the whole company: company goals too


def test_writable_units_follow_the_scope(db):
    units = goals.writable_units(db, viewer(db, "demo.manager.east-01"))
    assert units == ["east-01"]
    east = goals.writable_units(db, viewer(db, "demo.director.east"))
    assert "east" in east and "east-01" in east and not any(u.startswith("north") for u in east)


def test_nothing_is_hung_under_another_part_of_the_companys_goals(db):
    manager = viewer(db, "demo.manager.east-01")
    before = _stored(db)
    with pytest.raises(GoalAccessError) as err:  # GN is north-01's goal
        upsert_goal(db, _goal("GE", "east-01", parent_id="GN"), manager)
    assert err.value.reason == "parent" and err.value.unit == "north-01"
    assert _stored(db) == before
    upsert_goal(db, _goal("GR", "east"), "operator")  # a goal of the manager's region: above their team
    upsert_goal(db, _goal("GE", "east-01", parent_id="GR"), manager)
    upsert_goal(db, _goal("GF", "east-01", parent_id="GE"), manager)  # and under their own
    upsert_goal(db, _goal("GG", "east-01", parent_id="G1"), manager)  # and under a company goal
    assert db.scalar("select count(*) from goals where goal_id in ('GE', 'GF', 'GG')") == 3
