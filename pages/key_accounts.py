"""Key accounts: the best-fitting rep for every KA account (an assignment with capacities) and continuity."""
from __future__ import annotations

import polars as pl
import streamlit as st

from analytics.core.i18n import fmt_number
from ui import cached
from ui.context import context
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
cont = cached.report(ctx, "talent.continuity", ctx.as_of, capacity)
st.caption(ctx.t("ka.continuity_note"))
table(cont)
