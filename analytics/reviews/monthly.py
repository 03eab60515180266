"""The monthly coordination meeting (月度协调会): sales against target, recruiting progress, training done,
attrition and probation exits, and the alerts — one ``Item`` each, in that order (``ITEMS``).
"""
from __future__ import annotations

import datetime as dt

import polars as pl

from analytics.charts import figures as charts
from analytics.core.i18n import fmt_count, fmt_date, fmt_datetime, fmt_month, t
from analytics.core.list_rules import list_rules
from analytics.core.periods import add_months, month_end
from analytics.core.registry import get_metric
from analytics.metrics.engine import trend
from analytics.metrics.figure import flags_text
from analytics.reviews.context import LIST_ROWS, ORG, Ctx, clean, definition, relabel
from analytics.reviews.model import Item
from analytics.reviews.texts import tx
from analytics.sales import leads, quota_report

_ENROLMENTS = """
with {org}
select e.employee_id, e.course_id, c.name_en, c.name_zh, e.{day} as day, e.pre_score, e.post_score
from enrollments as e
join courses as c using (course_id)
left join assignments as a
    on a.employee_id = e.employee_id and e.{day} between a.valid_from and coalesce(a.valid_to, date '9999-12-31')
left join org on org.org_unit_id = a.org_unit_id
where e.{day} between $start and $end {done}
    and ($all_units or list_contains($units, a.org_unit_id) or list_contains($units, org.region_id))
"""


def _sales(ctx: Ctx) -> Item:
    cur, _ = ctx.periods
    att, book, cash, at_q = (ctx.figure(m) for m in ("attainment", "bookings", "collection_rate", "reps_at_quota"))
    series = quota_report.monthly_attainment(ctx.db, ctx.viewer, cur.months[-1], ctx.as_of, 12)
    title = tx("sales.title", ctx.lang)
    numbers = {"attainment": att.value, "attainment_previous": att.previous, "bookings": book.value,
               "quota": att.denominator, "collection_rate": cash.value, "collected": cash.numerator,
               "reps_at_quota": at_q.value, "partial": att.partial}
    take = tx("sales.take", ctx.lang, att=ctx.value("attainment"), label=ctx.label(ctx.period),
              change=ctx.change(att.value, att.previous, "ratio", att.previous_period or "—"),
              bookings=ctx.value("bookings"), quota=ctx.num(att.denominator, "currency"),
              coll=ctx.value("collection_rate"))
    lead = ctx.figure("lead_conversion")
    if lead.denominator:  # the joint KPI of sales and marketing (issue 21), when there are leads
        numbers["lead_conversion"] = lead.value
        flags = flags_text(lead, ctx.lang)  # maturing: conversions so far, compared at the same age
        owners = leads.owners_text(ctx.lang)
        take += ("" if ctx.lang == "zh" else " ") + tx(
            "sales.leads", ctx.lang, lead=ctx.value("lead_conversion") + (f" · {flags}" if flags else ""),
            owners=owners if ctx.lang == "zh" else owners[:1].lower() + owners[1:],
            change=ctx.change(lead.value, lead.previous, "ratio", lead.previous_period or "—"))
    fig = charts.attainment_trend(series, ctx.lang, title) if series.height else None
    return Item("sales", title, take, definition(ctx.lang, "attainment", "bookings", "collection_rate",
                                                 *(["lead_conversion"] if lead.denominator else [])), fig,
                None, numbers)


def _recruiting(ctx: Ctx) -> Item:
    reqs, day, p = ctx.requisitions, ctx.day, ctx.period
    opened = reqs.filter(pl.col("opened_date").is_between(p.start, day))
    filled = reqs.filter(pl.col("filled_date").is_between(p.start, day))
    open_now, past = ctx.open_seats, ctx.past_target
    names = ctx.region_names()
    per_region = (
        pl.concat([f.select("region_id", kind=pl.lit(k)) for k, f in
                   (("opened", opened), ("filled", filled), ("open", open_now), ("past", past))])
        .group_by("region_id", "kind").len().pivot("kind", index="region_id", values="len")
    )
    cols = ["opened", "filled", "open", "past"]
    per_region = per_region.with_columns([pl.lit(0, pl.UInt32).alias(c) for c in cols if c not in per_region.columns])
    table = per_region.select(
        relabel("region_id", names, tx("region", ctx.lang)),
        *[pl.col(c).fill_null(0).cast(pl.Int64).alias(tx(f"rec.{c}", ctx.lang))
          for c in cols]).sort(tx("region", ctx.lang), nulls_last=True)
    months = [add_months(p.start, -i) for i in range(5, -1, -1)]
    hist = pl.DataFrame({
        "month": [fmt_month(m, ctx.lang) for m in months for _ in (0, 1)],
        "kind": [tx(k, ctx.lang) for _ in months for k in ("rec.opened", "rec.filled")],
        "n": [int(reqs.filter(pl.col(c).is_between(m, min(month_end(m), ctx.as_of))).height)
              for m in months for c in ("opened_date", "filled_date")],
    })
    title = tx("rec.title", ctx.lang)
    numbers = {"opened": opened.height, "filled": filled.height, "open": open_now.height, "past_target": past.height,
               "key_past_target": past.filter(pl.col("key_position")).height}
    take = tx("rec.take", ctx.lang, label=ctx.label(p), opened=fmt_count(opened.height, "requisition", ctx.lang),
              filled=filled.height,
              open=open_now.height, past=past.height, n_key=numbers["key_past_target"])
    fig = charts.grouped_bars(hist, "month", "n", "kind", ctx.lang, title)
    return Item("recruiting", title, take, definition(ctx.lang, "time_to_fill", extra=tx("rec.def", ctx.lang)), fig,
                table if table.height else None, numbers)


def _training(ctx: Ctx) -> Item:
    p, params = ctx.period, {"start": ctx.period.start, "end": ctx.day, **ctx.viewer.sql_params()}
    done = ctx.db.sql(_ENROLMENTS.format(org=ORG, day="completed_date", done="and e.completed"), **params)
    started = ctx.db.sql(_ENROLMENTS.format(org=ORG, day="enrolled_date", done=""), **params)
    name = "name_zh" if ctx.lang == "zh" else "name_en"
    course, n_col, gain = tx("train.course", ctx.lang), tx("train.done", ctx.lang), tx("train.gain", ctx.lang)
    per_course = done.group_by(name).agg(n=pl.len(), gain=(pl.col("post_score") - pl.col("pre_score")).mean())
    if not ctx.viewer.person_level:  # a score of a handful of people is theirs: mask small groups
        per_course = per_course.with_columns(gain=pl.when(pl.col("n") >= ctx.viewer.suppression_threshold)
                                             .then(pl.col("gain")))
    per_course = per_course.sort("n", name, descending=[True, False])
    table = per_course.select(pl.col(name).alias(course), pl.col("n").cast(pl.Int64).alias(n_col),
                              pl.col("gain").fill_nan(None).alias(gain))
    mean_gain = clean((done["post_score"] - done["pre_score"]).mean()) if done.height else None
    if ctx.too_few(done.height):
        mean_gain = None
    numbers = {"completed": done.height, "started": started.height, "courses": per_course.height,
               "mean_gain": mean_gain}
    title = tx("train.title", ctx.lang)
    if done.height:
        top = tx("train.top", ctx.lang, course=per_course[name][0], n=int(per_course["n"][0]))
        gain_text = "—" if mean_gain is None else f"{mean_gain:+.1f}"
        take = tx("train.take", ctx.lang, done=done.height, started=started.height, label=ctx.label(p), top=top,
                  gain=gain_text)
        fig = charts.labelled_bars(per_course[name].to_list(), [float(v) for v in per_course["n"].to_list()],
                                   ctx.lang, title, unit="count")
    else:
        take, fig = tx("train.none", ctx.lang, label=ctx.label(p)), None
    return Item("training", title, take, definition(ctx.lang, "training_completion", extra=tx("train.def", ctx.lang)),
                fig, table if table.height else None, numbers, {gain: "score"})


def _attrition(ctx: Ctx) -> Item:
    cur, _ = ctx.periods
    exits, ttm, prob, hires = (ctx.figure(m) for m in ("exits", "attrition_rate_ttm", "probation_share_of_exits",
                                                       "hires"))
    numbers = {"exits": exits.value, "probation_exits": prob.numerator, "attrition_ttm": ttm.value,
               "attrition_ttm_previous": ttm.previous, "hires": hires.value}
    title = tx("attr.title", ctx.lang)
    n_exits = ctx.figure("exits").value
    take = tx("attr.take", ctx.lang, exits=fmt_count(n_exits, "exit", ctx.lang), label=ctx.label(ctx.period),
              prob=ctx.num(prob.numerator, "count"), ttm=ctx.value("attrition_rate_ttm"),
              change=ctx.change(ttm.value, ttm.previous, "ratio", ttm.previous_period or "—"))
    series = trend(ctx.db, ctx.viewer, "attrition_rate_ttm", cur.months[-1], 12, as_of=ctx.as_of)
    metric = get_metric("attrition_rate_ttm")
    fig = charts.metric_trend(series, metric, ctx.lang, title=metric.name(ctx.lang))
    return Item("attrition", title, take, definition(ctx.lang, "exits", "attrition_rate_ttm",
                                                      "probation_share_of_exits"), fig, None, numbers)


def _alerts(ctx: Ctx) -> Item:
    from analytics.people import risk_report
    lang, viewer = ctx.lang, ctx.viewer
    rule = list_rules().describe(lang)
    ranked = risk_report.ranked(ctx.db, viewer, ctx.day)
    if ranked.is_empty():  # too little history to fit the model
        ranked = pl.DataFrame(schema={"probability": pl.Float64, "name": pl.Utf8})
    threshold = risk_report.high_risk_threshold(ranked["probability"]) if ranked.height else None
    high = ranked.filter(pl.col("probability") >= threshold) if ranked.height else ranked
    past, coach = ctx.past_target, ctx.coaching
    hidden = ctx.too_few(ranked.height)
    n_risk, n_coach = (None, None) if hidden else (high.height, coach.height)
    numbers = {"high_risk": n_risk, "high_risk_threshold": clean(threshold), "vacancies_past_target": past.height,
               "coaching": n_coach}
    kind, name, detail = tx("alerts.kind", lang), tx("alerts.name", lang), tx("alerts.detail", lang)
    if viewer.person_level:
        risk_rows = high.sort("probability", descending=True).head(LIST_ROWS).select(
            pl.lit(tx("alerts.risk", lang)).alias(kind), pl.col("name").alias(name),
            pl.format("{}%", (pl.col("probability") * 100).round(0).cast(pl.Int64)).alias(detail))
        last_q = [c for c in coach.columns if c[:4].isdigit() and "-Q" in c]
        coach_rows = coach.head(LIST_ROWS).select(
            pl.lit(tx("alerts.coach", lang, rule=rule)).alias(kind), pl.col("name").alias(name),
            pl.concat_str([pl.format("{} {}%", pl.lit(q), (pl.col(q) * 100).round(0).cast(pl.Int64)) for q in last_q],
                          separator=", ").alias(detail))
        table = pl.concat([risk_rows, coach_rows])
    else:
        count = tx("alerts.count", lang)
        table = pl.DataFrame({kind: [tx("alerts.risk", lang), tx("alerts.vacancy", lang),
                                     tx("alerts.coach", lang, rule=rule)],
                              count: [n_risk, past.height, n_coach]}, schema={kind: pl.Utf8, count: pl.Int64})
    take = tx("alerts.take", lang, risk=fmt_count(n_risk, "person", lang), thr=ctx.num(threshold, "probability"),
              past=fmt_count(past.height, "vacancy", lang), coach=fmt_count(n_coach, "rep", lang), rule=rule)
    if viewer.person_level:  # a cut list says how many it hides and where the whole list is
        for label, n in ((tx("alerts.risk", lang), high.height), (tx("alerts.coach", lang, rule=rule), coach.height)):
            if n > LIST_ROWS:
                take += " " + tx("list.cut", lang, shown=LIST_ROWS, n=n, name=label)
    return Item("alerts", tx("alerts.title", lang), take,
                definition(lang, "flight_risk", "coaching_list", extra=tx("alerts.def", lang)), None,
                table if table.height else None, numbers)


def _green_channel(ctx: Ctx) -> Item:
    """The alerts raised in the month (for the newest month: since its start, up to now), each with how long it
    took to answer; the share answered in time from the metric engine (``alert_response_24h``)."""
    from analytics.alerts import inbox_report
    from analytics.alerts.texts import hours_text
    lang, now = ctx.lang, dt.datetime.now().replace(microsecond=0)
    span = inbox_report.window(ctx.period, ctx.as_of, now)
    rows, held = inbox_report.listing(ctx.db, ctx.viewer, lang, now, "all", dt.datetime.combine(span.start, dt.time()),
                                      dt.datetime.combine(span.end + dt.timedelta(days=1), dt.time()))
    share = inbox_report.response_share(ctx.db, ctx.viewer, span).row(0, named=True)
    since = fmt_date(span.start, lang)
    n = rows.height + held
    numbers = {"raised": n, "urgent": rows.filter(pl.col("severity") == "urgent").height,
               "requests": rows.filter(pl.col("rule_id") == "urgent_request").height,
               "open": rows.filter(pl.col("state").is_in(["new", "acknowledged"])).height,
               "in_time_share": share["value"], "in_time": share["numerator"], "counted": share["denominator"]}
    title = tx("green.title", lang)
    if not n:
        return Item("green_channel", title, tx("green.none", lang, since=since),
                    definition(lang, "alert_response_24h"), None, None, numbers)
    take = tx("green.take", lang, n=n, since=since, urgent=numbers["urgent"], requests=numbers["requests"],
              share=ctx.num(share["value"], "ratio"), num=ctx.num(share["numerator"], "count"),
              den=ctx.num(share["denominator"], "count"), open=numbers["open"])
    if held:
        take += " " + tx("green.held", lang, n=held)

    def answered(r: dict) -> str:
        took = inbox_report.hours_between(r["raised_at"], r["acknowledged_at"])
        return "—" if took is None else hours_text(took, lang)

    def in_time(r: dict) -> str:
        if r["acknowledged_at"] is not None:
            return tx("green.yes" if r["acknowledged_at"] <= r["due_at"] else "green.no", lang)
        return tx("green.pending" if r["due_at"] > now else "green.no", lang)

    shown = rows.head(LIST_ROWS * 2)
    table = pl.DataFrame({
        tx("green.alert", lang): shown["rule"].to_list(),
        tx("green.what", lang): shown["what"].to_list(),
        tx("green.raised", lang): [fmt_datetime(d, lang) for d in shown["raised_at"].to_list()],
        tx("green.answered", lang): [answered(r) for r in shown.iter_rows(named=True)],
        tx("green.in_time", lang): [in_time(r) for r in shown.iter_rows(named=True)],
        tx("green.state", lang): [t(f"inbox.states.{s}", lang) for s in shown["state"].to_list()],
    })
    if rows.height > shown.height:
        take += " " + tx("green.cut", lang, shown=shown.height, n=rows.height)
    return Item("green_channel", title, take, definition(lang, "alert_response_24h"), None, table, numbers)


ITEMS = (_sales, _recruiting, _training, _attrition, _alerts, _green_channel)
