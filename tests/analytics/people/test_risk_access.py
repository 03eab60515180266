"""Flight risk whoever looks: the same score and drivers for a person, people only in scope, pay-derived
drivers only for viewers with pay rights for that person, nothing person-level for aggregate viewers —
on the report and on the command line (docs/risk.md)."""
from __future__ import annotations

import csv
import dataclasses
import io
import shutil

import polars as pl
import pytest

from analytics.cli.main import main
from analytics.core import auth
from analytics.core.db import Database
from analytics.metrics.engine import as_of_date
from analytics.people import risk, risk_report, risk_store


@pytest.fixture(scope="module")
def db(demo_db_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("risk_access") / "r.duckdb"
    shutil.copy(demo_db_path, path)
    database = Database(path)
    yield database
    database.close()


@pytest.fixture(scope="module")
def as_of(db):
    return as_of_date(db)


def viewer(db, user):
    return auth.viewer_for(db, user)


def non_pay(drivers: list[str]) -> list[str]:
    return [d for d in drivers if d not in risk.PAY_FEATURES]


def test_same_person_same_probability_and_drivers_for_the_hr_head_and_the_east_director(db, as_of):
    hr = risk_report.ranked(db, viewer(db, "demo.hr"), as_of)
    east = risk_report.ranked(db, viewer(db, "demo.director.east"), as_of)
    assert 0 < east.height < hr.height and set(east["region_id"]) == {"east"}
    both = east.join(hr, on="employee_id", suffix="_hr")
    assert both.height == east.height
    assert (both["probability"] == both["probability_hr"]).all()
    director = viewer(db, "demo.director.east").employee_id
    for row in both.iter_rows(named=True):
        if row["employee_id"] == director:  # not their own report: their own pay against peers is not shown
            assert "base_vs_peers" not in row["drivers"]
            continue
        # the director's reports: their pay too, so identical drivers
        assert row["drivers"] == row["drivers_hr"] and row["driver_values"] == row["driver_values_hr"]
    # ranks differ only because the list is shorter: the order of the people in the list is the same
    assert east["employee_id"].to_list() == hr.filter(pl.col("region_id") == "east")["employee_id"].to_list()


def test_a_director_sees_pay_drivers_only_for_their_own_reports(db, as_of):
    director = viewer(db, "demo.director.east")
    wider = dataclasses.replace(director, org_units=frozenset({"east", "north"}))  # a scope beyond the reports
    reports = set(db.query("reports_of", manager_id=director.employee_id, day=as_of)["employee_id"].to_list())
    hr = risk_report.ranked(db, viewer(db, "demo.hr"), as_of)
    mine = risk_report.ranked(db, wider, as_of)
    others = mine.filter(~pl.col("employee_id").is_in(list(reports)))
    assert others.height > 0
    with_pay = mine.filter(pl.col("drivers").list.contains("base_vs_peers"))
    assert with_pay.height > 0 and set(with_pay["employee_id"]) <= reports
    # for the others the pay driver is left out and the next visible driver takes its place; the score stays
    both = others.join(hr, on="employee_id", suffix="_hr")
    hidden = both.filter(pl.col("drivers_hr").list.contains("base_vs_peers"))
    assert hidden.height > 0
    for row in both.iter_rows(named=True):
        assert row["probability"] == row["probability_hr"]
        seen = non_pay(row["drivers_hr"])
        assert row["drivers"][:len(seen)] == seen
        assert "base_vs_peers" not in row["drivers"]


@pytest.mark.parametrize("user", ["demo.manager.east-01", "demo.director.north"])
def test_no_pay_drivers_without_pay_rights(db, as_of, user):
    """A manager never sees pay; a director who is no employee has no reports, so no one's pay."""
    ranked = risk_report.ranked(db, viewer(db, user), as_of)
    assert ranked.height > 0
    assert not ranked.filter(pl.col("drivers").list.contains("base_vs_peers")).height
    assert not any(v is not None and "base" in v for vs in ranked["driver_values"].to_list() for v in vs)


@pytest.mark.parametrize("user", ["demo.analyst", "demo.admin"])
def test_aggregate_viewers_get_no_person_rows_or_drivers(db, as_of, user):
    ranked = risk_report.ranked(db, viewer(db, user), as_of)
    assert ranked.columns == ["org_unit_id", "region_id", "team_id", "probability"]
    by_team = risk_report.risk_by_team(ranked, viewer(db, user))
    assert by_team.height > 0 and "employee_id" not in by_team.columns
    # small teams masked with their size, and never alone: the high-risk counts add up to the scope's
    shown = by_team.filter(~pl.col("masked"))
    assert shown["people"].min() >= 5 and by_team.filter(pl.col("masked"))["people"].null_count() == \
        by_team["masked"].sum() != 1


def test_backtest_is_the_company_model_with_numbers_on_the_scope(db, as_of):
    company = risk_report.evaluation(db, viewer(db, "demo.hr"), as_of)
    east = risk_report.evaluation(db, viewer(db, "demo.director.east"), as_of)
    assert company.scope is None and east.scores == company.scores and east.n_test == company.n_test
    assert east.drivers.equals(company.drivers)
    test_rows = risk_store.get(db, as_of).predictions
    assert company.predictions.is_empty() and east.scope["n_people"] < test_rows["employee_id"].n_unique()
    assert east.scope["n_test"] == test_rows.filter(pl.col("region_id") == "east").height
    assert risk_report.evaluation(db, auth.viewer_for(db, "nobody-at-all"), as_of) is None


# ── the command line ─────────────────────────────────────────────────────
@pytest.fixture(scope="module")
def cli_db(demo_db_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("risk_cli") / "c.duckdb"
    shutil.copy(demo_db_path, path)
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_risk_list_refused_for_aggregate_viewers(cli_db, capsys):
    code, out, err = run(capsys, "risk", "list", "--db", str(cli_db), "--user", "demo.analyst")
    assert code == 2 and not out
    assert len(err.strip().splitlines()) == 1 and "aggregates only" in err


def test_risk_list_as_csv_with_drivers_as_text_and_pay_by_rights(cli_db, capsys):
    code, out, _ = run(capsys, "risk", "list", "--db", str(cli_db), "--user", "demo.hr", "--format", "csv",
                       "--top", "300")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and {"employee_id", "name", "probability", "drivers", "driver_values"} <= set(rows[0])
    assert any("base_vs_peers" in r["drivers"] for r in rows)
    code, out, _ = run(capsys, "risk", "list", "--db", str(cli_db), "--user", "demo.manager.east-01",
                       "--format", "csv", "--top", "300")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows and not any("base_vs_peers" in r["drivers"] for r in rows)


def test_risk_backtest_prints_the_scope_numbers(cli_db, capsys):
    import json

    code, out, _ = run(capsys, "risk", "backtest", "--db", str(cli_db), "--user", "demo.director.east")
    report = json.loads(out)
    assert code == 0 and report["on_your_scope"]["n_people"] > 0 and report["scores"]["model"]["roc_auc"] > 0.5
    risk_store.clear_memo()  # the command stored the model with the data: the next run reads it
    check = Database(cli_db, read_only=True)
    try:
        assert risk_store.stored(check).height == 1
    finally:
        check.close()
