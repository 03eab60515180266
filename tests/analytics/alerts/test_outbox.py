"""Telling the channels, through real local receivers: each new alert queued for the channels that take it, the
message in the channel's language with names or counts only, retries with backoff into the dead-letter list,
every try audited; a channel test; SMTP."""
from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from analytics.alerts import channels, outbox, store
from analytics.alerts.rules import AlertConfig, ChannelSpec
from tests.analytics.alerts.servers import http_receiver, smtp_receiver
from tests.analytics.alerts.test_store import AS_OF, HR, members

NOW = dt.datetime(2024, 6, 1, 9, 0)
NAME = "王小明"


@pytest.fixture
def db(tiny_db):
    with tiny_db.transaction() as cur:
        cur.execute("update employees set name = $n where employee_id = 1", {"n": NAME})
    return tiny_db


def person_alert(db, severity: str = "high") -> int:
    """Person 1 (East Team 1, or 2 after the move) newly at high flight risk."""
    facts = json.dumps({"probability": 0.41, "why": "ka_owner"})
    frame = members(("person:1", "east-01", 1)).with_columns(facts=pl.lit(facts))
    new, _ = store.reconcile(db, "key_person_flight_risk", severity, ("hr_head", "sales_director"), 24, frame,
                             AS_OF, NOW)
    return new[0]


def config(*specs: ChannelSpec, limit: int = 3, base: float = 60.0) -> AlertConfig:
    return AlertConfig(rules=(), channels=specs, retry_limit=limit, retry_base_seconds=base)


def test_names_or_counts_in_each_channels_language(db):
    with http_receiver() as srv:
        group = ChannelSpec("group", "wecom", lang="zh", detail="counts", url=f"{srv.url}/cgi-bin/webhook/send?key=k")
        hr = ChannelSpec("hr", "slack", lang="en", detail="names", url=f"{srv.url}/services/T/B/x")
        north = ChannelSpec("north", "feishu", lang="zh", detail="names", scope="north",
                            url=f"{srv.url}/open-apis/bot/v2/hook/n")
        urgent_only = ChannelSpec("urgent", "dingtalk", severities=("urgent",), url=f"{srv.url}/robot/send?a=1")
        cfg = config(group, hr, north, urgent_only)
        alert_id = person_alert(db)
        assert outbox.queue(db, cfg, [alert_id], NOW) == 2  # not North's channel, not the urgent-only one
        assert outbox.deliver(db, cfg, NOW, base="https://tandem.example.com") == {"sent": 2, "retry": 0, "dead": 0}
        bodies = {path.split("?")[0]: body for path, _, body in srv.requests}
    wecom = bodies["/cgi-bin/webhook/send"]["markdown"]["content"]
    assert "华东一组" in wecom and "关键人员离职风险高" in wecom and NAME not in wecom  # counts only
    assert f"https://tandem.example.com/inbox?alert={alert_id}" in wecom
    slack = json.dumps(bodies["/services/T/B/x"], ensure_ascii=False)
    assert NAME in slack and "East Team 1" in slack and "41.0%" in slack
    sent = db.sql("select channel, status, attempts from alert_sends order by channel")
    assert sent.rows() == [("group", "sent", 1), ("hr", "sent", 1)]
    audited = db.sql("select detail from audit_log where action = 'alert_sent'")["detail"].to_list()
    assert sorted(json.loads(d)["channel"] for d in audited) == ["group", "hr"]
    assert not any(NAME in d for d in audited)


def test_a_failing_send_is_retried_with_backoff_then_dead_lettered(db):
    with http_receiver() as srv:
        srv.reply = lambda path, body: (500, b"busy")
        cfg = config(ChannelSpec("group", "wecom", url=f"{srv.url}/cgi-bin/webhook/send?key=k"), limit=3, base=60)
        alert_id = person_alert(db)
        outbox.queue(db, cfg, [alert_id], NOW)
        assert outbox.deliver(db, cfg, NOW) == {"sent": 0, "retry": 1, "dead": 0}
        row = db.sql("select * from alert_sends").row(0, named=True)
        assert (row["attempts"], row["next_try_at"], row["last_error"]) == (1, NOW + dt.timedelta(seconds=60),
                                                                            "HTTP 500")
        assert outbox.deliver(db, cfg, NOW + dt.timedelta(seconds=59)) == {"sent": 0, "retry": 0, "dead": 0}
        assert outbox.deliver(db, cfg, NOW + dt.timedelta(seconds=60)) == {"sent": 0, "retry": 1, "dead": 0}
        second = db.sql("select next_try_at from alert_sends")["next_try_at"][0]
        assert second == NOW + dt.timedelta(seconds=60 + 120)  # the wait doubles
        assert outbox.deliver(db, cfg, second) == {"sent": 0, "retry": 0, "dead": 1}
        assert len(srv.requests) == 3  # the limit: three tries
        dead = outbox.dead_letters(db)
        assert dead.select("alert_id", "attempts", "last_error").rows() == [(alert_id, 3, "HTTP 500")]
        tries = db.sql("select detail from audit_log where action = 'alert_send_failed' order by event_id")
        assert [json.loads(d)["status"] for d in tries["detail"]] == ["pending", "pending", "dead"]
        # the channel is fixed; the dead letter goes back in the queue and is sent
        srv.reply = lambda path, body: (200, b'{"errcode": 0, "errmsg": "ok"}')
        outbox.retry_dead(db, int(dead["send_id"][0]), second, "hr")
        assert outbox.deliver(db, cfg, second) == {"sent": 1, "retry": 0, "dead": 0}
        assert outbox.dead_letters(db).is_empty() and len(srv.requests) == 4


def test_an_error_no_retry_can_fix_goes_straight_to_dead_letters(db):
    with http_receiver() as srv:
        srv.reply = lambda path, body: (200, b'{"errcode": 93000, "errmsg": "invalid webhook url"}')
        cfg = config(ChannelSpec("group", "wecom", url=f"{srv.url}/cgi-bin/webhook/send?key=k"))
        outbox.queue(db, cfg, [person_alert(db)], NOW)
        assert outbox.deliver(db, cfg, NOW) == {"sent": 0, "retry": 0, "dead": 1}
        assert len(srv.requests) == 1
    assert "93000" in outbox.dead_letters(db)["last_error"][0]


def test_a_channel_with_no_address_is_not_told(db, monkeypatch):
    monkeypatch.delenv("TANDEM_TEST_HOOK", raising=False)
    cfg = config(ChannelSpec("group", "wecom", url_env="TANDEM_TEST_HOOK"))
    assert outbox.queue(db, cfg, [person_alert(db)], NOW) == 0
    with pytest.raises(channels.ChannelError, match="TANDEM_TEST_HOOK"):
        outbox.test_channel(db, cfg, "group", NOW, "hr")
    with pytest.raises(channels.ChannelError, match="no channel 'nope'"):
        outbox.test_channel(db, cfg, "nope", NOW, "hr")


def test_channel_test_and_mail(db, monkeypatch):
    with smtp_receiver() as smtp, http_receiver() as srv:
        monkeypatch.setenv("TANDEM_SMTP_HOST", smtp.host)
        monkeypatch.setenv("TANDEM_SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("TANDEM_SMTP_FROM", "tandem@example.com")
        monkeypatch.setenv("TANDEM_HOOK", f"{srv.url}/open-apis/bot/v2/hook/abc")
        mail = ChannelSpec("hr-mail", "email", lang="zh", detail="names", to=("hr@example.com",))
        feishu = ChannelSpec("group", "feishu", lang="en", url_env="TANDEM_HOOK")
        cfg = config(mail, feishu)
        assert outbox.test_channel(db, cfg, "group", NOW, "hr") == "ok"
        assert srv.requests[0][2]["content"]["post"]["en_us"]["title"] == "Tandem: test message"
        alert_id = person_alert(db)
        outbox.queue(db, cfg, [alert_id], NOW)
        assert outbox.deliver(db, cfg, NOW)["sent"] == 2
        message = smtp.messages[0]
    assert message["Subject"] == "【高】关键人员离职风险高"
    body = message.get_content()
    assert NAME in body and "华东一组" in body and f"/inbox?alert={alert_id}" in body
    assert smtp.envelopes[0][1] == ["hr@example.com"]
    tested = db.sql("select channel, event, status from alert_sends where event = 'test'").rows()
    assert tested == [("group", "test", "sent")]
    assert db.scalar("select count(*) from audit_log where action = 'alert_channel_test'") == 1


def test_an_urgent_request_reaches_the_group_at_once(db):
    from tests.analytics.alerts.test_store import EAST
    with http_receiver() as srv:
        cfg = config(ChannelSpec("group", "dingtalk", lang="zh", detail="counts", url=f"{srv.url}/robot/send?t=1"))
        alert_id = store.file_request(db, EAST, "morale", "east-02", "客户投诉后团队士气低落",
                                      NOW + dt.timedelta(hours=8), NOW, as_of=AS_OF)
        outbox.queue(db, cfg, [alert_id], NOW)
        outbox.deliver(db, cfg, NOW)
        text = srv.requests[0][2]["markdown"]["text"]
    assert "华东二组" in text and "投诉后士气受挫" in text
    assert "客户投诉后团队士气低落" not in text  # the director's own words go to channels that may see names only
    assert HR.roles == frozenset({"hr_head"})
