"""The usage report on a hand-made audit log: counts by month, role and page worked out by hand below."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from analytics.core import usage_log
from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.page_catalogue import REPORTED
from analytics.reviews import usage_report

T = dt.datetime


@pytest.fixture
def db(tmp_path: Path) -> Database:
    """An empty database with four users and one quarter (2026-Q3) of use, plus a view and an export around it.

    alice (HR head): session s0 on 30 Jun (before the quarter) opens the overview; an export at 02:00 on 1 Jul
    belongs to that view's page. Session s1 on 3 Jul: overview, attrition, overview again, an export. Session s2
    on 10 Aug: risk and an export. bob (director), s3 on 20 Jul: quota, overview; an export at 23:30, more than
    8 hours after his last view: no page. carl (admin and HR head), s4 on 1 Sep: admin, usage. dave (manager)
    exports from the command line on 2 Sep (no view at all)."""
    base = Database(tmp_path / "usage.duckdb")
    with base.transaction(bump=False) as cur:
        for user, role in (("alice", "hr_head"), ("bob", "sales_director"), ("carl", "admin"), ("carl", "hr_head"),
                           ("dave", "manager")):
            cur.execute("insert into user_roles values ($u, $r, 'company')", {"u": user, "r": role})

    def view(user: str, roles: list[str], page: str, session: str, at: T) -> None:
        assert usage_log.record_view(base, user, roles, page, session, at=at)

    def export(user: str, at: T) -> None:
        with base.transaction(bump=False) as cur:
            base.audit(cur, user, "export", target="chart x.png", at=at)

    view("alice", ["hr_head"], "overview", "s0", T(2026, 6, 30, 23))
    export("alice", T(2026, 7, 1, 2))
    for minute, page in ((0, "overview"), (5, "attrition"), (10, "overview")):
        view("alice", ["hr_head"], page, "s1", T(2026, 7, 3, 9, minute))
    export("alice", T(2026, 7, 3, 9, 12))
    view("alice", ["hr_head"], "risk", "s2", T(2026, 8, 10, 10))
    export("alice", T(2026, 8, 10, 10, 30))
    view("bob", ["sales_director"], "quota", "s3", T(2026, 7, 20, 14))
    view("bob", ["sales_director"], "overview", "s3", T(2026, 7, 20, 14, 10))
    export("bob", T(2026, 7, 20, 23, 30))
    view("carl", ["admin", "hr_head"], "admin", "s4", T(2026, 9, 1, 8))
    view("carl", ["admin", "hr_head"], "usage", "s4", T(2026, 9, 1, 8, 5))
    export("dave", T(2026, 9, 2, 11))
    with base.transaction(bump=False) as cur:  # a sign-in and another action are not page views or exports
        base.audit(cur, "alice", "login", at=T(2026, 7, 3, 8, 59))
        base.audit(cur, "alice", "goal_update", at=T(2026, 7, 3, 9, 1))
    yield base
    base.close()


ADMIN = Viewer(user="carl", fields=frozenset({"admin"}), roles=frozenset({"admin"}))
HR = Viewer(user="alice", roles=frozenset({"hr_head"}))
Q3 = usage_report.quarter_period("2026-Q3", dt.date(2026, 11, 30))


def _rows(frame: pl.DataFrame, *cols: str) -> list[tuple]:
    return [tuple(r) for r in frame.select(*cols).rows()]


def test_totals_per_month(db: Database):
    report = usage_report.build(db, ADMIN, Q3)
    assert _rows(report.totals, "month", "page_views", "exports", "sessions", "active_users") == [
        (dt.date(2026, 7, 1), 5, 3, 2, 2),   # views: alice 3 + bob 2; exports 1 Jul, 3 Jul, bob's; sessions s1, s3
        (dt.date(2026, 8, 1), 1, 1, 1, 1),
        (dt.date(2026, 9, 1), 2, 1, 1, 2),   # carl's two views; dave's export: two users
    ]


def test_by_role_for_an_admin(db: Database):
    report = usage_report.build(db, ADMIN, Q3)
    rows = _rows(report.by_role, "month", "role", "page_views", "exports", "sessions", "active_users")
    jul, sep = dt.date(2026, 7, 1), dt.date(2026, 9, 1)
    assert (jul, "hr_head", 3, 2, 1, 1) in rows
    assert (jul, "sales_director", 2, 1, 1, 1) in rows       # bob's late export: his roles now
    assert (sep, "admin", 2, 0, 1, 1) in rows and (sep, "hr_head", 2, 0, 1, 1) in rows  # carl counts under both
    assert (sep, "manager", 0, 1, 0, 1) in rows              # dave: an export without any view
    assert len(rows) == 6


def test_by_page_and_exports_follow_the_last_view(db: Database):
    report = usage_report.build(db, ADMIN, Q3)
    quarter = report.by_page.group_by("page").agg(pl.col("page_views").sum(), pl.col("exports").sum())
    got = {r[0]: (r[1], r[2]) for r in quarter.rows()}
    assert got == {"overview": (3, 2), "attrition": (1, 0), "risk": (1, 1), "quota": (1, 0), "admin": (1, 0),
                   "usage": (1, 0), usage_report.NO_PAGE: (0, 2)}


def test_most_and_least_used_pages_count_pages_never_opened(db: Database):
    report = usage_report.build(db, ADMIN, Q3)
    assert report.most_used["page"].to_list() == ["overview", "risk", "attrition", "quota", "usage"]
    assert set(report.ranking["page"]) == set(REPORTED) and usage_report.NO_PAGE not in report.ranking["page"]
    assert len(report.never_opened) == len(REPORTED) - 6
    assert "inbox" in report.never_opened and "glossary" in report.never_opened
    assert report.least_used["page_views"].to_list() == [0] * usage_report.TOP


def test_names_for_admins_only_and_small_roles_pooled(db: Database):
    admin = usage_report.build(db, ADMIN, Q3)
    assert _rows(admin.by_user, "username", "page_views", "exports", "sessions", "pages_opened") == [
        ("alice", 4, 3, 2, 3), ("bob", 2, 1, 1, 2), ("carl", 2, 0, 1, 2), ("dave", 0, 1, 0, 0)]
    hr = usage_report.build(db, HR, Q3, min_users=2)
    assert hr.by_user is None
    assert set(hr.by_role["role"]) == {"hr_head", usage_report.OTHER_ROLE}  # alice and carl; the rest pooled
    assert hr.pooled_roles == 3
    sep = hr.by_role.filter((pl.col("month") == dt.date(2026, 9, 1)) & (pl.col("role") == usage_report.OTHER_ROLE))
    assert _rows(sep, "page_views", "exports", "sessions", "active_users") == [(2, 1, 1, 2)]
    frames = [hr.totals, hr.by_role, hr.by_page, hr.ranking]
    assert not any(name in str(f.rows()) for f in frames for name in ("alice", "bob", "carl", "dave"))


def test_quarters_and_feedback(db: Database):
    assert [q.label for q in usage_report.quarters_with_use(db, dt.date(2026, 11, 30))] == [
        "2026-Q4", "2026-Q3", "2026-Q2"]
    with pytest.raises(ValueError, match="quarter"):
        usage_report.quarter_period("2026-07", dt.date(2026, 11, 30))
    new = usage_log.add_feedback(db, "bob", ["sales_director"], "quota", "x" * 5000, period="2025-Q4",
                                 grain="quarter", scope="east", lang="zh", at=T(2026, 8, 1, 9))
    assert usage_log.add_feedback(db, "bob", [], "quota", "   ", period=None, grain=None, scope=None, lang="en") is None
    note = usage_log.feedback_notes(db).row(0, named=True)
    assert (note["page"], note["period"], note["grain"], note["scope"], note["lang"], note["status"]) == (
        "quota", "2025-Q4", "quarter", "east", "zh", "open")
    assert len(note["note"]) == usage_log.NOTE_MAX
    assert usage_report.build(db, ADMIN, Q3).notes == 1
    audit = db.sql("select action, detail from audit_log where action like 'feedback%'")
    assert audit["action"].to_list() == ["feedback_add"] and "xxx" not in audit["detail"][0]  # the fact, not the text
    assert usage_log.set_handled(db, "carl", new) and not usage_log.set_handled(db, "carl", new)
    done = usage_log.feedback_notes(db).row(0, named=True)
    assert (done["status"], done["handled_by"]) == ("handled", "carl") and done["handled_at"] is not None
    assert db.data_version == 0  # bookkeeping: no data version bumped


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_quarterly_pdf_reads_back(db: Database, lang: str):
    import io

    from pypdf import PdfReader

    from analytics.reviews.usage_pdf import usage_pdf

    data = usage_pdf(usage_report.build(db, ADMIN, Q3, today=dt.date(2026, 11, 30)), lang, dt.date(2026, 11, 30))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    text = text.replace(" ", "").replace("\x00", "")  # Latin text in the CJK font reads back as UTF-16
    assert "2026-Q3" in text
    if lang == "zh":
        assert "使用情况报告" in text and "人力资源负责人" in text and "从未打开" in text and "2026年7月" in text
    else:
        assert "Usagereport" in text and "HRhead" in text and "Neveropened" in text
    assert "alice" in text  # the admin's report names users


def test_a_running_quarter_stops_at_this_month(db: Database):
    report = usage_report.build(db, ADMIN, Q3, today=dt.date(2026, 8, 15))
    assert report.totals["month"].to_list() == [dt.date(2026, 7, 1), dt.date(2026, 8, 1)]
