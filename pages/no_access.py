"""Shown to a signed-in user with no role or a disabled account: nothing but the way out."""
from __future__ import annotations

import streamlit as st

from analytics.core.i18n import t
from ui.language import lang

st.title(t("noaccess.title", lang()))
st.info(t("noaccess.body", lang()))
