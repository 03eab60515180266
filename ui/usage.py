"""The shared frame's two usage hooks (the sidebar, ``ui.context.render_sidebar``, calls :func:`frame` on every run of
every page, whether app.py draws it or a page script runs on its own):

* a page view is recorded once per visit — when the session switches to a page, not on a rerun of the same page
  (language, period, scope, any click) — with the page's address, the user, the roles and the session's key;
* the sidebar's *Feedback* / *意见反馈* popover stores a note with the page and the sidebar's period and scope, for
  the admins (the Usage page), and says so in the page's language.

A *session* is one signed-in browser session: the key is drawn into the session's sign-in record (``auth`` in
session state) the first time a page is viewed; a new sign-in, or a reload the cookie signs in again, starts a
new record and so a new session. Both writes are bookkeeping (no data version) and never stop a page.
"""
from __future__ import annotations

import logging
import secrets

import streamlit as st

from analytics.core import usage_log
from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.i18n import t
from analytics.core.page_catalogue import BY_SLUG
from analytics.core.periods import Period

_log = logging.getLogger("tandem.usage")
ALL = "__all__"  # the org pickers' "whole scope" choice (ui.context.ALL; not imported: ui.context calls this module)
SCRIPT_SLUGS = {"review_monthly": "monthly-review", "review_quarterly": "quarterly-review"}  # the rest: _ → -


def current_page() -> str:
    """The running page's address: the page Streamlit's navigation is running (a page script run on its own, as
    AppTest's ``switch_page`` does, is found by its file name)."""
    from pathlib import Path

    from streamlit.runtime.scriptrunner import get_script_run_ctx

    run = get_script_run_ctx()
    try:
        info = (run.pages_manager.get_pages().get(run.page_script_hash) or {}) if run is not None else {}
    except AttributeError:  # another Streamlit's page manager: the default page
        info = {}
    stem = Path(info.get("script_path") or "overview.py").stem
    slug = SCRIPT_SLUGS.get(stem, stem.replace("_", "-"))
    return slug if slug in BY_SLUG else info.get("url_pathname") or "overview"


def _roles(viewer: Viewer) -> list[str]:
    return sorted(viewer.roles)


def note_view(db: Database, viewer: Viewer, page: str) -> None:
    """Record a page view when this run opens ``page`` (a rerun of the page already shown records nothing)."""
    auth = st.session_state.get("auth")
    if isinstance(auth, dict):
        session = auth.setdefault("usage_session", secrets.token_hex(8))
    else:  # signed in without a session record (single sign-on's first run): one key for this browser session
        session = st.session_state.setdefault("usage_session", secrets.token_hex(8))
    visit = (viewer.user, session, page)
    if st.session_state.get("usage_visit") == visit:
        return
    st.session_state["usage_visit"] = visit  # even if the write fails: a broken log does not retry every rerun
    usage_log.record_view(db, viewer.user, _roles(viewer), page, session)


def feedback_button(db: Database, viewer: Viewer, page: str, lang: str, period: Period) -> None:
    """The sidebar's feedback popover: a note about this page and period, stored for the admins."""
    with st.sidebar.popover(t("feedback.button", lang), icon=":material/feedback:"):
        st.caption(t("feedback.caption", lang, period=period.label))
        with st.form("feedback_form", clear_on_submit=True, border=False):
            note = st.text_area(t("feedback.note", lang), max_chars=usage_log.NOTE_MAX, key="feedback_note")
            sent = st.form_submit_button(t("feedback.send", lang))
        if not sent:
            return
        if not note.strip():
            st.warning(t("feedback.empty", lang))
            return
        team, region = st.session_state.get("scope_team", ALL), st.session_state.get("scope_region", ALL)
        scope = team if team not in (None, ALL) else region if region not in (None, ALL) else None
        try:
            usage_log.add_feedback(db, viewer.user, _roles(viewer), page, note, period=period.label,
                                   grain=period.grain, scope=scope, lang=lang)
        except Exception:  # bookkeeping never breaks a page
            _log.warning("a feedback note could not be stored", exc_info=True)
            st.warning(t("feedback.failed", lang))
        else:
            st.success(t("feedback.thanks", lang))


def frame(db: Database, viewer: Viewer, page: str, lang: str, period: Period) -> None:
    """Both hooks, for the page at ``page`` (its address)."""
    note_view(db, viewer, page)
    feedback_button(db, viewer, page, lang, period)
