"""Metrics of the company's own computed by the engine: hand-computed values on the tiny company (total, by region,
team and person; placement by the event's date), the viewer's scope, masks and small bases exactly as for a built-in
rate, and the same metric in a goal, an alert rule, a review and on the command line."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from analytics.alerts import evaluate_report, rules
from analytics.core import custom_metrics
from analytics.core.access import Viewer, full_access
from analytics.core.db import Database
from analytics.core.periods import parse_period
from analytics.core.registry import REGISTRY
from analytics.metrics.engine import GroupingError, compute, groupings

ROOT = Path(__file__).resolve().parents[3]
Q1, Q2 = parse_period("2024-Q1"), parse_period("2024-Q2")
SHARE = {
    "id": "first_order_share", "domain": "sales", "name_en": "First-order share", "name_zh": "首单占比",
    "formula_en": "Orders that were a customer's first, over orders.", "formula_zh": "首单数除以订单数。",
    "unit": "ratio", "direction": "up", "numerator_en": "first orders", "numerator_zh": "首单数",
    "denominator_en": "orders", "denominator_zh": "订单数", "groupings": ["region", "team", "rep"], "min_base": 1,
    "sql": ("select employee_id, order_date as event_date, case when is_new_customer then 1 else 0 end as "
            "numerator, 1 as denominator from orders where order_date between $start and $end and amount > 0"),
}
BY_CUSTOMER_REGION = {
    "id": "orders_by_customer_region", "domain": "sales", "name_en": "Orders by the customer's region",
    "name_zh": "按客户区域的订单数", "formula_en": "Orders of the period, counted in the customer's region.",
    "formula_zh": "期内订单数，按客户所在区域计。", "unit": "count", "direction": "neutral",
    "sql": ("select c.region_id as org_unit_id, count(*) as value from orders as o join customers as c "
            "using (customer_id) where o.order_date between $start and $end group by all"),
}
# the built-in training_completion written as a file: completed enrolments over enrolments, placed on the day
COMPLETION = {
    **SHARE, "id": "completion_again", "domain": "talent", "name_en": "Training completion, as a file",
    "name_zh": "培训完成率（文件定义）", "formula_en": "Completed enrolments over enrolments started in the period.",
    "formula_zh": "期内开始的报名中已完成的比例。", "numerator_en": "completed enrolments",
    "numerator_zh": "已完成报名数", "denominator_en": "enrolments", "denominator_zh": "报名数",
    "groupings": ["region", "team", "role"], "min_base": None,
    "sql": ("select employee_id, enrolled_date as event_date, case when completed then 1 else 0 end as numerator, "
            "1 as denominator from enrollments where enrolled_date between $start and $end"),
}


def write(folder: Path, keys: dict) -> None:
    (folder / f"{keys['id']}.toml").write_text(custom_metrics.to_toml(keys), encoding="utf-8")


@pytest.fixture
def own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "metrics"
    folder.mkdir()
    for keys in (SHARE, BY_CUSTOMER_REGION, COMPLETION):
        write(folder, keys)
    monkeypatch.setenv("TANDEM_METRICS_DIR", str(folder))
    return folder


def rows(db, metric, period=Q1, by=(), viewer=None) -> dict:
    frame = compute(db, viewer or full_access(), metric, period, by=by)
    key = [c for c in by if c != "month"]
    return {(r[key[0]] if key else None): r for r in frame.to_dicts()}


def test_a_rate_is_the_sum_of_numerators_over_the_sum_of_denominators(own, tiny_db):
    # Q1 2024 orders (tests/conftest.py): A 50 (new, east-01), A 30 (new, east-01), B 150 (repeat, east-01),
    # D 40 (new, north-01), no rep 999 (repeat): 3 first orders of 5.
    total = rows(tiny_db, "first_order_share")[None]
    assert (total["value"], total["numerator"], total["denominator"]) == (pytest.approx(3 / 5), 3, 5)
    assert total["basis"] == "period" and not total["small_base"]  # the file's own min_base = 1
    regions = rows(tiny_db, "first_order_share", by=["region"])
    # east: A's two and B's one → 2/3, not the mean of the reps' shares (1 and 0 → 0.5); the order with no rep is
    # company-wide only (a row without a region)
    assert regions["east"]["value"] == pytest.approx(2 / 3) and regions["east"]["n_people"] == 2
    assert regions["north"]["value"] == 1.0 and regions[None]["denominator"] == 1
    reps = rows(tiny_db, "first_order_share", by=["rep"])
    assert {k: r["value"] for k, r in reps.items() if k is not None} == {1: 1.0, 2: 0.0, 4: 1.0}
    assert reps[1]["label"] == "A"
    months = compute(tiny_db, full_access(), "first_order_share", Q1, by=["month"])
    assert months["denominator"].to_list() == [1, 3, 1] and months["numerator"].to_list() == [1, 1, 1]


def test_an_order_is_placed_where_its_rep_was_on_its_date(own, tiny_db):
    # A moves east-01 → east-02 on 2024-06-16; B's last day is 2024-03-31 (an order after it: B's last unit)
    with tiny_db.transaction() as cur:
        cur.execute("insert into orders values (200, 1, 10, date '2024-06-20', 10, null, true), "
                    "(201, 1, 10, date '2024-05-02', 10, null, false), (202, 2, 11, date '2024-05-05', 5, null, true)")
    teams = rows(tiny_db, "first_order_share", Q2, by=["team"])
    assert (teams["east-02"]["numerator"], teams["east-02"]["denominator"]) == (1, 1)
    assert (teams["east-01"]["numerator"], teams["east-01"]["denominator"]) == (1, 2)


def test_rows_per_org_unit_are_summed_and_sized_by_headcount(own, tiny_db):
    # customers 10, 11 are in east (orders 100, 101, 102), 12 in north (103, 104); on 2024-03-31 east holds A, B, C
    # (teams) and H (the region itself), north holds D
    regions = rows(tiny_db, "orders_by_customer_region", by=["region"])
    assert {k: (r["value"], r["n_people"]) for k, r in regions.items()} == {"east": (3, 4), "north": (2, 1)}
    assert rows(tiny_db, "orders_by_customer_region")[None]["value"] == 5
    assert groupings("orders_by_customer_region") == ["month", "region", "team"]
    with pytest.raises(GroupingError, match="rep is not offered"):
        compute(tiny_db, full_access(), "orders_by_customer_region", Q1, by=["rep"])


def test_the_viewer_sees_only_their_scope(own, tiny_db):
    north = Viewer("north", org_units=frozenset({"north"}))
    assert {k: r["value"] for k, r in rows(tiny_db, "first_order_share", by=["region"], viewer=north).items()} \
        == {"north": 1.0}
    assert rows(tiny_db, "first_order_share", viewer=north)[None]["denominator"] == 1  # no unassigned order
    team = Viewer("team", org_units=frozenset({"east-01"}))
    assert rows(tiny_db, "orders_by_customer_region", viewer=team)[None]["value"] == 0  # customers are in regions


def test_an_aggregate_viewer_gets_the_masks_of_a_built_in_metric(own, tiny_db):
    analyst = Viewer("analyst", fields=frozenset())
    assert rows(tiny_db, "first_order_share", viewer=analyst)[None]["masked"]  # three reps: fewer than 5
    with pytest.raises(GroupingError, match="shows people"):
        compute(tiny_db, analyst, "first_order_share", Q1, by=["rep"])


def _same(a: pl.DataFrame, b: pl.DataFrame, keys: list[str]) -> None:
    cols = [*keys, "value", "numerator", "denominator", "n_people", "masked", "small_base", "partial"]
    ours, theirs = (f.select(cols).sort(keys, nulls_last=True).to_dicts() for f in (a, b))
    assert ours == theirs


@pytest.mark.parametrize("user", ["hr", "analyst"])
def test_the_same_rate_as_a_file_equals_the_built_in_one_masks_and_all(own, demo_db_path, user):
    # completion_again is training_completion written as a file: every value, count, mask and small base agrees,
    # for a person-level viewer and for an aggregate one (complementary masks and the month rule included)
    db = Database(demo_db_path, read_only=True)
    try:
        viewer = full_access() if user == "hr" else Viewer("analyst", fields=frozenset())
        quarter = parse_period("2025-Q3")
        for by in ([], ["region"], ["team"], ["month"], ["month", "region"]):
            keys = list(by)
            ours = compute(db, viewer, "completion_again", quarter, by=by)
            theirs = compute(db, viewer, "training_completion", quarter, by=by)
            _same(ours, theirs, keys or ["period"])
            if user == "analyst" and by == ["team"]:
                assert ours["masked"].any()  # the check has masks to compare
    finally:
        db.close()


def test_a_goal_and_an_alert_rule_on_a_custom_metric(own, tiny_db):
    from analytics.alerts import texts
    from analytics.reviews import goals

    goals.upsert_goal(tiny_db, goals.Goal(goal_id="G9", level="sales", title_en="More first orders",
                                          title_zh="更多首单", metric_id="first_order_share", target=0.5,
                                          period="2024-Q1"), "test")
    row = goals.progress(tiny_db, full_access(), dt.date(2024, 6, 30)).filter(pl.col("goal_id") == "G9").row(
        0, named=True)
    assert row["actual"] == pytest.approx(3 / 5) and row["metric"] == "First-order share"
    config = rules.parse("""
[[rules]]
id = "first_orders_high"
source = "first_order_share"
condition = "threshold"
by = "region"
grain = "quarter"
above = 0.9
severity = "medium"
owners = ["sales_director"]
""")
    found = evaluate_report.metric_members(tiny_db, config.rules[0], dt.date(2024, 3, 31))
    assert found["org_unit_id"].to_list() == ["north"]  # north 1/1; east 2/3 stays below 0.9
    alert = {"rule_id": "first_orders_high", "facts": found["facts"][0]}  # in words: the metric, its unit, when
    assert texts.describe(alert, "en", names=False, unit="North") == "First-order share · North: 100.0% in 2024-Q1"
    assert texts.describe(alert, "zh", names=False, unit="北区") == "首单占比 · 北区：2024-Q1 为 100.0%"
    with pytest.raises(rules.AlertConfigError, match="not in the metric registry"):
        rules.parse(config_text := "[[rules]]\nid = 'x'\nsource = 'no_such_metric'\ncondition = 'threshold'\n"
                    "above = 1\nseverity = 'medium'\nowners = ['hr_head']\n")
    assert "no_such_metric" in config_text


def test_the_command_line_prints_it_and_lists_it(own, tiny_db, capsys):
    write(own, {**SHARE, "id": "leak", "sql": SHARE["sql"].replace("from orders", "from orders, users")})
    path = tiny_db.path
    tiny_db.close()
    env = {**os.environ, "TANDEM_METRICS_DIR": str(own)}

    def cli(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "analytics", *argv, "--db", str(path)], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    out = cli("metrics", "first_order_share", "--period", "2024-Q1", "--by", "region", "--format", "json")
    assert out.returncode == 0, out.stderr
    by_region = {r["region"]: r for r in json.loads(out.stdout)}
    assert by_region["east"]["value"] == pytest.approx(2 / 3) and by_region["north"]["denominator"] == 1
    listed = cli("metrics", "--list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    entries = {r["id"]: r for r in json.loads(listed.stdout)}
    assert list(entries)[:len(REGISTRY)] == list(REGISTRY)
    assert entries["first_order_share"]["origin"] == "metrics/first_order_share.toml"
    assert entries["first_order_share"]["by"] == "month,region,team,rep"
    assert "sql reads users" in entries["leak"]["refused"] and not entries["leak"]["computed"]
    from analytics.cli.main import main  # (in this process: a third interpreter would add seconds, not a check)

    assert main(["metrics", "leak", "--period", "2024-Q1", "--db", str(path)]) == 2
    assert "leak.toml: sql reads users" in capsys.readouterr().err


def test_a_review_lists_the_company_metrics(own, tiny_db):
    from analytics.reviews.company_metrics import company_metrics
    from analytics.reviews.context import Ctx

    item = company_metrics(Ctx(tiny_db, full_access(), Q1, dt.date(2024, 6, 30), "zh", 1))
    assert item.id == "company_metrics" and item.numbers["first_order_share"] == pytest.approx(3 / 5)
    assert item.table["指标"].to_list() == ["培训完成率（文件定义）", "首单占比", "按客户区域的订单数"]
    assert "首单占比 60.0%" in item.takeaway


def test_a_metric_refused_by_its_trial_is_refused_everywhere(own, tiny_db):
    write(own, {**SHARE, "sql": SHARE["sql"].replace("1 as denominator", "'one' as denominator")})
    with pytest.raises(custom_metrics.CustomMetricError, match="expected a number"):
        compute(tiny_db, full_access(), "first_order_share", Q1)
    assert "first_order_share" not in custom_metrics.check_on(tiny_db, REGISTRY).metrics
