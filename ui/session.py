"""The session cookie: two small HTTP endpoints beside Streamlit's own, and the script side that uses them.

Streamlit scripts talk to the browser over a websocket and cannot set response headers, so an HttpOnly
cookie needs a plain HTTP response. ``app.py`` declares an ``st.App`` (Streamlit's ASGI application,
which ``streamlit run app.py`` finds and serves) with two routes:

- ``GET /_tandem/session?ticket=…`` exchanges a one-time ticket (random, 60 seconds, kept in this
  process's memory only, never in the database) for the session token the script created at sign-in and
  sets ``tandem_session=<token>; HttpOnly; SameSite=Strict; Path=/`` (``Secure`` over https);
- ``GET /_tandem/signout`` clears the cookie (the script has already revoked the token on the server, so
  a copy of it is worthless).

The page calls them with a background ``fetch`` right after sign-in and sign-out (no navigation: the page,
its URL and its widgets stay as they are); they answer 204, or redirect to ``next`` (a path on this
server) when opened as a link. A script run reads the cookie with ``st.context.cookies`` (the request
cookies of its websocket connection) and validates it against ``user_sessions``
(``analytics.core.sessions``); until the connection that signed in is replaced, its session is bound to
that connection instead. When the app runs without these routes (AppTest, or a server that does not
serve ``app.py``'s ``st.App``), sign-in lives in session state only and a reload asks to sign in again.

``middleware()`` is for the same ``st.App`` (``middleware=session.middleware()``): every HTTP response says
that only this server may show it in a frame (``X-Frame-Options: SAMEORIGIN``, ``Content-Security-Policy:
frame-ancestors 'self'``), so another site cannot overlay the sign-in form or the app on its own page
(clickjacking). Same origin, not none: Streamlit shows its components in frames from this server.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from urllib.parse import urlencode

import streamlit as st

COOKIE = "tandem_session"
SIGN_IN_PATH = "/_tandem/session"
SIGN_OUT_PATH = "/_tandem/signout"
TICKET_SECONDS = 60

_tickets: dict[str, tuple[str, float]] = {}  # sha256(ticket) -> (session token, expiry on the monotonic clock)
_lock = threading.Lock()
_active = False  # the routes are served by this process (set by app.py through routes())


def active() -> bool:
    """Whether this process serves the cookie endpoints (otherwise sign-in lives in session state only)."""
    return _active


def cookie_token() -> str | None:
    """The session token the browser sent with this connection, if any."""
    try:
        value = st.context.cookies.get(COOKIE)
    except (AttributeError, RuntimeError):  # no script run context (bare mode)
        return None
    return value if isinstance(value, str) and value else None  # AppTest's context holds stand-ins


def issue_ticket(token: str) -> str:
    """A one-time ticket the browser exchanges for ``token`` at the sign-in endpoint within a minute."""
    ticket = secrets.token_urlsafe(32)
    now = time.monotonic()
    with _lock:
        for key in [k for k, (_, until) in _tickets.items() if until < now]:
            del _tickets[key]
        _tickets[_digest(ticket)] = (token, now + TICKET_SECONDS)
    return ticket


def take_ticket(ticket: str | None) -> str | None:
    """The token of a ticket, once: a used, unknown or expired ticket gives None."""
    if not ticket:
        return None
    with _lock:
        entry = _tickets.pop(_digest(ticket), None)
    if entry is None or entry[1] < time.monotonic():
        return None
    return entry[0]


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode("utf-8")).hexdigest()


def _base() -> str:
    from streamlit import config

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def safe_next(target: str | None) -> str:
    """A path on this server to go back to (never another site): ``/...`` but not ``//...``."""
    fallback = _base() + "/"
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    if any(ord(c) < 32 for c in target):
        return fallback
    return target


def connection() -> str | None:
    """A value unique to this run's websocket connection (its handshake's random Sec-WebSocket-Key): a
    session signed in on a connection stays bound to it until the browser presents the cookie."""
    try:
        value = st.context.headers.get("Sec-WebSocket-Key")
    except (AttributeError, RuntimeError):
        return None
    return value if isinstance(value, str) and value else None


def call(path: str, **params: str) -> None:
    """Have the browser call one of the endpoints in the background (fetch: same origin, no navigation,
    so the page, its widgets and its URL stay as they are); the response's Set-Cookie is stored."""
    url = json.dumps(_base() + path + ("?" + urlencode(params) if params else ""))
    st.html(f"<script>fetch({url}, {{credentials: 'same-origin', cache: 'no-store'}});</script>",
            unsafe_allow_javascript=True)


def routes(activate: bool = True) -> list:
    """The two endpoints as Starlette routes (app.py hands them to ``st.App``)."""
    from starlette.responses import RedirectResponse, Response
    from starlette.routing import Route

    global _active

    def _redirect(request) -> Response:
        """204 to the app's background fetch; a redirect back to ``next`` when a link or a form asks."""
        wanted = request.query_params.get("next")
        response = Response(status_code=204) if wanted is None else RedirectResponse(safe_next(wanted), 303)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"  # the ticket never leaves in a Referer
        return response

    async def sign_in(request):
        response = _redirect(request)
        token = take_ticket(request.query_params.get("ticket"))
        if token:
            response.set_cookie(COOKIE, token, path="/", httponly=True, samesite="strict",
                                secure=request.url.scheme == "https")
        return response

    async def sign_out(request):
        response = _redirect(request)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict",
                               secure=request.url.scheme == "https")
        return response

    if activate:
        _active = True
    base = _base()
    return [Route(base + SIGN_IN_PATH, sign_in, methods=["GET"]),
            Route(base + SIGN_OUT_PATH, sign_out, methods=["GET"])]


FRAME_HEADERS = ((b"x-frame-options", b"SAMEORIGIN"), (b"content-security-policy", b"frame-ancestors 'self'"))


class FrameGuard:
    """ASGI middleware: only pages of this server may frame its responses (headers a response already
    carries are left as they are)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":  # the websocket has no frame to protect
            await self.app(scope, receive, send)
            return

        async def send_guarded(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in FRAME_HEADERS if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_guarded)


def middleware() -> list:
    """The middleware for app.py's ``st.App`` (frame protection on every response)."""
    from starlette.middleware import Middleware

    return [Middleware(FrameGuard)]
