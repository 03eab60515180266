"""``python -m analytics alerts``: run, list, request, ack, resolve, test-channel and retry on a copy of the demo
company, as its users; refusals are one line with exit status 2, never a traceback."""
from __future__ import annotations

import re
import shutil

import pytest

from analytics.cli.main import main
from analytics.core.db import Database
from tests.analytics.alerts.servers import http_receiver


@pytest.fixture
def db_path(demo_db_path, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_path, path)
    return str(path)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["alerts", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_run_list_request_answer(db_path, capsys, monkeypatch):
    monkeypatch.delenv("TANDEM_WECOM_WEBHOOK", raising=False)
    monkeypatch.delenv("TANDEM_ALERT_EMAILS", raising=False)
    code, out, _ = run(capsys, "run", "--db", db_path, "--now", "2026-01-02T08:00")
    assert code == 0 and "region_attrition_high:" in out and "rep_under_target: 0 raised" in out  # starting point
    code, out, _ = run(capsys, "run", "--db", db_path, "--now", "2026-01-02T08:15")
    assert code == 0 and re.findall(r": (\d+) raised", out) == ["0"] * 7  # nothing raised twice

    code, out, err = run(capsys, "request", "--db", db_path, "--user", "demo.director.east", "--unit", "east-01",
                         "--kind", "people_short", "--people", "2", "--text", "Two reps for the metro bid")
    assert code == 0, err
    alert_id = re.search(r"alert (\d+)", out).group(1)

    code, out, err = run(capsys, "ack", alert_id, "--db", db_path, "--user", "demo.director.east")
    assert code == 2 and err.startswith("error: ") and "hr_head" in err and "Traceback" not in err
    code, _, err = run(capsys, "ack", alert_id, "--db", db_path)
    assert code == 2 and "give --user" in err
    code, _, err = run(capsys, "resolve", alert_id, "--db", db_path, "--user", "demo.hr")
    assert code == 2 and "1–500 characters" in err
    assert run(capsys, "ack", alert_id, "--db", db_path, "--user", "demo.hr")[0] == 0
    code, out, _ = run(capsys, "resolve", alert_id, "--db", db_path, "--user", "demo.hr", "--note", "Two from East-02")
    assert code == 0 and "resolved by demo.hr" in out

    code, out, _ = run(capsys, "list", "--db", db_path, "--status", "closed", "--format", "json", "--user", "demo.hr")
    assert code == 0 and f'"id": {alert_id}' in out and "answered in" in out
    code, out, _ = run(capsys, "list", "--db", db_path, "--user", "demo.analyst", "--status", "all")
    assert code == 0 and "Urgent request for East Team 1" in out and "Two reps" not in out  # no one's own words
    code, out, _ = run(capsys, "list", "--db", db_path, "--lang", "zh", "--user", "demo.hr")
    assert code == 0 and "离职率高于基准" in out

    db = Database(db_path)
    try:
        row = db.sql("select * from alerts where alert_id = $a", a=int(alert_id)).row(0, named=True)
        assert (row["acknowledged_by"], row["resolved_by"], row["resolution"]) == ("demo.hr", "demo.hr",
                                                                                  "Two from East-02")
    finally:
        db.close()


def test_test_channel_and_dead_letters(db_path, capsys, monkeypatch):
    monkeypatch.delenv("TANDEM_WECOM_WEBHOOK", raising=False)
    code, _, err = run(capsys, "test-channel", "sales-hr-group", "--db", db_path)
    assert code == 2 and "not configured: set TANDEM_WECOM_WEBHOOK" in err
    code, _, err = run(capsys, "test-channel", "nope", "--db", db_path)
    assert code == 2 and "no channel 'nope'" in err
    with http_receiver() as srv:
        monkeypatch.setenv("TANDEM_WECOM_WEBHOOK", f"{srv.url}/cgi-bin/webhook/send?key=k")
        code, out, _ = run(capsys, "test-channel", "sales-hr-group", "--db", db_path)
        assert code == 0 and "Test message sent to sales-hr-group" in out
        assert srv.requests[0][2]["markdown"]["content"].startswith("### Tandem：测试消息")
        srv.reply = lambda path, body: (403, b'{"errcode": 93000, "errmsg": "invalid webhook url"}')
        code, _, err = run(capsys, "test-channel", "sales-hr-group", "--db", db_path)
        assert code == 2 and "refused the test message" in err
        # an urgent request to the refusing group: straight to the dead letters, then sent once the group is back
        run(capsys, "request", "--db", db_path, "--user", "demo.director.east", "--unit", "east-01", "--kind",
            "morale", "--text", "Morale after the complaint")
        code, out, _ = run(capsys, "list", "--db", db_path, "--status", "dead", "--format", "json")
        send = re.search(r'"send": (\d+)', out).group(1)
        srv.reply = lambda path, body: (200, b'{"errcode": 0, "errmsg": "ok"}')
        code, out, err = run(capsys, "retry", send, "--db", db_path)
        assert code == 0 and "sent 1" in out, err
    code, out, _ = run(capsys, "list", "--db", db_path, "--status", "dead")
    assert "(none)" in out
