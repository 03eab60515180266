"""The payout engine (docs/metrics.md, "Commission"): commission per rep and measurement period.

Units. Money is in the company currency (CNY in the demo) and results are rounded to 0.01 (fen);
in result frames ``rate``, ``attainment`` and ``cost_of_sales`` are fractions (0.015, 1.10).

The engine, for one rep and one measurement period (month, quarter or fiscal year):

1. bookings B = Σ order amounts (returns and credit notes are negative), KA bookings, quota Q =
   Σ the rep's monthly quota rows; credited C = B, or for pay-on-collection plans the cash collected
   on those orders (by the cutoff, each order counted up to its amount; credit notes in full).
2. attainment a = B ÷ Q; null when Q ≤ 0 (no quota): paid at the lowest rate and flagged.
3. schedule commission f(B): tier rates (retroactive: the rate reached applies to all of B;
   marginal: each slice of attainment at its own rate) times accelerator multipliers (retroactive,
   or marginal = only on the slice above the threshold). rate = f(B) ÷ B, the blended rate.
4. commission = max(0, rate × C + KA uplift × KA credited), before bonus and cap.
5. bonus = the bonuses whose target period ends in this measurement period and whose target is met
   (evaluated only when the whole target period lies inside the requested range).
6. cap: payout = min(commission, cap) + bonus, or min(commission + bonus, cap).

Everything is vectorised with polars: orders are first reduced to a rep × month panel
(:func:`rep_month_panel`), on which every plan and what-if runs. The underscore helpers are shared
with :mod:`.statements` and :mod:`.simulator` (package-internal, not re-exported).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from analytics.sales.incentives.plans import Plan

NO_QUOTA = "no quota"
_PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}
_VALUES = ["bookings", "ka_bookings", "credited", "ka_credited"]
_PERIOD_KEYS = ["employee_id", "period_start", "period_end", "period_label"]
PAYOUT_COLUMNS = [
    "employee_id", "period_label", "period_start", "period_end", "partial", "bookings", "ka_bookings",
    "credited", "ka_credited", "quota", "attainment", "no_quota", "tier", "rate", "commission", "bonus",
    "cap_amount", "capped", "payout", "cost_of_sales",
]


# ───────────────────────────── periods and panels ─────────────────────────────


def _period_columns(grain: str, fy_start: int, month: str = "month", prefix: str = "period") -> list[pl.Expr]:
    """``{prefix}_start``, ``_end`` and ``_label`` of the fiscal ``grain`` period containing ``month``
    (labels as in analytics/core/periods.py: 2025-07, 2025-Q3, FY2025)."""
    m = pl.col(month)
    k = m.dt.year().cast(pl.Int32) * 12 + m.dt.month().cast(pl.Int32) - fy_start  # months into fiscal time
    size = _PERIOD_MONTHS[grain]
    first = k - k % size + (fy_start - 1)
    start = pl.date(first // 12, first % 12 + 1, 1)
    fy = k // 12 + (0 if fy_start == 1 else 1)
    label = {"month": m.dt.strftime("%Y-%m"), "quarter": pl.format("{}-Q{}", fy, k % 12 // 3 + 1),
             "year": pl.format("FY{}", fy)}[grain]
    end = start.dt.offset_by(f"{size - 1}mo").dt.month_end()
    return [start.alias(f"{prefix}_start"), end.alias(f"{prefix}_end"), label.alias(f"{prefix}_label")]


def _lazy(frame: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    return frame.lazy() if isinstance(frame, pl.DataFrame) else frame


def order_lines(plan: Plan, orders: pl.DataFrame | pl.LazyFrame, period_start: dt.date, period_end: dt.date,
                collections: pl.DataFrame | pl.LazyFrame | None = None, *, fy_start: int = 1) -> pl.LazyFrame:
    """Orders dated in [period_start, period_end] with a rep, their ``month`` and ``credited`` (money the
    plan pays on: the amount, or cash collected on the order by the plan's cutoff, at most the amount;
    a credit note (negative amount) is credited in full)."""
    lines = (
        _lazy(orders)
        .select(pl.col("order_id").cast(pl.Int64), pl.col("employee_id").cast(pl.Int64), pl.col("order_date"),
                pl.col("amount").cast(pl.Float64), pl.col("is_ka").cast(pl.Boolean).fill_null(False))
        .filter(pl.col("employee_id").is_not_null(), pl.col("order_date").is_between(period_start, period_end))
        .with_columns(month=pl.col("order_date").dt.truncate("1mo"))
    )
    if plan.pay_on == "bookings":
        return lines.with_columns(credited=pl.col("amount"))
    if collections is None:
        raise ValueError(f"Plan {plan.id!r} pays on collected cash: pass `collections` "
                         "(order_id, collected_date, amount).")
    cash = _lazy(collections).select(pl.col("order_id").cast(pl.Int64), "collected_date",
                                     pl.col("amount").cast(pl.Float64).alias("cash"))
    if plan.cutoff_date is not None:
        cash = cash.filter(pl.col("collected_date") <= plan.cutoff_date)
    elif plan.cutoff_days is not None:  # cutoff per month (a dozen rows), then per order
        cutoffs = lines.select(pl.col("month").unique()).with_columns(
            _period_columns(plan.measurement_period, fy_start, prefix="m")).select(
            "month", cutoff=pl.col("m_end") + pl.duration(days=plan.cutoff_days))
        due = lines.select("order_id", "month").join(cutoffs, on="month").drop("month")
        cash = cash.join(due, on="order_id").filter(pl.col("collected_date") <= pl.col("cutoff"))
    collected = cash.group_by("order_id").agg(collected=pl.col("cash").sum())
    amount = pl.col("amount")
    return lines.join(collected, on="order_id", how="left").with_columns(
        credited=pl.when(amount > 0).then(pl.col("collected").fill_null(0).clip(0, amount)).otherwise(amount)
    ).drop("collected")


def _panel(lines: pl.LazyFrame, credited_is_bookings: bool = False) -> pl.LazyFrame:
    """Sum order lines to rep × month (the KA part as its own column, which groups faster than a filter)."""
    ka = pl.col("is_ka")
    cols = {"bookings": pl.col("amount"), "ka_bookings": pl.when(ka).then(pl.col("amount")).otherwise(0.0)}
    if not credited_is_bookings:
        cols |= {"credited": pl.col("credited"), "ka_credited": pl.when(ka).then(pl.col("credited")).otherwise(0.0)}
    out = lines.select("employee_id", "month", **cols).group_by("employee_id", "month").agg(pl.all().sum())
    return out.with_columns(credited="bookings", ka_credited="ka_bookings") if credited_is_bookings else out


def rep_month_panel(plan: Plan, orders: pl.DataFrame | pl.LazyFrame, period_start: dt.date, period_end: dt.date,
                    collections: pl.DataFrame | pl.LazyFrame | None = None, *, fy_start: int = 1) -> pl.DataFrame:
    """Rep × month: bookings, ka_bookings, credited, ka_credited (money). Every payout runs on this
    panel; it depends on the plan only through its payment basis and cutoff."""
    lines = order_lines(plan, orders, period_start, period_end, collections, fy_start=fy_start)
    return _panel(lines, plan.pay_on == "bookings").collect()


def _credit_key(plan: Plan) -> tuple[Any, ...]:
    """Plans with equal keys credit the same cash, so they can share one panel."""
    if plan.pay_on == "bookings":
        return ("bookings",)
    return plan.pay_on, plan.cutoff_date, plan.cutoff_days, plan.measurement_period if plan.cutoff_days else None


def _rep_months(panel: pl.DataFrame | pl.LazyFrame, quotas: pl.DataFrame | pl.LazyFrame,
                period_start: dt.date, period_end: dt.date) -> pl.LazyFrame:
    """Panel rows joined with the quota of every rep × month in range (missing values 0)."""
    q = (
        _lazy(quotas)
        .select(pl.col("employee_id").cast(pl.Int64), pl.col("month").dt.truncate("1mo"),
                pl.col("amount").cast(pl.Float64).alias("quota"))
        .filter(pl.col("month").is_between(period_start.replace(day=1), period_end))
        .group_by("employee_id", "month").agg(pl.col("quota").sum())
    )
    p = (_lazy(panel).select(pl.col("employee_id").cast(pl.Int64), pl.col("month"),
                             *(pl.col(c).cast(pl.Float64) for c in _VALUES))
         .filter(pl.col("month").is_between(period_start.replace(day=1), period_end)))
    return p.join(q, on=["employee_id", "month"], how="full", coalesce=True).with_columns(
        pl.col([*_VALUES, "quota"]).fill_null(0.0))


def _base(base_salary: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    return (_lazy(base_salary).select(pl.col("employee_id").cast(pl.Int64), pl.col("base_monthly").cast(pl.Float64))
            .group_by("employee_id").agg(pl.col("base_monthly").last()))


# ───────────────────────────── the engine ─────────────────────────────


def _step(levels: list[tuple[float, float]], x: pl.Expr) -> pl.Expr:
    """Value of the step schedule [(threshold, value)] at x; below the first step or null → first value."""
    expr = pl.lit(levels[0][1])
    for threshold, value in levels[1:]:
        expr = pl.when(x >= threshold).then(pl.lit(value)).otherwise(expr)
    return expr


def _at(levels: list[tuple[float, float]], x: float) -> float:
    return [v for t, v in levels if t <= x][-1]


def _schedule_commission(plan: Plan, b: pl.Expr, q: pl.Expr, a: pl.Expr) -> pl.Expr:
    """f(B): money earned on bookings ``b`` at quota ``q`` (attainment ``a``) from tiers and
    accelerators, without KA uplift. Returns (B < 0) earn the lowest rate; no quota → lowest rate."""
    rates, mults = plan.rate_schedule(), plan.multiplier_schedule()
    marginal_rates = plan.tier_mode == "marginal" and len(rates) > 1
    marginal_mults = plan.accelerator_mode == "marginal" and len(mults) > 1
    if not (marginal_rates or marginal_mults):
        with_quota = _step(rates, a) * _step(mults, a) * b
    else:
        cuts = sorted({0.0} | {t for t, _ in rates if marginal_rates} | {t for t, _ in mults if marginal_mults})
        with_quota = pl.min_horizontal(b, 0.0) * rates[0][1]
        for lo, hi in zip(cuts, [*cuts[1:], None], strict=True):
            upper = b if hi is None else pl.min_horizontal(b, q * hi)
            rate = pl.lit(_at(rates, lo)) if marginal_rates else _step(rates, a)
            mult = pl.lit(_at(mults, lo)) if marginal_mults else _step(mults, a)
            with_quota = with_quota + (upper - q * lo).clip(lower_bound=0) * rate * mult
    return pl.when(q > 0).then(with_quota).otherwise(b * plan.lowest_rate)


def _tier_label(plan: Plan, a: pl.Expr) -> pl.Expr:
    """'≥100%' for the highest tier or accelerator threshold reached, '<50%' below all, 'flat', 'no quota'."""
    thresholds = sorted({t.from_pct for t in plan.tiers if t.from_pct > 0} | {x.from_pct for x in plan.accelerators})
    label = pl.lit(f"<{thresholds[0]:g}%" if thresholds else "flat")
    for t in thresholds:
        label = pl.when(a >= t / 100).then(pl.lit(f"≥{t:g}%")).otherwise(label)
    return pl.when(a.is_null()).then(pl.lit(NO_QUOTA)).otherwise(label)


def _cap_amount(plan: Plan) -> pl.Expr:
    """Cap per measurement period (money), null where none applies (no quota for a target-incentive
    cap, no base salary for a base-months cap)."""
    cap, q = plan.cap, pl.col("quota")
    if cap is None:
        return pl.lit(None, pl.Float64)
    if cap.amount is not None:
        return pl.lit(cap.amount)
    if cap.target_incentive_multiple is not None:
        target_incentive = _schedule_commission(plan, q, q, pl.lit(1.0))  # commission at exactly 100 %
        return pl.when(q > 0).then(target_incentive * cap.target_incentive_multiple).round(2)
    return (pl.col("base_monthly") * (cap.base_months or 0.0)).round(2)


def _bonus_detail(plan: Plan, rm: pl.LazyFrame, base: pl.LazyFrame, period_start: dt.date, period_end: dt.date,
                  fy_start: int) -> pl.LazyFrame:
    """One row per rep, bonus and bonus period inside the range: bookings, quota, met, bonus (money),
    placed in the measurement period that contains the bonus period's last month."""
    frames = []
    for i, bonus in enumerate(plan.bonuses):
        money = pl.lit(bonus.amount) if bonus.amount is not None else (
            pl.col("base_monthly").fill_null(0.0) * (bonus.base_months or 0.0))
        q = pl.col("quota")
        frames.append(
            rm.with_columns(_period_columns(bonus.period, fy_start, prefix="bonus_period"))
            .group_by("employee_id", "bonus_period_start", "bonus_period_end", "bonus_period_label")
            .agg(pl.col("bookings").sum(), pl.col("quota").sum())
            .filter(pl.col("bonus_period_start") >= period_start, pl.col("bonus_period_end") <= period_end)
            .join(base, on="employee_id", how="left")
            .with_columns(met=(q > 0) & (pl.col("bookings") / q >= bonus.attainment_pct / 100),
                          last_month=pl.col("bonus_period_end").dt.truncate("1mo"))
            .with_columns(*_period_columns(plan.measurement_period, fy_start, month="last_month"),
                          bonus=pl.when(pl.col("met")).then(money).otherwise(0.0).round(2))
            .select(*_PERIOD_KEYS, "bonus_period_label", pl.lit(i).alias("bonus_index"),
                    pl.lit(bonus.name_en).alias("name_en"), pl.lit(bonus.name_zh).alias("name_zh"),
                    "bookings", "quota", "met", "bonus")
        )
    return pl.concat(frames) if frames else pl.LazyFrame(schema={
        "employee_id": pl.Int64, "period_start": pl.Date, "period_end": pl.Date, "period_label": pl.String,
        "bonus_period_label": pl.String, "bonus_index": pl.Int32, "name_en": pl.String, "name_zh": pl.String,
        "bookings": pl.Float64, "quota": pl.Float64, "met": pl.Boolean, "bonus": pl.Float64})


def _payouts_lazy(plan: Plan, panel: pl.DataFrame | pl.LazyFrame, quotas: pl.DataFrame | pl.LazyFrame,
                  base_salary: pl.DataFrame | pl.LazyFrame, period_start: dt.date, period_end: dt.date,
                  fy_start: int = 1) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """(payout rows, bonus detail) as LazyFrames; see :func:`payouts`."""
    rm = _rep_months(panel, quotas, period_start, period_end)
    base = _base(base_salary)
    per = (rm.with_columns(_period_columns(plan.measurement_period, fy_start))
           .group_by(_PERIOD_KEYS).agg(pl.col([*_VALUES, "quota"]).sum()))
    detail = _bonus_detail(plan, rm, base, period_start, period_end, fy_start)
    if plan.bonuses:
        paid = detail.filter(pl.col("met")).group_by(_PERIOD_KEYS).agg(pl.col("bonus").sum())
        per = per.join(paid, on=_PERIOD_KEYS, how="full",
                       coalesce=True).with_columns(pl.col([*_VALUES, "quota", "bonus"]).fill_null(0.0))
    else:
        per = per.with_columns(bonus=pl.lit(0.0))
    b, q, a = pl.col("bookings"), pl.col("quota"), pl.col("attainment")
    rate = pl.when(b > 0).then(_schedule_commission(plan, b, q, a) / b).otherwise(plan.lowest_rate)
    raw = pl.col("rate") * pl.col("credited") + plan.ka_uplift_pp / 100 * pl.col("ka_credited")
    limited = pl.col("commission") + (pl.col("bonus") if plan.cap and plan.cap.applies_to != "commission" else 0.0)
    capped = pl.col("cap_amount").is_not_null() & (limited > pl.col("cap_amount"))
    out = (
        per.join(base, on="employee_id", how="left")
        .with_columns(attainment=pl.when(q > 0).then(b / q), no_quota=q <= 0,
                      partial=(pl.col("period_start") < period_start) | (pl.col("period_end") > period_end))
        .with_columns(rate=rate, tier=_tier_label(plan, a), cap_amount=_cap_amount(plan))
        .with_columns(commission=raw.clip(lower_bound=0).round(2))
        .with_columns(capped=capped)
        .with_columns(payout=(pl.when(pl.col("capped")).then(pl.col("cap_amount")).otherwise(limited)
                              + (pl.col("bonus") if not plan.cap or plan.cap.applies_to == "commission" else 0.0)
                              ).round(2))
        .with_columns(cost_of_sales=pl.when(b > 0).then(pl.col("payout") / b))
        .select(PAYOUT_COLUMNS)
        .sort("employee_id", "period_start")
    )
    return out, detail


def payouts(plan: Plan, orders: pl.DataFrame, quotas: pl.DataFrame, base_salary: pl.DataFrame,
            period_start: dt.date, period_end: dt.date, collections: pl.DataFrame | None = None,
            *, fy_start: int = 1) -> pl.DataFrame:
    """Commission per rep and measurement period overlapping [period_start, period_end].

    orders: order_id, employee_id, order_date, amount, is_ka; quotas: employee_id, month, amount;
    base_salary: employee_id, base_monthly (the base in force for the period); collections:
    order_id, collected_date, amount (required when the plan pays on collections).

    Columns (``PAYOUT_COLUMNS``): period_start/period_end/period_label of the fiscal measurement
    period (``partial`` when it reaches outside the range: only the months inside count, quota
    included); bookings, ka_bookings, credited, ka_credited, quota (money); attainment (fraction, null
    without quota); no_quota (flag: paid at the lowest rate, no tiers, no accelerators); tier (label);
    rate (blended rate on credited before KA uplift, fraction); commission (before bonus and cap),
    bonus, cap_amount, payout (money, 0.01); capped; cost_of_sales = payout ÷ bookings (fraction).
    """
    lines = order_lines(plan, orders, period_start, period_end, collections, fy_start=fy_start)
    panel = _panel(lines, plan.pay_on == "bookings")
    return _payouts_lazy(plan, panel, quotas, base_salary, period_start, period_end, fy_start)[0].collect()


def payouts_from_panel(plan: Plan, panel: pl.DataFrame | pl.LazyFrame, quotas: pl.DataFrame,
                       base_salary: pl.DataFrame, period_start: dt.date, period_end: dt.date,
                       *, fy_start: int = 1) -> pl.DataFrame:
    """:func:`payouts` on a rep × month panel from :func:`rep_month_panel` (built once, reused)."""
    return _payouts_lazy(plan, panel, quotas, base_salary, period_start, period_end, fy_start)[0].collect()
