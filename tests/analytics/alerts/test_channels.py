"""Notification channels: real sends to local HTTP and SMTP receivers, each platform's documented body."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from analytics.alerts.channels import (
    Channel,
    ChannelError,
    Message,
    SendError,
    SmtpSettings,
    email_message,
    send,
    smtp_settings_from_env,
    webhook_request,
)
from tests.analytics.alerts.servers import free_port, http_receiver, json_reply, smtp_receiver

NOW = datetime(2024, 5, 1, 8, 0, 0, tzinfo=UTC)  # 1714550400 s
NOW_S = "1714550400"
NOW_MS = "1714550400000"
LINK = "https://tandem.example.com/alerts/42?tab=inbox"
MSG = Message(
    title="离职率超过阈值:华东区",
    lines=("本月离职率 12.5%(阈值 8%)", "负责人:张伟"),
    link=LINK,
    link_text="在 Tandem 中打开",
)
HOSTILE = "look [x](http://evil) <@all> @all <!channel> <http://evil|click> & *bold*"
MD_LINK = re.compile(r"(?<!\\)\[(?:[^\]\\]|\\.)*\]\(")  # an unescaped markdown link opener


def hook(server, kind: str, secret: str | None = None, lang: str = "zh") -> Channel:
    paths = {
        "wecom": "/cgi-bin/webhook/send?key=abc",
        "dingtalk": "/robot/send?access_token=tok",
        "feishu": "/open-apis/bot/v2/hook/xyz",
        "slack": "/services/T0/B0/s3cret",
    }
    return Channel(name=f"{kind} group", kind=kind, url=server.url + paths[kind], secret=secret, lang=lang)


# --- each platform's body -------------------------------------------------------------------------------------


def test_wecom_markdown_body():
    with http_receiver() as server:
        assert send(hook(server, "wecom"), MSG, now=NOW) == "ok"
        [(path, headers, body)] = server.requests
    assert path == "/cgi-bin/webhook/send?key=abc"
    assert headers["Content-Type"] == "application/json"
    assert set(body) == {"msgtype", "markdown"} and body["msgtype"] == "markdown"
    assert set(body["markdown"]) == {"content"}
    content = body["markdown"]["content"]
    assert isinstance(content, str)
    assert "离职率超过阈值:华东区" in content and "负责人:张伟" in content
    assert "本月离职率 12.5%(阈值 8%)" in content
    assert content.endswith(f"[在 Tandem 中打开]({LINK})")


def test_dingtalk_markdown_body_and_signature():
    with http_receiver() as server:
        assert send(hook(server, "dingtalk", secret="SECabc123"), MSG, now=NOW) == "ok"
        [(path, _, body)] = server.requests
    assert set(body) == {"msgtype", "markdown"} and body["msgtype"] == "markdown"
    assert set(body["markdown"]) == {"title", "text"}
    assert body["markdown"]["title"] == "离职率超过阈值:华东区"
    text = body["markdown"]["text"]
    assert "负责人:张伟" in text and f"[在 Tandem 中打开]({LINK})" in text
    parts = urlsplit(path)
    assert parts.path == "/robot/send"
    query = parse_qs(parts.query)
    assert query["access_token"] == ["tok"]
    assert query["timestamp"] == [NOW_MS]
    string_to_sign = f"{NOW_MS}\nSECabc123".encode()
    expected = base64.b64encode(hmac.new(b"SECabc123", string_to_sign, hashlib.sha256).digest()).decode()
    assert query["sign"] == [expected]


def test_dingtalk_without_secret_leaves_url_alone():
    channel = Channel(name="d", kind="dingtalk", url="https://oapi.dingtalk.com/robot/send?access_token=t")
    url, _ = webhook_request(channel, MSG, NOW)
    assert url == "https://oapi.dingtalk.com/robot/send?access_token=t"


def test_feishu_post_body_and_signature():
    with http_receiver() as server:
        assert send(hook(server, "feishu", secret="fs-secret"), MSG, now=NOW) == "ok"
        [(path, _, body)] = server.requests
    assert path == "/open-apis/bot/v2/hook/xyz"
    assert set(body) == {"timestamp", "sign", "msg_type", "content"}
    assert body["msg_type"] == "post"
    assert body["timestamp"] == NOW_S
    key = f"{NOW_S}\nfs-secret".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    post = body["content"]["post"]
    assert list(post) == ["zh_cn"]
    assert post["zh_cn"]["title"] == "离职率超过阈值:华东区"
    assert post["zh_cn"]["content"] == [
        [{"tag": "text", "text": "本月离职率 12.5%(阈值 8%)"}],
        [{"tag": "text", "text": "负责人:张伟"}],
        [{"tag": "a", "text": "在 Tandem 中打开", "href": LINK}],
    ]


def test_feishu_english_without_secret():
    msg = Message(title="Attrition above threshold", lines=("East: 12.5%",), link=LINK, link_text="Open in Tandem")
    _, body = webhook_request(Channel(name="f", kind="feishu", url="https://x/open-apis/bot/v2/hook/1", lang="en"),
                              msg, NOW)
    assert set(body) == {"msg_type", "content"}
    assert list(body["content"]["post"]) == ["en_us"]


def test_feishu_old_statuscode_reply_is_success():
    with http_receiver(json_reply(200, {"StatusCode": 0, "StatusMessage": "success"})) as server:
        assert send(hook(server, "feishu"), MSG, now=NOW) == "ok"


def test_slack_blocks_body():
    with http_receiver() as server:
        assert send(hook(server, "slack", lang="en"), MSG, now=NOW) == "ok"
        [(_, _, body)] = server.requests
    assert set(body) == {"text", "blocks"}
    assert body["text"] == "离职率超过阈值:华东区"
    header, section, link = body["blocks"]
    assert header == {"type": "header", "text": {"type": "plain_text", "text": MSG.title, "emoji": True}}
    assert section == {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(MSG.lines)}}
    assert link == {"type": "section", "text": {"type": "mrkdwn", "text": f"<{LINK}|在 Tandem 中打开>"}}


# --- size and escaping ----------------------------------------------------------------------------------------


def test_wecom_long_message_truncated_to_4096_bytes():
    long = Message(title="标题", lines=tuple("第" + str(i) + "行:" + "很长的中文文本" * 20 for i in range(200)),
                   link=LINK, link_text="打开")
    _, body = webhook_request(Channel(name="w", kind="wecom", url="https://q/cgi-bin/webhook/send?key=k"), long, NOW)
    content = body["markdown"]["content"]
    raw = content.encode("utf-8")
    assert 4000 < len(raw) <= 4096
    assert raw.decode("utf-8") == content  # still valid UTF-8
    assert "…" in content
    assert content.endswith(f"[打开]({LINK})")  # the link survives the cut


def test_hostile_text_is_escaped_everywhere():
    hostile = Message(title="标题 " + HOSTILE, lines=(HOSTILE, "# 大标题"), link=LINK, link_text="open [me](http://evil)")
    for kind in ("wecom", "dingtalk"):
        _, body = webhook_request(Channel(name=kind, kind=kind, url="https://h/x"), hostile, NOW)
        text = body["markdown"]["content" if kind == "wecom" else "text"]
        links = MD_LINK.findall(text)
        assert len(links) == 1 and links[0].startswith("[open"), (kind, links)  # only our own link
        assert "look \\[x\\](http://evil) &lt;@\u200ball&gt; @\u200ball" in text  # shown as typed, inert
        assert "\n\\# 大标题" in text  # no heading either
        assert "<@" not in text and "<!" not in text and "@all" not in text
        assert "&lt;@" in text
    _, body = webhook_request(Channel(name="s", kind="slack", url="https://h/x"), hostile, NOW)
    for block in body["blocks"][1:]:
        mrkdwn = block["text"]["text"]
        assert "<http://evil" not in mrkdwn and "<!channel>" not in mrkdwn and "<@" not in mrkdwn
    assert body["blocks"][1]["text"]["text"].startswith("look [x](http://evil) &lt;@")
    assert body["blocks"][2]["text"]["text"] == f"<{LINK}|open [me](http://evil)>"
    assert "<" not in body["text"] and "&amp;" in body["text"]
    _, body = webhook_request(Channel(name="f", kind="feishu", url="https://h/x"), hostile, NOW)
    rows = body["content"]["post"]["zh_cn"]["content"]
    assert rows[0] == [{"tag": "text", "text": HOSTILE}]  # plain text tag: shown as typed, never parsed
    assert [el["tag"] for row in rows for el in row] == ["text", "text", "a"]


# --- error mapping --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status", "payload", "reason", "retryable"),
    [
        ("wecom", 500, b"oops", "HTTP 500", True),
        ("slack", 500, b"oops", "HTTP 500", True),
        ("slack", 429, b"rate_limited", "HTTP 429", True),
        ("slack", 400, b"invalid_payload", "HTTP 400: invalid_payload", False),
        ("wecom", 400, b"bad", "HTTP 400", False),
        ("wecom", 200, b'{"errcode":45009,"errmsg":"api freq out of limit"}', "errcode 45009: api freq out of limit",
         True),
        ("wecom", 200, b'{"errcode":93000,"errmsg":"invalid webhook url"}', "errcode 93000: invalid webhook url",
         False),
        ("dingtalk", 200, b'{"errcode":310000,"errmsg":"sign not match"}', "errcode 310000: sign not match", False),
        ("dingtalk", 200, b'{"errcode":130101,"errmsg":"send too fast"}', "errcode 130101: send too fast", True),
        ("feishu", 200, b'{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}',
         "errcode 19021: sign match fail or timestamp is not within one hour from current time", False),
        ("feishu", 400, b'{"code":11232,"msg":"frequency limited"}', "errcode 11232: frequency limited", True),
        ("feishu", 400, b'{"code":9499,"msg":"Bad Request"}', "errcode 9499: Bad Request", False),
        ("slack", 200, b"not ok", "HTTP 200: not ok", False),
        ("wecom", 200, b"<html>", "unexpected reply: '<html>'", False),
    ],
)
def test_reply_mapping(kind, status, payload, reason, retryable):
    with http_receiver(lambda path, body: (status, payload)) as server, pytest.raises(SendError) as info:
        send(hook(server, kind), MSG, now=NOW)
    assert (info.value.reason, info.value.retryable) == (reason, retryable)
    assert str(info.value) == reason


def test_connection_refused_is_retryable():
    channel = Channel(name="w", kind="wecom", url=f"http://127.0.0.1:{free_port()}/cgi-bin/webhook/send?key=k")
    with pytest.raises(SendError) as info:
        send(channel, MSG, now=NOW, timeout=2)
    assert (info.value.reason, info.value.retryable) == ("connection refused", True)


def test_timeout_is_retryable():
    def slow(path, body):
        time.sleep(1.2)
        return 200, b'{"errcode":0,"errmsg":"ok"}'

    with http_receiver(slow) as server:
        start = time.monotonic()
        with pytest.raises(SendError) as info:
            send(hook(server, "wecom"), MSG, now=NOW, timeout=0.5)
        assert time.monotonic() - start < 1.1
    assert (info.value.reason, info.value.retryable) == ("timed out", True)


def test_reply_can_be_changed_between_sends():
    with http_receiver() as server:
        server.reply = json_reply(503, {})
        with pytest.raises(SendError):
            send(hook(server, "dingtalk"), MSG, now=NOW)
        server.reply = json_reply(200, {"errcode": 0, "errmsg": "ok"})
        assert send(hook(server, "dingtalk"), MSG, now=NOW) == "ok"
        assert len(server.requests) == 2


# --- e-mail ---------------------------------------------------------------------------------------------------

MAIL = Channel(name="hr", kind="email", to=("wang.fang@example.com", "ops@example.com"))


def test_email_through_smtp_receiver():
    with smtp_receiver() as smtp:
        settings = SmtpSettings(host=smtp.host, port=smtp.port, sender="tandem@corp.example", timeout=5)
        receipt = send(MAIL, MSG, now=NOW, smtp=settings)
        [received] = smtp.messages
        [(mail_from, rcpt_tos)] = smtp.envelopes
    assert mail_from == "tandem@corp.example"
    assert rcpt_tos == ["wang.fang@example.com", "ops@example.com"]
    assert received["Subject"] == "离职率超过阈值:华东区"
    assert received["From"] == "tandem@corp.example"
    assert received["To"] == "wang.fang@example.com, ops@example.com"
    assert received["Message-ID"] == receipt and receipt.endswith("@corp.example>")
    assert received["Date"].datetime == NOW
    assert received.get_content_type() == "text/plain"
    body = received.get_content().replace("\r\n", "\n")
    assert body == f"本月离职率 12.5%(阈值 8%)\n负责人:张伟\n\n在 Tandem 中打开: {LINK}\n"


@pytest.mark.parametrize(
    ("reply", "reason", "retryable"),
    [("550 5.1.1 no such user", "recipient refused: wang.fang@example.com (SMTP 550: 5.1.1 no such user)", False),
     ("451 4.3.0 try later", "recipient refused: wang.fang@example.com (SMTP 451: 4.3.0 try later)", True)],
)
def test_email_refused_recipients(reply, reason, retryable):
    with smtp_receiver() as smtp:
        smtp.rcpt_reply = lambda address: reply
        with pytest.raises(SendError) as info:
            send(MAIL, MSG, now=NOW, smtp=SmtpSettings(host=smtp.host, port=smtp.port, timeout=5))
    assert (info.value.reason, info.value.retryable) == (reason, retryable)


@pytest.mark.parametrize(("reply", "retryable"), [("554 5.7.1 rejected", False), ("452 4.3.1 full", True)])
def test_email_data_rejected(reply, retryable):
    with smtp_receiver() as smtp:
        smtp.data_reply = reply
        with pytest.raises(SendError) as info:
            send(MAIL, MSG, now=NOW, smtp=SmtpSettings(host=smtp.host, port=smtp.port, timeout=5))
    assert info.value.reason == f"SMTP {reply[:3]}: {reply[4:]}"
    assert info.value.retryable is retryable


def test_email_connection_refused_is_retryable():
    with pytest.raises(SendError) as info:
        send(MAIL, MSG, now=NOW, smtp=SmtpSettings(host="127.0.0.1", port=free_port(), timeout=2))
    assert (info.value.reason, info.value.retryable) == ("connection refused", True)


def test_email_message_headers_are_safe():
    msg = Message(title="第一行\r\nBcc: evil@example.com", lines=(), link=LINK, link_text="打开")
    built = email_message(MAIL, msg, SmtpSettings(host="h"), NOW)
    assert built["Subject"] == "第一行 Bcc: evil@example.com"
    assert built["Bcc"] is None
    assert "=?utf-8?" in bytes(built).decode("ascii").lower()  # encoded-word: pure ASCII on the wire


def test_email_without_smtp_settings(monkeypatch):
    monkeypatch.delenv("TANDEM_SMTP_HOST", raising=False)
    with pytest.raises(ChannelError, match="TANDEM_SMTP_HOST"):
        send(MAIL, MSG, now=NOW)


# --- settings and channel checks ------------------------------------------------------------------------------


def test_smtp_settings_from_env():
    assert smtp_settings_from_env({}) is None
    assert smtp_settings_from_env({"TANDEM_SMTP_HOST": " "}) is None
    assert smtp_settings_from_env({"TANDEM_SMTP_HOST": "mail.corp"}) == SmtpSettings(host="mail.corp")
    full = smtp_settings_from_env({
        "TANDEM_SMTP_HOST": "smtp.corp", "TANDEM_SMTP_PORT": "587", "TANDEM_SMTP_USER": "bot",
        "TANDEM_SMTP_PASSWORD": "pw", "TANDEM_SMTP_FROM": "Tandem <bot@corp>", "TANDEM_SMTP_STARTTLS": "true",
    })
    assert full == SmtpSettings(host="smtp.corp", port=587, user="bot", password="pw", sender="Tandem <bot@corp>",
                                starttls=True, ssl=False)
    ssl = smtp_settings_from_env({"TANDEM_SMTP_HOST": "smtp.corp", "TANDEM_SMTP_SSL": "1"})
    assert ssl is not None and (ssl.ssl, ssl.port, ssl.starttls) == (True, 465, False)
    for bad in ("abc", "70000", "0"):
        with pytest.raises(ChannelError, match="TANDEM_SMTP_PORT"):
            smtp_settings_from_env({"TANDEM_SMTP_HOST": "h", "TANDEM_SMTP_PORT": bad})


@pytest.mark.parametrize(
    ("channel", "match"),
    [
        (Channel(name="a", kind="wecom"), "no webhook url"),
        (Channel(name="b", kind="slack", url="ftp://x"), "no webhook url"),
        (Channel(name="c", kind="email"), "no e-mail recipients"),
        (Channel(name="d", kind="email", to=("not-an-address",)), "bad e-mail address"),
        (Channel(name="e", kind="teams", url="https://x"), "unknown kind"),
    ],
)
def test_unusable_channels(channel, match):
    with pytest.raises(ChannelError, match=match):
        send(channel, MSG, now=NOW, smtp=SmtpSettings(host="127.0.0.1"))
    assert issubclass(ChannelError, ValueError)


def test_webhook_request_refuses_email_and_email_message_refuses_webhooks():
    with pytest.raises(ChannelError):
        webhook_request(MAIL, MSG, NOW)
    with pytest.raises(ChannelError):
        email_message(Channel(name="w", kind="wecom", url="https://x"), MSG, SmtpSettings(host="h"), NOW)
