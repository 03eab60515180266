"""Key accounts: the best-fitting rep for every KA account (an assignment with capacities) and continuity."""
from __future__ import annotations

import polars as pl
import streamlit as st

from analytics.core.i18n import fmt_number
from analytics.people import risk_report, risk_store, talent_report
from ui import cached
from ui.context import context, get_database
from ui.widgets import table

ctx = context()
lang = ctx.lang
st.title(ctx.t("ka.title"))
st.caption(ctx.t("ka.caption"))
if not ctx.viewer.person_level:
    st.warning(ctx.t("access.person_level_only"))
    st.stop()
capacity = st.slider(ctx.t("ka.capacity"), 5, 60, 25, 1, key="ka_capacity")
match = cached.report(ctx, "talent.ka_matching", ctx.as_of, capacity)
c = st.columns(3)
c[0].metric(ctx.t("ka.accounts"), f"{match.accounts.height:,}", border=True)
c[1].metric(ctx.t("ka.kept"), f"{int(match.accounts['keep'].sum()):,}", border=True)
c[2].metric(ctx.t("ka.gain"), fmt_number(match.total_fit - match.current_fit, "score", lang),
            help=ctx.t("ka.gain_help"), border=True)
moves = match.accounts.filter(~pl.col("keep")).sort("gain", descending=True)
st.markdown(ctx.t("ka.moves", n=f"{moves.height:,}"))
table(moves.select("customer_name", "industry", "owner_name", "owner_fit", "suggested_name", "fit", "gain",
                          "fit_skill", "fit_track_record", "fit_industry", "fit_region", "fit_load"),
      height=320)
st.subheader(ctx.t("ka.continuity"))
# continuity needs the flight-risk model: never waited for blank while it is fitted (risk_store.state)
db = get_database(ctx.db_path)
model_state = risk_store.state(db, ctx.as_of)
if model_state.fitting and model_state.model is not None:  # the previous model's results meanwhile, said so
    st.info(risk_report.refit_note(model_state, lang))
    with risk_report.showing(model_state.ref):
        cont = talent_report.continuity(db, ctx.viewer, ctx.as_of, capacity)

    @st.fragment(run_every=3)
    def _watch_the_fit() -> None:
        if risk_store.state(db, ctx.as_of).ready:
            st.rerun(scope="app")

    _watch_the_fit()
elif not model_state.ready:  # the first fit ever on this data: wait for it, saying so
    with st.spinner(ctx.t("risk.model.first"), show_time=True):
        cont = cached.report(ctx, "talent.continuity", ctx.as_of, capacity)
else:
    cont = cached.report(ctx, "talent.continuity", ctx.as_of, capacity)
st.caption(ctx.t("ka.continuity_note"))
table(cont)
