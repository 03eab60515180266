"""Care signals by hand on a five-person team (data/care.toml's rules), their link to exits, and the actions."""
import datetime as dt
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest

from analytics.core.access import Viewer, full_access
from analytics.people import care, care_report
from tests.conftest import open_db

D = dt.date
MONTHS = [D(2024, m, 1) for m in range(1, 7)]
P1, P2, P3, P4, P5 = 11, 12, 13, 14, 15
# overtime hours Jan–Jun. P1's 30 is above the team's 90th percentile (10, 10, 10, 10, 30 → 22) and the floor (20);
# P2's 25 is not, beside P1's 30 (10, 10, 10, 25, 30 → 28). P1 is over Jan–Apr and Jun, not in May.
OVERTIME = {P1: [30, 35, 40, 45, 10, 50], P2: [25, 25, 18], P3: [10] * 6, P4: [10] * 6, P5: [10] * 6}
DIRECTOR = Viewer("director", None, frozenset({"person"}))  # person-level, no personal details
ANALYST = Viewer("analyst", None, frozenset())


def care_frames() -> dict[str, pl.DataFrame]:
    org = pl.DataFrame({"org_unit_id": ["company", "east", "east-01"], "parent_id": [None, "company", "east"],
                        "level": ["company", "region", "team"], "name_en": ["Company", "East", "East Team 1"],
                        "name_zh": ["总公司", "华东", "华东一组"], "opened_date": [D(2020, 1, 1)] * 3,
                        "closed_date": [None] * 3}, schema_overrides={"closed_date": pl.Date})
    roles = pl.DataFrame({"role_id": ["sales_rep"], "name_en": ["Sales rep"], "name_zh": ["销售代表"],
                          "family": ["sales"], "carries_quota": [True], "career_step": [1]},
                         schema_overrides={"career_step": pl.Int32})
    ids = [P1, P2, P3, P4, P5]
    emp = pl.DataFrame({"employee_id": ids, "name": ["P1", "P2", "P3", "P4", "P5"], "hire_date": [D(2023, 1, 1)] * 5,
                        "termination_date": [D(2024, 9, 30), D(2024, 3, 15), None, None, None],
                        "exit_type": ["voluntary", "voluntary", None, None, None], "probation_months": [3] * 5},
                       schema_overrides={"termination_date": pl.Date, "exit_type": pl.Utf8})
    asg = pl.DataFrame({"assignment_id": list(range(1, 6)), "employee_id": ids, "org_unit_id": ["east-01"] * 5,
                        "manager_id": [None] * 5, "role_id": ["sales_rep"] * 5, "job_level": [1] * 5,
                        "valid_from": [D(2023, 1, 1)] * 5, "valid_to": [D(2024, 9, 30), D(2024, 3, 15), None, None,
                                                                        None]},
                       schema_overrides={"manager_id": pl.Int64, "valid_to": pl.Date})
    attendance = pl.DataFrame([{"employee_id": p, "month": MONTHS[i], "overtime_hours": float(h), "leave_days": 1.0}
                               for p, hours in OVERTIME.items() for i, h in enumerate(hours)])
    engagement = pl.DataFrame({"employee_id": [P3, P3, P4, P4],
                               "survey_date": [D(2024, 1, 15), D(2024, 5, 15), D(2024, 1, 15), D(2024, 5, 15)],
                               "engagement_score": [4.0, 3.4, 4.0, 3.6]})  # P3 down 0.6 (a drop), P4 down 0.4
    referrals = pl.DataFrame({"employee_id": [P5], "referral_date": [D(2024, 2, 10)], "source": ["self"]})
    return {"org_units": org, "roles": roles, "employees": emp, "assignments": asg, "attendance": attendance,
            "engagement": engagement, "assistance_referrals": referrals}


@pytest.fixture
def care_db(tmp_path: Path):
    db = open_db(tmp_path / "care.duckdb", care_frames(), as_of=D(2024, 6, 30))
    yield db
    db.close()


def on(months: pl.DataFrame, rule: str) -> dict[int, list[int]]:
    rows = months.filter(pl.col(f"on_{rule}")).sort("employee_id", "month")
    out: dict[int, list[int]] = {}
    for e, m in rows.select("employee_id", "month").iter_rows():
        out.setdefault(e, []).append(m.month)
    return out


def test_signals_by_hand(care_db):
    months = care.signal_months(care_db, full_access(), MONTHS[0], MONTHS[-1])
    # three months running over the team's 90th percentile: March (Jan–Mar) and April; May breaks the run, so June
    # (over again) is not three running
    assert on(months, "overtime_high") == {P1: [3, 4]}
    assert on(months, "engagement_drop") == {P3: [5, 6]}  # from the May survey; P4's 0.4 is under the 0.5 set
    assert on(months, "assistance_referral") == {P5: [2, 3, 4]}  # 10 Feb: in the 3 months to the ends of Feb–Apr
    assert on(months, "leave_high") == {} and on(months, "travel_high") == {}  # everyone alike; no travel recorded
    # P2 left on 15 March: counted in March (employed in it), not after
    assert months.filter(pl.col("employee_id") == P2)["month"].to_list() == MONTHS[:3]


def test_a_rule_reads_its_own_percentile_and_floor(care_db):
    rules = care.load_rules()
    lower = tuple(replace(r, floor=24.0, percentile=50) if r.id == "overtime_high" else r for r in rules)
    months = care.signal_months(care_db, full_access(), MONTHS[0], MONTHS[-1], lower)
    # over the median and 24 h: P2's 25 counts in Jan and Feb, but March's 18 is under the floor
    assert on(months, "overtime_high") == {P1: [3, 4]}
    loose = tuple(replace(r, months=2) if r.id == "overtime_high" else r for r in rules)
    assert on(care.signal_months(care_db, full_access(), MONTHS[0], MONTHS[-1], loose), "overtime_high") == {
        P1: [2, 3, 4]}


def test_the_list_in_april_and_who_sees_a_referral(care_db):
    listed = care_report.signal_list(care_db, full_access(), D(2024, 4, 30))
    rows = {(r["employee_id"], r["rule_id"]): r for r in listed.iter_rows(named=True)}
    assert set(rows) == {(P1, "overtime_high"), (P5, "assistance_referral")}
    assert rows[(P1, "overtime_high")]["since"] == D(2024, 1, 1)  # the run reaching April began in January
    assert rows[(P1, "overtime_high")]["value"] == 45
    assert rows[(P5, "assistance_referral")]["since"] == D(2024, 2, 10)
    # a sales director has person-level rights but not personal details: no referral by name
    assert set(care_report.signal_list(care_db, DIRECTOR, D(2024, 4, 30))["rule_id"]) == {"overtime_high"}
    assert care_report.signal_list(care_db, ANALYST, D(2024, 4, 30)).is_empty()


def test_actions_recorded_and_refused(care_db):
    care.record_action(care_db, full_access(), P1, "overtime_high", "talk", D(2024, 4, 20), "  two clients moved ",
                       D(2024, 4, 30))
    care.record_action(care_db, full_access(), P1, "overtime_high", "workload", D(2023, 12, 1), None,
                       D(2024, 4, 30))  # before the signal began: not counted for it
    listed = care_report.attach_actions(care_db, care_report.signal_list(care_db, full_access(), D(2024, 4, 30)))
    p1 = listed.filter(pl.col("employee_id") == P1).row(0, named=True)
    assert (p1["actions"], p1["last_action"], p1["last_done_on"], p1["last_note"]) == (
        1, "talk", D(2024, 4, 20), "two clients moved")
    assert care_report.headline(listed) == {"people_on": 2, "signals_on": 2, "handled": 1}
    refusals = [
        (full_access(), P1, "overtime", "talk", D(2024, 4, 1), "rule"),
        (full_access(), P1, "overtime_high", "shout", D(2024, 4, 1), "action"),
        (full_access(), P1, "overtime_high", "talk", dt.date.today() + dt.timedelta(days=2), "future"),
        (ANALYST, P1, "overtime_high", "talk", D(2024, 4, 1), "not_allowed"),
        (DIRECTOR, P5, "assistance_referral", "talk", D(2024, 4, 1), "not_allowed"),
        (Viewer("west", frozenset({"west"}), frozenset({"person"})), P1, "overtime_high", "talk", D(2024, 4, 1),
         "not_allowed"),
    ]
    for viewer, person, rule, action, day, code in refusals:
        with pytest.raises(care.CareActionError) as refused:
            care.record_action(care_db, viewer, person, rule, action, day, None, D(2024, 4, 30))
        assert refused.value.code == code
    assert care_db.scalar("select count(*) from care_actions") == 2
    assert care_db.scalar("select count(*) from audit_log where action = 'care_action'") == 2


def test_exit_link_by_hand(care_db, monkeypatch):
    monkeypatch.setattr(care_report, "MIN_LEAVERS", 1)
    monkeypatch.setattr(care_report, "load_settings", lambda: SimpleNamespace(min_base=1))
    link = {r["rule_id"]: r for r in care_report.exit_link(care_db, full_access(), D(2024, 12, 31)).iter_rows(
        named=True)}
    # month ends Jan–Jun (each with six months to follow by 31 Dec). Overtime signal on: P1 in March and April, and
    # P1 left on 30 Sep, within six months of both → 2 of 2. Off: P1 Jan, Feb (not within six months), May, Jun (yes);
    # P2 Jan, Feb (left 15 Mar: yes, yes); P3–P5 six month ends each, none left → 4 of 24.
    overtime = link["overtime_high"]
    assert (overtime["people_on"], overtime["months_on"]) == (1, 2)
    assert overtime["rate_on"] == 1.0 and overtime["rate_off"] == pytest.approx(4 / 24)
    assert overtime["ratio"] == pytest.approx(6.0)
    assert overtime["low"] is None or overtime["low"] <= 6.0 <= overtime["high"]
    assert link["leave_high"]["small"] and link["leave_high"]["ratio"] is None  # nobody had it
    assert set(link) == {r.id for r in care.load_rules()} | {"any"}


def test_team_counts_mask_small_teams_for_an_analyst(care_db):
    counts = care_report.team_counts(care_db, full_access(), D(2024, 6, 30))
    row = counts.row(0, named=True)
    assert (row["team"], row["people"], row["with_signal"], row["n_engagement_drop"]) == ("east-01", 4, 1, 1)
    masked = care_report.team_counts(care_db, ANALYST, D(2024, 6, 30))  # 4 people: under the threshold of 5
    assert masked["masked"].to_list() == [True] and masked["with_signal"].to_list() == [None]
    assert "n_assistance_referral" not in masked.columns  # a referral count needs personal details


def test_person_signals(care_db):
    frame = care_report.person_signals(care_db, full_access(), P1, D(2024, 6, 30))
    assert frame.select("rule_id", "first", "last", "months").rows() == [
        ("overtime_high", D(2024, 3, 1), D(2024, 4, 1), 2)]


@pytest.mark.parametrize("text, message", [
    ("", r"no \[\[rule\]\]"),
    ('[[rule]]\nid = "x"\nsource = "overtime"\ntest = "drop"', "the drop test reads engagement"),
    ('[[rule]]\nid = "x"\nsource = "overtime"\ntest = "above_team"\npercentile = 100', "percentile"),
    ('[[rule]]\nid = "x"\nsource = "referral"\ntest = "event"\nweeks = 2', "unknown key weeks"),
    ('[[rule]]\nid = "x y"\nsource = "referral"\ntest = "event"', "id must be"),
    ('[[rule]]\nid = "x"\nsource = "referral"\ntest = "event"\n[[rule]]\nid = "x"\nsource = "referral"\n'
     'test = "event"', "used twice"),
])
def test_bad_rules_are_named(tmp_path, text, message):
    path = tmp_path / "care.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(care.CareConfigError, match=message):
        care.load_rules(path)


def test_the_shipped_rules_load():
    assert [r.id for r in care.load_rules()] == ["overtime_high", "leave_high", "travel_high", "engagement_drop",
                                                 "assistance_referral"]
