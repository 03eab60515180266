"""Improvement plans: reps under target two quarters running, the plans opened for them, and what became of them —
open plans and overdue reviews, outcomes by cause and by action, plans against comparable reps without one, and
how long it took to open one."""
from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from analytics.core.i18n import fmt_date, fmt_number
from analytics.core.list_rules import list_rules
from analytics.people import improvement_report as improvement
from ui import cached
from ui.context import context, get_database
from ui.people import people_table

ctx = context()
lang = ctx.lang
st.title(ctx.t("plans.title"))
st.caption(ctx.t("plans.caption", rule=list_rules().describe(lang)))
db = get_database(ctx.db_path)
version = improvement.plans_version(db)
teams = cached.report(ctx, "attrition.group_names", "team", lang)


def cause_name(code: str) -> str:
    return ctx.t(f"plans.cause.{code}")


def action_names(codes: list[str]) -> str:
    return ("、" if lang == "zh" else ", ").join(ctx.t(f"plans.action.{a}") for a in codes)


def rate(value: float | None) -> str:
    return fmt_number(value, "ratio", lang)


if ctx.viewer.person_level:
    out = cached.report(ctx, "plans.outcomes", ctx.as_of, ctx.fy_start, plans_version=version)
    open_plans = out.filter(pl.col("is_open"))
    head = improvement.headline(out)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(ctx.t("plans.open"), fmt_number(head["open"], "count", lang), border=True)
    c2.metric(ctx.t("plans.overdue"), fmt_number(head["overdue"], "count", lang), border=True)
    c3.metric(ctx.t("plans.recovery"), rate(head["recovery_rate"]), help=ctx.t("plans.recovery_help"), border=True)
    c4.metric(ctx.t("plans.days_to_plan"), fmt_number(head["days_to_plan"], "days", lang),
              help=ctx.t("plans.days_help"), border=True)

    st.subheader(ctx.t("plans.open_title"))
    if open_plans.is_empty():
        st.caption(ctx.t("plans.none_open"))
    else:
        shown = open_plans.sort("review_date")
        people_table(pl.DataFrame({
            ctx.t("risk.name"): shown["name"].to_list(),
            ctx.t("dim.team"): [teams.get(t or u, "—") for t, u in zip(shown["team_id"], shown["org_unit_id"],
                                                                     strict=True)],
            ctx.t("plans.opened_on"): [fmt_date(d, lang) for d in shown["opened_on"].to_list()],
            ctx.t("plans.cause_col"): [cause_name(c) for c in shown["cause"].to_list()],
            ctx.t("plans.actions"): [action_names(a) for a in shown["actions"].to_list()],
            ctx.t("plans.review_date"): [fmt_date(d, lang) + (f" · {ctx.t('plans.late')}" if late else "")
                                         for d, late in zip(shown["review_date"], shown["overdue"], strict=True)],
        }), shown["employee_id"], "plans_open", person_level=True, hint=ctx.t("person.open_hint"))
        labels = {r["plan_id"]: f"{r['name']} · {fmt_date(r['opened_on'], lang)}" for r in shown.iter_rows(named=True)}
        left, mid, right, far = st.columns([4, 2, 1, 1], vertical_alignment="bottom")
        pick = left.selectbox(ctx.t("plans.pick"), list(labels), format_func=labels.get, key="plans_pick")
        moved = mid.date_input(ctx.t("plans.next_review"), value=ctx.as_of + dt.timedelta(days=60),
                               min_value=ctx.as_of, max_value=ctx.as_of + dt.timedelta(days=365), key="plans_next")
        try:
            if right.button(ctx.t("plans.move_review"), key="plans_move"):
                improvement.set_review_date(db, ctx.viewer, pick, moved, ctx.as_of)
                st.rerun()
            if far.button(ctx.t("plans.close"), key="plans_close"):
                improvement.close_plan(db, ctx.viewer, pick, ctx.as_of)
                st.rerun()
        except improvement.PlanError as exc:
            st.error(ctx.t(f"plans.error.{exc.code}"))

    # ── one click from the coaching list ──
    st.subheader(ctx.t("plans.new_title"))
    coaching = cached.report(ctx, "scorecard.coaching_list", ctx.as_of)
    candidates = coaching.join(open_plans.select("employee_id"), on="employee_id", how="anti") \
        if coaching.height else coaching
    if candidates.is_empty():
        st.caption(ctx.t("plans.no_candidates"))
    else:
        names = dict(zip(candidates["employee_id"].to_list(), candidates["name"].to_list(), strict=True))
        with st.form("plans_new", clear_on_submit=True):
            c1, c2, c3 = st.columns([3, 2, 2])
            who = c1.selectbox(ctx.t("risk.name"), list(names), format_func=names.get, key="plans_who")
            cause = c2.selectbox(ctx.t("plans.cause_col"), improvement.CAUSES, format_func=cause_name,
                                 key="plans_cause")
            review = c3.date_input(ctx.t("plans.review_date"), value=ctx.as_of + dt.timedelta(days=90),
                                   min_value=ctx.as_of, max_value=ctx.as_of + dt.timedelta(days=365),
                                   key="plans_review")
            actions = st.multiselect(ctx.t("plans.actions"), improvement.ACTIONS, default=["training"],
                                     format_func=lambda a: ctx.t(f"plans.action.{a}"), key="plans_actions")
            note = st.text_input(ctx.t("plans.note"), max_chars=improvement.MAX_NOTE, key="plans_note")
            if st.form_submit_button(ctx.t("plans.open_button"), type="primary"):
                try:
                    improvement.open_plan(db, ctx.viewer, who, cause, set(actions), review, ctx.as_of, note or None)
                    st.rerun()
                except improvement.PlanError as exc:
                    st.error(ctx.t(f"plans.error.{exc.code}"))
        st.caption(ctx.t("plans.candidates", n=fmt_number(candidates.height, "count", lang)))
else:
    st.info(ctx.t("plans.aggregate_only"))

# ── outcomes by cause and by action (every viewer; small groups masked for aggregate viewers) ──
st.subheader(ctx.t("plans.outcomes_title"))
st.caption(ctx.t("plans.outcomes_caption"))
left, right = st.columns(2)
for column, by in ((left, "cause"), (right, "action")):
    table = cached.report(ctx, "plans.summary", ctx.as_of, by, ctx.fy_start, plans_version=version)
    label = cause_name if by == "cause" else (lambda a: ctx.t(f"plans.action.{a}"))
    column.dataframe(pl.DataFrame({
        ctx.t(f"plans.by_{by}"): [label(k) for k in table[by].to_list()],
        ctx.t("plans.col.plans"): [fmt_number(v, "count", lang) for v in table["plans"].to_list()],
        ctx.t("plans.col.decided"): [fmt_number(v, "count", lang) for v in table["decided"].to_list()],
        ctx.t("plans.col.recovered"): [fmt_number(v, "count", lang) for v in table["recovered"].to_list()],
        ctx.t("plans.col.moved"): [fmt_number(v, "count", lang) for v in table["moved"].to_list()],
        ctx.t("plans.col.left"): [fmt_number(v, "count", lang) for v in table["left"].to_list()],
        ctx.t("plans.recovery"): [rate(v) for v in table["recovery_rate"].to_list()],
    }), hide_index=True, width="stretch")

# ── plans against comparable reps without one ──
st.subheader(ctx.t("plans.compare_title"))
cmp = cached.report(ctx, "plans.matched_comparison", ctx.as_of, ctx.fy_start, plans_version=version)
if cmp.get("masked") or cmp.get("difference") is None:
    st.caption(ctx.t("plans.compare_none"))
else:
    c1, c2, c3 = st.columns(3)
    c1.metric(ctx.t("plans.with_plan"), rate(cmp["treated_rate"]), border=True,
              help=ctx.t("plans.n_events", n=fmt_number(cmp["n_treated"], "count", lang)))
    c2.metric(ctx.t("plans.without_plan"), rate(cmp["control_rate"]), border=True,
              help=ctx.t("plans.n_events", n=fmt_number(cmp["n_matched_controls"], "count", lang)))
    c3.metric(ctx.t("plans.difference"), ctx.t("plans.pp", v=fmt_number(cmp["difference"] * 100, "decimal", lang)),
              border=True)
    st.caption(ctx.t("plans.compare_caption", low=fmt_number(cmp["ci_low"] * 100, "decimal", lang),
                     high=fmt_number(cmp["ci_high"] * 100, "decimal", lang),
                     controls=fmt_number(cmp["n_controls"], "count", lang)))
