"""Hand-computed metrics on the tiny company of tests/conftest.py."""
import datetime as dt

import polars as pl
import pytest

from analytics.core.access import Viewer, full_access
from analytics.core.periods import parse_period
from analytics.core.registry import UnknownMetricError
from analytics.metrics.engine import GroupingError, MetricNotComputable, compute

Q1 = parse_period("2024-Q1")


def value(db, metric, period=Q1, by=(), viewer=None, **where):
    frame = compute(db, viewer or full_access(), metric, period, by=by)
    for col, want in where.items():
        frame = frame.filter(frame[col] == want)
    assert frame.height == 1, frame
    return frame["value"][0]


def test_headcount_and_attrition_q1(tiny_db):
    # Jan: first day A,B,D,H = 4, last 4 → 4; Feb: 4 → 5 (C) → 4.5; Mar: 5, 5 (B's last day is Mar 31) → 5.
    assert value(tiny_db, "headcount_avg") == pytest.approx((4 + 4.5 + 5) / 3)
    assert value(tiny_db, "headcount_end") == 5
    assert value(tiny_db, "hires") == 2  # A on the first day of January, C in February
    assert value(tiny_db, "exits") == 1  # B on the last day of March
    assert value(tiny_db, "attrition_rate") == pytest.approx(1 / 4.5)
    assert value(tiny_db, "attrition_voluntary") == pytest.approx(1 / 4.5)
    assert value(tiny_db, "attrition_involuntary") == 0
    assert value(tiny_db, "attrition_rate_annualised") == pytest.approx(4 / 4.5)


def test_headcount_start_and_exits_by_type(tiny_db):
    # Q1 starts with A (hired that day), B, D and H; B leaves on 31 Mar (voluntary), so Q2 starts with A, C, D, H.
    q2 = parse_period("2024-Q2")
    assert value(tiny_db, "headcount_start") == 4
    assert value(tiny_db, "headcount_start", period=q2) == 4
    assert [value(tiny_db, f"exits_{t}") for t in ("voluntary", "involuntary", "other")] == [1, 0, 0]
    # C leaves on 20 Apr, involuntary; start + hires − exits = end
    assert [value(tiny_db, f"exits_{t}", period=q2) for t in ("voluntary", "involuntary", "other")] == [0, 1, 0]
    assert value(tiny_db, "headcount_start", period=q2) + value(tiny_db, "hires", period=q2) \
        - value(tiny_db, "exits", period=q2) == value(tiny_db, "headcount_end", period=q2)


def test_exit_is_placed_in_the_unit_held_that_day_and_transfers_follow_the_date(tiny_db):
    # East Q1: Jan A,B → 2; Feb 2 → 3; Mar 3 → 3 (+ H sits at region level in east) → +1 each month.
    assert value(tiny_db, "headcount_avg", by=["region"], region="east") == pytest.approx((3 + 3.5 + 4) / 3)
    assert value(tiny_db, "exits", by=["region"], region="north") == 0
    # A moved to east-02 on 2024-06-16: end of Q2 headcount counts A in east-02, not east-01.
    q2 = parse_period("2024-Q2")
    assert value(tiny_db, "headcount_end", period=q2, by=["team"], team="east-02") == 1
    assert value(tiny_db, "headcount_end", period=q2, by=["team"], team="east-01") == 0
    # C left in probation (2024-04-20, hired 2024-02-10): the only Q2 exit, in east-02.
    assert value(tiny_db, "probation_share_of_exits", period=q2) == 1.0
    assert value(tiny_db, "exits", period=q2, by=["team"], team="east-02") == 1


def test_ttm_divides_by_mean_of_twelve_monthly_averages(tiny_db):
    # 12 months to 2024-03: months before 2024 hold B, D, H (B from 2023-06) — averages computed by hand:
    # 2023-04, -05: D,H = 2; 2023-06 first day B hired (hire_date <= d) → 3 ... through 2023-12: 3;
    # 2024-01: 4, 2024-02: 4.5, 2024-03: 5.
    avgs = [2, 2] + [3] * 7 + [4, 4.5, 5]
    assert value(tiny_db, "attrition_rate_ttm", period=parse_period("2024-03")) == pytest.approx(1 / (sum(avgs) / 12))


def test_team_attainment_is_sum_over_sum_and_zero_quota_is_excluded(tiny_db):
    # A: 80 on quota 100, B: 150 on quota 200, D has quota 0 → excluded. Company = 230 / 300, not mean of ratios.
    assert value(tiny_db, "attainment") == pytest.approx(230 / 300)
    assert value(tiny_db, "attainment", by=["rep"], rep=1) == pytest.approx(0.8)
    assert value(tiny_db, "reps_at_quota") == pytest.approx(0.0)
    # Placement rule (docs/metrics.md): an order with no rep counts company-wide as unassigned, so the company's
    # bookings are the reps' 270 plus order 104's 999 (it was left out under the old rule); it credits no rep, so
    # attainment above is unchanged. No group below the company holds it.
    assert value(tiny_db, "bookings") == pytest.approx(270 + 999)
    assert compute(tiny_db, full_access(), "bookings", Q1, by=["region"])["value"].sum() == pytest.approx(270)
    assert value(tiny_db, "ka_share") == pytest.approx(50 / 1269)
    # Collected within 90 days of each Q1 order's date (the rule; was: any cash by the as-of date): 50 of order 100
    # (1 Mar, 46 days) + 75 of order 102 (1 Apr, 60 days); the 30 of order 101 arrives in August. Over all 1269.
    assert value(tiny_db, "collection_rate") == pytest.approx(125 / 1269)
    assert not compute(tiny_db, full_access(), "collection_rate", Q1)["maturing"][0]  # 3 Mar + 90 days < 30 Jun


def test_revenue_per_head_uses_sales_roles_only(tiny_db):
    # Sales headcount avg Q1: Jan 3 (A,B,D), Feb 3 → 4 = 3.5, Mar 4 → 4; mean = 3.5; bookings 270 of the reps
    # + 999 of the order with no rep, which counts company-wide (placement rule; it was left out before).
    assert value(tiny_db, "revenue_per_head") == pytest.approx(1269 / 3.5)


def test_scope_filters_before_aggregation(tiny_db):
    north = Viewer("n", org_units=frozenset({"north"}), fields=frozenset({"person"}))
    assert value(tiny_db, "headcount_end", viewer=north) == 1
    assert value(tiny_db, "bookings", viewer=north) == 40


def test_small_groups_masked_for_aggregate_viewers(tiny_db):
    analyst = Viewer("a", fields=frozenset(), suppression_threshold=5)
    frame = compute(tiny_db, analyst, "headcount_end", Q1, by=["region"])
    assert frame["masked"].all() and frame["value"].is_null().all()
    with pytest.raises(GroupingError):
        compute(tiny_db, analyst, "attainment", Q1, by=["rep"])


def test_unknown_and_uncomputed_metrics_are_clear(tiny_db):
    with pytest.raises(UnknownMetricError, match="attrition_rate"):
        compute(tiny_db, full_access(), "atrition_rate", Q1)
    with pytest.raises(MetricNotComputable, match="not computed yet"):
        compute(tiny_db, full_access(), "nine_box", Q1)
    with pytest.raises(GroupingError, match="choose from"):
        compute(tiny_db, full_access(), "headcount_end", Q1, by=["planet"])


def test_monthly_breakdown_and_partial_flag(tiny_db):
    frame = compute(tiny_db, full_access(), "headcount_end", parse_period("2024-05..2024-07"), by=["month"])
    assert frame["month"].to_list() == [dt.date(2024, 5, 1), dt.date(2024, 6, 1), dt.date(2024, 7, 1)]
    assert frame["partial"].to_list() == [False, False, True]  # as-of 2024-06-30


def test_cohort_metrics_through_the_engine(tiny_db):
    # Q1 2024 hires A and C; C left inside probation → 1 / 2; first year not elapsed → no value, partial.
    assert value(tiny_db, "probation_exit_rate") == 0.5
    frame = compute(tiny_db, full_access(), "first_year_exit_rate", Q1)
    # the quarter is complete; the cohort is maturing (docs/metrics.md: maturing cohorts), not the period partial
    assert frame["value"][0] is None and frame["maturing"][0] and not frame["partial"][0]
    assert value(tiny_db, "probation_exit_rate", by=["hire_source"], hire_source="job_board") == 1.0


def test_customer_and_cash_metrics_by_hand(tiny_db):
    # Q1 first-ever orders: customer 10 by A (15 Jan), 11 by B (1 Feb, before A's 3 Mar), 12 by D (2 Feb).
    assert value(tiny_db, "new_customers") == 3
    # Receivables at 31 March: A 30 (order 101), B 150 (paid 1 April), D 40 → 220, and company-wide the unpaid 999
    # of order 104 with no rep (placement rule: it counts company-wide; it was left out before); bookings 1269.
    assert value(tiny_db, "dso") == pytest.approx(1219 / 1269 * 91)
    assert value(tiny_db, "dso", by=["region"], region="north") == pytest.approx(40 / 40 * 91)
    # Complaint rate: none recorded → 0 over the customer–rep pairs with orders (A: 10, 11; B: 11; D: 12 → 4), and
    # company-wide customer 12's order with no rep as one more pair (placement rule; it was left out before).
    assert value(tiny_db, "complaint_rate") == 0.0
    assert compute(tiny_db, full_access(), "complaint_rate", Q1)["denominator"][0] == 5
    assert compute(tiny_db, full_access(), "complaint_rate", Q1, by=["region"])["denominator"].sum() == 4


def test_customer_metrics_of_a_period_read_its_customer_rows_once(tiny_db, monkeypatch):
    """Every customer metric of a period and grouping is derived from one reading of rep_period_customers (its
    customer rows are too large for the query memo at the large company); metrics of sums ask without the customer
    rows unless the figures with them are at hand; the coverage asks without them."""
    asked: list[dict] = []
    query = type(tiny_db).query

    def counting(self, name, **params):
        if name == "rep_period_customers":
            asked.append(params)
        return query(self, name, **params)

    monkeypatch.setattr(type(tiny_db), "query", counting)
    tiny_db._memo.clear()
    sums = {m: compute(tiny_db, full_access(), m, Q1, by=["region"]) for m in ("new_customers", "dso", "visits")}
    assert len(asked) == 1 and not asked[0]["customers"]  # sums only: no customer rows
    tiny_db._memo.clear()
    for metric in ("complaint_rate", "repeat_rate", "new_customers", "dso", "visits"):
        got = compute(tiny_db, full_access(), metric, Q1, by=["region"])
        if metric in sums:  # read from the figures with the customer rows, the same values
            assert got.select("region", "value", "numerator", "denominator").equals(
                sums[metric].select("region", "value", "numerator", "denominator"))
    assert len(asked) == 2 and asked[1]["customers"] and not asked[1]["person"]
    compute(tiny_db, full_access(), "pipeline_coverage", Q1)
    assert len(asked) == 3 and asked[2]["person"] and not asked[2]["customers"]
    assert value(tiny_db, "dso") == pytest.approx(1219 / 1269 * 91)  # the same figures as read directly


def test_broken_rows_are_excluded_and_counted(tiny_db):
    from analytics.metrics.engine import exclusions

    with tiny_db.transaction() as cur:  # D "left" before being hired; an exit with an unknown type
        cur.execute("update employees set termination_date = date '2020-01-01', exit_type = 'voluntary' "
                    "where employee_id = 4")
        cur.execute("update employees set exit_type = 'sabbatical' where employee_id = 2")
        cur.execute("insert into orders values (901, null, 10, date '2024-02-05', 10, null, false)")
        cur.execute("insert into orders values (902, 1, 10, date '2024-02-06', -5, null, false)")
    assert value(tiny_db, "headcount_end") == 4  # D is left out of headcount rather than counted wrongly
    assert value(tiny_db, "exits") == 1  # B still counts as an exit ...
    assert value(tiny_db, "attrition_voluntary") == 0  # ... but not as voluntary
    counts = exclusions(tiny_db, Q1)
    assert counts == {"employees_termination_before_hire": 1, "employees_unknown_exit_type": 1,
                      "orders_without_rep": 2, "orders_negative_amount": 1, "quota_zero_rows": 1,
                      "reps_with_orders_but_no_quota": 1}


def test_complementary_suppression_hides_a_second_group(tiny_db):
    # Aggregates-only viewer with threshold 2: north (1 person) is masked; east (3–4) shown. With one masked
    # group the total (shown on the overview) minus east would reveal north, so the next-smallest is masked too.
    analyst = Viewer("a", fields=frozenset(), suppression_threshold=2)
    frame = compute(tiny_db, analyst, "headcount_end", Q1, by=["region"])
    assert frame["masked"].sum() == 2
    assert frame.filter(pl.col("masked"))["value"].is_null().all()
    assert frame.filter(pl.col("masked"))["n_people"].is_null().all()
    # person-level viewers see every group
    assert compute(tiny_db, full_access(), "headcount_end", Q1, by=["region"])["masked"].sum() == 0


def test_recruiting_and_training_metrics_through_the_engine(demo_db_path):
    from analytics.core.db import Database
    from analytics.people import recruiting

    db = Database(demo_db_path, read_only=True)
    try:
        fy = parse_period("FY2025")
        reqs = recruiting.clean_requisitions(db.query("requisition_facts", all_units=True, units=[])).rows
        expected = recruiting.time_to_fill(reqs, fy.start, fy.end)["mean_days"][0]
        assert value(db, "time_to_fill", period=fy) == pytest.approx(expected)
        rate = compute(db, full_access(), "key_position_fill_rate", fy)
        assert 0 <= rate["value"][0] <= 1 and rate["denominator"][0] > 0
        plain = db.sql("select avg(completed::int) as r from enrollments where enrolled_date between $s and $e",
                       s=fy.start, e=fy.end)["r"][0]
        assert value(db, "training_completion", period=fy) == pytest.approx(plain)
    finally:
        db.close()
