"""Frame protection (ui/session.py): every HTTP response may be framed by this server's own pages only."""
from __future__ import annotations

import asyncio

from starlette.responses import Response
from starlette.routing import Route

from ui import session


def _get(app, path: str = "/") -> dict[str, str]:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": [], "scheme": "http", "server": ("127.0.0.1", 8501), "root_path": ""}
    run_coroutine(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return {k.decode().lower(): v.decode() for k, v in start["headers"]}


def test_every_response_may_be_framed_only_by_this_server():
    from starlette.applications import Starlette

    async def page(request):
        return Response("<html>sign in</html>", media_type="text/html")

    app = Starlette(routes=[Route("/", page), *session.routes(activate=False)], middleware=session.middleware())
    for path in ("/", session.SIGN_IN_PATH, session.SIGN_OUT_PATH):
        headers = _get(app, path)
        assert headers["x-frame-options"] == "SAMEORIGIN"
        assert headers["content-security-policy"] == "frame-ancestors 'self'"


def test_a_header_already_set_is_kept():
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"Content-Security-Policy", b"frame-ancestors 'none'")]})
        await send({"type": "http.response.body", "body": b""})

    headers = _get(session.FrameGuard(app))
    assert headers["content-security-policy"] == "frame-ancestors 'none'"
    assert headers["x-frame-options"] == "SAMEORIGIN"


def run_coroutine(coroutine):
    """Run ``coroutine`` to its end on a thread of its own (a running loop on this thread — a browser test's —
    must not matter)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
