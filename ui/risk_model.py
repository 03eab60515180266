"""The flight-risk model a page scores with, never waited for blank: the current data's model when it is fitted,
else the previous one — said so on the page, with a look every few seconds — while the new one is fitted in the
background (analytics/people/risk_store.py)."""
from __future__ import annotations

import streamlit as st

from analytics.people import risk_report, risk_store
from ui.context import Context, get_database


def model_ref(ctx: Context) -> str | None:
    """The stored model to score with (its reference: part of a cached call's key), after the page's note when it
    is the previous one; None when no model exists yet (the call then fits, under its spinner)."""
    db = get_database(ctx.db_path)
    state = risk_store.state(db, ctx.as_of)
    if state.fitting and state.model is not None:
        st.info(risk_report.refit_note(state, ctx.lang))

        @st.fragment(run_every=3)
        def _watch_the_fit() -> None:
            if risk_store.state(db, ctx.as_of).ready:
                st.rerun(scope="app")

        _watch_the_fit()
    return state.ref
