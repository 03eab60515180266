"""The cookie endpoints of ui/session.py, called directly: a ticket gives its token once and only within its
minute; the cookie is HttpOnly, SameSite=Strict, Path=/ (Secure over https); redirects stay on this server."""
from __future__ import annotations

import asyncio

import pytest
from starlette.requests import Request

from ui import session


def call(path: str, query: str = "", scheme: str = "http"):
    endpoints = {r.path: r.endpoint for r in session.routes(activate=False)}
    request = Request({"type": "http", "method": "GET", "path": path, "query_string": query.encode(),
                       "headers": [], "scheme": scheme, "server": ("127.0.0.1", 8501)})
    return run_coroutine(endpoints[path](request))


def cookies(response) -> list[str]:
    return response.headers.getlist("set-cookie")


def test_a_ticket_sets_the_cookie_once():
    ticket = session.issue_ticket("the-token")
    response = call(session.SIGN_IN_PATH, f"ticket={ticket}")
    assert response.status_code == 204
    (cookie,) = cookies(response)
    parts = [p.strip().lower() for p in cookie.split(";")]
    assert parts[0] == "tandem_session=the-token"
    assert {"httponly", "samesite=strict", "path=/"} <= set(parts) and "secure" not in parts
    assert response.headers["cache-control"] == "no-store"
    assert cookies(call(session.SIGN_IN_PATH, f"ticket={ticket}")) == []  # used
    assert cookies(call(session.SIGN_IN_PATH, "ticket=made-up")) == []
    assert cookies(call(session.SIGN_IN_PATH)) == []


def test_secure_over_https_and_expired_tickets(monkeypatch: pytest.MonkeyPatch):
    (cookie,) = cookies(call(session.SIGN_IN_PATH, f"ticket={session.issue_ticket('t')}", scheme="https"))
    assert "secure" in cookie.lower()
    ticket = session.issue_ticket("late")
    now = session.time.monotonic()
    monkeypatch.setattr(session.time, "monotonic", lambda: now + session.TICKET_SECONDS + 1)
    assert session.take_ticket(ticket) is None


def test_sign_out_clears_the_cookie_and_redirects_only_here():
    response = call(session.SIGN_OUT_PATH, "next=/quota%3Fgrain%3Dmonth")
    assert response.status_code == 303 and response.headers["location"] == "/quota?grain=month"
    (cookie,) = cookies(response)
    assert cookie.lower().startswith("tandem_session=") and "max-age=0" in cookie.lower()
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "quota"):
        assert session.safe_next(target) == "/"


def run_coroutine(coroutine):
    """Run ``coroutine`` to its end on a thread of its own (a running loop on this thread — a browser test's —
    must not matter)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
