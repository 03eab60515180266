"""The Care page under AppTest: its cards and list are care_report's, an action recorded through the form shows in
the list (audited, no new data version), a director sees no referral by name, an aggregate viewer sees counts only,
and nothing is raw in either language."""
from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from analytics.core.auth import viewer_for
from analytics.core.db import Database
from analytics.core.i18n import fmt_number
from analytics.metrics.engine import as_of_date
from analytics.people import care_report
from tests.app.conftest import open_signed_in
from tests.app.test_raw_text import problems, visible


def _open(user: str = "demo.hr", lang: str = "en") -> AppTest:
    return open_signed_in("care.py", user, lang)


def _listed(db_path: Path, user: str) -> pl.DataFrame:
    db = Database(db_path)
    try:
        return care_report.attach_actions(db, care_report.signal_list(db, viewer_for(db, user), as_of_date(db)))
    finally:
        db.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_page_in_both_languages_shows_the_reports_numbers(app_db: Path, lang: str):
    at = _open(lang=lang)
    assert not problems(visible(at, "care.py", lang), lang, str(app_db))
    head = care_report.headline(_listed(app_db, "demo.hr"))
    assert head["signals_on"] > 0, "the demo company should have care signals on"
    assert [m.value for m in at.metric[:3]] == [fmt_number(head[k], "count", lang)
                                                for k in ("people_on", "signals_on", "handled")]


def test_an_action_recorded_through_the_form(app_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    own = tmp_path / "care.duckdb"
    shutil.copy(app_db, own)
    monkeypatch.setenv("TANDEM_DB", str(own))
    at = _open()
    first = _listed(own, "demo.hr").row(0, named=True)
    db = Database(own)
    version, before = db.data_version, db.scalar("select count(*) from care_actions")
    db.close()
    at.selectbox(key="care_action").set_value("workload")
    at.text_input(key="care_note").input("moved two accounts")
    next(b for b in at.button if b.proto.is_form_submitter).click().run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    db = Database(own)
    try:
        row = db.sql("select employee_id, rule_id, action, note, recorded_by from care_actions "
                     "order by action_id desc limit 1").row(0, named=True)
        assert db.scalar("select count(*) from care_actions") == before + 1
        assert db.data_version == version  # not a fact
        assert db.scalar("select count(*) from audit_log where action = 'care_action'") >= 1
    finally:
        db.close()
    assert row == {"employee_id": first["employee_id"], "rule_id": first["rule_id"], "action": "workload",
                   "note": "moved two accounts", "recorded_by": "demo.hr"}
    listed = next(d.value for d in at.dataframe if "What was done" in d.value.columns)
    assert any(text.startswith("Workload changed") for text in listed["What was done"])


def test_a_director_sees_no_referral_by_name(app_db: Path):
    hr = _listed(app_db, "demo.hr")
    director = _listed(app_db, "demo.director.east")
    assert "assistance_referral" not in set(director["rule_id"])
    at = _open("demo.director.east")
    listed = next(d.value for d in at.dataframe if "What was done" in d.value.columns)
    assert "Assistance referral" not in set(listed["Signal"])
    assert len(listed) == director.height and director.height < hr.height
    teams = next(d.value for d in at.dataframe if "With a signal" in d.value.columns)
    assert "Assistance referral" not in teams.columns  # not even counted per team


def test_an_aggregate_viewer_sees_counts_only(app_db: Path):
    at = _open("demo.analyst")
    assert any("person-level" in i.value for i in at.info)
    assert not at.metric
    names = set(_listed(app_db, "demo.hr")["name"])
    shown = " ".join(str(v) for d in at.dataframe for v in d.value.to_numpy().ravel())
    assert not [n for n in names if n in shown]
    link = next(d.value for d in at.dataframe if "How many times as often" in d.value.columns)
    assert len(link) == 6  # five rules and any signal
