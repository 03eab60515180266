"""Local receivers for notification tests: a real HTTP server and a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

Reply = Callable[[str, Any], tuple[int, bytes]]


def default_reply(path: str, body: Any) -> tuple[int, bytes]:
    """200 with a body each platform accepts as success, chosen by the path."""
    if "/cgi-bin/webhook/send" in path or "/robot/send" in path:
        return 200, b'{"errcode":0,"errmsg":"ok"}'
    if "/open-apis/bot/" in path:
        return 200, b'{"code":0,"msg":"success","data":{}}'
    return 200, b"ok"


def json_reply(status: int, payload: dict) -> Reply:
    """A reply function always answering ``status`` with ``payload`` as JSON."""
    data = json.dumps(payload).encode()
    return lambda path, body: (status, data)


@dataclass
class HttpReceiver:
    """What ``http_receiver`` yields: ``url``, the received ``requests`` and a settable ``reply``."""

    url: str = ""
    requests: list[tuple[str, dict[str, str], Any]] = field(default_factory=list)
    reply: Reply = default_reply


@contextmanager
def http_receiver(reply: Reply | None = None) -> Iterator[HttpReceiver]:
    """A ThreadingHTTPServer on 127.0.0.1:<free port> recording each POST as (path?query, headers, JSON body)."""
    receiver = HttpReceiver(reply=reply or default_reply)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw.decode("utf-8"))
            except ValueError:
                body = raw
            receiver.requests.append((self.path, dict(self.headers.items()), body))
            status, data = receiver.reply(self.path, body)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if data[:1] == b"{" else "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up (timeout tests)
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (nothing listens on it afterwards)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SmtpReceiver:
    """What ``smtp_receiver`` yields. ``messages[i]`` was delivered to ``envelopes[i]`` = (mail_from, rcpt_tos).

    ``rcpt_reply(address)`` may return an SMTP reply such as "550 5.1.1 no such user" (or "451 ..." for a
    temporary refusal) to refuse a recipient; None accepts it. ``data_reply`` likewise answers DATA.
    """

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    rcpt_reply: Callable[[str], str | None] = lambda address: None
    data_reply: str | None = None


class _Handler:
    def __init__(self, receiver: SmtpReceiver) -> None:
        self.receiver = receiver

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list) -> str:
        refusal = self.receiver.rcpt_reply(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.receiver.data_reply:
            return self.receiver.data_reply
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content or envelope.content)
        self.receiver.messages.append(message)  # type: ignore[arg-type]
        self.receiver.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_receiver() -> Iterator[SmtpReceiver]:
    """An aiosmtpd server on 127.0.0.1:<free port> keeping every message it receives."""
    receiver = SmtpReceiver(port=free_port())
    controller = Controller(_Handler(receiver), hostname=receiver.host, port=receiver.port, ready_timeout=5)
    controller.start()
    try:
        yield receiver
    finally:
        controller.stop()
