"""Per-rep commission statements, down to the orders: each order line with the rate applied and its
commission (money, 0.01), plus the floor, bonus and cap adjustments, adding up to the payout exactly."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import polars as pl

from analytics.sales.incentives.payout import _lazy, _order_rows, _panels, _resolve, _run, _window, order_lines
from analytics.sales.incentives.plans import Plan


def _cents(expr: pl.Expr) -> pl.Expr:
    return (expr * 100).round(0).cast(pl.Int64)


def _statement_lines(plan: Plan, lines: pl.DataFrame, summary: pl.DataFrame) -> pl.DataFrame:
    """Order lines (with their segment's ``period_label``) with the rate applied and the commission on each
    line in cents; per segment, line cents add up to its commission before the floor at zero (largest
    remainder)."""
    uplift = plan.ka_uplift_pp / 100
    target = summary.select(
        "period_label", "commission",
        raw=pl.col("rate") * pl.col("credited") + uplift * pl.col("ka_credited"), blended=pl.col("rate"))
    target = target.with_columns(target_c=pl.when(pl.col("commission") > 0).then(_cents(pl.col("commission")))
                                 .otherwise(_cents(pl.col("raw"))))
    exact = pl.col("credited") * pl.col("rate") * 100
    out = (
        lines.join(target.select("period_label", "blended", "target_c"), on="period_label", how="left")
        .sort("order_date", "order_id")
        .with_columns(rate=pl.col("blended") + pl.when(pl.col("is_ka")).then(uplift).otherwise(0.0))
        .with_columns(floor_c=exact.floor().cast(pl.Int64), frac=exact - exact.floor())
        .with_columns(rank=pl.col("frac").rank("ordinal", descending=True).over("period_label"),
                      short=pl.col("target_c") - pl.col("floor_c").sum().over("period_label"))
        .with_columns(line_c=pl.col("floor_c") + (pl.col("rank") <= pl.col("short")).cast(pl.Int64))
    )
    fix = pl.col("target_c") - pl.col("line_c").sum().over("period_label")  # 0 unless floats misbehaved
    out = out.with_columns(line_c=pl.col("line_c") + pl.when(pl.col("rank") == 1).then(fix).otherwise(0))
    return out.select("period_label", "order_id", "order_date", "amount", "is_ka", "credited", "rate", "line_c")


def _adjustments(summary: pl.DataFrame, lines_c: pl.DataFrame, bonuses: pl.DataFrame) -> pl.DataFrame:
    """Floor, bonus and cap rows (cents) that take each period from its line total to its payout."""
    per = summary.select("period_label", commission_c=_cents(pl.col("commission")), payout_c=_cents(pl.col("payout")))
    per = per.join(lines_c.group_by("period_label").agg(lines_c=pl.col("line_c").sum()), on="period_label",
                   how="left").join(bonuses.group_by("period_label").agg(bonus_c=_cents(pl.col("bonus")).sum()),
                                    on="period_label", how="left").fill_null(0)
    floor = per.select("period_label", kind=pl.lit("floor"), label_en=pl.lit("Commission not below zero"),
                       label_zh=pl.lit("提成不低于零"), cents=pl.col("commission_c") - pl.col("lines_c"))
    bonus = bonuses.filter(pl.col("met")).select(
        "period_label", kind=pl.lit("bonus"), label_en=pl.format("{} ({})", "name_en", "bonus_period_label"),
        label_zh=pl.format("{}（{}）", "name_zh", "bonus_period_label"), cents=_cents(pl.col("bonus")))
    cap = per.select("period_label", kind=pl.lit("cap"), label_en=pl.lit("Cap"), label_zh=pl.lit("封顶"),
                     cents=pl.col("payout_c") - pl.col("commission_c") - pl.col("bonus_c"))
    return pl.concat([floor, bonus, cap]).filter(pl.col("cents") != 0)


def _labelled(lines: pl.DataFrame, months: pl.DataFrame) -> pl.DataFrame:
    return lines.join(months.select("month", "period_label"), on="month", how="inner")


def statement(plan: Plan | Mapping[str, Plan], employee_id: int, orders: pl.DataFrame, quotas: pl.DataFrame,
              base_salary: pl.DataFrame, period_start: dt.date, period_end: dt.date,
              collections: pl.DataFrame | None = None, *, fy_start: int = 1,
              assignment: pl.DataFrame | pl.LazyFrame | None = None) -> dict:
    """One rep's commission statement: ``plan`` and ``assignment`` as in :func:`.payouts`.

    Keys: plan_id, plan_name_en/zh (the plan in force at the end of the range; None without one),
    plan_ids (every plan in force in the range, in order; None for months without a plan), employee_id,
    period_start/end; ``summary`` (the :func:`.payouts` rows); ``lines`` (period_label, order_id,
    order_date, amount, is_ka, credited, rate applied = blended rate + KA uplift of the segment's plan,
    commission on the line; orders in months without a plan are listed at rate 0); ``bonuses`` (every
    bonus target evaluated, met or not); ``adjustments`` (period_label, kind, label_en, label_zh, amount):
    ``floor`` (+, when returns made the commission negative), ``bonus`` (+, each bonus met) and ``cap``
    (−, the part above the cap); ``totals``: lines + floor + bonus + cap = payout, exactly, in 0.01.
    """
    plans = _resolve(plan, assignment)
    rep = pl.col("employee_id") == employee_id
    if assignment is not None:  # only the plans this rep was on (the others would price nothing)
        assignment = _lazy(assignment).filter(rep).collect()
        plans = {k: p for k, p in plans.items() if k in set(assignment["plan_id"].drop_nulls())}
    orders_r, cash = _lazy(orders).filter(rep), None if collections is None else _lazy(collections)
    panels, bookings = _panels(plans, orders_r, _window(plans.values(), period_start, fy_start), period_end, cash,
                               fy_start)
    rows_lf, bonus_lf, seg_lf = _run(plans, panels, bookings, _lazy(quotas).filter(rep),
                                     _lazy(base_salary).filter(rep), period_start, period_end, fy_start,
                                     assignment)
    line_lfs = [order_lines(p, orders_r, period_start, period_end, cash, fy_start=fy_start) for p in plans.values()]
    summary, bonuses, seg, plain, *by_plan = pl.collect_all(
        [rows_lf, bonus_lf, seg_lf, _order_rows(orders_r, period_start, period_end), *line_lfs])
    parts = [_labelled(plain, seg.filter(pl.col("plan_id").is_null())).select(
        "period_label", "order_id", "order_date", "amount", "is_ka", credited=pl.lit(0.0), rate=pl.lit(0.0),
        line_c=pl.lit(0, pl.Int64))]
    for (key, p), lines in zip(plans.items(), by_plan, strict=True):
        months = seg.filter(pl.col("plan_id") == key)
        parts.append(_statement_lines(p, _labelled(lines, months),
                                      summary.filter(pl.col("period_label").is_in(months["period_label"].implode()))))
    lines_c = pl.concat(parts).sort("order_date", "order_id")
    adjustments = _adjustments(summary, lines_c, bonuses)
    totals_c = {"lines": int(lines_c["line_c"].sum() or 0)}
    totals_c |= {k: int(adjustments.filter(pl.col("kind") == k)["cents"].sum() or 0) for k in ("floor", "bonus", "cap")}
    totals_c["payout"] = int(summary.select(_cents(pl.col("payout")).sum()).item() or 0)
    by_id = {p.id: p for p in plans.values()}
    last = by_id.get(summary["plan_id"][-1]) if summary.height else None
    return {
        "plan_id": last.id if last else None, "plan_name_en": last.name_en if last else None,
        "plan_name_zh": last.name_zh if last else None,
        "plan_ids": list(dict.fromkeys(summary["plan_id"].to_list())),
        "employee_id": employee_id, "period_start": period_start, "period_end": period_end,
        "summary": summary,
        "lines": lines_c.with_columns(commission=pl.col("line_c") / 100).drop("line_c"),
        "bonuses": bonuses.sort("period_start", "bonus_index").drop("period_start", "period_end", "partial", "cut"),
        "adjustments": adjustments.with_columns(amount=pl.col("cents") / 100).drop("cents"),
        "totals": {k: v / 100 for k, v in totals_c.items()},
    }
