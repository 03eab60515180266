"""Goals alignment (目标协同): strategy → sales goals → HR support goals, actuals computed, RAG with its rule."""
from __future__ import annotations

import logging

import polars as pl
import streamlit as st

from analytics.core.i18n import code_label, fmt_number
from analytics.core.registry import all_metrics
from analytics.reviews import goals
from ui import cached
from ui.context import context, get_database
from ui.plaintext import plain

ctx = context()
lang = ctx.lang
st.title(ctx.t("goals.title"))
st.caption(goals.rule_text(lang))
progress = cached.report(ctx, "goals.progress", ctx.as_of, lang, None, ctx.fy_start)
if progress.is_empty():
    st.info(ctx.t("app.no_data"))
else:
    rows = []
    for g in progress.iter_rows(named=True):
        unit = g["unit"] or "count"
        rows.append({
            ctx.t("goals.goal"): "\u3000" * int(g["depth"] or 0) + g["title"],
            ctx.t("goals.status"): code_label("goal_status", g["status"], lang) if g["status"] else "—",
            ctx.t("goals.metric_col"): g["metric"] or "—",
            ctx.t("goals.target"): fmt_number(g["target"], unit, lang),
            ctx.t("goals.actual"): fmt_number(g["actual"], unit, lang),
            ctx.t("sidebar.period"): g["period"] or "",
            ctx.t("dim.team"): g["org"] or ctx.t("goals.company"),
            # a metric owned jointly (lead conversion: sales and marketing) names both owners beside the goal's own
            ctx.t("review.item_owner"): " · ".join(x for x in (code_label("owner", g["owner"], lang) if g["owner"]
                                                               else "", g["joint_owners"] or "") if x),
            ctx.t("goals.action"): g["action"] or "",
            ctx.t("goals.why"): g["reason"] or "",
        })
    table = pl.DataFrame(rows)
    status_col = ctx.t("goals.status")

    def colour(value: str) -> str:
        tone = {code_label("goal_status", k, lang): c for k, c in
                (("green", "#d4efdf"), ("amber", "#fdebd0"), ("red", "#f5b7b1"))}.get(value)
        return f"background-color: {tone}" if tone else ""

    st.dataframe(table.to_pandas().style.map(colour, subset=[status_col]), hide_index=True, width="stretch")

def refusal(exc: goals.GoalError) -> str:
    """A refused write in the reader's language; a validation message (the field and what it takes) as is."""
    if isinstance(exc, goals.GoalAccessError):
        return {"read_only": ctx.t("guard.goal_read_only"),
                "company": ctx.t("guard.goal_company", goal=exc.goal_id),
                "out_of_scope": ctx.t("guard.goal_out_of_scope", goal=exc.goal_id,
                                      unit=unit_names.get(exc.unit, exc.unit)),
                "parent": ctx.t("guard.goal_parent", goal=exc.goal_id,
                                unit=unit_names.get(exc.unit, exc.unit))}[exc.reason]
    return str(exc)


if goals.may_write_goals(ctx.viewer):  # write rights are enforced in analytics/reviews/goals.py; this only hides
    db = get_database(ctx.db_path)
    units = goals.writable_units(db, ctx.viewer)
    unit_names = dict(db.sql(f"select org_unit_id, {'name_zh' if lang == 'zh' else 'name_en'} from org_units")
                      .iter_rows())
    with st.expander(ctx.t("goals.edit")):
        every = {g.goal_id: g for g in goals.load_goals(db)}
        # only the goals this viewer may change are offered for editing; any goal may be a parent
        existing = {k: g for k, g in every.items() if g.org_unit_id in units
                    or (g.org_unit_id in goals.COMPANY_UNITS and None in units)}
        pick = st.selectbox(ctx.t("goals.goal"), [None, *existing], format_func=lambda g: ctx.t("goals.new")
                            if g is None else f"{g} · {existing[g].title(lang)}", key="goal_pick")
        base = existing.get(pick)
        with st.form("goal_form"):
            goal_id = st.text_input("ID", value=base.goal_id if base else "")
            parent = st.selectbox(ctx.t("goals.parent"), [None, *every], index=([None, *every].index(
                base.parent_id) if base and base.parent_id in every else 0), key="goal_parent",
                format_func=lambda g: "—" if g is None else f"{g} · {every[g].title(lang)}")
            level = st.selectbox(ctx.t("goals.level"), ["strategy", "sales", "hr"],
                                 index=["strategy", "sales", "hr"].index(base.level) if base else 0,
                                 format_func=lambda v: code_label("goal_level", v, lang))
            current_unit = None if base is None or base.org_unit_id in goals.COMPANY_UNITS else base.org_unit_id
            org_unit = st.selectbox(ctx.t("guard.goal_unit"), units,
                                    index=units.index(current_unit) if current_unit in units else 0,
                                    format_func=lambda u: ctx.t("goals.company") if u is None
                                    else unit_names.get(u, u), key="goal_unit")
            title_en = st.text_input(ctx.t("goals.title_en"), value=base.title_en if base else "")
            title_zh = st.text_input(ctx.t("goals.title_zh"), value=base.title_zh if base else "")
            metrics = all_metrics()  # the built-in metrics, then the company's own (metrics/*.toml)
            choices = [None, *metrics]
            metric = st.selectbox(ctx.t("goals.metric"), choices,
                                  index=(choices.index(base.metric_id) if base and base.metric_id in metrics else 0),
                                  format_func=lambda m: "—" if m is None else metrics[m].name(lang))
            target = st.number_input(ctx.t("goals.target"), value=float(base.target or 0) if base else 0.0,
                                     format="%.4f")
            period = st.text_input(ctx.t("sidebar.period"), value=base.period or "" if base else "")
            owner = st.text_input(ctx.t("review.item_owner"), value=base.owner or "" if base else "")
            action_en = st.text_input(ctx.t("goals.action_en"), value=base.action_en or "" if base else "")
            action_zh = st.text_input(ctx.t("goals.action_zh"), value=base.action_zh or "" if base else "")
            save = st.form_submit_button(ctx.t("goals.save"))
        if save:
            try:
                goals.upsert_goal(db, goals.Goal(goal_id=goal_id.strip(), level=level, title_en=title_en,
                                                 title_zh=title_zh, parent_id=parent, metric_id=metric,
                                                 target=target, period=period or None, owner=owner or None,
                                                 action_en=action_en or None, action_zh=action_zh or None,
                                                 direction=base.direction if base and base.metric_id == metric
                                                 else None, org_unit_id=org_unit),
                                  ctx.viewer, ctx.fy_start)
                st.success(ctx.t("admin.saved"))
                st.rerun()
            except goals.GoalError as exc:
                st.error(plain(refusal(exc)))
            except Exception:  # unexpected: a generic message in the reader's language, the details in the log
                logging.getLogger("tandem").exception("saving a goal failed")
                st.error(ctx.t("guard.unexpected"))
        if base and st.button(ctx.t("goals.delete"), key="goal_delete"):
            try:
                goals.delete_goal(db, base.goal_id, ctx.viewer)
                st.rerun()
            except goals.GoalError as exc:
                st.error(plain(refusal(exc)))
            except Exception:
                logging.getLogger("tandem").exception("deleting a goal failed")
                st.error(ctx.t("guard.unexpected"))
