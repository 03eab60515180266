"""The Hiring page's success profile under AppTest: the validation and the ranked open applications are the
report's, an aggregate viewer sees the profile and the bias check but no application list, a second role can be
picked, and nothing is raw in either language."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.core.auth import viewer_for
from analytics.core.db import Database
from analytics.core.i18n import fmt_number, t
from analytics.metrics.engine import as_of_date
from analytics.people import hiring_profile_report
from tests.app.conftest import open_signed_in
from tests.app.test_raw_text import problems, visible


def _report(db_path: Path, user: str, role: str) -> dict:
    db = Database(db_path)
    try:
        return hiring_profile_report.success_profile(db, viewer_for(db, user), as_of_date(db), role)
    finally:
        db.close()


def _texts(at: AppTest) -> list[str]:
    return [e.value for e in (*at.caption, *at.success, *at.warning, *at.info)]


def _frame(at: AppTest, header: str):
    return next(d.value for d in at.dataframe if header in d.value.columns)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("user", ["demo.hr", "demo.analyst"])
def test_the_tab_in_both_languages_for_a_person_level_and_an_aggregate_viewer(app_db: Path, user: str, lang: str):
    at = open_signed_in("hiring.py", user, lang)
    assert not problems(visible(at, "hiring.py", lang), lang, str(app_db))
    role = at.selectbox(key="profile_role").value
    res = _report(app_db, user, role)
    auc = res["validation"]["passed"]["roc_auc"]
    assert auc is not None, "the demo company should have later hires to check the pass model on"
    assert any(fmt_number(auc, "score", lang) in text and t("profile.strength.useful", lang) in text
               for text in _texts(at) if "ROC AUC" in text)
    bias = _frame(at, t("profile.col.picks_pass_rate", lang))
    assert len(bias) == hiring_profile_report.bias_wide(res["bias"]).height
    applications = [d for d in at.dataframe if t("profile.col.fit_score", lang) in d.value.columns]
    if user == "demo.hr":
        listed = applications[0].value
        assert listed[t("profile.col.application_id", lang)].to_list()[:5] == \
            [str(a) for a in res["open"]["application_id"].head(5).to_list()]
        assert listed[t("profile.col.fit_score", lang)].to_list()[0] == fmt_number(res["open"]["fit_score"][0],
                                                                                    "decimal", lang)
    else:
        assert applications == [] and res["open"].is_empty() and res["open_count"] > 0
        assert t("profile.open_aggregate", lang, n=fmt_number(res["open_count"], "count", lang)) in _texts(at)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_picking_another_role_shows_its_profile(app_db: Path, lang: str):
    at = open_signed_in("hiring.py", "demo.hr", lang)
    picker = at.selectbox(key="profile_role")
    assert len(picker.options) >= 2, "the demo company should have profiles for two roles"
    effect = t("profile.col.effect", lang)
    first = _frame(at, t("profile.col.words", lang))[effect].to_list()
    picker.select_index(1).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not problems(visible(at, "hiring.py", lang), lang, str(app_db))
    second_role = at.selectbox(key="profile_role").value
    res = _report(app_db, "demo.hr", second_role)
    shown = _frame(at, t("profile.col.words", lang))
    assert shown[effect].to_list() == [hiring_profile_report.effect_text(r, lang) for r in res["profile"].to_dicts()]
    assert shown[effect].to_list() != first
    # the second role's checks are as the report words them, weak or too few said so
    for outcome in ("passed", "attainment"):
        text = hiring_profile_report.validation_text(outcome, res["validation"][outcome], lang)
        assert text in _texts(at)
