"""The improvement-plans page under AppTest: its cards are the pipelines' numbers, a plan is opened from the coaching
list in one click and shows among the open plans (audited, no new data version), aggregate viewers see the masked
outcomes and no names, and nothing is raw in either language."""
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
from analytics.people import improvement_report as improvement
from tests.app.conftest import open_signed_in
from tests.app.test_raw_text import problems, visible


def _open(user: str = "demo.hr", lang: str = "en") -> AppTest:
    return open_signed_in("plans.py", user, lang)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_page_in_both_languages_shows_the_pipelines_numbers(app_db: Path, lang: str):
    at = _open(lang=lang)
    assert not problems(visible(at, "plans.py", lang), lang, str(app_db))
    db = Database(app_db)
    try:
        out = improvement.outcomes(db, viewer_for(db, "demo.hr"), as_of_date(db))
    finally:
        db.close()
    open_plans = out.filter(pl.col("is_open"))
    assert at.metric[0].value == fmt_number(open_plans.height, "count", lang)
    assert at.metric[1].value == fmt_number(open_plans["overdue"].sum(), "count", lang)
    decided = out.filter(pl.col("outcome") != "pending")
    assert at.metric[2].value == fmt_number((decided["outcome"] == "recovered").mean(), "ratio", lang)


def test_a_plan_opened_from_the_coaching_list(app_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    own = tmp_path / "plans.duckdb"
    shutil.copy(app_db, own)
    monkeypatch.setenv("TANDEM_DB", str(own))
    at = _open()
    who = at.selectbox(key="plans_who").value
    assert who is not None
    db = Database(own)
    version, before = db.data_version, db.scalar("select count(*) from improvement_plans")
    next(b for b in at.button if b.proto.is_form_submitter).click().run()  # the one click: defaults as offered
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    row = db.sql("select employee_id, cause, action_training, opened_by from improvement_plans "
                 "order by plan_id desc limit 1").row(0, named=True)
    assert db.scalar("select count(*) from improvement_plans") == before + 1
    assert row == {"employee_id": who, "cause": "skills", "action_training": True, "opened_by": "demo.hr"}
    assert db.data_version == version  # not a fact
    name = db.scalar("select name from employees where employee_id = $e", e=who)
    db.close()
    open_table = next(d.value for d in at.dataframe if "Opened" in d.value.columns)
    assert name in list(open_table["Name"])


def test_aggregate_viewers_see_outcomes_without_names(app_db: Path):
    at = _open("demo.analyst")
    assert any("aggregate" in i.value for i in at.info)
    assert not at.metric[:2] or "Open plans" not in [m.label for m in at.metric]
    db = Database(app_db)
    try:
        names = set(db.sql("select e.name from improvement_plans p join employees e using (employee_id)")["name"])
    finally:
        db.close()
    shown = {str(v) for d in at.dataframe for col in d.value.columns for v in d.value[col]}
    assert not names & shown
