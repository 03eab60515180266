"""AppTest, issue 21 (joint KPIs and values): the Quota page's Leads section, the scorecard's values and veto, the
9-box's capped position — in both languages, each value checked against the analytics it comes from."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from analytics.core.access import full_access
from analytics.core.db import Database
from analytics.core.i18n import code_label, fmt_number, t
from analytics.core.periods import parse_period
from analytics.core.registry import get_metric
from analytics.metrics.engine import as_of_date
from analytics.metrics.figure import headline
from analytics.people import talent_report
from analytics.sales import leads_report, scorecard
from tests.app.conftest import sign_in
from tests.app.test_pages import APP, TIMEOUT


def open_page(page: str, lang: str, user: str = "demo.hr") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at, user)
    at.run()
    if lang == "zh":
        at.radio(key="lang").set_value("zh").run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _card(at: AppTest, metric_id: str, lang: str):
    name = get_metric(metric_id).name(lang)
    return next(m for m in at.metric if m.label.startswith(name))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_quota_page_leads_section_names_both_owners_and_follows_the_period(app_db: Path, lang: str):
    at = open_page("pages/quota.py", lang)
    db = Database(app_db)
    as_of = as_of_date(db)
    assert any(t("lead.owners", lang, sales=t("lead.owner_sales", lang), marketing=t("lead.owner_marketing", lang))
               in c.value for c in at.caption)
    for quarter in (at.selectbox(key="period_quarter").value, "2025-Q2"):
        at.selectbox(key="period_quarter").set_value(quarter).run()
        assert not at.exception
        fig = headline(db, full_access(), "lead_conversion", parse_period(quarter), as_of)
        assert _card(at, "lead_conversion", lang).value == fmt_number(fig.value, "ratio", lang)
        by_source = leads_report.leads_breakdown(db, full_access(), parse_period(quarter), as_of, "source", lang)
        shown = next(d.value for d in at.dataframe if t("lead.leads", lang) in d.value.columns
                     and code_label("lead_source", "web", lang) in set(d.value[t("col.group", lang)]))
        web = by_source.filter(pl.col("source") == "web").row(0, named=True)
        row = shown[shown[t("col.group", lang)] == code_label("lead_source", "web", lang)].iloc[0]
        assert row[get_metric("lead_conversion").name(lang)] == fmt_number(web["conversion"], "ratio", lang)
        assert row[t("lead.leads", lang)] == fmt_number(web["leads"], "count", lang)
    # the marketing teams are named, never their ids
    shown_text = " ".join(" ".join(map(str, d.value.iloc[:, 0])) for d in at.dataframe)
    assert "mkt-" not in shown_text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_scorecard_shows_values_and_holds_vetoed_reps_out_of_the_top_20(app_db: Path, lang: str):
    at = open_page("pages/scorecard.py", lang)
    db = Database(app_db)
    period = parse_period(at.selectbox(key="period_quarter").value)
    card = scorecard.scorecard(db, full_access(), period, as_of_date(db))
    vetoed = card.filter(pl.col("vetoed"))
    assert vetoed.height > 0 and not vetoed["top_20"].any()
    assert any(t("values.rule", lang, cap=2) == c.value for c in at.caption)
    header = get_metric("values_score").name(lang)
    table = next(d.value for d in at.dataframe if header in d.value.columns)
    marked = table[table[t("values.veto", lang)] == t("values.veto_mark", lang)]
    assert len(marked) == vetoed.height and (marked[t("scorecard.top20", lang)] == "").all()
    first = card.row(0, named=True)
    assert table.iloc[0][header] == fmt_number(first["values_score"], "score", lang)
    why = next(d.value for d in at.dataframe if t("values.veto_reason", lang) in d.value.columns)
    assert set(why[t("values.veto_reason", lang)]) == set(vetoed["veto_reason"])
    assert any(t("values.hipo_rule", lang) in c.value for c in at.caption)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_nine_box_puts_vetoed_people_at_low_performance_and_marks_them(app_db: Path, lang: str):
    at = open_page("pages/talent.py", lang)
    db = Database(app_db)
    people = talent_report.nine_box(db, full_access(), as_of_date(db)).people
    vetoed = people.filter(pl.col("vetoed"))
    assert vetoed.height > 0 and (vetoed["performance"] == "low").all()
    assert any(t("values.box_vetoed", lang, n=fmt_number(vetoed.height, "count", lang)) == c.value for c in at.caption)
    name = "name_zh" if lang == "zh" else "name_en"
    box = vetoed.row(0, named=True)[name]
    at.selectbox(key="talent_box").set_value(box).run()
    assert not at.exception
    shown = next(d.value for d in at.dataframe if t("col.rating_effective", lang) in d.value.columns)
    flagged = shown[shown[t("col.rating_effective", lang)] != shown[t("col.rating", lang)]]
    assert len(flagged) >= 1 and (flagged[t("col.rating_effective", lang)] == fmt_number(2, "count", lang)).all()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_person_page_reviews_show_values_and_the_veto_with_its_reason(app_db: Path, lang: str):
    from tests.app.test_raw_text import problems, visible

    db = Database(app_db)
    as_of = as_of_date(db)
    row = db.sql("select r.employee_id, r.quarter, r.veto_reason from performance_reviews as r join employees as e "
                 "using (employee_id) where r.veto and e.termination_date is null and r.review_date <= $d "
                 "order by r.review_date desc, r.employee_id limit 1", d=as_of).row(0, named=True)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at, "demo.hr")
    at.session_state["lang"] = lang
    at.query_params["person"] = str(row["employee_id"])
    at.run()
    at.switch_page("pages/person.py").run()
    assert not at.exception and not at.error
    reviews = next(d.value for d in at.dataframe if get_metric("values_score").name(lang) in d.value.columns)
    marked = reviews[reviews[t("values.veto", lang)] == t("values.veto_mark", lang)]
    assert row["quarter"] in set(marked[t("person.col.quarter", lang)])
    assert any(row["veto_reason"] in c.value for c in at.caption)
    assert not problems(visible(at, "person.py", lang), lang, str(app_db))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_goals_page_names_both_owners_of_the_lead_conversion_goal(app_db: Path, lang: str):
    at = open_page("pages/goals.py", lang)
    table = next(d.value for d in at.dataframe if t("goals.metric_col", lang) in d.value.columns)
    row = table[table[t("goals.metric_col", lang)] == get_metric("lead_conversion").name(lang)].iloc[0]
    owners = t("lead.owners", lang, sales=t("lead.owner_sales", lang), marketing=t("lead.owner_marketing", lang))
    assert owners in row[t("review.item_owner", lang)]
    assert code_label("owner", "sales_director", lang) in row[t("review.item_owner", lang)]
