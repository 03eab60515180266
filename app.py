"""Tandem — entry point: settings, database (demo on first start), sign-in, shared sidebar, navigation.

Which pages appear depends on the signed-in user's roles; what each page shows is filtered in the data
layer by the user's Viewer (scope and fields), never here.

This file is read twice. ``streamlit run app.py`` finds the ``st.App`` below, imports the file as the
module ``app`` and serves that application: Streamlit plus the session-cookie endpoints of
``ui.session``. Each script run then executes the file as ``__main__`` and draws the app (``main``).
"""
from __future__ import annotations

import functools
import logging
import threading

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from analytics.core.i18n import t
from analytics.core.page_catalogue import PAGES
from analytics.core.settings import SettingsError, load_settings
from ui import alerts_clock, session, sync_clock
from ui.auth import current_viewer, ensure_cookie_secret, login_view, logout_button
from ui.company_metrics import load_at_start as load_custom_metrics
from ui.context import end_run, open_or_stop, render_sidebar
from ui.language import lang
from ui.style import phone_style

SLUGS = tuple(p.slug for p in PAGES)  # every page's address (analytics/core/page_catalogue.py)
MEETINGS = {"monthly-review": "monthly", "quarterly-review": "quarterly"}  # pages whose period is a meeting's


def main() -> None:
    st.set_page_config(page_title="Tandem", page_icon="🚲", layout="wide")
    phone_style()

    try:
        settings = load_settings()
    except SettingsError as exc:
        st.error(str(exc))
        st.stop()

    ensure_cookie_secret()
    db = open_or_stop(settings)
    load_custom_metrics(db)  # the company's own metrics (metrics/*.toml): read, and each tried once on this database
    alerts_clock.ensure_started(db, settings.fiscal_year_start)  # the served app's alert schedule (once)
    sync_clock.ensure_started(db, settings.fiscal_year_start)  # and its sync from PostgreSQL, when configured
    language = lang()
    viewer = current_viewer(db, settings)

    if viewer is None:  # the sign-in form at every page's address, so a shared link opens its page after sign-in
        login = [st.Page(lambda: login_view(db), title=t("auth.title", language), icon=":material/login:",
                         url_path="login", default=True)]
        login += [st.Page(functools.partial(login_view, db), title=t("auth.title", language),
                          icon=":material/login:", url_path=slug) for slug in SLUGS]
        st.navigation(login, position="hidden").run()
        st.stop()

    def page(path: str, key: str, icon: str, slug: str, default: bool = False) -> st.Page:
        return st.Page(path, title=t(key, language), icon=icon, url_path=slug, default=default)

    reviews = [page("pages/overview.py", "nav.overview", ":material/dashboard:", "overview", default=True),
               page("pages/inbox.py", "nav.inbox", ":material/notifications_active:", "inbox"),
               page("pages/review_monthly.py", "nav.review_monthly", ":material/event:", "monthly-review"),
               page("pages/review_quarterly.py", "nav.review_quarterly", ":material/event_note:", "quarterly-review"),
               page("pages/goals.py", "nav.goals", ":material/flag:", "goals")]
    people = [page("pages/attrition.py", "nav.attrition", ":material/group_remove:", "attrition"),
              page("pages/risk.py", "nav.risk", ":material/warning:", "risk"),
              page("pages/hiring.py", "nav.hiring", ":material/person_add:", "hiring"),
              page("pages/talent.py", "nav.talent", ":material/psychology:", "talent"),
              page("pages/training.py", "nav.training", ":material/school:", "training"),
              page("pages/plans.py", "nav.plans", ":material/assignment_turned_in:", "plans"),
              page("pages/care.py", "nav.care", ":material/volunteer_activism:", "care")]
    sales = [page("pages/quota.py", "nav.quota", ":material/trending_up:", "quota")]
    if viewer.person_level:  # a person's growth archive: from the menu, or a click on a row that names them
        people.append(page("pages/person.py", "nav.person", ":material/badge:", "person"))
        sales.append(page("pages/scorecard.py", "nav.scorecard", ":material/leaderboard:", "scorecard"))
        sales.append(page("pages/key_accounts.py", "nav.key_accounts", ":material/handshake:", "key-accounts"))
    if viewer.sees_any_pay:
        sales.append(page("pages/incentives.py", "nav.incentives", ":material/payments:", "incentives"))
        sales.append(page("pages/joint_plan.py", "nav.joint_plan", ":material/balance:", "joint-plan"))
    reference = [page("pages/glossary.py", "nav.glossary", ":material/menu_book:", "glossary")]
    if viewer.is_admin or viewer.sees_pay:  # loading data changes everyone's numbers: HR head and admins
        reference.append(page("pages/data.py", "nav.data", ":material/upload_file:", "data"))
    if viewer.is_admin or "hr_head" in viewer.roles:  # the system's own use and the feedback notes
        reference.append(page("pages/usage.py", "nav.usage", ":material/query_stats:", "usage"))
    if viewer.is_admin:
        reference.append(page("pages/admin.py", "nav.admin", ":material/admin_panel_settings:", "admin"))

    if viewer.sees_nothing:  # no role, or disabled: nothing but the way out
        reviews, people, sales = [page("pages/no_access.py", "nav.no_access", ":material/block:", "no-access",
                                       default=True)], [], []
        reference = []

    pages = {t("nav.group.reviews", language): reviews, t("nav.group.hr", language): people,
             t("nav.group.sales", language): sales, t("nav.group.reference", language): reference}
    navigation = st.navigation({group: items for group, items in pages.items() if items}, expanded=True)
    logout_button(viewer, db)
    # the sidebar also records a page view once per visit and holds the feedback button (ui/usage.py); the default
    # page's address reads ""
    render_sidebar(db, settings, viewer, MEETINGS.get(navigation.url_path),
                   page=navigation.url_path or ("no-access" if viewer.sees_nothing else "overview"))
    try:
        navigation.run()
    except BaseException as exc:
        # A polars panic is a BaseException: Streamlit would leave the page spinning. Say so on the page in the
        # user's language and log the details; the server keeps serving.
        if isinstance(exc, Exception | ScriptControlException | KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        logging.getLogger("tandem").exception("a computation failed on a page")
        st.error(t("app.computation_failed", language))
    finally:
        end_run()


if __name__ == "__main__":  # a script run
    main()
else:  # imported by ``streamlit run app.py`` (or an ASGI server): Streamlit with the session endpoints
    app = st.App(__file__, routes=session.routes(), middleware=session.middleware())
    alerts_clock.SERVING = True  # the green channel's schedule runs in a served app (not under AppTest)
    sync_clock.SERVING = True  # so does the live sync's (TANDEM_SYNC_FROM)
    # Navigation is st.navigation's alone: without this, the first run after a start that asks for a page
    # (a shared link) would run pages/<page>.py on its own, as Streamlit does for a bare pages/ folder.
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False

    def _preload() -> None:
        """Import the report modules (scikit-learn, SciPy, Plotly: seconds) while the server starts, so no first
        view pays for them."""
        import ui.cached

        ui.cached.preload()

    threading.Thread(target=_preload, name="tandem-preload", daemon=True).start()
