"""The real exports end to end: read → flat split → load, then the engine's numbers against the CSVs by hand."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from analytics.core.access import full_access
from analytics.core.db import Database
from analytics.core.periods import parse_period
from analytics.metrics.engine import compute
from analytics.sources.ingest import detect_flat, flat_parts, load_batch, read_export, snapshot_frame
from tests.datasets import dataset

D = dt.date
TODAY = D(2025, 6, 1)
CRM_FILES = ("sales_teams.csv", "accounts.csv", "products.csv", "sales_pipeline.csv")
AW_FILES = ("SalesTerritory.csv", "SalesPerson.csv", "SalesPersonQuotaHistory.csv")


def _load(db: Database, paths: list[Path]):
    reads = [read_export(p) for p in paths]
    batch, plain = flat_parts(reads, db=db, today=TODAY)
    assert plain == []
    result = load_batch(db, batch.parts, "test", today=TODAY)
    assert result.ok, result.issues.filter(pl.col("severity") == "error")
    return batch, result


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory):
    """One database holding HR v14, the CRM set and the AdventureWorks set, loaded in three batches."""
    hr = dataset("hr_dataset_v14/HRDataset_v14.csv")
    crm = [dataset(f"crm_sales_opportunities/{f}") for f in CRM_FILES]
    aw = [dataset(f"adventureworks_sales_quota/{f}") for f in AW_FILES]
    db = Database(tmp_path_factory.mktemp("real") / "real.duckdb")
    results = {"hr": _load(db, [hr]), "crm": _load(db, crm), "aw": _load(db, aw)}
    yield db, results, {"hr": hr, "crm": crm, "aw": aw}
    db.close()


def test_hr_v14_people_dates_exits_sources_managers(loaded):
    db, results, _ = loaded
    _, result = results["hr"]
    assert {t: c.inserted for t, c in result.counts.items()} == {
        "org_units": 34, "employees": 311, "roles": 31, "assignments": 311, "compensation": 311,
        "engagement": 311, "performance_reviews": 311, "person_measures": 4 * 311}
    # the file's second data row: Ait Sidi (10084), EmpSatisfaction 3, SpecialProjectsCount 6, DaysLateLast30 0,
    # Absences 17, last review 2/24/2016
    measures = dict(db.sql("select p.measure, p.value from person_measures p join employees e using (employee_id) "
                           "where e.external_key = '10084' and p.measured_on = date '2016-02-24'").rows())
    assert measures == {"satisfaction": 3.0, "special_projects": 6.0, "days_late_30": 0.0, "absences": 17.0}
    people = db.sql("select * from employees where external_key in ('10026', '10084', '10196')").sort("external_key")
    assert people.select("external_key", "hire_date", "termination_date", "exit_type", "exit_reason",
                         "hire_source").rows() == [
        ("10026", D(2011, 7, 5), None, None, None, "job_board"),
        ("10084", D(2015, 3, 30), D(2016, 6, 16), "voluntary", "career", "job_board"),
        ("10196", D(2011, 7, 5), D(2012, 9, 24), "voluntary", "workload", "job_board"),
    ]
    exits = db.sql("select exit_type, count(*) as n from employees where external_key ~ '^1\\d{4}$' group by 1 "
                   "order by 1").rows()
    # the four "retiring" rows are filed under "Voluntarily Terminated"; retirement is an exit of type other
    assert exits == [("involuntary", 16), ("other", 4), ("voluntary", 84), (None, 207)]
    retired = "select count(*) from employees where exit_reason = 'retirement' and exit_type <> 'other'"
    assert db.sql(retired).item() == 0
    # managers named in the file resolve to the person (Simon Roup → "Roup,Simon"); outsiders stay empty
    managed = db.sql("""select count(*) filter (where a.manager_id is not null) as resolved, count(*) as n
                        from assignments a join employees e using (employee_id) where e.external_key ~ '^1\\d{4}$'""")
    assert managed.row(0) == (236, 311)
    roup = db.sql("select m.name from assignments a join employees e using (employee_id) join employees m "
                  "on m.employee_id = a.manager_id where e.external_key = '10084'").item()
    assert roup == "Roup,Simon"
    assert set(db.sql("select name_en from org_units where level = 'region' and org_unit_id in ('production', "
                      "'it-is', 'sales', 'software-engineering', 'admin-offices', 'executive-office')")["name_en"]) == {
        "Production", "IT/IS", "Sales", "Software Engineering", "Admin Offices", "Executive Office"}
    warnings = result.issues.filter(pl.col("code") == "manager_unresolved")["value"].to_list()
    assert "Board of Directors" in warnings and "Simon Roup" not in warnings


def test_hr_v14_exits_per_department_match_the_csv(loaded):
    db, _, files = loaded
    csv = pl.read_csv(files["hr"], infer_schema=False).with_columns(
        left=pl.col("DateofTermination").str.to_date("%m/%d/%Y"), dept=pl.col("Department").str.strip_chars())
    for year in (2015, 2016):
        expected = dict(csv.filter(pl.col("left").dt.year() == year).group_by("dept").len().rows())
        got = compute(db, full_access(), "exits", parse_period(f"FY{year}"), by=["region"])
        got = {r["label"]: int(r["value"]) for r in got.filter(pl.col("value") > 0).iter_rows(named=True)}
        assert got == expected and sum(got.values()) > 10, year


def test_crm_bookings_per_agent_and_quarter_match_the_won_deals(loaded):
    db, results, files = loaded
    _, result = results["crm"]
    assert result.counts["orders"].inserted == 4238 and result.counts["opportunities"].inserted == 8300
    assert result.issues.filter(pl.col("code") == "skipped").height == 500
    deals = pl.read_csv(files["crm"][3], infer_schema=False).filter(pl.col("deal_stage") == "Won").with_columns(
        closed=pl.col("close_date").str.to_date(), value=pl.col("close_value").cast(pl.Float64))
    viewer = full_access()
    compared = 0
    for quarter in range(1, 5):
        period = parse_period(f"2017-Q{quarter}")
        expected = dict(deals.filter(pl.col("closed").is_between(period.start, period.end))
                        .group_by("sales_agent").agg(pl.col("value").sum()).rows())
        got = compute(db, viewer, "bookings", period, by=["rep"]).filter(pl.col("value") > 0)
        names = db.sql("select employee_id as rep, external_key from employees")
        got = dict(got.join(names, on="rep").select("external_key", "value").rows())
        assert got.keys() == expected.keys()
        for agent, value in expected.items():
            assert got[agent] == pytest.approx(value), (quarter, agent)
        compared += len(expected)
    assert compared > 80
    customers = db.sql("select tier, industry from customers")
    assert customers.filter(pl.col("tier") == "KA").height == 17                 # ceil(85 / 5)
    assert "technology" in customers["industry"].to_list() and "technolgy" not in customers["industry"].to_list()
    lines = db.sql("select product_line_id, count(*) as n from orders group by 1")
    assert "gtx-pro" in lines["product_line_id"].to_list() and "gtxpro" not in lines["product_line_id"].to_list()


def test_adventureworks_quotas_sum_back_to_the_quarterly_quota(loaded):
    db, results, files = loaded
    _, result = results["aw"]
    assert result.counts["quotas"].inserted == 163 * 3 and result.counts["employees"].inserted == 17
    history = pl.read_csv(files["aw"][2], separator="\t", has_header=False, infer_schema=False,
                          new_columns=["BusinessEntityID", "QuotaDate", "SalesQuota", "rowguid", "ModifiedDate"])
    history = history.with_columns(d=pl.col("QuotaDate").str.slice(0, 10).str.to_date(),
                                   quota=pl.col("SalesQuota").cast(pl.Float64))
    history = history.with_columns(start=pl.when(pl.col("d").dt.day() <= 15).then(pl.col("d").dt.month_start())
                                   .otherwise(pl.col("d").dt.offset_by("1mo").dt.month_start()))
    stored = db.sql("select e.external_key, q.month, q.amount from quotas q join employees e using (employee_id)")
    for row in history.iter_rows(named=True):
        months = [row["start"], *(pl.select(pl.lit(row["start"]).dt.offset_by(f"{k}mo")).item() for k in (1, 2))]
        mine = stored.filter((pl.col("external_key") == row["BusinessEntityID"]) & pl.col("month").is_in(months))
        assert mine.height == 3 and mine["amount"].sum() == pytest.approx(row["quota"])
    assert stored["amount"].sum() == pytest.approx(history["quota"].sum())
    regions = db.sql("select o.name_en from assignments a join employees e using (employee_id) join org_units o "
                     "using (org_unit_id) where e.external_key = '275'").item()
    assert regions == "Northeast"                                                # TerritoryID 2


def test_all_three_batches_keep_the_data_contracts_and_reimport_changes_nothing(loaded):
    db, _, files = loaded
    assert {k: v.height for k, v in db.run_checks().items() if v.height} == {}
    version = db.data_version
    for key in ("hr", "crm", "aw"):
        paths = files[key] if isinstance(files[key], list) else [files[key]]
        _, again = _load(db, paths)
        assert all((c.inserted, c.updated) == (0, 0) for c in again.counts.values()), key
    assert db.data_version == version + 3


def test_ibm_snapshot_through_the_importer_gives_auc_at_least_080():
    from analytics.people.risk import evaluate_snapshot

    read = read_export(dataset("ibm_hr_attrition/WA_Fn-UseC_-HR-Employee-Attrition.csv"))
    assert read.info.encoding == "utf-8-sig" and read.info.n_rows == 1470
    assert detect_flat(read) == "snapshot"
    frame = snapshot_frame(read)
    assert frame.schema["Age"] == pl.Int64 and frame.schema["Attrition"] == pl.Utf8
    result = evaluate_snapshot(frame, "Attrition")
    assert result.scores["roc_auc"] >= 0.80
