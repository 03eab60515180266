"""The quarterly strategy meeting (季度战略会): attainment and its distribution, attrition and retention, the
talent review, goals progress, the regional drill-down and the decisions to take — one ``Item`` each, in that
order (``ITEMS``). The decisions come from fixed rules over what the earlier items found (``ctx.memo``).
"""
from __future__ import annotations

import polars as pl

from analytics.charts import figures as charts
from analytics.core.i18n import code_label
from analytics.core.list_rules import list_rules
from analytics.core.registry import get_metric
from analytics.metrics.figure import basis_label
from analytics.reviews.context import LIST_ROWS, Ctx, clean, definition, relabel
from analytics.reviews.model import Item
from analytics.reviews.texts import tx
from analytics.sales import quota_report

# Rules behind the "decisions to take" — thresholds, documented in docs/reviews.md.
ATTRITION_MULTIPLE = 1.5     # a region's attrition for the quarter ≥ 1.5 × the scope's → retention plan
ATTAINMENT_FLOOR = 0.85      # a region under 85% attainment → recovery plan
PROBATION_SHARE = 0.40       # ≥ 40% of exits in probation → onboarding and mentoring


def _attainment(ctx: Ctx) -> Item:
    att, at_q = ctx.figure("attainment"), ctx.figure("reps_at_quota")
    dist = quota_report.distribution(ctx.db, ctx.viewer, ctx.period, ctx.as_of)
    total = float(dist["reps"].sum())
    band, reps, share = tx("att.band", ctx.lang), tx("att.reps", ctx.lang), tx("att.share", ctx.lang)
    table = dist.select(pl.col("band").alias(band), pl.col("reps").cast(pl.Int64).alias(reps),
                        (pl.col("reps") / total if total else pl.lit(None, pl.Float64)).alias(share))
    low = int(dist.filter(pl.col("band") == "<50%")["reps"].sum())
    numbers = {"attainment": att.value, "attainment_previous": att.previous, "reps_at_quota": at_q.value,
               "quota": att.denominator, "bookings": att.numerator, "reps_with_quota": total,
               **{f"band {b}": float(v) for b, v in dist.iter_rows()}}
    title = tx("att.title", ctx.lang)
    take = tx("att.take", ctx.lang, att=ctx.value("attainment"),
              change=ctx.change(att.value, att.previous, "ratio", att.previous_period or "—"),
              at_quota=ctx.value("reps_at_quota"), low=low)
    fig = charts.labelled_bars(dist["band"].to_list(), dist["reps"].to_list(), ctx.lang,
                               f"{get_metric('attainment_band').name(ctx.lang)} · {ctx.label(ctx.period)}",
                               unit="count", sort=False)
    return Item("attainment", title, take, definition(ctx.lang, "attainment", "reps_at_quota", "attainment_band"),
                fig, table, numbers, {share: "ratio"})


# the attrition table: rates for the period, then on a year's scale — each row labelled with its basis
_ATTR_ROWS = ("attrition_rate", "attrition_voluntary", "attrition_involuntary", "attrition_regretted",
              "probation_share_of_exits", "attrition_rate_annualised", "attrition_rate_ttm", "probation_exit_rate")


def _attrition(ctx: Ctx) -> Item:
    from analytics.people import attrition_report
    figs = {m: ctx.figure(m) for m in attrition_report.HEADLINE}
    prev_label = figs["exits"].previous_period or "—"
    metric, basis = tx("qattr.metric", ctx.lang), tx("qattr.basis", ctx.lang)
    now_col, prev_col = ctx.label(ctx.period), prev_label
    table = pl.DataFrame({metric: [get_metric(m).name(ctx.lang) for m in _ATTR_ROWS],
                          basis: [basis_label(figs[m].basis, ctx.period.grain, ctx.lang) for m in _ATTR_ROWS],
                          now_col: [clean(figs[m].value) for m in _ATTR_ROWS],
                          prev_col: [clean(figs[m].previous) for m in _ATTR_ROWS]},
                         schema={metric: pl.Utf8, basis: pl.Utf8, now_col: pl.Float64, prev_col: pl.Float64})
    numbers = {m: clean(f.value) for m, f in figs.items()}
    numbers |= {f"{m}_previous": clean(f.previous) for m, f in figs.items()}
    title = tx("qattr.title", ctx.lang)
    take = tx("qattr.take", ctx.lang, rate=ctx.value("attrition_rate"), label=ctx.label(ctx.period),
              vol=ctx.value("attrition_voluntary"), exits=ctx.value("exits"), vol_n=ctx.value("exits_voluntary"),
              prev=prev_label, prev_rate=ctx.num(figs["attrition_rate"].previous, "ratio"),
              ann=ctx.value("attrition_rate_annualised"), ttm=ctx.value("attrition_rate_ttm"),
              prob=ctx.value("probation_share_of_exits"))
    series = attrition_report.trend(ctx.db, ctx.viewer, ctx.period.to_date(ctx.as_of).months[-1], 24,
                                    as_of=ctx.as_of)
    m = get_metric("attrition_rate_ttm")
    fig = charts.metric_trend(series, m, ctx.lang, title=m.name(ctx.lang))
    return Item("attrition", title, take, definition(ctx.lang, *_ATTR_ROWS[:3], "probation_share_of_exits"), fig,
                table, numbers, {now_col: "ratio", prev_col: "ratio"})


def _talent(ctx: Ctx) -> Item | None:
    from analytics.sales.scorecard import high_potential

    try:
        hipo = high_potential(ctx.db, ctx.viewer, ctx.day, fy_start=ctx.fy_start)
        coach = ctx.coaching
    except (pl.exceptions.PolarsError, IndexError):  # no quarters or reviews to judge on: skip the item
        return None
    if hipo.is_empty() and coach.is_empty():
        return None
    lang, viewer = ctx.lang, ctx.viewer
    hidden = ctx.too_few(hipo.height + coach.height)
    n_hipo, n_coach = (None, None) if hidden else (hipo.height, coach.height)
    title = tx("talent.title", lang)
    labels = [tx("talent.hipo", lang), tx("talent.coach", lang)]
    numbers = {"high_potential": n_hipo, "coaching": n_coach}
    table = None
    if viewer.person_level:
        group, name = tx("talent.group", lang), tx("alerts.name", lang)
        table = pl.concat([f.head(LIST_ROWS).select(pl.lit(lbl).alias(group), pl.col("name").alias(name))
                           for lbl, f in zip(labels, (hipo, coach), strict=True)])
    rule = list_rules().describe(lang)
    take = tx("talent.take", lang, hipo=ctx.num(n_hipo, "count"), coach=ctx.num(n_coach, "count"), rule=rule)
    if viewer.person_level:  # a cut list says how many it hides and where the whole list is
        for label, n in zip(labels, (hipo.height, coach.height), strict=True):
            if n > LIST_ROWS:
                take += " " + tx("list.cut", lang, shown=LIST_ROWS, n=n, name=label)
    fig = None if hidden else charts.labelled_bars(labels, [float(n_hipo), float(n_coach)], lang, title, unit="count",
                                                   sort=False)
    return Item("talent", title, take, definition(lang, "high_potential", "coaching_list", "nine_box"), fig,
                table if table is not None and table.height else None, numbers)


def _goals(ctx: Ctx) -> Item | None:
    from analytics.reviews import goals
    lang = ctx.lang
    frame = goals.progress(ctx.db, ctx.viewer, ctx.as_of, lang, within=ctx.period, fy_start=ctx.fy_start)
    if frame.is_empty():
        return None
    ctx.memo["goals"] = frame
    counts = {s: frame.filter(pl.col("status") == s).height for s in goals.STATUSES}
    fmt = [(ctx.num(r["actual"], r["unit"] or "count"), ctx.num(r["target"], r["unit"] or "count"))
           for r in frame.iter_rows(named=True)]
    table = frame.select(
        (pl.lit("  ").repeat_by(pl.col("depth")).list.join("") + pl.col("title")).alias(tx("goals.goal", lang)),
        pl.col("owner").map_elements(lambda o: code_label("owner", o, lang), return_dtype=pl.Utf8)
        .alias(tx("goals.owner", lang)), pl.col("metric").alias(tx("goals.metric", lang)),
        pl.Series(tx("goals.actual", lang), [a for a, _ in fmt], dtype=pl.Utf8),
        pl.Series(tx("goals.target", lang), [b for _, b in fmt], dtype=pl.Utf8),
        relabel("status", {s: code_label("goal_status", s, lang) for s in goals.STATUSES}, tx("goals.status", lang)),
        pl.col("reason").alias(tx("goals.reason", lang)))
    shown = frame.filter(pl.col("actual").is_not_null() & (pl.col("actual") != 0) & (pl.col("target") != 0))
    ratio = [(a / tg) if d != "down" else (tg / a) for a, tg, d in
             zip(shown["actual"].to_list(), shown["target"].to_list(), shown["direction"].to_list(), strict=True)]
    fig = None
    if ratio:
        fig = charts.labelled_bars(shown["title"].to_list(), ratio, lang, tx("goals.progress", lang), unit="ratio",
                                   sort=False)
        colour = {"green": charts.PALETTE[2], "amber": "#e0a31f", "red": charts.PALETTE[3]}
        fig.update_traces(marker_color=[colour.get(s, charts.PARTIAL_COLOUR) for s in shown["status"].to_list()[::-1]])
        fig.add_vline(x=1.0, line_dash="dash", line_color=charts.PARTIAL_COLOUR)
    numbers = {"goals": frame.height, **counts}
    take = tx("goals.take", lang, n=frame.height, **counts)
    return Item("goals", tx("goals.title", lang), take, goals.rule_text(lang), fig, table, numbers)


def _regions(ctx: Ctx) -> Item | None:
    from analytics.people import attrition_report
    lang = ctx.lang
    sales = quota_report.breakdown(ctx.db, ctx.viewer, ctx.period, ctx.as_of, "region", lang)
    attr = attrition_report.breakdown(ctx.db, ctx.viewer, ctx.period, ctx.as_of, "region", lang)
    # only regions are ranked: people placed above the regions (head office) are not a sales unit
    frame = sales.join(attr.select("region", attrition="value", exits="exits", attrition_small="small_base"),
                       on="region", how="full", coalesce=True).filter(pl.col("region").is_not_null())
    if frame.is_empty():
        return None
    frame = frame.with_columns(pl.col("label").fill_null(pl.col("region")))
    ctx.memo["regions"] = frame
    cols = {"label": tx("region", lang), "attainment": tx("regions.att", lang),
            "bookings": tx("regions.bookings", lang),
            "reps_at_quota": tx("regions.at_quota", lang), "attrition": tx("regions.attr", lang),
            "exits": tx("regions.exits", lang)}
    table = frame.sort("attainment", descending=True, nulls_last=True).select(
        [pl.col(c).alias(n) for c, n in cols.items()])
    units = {cols["attainment"]: "ratio", cols["bookings"]: "currency", cols["reps_at_quota"]: "ratio",
             cols["attrition"]: "ratio", cols["exits"]: "count"}
    att = frame.filter(pl.col("attainment").is_not_null()).sort("attainment", descending=True)
    hot = frame.filter(pl.col("attrition").is_not_null()).sort("attrition", descending=True)
    numbers = {f"attainment {r['region']}": clean(r["attainment"]) for r in frame.iter_rows(named=True)}
    numbers |= {f"attrition {r['region']}": clean(r["attrition"]) for r in frame.iter_rows(named=True)}
    take = "—"
    if frame.height == 1:
        take = tx("regions.one", lang, best=frame["label"][0], best_v=ctx.num(frame["attainment"][0], "ratio"),
                  hot_v=ctx.num(frame["attrition"][0], "ratio"))
    elif att.height and hot.height:
        take = tx("regions.take", lang, best=att["label"][0], best_v=ctx.num(att["attainment"][0], "ratio"),
                  worst=att["label"][-1], worst_v=ctx.num(att["attainment"][-1], "ratio"), hot=hot["label"][0],
                  hot_v=ctx.num(hot["attrition"][0], "ratio"))
    bars = frame.select("label", value=pl.col("attainment"), masked=pl.col("masked").fill_null(False))
    fig = charts.group_bars(bars, get_metric("attainment"), lang,
                            f"{get_metric('attainment').name(lang)} · {ctx.label(ctx.period)}")
    return Item("regions", tx("regions.title", lang), take,
                definition(lang, "attainment", "attrition_rate"), fig, table, numbers, units)


def _decisions(ctx: Ctx) -> Item:
    lang, out = ctx.lang, []
    scope = ctx.figure("attrition_rate")  # the same basis as the regions' rates: for the quarter
    scope_rate = scope.value if scope.decisive else None
    regions = ctx.memo.get("regions")
    if isinstance(regions, pl.DataFrame):
        for r in regions.sort("attrition", descending=True, nulls_last=True).iter_rows(named=True):
            if r["attrition_small"]:  # a rate on a small base never drives a decision
                continue
            if r["attrition"] is not None and scope_rate and r["attrition"] >= ATTRITION_MULTIPLE * scope_rate:
                out.append(tx("dec.attrition", lang, region=r["label"], value=ctx.num(r["attrition"], "ratio"),
                              scope=ctx.num(scope_rate, "ratio")))
        for r in regions.sort("attainment", nulls_last=True).iter_rows(named=True):
            if r["attainment"] is not None and r["attainment"] < ATTAINMENT_FLOOR:
                out.append(tx("dec.attainment", lang, region=r["label"], value=ctx.num(r["attainment"], "ratio")))
    goal_rows = ctx.memo.get("goals")
    if isinstance(goal_rows, pl.DataFrame):
        for r in goal_rows.filter(pl.col("status") == "red").iter_rows(named=True):
            out.append(tx("dec.goal", lang, goal=r["title"], actual=ctx.num(r["actual"], r["unit"] or "count"),
                          target=ctx.num(r["target"], r["unit"] or "count")))
    n_coach = ctx.coaching.height
    if n_coach and not ctx.too_few(n_coach):
        out.append(tx("dec.coach", lang, n=n_coach, rule=list_rules().describe(lang)))
    past = ctx.past_target.height
    if past:
        out.append(tx("dec.vacancy", lang, n=past))
    share = ctx.figure("probation_share_of_exits")
    prob = share.value if share.decisive else None
    if prob is not None and prob >= PROBATION_SHARE:
        out.append(tx("dec.probation", lang, value=ctx.num(prob, "ratio")))
    table = pl.DataFrame({tx("decisions.decision", lang): out}, schema={tx("decisions.decision", lang): pl.Utf8})
    take = tx("decisions.take", lang, n=len(out)) if out else tx("decisions.none", lang)
    rules = tx("decisions.def", lang, mult=ATTRITION_MULTIPLE, floor=f"{ATTAINMENT_FLOOR:.0%}",
               prob=f"{PROBATION_SHARE:.0%}", rule=list_rules().describe(lang))
    return Item("decisions", tx("decisions.title", lang), take, rules, None, table if out else None,
                {"decisions": len(out)})


ITEMS = (_attainment, _attrition, _talent, _goals, _regions, _decisions)
