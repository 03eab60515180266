"""Tandem — entry point: settings, database (demo on first start), shared sidebar, navigation."""
from __future__ import annotations

import streamlit as st

from analytics.access import full_access
from analytics.i18n import t
from analytics.settings import SettingsError, load_settings
from ui.context import end_run, lang, open_or_stop, render_sidebar

st.set_page_config(page_title="Tandem", page_icon="🚲", layout="wide")

try:
    settings = load_settings()
except SettingsError as exc:
    st.error(str(exc))
    st.stop()

db = open_or_stop(settings)
language = lang()
pages = {
    t("nav.group.reviews", language): [
        st.Page("pages/overview.py", title=t("nav.overview", language), icon=":material/dashboard:",
                url_path="overview", default=True),
    ],
    t("nav.group.hr", language): [
        st.Page("pages/attrition.py", title=t("nav.attrition", language), icon=":material/group_remove:",
                url_path="attrition"),
        st.Page("pages/risk.py", title=t("nav.risk", language), icon=":material/warning:", url_path="risk"),
    ],
    t("nav.group.sales", language): [
        st.Page("pages/quota.py", title=t("nav.quota", language), icon=":material/trending_up:", url_path="quota"),
        st.Page("pages/scorecard.py", title=t("nav.scorecard", language), icon=":material/leaderboard:",
                url_path="scorecard"),
        st.Page("pages/incentives.py", title=t("nav.incentives", language), icon=":material/payments:",
                url_path="incentives"),
    ],
    t("nav.group.reference", language): [
        st.Page("pages/glossary.py", title=t("nav.glossary", language), icon=":material/menu_book:",
                url_path="glossary"),
    ],
}
navigation = st.navigation(pages)
# Until sign-in exists (issue 8) the local user sees the whole company; the seam is the Viewer.
render_sidebar(db, settings, full_access("local", settings.suppression_threshold))
try:
    navigation.run()
finally:
    end_run()
