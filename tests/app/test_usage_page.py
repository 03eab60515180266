"""Usage under AppTest: a page view is recorded once per visit (not per rerun), the feedback popover of every page
stores a note with its page and period in both languages, the Usage page shows the report's numbers for the admin
and the HR head in both languages with nothing raw (names for the admin only), a note is marked handled; and the
page list of the report is the menu's."""
from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.core.auth import viewer_for
from analytics.core.db import Database
from analytics.core.i18n import fmt_number, t
from analytics.core.page_catalogue import BY_SLUG, PAGES
from analytics.reviews import demo_usage, usage_report
from tests.app.conftest import sign_in
from tests.app.test_pages import APP, TIMEOUT
from tests.app.test_raw_text import problems, visible
from ui.usage import SCRIPT_SLUGS

ACCOUNTS = ("demo.hr", "demo.director.east", "demo.director.north", "demo.manager.east-01", "demo.analyst",
            "demo.admin")


@pytest.fixture
def fresh_db(demo_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo company with no use recorded yet."""
    path = tmp_path / "usage.duckdb"
    shutil.copy(demo_db_path, path)
    monkeypatch.setenv("TANDEM_DB", str(path))
    return path


@pytest.fixture(scope="module")
def used_db_path(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo company with its usage history played back up to now, as a demo build does."""
    path = tmp_path_factory.mktemp("usage") / "used.duckdb"
    shutil.copy(demo_db_path, path)
    db = Database(path)
    try:
        assert demo_usage.replay(db, 7) > 100
    finally:
        db.close()
    return path


@pytest.fixture
def used_db(used_db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TANDEM_DB", str(used_db_path))
    return used_db_path


def _views(path: Path) -> list[tuple[str, str, str]]:
    db = Database(path)
    try:
        rows = db.sql("select actor, target, json_extract_string(detail, '$.session') as s from audit_log "
                      "where action = 'page_view' order by event_id").rows()
    finally:
        db.close()
    return [tuple(r) for r in rows]


def _app(user: str, lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at, user)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_visit_is_one_page_view_and_a_rerun_is_none(fresh_db: Path):
    at = _app("demo.hr")
    assert [v[1] for v in _views(fresh_db)] == ["overview"]
    at.run()
    at.radio(key="lang").set_value("zh").run()  # a choice in the sidebar: the same page, no new visit
    assert [v[1] for v in _views(fresh_db)] == ["overview"]
    at.switch_page("pages/attrition.py").run()
    at.run()
    at.selectbox(key="grain").set_value("month").run()
    assert [v[1] for v in _views(fresh_db)] == ["overview", "attrition"]
    at.switch_page("pages/review_monthly.py").run()
    at.switch_page("pages/overview.py").run()  # back again: a new visit
    views = _views(fresh_db)
    assert [v[1] for v in views] == ["overview", "attrition", "monthly-review", "overview"]
    assert {v[0] for v in views} == {"demo.hr"} and len({v[2] for v in views}) == 1  # one session
    _app("demo.hr")  # another browser session of the same user: another session
    assert len({v[2] for v in _views(fresh_db)}) == 2


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_feedback_popover_stores_a_note_with_page_and_period(fresh_db: Path, lang: str):
    at = _app("demo.director.east", lang)
    at.switch_page("pages/quota.py").run()
    assert t("feedback.button", lang) in [p.proto.popover.label for p in at.get("popover")]
    period = at.selectbox(key=f"period_{at.selectbox(key='grain').value}").value
    note = "希望能按产品线看大客户签约额" if lang == "zh" else "Bookings of key accounts by product line, please"
    at.text_area(key="feedback_note").input(note)
    before = Database(fresh_db).data_version
    next(b for b in at.button if b.label == t("feedback.send", lang)).click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == [t("feedback.thanks", lang)]
    db = Database(fresh_db)
    try:
        row = db.sql("select * from feedback").row(0, named=True)
        audit = db.sql("select actor, target, detail from audit_log where action = 'feedback_add'").rows()
        version = db.data_version
    finally:
        db.close()
    assert (row["username"], row["roles"], row["page"], row["period"], row["grain"], row["lang"], row["note"],
            row["status"]) == ("demo.director.east", "sales_director", "quota", period, "quarter", lang, note, "open")
    assert len(audit) == 1 and audit[0][:2] == ("demo.director.east", "quota") and note not in audit[0][2]
    assert version == before  # a note is not a fact: no new data version


def test_an_empty_note_is_not_stored(fresh_db: Path):
    at = _app("demo.analyst")
    at.switch_page("pages/glossary.py").run()
    at.text_area(key="feedback_note").input("   ")
    next(b for b in at.button if b.label == t("feedback.send", "en")).click().run()
    assert [w.value for w in at.warning] == [t("feedback.empty", "en")]
    assert Database(fresh_db).scalar("select count(*) from feedback") == 0


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("user", ["demo.admin", "demo.hr"])
def test_the_usage_page_shows_the_report(used_db: Path, user: str, lang: str):
    at = _app(user, lang)
    at.switch_page("pages/usage.py").run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    assert at.title[0].value == t("usage.title", lang)
    found = problems(visible(at, "usage.py", lang), lang, str(used_db))
    assert not found, "\n".join(sorted(found))
    db = Database(used_db)
    try:
        quarter = usage_report.quarter_period(at.selectbox(key="usage_quarter").value, dt.date.today())
        report = usage_report.build(db, viewer_for(db, user), quarter, 10)
    finally:
        db.close()
    views = int(report.totals["page_views"].sum())
    assert views > 0
    assert at.metric[0].value == fmt_number(views, "count", lang)  # the visit above is in the report too
    cells = " ".join(str(v) for d in at.dataframe for col in d.value.columns for v in d.value[col].tolist())
    named = [a for a in ACCOUNTS if a in cells]
    most = usage_report.page_name(report.most_used["page"][0], lang)
    assert most in cells
    if user == "demo.admin":
        assert set(named) >= {"demo.hr", "demo.director.east", "demo.admin"}
        assert t("usage.feedback", lang) in [s.value for s in at.subheader]
    else:
        assert named == [] and t("usage.feedback", lang) not in [s.value for s in at.subheader]
        assert usage_report.role_name(usage_report.OTHER_ROLE, lang) in cells  # the demo's roles are all small


def test_an_admin_marks_a_note_handled(used_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    own = tmp_path / "notes.duckdb"
    shutil.copy(used_db_path, own)
    monkeypatch.setenv("TANDEM_DB", str(own))
    at = _app("demo.admin")
    at.switch_page("pages/usage.py").run()
    pick = at.selectbox(key="usage_note_pick")
    chosen = pick.value
    at.button(key="usage_note_mark").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == [t("usage.marked", "en")]
    db = Database(own)
    try:
        row = db.sql("select status, handled_by from feedback where feedback_id = $i", i=chosen).row(0)
        audited = db.sql("select actor, target from audit_log where action = 'feedback_handled'").rows()
    finally:
        db.close()
    assert row == ("handled", "demo.admin") and audited == [("demo.admin", str(chosen))]
    assert chosen not in at.selectbox(key="usage_note_pick").options  # handled notes are hidden by default


def test_the_report_ranks_the_menus_pages():
    """Every page app.py registers is in the catalogue under the same name key, and every page file is found by
    its name (a page run on its own under AppTest)."""
    source = (Path(APP)).read_text(encoding="utf-8")
    registered = re.findall(r'page\("pages/(\w+)\.py", "(nav\.\w+)", "[^"]+", "([\w-]+)"', source)
    assert len(registered) >= 20
    for stem, key, slug in registered:
        assert BY_SLUG[slug].nav_key == key
        assert SCRIPT_SLUGS.get(stem, stem.replace("_", "-")) == slug
    assert {p.slug for p in PAGES} == {slug for _, _, slug in registered}
