"""Care: people under pressure (overtime, leave or travel above the team's usual, engagement down, an assistance
referral), team by team, with what HR and the director did; and how much more often people with a signal
leave within six months."""
from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from analytics.core.i18n import fmt_date, fmt_month, fmt_number
from analytics.people import care, care_report
from ui import cached
from ui.context import context, get_database
from ui.people import people_table

ctx = context()
lang = ctx.lang
st.title(ctx.t("care.title"))
st.caption(ctx.t("care.caption"))
db = get_database(ctx.db_path)
rules = care.load_rules()
teams = cached.report(ctx, "attrition.group_names", "team", lang)


def rule_name(rule_id: str) -> str:
    return ctx.t(f"care.rule.{rule_id}")


def rule_value(rule_id: str, value: float | None) -> str:
    rule = next(r for r in rules if r.id == rule_id)
    if rule.test == "above_team":
        return ctx.t(f"care.value.{rule.source}", v=fmt_number(value, "decimal", lang))
    if rule.test == "drop":
        return ctx.t("care.value.engagement", v=fmt_number(value, "decimal", lang))
    return "—"


def team_of(team_id: str | None, unit_id: str | None) -> str:
    return teams.get(team_id or unit_id, "—")


# ── who has a signal now, team by team, and what was done ──
if ctx.viewer.person_level:
    listed = care_report.attach_actions(db, cached.report(ctx, "care.signal_list", ctx.as_of))
    head = care_report.headline(listed)
    c1, c2, c3 = st.columns(3)
    c1.metric(ctx.t("care.people_on"), fmt_number(head["people_on"], "count", lang), border=True)
    c2.metric(ctx.t("care.signals_on"), fmt_number(head["signals_on"], "count", lang), border=True)
    c3.metric(ctx.t("care.handled"), fmt_number(head["handled"], "count", lang), help=ctx.t("care.handled_help"),
              border=True)
    st.subheader(ctx.t("care.list_title", month=fmt_month(ctx.as_of, lang)))
    if listed.is_empty():
        st.caption(ctx.t("care.none_on"))
    else:
        people_table(pl.DataFrame({
            ctx.t("dim.team"): [team_of(t, u) for t, u in zip(listed["team_id"], listed["org_unit_id"], strict=True)],
            ctx.t("risk.name"): listed["name"].to_list(),
            ctx.t("care.signal"): [rule_name(r) for r in listed["rule_id"].to_list()],
            ctx.t("care.since"): [fmt_date(d, lang) for d in listed["since"].to_list()],
            ctx.t("care.value"): [rule_value(r, v) for r, v in zip(listed["rule_id"], listed["value"], strict=True)],
            ctx.t("care.done"): [
                ctx.t("care.done_text", action=ctx.t(f"care.action.{a}"), date=fmt_date(d, lang), n=n) if a else
                ctx.t("care.nothing_yet")
                for a, d, n in zip(listed["last_action"], listed["last_done_on"], listed["actions"], strict=True)],
        }), listed["employee_id"], "care_list", person_level=True, hint=ctx.t("person.open_hint"))

        st.subheader(ctx.t("care.record_title"))
        choices = {i: f"{r['name']} · {rule_name(r['rule_id'])}" for i, r in enumerate(listed.iter_rows(named=True))}
        with st.form("care_record", clear_on_submit=True):
            c1, c2, c3 = st.columns([3, 2, 2])
            pick = c1.selectbox(ctx.t("care.pick"), list(choices), format_func=choices.get, key="care_pick")
            action = c2.selectbox(ctx.t("care.action_col"), care.ACTIONS,
                                  format_func=lambda a: ctx.t(f"care.action.{a}"), key="care_action")
            done_on = c3.date_input(ctx.t("care.done_on"), value=min(dt.date.today(), ctx.as_of + dt.timedelta(30)),
                                    max_value=dt.date.today(), key="care_done_on")
            note = st.text_input(ctx.t("care.note"), max_chars=care.MAX_NOTE, key="care_note")
            if st.form_submit_button(ctx.t("care.record_button"), type="primary"):
                row = listed.row(pick, named=True)
                try:
                    care.record_action(db, ctx.viewer, row["employee_id"], row["rule_id"], action, done_on, note,
                                       ctx.as_of, rules)
                    st.rerun()
                except care.CareActionError as exc:
                    st.error(ctx.t(f"care.error.{exc.code}"))
else:
    st.info(ctx.t("care.aggregate_only"))

# ── per team (every viewer; small teams masked for aggregate viewers) ──
st.subheader(ctx.t("care.teams_title"))
counts = cached.report(ctx, "care.team_counts", ctx.as_of)
rule_columns = [c for c in counts.columns if c.startswith("n_")]
st.dataframe(pl.DataFrame({
    ctx.t("dim.team"): [teams.get(t, "—") for t in counts["team"].to_list()],
    ctx.t("care.people"): [fmt_number(v, "count", lang) for v in counts["people"].to_list()],
    ctx.t("care.with_signal"): [fmt_number(v, "count", lang) for v in counts["with_signal"].to_list()],
    **{rule_name(c[2:]): [fmt_number(v, "count", lang) for v in counts[c].to_list()] for c in rule_columns},
}), hide_index=True, width="stretch")

# ── the signals' link to exits ──
st.subheader(ctx.t("care.link_title"))
st.caption(ctx.t("care.link_caption", months=care_report.HORIZON))
link = cached.report(ctx, "care.exit_link", ctx.as_of)
if link.is_empty():
    st.caption(ctx.t("care.link_none"))
else:
    st.dataframe(pl.DataFrame({
        ctx.t("care.signal"): [ctx.t("care.any") if r == "any" else rule_name(r) for r in link["rule_id"].to_list()],
        ctx.t("care.people_with"): [fmt_number(v, "count", lang) for v in link["people_on"].to_list()],
        ctx.t("care.rate_on"): [fmt_number(v, "ratio", lang) for v in link["rate_on"].to_list()],
        ctx.t("care.rate_off"): [fmt_number(v, "ratio", lang) for v in link["rate_off"].to_list()],
        ctx.t("care.ratio"): [ctx.t("care.times", v=fmt_number(v, "decimal", lang)) if v is not None else
                              ctx.t("care.too_few") for v in link["ratio"].to_list()],
        ctx.t("care.interval"): [ctx.t("care.range", low=fmt_number(lo, "decimal", lang),
                                       high=fmt_number(hi, "decimal", lang)) if lo is not None else "—"
                                 for lo, hi in zip(link["low"], link["high"], strict=True)],
    }), hide_index=True, width="stretch")

# ── the rules ──
with st.expander(ctx.t("care.rules_title")):
    for r in rules:
        definition = ctx.t(f"care.test.{r.test}", source=ctx.t(f"care.source.{r.source}"),
                           p=fmt_number(r.percentile, "count", lang), months=r.months,
                           floor=fmt_number(r.floor, "decimal", lang), amount=fmt_number(r.amount, "decimal", lang))
        st.markdown(ctx.t("care.rule_line", rule=rule_name(r.id), definition=definition))
    st.caption(ctx.t("care.rules_file"))
