"""Sales metrics on the demo company against independent plain SQL, and the demo's ramp effects."""
import datetime as dt

import polars as pl
import pytest

from analytics.core.access import full_access
from analytics.core.db import Database
from analytics.core.periods import parse_period
from analytics.metrics import engine
from analytics.metrics.engine import compute
from analytics.sales import quota_report, scorecard

AS_OF = dt.date(2025, 12, 31)
QUARTERS = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]

PLAIN_REP_QUARTER = """
select o.employee_id, sum(o.amount) as bookings
from orders o where o.order_date between $s and $e and o.employee_id is not null group by 1
"""
PLAIN_QUOTA = "select employee_id, sum(amount) as quota from quotas where month between $s and $e group by 1"
# collection_rate counts cash collected within 90 days of each order's date (docs/metrics.md; this plain query
# counted any cash by the as-of date under the old definition)
PLAIN_COLLECTED = """
select o.employee_id, sum(c.amount) as collected from collections c join orders o using (order_id)
where o.order_date between $s and $e and c.collected_date <= $a and c.collected_date <= o.order_date + 90
    and o.employee_id is not null group by 1
"""


@pytest.fixture(scope="module")
def db(demo_db_path):
    database = Database(demo_db_path, read_only=True)
    yield database
    database.close()


@pytest.fixture(scope="module")
def any_demo(demo_seed_path):
    """Both demo seeds: the invariants below hold on any company, not only the default one."""
    database = Database(demo_seed_path, read_only=True)
    yield database
    database.close()


@pytest.mark.parametrize("label", QUARTERS)
def test_rep_attainment_and_collection_equal_plain_sql(db, label):
    q = parse_period(label)
    engine_att = compute(db, full_access(), "attainment", q, by=["rep"], as_of=AS_OF)
    engine_cash = compute(db, full_access(), "collection_rate", q, by=["rep"], as_of=AS_OF)
    b = db.sql(PLAIN_REP_QUARTER, s=q.start, e=q.end)
    quotas = db.sql(PLAIN_QUOTA, s=q.start, e=q.end).filter(pl.col("quota") > 0)
    cash = db.sql(PLAIN_COLLECTED, s=q.start, e=q.end, a=AS_OF)
    plain = quotas.join(b, on="employee_id", how="left").with_columns(
        att=pl.col("bookings").fill_null(0) / pl.col("quota"))
    joined = plain.join(engine_att.select(employee_id=pl.col("rep"), engine="value"), on="employee_id", how="full")
    assert joined.height == plain.height  # same reps: everyone with quota, nobody else
    assert (joined["att"] - joined["engine"]).abs().max() < 1e-9
    plain_cash = b.join(cash, on="employee_id", how="left").with_columns(
        rate=pl.col("collected").fill_null(0) / pl.col("bookings"))
    joined = plain_cash.join(engine_cash.select(employee_id=pl.col("rep"), engine="value"), on="employee_id")
    assert joined.height == plain_cash.height
    assert (joined["rate"] - joined["engine"]).abs().max() < 1e-9
    # company attainment is Σ bookings of reps with quota ÷ Σ quota, not a mean of ratios
    total = compute(db, full_access(), "attainment", q, as_of=AS_OF)["value"][0]
    assert total == pytest.approx(plain["bookings"].fill_null(0).sum() / plain["quota"].sum())


@pytest.mark.parametrize("label", QUARTERS)
def test_revenue_per_head_equals_plain_sql(db, label):
    q = parse_period(label)
    sql = """
    with days as (
        select m::date as d from range($s::date, $e::date, interval 1 month) t(m)
        union all select last_day(m::date) from range($s::date, $e::date, interval 1 month) t(m)
    ),
    heads as (
        select d.d, count(*) as n from days d
        join employees e on e.hire_date <= d.d and (e.termination_date is null or d.d <= e.termination_date)
        join assignments a on a.employee_id = e.employee_id and d.d between a.valid_from
             and coalesce(a.valid_to, date '9999-12-31')
        join roles r on r.role_id = a.role_id and r.family = 'sales'
        group by 1
    )
    select (select sum(amount) from orders where order_date between $s and $e and employee_id is not null)
           / (select sum(n) / count(*) from heads) as rph
    """
    plain = db.sql(sql, s=q.start, e=q.end)["rph"][0]
    engine = compute(db, full_access(), "revenue_per_head", q, as_of=AS_OF)["value"][0]
    assert engine == pytest.approx(plain, rel=1e-9)


def test_coaching_list_matches_plain_sql(db):
    q3, q4 = parse_period("2025-Q3"), parse_period("2025-Q4")
    under = None
    for q in (q3, q4):
        plain = db.sql(PLAIN_QUOTA, s=q.start, e=q.end).filter(pl.col("quota") > 0).join(
            db.sql(PLAIN_REP_QUARTER, s=q.start, e=q.end), on="employee_id", how="left").filter(
            pl.col("bookings").fill_null(0) / pl.col("quota") < 1.0).select("employee_id")
        under = plain if under is None else under.join(plain, on="employee_id")
    still = db.sql("select employee_id from employees where termination_date is null or termination_date > $a",
                   a=AS_OF)
    expected = set(under.join(still, on="employee_id")["employee_id"].to_list())
    got = set(scorecard.coaching_list(db, full_access(), AS_OF)["employee_id"].to_list())
    assert got == expected and got


def test_mentored_reps_ramp_faster_on_the_demo(db):
    ramp = quota_report.ramp(db, full_access(), AS_OF, "mentored")
    early = ramp.filter(pl.col("tenure_month").is_between(2, 6)).group_by("cohort").agg(pl.col("attainment").mean())
    means = dict(zip(early["cohort"].to_list(), early["attainment"].to_list(), strict=True))
    assert means["true"] > means["false"] + 0.03


def test_ka_specialists_and_hunters_differ(db):
    board = quota_report.leaderboard(db, full_access(), parse_period("FY2025"), AS_OF, "en")
    by_role = board.group_by("role_id").agg(pl.col("ka_share").median(), pl.col("new_customer_share").median())
    ka = by_role.filter(pl.col("role_id") == "ka_rep").row(0, named=True)
    reps = by_role.filter(pl.col("role_id") == "sales_rep").row(0, named=True)
    assert ka["ka_share"] > 0.5 > reps["ka_share"]
    assert reps["new_customer_share"] > ka["new_customer_share"]


# ── Placement on the demo (docs/metrics.md, "Placement") ──
PLAIN_UNASSIGNED = """
select
    (select coalesce(sum(amount), 0) from orders where employee_id is null and order_date between $s and $e)
        as bookings,
    (select count(*) from (
        select employee_id, order_date from orders where amount > 0
        qualify row_number() over (partition by customer_id order by order_date, order_id) = 1)
     where employee_id is null and order_date between $s and $e) as new_customers
"""
# each order in the team its rep held on the order's date (after the last day: on the last day); each quota row in
# the team held on its month's last day employed
PLAIN_TEAM = """
with days as (
    select o.employee_id, least(o.order_date, coalesce(e.termination_date, o.order_date)) as d,
           o.amount as bookings, 0 as quota
    from orders o join employees e using (employee_id) where o.order_date between $s and $e
    union all
    select q.employee_id, least(last_day(q.month), coalesce(e.termination_date, last_day(q.month))), 0, q.amount
    from quotas q join employees e using (employee_id) where q.month between $s and $e
)
select p.team_id, sum(bookings) as bookings, sum(quota) as quota
from days join assignments a on a.employee_id = days.employee_id
    and days.d between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
join org_paths p on p.org_unit_id = a.org_unit_id
group by 1
"""


def _by(db, metric, q, level):
    frame = compute(db, full_access(), metric, q, by=[level] if level else [], as_of=AS_OF)
    keys = frame[level].to_list() if level else [None]
    return {k: (v, n, d) for k, v, n, d in zip(keys, frame["value"], frame["numerator"], frame["denominator"],
                                               strict=True)}


@pytest.mark.parametrize("label", QUARTERS)
def test_groups_add_up_to_the_company_on_the_demo(any_demo, label):
    db = any_demo
    q = parse_period(label)
    unassigned = db.sql(PLAIN_UNASSIGNED, s=q.start, e=q.end).row(0, named=True)
    for metric, extra in (("bookings", unassigned["bookings"]), ("quota", 0), ("new_customers",
                                                                             unassigned["new_customers"])):
        company = _by(db, metric, q, None)[None][0]
        for level in ("region", "team"):
            parts = _by(db, metric, q, level)
            assert sum(v for v, _, _ in parts.values()) + extra == pytest.approx(company, rel=1e-12), (metric, level)
    # attainment at every level is that level's bookings ÷ its quota (every demo rep with orders has quota; the
    # company's bookings also hold the orders with no rep, which credit no rep)
    no_quota = engine.exclusions(db, q).get("reps_with_orders_but_no_quota", 0)
    assert no_quota == 0
    for level in (None, "region", "team"):
        att, book, quota_ = (_by(db, m, q, level) for m in ("attainment", "bookings", "quota"))
        assert set(att) == set(quota_)
        for key, (value, num, den) in att.items():
            own = book[key][0] - (unassigned["bookings"] if level is None else 0)
            assert den == pytest.approx(quota_[key][0]) and num == pytest.approx(own)
            assert value == pytest.approx(own / quota_[key][0]), (level, key)


@pytest.mark.parametrize("label", ["2025-Q2", "2025-Q3"])
def test_team_figures_follow_the_dates_on_the_demo(db, label):
    q = parse_period(label)
    plain = {r["team_id"]: r for r in db.sql(PLAIN_TEAM, s=q.start, e=q.end).iter_rows(named=True)}
    book, quota_ = _by(db, "bookings", q, "team"), _by(db, "quota", q, "team")
    assert set(book) == set(plain)
    for team, row in plain.items():
        assert book[team][0] == pytest.approx(row["bookings"], abs=1e-6), team
        assert (quota_.get(team, (0,))[0] or 0) == pytest.approx(row["quota"], abs=1e-6), team
