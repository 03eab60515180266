"""The command line: same numbers as the engine, --help everywhere, one-sentence errors."""
import json

import pytest

from analytics.cli.main import build_parser, main


@pytest.fixture
def tiny_path(tiny_db):
    """The tiny company's file, closed: the command line opens it read-only like a separate process."""
    tiny_db.close()
    return str(tiny_db.path)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", ["demo", "metrics", "checks", "info", "bench"])
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([command, "--help"])
    assert exit_.value.code == 0
    assert "usage" in capsys.readouterr().out


def test_metrics_json_and_csv_match_hand_values(tiny_path, capsys):
    code, out, _ = run(capsys, "metrics", "headcount_end", "--period", "2024-Q1", "--format", "json",
                       "--db", tiny_path)
    assert code == 0
    assert json.loads(out)[0]["value"] == 5
    code, out, _ = run(capsys, "metrics", "exits", "--period", "2024-01..2024-06", "--by", "region,month",
                       "--format", "csv", "--db", tiny_path)
    lines = out.strip().splitlines()
    assert lines[0].startswith("period,month,region,label,value")
    east_march = [ln for ln in lines if ",2024-03-01,east," in ln]
    assert len(east_march) == 1 and ",1.0," in east_march[0]
    code, out, _ = run(capsys, "metrics", "headcount_end", "--period", "2024-Q1", "--by", "region", "--lang", "zh",
                       "--format", "csv", "--db", tiny_path)
    assert "华东" in out


def test_metrics_list_names_every_registry_id(capsys):
    from analytics.core.registry import REGISTRY, all_metrics

    code, out, _ = run(capsys, "metrics", "--list", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    # the built-in metrics in docs/metrics.md order, then the company's own (metrics/*.toml)
    assert [r["id"] for r in rows if not r["refused"]] == list(all_metrics())
    assert [r["origin"] for r in rows[:len(REGISTRY)]] == ["built-in"] * len(REGISTRY)


@pytest.mark.parametrize(("argv", "needle"), [
    (["metrics", "atrition_rate", "--period", "2024-Q1"], "Did you mean 'attrition_rate'"),
    (["metrics", "headcount_end", "--period", "2024-Q7"], "is not a period"),
    (["metrics", "headcount_end", "--period", "2024-Q1", "--by", "galaxy"], "choose from"),
])
def test_user_errors_are_one_sentence_with_status_2(tiny_path, capsys, argv, needle):
    code, _, err = run(capsys, *argv, "--db", tiny_path)
    assert code == 2
    assert needle in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_missing_database_is_explained(tmp_path, capsys):
    code, _, err = run(capsys, "info", "--db", str(tmp_path / "none.duckdb"))
    assert code == 2 and "python -m analytics demo" in err
    assert not (tmp_path / "none.duckdb").exists()


def test_checks_pass_on_tiny(tiny_path, capsys):
    code, out, _ = run(capsys, "checks", "--db", tiny_path)
    assert code == 0 and "FAIL" not in out


def test_env_var_names_the_database(tiny_path, capsys, monkeypatch):
    monkeypatch.setenv("TANDEM_DB", tiny_path)
    code, out, _ = run(capsys, "metrics", "hires", "--period", "2024-Q1", "--format", "json")
    assert code == 0 and json.loads(out)[0]["value"] == 2


@pytest.fixture(scope="module")
def demo_copy(demo_db_path, tmp_path_factory):
    import shutil

    path = tmp_path_factory.mktemp("cli") / "demo.duckdb"
    shutil.copy(demo_db_path, path)
    return str(path)


def test_every_registry_metric_is_available_from_the_command_line(demo_copy, capsys):
    from analytics.core.registry import REGISTRY

    failures = {}
    for metric_id in REGISTRY:
        code, out, err = run(capsys, "metrics", metric_id, "--period", "2025-Q3", "--format", "json", "--db", demo_copy)
        if code != 0 or not json.loads(out):
            failures[metric_id] = err.strip() or "empty"
    assert not failures, failures


def test_commission_payout_by_rep_team_and_region_equals_the_incentives_page(demo_copy, capsys):
    # The Payouts tab's per-rep table (one row per rep and plan in force) summed per rep, team and region.
    from analytics.core.access import full_access
    from analytics.core.db import Database
    from analytics.core.periods import parse_period
    from analytics.metrics.engine import as_of_date
    from analytics.sales import incentives_report

    db = Database(demo_copy, read_only=True)
    try:
        pay = incentives_report.payouts_in_scope(db, full_access(), parse_period("FY2025"), as_of_date(db))
    finally:
        db.close()
    page = incentives_report.per_rep(pay, incentives_report.available_plans()[0])
    page = page.join(pay.unique("employee_id").select("employee_id", "team_id", "region_id"), on="employee_id")

    def cents(rows, key):
        out = {}
        for r in rows:
            out[r[key]] = out.get(r[key], 0) + round(r["payout"] * 100)
        return out

    for by, key in (("rep", "employee_id"), ("team", "team_id"), ("region", "region_id")):
        code, out, err = run(capsys, "metrics", "commission_payout", "--period", "FY2025", "--by", by,
                             "--format", "json", "--db", demo_copy)
        assert code == 0, err
        rows = json.loads(out)
        assert cents(rows, key) == cents(page.to_dicts(), key), by
    assert sum(cents(rows, "region_id").values()) == round(pay["payout"].sum() * 100)


@pytest.mark.parametrize(("argv", "needle"), [
    (["commission_payout", "--by", "manager"], "--by manager is not offered for 'commission_payout'; choose one of"),
    (["commission_payout", "--by", "rep,team"], "at a time"),
    (["nine_box", "--by", "team"], "it takes no --by"),
])
def test_table_metrics_refuse_a_grouping_they_do_not_offer(demo_copy, capsys, argv, needle):
    code, out, err = run(capsys, "metrics", *argv, "--period", "FY2025", "--db", demo_copy)
    assert code == 2 and out == ""
    assert needle in err and len(err.strip().splitlines()) == 1


def test_compare_uses_the_previous_period_of_the_same_grain(tiny_path, capsys):
    # Q2 2024 against Q1: Q1 attrition 1 exit ÷ 4.5 average heads (tests/analytics/metrics/test_engine.py)
    code, out, _ = run(capsys, "metrics", "attrition_rate", "--period", "2024-Q2", "--compare", "--format", "json",
                       "--db", tiny_path)
    assert code == 0
    row = json.loads(out)[0]
    assert row["previous_period"] == "2024-Q1" and row["previous"] == pytest.approx(1 / 4.5)
    assert row["change"] == pytest.approx(row["value"] - 1 / 4.5)
    assert (row["basis"], row["small_base"]) == ("period", True)  # 4.5 heads: under the minimum base of 10
    # a month against the month before; by region, each region against itself
    code, out, _ = run(capsys, "metrics", "headcount_end", "--period", "2024-04", "--compare", "--by", "region",
                       "--format", "json", "--db", tiny_path)
    rows = {r["region"]: r for r in json.loads(out)}
    assert code == 0 and {r["previous_period"] for r in rows.values()} == {"2024-03"}
    code, _, err = run(capsys, "metrics", "exits", "--period", "2024-Q2", "--compare", "--by", "month",
                       "--db", tiny_path)
    assert code == 2 and "drop month" in err


def test_retention_and_median_tenure_follow_period_and_grouping(tiny_path, capsys):
    # the window ends with the period: B's exit (31 Mar) is in 2024-Q1's window, C's (20 Apr) only in Q2's
    exits = {}
    for period in ("2024-Q1", "2024-Q2"):
        code, out, _ = run(capsys, "metrics", "median_tenure", "--period", period, "--format", "json",
                           "--db", tiny_path)
        assert code == 0
        exits[period] = json.loads(out)[0]["exits"]
    assert exits == {"2024-Q1": 1, "2024-Q2": 2}
    code, out, _ = run(capsys, "metrics", "retention_curve", "--period", "2024-Q2", "--by", "hire_source",
                       "--format", "json", "--db", tiny_path)
    assert code == 0 and {r["group"] for r in json.loads(out)} <= {"referral", "job_board", "campus", "agency"}
    code, _, err = run(capsys, "metrics", "median_tenure", "--period", "2024-Q2", "--by", "planet", "--db", tiny_path)
    assert code == 2 and "not offered" in err


def test_an_unexpected_failure_is_one_line_with_a_log_and_status_3(tiny_path, capsys, monkeypatch):
    # a polars panic is a BaseException, not an Exception: it must still end in one line, never a traceback
    from pathlib import Path

    from analytics.cli import main as cli_main

    class Panic(BaseException):
        pass

    def explode(*args, **kwargs):
        raise Panic("assertion failed: i < self.len()")

    monkeypatch.setattr(cli_main, "compute", explode)
    code, out, err = run(capsys, "metrics", "exits", "--period", "2024-Q1", "--db", tiny_path)
    assert code == 3 and out == ""
    assert err.count("\n") == 1 and "Panic: assertion failed" in err and "Traceback" not in err
    log = Path(err.rsplit(" in ", 1)[1].strip())
    assert "Traceback" in log.read_text() and "explode" in log.read_text()
