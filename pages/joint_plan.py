"""Joint plan: one change to next year's plan (commission plan, quotas, headcount) read at once as payout cost, the
attainment distribution, expected leavers and revenue at risk, side by side with today's, assumptions on the page."""
from __future__ import annotations

import polars as pl
import streamlit as st

from analytics.charts import figures as charts
from analytics.charts import joint_plan as joint_charts
from analytics.core.i18n import fmt_date, fmt_delta, fmt_number
from analytics.people import hiring_report, planning
from analytics.sales import incentives, incentives_report, joint_whatif
from analytics.sales import joint_whatif_report as report
from ui import cached
from ui.context import context, get_database
from ui.plaintext import plain
from ui.risk_model import model_ref
from ui.widgets import chart, formatted, formatted_table, table_downloads

ctx = context()
lang = ctx.lang
st.title(ctx.t("joint.title"))
st.caption(ctx.t("joint.caption"))
if not ctx.viewer.sees_any_pay:  # pay per person: the HR head, and a sales director for their own reports
    st.warning(ctx.t("access.no_pay"))
    st.stop()

plans, plan_errors = incentives_report.available_plans()
for message in plan_errors:
    st.error(ctx.t("incentives.plan_error", error=message))
names_of = cached.report(ctx, "attrition.group_names", "region", lang)
regions = {r: names_of.get(r, r) for r in report.regions_in_scope(get_database(ctx.db_path), ctx.viewer)}
teams = report.teams_in_scope(get_database(ctx.db_path), ctx.viewer)
team_names = cached.report(ctx, "attrition.group_names", "team", lang)
saved = report.saved_scenarios()
STATE = "joint_"


def load_saved() -> None:
    """Put a saved scenario's values into the controls (before they are drawn)."""
    name = st.session_state.get("joint_load")
    if not name or name not in saved:
        return
    sc = joint_whatif.Scenario.from_json(saved[name])
    p = sc.plan
    values = {"plan": p.plan_id or "", "rate": round((p.rate_factor - 1) * 100), "ka_on": p.ka_uplift_pp is not None,
              "ka": p.ka_uplift_pp or 0.0, "tier": p.tier_shift_pp, "cap": "remove" if p.remove_cap else "scale",
              "cap_pct": round((p.cap_factor - 1) * 100), "quota": round(sc.quota_change * 100),
              "shift": round(sc.bookings_shift * 100), "peers": sc.peer_reference, "name": sc.name}
    for r in regions:
        values |= {f"q_{r}": round(sc.quota_by_unit.get(r, 0.0) * 100), f"h_{r}": sc.hires.get(r, 0),
                   f"x_{r}": sc.exits.get(r, 0)}
    team = next((u for u in sc.quota_by_unit if u in teams), "")
    values |= {"team": team, "team_q": round(sc.quota_by_unit.get(team, 0.0) * 100), "from_plan": ""}
    for key, value in values.items():
        st.session_state[STATE + key] = value


# ── the scenario ──
with st.expander(ctx.t("joint.scenario"), expanded=True):
    if saved:
        st.selectbox(ctx.t("joint.load"), ["", *saved], key="joint_load", on_change=load_saved,
                     format_func=lambda n: n or ctx.t("joint.none"))
    c1, c2, c3 = st.columns(3)
    names = {"": ctx.t("joint.in_force"), **{k: p.name(lang) for k, p in plans.items()}}
    plan_id = c1.selectbox(ctx.t("joint.plan"), list(names), format_func=names.get, key="joint_plan")
    rate = c1.number_input(ctx.t("joint.rate"), -50, 100, 0, 5, key="joint_rate")
    tier = c2.number_input(ctx.t("joint.tier"), -50.0, 50.0, 0.0, 5.0, key="joint_tier")
    ka_on = c2.checkbox(ctx.t("joint.ka_on"), key="joint_ka_on")
    ka = c2.number_input(ctx.t("joint.ka"), 0.0, 10.0, 0.0, 0.1, key="joint_ka", disabled=not ka_on)
    cap_mode = c3.radio(ctx.t("joint.cap"), ["scale", "remove"], key="joint_cap", horizontal=True,
                        format_func=lambda m: ctx.t(f"joint.cap_{m}"))
    cap_pct = c3.number_input(ctx.t("joint.cap_pct"), -90, 200, 0, 10, key="joint_cap_pct",
                              disabled=cap_mode == "remove")
    d1, d2, d3 = st.columns(3)
    quota = d1.number_input(ctx.t("joint.quota"), -50, 100, 0, 5, key="joint_quota")
    shift = d2.number_input(ctx.t("joint.shift"), -50, 50, 0, 5, key="joint_shift")
    peers = d3.radio(ctx.t("joint.peers"), list(joint_whatif.PEER_REFERENCES), key="joint_peers",
                     format_func=lambda m: ctx.t(f"joint.peers_{m}"))
    st.markdown(ctx.t("joint.by_region"))
    capacity = ["", *report.capacity_scenarios()]
    from_plan = st.selectbox(ctx.t("joint.from_plan"), capacity, key="joint_from_plan",
                             format_func=lambda n: hiring_report.scenario_label(n, lang, regions) if n
                             else ctx.t("joint.entered"))
    planned = {}
    if from_plan:  # hires per region as the Hiring page's capacity plan schedules them (target +10%), its first
        # months as many as the period has (a quarter's scenario takes a quarter of hiring)
        text = planning.scenario_json(from_plan) if from_plan in hiring_report.saved_scenarios() else None
        span = (ctx.period.end.year - ctx.period.start.year) * 12 + ctx.period.end.month - ctx.period.start.month + 1
        planned = cached.report(ctx, "joint_plan.capacity_hires", ctx.as_of, from_plan, text, months=span)
    by_unit, hires, exits = {}, dict(planned), {}
    for region, region_name in regions.items():
        r1, r2, r3, r4 = st.columns([2, 1, 1, 1])
        r1.markdown(f"**{region_name}**")
        q = r2.number_input(ctx.t("joint.region_quota"), -50, 100, 0, 5, key=f"joint_q_{region}")
        h = r3.number_input(ctx.t("joint.hires"), 0, 500, 0, 1, key=f"joint_h_{region}", disabled=bool(from_plan))
        h = planned.get(region, 0) if from_plan else h
        x = r4.number_input(ctx.t("joint.exits"), 0, 500, 0, 1, key=f"joint_x_{region}")
        by_unit |= {region: q / 100} if q else {}
        hires |= {region: int(h)} if h else {}
        exits |= {region: int(x)} if x else {}
    if from_plan:
        st.caption(ctx.t("joint.planned", hires=fmt_number(sum(planned.values()), "count", lang)))
    t1, t2 = st.columns([2, 1])  # one team's quota change, before its region's and the company's
    team = t1.selectbox(ctx.t("joint.team"), ["", *teams], key="joint_team",
                        format_func=lambda u: team_names.get(u, u) if u else ctx.t("joint.none"))
    team_q = t2.number_input(ctx.t("joint.region_quota"), -50, 100, 0, 5, key="joint_team_q", disabled=not team)
    by_unit |= {team: team_q / 100} if team and team_q else {}

scenario = joint_whatif.Scenario(
    name=st.session_state.get("joint_name") or "scenario",
    plan=joint_whatif.PlanChange(plan_id=plan_id or None, rate_factor=1 + rate / 100,
                                 ka_uplift_pp=float(ka) if ka_on else None, tier_shift_pp=float(tier),
                                 cap_factor=1 + cap_pct / 100, remove_cap=cap_mode == "remove"),
    quota_change=quota / 100, quota_by_unit=by_unit, bookings_shift=shift / 100, hires=hires, exits=exits,
    peer_reference=peers)
try:
    result = cached.report(ctx, "joint_plan.compare", ctx.period, ctx.as_of,
                           joint_whatif.Scenario(**{**scenario.__dict__, "name": "scenario"}).to_json(),
                           model=model_ref(ctx))
except incentives.PlanError as exc:  # the plan as changed is not valid: the message names the field
    st.error(ctx.t("joint.plan_invalid", error=plain(str(exc))))
    st.stop()
summary = result["summary"]
if summary.is_empty():
    st.info(ctx.t("app.no_data"))
    st.stop()

# ── side by side ──
rows = {r["measure"]: r for r in summary.iter_rows(named=True)}
cards = [("payout", "currency", "inverse"), ("cost_of_sales", "ratio", "inverse"),
         ("expected_leavers", "count", "inverse"), ("revenue_at_risk", "currency", "inverse")]
cols = st.columns(len(cards))
for col, (measure, unit, colour) in zip(cols, cards, strict=True):
    row = rows.get(measure)
    if row is None:
        col.metric(ctx.t(f"joint.m.{measure}"), fmt_number(None, unit, lang), border=True)
        continue
    col.metric(ctx.t(f"joint.m.{measure}"), fmt_number(row["scenario"], unit, lang),
               delta=fmt_delta(row["change"], unit, lang) if row["change"] else None, delta_color=colour, border=True,
               help=ctx.t("joint.card_help", baseline=fmt_number(row["baseline"], unit, lang)))
shown = summary.with_columns(measure=pl.col("measure").map_elements(lambda m: ctx.t(f"joint.m.{m}"),
                                                                    return_dtype=pl.Utf8))
side = pl.DataFrame({
    ctx.t("joint.col.measure"): shown["measure"].to_list(),
    ctx.t("joint.col.baseline"): [fmt_number(v, u, lang) for v, u in zip(summary["baseline"], summary["unit"],
                                                                         strict=True)],
    ctx.t("joint.col.scenario"): [fmt_number(v, u, lang) for v, u in zip(summary["scenario"], summary["unit"],
                                                                         strict=True)],
    ctx.t("joint.col.change"): [fmt_delta(v, u, lang) for v, u in zip(summary["change"], summary["unit"],
                                                                      strict=True)],
    ctx.t("joint.col.interval"): [ctx.t("joint.interval", lo=fmt_delta(lo, u, lang), hi=fmt_delta(hi, u, lang))
                                  if lo is not None else fmt_number(None, u, lang)
                                  for lo, hi, u in zip(summary["change_lo"], summary["change_hi"], summary["unit"],
                                                       strict=True)],
})
st.dataframe(side, hide_index=True, width="stretch")
table_downloads(side, f"joint_plan_{ctx.period.label}", "joint_side")

left, right = st.columns(2)
bands = result["bands"]
long = pl.concat([bands.select("band", column=pl.lit(ctx.t("joint.col.baseline")), reps="baseline"),
                  bands.select("band", column=pl.lit(ctx.t("joint.col.scenario")), reps="scenario")])
long = long.with_columns(band=pl.col("band").replace({incentives.NO_QUOTA: ctx.t("joint.no_quota")}))
with left:
    chart(charts.grouped_bars(long, "band", "reps", "column", lang, ctx.t("joint.bands_title"), "count"),
          "joint_bands", name="joint_attainment_bands")
with right:
    if "intervals" in result:
        leavers = rows["expected_leavers"]
        iv = result["intervals"]["leavers"]
        chart(joint_charts.leavers_with_interval(
            [ctx.t("joint.col.baseline"), ctx.t("joint.col.scenario")], [leavers["baseline"], leavers["scenario"]],
            [iv["baseline"], iv["scenario"]], lang, ctx.t("joint.leavers_title")), "joint_leavers",
            name="joint_expected_leavers")
    else:
        st.info(ctx.t("joint.no_model"))

st.subheader(ctx.t("joint.regions"))
reg = result["by_region"].with_columns(region=pl.col("region_id").replace_strict(names_of, default=pl.col("region_id")))
formatted_table(reg, {"region": (ctx.t("joint.col.region"), "text"), "reps": (ctx.t("joint.col.reps"), "count"),
                      "payout_baseline": (ctx.t("joint.col.payout_baseline"), "currency"),
                      "payout_scenario": (ctx.t("joint.col.payout_scenario"), "currency"),
                      "payout_change": (ctx.t("joint.col.payout_change"), "currency"),
                      "cost_of_sales_baseline": (ctx.t("joint.col.cos_baseline"), "ratio"),
                      "cost_of_sales_scenario": (ctx.t("joint.col.cos_scenario"), "ratio"),
                      "leavers_baseline": (ctx.t("joint.col.leavers_baseline"), "count"),
                      "leavers_scenario": (ctx.t("joint.col.leavers_scenario"), "count")}, lang)
heads = result["headcount"]
if heads.height:
    st.markdown(ctx.t("joint.headcount_note"))
    heads = heads.with_columns(region=pl.col("region_id").replace_strict(names_of, default=pl.col("region_id")))
    formatted_table(heads, {"region": (ctx.t("joint.col.region"), "text"), "hires": (ctx.t("joint.hires"), "count"),
                            "exits": (ctx.t("joint.exits"), "count"),
                            "payout": (ctx.t("joint.col.payout_change"), "currency"),
                            "leavers": (ctx.t("joint.col.leavers_change"), "count"),
                            "revenue": (ctx.t("joint.col.revenue_change"), "currency")}, lang)

reps = result["reps"]
if ctx.viewer.person_level and reps.height:  # pay per person: only the reps whose pay this viewer may see
    st.subheader(ctx.t("joint.reps"))
    reps = reps.sort("payout_scenario", descending=True, nulls_last=True)
    rep_cols = {"name": (ctx.t("risk.name"), "text"),
                "attainment_baseline": (ctx.t("joint.col.att_baseline"), "ratio"),
                "attainment_scenario": (ctx.t("joint.col.att_scenario"), "ratio"),
                "payout_baseline": (ctx.t("joint.col.payout_baseline"), "currency"),
                "payout_scenario": (ctx.t("joint.col.payout_scenario"), "currency"),
                "factor": (ctx.t("joint.col.factor"), "ratio"),
                "p_baseline": (ctx.t("joint.col.p_baseline"), "ratio"),
                "p_scenario": (ctx.t("joint.col.p_scenario"), "ratio")}
    formatted_table(reps, rep_cols, lang, height=360, person_level=True, key="joint_reps")
    seen = st.session_state.setdefault("pay_views", set())
    what = f"joint plan {ctx.period.label}"
    if what not in seen:
        incentives_report.record_pay_view(get_database(ctx.db_path), ctx.viewer, what, reps.height)
        seen.add(what)
    table_downloads(formatted(reps, rep_cols, lang), f"joint_plan_reps_{ctx.period.label}", "joint_reps_dl")

# ── assumptions ──
a = result["assumptions"]
st.subheader(ctx.t("joint.assumptions"))
cov = result["coverage"]
lines = [ctx.t("joint.assume.period", period=a["period"], start=fmt_date(a["start"], lang),
               end=fmt_date(a["end"], lang), months=fmt_number(a["months"], "count", lang)),
         ctx.t("joint.assume.plans", plans="、".join(names.get(p, p) for p in a["plans_in_force"]) if lang == "zh"
               else ", ".join(names.get(p, p) for p in a["plans_in_force"]),
               scenario=names.get(a["scenario_plan"] or "", names[""])),
         ctx.t("joint.assume.bookings_held") if not a["bookings_shift"] else
         ctx.t("joint.assume.bookings", shift=f"{a['bookings_shift']:+.0%}"),
         ctx.t("joint.assume.pay"), ctx.t(f"joint.assume.peers_{a['peer_reference']}"),
         ctx.t("joint.assume.headcount")]
if a["model_date"] is not None:
    lines += [ctx.t("joint.assume.model", version=fmt_number(a["model_version"], "count", lang),
                    date=fmt_date(a["model_date"], lang), horizon=fmt_number(a["horizon"], "count", lang),
                    auc=fmt_number(a["roc_auc"], "score", lang), base=fmt_number(a["roc_auc_baseline"], "score", lang)),
              ctx.t("joint.assume.interval", n=fmt_number(a["n_boot"], "count", lang),
                    level=fmt_number(a["level"], "ratio", lang), members=fmt_number(a["members"], "count", lang)),
              ctx.t("joint.assume.coverage", scored=fmt_number(cov["scored"], "count", lang),
                    reps=fmt_number(cov["reps"], "count", lang))]
bullets = "\n".join(f"- {line}" for line in lines)
st.markdown(bullets)

# ── save ──
with st.form("joint_save"):
    name = st.text_input(ctx.t("joint.name"), key="joint_name")
    if st.form_submit_button(ctx.t("joint.save")):
        try:
            report.save_scenario(joint_whatif.Scenario(**{**scenario.__dict__, "name": name.strip()}))
        except (ValueError, OSError):
            st.error(ctx.t("joint.bad_name"))
        else:
            st.success(ctx.t("joint.saved", name=name.strip()))
