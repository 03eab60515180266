"""The placement rules of docs/metrics.md ("Placement") on sales figures, hand-computed on a small company.

East has teams east-01 and east-02, North has north-01. Q3 2024 (July–September), as of 2024-12-31:

- R1 (1) sits in east-01 until 15 Aug, in east-02 from 16 Aug (a move in the middle of a month and quarter);
  quota 100 a month. Orders: 10 Jul 80 (customer 100, KA), 10 Aug 40 (101) — both east-01 —; 20 Aug 70 (102),
  5 Sep 120 (100) and a credit note of −20 on 6 Sep (100) — east-02. All of R1: 290 on quota 300.
- R2 (2) sits in north-01 until 31 Jul, in east-02 in August and leaves on 31 Aug; quota 50 in July (placed
  in north-01) and 50 in August (east-02). Orders: 15 Jul 30 (103) in north-01, 25 Aug 90 (104) in east-02,
  and two dated after the last day — 10 Sep 25 (104) and 20 Sep 50 (108) — placed where R2 sat that last day,
  east-02. All of R2: 195 on quota 100.
- R3 (3) in north-01 throughout, quota 60 a month: 20 Jul 200 (105), 1 Sep 60 (109). All: 260 on 180.
- No rep: 1 Aug 500 (106) and 15 Sep 40 (110, the customer's first order).

Placed by date: east-01 120 on quota 100 (July's); east-02 70 + 120 − 20 + 90 + 25 + 50 = 335 on 100 + 100
(R1's Aug, Sep) + 50 (R2's Aug) = 250; north-01 30 + 200 + 60 = 290 on 50 + 180 = 230; unassigned 540.
Company 1285 = 120 + 335 + 290 + 540.

Before the quarter (the 12 months of the repeat base): R1 sold to 100 (1 Mar 2024) and 112 (1 Sep 2023) in
east-01; R3 to 103 (1 Feb) and 108 (1 Apr), R2 to 105 (1 May) in north-01; no rep to 106 (1 Jun); and R3 gave
customer 109 a credit note of −15 on 15 Jun, before 109's first order (1 Sep).
"""
import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from analytics.core.access import Viewer, full_access
from analytics.core.periods import parse_period
from analytics.metrics.engine import compute
from analytics.sales import scorecard
from tests.conftest import open_db, tiny_frames

D = dt.date
Q3 = parse_period("2024-Q3")
AS_OF = D(2024, 12, 31)

ORDERS = [  # order_id, rep, customer, date, amount
    (1, 1, 100, D(2024, 3, 1), 10.0), (2, 3, 103, D(2024, 2, 1), 10.0), (3, 2, 105, D(2024, 5, 1), 10.0),
    (4, 3, 108, D(2024, 4, 1), 10.0), (5, None, 106, D(2024, 6, 1), 10.0), (6, 3, 109, D(2024, 6, 15), -15.0),
    (7, 1, 112, D(2023, 9, 1), 10.0),
    (11, 1, 100, D(2024, 7, 10), 80.0), (12, 1, 101, D(2024, 8, 10), 40.0), (13, 1, 102, D(2024, 8, 20), 70.0),
    (14, 1, 100, D(2024, 9, 5), 120.0), (15, 1, 100, D(2024, 9, 6), -20.0),
    (16, 2, 103, D(2024, 7, 15), 30.0), (17, 2, 104, D(2024, 8, 25), 90.0), (18, 2, 104, D(2024, 9, 10), 25.0),
    (19, 3, 105, D(2024, 7, 20), 200.0), (20, None, 106, D(2024, 8, 1), 500.0), (21, 3, 109, D(2024, 9, 1), 60.0),
    (22, None, 110, D(2024, 9, 15), 40.0), (23, 2, 108, D(2024, 9, 20), 50.0),
    (24, 3, 105, D(2024, 11, 15), 100.0),
]
FIRST = {1, 2, 3, 4, 5, 7, 12, 13, 17, 21, 22}  # each customer's first line with a positive amount


def placement_frames() -> dict[str, pl.DataFrame]:
    tiny = tiny_frames()  # the same org tree (east: east-01, east-02; north: north-01) and roles
    emp = pl.DataFrame({
        "employee_id": [1, 2, 3], "name": ["R1", "R2", "R3"],
        "hire_date": [D(2023, 1, 1), D(2023, 1, 1), D(2022, 1, 1)],
        "termination_date": [None, D(2024, 8, 31), None], "exit_type": [None, "voluntary", None],
        "regretted": [None, False, None], "hire_source": ["referral"] * 3, "probation_months": [3] * 3,
    }, schema_overrides={"termination_date": pl.Date, "regretted": pl.Boolean})
    asg = pl.DataFrame({
        "assignment_id": [1, 2, 3, 4, 5], "employee_id": [1, 1, 2, 2, 3],
        "org_unit_id": ["east-01", "east-02", "north-01", "east-02", "north-01"], "manager_id": [None] * 5,
        "role_id": ["sales_rep"] * 5, "job_level": [1] * 5,
        "valid_from": [D(2023, 1, 1), D(2024, 8, 16), D(2023, 1, 1), D(2024, 8, 1), D(2022, 1, 1)],
        "valid_to": [D(2024, 8, 15), None, D(2024, 7, 31), D(2024, 8, 31), None],
    }, schema_overrides={"manager_id": pl.Int64})
    customers = pl.DataFrame({
        "customer_id": list(range(100, 113)), "name": [f"C{i}" for i in range(100, 113)],
        "tier": ["KA"] + ["regular"] * 12, "region_id": ["east"] * 13,
    })
    orders = pl.DataFrame(
        [(i, rep, cust, day, amount, i in FIRST) for i, rep, cust, day, amount in ORDERS],
        schema={"order_id": pl.Int64, "employee_id": pl.Int64, "customer_id": pl.Int64, "order_date": pl.Date,
                "amount": pl.Float64, "is_new_customer": pl.Boolean}, orient="row")
    months = [D(2024, 7, 1), D(2024, 8, 1), D(2024, 9, 1)]
    quotas = pl.DataFrame({
        "employee_id": [1, 1, 1, 2, 2, 3, 3, 3], "month": months + months[:2] + months,
        "amount": [100.0, 100.0, 100.0, 50.0, 50.0, 60.0, 60.0, 60.0],
    })
    # within 90 days of the order: 80 (22 days), 60 (26 days), 30 on the 90th day; later: 60 (106), 200 (104)
    collections = pl.DataFrame({
        "collection_id": [1, 2, 3, 4, 5, 6], "order_id": [11, 14, 14, 19, 16, 24],
        "collected_date": [D(2024, 8, 1), D(2024, 10, 1), D(2024, 12, 20), D(2024, 11, 1), D(2024, 10, 13),
                           D(2024, 12, 1)],
        "amount": [80.0, 60.0, 60.0, 200.0, 30.0, 40.0],
    })
    complaints = pl.DataFrame({"complaint_id": [1], "customer_id": [101], "employee_id": [1],
                               "complaint_date": [D(2024, 8, 12)], "severity": [1], "category": ["delivery"]})
    activities = pl.DataFrame({
        "activity_id": [1, 2, 3], "employee_id": [1, 1, 2], "customer_id": [100, 102, 103],
        "activity_date": [D(2024, 7, 5), D(2024, 8, 20), D(2024, 7, 18)], "kind": ["visit", "visit", "proposal"],
        "due_date": [None, None, D(2024, 7, 20)], "on_time": [None, None, True],
    }, schema_overrides={"due_date": pl.Date, "on_time": pl.Boolean})
    return {"org_units": tiny["org_units"], "roles": tiny["roles"], "employees": emp, "assignments": asg,
            "customers": customers, "orders": orders, "quotas": quotas, "collections": collections,
            "complaints": complaints, "activities": activities}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    database = open_db(Path(tmp_path_factory.mktemp("placement")) / "p.duckdb", placement_frames(), as_of=AS_OF)
    yield database
    database.close()


def sees(*units: str) -> Viewer:
    return Viewer("scoped", org_units=frozenset(units), fields=frozenset({"person"}))


def values(db, metric, by, period=Q3, viewer=None, **kw) -> dict:
    frame = compute(db, viewer or full_access(), metric, period, by=by, **kw)
    key = by[-1]
    return dict(zip(frame[key].to_list(), frame["value"].to_list(), strict=True))


def total(db, metric, period=Q3, viewer=None, **kw) -> dict:
    frame = compute(db, viewer or full_access(), metric, period, **kw)
    assert frame.height == 1
    return frame.row(0, named=True)


def test_a_move_splits_bookings_by_order_date_and_quota_by_month(db):
    # R1's July and 10 Aug orders stay in east-01, the rest go with R1 to east-02; July's quota is east-01's,
    # August's (R1 held east-02 on 31 Aug) and September's are east-02's.
    assert values(db, "bookings", ["team"]) == {"east-01": 120, "east-02": 335, "north-01": 290}
    assert values(db, "quota", ["team"]) == {"east-01": 100, "east-02": 250, "north-01": 230}
    att = values(db, "attainment", ["team"])
    assert att == {"east-01": pytest.approx(120 / 100), "east-02": pytest.approx(335 / 250),
                   "north-01": pytest.approx(290 / 230)}
    assert values(db, "attainment", ["region"]) == {"east": pytest.approx(455 / 350),
                                                    "north": pytest.approx(290 / 230)}
    # the company's attainment: the reps' 745 on 580 (the 540 with no rep credits no rep)
    assert total(db, "attainment")["value"] == pytest.approx(745 / 580)
    # a viewer of one team sees what is placed in it: the rep's bookings there, on the rep's quota there
    by_rep = values(db, "attainment", ["rep"], viewer=sees("east-02"))
    assert by_rep == {1: pytest.approx((70 + 120 - 20) / 200), 2: pytest.approx((90 + 25 + 50) / 50)}
    assert total(db, "bookings", viewer=sees("east-01"))["value"] == 120


def test_reps_at_quota_and_bands_place_each_rep_once_on_all_their_figures(db):
    # R1 290/300 (under), R2 195/100 (over, left on 31 Aug in east-02), R3 260/180 (over): each rep measured on
    # all of the quarter and placed where they sat on its last day (R2: on their last day employed).
    assert total(db, "reps_at_quota")["value"] == pytest.approx(2 / 3)
    assert values(db, "reps_at_quota", ["team"]) == {"east-02": 0.5, "north-01": 1.0}  # no row for east-01
    assert values(db, "reps_at_quota", ["region"]) == {"east": 0.5, "north": 1.0}
    bands = compute(db, full_access(), "attainment_band", Q3)
    assert dict(zip(bands["band"], bands["value"], strict=True)) == {"80-100%": 1, ">=120%": 2}
    # east-02's viewer sees R1 at 290/300, bookings made in east-01 included; east-01's viewer sees no rep
    east2 = compute(db, sees("east-02"), "attainment_band", Q3)
    assert dict(zip(east2["band"], east2["value"], strict=True)) == {"80-100%": 1, ">=120%": 1}
    assert compute(db, sees("east-01"), "attainment_band", Q3).height == 0
    assert total(db, "reps_at_quota", viewer=sees("north"))["numerator"] == 1  # R3; R2 had left north


def test_quarterly_lists_read_all_of_a_reps_quarter_where_they_ended_it(db):
    # the coaching and high-potential lists read these (analytics/sales/scorecard.py)
    att = scorecard.quarterly_attainment(db, sees("east-02"), [Q3], AS_OF)
    assert dict(zip(att["employee_id"], att["2024-Q3"], strict=True)) == {
        1: pytest.approx(290 / 300), 2: pytest.approx(195 / 100)}
    assert scorecard.quarterly_attainment(db, sees("east-01"), [Q3], AS_OF).height == 0
    north = scorecard.quarterly_attainment(db, sees("north"), [Q3], AS_OF)
    assert dict(zip(north["employee_id"], north["2024-Q3"], strict=True)) == {3: pytest.approx(260 / 180)}


def test_an_order_after_the_reps_last_day_goes_to_the_unit_held_that_day(db):
    # R2 left on 31 Aug from east-02; their September orders (25 and 50) are east-02's, never north-01's
    sep = parse_period("2024-09")
    assert values(db, "bookings", ["team"], period=sep) == {"east-02": 120 - 20 + 25 + 50, "north-01": 60}
    assert values(db, "bookings", ["rep"], period=sep)[2] == 75
    assert total(db, "bookings", period=sep, viewer=sees("east-02"))["value"] == 175


def test_orders_with_no_rep_count_company_wide_only(db):
    company = total(db, "bookings")["value"]
    regions = values(db, "bookings", ["region"])
    assert company == 1285 and regions == {"east": 455, "north": 290}  # no group holds the 540
    assert company == sum(regions.values()) + 500 + 40
    assert sum(values(db, "bookings", ["team"]).values()) + 540 == company
    # by month, the company's row keeps them: August = 40 + 70 + 90 + the 500 with no rep
    assert values(db, "bookings", ["month"])[D(2024, 8, 1)] == 700
    # a viewer of a region or team never sees them
    assert total(db, "bookings", viewer=sees("north"))["value"] == 290
    assert total(db, "bookings", viewer=sees("east", "north"))["value"] == 745
    # nor do they count as a rep with quota or in anyone's attainment
    assert total(db, "attainment")["numerator"] == 745


def test_a_credit_note_reduces_its_own_date_rep_and_customer(db):
    # R1's −20 of 6 Sep to customer 100 (KA) lowers R1's September and the KA bookings, in east-02
    assert values(db, "bookings", ["rep"], period=parse_period("2024-09"))[1] == 120 - 20
    assert total(db, "ka_share")["value"] == pytest.approx((80 + 120 - 20) / 1285)
    assert values(db, "ka_share", ["team"]) == {"east-01": pytest.approx(80 / 120),
                                                "east-02": pytest.approx(100 / 335), "north-01": 0.0}
    # R3's −15 of 15 Jun lowers Q2 (north-01: 10 + 10 − 15; company + 10 with no rep), not the quarter of
    # customer 109's first order
    q2 = parse_period("2024-Q2")
    assert values(db, "bookings", ["team"], period=q2) == {"north-01": 5}
    assert total(db, "bookings", period=q2)["value"] == 15
    # and is never a first order: Q2's new customers are 105 and 108 (north-01) and 106 (no rep), not 109
    assert total(db, "new_customers", period=q2)["value"] == 3
    assert values(db, "new_customers", ["team"], period=q2) == {"east-01": 0, "north-01": 2}


def test_new_customers_are_placed_where_their_first_order_is(db):
    # first orders in Q3: 101 by R1 on 10 Aug in east-01 (R1 has moved to east-02 since), 102 and 104 in east-02,
    # 109 in north-01 (its earlier credit note is not an order), 110 with no rep (company-wide only)
    assert values(db, "new_customers", ["team"]) == {"east-01": 1, "east-02": 2, "north-01": 1}
    assert total(db, "new_customers")["value"] == 5
    assert total(db, "new_customers", viewer=sees("east"))["value"] == 3


def test_repeat_rate_per_group_and_company_wide(db):
    # east-01's base: 100 and 112 (R1 there in the 12 months before); 100 ordered in east-01 again → 1 of 2.
    # north-01's base: 103, 105, 108; 103 and 105 ordered there again; 108 ordered only from R2 in east-02 → 2 of 3.
    # east-02 had no base. Company-wide: base 100, 103, 105, 106 (no rep), 108, 112; all but 112 ordered → 5 of 6.
    rate = compute(db, full_access(), "repeat_rate", Q3, by=["team"])
    got = {r["team"]: (r["numerator"], r["denominator"]) for r in rate.iter_rows(named=True)}
    assert got == {"east-01": (1, 2), "east-02": (0, 0), "north-01": (2, 3)}
    assert values(db, "repeat_rate", ["team"])["east-02"] is None
    assert values(db, "repeat_rate", ["region"]) == {"east": 0.5, "north": pytest.approx(2 / 3)}
    company = total(db, "repeat_rate")
    assert (company["numerator"], company["denominator"]) == (5, 6)
    assert company["value"] == pytest.approx(5 / 6)


def test_complaints_visits_and_proposals_follow_their_dates(db):
    # R1's complaint on 12 Aug is east-01's; east-01's active customer–rep pairs: (100, R1), (101, R1).
    assert values(db, "complaint_rate", ["team"]) == {"east-01": 0.5, "east-02": 0.0, "north-01": 0.0}
    # company-wide, pairs are distinct: (100, R1) counts once though placed in two teams; the two customers
    # ordering with no rep are two more pairs → 10
    company = total(db, "complaint_rate")
    assert (company["numerator"], company["denominator"]) == (1, 10)
    assert values(db, "visits", ["team"]) == {"east-01": 1, "east-02": 1, "north-01": 0}
    assert values(db, "proposal_on_time", ["team"])["north-01"] == 1.0  # R2's, due 20 Jul, in north-01


def test_collection_within_90_days_and_maturing_periods(db):
    # Q3 cash within 90 days of each order: 80 + 60 + 30 (on the 90th day); the 60 on day 106 and 200 on day 104
    # come later and do not count. The last Q3 order (20 Sep) is 90 days old by 19 Dec: the quarter is mature.
    q3 = total(db, "collection_rate")
    assert (q3["numerator"], q3["denominator"]) == (170, 1285) and not q3["maturing"] and not q3["partial"]
    assert values(db, "collection_rate", ["team"]) == {"east-01": pytest.approx(80 / 120),
                                                       "east-02": pytest.approx(60 / 335),
                                                       "north-01": pytest.approx(30 / 290)}
    # Q4 is complete but its 15 Nov order is not yet 90 days old: maturing, with the cash so far
    q4 = total(db, "collection_rate", period=parse_period("2024-Q4"))
    assert q4["value"] == pytest.approx(40 / 100) and q4["maturing"] and not q4["partial"]
    # seen from 30 Nov, Q3 is still maturing (20 Sep + 90 days = 19 Dec); the cash so far is the same 170
    early = total(db, "collection_rate", as_of=D(2024, 11, 30))
    assert early["maturing"] and early["numerator"] == 170
    # every month is flagged on its own: October had no order, November's is maturing
    months = compute(db, full_access(), "collection_rate", parse_period("2024-10..2024-11"), by=["month"])
    assert months["maturing"].to_list() == [False, True]
