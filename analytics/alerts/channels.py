"""Notification channels: one alert message, built in each platform's documented format and sent once.

Pure library (no Streamlit, nothing from the project). ``webhook_request`` and ``email_message`` build without
I/O; ``send`` posts once and maps every failure to ``SendError(reason, retryable)`` for the caller's outbox.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import hmac
import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from urllib.parse import quote_plus

import requests

KINDS = ("wecom", "dingtalk", "feishu", "slack", "email")

WECOM_MAX_BYTES = 4096  # markdown.content limit, UTF-8 bytes
SLACK_SECTION_MAX = 3000  # section text limit, characters
SLACK_HEADER_MAX = 150  # header plain_text limit, characters

# Platform codes meaning "too frequent / busy, try later".
_RETRY_CODES: dict[str, frozenset[int]] = {
    "wecom": frozenset({-1, 45009}),  # -1 system busy, 45009 api freq out of limit
    "dingtalk": frozenset({-1, 130101}),  # -1 system busy, 130101 send too fast
    "feishu": frozenset({11232}),  # frequency limited (9499 is "Bad Request": a malformed body, not retryable)
}

ZWSP = "\u200b"  # zero-width space: breaks "@all" so it cannot be parsed as a mention


@dataclass(frozen=True)
class Channel:
    """Where a message goes."""
    name: str
    kind: str
    url: str | None = None
    secret: str | None = None
    to: tuple[str, ...] = ()
    lang: str = "zh"


@dataclass(frozen=True)
class Message:
    """One alert message, already in the channel's language."""
    title: str
    lines: tuple[str, ...]
    link: str
    link_text: str


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the SMTP server."""
    host: str
    port: int = 25
    user: str | None = None
    password: str | None = None
    sender: str = "tandem@localhost"
    starttls: bool = False
    ssl: bool = False
    timeout: float = 10.0


class ChannelError(ValueError):
    """A channel that cannot be used (no url, unknown kind, no recipients...)."""


class SendError(Exception):
    """A send that failed; ``retryable`` says whether trying again later may help."""
    def __init__(self, reason: str, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def smtp_settings_from_env(env: Mapping[str, str] | None = None) -> SmtpSettings | None:
    """SMTP settings from TANDEM_SMTP_* variables; None when TANDEM_SMTP_HOST is unset or empty."""
    env = os.environ if env is None else env
    host = (env.get("TANDEM_SMTP_HOST") or "").strip()
    if not host:
        return None
    use_ssl = _flag(env.get("TANDEM_SMTP_SSL"))
    raw_port = (env.get("TANDEM_SMTP_PORT") or "").strip()
    if raw_port:
        try:
            port = int(raw_port)
        except ValueError:
            raise ChannelError(f"TANDEM_SMTP_PORT is not a number: {raw_port!r}") from None
        if not 0 < port < 65536:
            raise ChannelError(f"TANDEM_SMTP_PORT out of range: {port}")
    else:
        port = 465 if use_ssl else 25
    return SmtpSettings(host=host, port=port, user=env.get("TANDEM_SMTP_USER") or None,
                        password=env.get("TANDEM_SMTP_PASSWORD") or None,
                        sender=env.get("TANDEM_SMTP_FROM") or "tandem@localhost",
                        starttls=_flag(env.get("TANDEM_SMTP_STARTTLS")), ssl=use_ssl)


def _check(channel: Channel) -> None:
    """Raise ChannelError when the channel cannot be used."""
    if channel.kind not in KINDS:
        raise ChannelError(f"channel {channel.name!r}: unknown kind {channel.kind!r}")
    if channel.kind == "email":
        if not channel.to:
            raise ChannelError(f"channel {channel.name!r}: no e-mail recipients")
        bad = [a for a in channel.to if "@" not in a or any(c.isspace() for c in a) or "," in a]
        if bad:
            raise ChannelError(f"channel {channel.name!r}: bad e-mail address {bad[0]!r}")
    elif not channel.url or not channel.url.startswith(("http://", "https://")):
        raise ChannelError(f"channel {channel.name!r}: no webhook url")


# --- escaping -----------------------------------------------------------------------------------------------

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "@": "@" + ZWSP}
_SLACK_ESCAPES = str.maketrans(_ENTITIES)
_MD_ESCAPES = str.maketrans(_ENTITIES | {c: "\\" + c for c in "\\`*_[]"})
_URL_ESCAPES = str.maketrans({c: f"%{ord(c):02X}" for c in " ()<>|"})


def _md(text: str) -> str:
    """Escape user text for WeCom/DingTalk markdown: backslash before markdown punctuation (and a leading "#",
    "-", "+"), HTML-escape & < > (WeCom ``<@userid>`` / ``<font>``), a zero-width space after "@" (no mention)."""
    escaped = " ".join(text.splitlines()).translate(_MD_ESCAPES)
    return "\\" + escaped if escaped.lstrip()[:1] in ("#", "-", "+") else escaped


def _slack(text: str) -> str:
    """Escape user text for Slack mrkdwn: &, <, > as the docs ask; "@" defused as above."""
    return text.translate(_SLACK_ESCAPES)


def _url(link: str) -> str:
    """A link safe inside markdown ``(...)`` and Slack ``<...|...>``."""
    return link.translate(_URL_ESCAPES)


def _truncate_bytes(text: str, limit: int) -> str:
    """At most ``limit`` UTF-8 bytes, cut on a character boundary, ending with "…" when cut."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    keep = max(limit - len("…".encode()), 0)
    return raw[:keep].decode("utf-8", "ignore") + "…"


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --- platform bodies ----------------------------------------------------------------------------------------


def _wecom_body(message: Message) -> dict:
    # WeCom group robot, markdown message (content ≤ 4096 bytes UTF-8; reply {"errcode": 0, "errmsg": "ok"}):
    # https://developer.work.weixin.qq.com/document/path/91770
    head = _truncate_bytes(f"### {_md(_one_line(message.title))}", 512) + "\n"
    tail = f"\n\n[{_md(message.link_text)}]({_url(message.link)})"
    body = "\n".join(_md(line) for line in message.lines)
    budget = WECOM_MAX_BYTES - len(head.encode()) - len(tail.encode())
    content = head + _truncate_bytes(body, max(budget, 0)) + tail
    return {"msgtype": "markdown", "markdown": {"content": _truncate_bytes(content, WECOM_MAX_BYTES)}}


def _dingtalk_body(message: Message) -> dict:
    # DingTalk custom robot, markdown message {"msgtype": "markdown", "markdown": {"title", "text"}}:
    # https://open.dingtalk.com/document/robots/custom-robot-access
    parts = [f"### {_md(_one_line(message.title))}", *(_md(line) for line in message.lines)]
    parts.append(f"[{_md(message.link_text)}]({_url(message.link)})")
    return {"msgtype": "markdown", "markdown": {"title": _one_line(message.title), "text": "\n\n".join(parts)}}


def _dingtalk_sign(url: str, secret: str, now: datetime) -> str:
    # DingTalk "加签": timestamp (ms) + "\n" + secret, HMAC-SHA256 keyed by the secret, base64, URL-encoded:
    # https://open.dingtalk.com/document/robots/customize-robot-security-settings
    timestamp = str(int(now.timestamp()) * 1000 + now.microsecond // 1000)
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = quote_plus(base64.b64encode(digest).decode())
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


def _feishu_body(message: Message, lang: str) -> dict:
    # Feishu/Lark custom bot, rich text "post" message (reply {"code": 0, ...}, older {"StatusCode": 0}):
    # https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot
    # The "text" tag is plain text (mentions need an "at" tag), so user text needs no escaping here.
    rows: list[list[dict]] = [[{"tag": "text", "text": line}] for line in message.lines]
    rows.append([{"tag": "a", "text": message.link_text, "href": message.link}])
    key = "zh_cn" if lang == "zh" else "en_us"
    return {"msg_type": "post", "content": {"post": {key: {"title": _one_line(message.title), "content": rows}}}}


def _feishu_sign(secret: str, now: datetime) -> tuple[str, str]:
    # Feishu signature check: timestamp (s) + "\n" + secret is the HMAC-SHA256 KEY over an empty message, base64
    # (same page as above, "签名校验").
    timestamp = str(int(now.timestamp()))
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return timestamp, base64.b64encode(digest).decode()


def _slack_body(message: Message) -> dict:
    # Slack incoming webhook with Block Kit; escape &, <, > in user text; links as <url|text>; reply "ok":
    # https://api.slack.com/messaging/webhooks , https://api.slack.com/reference/surfaces/formatting#escaping
    title = _one_line(message.title)
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:SLACK_HEADER_MAX] or "-", "emoji": True}}
    ]
    body = "\n".join(_slack(line) for line in message.lines)
    if body:
        if len(body) > SLACK_SECTION_MAX:
            cut = body[: SLACK_SECTION_MAX - 1]
            amp = cut.rfind("&", len(cut) - 5)
            body = (cut[:amp] if amp != -1 and ";" not in cut[amp:] else cut) + "…"  # never half an entity
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": body}})
    link = f"<{_url(message.link)}|{_slack(message.link_text)}>"
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": link}})
    return {"text": _slack(title), "blocks": blocks}


def webhook_request(channel: Channel, message: Message, now: datetime) -> tuple[str, dict]:
    """(URL to POST to, JSON body) for a webhook channel: pure, no I/O."""
    _check(channel)
    url = str(channel.url)
    if channel.kind == "wecom":
        return url, _wecom_body(message)
    if channel.kind == "dingtalk":
        return (_dingtalk_sign(url, channel.secret, now) if channel.secret else url), _dingtalk_body(message)
    if channel.kind == "feishu":
        body = _feishu_body(message, channel.lang)
        if channel.secret:
            timestamp, sign = _feishu_sign(channel.secret, now)
            body = {"timestamp": timestamp, "sign": sign, **body}
        return url, body
    if channel.kind == "slack":
        return url, _slack_body(message)
    raise ChannelError(f"channel {channel.name!r}: kind {channel.kind!r} is not a webhook")


def email_message(channel: Channel, message: Message, settings: SmtpSettings, now: datetime) -> EmailMessage:
    """The e-mail for an email channel: UTF-8 subject, text/plain body ending with the link."""
    _check(channel)
    if channel.kind != "email":
        raise ChannelError(f"channel {channel.name!r}: kind {channel.kind!r} is not email")
    msg = EmailMessage()
    msg["From"] = settings.sender
    msg["To"] = ", ".join(channel.to)
    msg["Subject"] = _one_line(message.title)
    msg["Date"] = email.utils.format_datetime(now if now.tzinfo else now.replace(tzinfo=UTC))
    domain = settings.sender.rpartition("@")[2] or "localhost"
    msg["Message-ID"] = email.utils.make_msgid(domain=domain)
    body = "\n".join(message.lines) + f"\n\n{message.link_text}: {message.link}\n"
    msg.set_content(body, charset="utf-8", cte="base64")  # 7-bit clean for any relay
    return msg


# --- sending ------------------------------------------------------------------------------------------------


def _check_reply(kind: str, response: requests.Response) -> str:
    """Receipt for a successful reply, or SendError."""
    status = response.status_code
    if status == 429 or status >= 500:
        raise SendError(f"HTTP {status}", True)
    if kind == "slack":
        text = response.text.strip()
        if 200 <= status < 300 and text == "ok":
            return "ok"
        raise SendError(f"HTTP {status}: {text[:80]}" if text else f"HTTP {status}", False)
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        code = data.get("errcode", data.get("code", data.get("StatusCode")))
        if isinstance(code, int):
            if code == 0 and 200 <= status < 300:
                return "ok"
            if code != 0:
                msg = data.get("errmsg", data.get("msg", data.get("StatusMessage", "")))
                raise SendError(f"errcode {code}: {msg}" if msg else f"errcode {code}", code in _RETRY_CODES[kind])
    if not 200 <= status < 300:
        raise SendError(f"HTTP {status}", False)
    raise SendError(f"unexpected reply: {response.text[:80]!r}", False)


def _post(channel: Channel, message: Message, now: datetime, timeout: float) -> str:
    url, body = webhook_request(channel, message, now)
    try:
        response = requests.post(url, json=body, timeout=timeout)
    except requests.Timeout:
        raise SendError("timed out", True) from None
    except requests.ConnectionError as exc:
        raise SendError("connection refused" if "refused" in str(exc).lower() else "connection error", True) from None
    except requests.RequestException as exc:
        raise SendError(f"request failed: {type(exc).__name__}", False) from None
    return _check_reply(channel.kind, response)


def _smtp_reason(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"SMTP {code}: {_one_line(text)[:80]}"


def _mail(channel: Channel, message: Message, now: datetime, smtp: SmtpSettings | None) -> str:
    settings = smtp or smtp_settings_from_env()
    if settings is None:
        raise ChannelError(f"channel {channel.name!r}: no SMTP server configured (TANDEM_SMTP_HOST)")
    msg = email_message(channel, message, settings, now)
    context = ssl.create_default_context()  # verify the server's certificate
    try:
        if settings.ssl:
            server = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
        else:
            server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with server:
            if settings.starttls and not settings.ssl:
                server.starttls(context=context)
            if settings.user:
                server.login(settings.user, settings.password or "")
            refused = server.send_message(msg, to_addrs=list(channel.to))
    except smtplib.SMTPRecipientsRefused as exc:
        addr, (code, text) = next(iter(exc.recipients.items()))
        retry = all(400 <= c < 500 for c, _ in exc.recipients.values())
        raise SendError(f"recipient refused: {addr} ({_smtp_reason(code, text)})", retry) from None
    except smtplib.SMTPResponseException as exc:
        raise SendError(_smtp_reason(exc.smtp_code, exc.smtp_error), 400 <= exc.smtp_code < 500) from None
    except (smtplib.SMTPNotSupportedError, ssl.SSLCertVerificationError) as exc:
        raise SendError(f"SMTP error: {_one_line(str(exc))[:80]}", False) from None
    except smtplib.SMTPServerDisconnected:
        raise SendError("connection closed by server", True) from None
    except TimeoutError:
        raise SendError("timed out", True) from None
    except ConnectionRefusedError:
        raise SendError("connection refused", True) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise SendError(f"SMTP error: {type(exc).__name__}", True) from None
    receipt = str(msg["Message-ID"])
    if refused:
        receipt += "; refused: " + ", ".join(sorted(refused))
    return receipt


def send(channel: Channel, message: Message, *, now: datetime | None = None, timeout: float = 10.0,
         smtp: SmtpSettings | None = None) -> str:
    """Send once (no retry here). Returns "ok" (webhooks) or the Message-ID (e-mail); raises SendError."""
    _check(channel)
    now = now or datetime.now(UTC)
    if channel.kind == "email":
        return _mail(channel, message, now, smtp)
    return _post(channel, message, now, timeout)
