"""Each shipped rule of data/alerts.toml fires on data built to trigger it and stays silent on data that does not;
its figures are the engine's and the lists' own; a list's first evaluation is its starting point; an episode
fires once; one broken rule does not silence the others."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import replace

import polars as pl
import pytest

from analytics.alerts import evaluate_report as ev
from analytics.alerts import rules
from analytics.core import panels
from analytics.core.access import full_access
from analytics.core.db import Database
from analytics.core.periods import month_period
from analytics.metrics.engine import compute
from analytics.people import care_report, talent_report
from analytics.sales.scorecard import coaching_list

AS_OF = dt.date(2025, 12, 31)
CONFIG = rules.load()
SYSTEM = full_access("test")


def rule(rule_id: str, **changes) -> rules.Rule:
    return replace(CONFIG.rule(rule_id), **changes)


def ids(frame: pl.DataFrame) -> set[str]:
    return set(frame["subject"].to_list())


@pytest.fixture
def db(alerts_demo_path, tmp_path):
    """A writable copy of the small demo company whose flight-risk model is stored (the one the alerts were played
    forward with: no test pays for a fit on unchanged data), with no alert yet."""
    path = tmp_path / "demo.duckdb"
    shutil.copy(alerts_demo_path, path)
    database = Database(path)
    with database.transaction(bump=False) as cur:
        for table in ("alerts", "alert_actions", "alert_requests", "alert_sends"):
            cur.execute(f"delete from {table}")
        cur.execute("delete from meta where key like 'alerts\\_%' escape '\\'")
    yield database
    database.close()


def changed(db: Database, sql: str, **params) -> None:
    """A data change (the data version moves) and the panels of the new data."""
    with db.transaction() as cur:
        cur.execute(sql, params)
    panels.build(db)


def test_the_shipped_file_has_the_eight_rules():
    assert [r.id for r in CONFIG.rules] == ["key_person_flight_risk", "ka_owner_leaving", "region_attrition_high",
                                            "key_vacancy_late", "rep_under_target", "probation_exits_high",
                                            "care_signal", "urgent_request"]
    assert all(r.response_hours > 0 for r in CONFIG.rules) and CONFIG.response_hours == 24


def test_key_vacancy_past_target(db):
    r = rule("key_vacancy_late")
    assert ev.members(db, r, AS_OF).is_empty()  # none in the demo at its as-of date
    base = dict(o=dt.date(2025, 10, 1), t=dt.date(2025, 12, 1))
    changed(db, "insert into requisitions values (90001, 'east-02', 'ka_rep', true, $o, $t, null, null, null, null), "
                "(90002, 'east-02', 'ka_rep', false, $o, $t, null, null, null, null), "
                "(90003, 'east-02', 'ka_rep', true, $o, $t, date '2025-12-20', null, null, null), "
                "(90004, 'east-02', 'ka_rep', true, $o, date '2026-01-15', null, null, null, null)", **base)
    found = ev.members(db, r, AS_OF)
    assert ids(found) == {"requisition:90001"}  # not the ordinary seat, the filled one, the one not yet due
    facts = json.loads(found["facts"][0])
    assert (found["org_unit_id"][0], facts["days_past"], facts["target_date"]) == ("east-02", 30, "2025-12-01")


def test_region_attrition_above_the_benchmark_is_the_engines_figure(db, monkeypatch):
    by_region = compute(db, SYSTEM, "attrition_rate_ttm", month_period(dt.date(2025, 12, 1)), by=["region"])
    usable = by_region.filter(~pl.col("small_base") & pl.col("value").is_not_null())
    cut = float(usable["value"].median())
    above = set(usable.filter(pl.col("value") > cut)["region"].to_list())
    found = ev.members(db, rule("region_attrition_high", above=cut), AS_OF)
    assert above and ids(found) == {f"unit:{u}" for u in above}
    for row in found.iter_rows(named=True):
        engine = usable.filter(pl.col("region") == row["org_unit_id"])["value"][0]
        assert json.loads(row["facts"])["value"] == pytest.approx(engine, abs=1e-6)  # one number everywhere
    assert ev.members(db, rule("region_attrition_high", above=float(usable["value"].max())), AS_OF).is_empty()
    monkeypatch.setenv("TANDEM_MIN_BASE", "100000")  # every region now a small base: no alert at all
    assert ev.members(db, rule("region_attrition_high", above=0.0), AS_OF).is_empty()


def test_probation_exits_above_the_cohort_norm(db, monkeypatch):
    r = rule("probation_exits_high")
    assert ev.members(db, r, AS_OF).is_empty()  # a region's hire cohort in the small demo is a small base
    monkeypatch.setenv("TANDEM_MIN_BASE", "3")  # a rate on three hires may count here
    before = ids(ev.members(db, r, AS_OF))
    quarters = ev.last_periods(r, AS_OF, 9)
    values = compute(db, SYSTEM, "probation_exit_rate", quarters[-5], by=["region"])  # make a cohort leave:
    region = values.filter(~pl.col("region").is_in([s.split(":")[1] for s in before])).sort(
        "denominator", descending=True)["region"][0]  # in a region at its norm so far
    latest = None
    for q in reversed(quarters):  # the newest hire quarter whose probation has run its course
        if not compute(db, SYSTEM, "probation_exit_rate", q)["maturing"][0]:
            latest = q
            break
    hired = db.sql("select e.employee_id, e.hire_date from employees e join assignments a using (employee_id) "
                   "join org_units o on o.org_unit_id = a.org_unit_id where e.hire_date between $s and $e "
                   "and a.valid_from = e.hire_date and (o.org_unit_id = $r or o.parent_id = $r)",
                   s=latest.start, e=latest.end, r=region)
    changed(db, "update employees set termination_date = hire_date + interval 20 day, exit_type = 'voluntary' "
                "where list_contains($ids, employee_id)", ids=hired["employee_id"].to_list())
    with db.transaction() as cur:  # their assignments end with them
        cur.execute("update assignments set valid_to = (select termination_date from employees e where "
                    "e.employee_id = assignments.employee_id) where list_contains($ids, employee_id)",
                    {"ids": hired["employee_id"].to_list()})
    panels.build(db)
    found = ev.members(db, r, AS_OF)
    assert f"unit:{region}" in ids(found)
    facts = json.loads(found.filter(pl.col("org_unit_id") == region)["facts"][0])
    assert facts["period"] == latest.label and facts["value"] == pytest.approx(1.0)
    assert facts["value"] - facts["norm"] >= r.rise


def test_rep_newly_under_target_is_the_coaching_list(db):
    r = rule("rep_under_target")
    listed = coaching_list(db, SYSTEM, AS_OF)
    found = ev.members(db, r, AS_OF)
    assert ids(found) == {f"person:{e}" for e in listed["employee_id"].to_list()} and found.height > 0
    assert found["org_unit_id"].null_count() == 0  # placed in their unit
    rep = int(listed["employee_id"][0])
    changed(db, "update quotas set amount = 1 where employee_id = $e and month between date '2025-10-01' "
                "and date '2025-12-01'", e=rep)  # over target in the last quarter
    assert f"person:{rep}" not in ids(ev.members(db, r, AS_OF))


def test_care_signals_but_never_a_referral(db):
    r = rule("care_signal")
    listed = care_report.signal_list(db, SYSTEM, AS_OF)
    found = ev.members(db, r, AS_OF)
    expected = {f"person:{p}:{s}" for p, s in zip(listed["employee_id"], listed["rule_id"], strict=True)
                if s != "assistance_referral"}
    assert ids(found) == expected and found.height > 0
    assert not any(s.endswith(":assistance_referral") for s in ids(found))
    if "assistance_referral" in listed["rule_id"].to_list():  # the list has one: the alert leaves it out
        assert len(expected) < listed.height
    assert ev.members(db, rule("care_signal", exclude=()), AS_OF).height == listed.height


def test_key_person_newly_at_high_flight_risk(db):
    r = rule("key_person_flight_risk")
    found = ev.members(db, r, AS_OF)
    everyone = ev.members(db, rule("key_person_flight_risk", filter=None), AS_OF)  # every high-risk person
    key = ev.key_people(db, AS_OF, r.top_share)
    assert ids(found) == {s for s, e in zip(everyone["subject"], everyone["employee_id"], strict=True) if e in key}
    assert 0 < found.height < everyone.height  # someone at high risk who is not a key person stays silent
    owners = [e for e, why in key.items() if why == "ka_owner" and f"person:{e}" in ids(found)]
    top = set(ev._top_reps(db, AS_OF, r.top_share, 1))
    person = next(e for e in owners if e not in top)
    changed(db, "update account_owners set valid_to = date '2025-11-30' where employee_id = $e and valid_to is null",
            e=person)  # no longer owns a key account
    assert f"person:{person}" not in ids(ev.members(db, r, AS_OF))


def test_key_account_owner_gone_with_no_backup(db):
    day = dt.date(2025, 10, 31)
    r = rule("ka_owner_leaving")
    found = ev.members(db, r, day)
    assert found.height > 0
    plan = talent_report.continuity(db, SYSTEM, day)
    for row in found.iter_rows(named=True):
        account = plan.filter(pl.col("customer_id") == int(row["subject"].split(":")[1])).row(0, named=True)
        assert account["status"] in {"left", "leaving", "no_owner"}
        assert account["backup_id"] is None or not account["skill_matched"]
    gone = found.filter(pl.col("employee_id").is_not_null()).row(0, named=True)  # give its account a present owner
    customer = int(gone["subject"].split(":")[1])
    active = db.sql("select o.employee_id from account_owners o join employees e using (employee_id) "
                    "where e.termination_date is null and o.valid_to is null limit 1")["employee_id"][0]
    with db.transaction() as cur:
        cur.execute("update account_owners set valid_to = date '2025-09-30' where customer_id = $c "
                    "and coalesce(valid_to, date '9999-12-31') >= date '2025-10-01'", {"c": customer})
        cur.execute("insert into account_owners values ($c, $e, date '2025-10-01', null)",
                    {"c": customer, "e": int(active)})
    panels.build(db)
    assert gone["subject"] not in ids(ev.members(db, r, day))


def test_a_lists_first_evaluation_is_its_starting_point_and_an_episode_fires_once(db):
    cfg = replace(CONFIG, rules=(rule("key_vacancy_late"), rule("region_attrition_high")), channels=())
    changed(db, "insert into requisitions values (90001, 'east-02', 'ka_rep', true, date '2025-10-01', "
                "date '2025-12-01', null, null, null, null)")
    first = ev.evaluate(db, dt.datetime(2026, 1, 2, 8), AS_OF, cfg)
    assert first.raised["key_vacancy_late"] == 0  # already late at the first look: the starting point
    assert first.raised["region_attrition_high"] > 0  # a metric's condition is raised at the first look
    changed(db, "insert into requisitions values (90002, 'north-01', 'ka_rep', true, date '2025-10-01', "
                "date '2025-12-10', null, null, null, null)")
    second = ev.evaluate(db, dt.datetime(2026, 1, 3, 8), AS_OF, cfg)
    assert second.raised == {"key_vacancy_late": 1, "region_attrition_high": 0}  # the newcomer only; once
    assert ev.evaluate(db, dt.datetime(2026, 1, 4, 8), AS_OF, cfg).raised == second.raised | {"key_vacancy_late": 0}
    changed(db, "update requisitions set filled_date = date '2025-12-20' where requisition_id = 90002")
    assert ev.evaluate(db, dt.datetime(2026, 1, 5, 8), AS_OF, cfg).cleared["key_vacancy_late"] == 1
    assert ev.evaluated_token(db) == db.data_token


def test_one_broken_rule_does_not_silence_the_others(db, monkeypatch):
    def broken(*_):
        raise RuntimeError("the list is unreadable")

    monkeypatch.setitem(ev.LISTS, "coaching_list", broken)
    cfg = replace(CONFIG, rules=(rule("rep_under_target"), rule("region_attrition_high")), channels=())
    result = ev.evaluate(db, dt.datetime(2026, 1, 2, 8), AS_OF, cfg)
    assert "the list is unreadable" in result.failed["rep_under_target"]
    assert result.raised["region_attrition_high"] > 0


def test_a_rule_for_one_region_raises_there_only(db):
    everywhere = ev.members(db, rule("care_signal"), AS_OF)
    east = ev.members(db, rule("care_signal", scope="east"), AS_OF)
    teams = set(db.sql("select org_unit_id from org_units where org_unit_id = 'east' or parent_id = 'east'")
                ["org_unit_id"].to_list())
    expected = everywhere.filter(pl.col("org_unit_id").is_in(list(teams)))
    assert 0 < east.height == expected.height < everywhere.height
    assert set(east["org_unit_id"].to_list()) <= teams


def test_a_trend_is_each_period_above_the_one_before(db):
    months = ev.last_periods(rule("region_attrition_high"), AS_OF, 3)
    frame = pl.concat([compute(db, SYSTEM, "attrition_rate_ttm", m, by=["region"]).with_columns(q=pl.lit(i))
                       for i, m in enumerate(months)])
    usable = frame.filter(~pl.col("small_base") & pl.col("value").is_not_null())
    wide = usable.pivot("q", index="region", values="value").drop_nulls()
    rising = {r["region"] for r in wide.iter_rows(named=True) if r["0"] < r["1"] < r["2"]}
    falling = {r["region"] for r in wide.iter_rows(named=True) if r["0"] > r["1"] > r["2"]}
    up = ev.members(db, rule("region_attrition_high", condition="trend", periods=2, above=None), AS_OF)
    down = ev.members(db, rule("region_attrition_high", condition="trend", periods=2, above=None, below=0.0), AS_OF)
    assert ids(up) == {f"unit:{r}" for r in rising} and ids(down) == {f"unit:{r}" for r in falling}
    assert rising or falling  # the demo has a region moving one way three months running
    for row in up.iter_rows(named=True):
        values = json.loads(row["facts"])["values"]
        assert values == sorted(values) and len(values) == 3
