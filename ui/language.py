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


def language_switch() -> str:
    """English / 简体中文 where the sidebar is not drawn (the sign-in page): the choice becomes the session's
    language and goes into the URL, as the sidebar's switch does. Returns the language chosen."""
    from analytics.core.i18n import t

    st.session_state["lang_signin"] = lang()  # follow a choice made in the sidebar before signing out

    def switch() -> None:
        st.session_state["lang"] = st.session_state["lang_signin"]
        st.query_params["lang"] = st.session_state["lang_signin"]

    st.radio(t("sidebar.language", lang()), list(LANG_LABELS), format_func=LANG_LABELS.get, key="lang_signin",
             horizontal=True, on_change=switch)
    return lang()


def refusal(reason: str, language: str) -> str:
    """Why a sign-in was refused, in ``language`` (the sign-in check words its refusals in English)."""
    import re

    from analytics.core.auth import BAD_LOGIN
    from analytics.core.i18n import t

    if reason == BAD_LOGIN:
        return t("auth.bad_login", language)
    if m := re.fullmatch(r"Too many failed attempts\. Try again in (\d+) seconds\.", reason):
        return t("auth.throttled", language, s=m[1])
    return reason


def grants_text(db, grants: str, language: str) -> str:
    """``"hr_head@company, manager@east-01"`` → "HR head · Whole company, Manager · East 1" in ``language``."""
    from analytics.core.i18n import code_label

    units = dict(db.sql(f"select org_unit_id, {'name_zh' if language == 'zh' else 'name_en'} from org_units").rows())
    parts = []
    for grant in (g.strip() for g in grants.replace(";", ",").split(",")):
        if grant:
            role, _, unit = grant.partition("@")
            parts.append(f"{code_label('owner', role, language)} · {units.get(unit, unit)}")
    return ("、" if language == "zh" else ", ").join(parts)
