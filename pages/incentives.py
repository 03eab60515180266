"""Incentives: what the commission plans pay and cost, statements per rep, and the what-if simulator."""
from __future__ import annotations

import copy

import polars as pl
import streamlit as st

from analytics.charts import figures as charts
from analytics.core.i18n import fmt_delta, fmt_number
from analytics.core.registry import get_metric
from analytics.sales import incentives, incentives_report
from ui import cached, downloads
from ui.context import context, get_database
from ui.people import people_table
from ui.plaintext import plain
from ui.widgets import chart, formatted, formatted_table

ctx = context()
lang = ctx.lang
st.title(ctx.t("incentives.title"))
st.caption(ctx.t("incentives.caption"))
if not ctx.viewer.sees_any_pay:
    st.warning(ctx.t("access.no_pay"))
    st.stop()

def audit_once(what: str, n_rows: int) -> None:
    """One audit entry per person-level pay view in this session (not one per rerun)."""
    seen = st.session_state.setdefault("pay_views", set())
    if what not in seen:
        incentives_report.record_pay_view(get_database(ctx.db_path), ctx.viewer, what, n_rows)
        seen.add(what)


plans, plan_errors = incentives_report.available_plans()
for message in plan_errors:  # a broken plan file is named with its key and line, the rest still work
    st.error(ctx.t("incentives.plan_error", error=message))
tab_pay, tab_statement, tab_sim = st.tabs([ctx.t("incentives.payouts"), ctx.t("incentives.statement"),
                                           ctx.t("incentives.simulator")])

# ── Payouts per rep under their own plan ──
with tab_pay:
    pay = cached.report(ctx, "incentives.payouts_in_scope", ctx.period, ctx.as_of)
    if pay.is_empty():
        st.info(ctx.t("app.no_data"))
    else:
        t = incentives_report.pay_totals(pay)
        cols = st.columns(4)
        cols[0].metric(get_metric("commission_payout").name(lang), fmt_number(t["payout"], "currency", lang),
                       help=get_metric("commission_payout").formula(lang), border=True)
        cols[1].metric(get_metric("cost_of_sales").name(lang),
                       fmt_number(t["cost_of_sales"], "ratio", lang),
                       help=get_metric("cost_of_sales").formula(lang), border=True)
        cols[2].metric(ctx.t("incentives.bonus"), fmt_number(t["bonus"], "currency", lang), border=True)
        cols[3].metric(ctx.t("incentives.capped"), f"{t['capped']:,}", border=True)
        per_rep = incentives_report.per_rep(pay, plans, lang)
        columns = {
            "name": (ctx.t("risk.name"), "text"), "plan": (ctx.t("incentives.plan"), "text"),
            "bookings": (get_metric("bookings").name(lang), "currency"),
            "attainment": (get_metric("attainment").name(lang), "ratio"),
            "payout": (get_metric("commission_payout").name(lang), "currency"),
            "bonus": (ctx.t("incentives.bonus"), "currency"),
            "cost_of_sales": (get_metric("cost_of_sales").name(lang), "ratio"),
        }
        formatted_table(per_rep, columns, lang, height=420, person_level=ctx.viewer.person_level, key="pay_per_rep")
        audit_once(f"payouts {ctx.period.label}", per_rep.height)
        c1, c2 = st.columns(2)  # pay per person: the file is built, and audited, only when a button is pressed
        db = get_database(ctx.db_path)
        what = f"payouts {ctx.period.label}"
        def every_rep(rows: pl.DataFrame = per_rep, cols: dict = columns) -> dict[str, pl.DataFrame]:
            """The file: every rep, formatted when a button is pressed."""
            return {"payouts": formatted(rows, cols, lang)}

        c1.download_button(ctx.t("export.csv"), downloads.on_click(db, ctx.viewer, what, every_rep, "csv"),
                           f"payouts_{ctx.period.label}.csv", "text/csv", key="pay_csv", on_click="ignore")
        c2.download_button(ctx.t("export.xlsx"), downloads.on_click(db, ctx.viewer, what, every_rep, "xlsx"),
                           f"payouts_{ctx.period.label}.xlsx", key="pay_xlsx", on_click="ignore")

# ── Statement per rep, down to the orders ──
with tab_statement:
    pay = cached.report(ctx, "incentives.payouts_in_scope", ctx.period, ctx.as_of)
    if pay.is_empty():
        st.info(ctx.t("app.no_data"))
    else:
        people = pay.unique("employee_id").sort("name", "employee_id")  # one order on every run
        labels = dict(zip(people["employee_id"].to_list(), people["name"].to_list(), strict=True))
        who = st.selectbox(ctx.t("incentives.rep"), list(labels), format_func=lambda e: f"{labels[e]} ({e})",
                           key="statement_rep")
        stmt = cached.report(ctx, "incentives.rep_statement", who, ctx.period, ctx.as_of)
        audit_once(f"statement {who} {ctx.period.label}", stmt["lines"].height)
        plan = plans.get(stmt["plan_id"])
        st.markdown(f"**{stmt['plan_name_zh'] if lang == 'zh' else stmt['plan_name_en']}** — "
                    f"{(plan.description_zh if lang == 'zh' else plan.description_en) if plan else ''}")
        totals = stmt["totals"]
        cols = st.columns(4)
        for col, key in zip(cols, ("lines", "bonus", "cap", "payout"), strict=True):
            col.metric(ctx.t(f"incentives.total.{key}"), fmt_number(totals[key], "currency", lang), border=True)
        st.dataframe(formatted(stmt["summary"], {
            "period_label": (ctx.t("sidebar.period"), "text"), "bookings": (get_metric("bookings").name(lang),
                                                                             "currency"),
            "quota": (get_metric("quota").name(lang), "currency"),
            "attainment": (get_metric("attainment").name(lang), "ratio"), "tier": (ctx.t("incentives.tier"), "text"),
            "commission": (ctx.t("incentives.commission"), "currency"), "bonus": (ctx.t("incentives.bonus"),
                                                                                   "currency"),
            "payout": (get_metric("commission_payout").name(lang), "currency"),
        }, lang), hide_index=True, width="stretch")
        st.caption(ctx.t("incentives.lines", n=f"{stmt['lines'].height:,}"))
        lines = stmt["lines"].with_columns(day=pl.col("order_date").cast(pl.Utf8),
                                           ka=pl.when(pl.col("is_ka")).then(pl.lit("KA")).otherwise(pl.lit("")))
        st.dataframe(formatted(lines, {
            "period_label": (ctx.t("sidebar.period"), "text"), "order_id": (ctx.t("incentives.order"), "text"),
            "day": (ctx.t("incentives.order_date"), "text"), "ka": ("KA", "text"),
            "amount": (ctx.t("incentives.amount"), "currency"), "credited": (ctx.t("incentives.credited"), "currency"),
            "rate": (ctx.t("incentives.rate"), "ratio"), "commission": (ctx.t("incentives.commission"), "currency"),
        }, lang), hide_index=True, width="stretch", height=300)
        if not stmt["adjustments"].is_empty():
            adjust = stmt["adjustments"].with_columns(
                label=pl.col("label_zh" if lang == "zh" else "label_en"))
            st.dataframe(formatted(adjust, {"period_label": (ctx.t("sidebar.period"), "text"),
                                            "label": (ctx.t("incentives.adjustment"), "text"),
                                            "amount": (ctx.t("incentives.amount"), "currency")}, lang),
                         hide_index=True, width="stretch")
        sheets = {"summary": stmt["summary"], "orders": stmt["lines"], "adjustments": stmt["adjustments"]}
        c1, c2 = st.columns(2)  # built and audited on click, like the payouts
        db = get_database(ctx.db_path)
        what = f"statement {who} {ctx.period.label}"
        c1.download_button(ctx.t("export.csv"), downloads.on_click(db, ctx.viewer, what, lambda s=sheets: {
            "orders": s["orders"]}, "csv"), f"statement_{who}.csv", "text/csv", key="stmt_csv", on_click="ignore")
        c2.download_button(ctx.t("export.xlsx"), downloads.on_click(db, ctx.viewer, what, lambda s=sheets: s, "xlsx"),
                           f"statement_{who}.xlsx", key="stmt_xlsx", on_click="ignore")

# ── What-if simulator ──
with tab_sim:
    st.caption(ctx.t("incentives.sim_caption"))
    left, right = st.columns(2)
    names = {k: (p.name_zh if lang == "zh" else p.name_en) for k, p in plans.items()}
    a_id = left.selectbox(ctx.t("incentives.plan_a"), list(plans), format_func=names.get,
                          index=list(plans).index("standard_2024") if "standard_2024" in plans else 0, key="sim_a")
    b_id = right.selectbox(ctx.t("incentives.plan_b"), list(plans), format_func=names.get, key="sim_b",
                           index=list(plans).index("quotapath_tiered") if "quotapath_tiered" in plans else 0)
    plan_b = copy.deepcopy(incentives.plan_to_dict(plans[b_id]))
    with right.expander(ctx.t("incentives.edit_b")):
        plan_b["rates"]["base_pct"] = st.number_input(ctx.t("incentives.base_pct"), 0.0, 20.0,
                                                      float(plan_b["rates"]["base_pct"]), 0.1, key="sim_base")
        plan_b["rates"]["ka_uplift_pp"] = st.number_input(ctx.t("incentives.ka_uplift"), 0.0, 10.0, float(
            plan_b["rates"].get("ka_uplift_pp", 0.0)), 0.1, key="sim_ka")
        if plan_b.get("accelerators", {}).get("levels"):
            first = plan_b["accelerators"]["levels"][0]
            first["multiplier"] = st.number_input(ctx.t("incentives.accelerator"), 1.0, 5.0, float(first["multiplier"]),
                                                  0.1, key="sim_acc")
    only = st.selectbox(ctx.t("incentives.sim_reps"), [None, *plans], format_func=lambda k: ctx.t("sidebar.all")
                        if k is None else names[k], key="sim_filter")
    shift = st.slider(ctx.t("incentives.shift"), -30, 30, 10, 5, format="%d%%", key="sim_shift") / 100
    try:
        result = cached.report(ctx, "incentives.what_if", ctx.period, ctx.as_of,
                               incentives.plan_to_toml(incentives.plan_from_dict(
                                   incentives.plan_to_dict(plans[a_id]))),
                               incentives.plan_to_toml(incentives.plan_from_dict(plan_b, "plan B")), shift, only)
    except incentives.PlanError as exc:  # the plan as edited is not valid: the message names the field
        st.error(plain(str(exc)))
        st.stop()
    totals = result["totals"].sort("plan")
    c = st.columns(4)
    a, b = totals.row(0, named=True), totals.row(1, named=True)
    c[0].metric(ctx.t("incentives.payout_a"), fmt_number(a["payout"], "currency", lang), border=True)
    c[1].metric(ctx.t("incentives.payout_b"), fmt_number(b["payout"], "currency", lang),
                delta=fmt_delta(b["payout"] - a["payout"], "currency", lang), delta_color="inverse", border=True)
    c[2].metric(ctx.t("incentives.cos_a"), fmt_number(a["cost_of_sales"], "ratio", lang), border=True)
    c[3].metric(ctx.t("incentives.cos_b"), fmt_number(b["cost_of_sales"], "ratio", lang), border=True)
    st.caption(ctx.t("incentives.sim_baseline", n=f"{a['n_reps']:,}",
                     current=fmt_number(result["current"]["payout"][0], "currency", lang)))
    bands = result["bands"].with_columns(pl.col("band").cast(pl.Utf8))
    long = pl.concat([bands.select("band", plan=pl.lit(names[a_id] + " (A)"), payout="mean_payout_a"),
                      bands.select("band", plan=pl.lit(names[b_id] + " (B)"), payout="mean_payout_b")])
    chart(charts.grouped_bars(long, "band", "payout", "plan", lang, ctx.t("incentives.by_band"), "currency"),
          "sim_bands")
    shift_rows = result["shift"].sort("plan")
    st.markdown(ctx.t("incentives.shift_result", shift=f"{shift:+.0%}",
                      a=fmt_number(shift_rows["extra_cost"][0], "currency", lang),
                      b=fmt_number(shift_rows["extra_cost"][1], "currency", lang)))
    reps = result["reps"].sort("gain")
    gl, gr = st.columns(2)
    cols = {"name": (ctx.t("risk.name"), "text"), "attainment": (get_metric("attainment").name(lang), "ratio"),
            "payout_a": ("A", "currency"), "payout_b": ("B", "currency"), "gain": (ctx.t("incentives.gain"),
                                                                                  "currency")}
    losers = ctx.t("incentives.losers", n=reps.filter(pl.col("gain") < 0).height)
    gainers = ctx.t("incentives.gainers", n=reps.filter(pl.col("gain") > 0).height)
    for column, caption, listed, key in ((gl, losers, reps.head(10), "sim_losers"),
                                         (gr, gainers, reps.reverse().head(10), "sim_gainers")):
        with column:  # a row opens the rep's growth archive (person-level viewers)
            st.caption(caption)
            people_table(formatted(listed, cols, lang), listed["employee_id"], key,
                         person_level=ctx.viewer.person_level, hint=ctx.t("person.open_hint"))
