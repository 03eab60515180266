"""The Admin page's green-channel panel under AppTest: the rules and channels of the file in force, a broken file
refused with its rule and key named (the file unchanged), a good one saved and audited, a channel tested through a
local receiver; and the served app's schedule step (evaluate on new data, else deliver due retries)."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from analytics.alerts import evaluate_report, rules
from analytics.core.db import Database
from analytics.core.i18n import t
from tests.analytics.alerts.servers import http_receiver
from tests.app.conftest import open_signed_in
from ui import alerts_clock


@pytest.fixture
def own(demo_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    db, toml = tmp_path / "admin.duckdb", tmp_path / "alerts.toml"
    shutil.copy(demo_db_path, db)
    shutil.copy(rules.CONFIG, toml)
    monkeypatch.setenv("TANDEM_DB", str(db))
    monkeypatch.setenv("TANDEM_ALERTS_FILE", str(toml))
    monkeypatch.delenv("TANDEM_WECOM_WEBHOOK", raising=False)
    monkeypatch.delenv("TANDEM_ALERT_EMAILS", raising=False)
    return db, toml


def _frame(at, n: int):
    return at.dataframe[n].value


def test_rules_are_shown_checked_and_saved(own):
    db_path, toml = own
    at = open_signed_in("admin.py", "demo.admin", "en")
    shown = _frame(at, 1)  # after the users table
    assert shown[t("alerts_admin.rule", "en")].tolist()[:2] == ["Key person at high flight risk",
                                                                "Key account owner leaving, no backup"]
    assert len(shown) == 8 and shown[t("alerts_admin.hours", "en")].tolist()[2] == "72"
    assert _frame(at, 2)[t("alerts_admin.state", "en")].tolist() == [t("alerts_admin.not_configured", "en")] * 2
    before = toml.read_text(encoding="utf-8")
    at.text_area(key="alerts_toml").set_value(before.replace('condition = "threshold"', 'condition = "above"'))
    at.button(key="alerts_save").click().run()
    shown_errors = [e.value.replace("\\", "") for e in at.error]  # shown as plain text (markdown escaped)
    assert "alerts.toml: rule 'region_attrition_high': condition = 'above' is not one of threshold" in shown_errors[0]
    assert toml.read_text(encoding="utf-8") == before  # nothing saved
    at.text_area(key="alerts_toml").set_value(before.replace("above = 0.35", "above = 0.30"))
    at.button(key="alerts_save").click().run()
    assert [s.value for s in at.success if s.value == t("alerts_admin.saved", "en", n=8)]
    assert rules.load().rule("region_attrition_high").above == 0.30
    db = Database(db_path)
    try:
        assert db.scalar("select count(*) from audit_log where action = 'alert_rules_saved'") == 1
    finally:
        db.close()


def test_a_channel_is_tested_from_the_page(own, monkeypatch):
    with http_receiver() as srv:
        monkeypatch.setenv("TANDEM_WECOM_WEBHOOK", f"{srv.url}/cgi-bin/webhook/send?key=k")
        at = open_signed_in("admin.py", "demo.admin", "zh")
        at.selectbox(key="alerts_test_pick").set_value("sales-hr-group")
        at.button(key="alerts_test").click().run()
        group = "销售与人力资源群（企业微信）"  # the channel's title in Chinese, from the file
        assert [s.value for s in at.success if s.value == t("alerts_admin.test_ok", "zh", name=group)]
        assert "测试消息" in srv.requests[0][2]["markdown"]["content"]
        srv.reply = lambda path, body: (500, b"down")
        at.button(key="alerts_test").click().run()
        assert [e.value for e in at.error if "HTTP 500" in e.value]


def test_the_schedule_evaluates_new_data_then_only_delivers(own, monkeypatch):
    db = Database(own[0])
    try:
        now = dt.datetime(2026, 1, 2, 8, 0)
        assert alerts_clock.tick(db, None, now) == now  # never evaluated: evaluate
        assert evaluate_report.evaluated_token(db) == db.data_token
        calls = []
        monkeypatch.setattr(evaluate_report, "run", lambda *a, **k: calls.append(k))
        later = now + dt.timedelta(minutes=5)
        assert alerts_clock.tick(db, now, later) == now and calls == []  # same data, inside the interval
        every = rules.load().evaluate_every_minutes
        assert alerts_clock.tick(db, now, now + dt.timedelta(minutes=every)) == now + dt.timedelta(minutes=every)
        with db.transaction() as cur:  # a data change: evaluated at the next tick whatever the interval
            cur.execute("update meta set value = value where key = 'as_of'")
        assert alerts_clock.tick(db, later, later + dt.timedelta(seconds=30)) == later + dt.timedelta(seconds=30)
        assert len(calls) == 2
    finally:
        db.close()
    monkeypatch.setattr(alerts_clock, "SERVING", False)
    assert not alerts_clock.enabled()  # never under AppTest or the command line
    monkeypatch.setattr(alerts_clock, "SERVING", True)
    monkeypatch.setenv("TANDEM_ALERTS_SCHEDULE", "0")
    assert not alerts_clock.enabled()
