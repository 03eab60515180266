"""The person page (成长档案) under AppTest: opened by its address for someone in scope, in both languages, with
every section drawn and nothing raw; refused for someone outside the scope and for aggregate-only viewers; the
development plan edited on the page; the same figures as the archive computes."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from analytics.core.access import full_access
from analytics.core.auth import viewer_for
from analytics.core.db import Database
from analytics.core.i18n import fmt_number, t
from analytics.metrics.engine import as_of_date
from analytics.people import archive_report, risk_store
from tests.app.conftest import sign_in
from tests.app.test_pages import APP, TIMEOUT
from tests.app.test_raw_text import problems, visible


def _person(db_path: Path, region: str | None = None, with_aim: bool = True) -> tuple[int, str]:
    """A sales rep with a career aim (the demo's high potentials), in ``region`` when given."""
    db = Database(db_path)
    try:
        as_of = as_of_date(db)
        risk_store.current_model(db, as_of)  # the data version's flight-risk model, as the demo build leaves it
        people = archive_report.directory(db, full_access(), as_of).filter(pl.col("termination_date").is_null())
        if region:
            people = people.filter(pl.col("region_id") == region)
        if with_aim:
            aims = db.sql("select employee_id from career_aims")
            people = people.join(aims, on="employee_id", how="semi")
        row = people.sort("employee_id").row(0, named=True)
        return row["employee_id"], row["name"]
    finally:
        db.close()


def _open(employee_id: int | None, user: str = "demo.hr", lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at, user)
    at.session_state["lang"] = lang
    if employee_id is not None:
        at.query_params["person"] = str(employee_id)
    at.run()
    at.switch_page("pages/person.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_person_page_in_both_languages(app_db: Path, lang: str):
    employee_id, name = _person(app_db)
    at = _open(employee_id, lang=lang)
    assert at.title[0].value == ("成长档案" if lang == "zh" else "Growth archive")
    assert at.subheader[0].value == name
    texts = " ".join(str(m.value) for m in at.markdown)
    for key in ("results", "ramp", "skills", "reviews", "training", "risk", "workload"):
        assert t(f"person.{key}", lang) in texts, key
    assert len(at.dataframe) >= 4  # the timeline, reviews, training, the plan's items
    drives = t("person.risk_now", lang, p="", date="").split("{")[0][-6:]  # "What drives it:" / "主要因素："
    assert any(drives in c.value for c in at.caption), "the flight risk with its drivers"
    assert not problems(visible(at, "person.py", lang), lang, str(app_db))


def test_the_page_shows_the_archives_numbers(app_db: Path):
    employee_id, _ = _person(app_db)
    at = _open(employee_id)
    db = Database(app_db)
    try:
        arch = archive_report.archive(db, viewer_for(db, "demo.hr"), employee_id, as_of_date(db))
    finally:
        db.close()
    reviews = next(d.value for d in at.dataframe if "Rating (1–5)" in d.value.columns)
    assert list(reviews["Quarter"]) == arch.reviews.sort("review_date", descending=True)["quarter"].to_list()
    assert list(reviews["Rating (1–5)"]) == [fmt_number(r, "count") for r in
                                             arch.reviews.sort("review_date", descending=True)["rating"].to_list()]


def test_outside_the_scope_and_aggregate_viewers_see_no_one(app_db: Path):
    north, _ = _person(app_db, region="north", with_aim=False)
    at = _open(north, user="demo.director.east")
    assert any("not in your scope" in w.value for w in at.warning)
    assert not at.subheader  # nobody shown
    east, name = _person(app_db, region="east", with_aim=False)
    at = _open(east, user="demo.director.east")
    assert at.subheader[0].value == name
    with pytest.raises(ValueError):  # not in the analyst's menu at all
        _open(east, user="demo.analyst")


def test_the_development_plan_is_edited_on_the_page(app_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import shutil

    own = tmp_path / "plan.duckdb"
    shutil.copy(app_db, own)
    monkeypatch.setenv("TANDEM_DB", str(own))
    employee_id, _ = _person(own)
    at = _open(employee_id)
    key = f"plan_{employee_id}"
    before = at.dataframe[-1].value.shape[0]
    at.text_input(key=f"{key}_text").input("Shadow a key-account visit")
    next(b for b in at.button if b.proto.is_form_submitter and b.label == "Add to the plan").click().run()
    assert not at.exception, [e.value for e in at.exception]
    items = at.dataframe[-1].value
    assert items.shape[0] == before + 1 and "Shadow a key-account visit" in list(items["Item"])
    db = Database(own)
    try:
        added = db.sql("select item_id, status, created_by from development_items where text = "
                       "'Shadow a key-account visit'").row(0, named=True)
    finally:
        db.close()
    assert added["status"] == "open" and added["created_by"] == "demo.hr"
    at.selectbox(key=f"{key}_pick").set_value(added["item_id"])
    at.selectbox(key=f"{key}_status").set_value("done")
    at.button(key=f"{key}_update").click().run()
    assert not at.exception
    row = at.dataframe[-1].value
    assert row[row["Item"] == "Shadow a key-account visit"]["Status"].iloc[0] == "Done"


def test_someone_who_left_long_ago_opens_from_an_old_list(app_db: Path):
    """A leaver of years ago is not in the picker's list (people in scope, and the year's leavers), but a link from
    an old period's list opens them: the page holds anyone the scope held on their last day."""
    db = Database(app_db)
    try:
        as_of = as_of_date(db)
        old = db.sql("select employee_id, name from employees where termination_date < $d order by termination_date "
                     "limit 1", d=as_of.replace(year=as_of.year - 2)).row(0, named=True)
    finally:
        db.close()
    at = _open(old["employee_id"])
    assert at.subheader[0].value == old["name"]
    assert any("Left on" in i.value for i in at.info)
