"""Key accounts: the best-fitting rep for every KA account (an assignment with capacities) and continuity."""
from __future__ import annotations

import polars as pl
import streamlit as st

from analytics.core.i18n import fmt_number
from analytics.people import risk_report, risk_store, talent_report
from ui import cached, widgets
from ui.context import context, get_database
from ui.people import people_table

ctx = context()
lang = ctx.lang


def owner_table(frame: pl.DataFrame, key: str, height: int | None = None) -> None:
    """As :func:`ui.widgets.table` (same headers, values and row limit), a row opening the growth archive of the
    account's owner today (``owner_id``, hidden; an account without an owner opens nothing). table() links a row
    only through ``employee_id`` and ``name``, and here the person is the owner, named ``owner_name``."""
    from analytics.core.i18n import CATALOGUE

    limit = widgets.TABLE_ROWS
    head = frame.head(limit)
    shown = widgets.display_frame(ctx, head)
    rename, used = {}, set()
    for c in shown.columns:  # two columns may share a label: keep the second's own name (as table() does)
        label = ctx.t(f"col.{c}") if f"col.{c}" in CATALOGUE["en"] else c
        rename[c] = label if label not in used else c
        used.add(rename[c])
    owners = head["owner_id"] if "owner_id" in head.columns else []
    people_table(shown.rename(rename), owners, key, person_level=ctx.viewer.person_level,
                 hint=ctx.t("person.open_hint"), **({"height": height} if height else {}))
    if frame.height > limit:
        st.caption(ctx.t("format.table_cut", shown=fmt_number(limit, "count", lang),
                         n=fmt_number(frame.height, "count", lang)))

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
owner_table(moves.select("customer_name", "industry", "owner_id", "owner_name", "owner_fit", "suggested_name", "fit",
                         "gain", "fit_skill", "fit_track_record", "fit_industry", "fit_region", "fit_load"),
            "ka_moves", height=320)
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
owner_table(cont, "ka_continuity")
