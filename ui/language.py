"""The session's language (English or 简体中文), kept in the session and in the URL."""
from __future__ import annotations

import streamlit as st

from analytics.core.i18n import LANG_LABELS


def lang() -> str:
    """The session's language; a fresh session takes it from the URL (``?lang=zh``) so links keep it."""
    chosen = st.session_state.get("lang")
    if chosen in LANG_LABELS:
        return chosen
    wanted = st.query_params.get("lang")
    return wanted if wanted in LANG_LABELS else "en"
