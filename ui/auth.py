"""Sign-in for the app: local accounts (argon2 hashes), optional OIDC through ``st.login``, session expiry.

A sign-in with a password starts a server-side session (``analytics.core.sessions``) whose token the
browser keeps in an HttpOnly, SameSite=Strict cookie (``ui.session``), so a reload or a shared link stays
signed in until sign-out, a password change or the idle time (TANDEM_SESSION_MINUTES). The user of a run
is in session state, bound to that cookie: a connection that does not present the same valid token (for
instance one that only knows the Streamlit session id) is signed out. The Viewer is rebuilt from the
database on every run, so a disabled user or a changed role takes effect at once.

Failed sign-ins are throttled by ``analytics.core.auth.Throttle``, per user name, per client address
(``client_address``) and across the server; a refusal says how many seconds to wait, and this browser
session gets its turn once it has waited. Under the sign-out button every user with a local password can
change it (``password_form``): the current password, the new one twice; every other session of the user
ends and this browser continues on a new token.
"""
from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

import streamlit as st

from analytics.core import auth, sessions
from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.i18n import t
from analytics.core.settings import PROJECT_ROOT, Settings
from ui import session as cookie
from ui.language import grants_text, lang, language_switch, refusal

SESSION_MINUTES = int(os.environ.get("TANDEM_SESSION_MINUTES", "480"))  # idle time before signing in again
SECRETS = PROJECT_ROOT / ".streamlit" / "secrets.toml"


def ensure_cookie_secret(path: Path = SECRETS) -> None:
    """Generate the cookie secret Streamlit's st.login needs, once, outside git (secrets.toml is ignored)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Generated on first start; kept out of git. To offer single sign-on, add an OIDC provider here\n"
        "# (redirect_uri, client_id, client_secret, server_metadata_url) as Streamlit's st.login documents.\n"
        f'[auth]\ncookie_secret = "{secrets.token_urlsafe(32)}"\n', encoding="utf-8")
    path.chmod(0o600)


def _oidc_configured() -> bool:
    try:
        return bool(st.secrets.get("auth", {}).get("client_id"))
    except (FileNotFoundError, KeyError, AttributeError):
        return False


def current_viewer(db: Database, settings: Settings) -> Viewer | None:
    """The signed-in user's Viewer, or None (not signed in, or the session expired)."""
    session = _cookie_session(db)
    now = dt.datetime.now()
    auto = os.environ.get("TANDEM_DEMO_AUTOLOGIN")
    if session is None and auto and db.meta("demo") == "true" and db.scalar(
            "select count(*) from users where username = $u and is_demo and not disabled", u=auto):
        # walking the demo (screenshots, tools/walk.py): only demo accounts, only on the demo company
        session = st.session_state["auth"] = {"user": auto, "seen": now}
    if session is None and _oidc_configured() and getattr(st.user, "is_logged_in", False):
        viewer = auth.viewer_for_email(db, st.user.get("email", ""), settings.suppression_threshold)
        if viewer is None:
            return None
        session = st.session_state["auth"] = {"user": viewer.user, "seen": now}
    if session is None:
        return None
    if "sid" not in session and now - session["seen"] > dt.timedelta(minutes=SESSION_MINUTES):
        st.session_state.pop("auth", None)
        st.session_state["auth_expired"] = True
        return None
    session["seen"] = now
    return auth.viewer_for(db, session["user"], settings.suppression_threshold)


def login_view(db: Database) -> None:
    """The sign-in form (and, in demo mode, the demo accounts with their password)."""
    language = language_switch()
    st.title(t("auth.title", language))
    if st.session_state.pop("auth_expired", False):
        st.info(t("auth.expired", language))
    if st.session_state.pop("forget_cookie", False) and cookie.active():
        cookie.call(cookie.SIGN_OUT_PATH)  # the token is revoked already; the browser drops it too
    with st.form("login"):
        username = st.text_input(t("auth.username", language), key="login_user")
        password = st.text_input(t("auth.password", language), type="password", key="login_password")
        submitted = st.form_submit_button(t("auth.sign_in", language))
    if submitted:
        try:
            auth.authenticate(db, username.strip(), password, address=client_address(), requester=_requester())
        except auth.AuthError as exc:
            st.error(t("auth.refused", language, reason=refusal_text(exc, language)))
        else:
            session = st.session_state["auth"] = {"user": username.strip(), "seen": dt.datetime.now()}
            if cookie.active():  # a new token (the one this browser held is revoked); the next run sets the cookie
                token = sessions.create_session(db, username.strip(), replaces=cookie.cookie_token())
                session.update(sid=sessions.token_hash(token), conn=cookie.connection(),
                               ticket=cookie.issue_ticket(token))
            st.rerun()
    if _oidc_configured():
        st.button(t("auth.sso", language), on_click=st.login)
    if db.meta("demo") == "true":
        st.divider()
        st.subheader(t("auth.demo_title", language))
        st.caption(t("auth.demo_note", language, password=auth.DEMO_PASSWORD))
        st.table({t("auth.username", language): [u for u, _ in auth.demo_accounts(db)],
                  t("auth.roles", language): [grants_text(db, r, language) for _, r in auth.demo_accounts(db)]})
    elif not db.scalar("select count(*) from users"):
        st.warning(t("auth.no_users", language))


def logout_button(viewer: Viewer, db: Database | None = None) -> None:
    language = lang()
    st.sidebar.caption(t("auth.signed_in", language, user=viewer.user))
    if st.sidebar.button(t("auth.sign_out", language), key="logout"):
        ended = st.session_state.pop("auth", None) or {}
        if db is not None and ended.get("sid"):
            sessions.revoke(db, ended["sid"], hashed=True)  # the cookie's token is worthless from now on
        if _oidc_configured() and getattr(st.user, "is_logged_in", False):
            st.logout()
        st.session_state["forget_cookie"] = True
        st.rerun()
    if db is not None:
        password_form(viewer, db)


def password_form(viewer: Viewer, db: Database) -> None:
    """"Change password" in the sidebar, under the sign-out button, for a user with a local password."""
    if not auth.has_password(db, viewer.user):
        return  # single sign-on only: the password lives with the identity provider
    language = lang()
    with st.sidebar.expander(t("auth.account.change_password", language)):
        if db.scalar("select is_demo from users where username = $u", u=viewer.user):
            st.caption(t("auth.account.demo", language))  # the sign-in page shows the demo password to everyone
            return
        with st.form("change_password", clear_on_submit=True, border=False):
            current = st.text_input(t("auth.account.current", language), type="password", key="password_current")
            new = st.text_input(t("auth.account.new", language, n=auth.MIN_PASSWORD), type="password",
                                key="password_new")
            repeat = st.text_input(t("auth.account.repeat", language), type="password", key="password_repeat")
            submitted = st.form_submit_button(t("auth.account.save", language))
        if not submitted:
            return
        session = st.session_state.get("auth") or {}
        try:
            token = auth.change_own_password(db, viewer.user, current, new, repeat, address=client_address(),
                                             requester=_requester(),
                                             new_session=cookie.active() or "sid" in session)
        except auth.AuthError as exc:
            st.error(t("auth.account.refused", language, reason=refusal_text(exc, language)))
            return
        if token is not None:  # every token of the user is revoked: this browser continues on a new one
            session.update(sid=sessions.token_hash(token), conn=cookie.connection())
            if cookie.active():
                cookie.call(cookie.SIGN_IN_PATH, ticket=cookie.issue_ticket(token))
        st.success(t("auth.account.changed", language, user=viewer.user))


def refusal_text(exc: auth.AuthError, language: str) -> str:
    """A refused sign-in, password change or account change, in ``language``."""
    code, params = exc.code, exc.params
    if code == "bad_login":
        return t("auth.bad_login", language)
    if code == "throttled":
        return t("auth.throttled", language, s=params["s"])
    if code == "wrong_current":
        return t("auth.account.wrong_current", language)
    if code == "mismatch":
        return t("auth.account.mismatch", language)
    if code == "too_short":
        return t("auth.account.too_short", language, n=params["n"])
    if code == "unchanged":
        return t("auth.account.unchanged", language)
    if code == "no_password":
        return t("auth.account.no_password", language)
    if code == "not_admin":
        return t("auth.account.not_admin", language)
    if code == "own_account":
        return t("auth.account.own_account", language)
    return refusal(str(exc), language)


def client_address() -> str | None:
    """The client's address, for throttling: the connection's peer. Streamlit reports a peer on this machine
    (127.0.0.1, ::1) as None; then the app is reached through a proxy here (``server.address`` is 127.0.0.1
    by default), and the last X-Forwarded-For entry, the one that proxy added, names the client. None when
    there is neither (a browser on the server itself, AppTest)."""
    try:
        peer = st.context.ip_address
        headers = st.context.headers
    except (AttributeError, RuntimeError):  # no script run context
        return None
    if isinstance(peer, str) and peer:
        return peer
    forwarded = headers.get("X-Forwarded-For") if headers is not None else None
    if isinstance(forwarded, str) and forwarded.split(",")[-1].strip():  # AppTest's context holds stand-ins
        return forwarded.split(",")[-1].strip()[:64]
    return None


def _requester() -> str:
    """This browser session, for the throttle: a session told to wait gets its turn once it has waited."""
    return st.session_state.setdefault("signin_turn", secrets.token_urlsafe(16))


def _cookie_session(db: Database) -> dict | None:
    """The run's signed-in session: the one in session state if the connection still presents its valid
    token, else the one the connection's cookie names (a reload, a shared link), else None."""
    session = st.session_state.get("auth")
    token = cookie.cookie_token()
    if session is not None and "sid" in session:
        # the browser's cookie, or the very connection that signed in (its cookie arrives with the next one)
        bound = (token is not None and sessions.token_hash(token) == session["sid"]) or (
            session.get("conn") is not None and session["conn"] == cookie.connection())
        if bound and sessions.validate(db, session["sid"], SESSION_MINUTES, hashed=True) == session["user"]:
            if "ticket" in session:  # just signed in: the browser fetches its cookie in the background
                cookie.call(cookie.SIGN_IN_PATH, ticket=session.pop("ticket"))
            return session
        st.session_state.pop("auth", None)  # signed out elsewhere, expired, or another browser: sign in again
        st.session_state["auth_expired"] = bound
        session = None
    if session is None and token is not None:
        user = sessions.validate(db, token, SESSION_MINUTES)
        if user is not None:
            session = st.session_state["auth"] = {"user": user, "seen": dt.datetime.now(),
                                                  "sid": sessions.token_hash(token)}
    return session
