"""Talent: skill profiles (员工画像), tiers, archetypes, team gaps, the 9-box, promotion readiness, internal moves."""
from __future__ import annotations

import polars as pl
import streamlit as st

from analytics.charts import figures as charts
from analytics.core.i18n import fmt_number
from analytics.core.review_values import VETO_RATING_CAP
from analytics.people import hiring_report, skills
from ui import cached
from ui.context import context
from ui.widgets import chart, table

ctx = context()
lang = ctx.lang
st.title(ctx.t("talent.title"))
st.caption(ctx.t("talent.caption"))
name_col = "name_zh" if lang == "zh" else "name_en"
PICK = 50  # people offered in the person picker at once
GAP_TEAMS = 30  # teams in the gap heatmap at most (those with the largest gaps)
tab_prof, tab_arch, tab_box, tab_ready = st.tabs([ctx.t("talent.profiles"), ctx.t("talent.archetypes"),
                                                  ctx.t("talent.ninebox"), ctx.t("talent.readiness")])

with tab_prof:
    view = cached.report(ctx, "talent.profiles", ctx.as_of)
    st.caption(ctx.t("talent.tier_rules"))
    table(view.tiers, height=240)
    if ctx.viewer.person_level and view.people.height:
        people = view.people.sort("name")
        # the picker is searched on the server: the browser gets at most PICK options, never the whole company
        query = st.text_input(ctx.t("talent.find"), key="talent_find", placeholder=ctx.t("talent.find_hint"))
        found = people.filter(pl.col("name").str.contains(query.strip(), literal=True)) if query.strip() else people
        shown = found.head(PICK)
        if found.height > shown.height:
            st.caption(ctx.t("talent.find_more", shown=f"{shown.height:,}", n=f"{found.height:,}"))
        if shown.is_empty():
            st.info(ctx.t("talent.find_none"))
            st.stop()
        teams = cached.report(ctx, "attrition.group_names", "team", lang)
        labels = {e: f"{n} · {teams.get(t, t) if t else '—'}" for e, n, t in
                  shown.select("employee_id", "name", "team_id").iter_rows()}
        who = st.selectbox(ctx.t("talent.person"), list(labels), format_func=labels.get, key="talent_person")
        row = people.filter(pl.col("employee_id") == who).row(0, named=True)
        c = st.columns(4)
        c[0].metric(ctx.t("talent.tier"), ctx.t(f"talent.tier.{row['tier']}"), border=True)
        c[1].metric(ctx.t("talent.skill_mean"), "—" if row["skill_mean"] is None else f"{row['skill_mean']:.2f}",
                    border=True)
        c[2].metric(ctx.t("talent.ka_share"), "—" if row["ka_share"] is None else f"{row['ka_share']:.0%}",
                    border=True)
        c[3].metric(ctx.t("talent.courses"), f"{row['courses_completed'] or 0}", border=True)
        radar = cached.report(ctx, "talent.radar", who, ctx.as_of)
        if radar.height:
            chart(charts.skill_radar(radar, lang, ctx.t("talent.radar"), {
                "score": ctx.t("talent.score"), "required": ctx.t("talent.required"),
                "team_median": ctx.t("talent.team_median")}), "talent_radar", name=f"skills_{who}")
        else:
            st.info(ctx.t("talent.not_assessed"))
        tips = cached.report(ctx, "talent.suggestions", who, ctx.as_of)
        if tips.height:
            st.markdown(ctx.t("talent.suggestions"))
            table(tips)
    excluded = {k: v for k, v in view.excluded.items() if v}
    if excluded:
        st.caption(ctx.t("hiring.excluded", rows=hiring_report.excluded_text(excluded, lang)))

with tab_arch:
    arch = cached.report(ctx, "talent.archetypes", ctx.as_of)
    if arch is None:  # fewer than 10 reps in scope: nothing to cluster
        st.info(ctx.t("talent.too_few_to_cluster"))
    else:
        st.metric(ctx.t("talent.silhouette"), f"{arch.silhouette:.2f}", help=ctx.t("talent.silhouette_help"),
                  border=True)
        table(arch.centroids.drop("name_en" if lang == "zh" else "name_zh"))
    gaps = cached.report(ctx, "talent.gap_heatmap", ctx.as_of)
    if gaps.height:
        shown = skills.largest_gap_teams(gaps, GAP_TEAMS)
        chart(charts.gap_heatmap(shown, lang, ctx.t("talent.gaps")), "talent_gaps", name="skill_gaps")
        n_teams = gaps["team"].n_unique()
        if n_teams > GAP_TEAMS:
            st.caption(ctx.t("talent.gaps_cut", shown=fmt_number(GAP_TEAMS, "count", lang),
                             n=fmt_number(n_teams, "count", lang)))

with tab_box:
    box = cached.report(ctx, "talent.nine_box", ctx.as_of)
    chart(charts.nine_box(box.counts, lang, ctx.t("talent.ninebox")), "talent_ninebox", name="nine_box")
    st.caption(ctx.t("values.box_rule", cap=VETO_RATING_CAP))
    if ctx.viewer.person_level and box.people.height:
        n_vetoed = int(box.people["vetoed"].sum())
        if n_vetoed:
            st.caption(ctx.t("values.box_vetoed", n=fmt_number(n_vetoed, "count", lang)))
        cell = st.selectbox(ctx.t("talent.box"), box.counts[name_col].to_list(), key="talent_box")
        members = box.people.filter(pl.col(name_col) == cell)
        # employee_id is not shown: with the name, it lets a row open the person's growth archive
        table(members.select("employee_id", "name", "role_id", "team_id", "rating", "rating_effective", "vetoed",
                             "potential"), key="talent_box_people")

with tab_ready:
    if ctx.viewer.person_level:
        st.markdown(ctx.t("talent.ready_title"))
        table(cached.report(ctx, "talent.readiness", ctx.as_of), height=320, key="talent_readiness")
        st.markdown(ctx.t("talent.moves"))
        table(cached.report(ctx, "talent.internal_moves", ctx.as_of), key="talent_moves")
    else:
        st.caption(ctx.t("access.person_level_only"))
