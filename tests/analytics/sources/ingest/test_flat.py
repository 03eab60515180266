"""Flat exports on small hand-made files: detection, the mapping rules, and what lands in each table."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from analytics.core.db import Database
from analytics.core.periods import fiscal_quarter_of
from analytics.sources.ingest import (
    ImportProblem,
    describe_flat,
    detect_flat,
    flat_parts,
    load_batch,
    read_export,
    read_file,
)
from analytics.sources.ingest.flat_hr import fiscal_quarter, job_level, name_key
from analytics.sources.ingest.flat_sales import order_number, quarter_start

D = dt.date
HR = "\n".join([
    "Employee_Name,EmpID,Salary,Position,DateofHire,DateofTermination,TermReason,EmploymentStatus,Department,"
    "ManagerName,RecruitmentSource,PerformanceScore,EngagementSurvey,LastPerformanceReview_Date",
    '"King, Janet",1,250000,President & CEO,7/2/2012,,N/A-StillEmployed,Active,Executive Office,'
    "Board of Directors,Indeed,Fully Meets,4.8,1/5/2019",
    '"Houlihan, Debra",2,180000,Director of Sales,5/5/2014,,N/A-StillEmployed,Active,Sales,Janet King,LinkedIn,'
    "Exceeds,4.5,1/20/2019",
    '"Ozark, Travis",3,68000,Area Sales Manager,1/5/2015,6/30/2016,more money,Voluntarily Terminated,Sales       ,'
    "Debra  Houlihan,Google Search,PIP,2.1,2/1/2016",
    '"Roup,Simon",4,90000,IT Manager - DB,1/5/2015,,N/A-StillEmployed,Active,IT/IS,Janet King,Employee Referral,'
    "Needs Improvement,3.3,2/3/2019",
    '"Li, Na  Q",5,54000,Data Analyst ,3/1/2016,9/30/2016,attendance,Terminated for Cause,IT/IS,Simon Roup,'
    "Diversity Job Fair,Fully Meets,3.9,4/3/2016",
]) + "\n"


def hr_read(text: str = HR, name: str = "roster.csv"):
    return read_file(text.encode(), name=name)


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(tmp_path / "flat.duckdb")
    yield database
    database.close()


def test_detection_by_headers():
    assert detect_flat(hr_read()) == "hr"
    assert "org units, roles and assignments" in describe_flat("hr")
    cn = "工号,姓名,入职日期,部门,岗位,直属上级\nA1,张三,2024-01-02,华东销售部,销售代表,李四\n"
    assert detect_flat(read_file(cn.encode(), name="花名册.csv")) == "hr"
    plain = "EmpID,Employee_Name,DateofHire\n1,A,2024-01-01\n"
    assert detect_flat(read_file(plain.encode(), name="e.csv")) is None
    deals = ("opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n"
             "X,a,b,c,Won,2017-01-01,2017-02-01,5\n")
    assert detect_flat(read_file(deals.encode(), name="d.csv")) == "crm_pipeline"
    snap = "Age,Attrition,Department,MonthlyIncome,OverTime,JobLevel\n41,Yes,Sales,5993,Yes,2\n"
    assert detect_flat(read_file(snap.encode(), name="s.csv")) == "snapshot"


def test_headerless_adventureworks_files_get_their_column_names():
    row = "274\t2011-05-31 00:00:00\t28000\t{99109BBF-8693-4587-BC23-6036EC89E1BE}\t2011-04-16 00:00:00\n"
    read = read_export((row * 2).encode(), name="quota.csv")
    assert read.headers == ["BusinessEntityID", "QuotaDate", "SalesQuota", "rowguid", "ModifiedDate"]
    assert read.info.n_rows == 2 and read.info.first_data_row == 1
    assert detect_flat(read) == "aw_quota_history"


def test_rules_job_level_names_order_numbers_quarters():
    assert [job_level(t) for t in ("Production Technician I", "Production Technician II", "Data Analyst",
                                   "Sr. DBA", "IT Manager - DB", "Director of Sales", "President & CEO")] == [
        1, 2, 2, 3, 4, 5, 6]
    keys = pl.select(a=name_key(pl.lit("LeBlanc, Brandon  R")), b=name_key(pl.lit("Brandon R. LeBlanc"))).row(0)
    assert keys[0] == keys[1] == "brandon leblanc"
    assert order_number("1C1I7A6R") == str(int("1C1I7A6R", 36)) and order_number("00123") == "00123"
    assert order_number("has space") is None
    dates = pl.Series([D(2011, 5, 31), D(2011, 12, 1), D(2012, 2, 29), D(2014, 3, 1), D(2013, 8, 15)])
    starts = pl.select(quarter_start(pl.lit(dates))).to_series().to_list()
    assert starts == [D(2011, 6, 1), D(2011, 12, 1), D(2012, 3, 1), D(2014, 3, 1), D(2013, 8, 1)]
    days = pl.date_range(D(2023, 1, 1), D(2025, 12, 31), "17d", eager=True)
    for fy_start in (1, 4, 7, 10):
        got = pl.select(fiscal_quarter(pl.lit(days), fy_start)).to_series().to_list()
        assert got == [f"{fy}-Q{q}" for fy, q in (fiscal_quarter_of(d, fy_start) for d in days)], fy_start


def test_flat_hr_fills_org_roles_assignments_pay_reviews_engagement(db: Database):
    batch, plain = flat_parts([hr_read()], db=db, today=D(2025, 6, 1))
    assert plain == [] and batch.kinds == {"roster.csv": "hr"}
    assert batch.tables == ["employees", "org_units", "roles", "assignments", "compensation", "performance_reviews",
                            "engagement"]
    result = load_batch(db, batch.parts, "hr", today=D(2025, 6, 1))
    assert result.ok, result.issues
    units = {r[0]: r[1:] for r in db.sql("select org_unit_id, parent_id, level, name_en from org_units").rows()}
    assert units["company"] == (None, "company", "Company")
    assert units["sales"] == ("company", "region", "Sales")                 # trailing spaces trimmed
    assert units["it-is"] == ("company", "region", "IT/IS")
    assert units["sales--janet-king"] == ("sales", "team", "Sales · Janet King")
    assert units["sales--debra-houlihan"] == ("sales", "team", "Sales · Debra Houlihan")
    roles = {r[0]: r[1:] for r in db.sql("select role_id, family, carries_quota, career_step from roles").rows()}
    assert roles["area_sales_manager"] == ("sales", True, 2) and roles["director_of_sales"] == ("sales", True, 3)
    assert roles["data_analyst"] == ("support", False, None)                 # "Data Analyst " trimmed
    got = db.sql("""
        select e.external_key, a.org_unit_id, m.external_key as manager, a.role_id, a.job_level, a.valid_from,
               a.valid_to, e.exit_type, e.exit_reason, e.hire_source
        from assignments a join employees e using (employee_id) left join employees m on m.employee_id = a.manager_id
        order by 1""").rows()
    assert got == [
        ("1", "executive-office--board-of-directors", None, "president_ceo", 6, D(2012, 7, 2), None, None, None,
         "job_board"),
        ("2", "sales--janet-king", "1", "director_of_sales", 5, D(2014, 5, 5), None, None, None, "job_board"),
        ("3", "sales--debra-houlihan", "2", "area_sales_manager", 4, D(2015, 1, 5), D(2016, 6, 30), "voluntary",
         "compensation", "job_board"),
        ("4", "it-is--janet-king", "1", "it_manager_db", 4, D(2015, 1, 5), None, None, None, "referral"),
        ("5", "it-is--simon-roup", "4", "data_analyst", 2, D(2016, 3, 1), D(2016, 9, 30), "involuntary", "conduct",
         "event"),
    ]
    warn = result.issues.filter(pl.col("code") == "manager_unresolved").row(0, named=True)
    assert (warn["row"], warn["column"], warn["value"], warn["severity"]) == (2, "ManagerName", "Board of Directors",
                                                                              "warning")
    pay = dict(db.sql("select e.external_key, c.base_monthly from compensation c join employees e using "
                      "(employee_id)").rows())
    assert pay["3"] == pytest.approx(68000 / 12) and pay["1"] == pytest.approx(250000 / 12)
    reviews = db.sql("select e.external_key, quarter, review_date, rating, potential, r.external_key from "
                     "performance_reviews p join employees e using (employee_id) left join employees r on "
                     "r.employee_id = p.reviewer_id order by 1").rows()
    assert reviews[2] == ("3", "2016-Q1", D(2016, 2, 1), 1, 2, "2")
    assert [r[3] for r in reviews] == [3, 4, 1, 2, 3]
    assert db.sql("select engagement_score from engagement order by employee_id")["engagement_score"].to_list() == [
        4.8, 4.5, 2.1, 3.3, 3.9]
    assert db.run_checks()["assignments_references_resolve"].height == 0


def test_flat_hr_v14_measures_land_in_person_measures(db: Database):
    """HR Data Set v14's EmpSatisfaction, SpecialProjectsCount, DaysLateLast30 and Absences, dated the row's last
    review; a value that is not a number is left out with a warning naming its row and column."""
    lines = HR.strip().split("\n")
    header = lines[0] + ",EmpSatisfaction,SpecialProjectsCount,DaysLateLast30,Absences"
    extra = [",5,0,0,3", ",4,6,1,17", ",2,,5,20", ",three,1,0,2", ",3,0,0,9"]
    batch, _ = flat_parts([hr_read("\n".join([header, *[r + e for r, e in zip(lines[1:], extra, strict=True)]])
                                    + "\n")], db=db, today=D(2025, 6, 1))
    assert batch.tables[-1] == "person_measures"
    result = load_batch(db, batch.parts, "hr", today=D(2025, 6, 1))
    assert result.ok, result.issues
    got = {(k, m): (d, v) for k, d, m, v in db.sql(
        "select e.external_key, p.measured_on, p.measure, p.value from person_measures p join employees e "
        "using (employee_id)").rows()}
    assert got[("2", "special_projects")] == (D(2019, 1, 20), 6.0)
    assert got[("3", "days_late_30")] == (D(2016, 2, 1), 5.0) and ("3", "special_projects") not in got  # empty
    assert got[("2", "absences")] == (D(2019, 1, 20), 17.0)
    assert ("4", "satisfaction") not in got and got[("4", "special_projects")] == (D(2019, 2, 3), 1.0)
    assert len(got) == 5 * 4 - 2
    warn = result.issues.filter(pl.col("column") == "EmpSatisfaction").row(0, named=True)
    assert (warn["row"], warn["value"], warn["severity"]) == (5, "three", "warning")


def test_flat_hr_with_a_region_column_and_person_ids_for_managers(db: Database):
    text = ("EmpID,Name,Hire Date,Region,Department,Position,Manager ID\n"
            "A1,Ann,2020-01-01,East,Sales East,Sales Rep,\nA2,Bob,2021-01-01,East,Sales East,Sales Rep,A1\n"
            "A3,Cy,2021-02-01,North,Ops,Analyst,A1\n")
    batch, _ = flat_parts([read_file(text.encode(), name="r.csv")], db=db)
    result = load_batch(db, batch.parts, "hr")
    assert result.ok, result.issues
    assert db.sql("select org_unit_id, parent_id from org_units where level = 'team' order by 1").rows() == [
        ("east--sales-east", "east"), ("north--ops", "north")]
    managers = db.sql("select e.external_key, m.external_key from assignments a join employees e using (employee_id) "
                      "left join employees m on m.employee_id = a.manager_id order by 1").rows()
    assert managers == [("A1", None), ("A2", "A1"), ("A3", "A1")]


CRM = {
    "sales_teams.csv": "sales_agent,manager,regional_office\nAnn,Max,Central\nBob,Max,Central\nCy,Sue,West\n",
    "accounts.csv": "account,sector,year_established,revenue,employees,office_location,subsidiary_of\n"
                    "Acme,technolgy,1996,1100.04,2822,United States,\nBeta,medical,1999,251.41,495,Kenya,\n"
                    "Gamma,retail,2001,90,10,Japan,\nDelta,retail,2001,80,10,Japan,\nEps,retail,2001,70,10,Japan,\n"
                    "Zeta,retail,2001,60,10,Japan,\n",
    "products.csv": "product,series,sales_price\nGTX Pro,GTX,4821\nMG Special,MG,55\n",
    "sales_pipeline.csv": "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n"
                          "1C1I7A6R,Ann,GTXPro,Acme,Won,2016-10-20,2017-03-01,4514\n"
                          "Z063OYW0,Ann,MG Special,Beta,Lost,2016-11-02,2017-03-11,0\n"
                          "EC4QE1BX,Bob,MG Special,Acme,Won,2016-11-05,2017-04-07,50\n"
                          "MV1LWRNH,Bob,GTX Pro,,Engaging,2017-01-05,,\n"
                          "PE84CX4O,Ann,GTX Pro,,Prospecting,,,\n",
}


def crm_reads(names=tuple(CRM)):
    return [read_file(CRM[n].encode(), name=n) for n in names]


def test_crm_export_as_one_batch(db: Database):
    batch, plain = flat_parts(crm_reads(), db=db)
    assert plain == [] and set(batch.kinds.values()) == {"crm_teams", "crm_accounts", "crm_products", "crm_pipeline"}
    result = load_batch(db, batch.parts, "crm")
    assert result.ok, result.issues
    people = db.sql("select e.external_key, e.hire_date, a.org_unit_id, a.role_id, m.external_key from employees e "
                    "join assignments a using (employee_id) left join employees m on m.employee_id = a.manager_id "
                    "order by 1").rows()
    earliest = D(2016, 10, 20)
    assert people == [("Ann", D(2016, 10, 20), "central--max", "sales_rep", "Max"),
                      ("Bob", D(2016, 11, 5), "central--max", "sales_rep", "Max"),
                      ("Cy", earliest, "west--sue", "sales_rep", "Sue"),               # no deals: placeholder
                      ("Max", earliest, "central", "team_lead", None),
                      ("Sue", earliest, "west", "team_lead", None)]
    customers = db.sql("select external_key, tier, industry from customers order by 1").rows()
    assert customers[0] == ("Acme", "KA", "technology")                     # the top fifth (ceil(6/5) = 2) by revenue
    assert [c[1] for c in customers] == ["KA", "KA", "regular", "regular", "regular", "regular"]
    assert db.sql("select product_line_id from product_lines order by 1")["product_line_id"].to_list() == [
        "gtx-pro", "mg-special"]
    orders = db.sql("select o.order_id, e.external_key, c.external_key, order_date, amount, product_line_id, "
                    "is_new_customer from orders o join employees e using (employee_id) join customers c using "
                    "(customer_id) order by order_date").rows()
    assert orders == [(int("1C1I7A6R", 36), "Ann", "Acme", D(2017, 3, 1), 4514.0, "gtx-pro", True),
                      (int("EC4QE1BX", 36), "Bob", "Acme", D(2017, 4, 7), 50.0, "mg-special", False)]
    opps = db.sql("select external_key, stage, customer_id is null, closed_date, close_value, amount "
                  "from opportunities order by 1").rows()
    assert opps == [("1C1I7A6R", "won", False, D(2017, 3, 1), 4514.0, 4821.0),
                    ("EC4QE1BX", "won", False, D(2017, 4, 7), 50.0, 55.0),
                    ("MV1LWRNH", "engaging", True, None, None, 4821.0),
                    ("Z063OYW0", "lost", False, D(2017, 3, 11), 0.0, 55.0)]
    skipped = result.issues.filter(pl.col("code") == "skipped").row(0, named=True)
    assert (skipped["file"], skipped["row"], skipped["severity"]) == ("sales_pipeline.csv", 6, "warning")
    assert {k: v.height for k, v in db.run_checks().items() if v.height} == {}


def test_crm_people_without_the_pipeline_are_refused():
    with pytest.raises(ImportProblem, match=r"together with sales_pipeline\.csv"):
        flat_parts(crm_reads(("sales_teams.csv",)))


def test_crm_deals_without_the_product_list_still_merge_spellings():
    batch, _ = flat_parts(crm_reads(("sales_pipeline.csv", "accounts.csv")))
    lines = next(p for p in batch.parts if p.table == "product_lines").data
    assert lines["product_line_id"].to_list() == ["gtx-pro", "mg-special"]
    assert "employees" in batch.tables and "org_units" not in batch.tables       # people, but no teams to place


def test_crm_accounts_alone_become_customers(db: Database):
    batch, _ = flat_parts(crm_reads(("accounts.csv",)), db=db)
    assert batch.tables == ["customers"]
    assert load_batch(db, batch.parts, "crm").counts["customers"].inserted == 6


def test_snapshot_is_noted_not_loaded():
    snap = "Age,Attrition,Department,MonthlyIncome,OverTime,JobLevel\n41,Yes,Sales,5993,Yes,2\n"
    batch, plain = flat_parts([read_file(snap.encode(), name="ibm.csv")])
    assert batch.parts == [] and plain == [] and batch.kinds == {"ibm.csv": "snapshot"}
    assert "risk evaluate" in batch.notes[0]
