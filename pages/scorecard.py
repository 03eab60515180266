"""Scorecard & lists: weighted scores by role and stage, ranking, coaching and high-potential lists."""
from __future__ import annotations

import polars as pl
import streamlit as st

from analytics.core.i18n import fmt_number
from analytics.core.registry import get_metric
from analytics.core.review_values import VETO_RATING_CAP
from analytics.sales.scorecard import load_config
from ui import cached
from ui.context import context
from ui.people import people_table
from ui.widgets import formatted, formatted_table

ctx = context()
lang = ctx.lang
st.title(ctx.t("scorecard.title"))
st.caption(ctx.t("scorecard.caption"))
if not ctx.viewer.person_level:
    st.warning(ctx.t("access.person_level_only"))
    st.stop()

config = load_config()
with st.expander(ctx.t("scorecard.weights"), expanded=False):
    rows = [{ctx.t("scorecard.stage"): ctx.t(f"scorecard.stage.{stage}"), ctx.t("scorecard.component"):
             ctx.t(f"scorecard.c.{comp}"), ctx.t("scorecard.weight"): f"{w:.0%}"}
            for stage, weights in config.weights.items() for comp, w in weights.items()]
    st.dataframe(pl.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(ctx.t("scorecard.rules", months=config.new_rep_months, points=config.complaint_deduction,
                     cap=config.max_deduction))

card = cached.report(ctx, "scorecard.scorecard", ctx.period, ctx.as_of)
teams = cached.report(ctx, "attrition.group_names", "team", lang)
stage = st.segmented_control(ctx.t("scorecard.stage"), ["all", "new_rep", "mature_rep", "manager"],
                             format_func=lambda s: ctx.t(f"scorecard.stage.{s}"), default="all",
                             key="scorecard_stage")
shown = card if stage in (None, "all") else card.filter(pl.col("stage") == stage)
st.metric(ctx.t("scorecard.people"), f"{shown.height:,}")
shown = shown.with_columns(team=pl.col("team_id").replace_strict(teams, default=pl.col("team_id")),
                           stage_name=pl.col("stage").replace_strict(
                               {s: ctx.t(f"scorecard.stage.{s}") for s in ("new_rep", "mature_rep", "manager")}),
                           top=pl.when(pl.col("top_20")).then(pl.lit("★")).otherwise(pl.lit("")),
                           veto_mark=pl.when(pl.col("vetoed")).then(pl.lit(ctx.t("values.veto_mark")))
                           .otherwise(pl.lit("")))
formatted_table(shown, {
    "rank": ("#", "count"), "top": (ctx.t("scorecard.top20"), "text"), "name": (ctx.t("risk.name"), "text"),
    "team": (ctx.t("dim.team"), "text"), "stage_name": (ctx.t("scorecard.stage"), "text"),
    "score": (ctx.t("scorecard.score"), "score"), "deduction": (ctx.t("scorecard.deduction"), "count"),
    "attainment": (ctx.t("scorecard.c.attainment"), "ratio"),
    "new_customers": (ctx.t("scorecard.c.new_customers"), "count"),
    "repeat_rate": (ctx.t("scorecard.c.repeat_rate"), "ratio"),
    "collection_rate": (ctx.t("scorecard.c.collection_rate"), "ratio"),
    "visits": (ctx.t("scorecard.c.visits"), "count"),
    "proposal_on_time": (ctx.t("scorecard.c.proposal_on_time"), "ratio"),
    "complaints": (ctx.t("scorecard.complaints"), "count"),
    "values_score": (get_metric("values_score").name(lang), "score"),
    "collaboration": (get_metric("collaboration_score").name(lang), "score"),
    "veto_mark": (ctx.t("values.veto"), "text"),
}, lang, height=420, person_level=ctx.viewer.person_level, key="scorecard_people")

# ── Values and the one-vote veto: who is held back and why ──
st.caption(ctx.t("values.rule", cap=VETO_RATING_CAP))
vetoed = card.filter(pl.col("vetoed"))
if vetoed.height:
    st.markdown(ctx.t("values.vetoed_title", n=fmt_number(vetoed.height, "count", lang)))
    vetoed = vetoed.with_columns(team=pl.col("team_id").replace_strict(teams, default=pl.col("team_id")))
    people_table(formatted(vetoed, {"name": (ctx.t("risk.name"), "text"), "team": (ctx.t("dim.team"), "text"),
                                    "score": (ctx.t("scorecard.score"), "score"),
                                    "veto_reason": (ctx.t("values.veto_reason"), "text")}, lang),
                 vetoed["employee_id"], "scorecard_vetoed", person_level=ctx.viewer.person_level,
                 hint=ctx.t("person.open_hint"))


def list_table(frame: pl.DataFrame) -> pl.DataFrame:
    """Name, the quarters' attainment (formatted), latest rating and potential."""
    quarters = [c for c in frame.columns if c[:4].isdigit() and "-Q" in c]
    return formatted(frame, {"name": (ctx.t("risk.name"), "text"), **{q: (q, "ratio") for q in quarters},
                             "rating": (ctx.t("scorecard.rating"), "count"),
                             "potential": (ctx.t("scorecard.potential"), "count")}, lang)


left, right = st.columns(2)
with left:
    st.subheader(ctx.t("scorecard.coaching"))
    st.caption(ctx.t("scorecard.coaching_rule"))
    coaching = cached.report(ctx, "scorecard.coaching_list", ctx.as_of)
    people_table(list_table(coaching), coaching["employee_id"], "scorecard_coaching",
                 person_level=ctx.viewer.person_level, hint=ctx.t("person.open_hint"))
with right:
    st.subheader(ctx.t("scorecard.hipo"))
    st.caption(ctx.t("scorecard.hipo_rule") + " " + ctx.t("values.hipo_rule"))
    hipo = cached.report(ctx, "scorecard.high_potential", ctx.as_of)
    people_table(list_table(hipo), hipo["employee_id"], "scorecard_hipo",
                 person_level=ctx.viewer.person_level, hint=ctx.t("person.open_hint"))
