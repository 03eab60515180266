"""Exclusion counts in the viewer's scope: the same rules as the company-wide counts (engine.exclusions), each
row placed in a unit, so a regional page never names another region's rows."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest

from analytics.core import auth
from analytics.core.access import full_access
from analytics.core.db import Database
from analytics.core.periods import Period
from analytics.metrics import engine, exclusions

YEAR = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31), "2025", "range")


def broken(demo_db_path, tmp_path) -> Database:
    """The demo company with rule-breaking rows in two regions: unknown exit types (2 in east-01, 3 in north),
    negative order lines (1 by a rep of east-01, 2 in north), an order without a rep for a north customer and a
    zero quota row of an east-01 rep."""
    path = tmp_path / "x.duckdb"
    shutil.copy(demo_db_path, path)
    db = Database(path)
    placed = ("select e.employee_id from employees e join (select employee_id, arg_max(org_unit_id, valid_from) as u "
              "from assignments group by 1) a using (employee_id) join org_paths o on o.org_unit_id = a.u "
              "where {where} order by 1 limit {n}")
    with db.transaction() as cur:
        for where, n in (("a.u = 'east-01' and e.termination_date is not null", 2),
                         ("o.region_id = 'north' and e.termination_date is not null", 3)):
            ids = [r[0] for r in cur.execute(placed.format(where=where, n=n)).fetchall()]
            assert len(ids) == n
            cur.execute("update employees set exit_type = null where list_contains($ids, employee_id)", {"ids": ids})
        for unit_filter, n in (("a.org_unit_id = 'east-01'", 1), ("o.region_id = 'north'", 2)):
            rows = cur.execute(
                "select o2.order_id from orders o2 asof join assignments a on a.employee_id = o2.employee_id "
                "and o2.order_date >= a.valid_from join org_paths o on o.org_unit_id = a.org_unit_id "
                f"where {unit_filter} and o2.order_date between '2025-03-01' and '2025-03-31' "
                f"order by 1 limit {n}").fetchall()
            cur.execute("update orders set amount = -amount where list_contains($ids, order_id)",
                        {"ids": [r[0] for r in rows]})
        cur.execute("update orders set employee_id = null where order_id = (select min(o.order_id) from orders o "
                    "join customers c using (customer_id) where c.region_id = 'north' and o.amount > 0 "
                    "and o.order_date between '2025-05-01' and '2025-05-31')")
        cur.execute("update quotas set amount = 0 where (employee_id, month) = (select (q.employee_id, q.month) from "
                    "quotas q join assignments a on a.employee_id = q.employee_id and a.org_unit_id = 'east-01' and "
                    "last_day(q.month) between a.valid_from and coalesce(a.valid_to, date '9999-12-31') "
                    "where q.month = date '2025-06-01' and q.amount > 0 limit 1)")
    return db


@pytest.fixture(scope="module")
def db(demo_db_path, tmp_path_factory):
    database = broken(demo_db_path, tmp_path_factory.mktemp("excl"))
    yield database
    database.close()


def test_the_whole_company_gets_the_company_wide_counts(db):
    company = exclusions.in_scope(db, full_access(), YEAR)
    assert company == engine.exclusions(db, YEAR)
    assert company["employees_unknown_exit_type"] == 5 and company["orders_negative_amount"] == 3
    assert company["orders_without_rep"] == 1 and company["quota_zero_rows"] == 1


def test_a_region_counts_only_its_own_rows(db):
    east = exclusions.in_scope(db, auth.viewer_for(db, "demo.director.east"), YEAR)
    north = exclusions.in_scope(db, auth.viewer_for(db, "demo.director.north"), YEAR)
    assert east["employees_unknown_exit_type"] == 2 and north["employees_unknown_exit_type"] == 3
    assert east["orders_negative_amount"] == 1 and north["orders_negative_amount"] == 2
    assert "orders_without_rep" not in east and north["orders_without_rep"] == 1  # by the customer's region
    assert east["quota_zero_rows"] == 1 and "quota_zero_rows" not in north


def test_a_team_and_nobody(db):
    team = exclusions.in_scope(db, auth.viewer_for(db, "demo.manager.east-01"), YEAR)
    assert team["employees_unknown_exit_type"] == 2 and team["orders_negative_amount"] == 1
    assert "orders_without_rep" not in team  # an order without a rep is placed in a region, not in a team
    assert exclusions.in_scope(db, auth.viewer_for(db, "nobody-at-all"), YEAR) == {}
