"""The review pages as a meeting runs them: a save shows at once under Open with its owner and scope and cannot
be doubled, "freeze again" is deliberate, action items are added and closed in the live review, a director
sees only their scope's reviews, and the demo's seeded meeting opens with its numbers."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.core import auth
from analytics.core.db import Database
from analytics.reviews import store as reviews
from tests.app.conftest import sign_in
from tests.app.test_pages import APP, TIMEOUT

PAGE = "pages/review_monthly.py"


@pytest.fixture
def own_db(demo_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo company for this test alone (these tests write meetings)."""
    path = tmp_path / "meetings.duckdb"
    shutil.copy(demo_db_path, path)
    monkeypatch.setenv("TANDEM_DB", str(path))
    return path


def _open(user: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at, user)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _options(at: AppTest) -> list[str]:
    return list(at.selectbox(key="review_open_monthly").options)


def _live_period(db: Database, user: str) -> tuple[str, str]:
    """(period, scope key) of the live monthly review the page shows, from the meeting it saved or opened."""
    row = db.sql("select period, scope from reviews where kind = 'monthly' and created_by = $u "
                 "order by review_id desc limit 1", u=user).row(0)
    return row[0], row[1]


def test_a_save_shows_at_once_with_owner_and_scope_and_is_never_doubled(own_db: Path):
    at = _open("demo.hr")
    options = _options(at)
    # the seeded meeting, frozen and credited to the demo company
    assert len(options) == 2 and "Whole company · frozen by the demo company (seeded)" in options[1]
    at.button(key="save_monthly").click().run()
    assert not at.exception, at.exception
    options = _options(at)
    assert len(options) == 3, options  # at once, without another rerun
    assert options[1].endswith("Whole company · frozen by demo.hr") and "#2" in options[1]
    assert any("Saved as review #2" in s.value for s in at.success)
    db = Database(own_db)
    before = db.scalar("select count(*) from reviews")
    # saved: the button is gone; "freeze again" waits for the tick
    assert not [b for b in at.button if b.key == "save_monthly"]
    assert at.button(key="refreeze_monthly").disabled
    at.checkbox(key="refreeze_ok_monthly").check().run()
    at.button(key="refreeze_monthly").click().run()
    assert not at.exception, at.exception
    assert db.scalar("select count(*) from reviews") == before
    assert db.scalar("select count(*) from audit_log where action = 'review_refreeze' and actor = 'demo.hr'") == 1
    assert len(_options(at)) == 3


def test_action_items_are_written_in_the_live_review_and_shown_as_plain_text(own_db: Path):
    at = _open("demo.director.east")
    text = "Call ![x](http://example.com/x.png) [back](http://example.com) **now**"
    at.text_input(key="item_text_monthly_live").input(text)
    at.text_input(key="item_owner_monthly_live").input("sales_director")
    at.button(key="item_add_monthly_live").click().run()
    assert not at.exception, at.exception
    db = Database(own_db)
    east = auth.viewer_for(db, "demo.director.east")
    period, _ = _live_period(db, "demo.director.east")
    meeting = reviews.find_meeting(db, "monthly", period, east.scope_key)
    assert meeting is not None and not meeting["frozen"]  # a meeting record: nothing frozen
    items = reviews.action_items(db, meeting["review_id"])
    assert items["text"].to_list() == [text]
    shown = [d.value for d in at.dataframe if "Action" in d.value.columns]
    assert shown and shown[-1]["Action"].tolist() == [text]  # a table cell: plain text
    assert not [m for m in at.markdown if "example.com" in m.value]  # never rendered as markdown
    # closed in the live review
    at.selectbox(key="item_pick_monthly_live").set_value(items["item_id"][0])
    at.selectbox(key="item_status_monthly_live").set_value("done")
    at.button(key="item_update_monthly_live").click().run()
    assert not at.exception, at.exception
    assert reviews.action_items(db, meeting["review_id"])["status"].to_list() == ["done"]
    # North's director does not see East's meeting or its items
    north = _open("demo.director.north")
    assert not [d for d in north.dataframe if text in d.value.to_string()]
    assert _options(north) == [_options(north)[0]]  # only the live review: no East or company review listed


def test_a_director_sees_only_their_scopes_reviews(own_db: Path):
    db = Database(own_db)
    hr = auth.viewer_for(db, "demo.hr")
    east = auth.viewer_for(db, "demo.director.east")
    from tests.analytics.reviews.test_meetings import _review

    reviews.save_review(db, _review(hr, "2025-10"), "demo.hr")
    mine = reviews.save_review(db, _review(east, "2025-10"), "demo.director.east")
    at = _open("demo.director.east")
    options = _options(at)
    assert len(options) == 2 and f"#{mine}" in options[1] and options[1].endswith("East · frozen by demo.director.east")
    boss = _open("demo.hr")
    assert len(_options(boss)) == 4  # the seeded meeting, the company's October and East's


def test_the_seeded_review_opens_with_its_numbers(own_db: Path):
    at = _open("demo.hr")
    at.selectbox(key="review_open_monthly").set_value(1).run()  # the seeded meeting
    assert not at.exception, at.exception
    titles = [s.value for s in at.subheader]
    assert "Sales against target" in titles and "Attrition and probation exits" in titles
    assert any(m.value.startswith("**Attainment ") for m in at.markdown)
    assert any("Frozen as of 2025-11-30 by the demo company (seeded)" in c.value for c in at.caption)
    assert any("为西北区全部新人配备导师" in d.value.to_string() for d in at.dataframe)
