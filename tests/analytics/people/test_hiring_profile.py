"""The success profile by hand on a 40-hire fixture whose outcomes follow the aptitude test: the direction of the
effects, the out-of-time split, protected characteristics never reaching a model, the bias check's counts and
masking, and the import of candidate traits with a bad row."""
from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import polars as pl
import pytest

from analytics.cli.main import main
from analytics.core.access import Viewer, full_access
from analytics.core.periods import add_months, add_months_clamped
from analytics.people import hiring_profile as hp
from analytics.people import hiring_profile_report as report
from tests.analytics.people.test_care import care_frames
from tests.conftest import open_db

D = dt.date
AS_OF = D(2025, 6, 30)
N = 60                                              # hire i on the 10th of the month i months after Jan 2020
NOISE = {5: False, 8: True}                         # two hires against the rule, so the classes are not separable
ANALYST = Viewer("analyst", None, frozenset())


def score_of(i: int) -> float:
    """The aptitude test of hire i: 30–89, spread over the months."""
    return float((i * 37) % 60 + 30)


def passes(i: int) -> bool:
    """Hire i passes probation when the test is 50 or more (two exceptions)."""
    return NOISE.get(i, score_of(i) >= 50)


def frames(gender: str = "F", birth_year: int = 1995) -> dict[str, pl.DataFrame]:
    """60 sales reps, one a month from Jan 2020; those who fail leave on day 45; one earlier leaver (2019) starts
    the history. Survivors book test ÷ 100 of a 100 quota in every month (so attainment in months 4–12 is the
    test ÷ 100). Three open applications to an open requisition: tests 85, 55 and 35. ``gender`` and
    ``birth_year`` are everyone's (the bias check's inputs)."""
    care = care_frames()                               # the same one-team company as the care tests
    org, roles = care["org_units"], care["roles"]
    ids = list(range(1, N + 1))
    hired = [add_months_clamped(D(2020, 1, 10), i) for i in range(N)]
    left = [None if passes(i) else hired[i] + dt.timedelta(days=45) for i in range(N)]
    emp = pl.DataFrame({"employee_id": ids, "name": [f"P{i}" for i in ids], "gender": [gender] * N,
                        "birth_year": [birth_year] * N, "hire_date": hired, "termination_date": left,
                        "exit_type": [None if d is None else "voluntary" for d in left],
                        "hire_source": ["job_board" if i % 2 else "referral" for i in range(N)],
                        "probation_months": [3] * N},
                       schema_overrides={"termination_date": pl.Date, "exit_type": pl.Utf8})
    asg = pl.DataFrame({"assignment_id": ids, "employee_id": ids, "org_unit_id": ["east-01"] * N,
                        "manager_id": [None] * N, "role_id": ["sales_rep"] * N, "job_level": [1] * N,
                        "valid_from": hired, "valid_to": left},
                       schema_overrides={"manager_id": pl.Int64, "valid_to": pl.Date})
    early = (D(2018, 1, 1), D(2019, 12, 31))         # someone who left in 2019: the history starts there
    emp = pl.concat([emp, pl.DataFrame([{"employee_id": 900, "name": "E", "gender": gender, "birth_year": birth_year,
                                         "hire_date": early[0], "termination_date": early[1], "exit_type": "voluntary",
                                         "hire_source": "agency", "probation_months": 3}], schema=emp.schema)])
    asg = pl.concat([asg, pl.DataFrame([{"assignment_id": 900, "employee_id": 900, "org_unit_id": "east-01",
                                         "manager_id": None, "role_id": "sales_rep", "job_level": 1,
                                         "valid_from": early[0], "valid_to": early[1]}], schema=asg.schema)])
    reqs = pl.DataFrame({"requisition_id": [*ids, 99], "org_unit_id": ["east-01"] * (N + 1),
                         "role_id": ["sales_rep"] * (N + 1), "key_position": [False] * (N + 1),
                         "opened_date": [h - dt.timedelta(days=40) for h in hired] + [D(2025, 5, 1)],
                         "target_date": [*hired, D(2025, 8, 1)], "filled_date": [h - dt.timedelta(days=10)
                                                                                  for h in hired] + [None],
                         "hired_employee_id": [*ids, None]}, schema_overrides={"hired_employee_id": pl.Int64})
    apps = pl.DataFrame({"application_id": [*(100 + i for i in ids), 201, 202, 203],
                         "requisition_id": [*ids, 99, 99, 99],
                         "channel": [*emp["hire_source"].head(N).to_list(), "referral", "job_board", "job_board"],
                         "applied_date": [h - dt.timedelta(days=30) for h in hired] + [D(2025, 6, 1)] * 3,
                         "accepted_date": [h - dt.timedelta(days=10) for h in hired] + [None] * 3,
                         "hired_employee_id": [*ids, None, None, None]},
                        schema_overrides={"hired_employee_id": pl.Int64, "accepted_date": pl.Date})
    tests = [score_of(i) for i in range(N)] + [85.0, 55.0, 35.0]
    traits = pl.DataFrame({"application_id": apps["application_id"], "years_experience": [2.0 + (i % 5) for i in
                                                                                          range(N + 3)],
                           "same_industry": [i % 3 == 0 for i in range(N + 3)],
                           "education": [("secondary", "bachelor", "master")[i % 3] for i in range(N + 3)],
                           "assessment_score": tests, "interview_score": [3.0 + (i % 4) * 0.5 for i in range(N + 3)]})
    months = [(e, add_months(D(h.year, h.month, 1), m)) for e, h, gone in zip(ids, hired, left, strict=True)
              if gone is None for m in range(3, 12)]
    quotas = pl.DataFrame({"employee_id": [e for e, _ in months], "month": [m for _, m in months],
                           "amount": [100.0] * len(months)})
    orders = pl.DataFrame({"order_id": list(range(1, len(months) + 1)), "employee_id": [e for e, _ in months],
                           "customer_id": [10] * len(months), "order_date": [m + dt.timedelta(days=14)
                                                                             for _, m in months],
                           "amount": [score_of(e - 1) for e, _ in months], "is_new_customer": [False] * len(months)})
    customers = pl.DataFrame({"customer_id": [10], "name": ["Big Co"], "tier": ["regular"], "region_id": ["east"]})
    return {"org_units": org, "roles": roles, "employees": emp, "assignments": asg, "requisitions": reqs,
            "applications": apps, "application_traits": traits, "customers": customers, "quotas": quotas,
            "orders": orders}


@pytest.fixture
def profile_db(tmp_path: Path):
    db = open_db(tmp_path / "profile.duckdb", frames(), as_of=AS_OF)
    yield db
    db.close()


def _rows(db) -> pl.DataFrame:
    rows, _ = hp.load(db, full_access(), AS_OF)
    return rows


def test_outcomes_by_hand(profile_db):
    rows = _rows(profile_db).filter(pl.col("kind") == "hire").sort("application_id")
    # every probation is known by 30 Jun 2025: the last hire (10 Dec 2024) ends it on 10 Mar 2025
    assert rows.filter(pl.col("passed").is_not_null()).height == 60
    assert rows["passed"].to_list() == [passes(i) for i in range(N)]
    # attainment: the survivors whose month 12 ended by 30 Jun 2025 (hired by Jul 2024, i ≤ 54): 36 of them,
    # each at test ÷ 100
    measured = rows.filter(pl.col("attainment").is_not_null())
    assert measured.height == 36 == sum(passes(i) for i in range(55))
    assert measured["attainment"].to_list() == pytest.approx(
        [score_of(e - 101) / 100 for e in measured["application_id"].to_list()])


def test_the_aptitude_test_goes_with_passing_and_with_attainment(profile_db):
    res = hp.profile(_rows(profile_db), "sales_rep", boot=50)
    w = res["weights"]
    pass_w = w.filter((pl.col("outcome") == "passed") & (pl.col("feature") == "assessment_score")).row(0, named=True)
    att_w = w.filter((pl.col("outcome") == "attainment") & (pl.col("feature") == "assessment_score")).row(0,
                                                                                                        named=True)
    assert pass_w["weight"] > 0 and pass_w["low"] > 0           # more passes with a higher test, interval above 0
    assert att_w["weight"] > 0 and att_w["low"] > 0
    assert pass_w["n"] == 60 and att_w["n"] == 36
    assert "job_level" not in set(w["feature"])                 # one job level for all: no column
    # the open applications rank as their tests do: 85 before 55 before 35
    assert res["open"]["application_id"].to_list() == [201, 202, 203]
    assert res["open"]["fit_score"].is_between(0, 100).all()


def test_validation_uses_only_later_cohorts(profile_db):
    rows = _rows(profile_db)
    val = hp.validate(rows.filter(pl.col("role_id") == "sales_rep"))
    p = val["passed"]
    # 60 known hires, the earliest 60%: index int(0.6 × 60) = 36 → hire 36 (10 Jan 2023): cutoff 31 Jan 2023
    assert p["cutoff"] == D(2023, 1, 31)
    assert p["train_last_hire"] == D(2023, 1, 10) and p["test_first_hire"] == D(2023, 2, 10)
    assert (p["n_train"], p["n_test"]) == (37, 23)
    assert val["scored"]["hire_date"].min() > p["cutoff"] and val["scored"].height == 23
    a = val["attainment"]
    # the cut is never after the pass model's; fitted hires before it, tested after
    assert a["cutoff"] <= p["cutoff"] and a["train_last_hire"] <= a["cutoff"] < a["test_first_hire"]
    fixed = hp.validate(rows, cutoff=D(2021, 12, 31))
    assert fixed["passed"]["n_train"] == 24 and fixed["passed"]["test_first_hire"] == D(2022, 1, 10)


def test_protected_characteristics_never_reach_a_model(tmp_path: Path):
    scores = []
    for gender, birth in (("F", 1995), ("M", 1960)):
        db = open_db(tmp_path / f"p{gender}.duckdb", frames(gender, birth), as_of=AS_OF)
        try:
            rows, protected = hp.load(db, full_access(), AS_OF)
            assert not set(rows.columns) & set(hp.PROTECTED) and {"gender", "birth_year"} <= set(protected.columns)
            res = hp.profile(rows, "sales_rep", boot=5)
            assert not {n.split("=")[0] for n in res["spec"].names} & set(hp.PROTECTED)
            scores.append((res["open"]["fit_score"].to_list(), res["validation"]["scored"]["fit_score"].to_list()))
        finally:
            db.close()
    assert scores[0] == scores[1]
    bad = hp.Design(("assessment_score", "gender"), {}, {}, {}, {}, {})
    with pytest.raises(AssertionError):
        hp.design(pl.DataFrame({"assessment_score": [1.0], "gender": ["F"]}), bad)


def _bias_inputs() -> tuple[pl.DataFrame, pl.DataFrame]:
    """22 later hires with fit scores 100, 99, … 79: picks are the first 11. Picks: 5 women, 5 men, 1 not recorded;
    others: 6 women, 5 men. Each group's first hire fails, the rest pass. Ages at hire 30, except two under 25."""
    genders = ["F"] * 5 + ["M"] * 5 + [None] + ["F"] * 6 + ["M"] * 5
    seen: set[tuple[bool, str | None]] = set()
    passed = []
    for i, g in enumerate(genders):
        key = (i < 11, g)
        passed.append(key in seen)
        seen.add(key)
    ids = list(range(1, 23))
    scored = pl.DataFrame({"application_id": ids, "fit_score": [100.0 - i for i in range(22)], "passed": passed})
    protected = pl.DataFrame({"application_id": ids, "hire_date": [D(2024, 3, 1)] * 22, "gender": genders,
                              "birth_year": [1994] * 20 + [2002, 2002]})
    return scored, protected


def test_bias_check_counts_by_hand():
    scored, protected = _bias_inputs()
    wide = report.bias_wide(report._bias(scored, protected, full_access()))
    gender = {r["group"]: r for r in wide.filter(pl.col("dimension") == "gender").iter_rows(named=True)}
    assert (gender["female"]["picks_hires"], gender["female"]["picks_pass_rate"]) == (5, pytest.approx(4 / 5))
    assert (gender["male"]["picks_hires"], gender["male"]["picks_pass_rate"]) == (5, pytest.approx(4 / 5))
    assert (gender["unknown"]["picks_hires"], gender["unknown"]["picks_pass_rate"]) == (1, 0.0)
    assert (gender["female"]["others_hires"], gender["female"]["others_pass_rate"]) == (6, pytest.approx(5 / 6))
    age = {r["group"]: r for r in wide.filter(pl.col("dimension") == "age_band").iter_rows(named=True)}
    assert (age["25_34"]["picks_hires"], age["25_34"]["others_hires"], age["lt25"]["others_hires"]) == (11, 9, 2)
    assert age["lt25"]["picks_hires"] is None        # no young pick: no row for them among the picks


def test_bias_check_masks_small_groups_for_an_aggregate_viewer():
    scored, protected = _bias_inputs()
    masked = report._bias(scored, protected, ANALYST)
    picks = masked.filter((pl.col("dimension") == "gender") & (pl.col("selection") == "picks"))
    hidden = set(picks.filter(pl.col("masked"))["group"])
    # the one not recorded is under 5: masked, and so is one more group (a complement), the smaller first: female
    assert hidden == {"unknown", "female"}
    assert picks.filter(pl.col("masked"))["hires"].null_count() == 2
    young = masked.filter(pl.col("group") == "lt25")
    assert young["masked"].all() and young["pass_rate"].null_count() == young.height
    assert not report._bias(scored, protected, full_access())["masked"].any()


def test_an_aggregate_viewer_gets_no_application_list(profile_db):
    res = report.success_profile(profile_db, ANALYST, AS_OF, "sales_rep")
    assert res["open"].is_empty() and res["open_count"] == 3
    hr = report.success_profile(profile_db, full_access(), AS_OF, "sales_rep")
    assert hr["open"]["application_id"].to_list() == [201, 202, 203]
    assert report.roles(profile_db, ANALYST, AS_OF) == ["sales_rep"]


def test_effect_words():
    row = {"outcome": "passed", "trait": "assessment_score", "level": None, "reference": None, "sd": 11.0,
           "effect": 1.8, "effect_low": 1.2, "effect_high": 2.6}
    assert report.effect_words(row, "en") == \
        "+1 SD on the sales aptitude test (11.0 points): 1.80× the odds of passing probation"
    assert report.interval_text(row, "zh") == "1.20倍 至 2.60倍"
    level = {**row, "outcome": "attainment", "trait": "hire_source", "level": "referral", "reference": "job_board",
             "effect": 0.05}
    assert report.effect_words(level, "en").startswith("Channel: Referral: +5.0% attainment in months 4–12")


TRAITS = ("Application ID,Years of experience,Same industry,Education,Assessment,Interview\n"
          "101,3,yes,bachelor,72,3.5\n102,1.5,no,master,140,4\n103,6,yes,secondary,55,2.5\n")


def test_importing_candidate_traits_names_the_bad_row(tmp_path: Path, capsys):
    base = frames()
    path = tmp_path / "import.duckdb"
    open_db(path, {k: base[k] for k in ("org_units", "roles", "employees", "assignments", "requisitions",
                                        "applications")}).close()
    file = tmp_path / "traits.csv"
    file.write_text(TRAITS, encoding="utf-8")
    issues = tmp_path / "issues.csv"
    code = main(["import", "--quiet", "--db", str(path), "--table", "application_traits", "--file", str(file),
                 "--report", str(issues)])
    out = capsys.readouterr().out
    assert code == 1 and "nothing was written" in out
    rows = list(csv.DictReader(io.StringIO(issues.read_bytes().decode("utf-8-sig"))))
    assert [(r["file"], r["row"], r["column"]) for r in rows] == [("traits.csv", "3", "assessment_score")]
    file.write_text(TRAITS.replace(",140,", ",64,"), encoding="utf-8")
    code = main(["import", "--quiet", "--db", str(path), "--table", "application_traits", "--file", str(file)])
    assert code == 0
    from analytics.core.db import Database
    db = Database(path, read_only=True)
    try:
        loaded = db.sql("select * from application_traits order by application_id")
    finally:
        db.close()
    assert loaded["assessment_score"].to_list() == [72.0, 64.0, 55.0]
    assert loaded["same_industry"].to_list() == [True, False, True]
    assert loaded["education"].to_list() == ["bachelor", "master", "secondary"]


def test_the_verdict_needs_the_interval_clear_of_chance():
    good = {"roc_auc": 0.70, "roc_auc_low": 0.56, "n_test": 30}
    assert hp.strength("passed", good) == "useful"
    assert hp.strength("passed", {**good, "roc_auc_low": 0.48}) == "weak"   # 0.70, but the interval reaches 0.5
    assert hp.strength("passed", {**good, "roc_auc": 0.52}) == "none"
    assert hp.strength("passed", {**good, "n_test": 19}) == "too_few"
    assert hp.strength("attainment", {"spearman": 0.37, "spearman_low": -0.08, "n_test": 20}) == "weak"
    assert hp.strength("attainment", {"spearman": 0.10, "spearman_low": -0.3, "n_test": 40}) == "none"
    text = report.validation_text("attainment", {"strength": "too_few", "n_train": 16, "n_test": 9}, "en")
    assert text == ("Attainment, months 4–12: too few hires on one side of the cut to fit and check a model (16 "
                    "earlier, 9 later). Too few later hires to check it: do not rely on it yet.")


def test_the_demo_company_planted_traits_are_recovered(demo_db_path: Path):
    """tables_hiring_traits.py plants the aptitude test and the same industry on probation and attainment, and
    nothing on education: the sales reps' profile finds the first two and leaves education unclear for passing."""
    from analytics.core.db import Database
    from analytics.metrics.engine import as_of_date

    db = Database(demo_db_path, read_only=True)
    try:
        res = report.success_profile(db, full_access(), as_of_date(db), "sales_rep")
    finally:
        db.close()
    passed = {r["feature"]: r for r in res["profile"].filter(pl.col("outcome") == "passed").iter_rows(named=True)}
    assert passed["assessment_score"]["direction"] == passed["same_industry"]["direction"] == "up"
    assert passed["assessment_score"]["effect_low"] > 1
    assert {passed[f]["direction"] for f in passed if f.startswith("education=")} == {"unclear"}
    attainment = res["profile"].filter((pl.col("outcome") == "attainment") & (pl.col("feature") == "assessment_score"))
    assert attainment["direction"].to_list() == ["up"]
    assert res["validation"]["passed"]["strength"] == "useful"
    assert res["validation"]["passed"]["test_first_hire"] > res["validation"]["passed"]["cutoff"]
    # out of time, the profile beats the hiring channel alone (the same model on the channel, the same later hires):
    # the paired interval of its gain in ROC AUC is above zero
    check = res["validation"]["passed"]
    assert check["roc_auc"] > check["roc_auc_channel"] and check["roc_auc_gain_low"] > 0, check


def test_the_channel_baseline_reads_the_channel_only(profile_db):
    """The baseline is the same model on the hiring channel alone: two hires of one channel get one prediction
    whatever their other traits, and that prediction is the channel's own pass rate (up to the model's slight
    shrinkage: 30 hires a channel)."""
    rows = hp.prepare(hp.load(profile_db, full_access(), AS_OF)[0], "sales_rep")
    hires = rows.filter((pl.col("kind") == "hire") & pl.col("passed").is_not_null())
    spec = hp.fit_design(hires)
    assert any(n.startswith("hire_source=") for n in spec.names), "the fixture should have several channels"
    scored = hires.with_columns(p=pl.Series(hp.channel_only(hires, hires, "passed", spec)))
    per = scored.group_by("hire_source").agg(pl.col("p").n_unique().alias("values"), pl.col("p").first(),
                                             rate=pl.col("passed").cast(pl.Float64).mean()).sort("rate")
    assert per["values"].to_list() == [1] * per.height
    assert ((per["p"] - per["rate"]).abs() < 0.01).all(), per


def test_an_input_few_hires_have_shows_no_effect_to_an_aggregate_viewer():
    table = pl.DataFrame({"outcome": ["passed"] * 4,
                          "feature": ["assessment_score", "hire_source=internal", "same_industry", "education=master"],
                          "effect": [2.0, 0.5, 1.5, 1.1], "effect_low": [1.5, 0.2, 1.1, 0.7],
                          "effect_high": [3.0, 0.9, 2.0, 1.6], "weight": [0.69, -0.69, 0.41, 0.1],
                          "n": [60] * 4, "with_trait": [60, 4, 55, 12]})
    # internal: 4 hires have it; same industry: 5 lack it (60 − 55) — both under 10; master: 12 and 48
    shown = report._mask_profile(table, ANALYST)
    assert shown["effect"].to_list() == [2.0, None, None, 1.1]
    assert shown["with_trait"].to_list() == [60, None, None, 12]
    assert report._mask_profile(table, full_access()).equals(table)
    masked_row = {"outcome": "passed", "trait": "hire_source", "level": "internal", "reference": "job_board",
                  "sd": None, "effect": None, "effect_low": None, "effect_high": None}
    assert report.effect_words(masked_row, "zh") == report.interval_text(masked_row, "zh") == "—"
