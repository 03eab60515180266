"""The payout engine (docs/metrics.md, "Commission"): commission per rep and measurement period, each
under the plan in force then.

Units. Money is in the company currency (CNY in the demo) and results are rounded to 0.01 (fen);
in result frames ``rate``, ``attainment`` and ``cost_of_sales`` are fractions (0.015, 1.10).

Which months a plan measures, and in which periods, comes from an *assignment* (rep × month → plan key;
:mod:`.segments`): a measurement period is measured under the plan in force then, and cut where the plan
changes inside it; months without a plan pay nothing and are listed as ``no plan``. A range pays the sum of
its measurement periods, so a year pays exactly what its quarters pay. For one rep and segment:

1. bookings B = Σ order amounts (returns and credit notes are negative), KA bookings, quota Q =
   Σ the rep's monthly quota rows of the segment's months; credited C = B, or for pay-on-collection
   plans the cash collected on those orders (by the cutoff, each order counted up to its amount; credit
   notes in full).
2. attainment a = B ÷ Q; null when Q ≤ 0 (no quota): paid at the lowest rate and flagged.
3. schedule commission f(B): tier rates (retroactive: the rate reached applies to all of B;
   marginal: each slice of attainment at its own rate) times accelerator multipliers (retroactive,
   or marginal = only on the slice above the threshold). rate = f(B) ÷ B, the blended rate.
4. commission = max(0, rate × C + KA uplift × KA credited), before bonus and cap.
5. bonus = the bonuses on target periods whose last day is in the range and whose target is met (judged
   on the whole target period, also before the range), paid with the segment that holds the rep's last
   month up to that day, under that segment's plan; ``base_months`` bonuses use the base in force on
   that day (or the last day employed).
6. cap: payout = min(commission, cap) + bonus, or min(commission + bonus, cap).

Everything is vectorised with polars: orders are first reduced to a rep × month panel
(:func:`rep_month_panel`), on which every plan and what-if runs. The underscore helpers are shared
with :mod:`.statements` and :mod:`.simulator` (package-internal, not re-exported).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from analytics.sales.incentives.plans import Plan
from analytics.sales.incentives.segments import (
    NO_PLAN,
    ON_PLAN,
    SEGMENT_KEYS,
    base_on_day,
    dense_assignment,
    normalise,
    period_columns,
    segments,
    window_start,
)

NO_QUOTA = "no quota"
_VALUES = ["bookings", "ka_bookings", "credited", "ka_credited"]
PAYOUT_COLUMNS = [
    "employee_id", "plan_id", "status", "period_label", "period_start", "period_end", "partial", "cut",
    "bookings", "ka_bookings", "credited", "ka_credited", "quota", "attainment", "no_quota", "tier", "rate",
    "commission", "bonus", "cap_amount", "capped", "payout", "cost_of_sales",
]
_BONUS_SCHEMA = {
    "employee_id": pl.Int64, "period_start": pl.Date, "period_end": pl.Date, "period_label": pl.String,
    "partial": pl.Boolean, "cut": pl.Boolean, "bonus_period_label": pl.String, "bonus_index": pl.Int32,
    "name_en": pl.String, "name_zh": pl.String, "bookings": pl.Float64, "quota": pl.Float64, "met": pl.Boolean,
    "bonus": pl.Float64, "plan_id": pl.String}


_Frame = pl.DataFrame | pl.LazyFrame

# ───────────────────────────── panels ─────────────────────────────


def _exact(total: pl.Expr) -> pl.Expr:
    """A money sum rounded to 10⁻⁶: float sums depend on the order rows arrive in (parallel group-bys), and
    without this a period summed in another order could round to another cent (a year ≠ its quarters)."""
    return total.round(6)


def _lazy(frame: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    return frame.lazy() if isinstance(frame, pl.DataFrame) else frame


def _order_rows(orders: pl.DataFrame | pl.LazyFrame, start: dt.date, end: dt.date) -> pl.LazyFrame:
    return (
        _lazy(orders)
        .select(pl.col("order_id").cast(pl.Int64), pl.col("employee_id").cast(pl.Int64), pl.col("order_date"),
                pl.col("amount").cast(pl.Float64), pl.col("is_ka").cast(pl.Boolean).fill_null(False))
        .filter(pl.col("employee_id").is_not_null(), pl.col("order_date").is_between(start, end))
        .with_columns(month=pl.col("order_date").dt.truncate("1mo"))
    )


def order_lines(plan: Plan, orders: pl.DataFrame | pl.LazyFrame, period_start: dt.date, period_end: dt.date,
                collections: pl.DataFrame | pl.LazyFrame | None = None, *, fy_start: int = 1) -> pl.LazyFrame:
    """Orders dated in [period_start, period_end] with a rep, their ``month`` and ``credited`` (money the
    plan pays on: the amount, or cash collected on the order by the plan's cutoff, at most the amount;
    a credit note (negative amount) is credited in full)."""
    lines = _order_rows(orders, period_start, period_end)
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
            period_columns(plan.measurement_period, fy_start, prefix="m")).select(
            "month", cutoff=pl.col("m_end") + pl.duration(days=plan.cutoff_days))
        due = lines.select("order_id", "month").join(cutoffs, on="month").drop("month")
        cash = cash.join(due, on="order_id").filter(pl.col("collected_date") <= pl.col("cutoff"))
    collected = cash.group_by("order_id").agg(collected=_exact(pl.col("cash").sum()))
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
    out = lines.select("employee_id", "month", **cols).group_by("employee_id", "month").agg(_exact(pl.all().sum()))
    return out.with_columns(credited="bookings", ka_credited="ka_bookings") if credited_is_bookings else out


def rep_month_panel(plan: Plan, orders: pl.DataFrame | pl.LazyFrame, period_start: dt.date, period_end: dt.date,
                    collections: pl.DataFrame | pl.LazyFrame | None = None, *, fy_start: int = 1) -> pl.DataFrame:
    """Rep × month: bookings, ka_bookings, credited, ka_credited (money). Every payout runs on this
    panel; it depends on the plan only through its payment basis and cutoff."""
    lines = order_lines(plan, orders, period_start, period_end, collections, fy_start=fy_start)
    return _panel(lines, plan.pay_on == "bookings").collect()


def credit_key(plan: Plan) -> tuple[Any, ...]:
    """Plans with equal keys credit the same cash, so they can share one panel (("bookings",) for plans paying
    on bookings)."""
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
        .group_by("employee_id", "month").agg(_exact(pl.col("quota").sum()))
    )
    p = (_lazy(panel).select(pl.col("employee_id").cast(pl.Int64), pl.col("month"),
                             *(pl.col(c).cast(pl.Float64) for c in _VALUES))
         .filter(pl.col("month").is_between(period_start.replace(day=1), period_end)))
    return p.join(q, on=["employee_id", "month"], how="full", coalesce=True).with_columns(
        pl.col([*_VALUES, "quota"]).fill_null(0.0))


def _window(plans: Iterable[Plan], start: dt.date, fy_start: int) -> dt.date:
    """First day of the data the plans need: the range, and every bonus target period ending in it."""
    return window_start(sorted({b.period for p in plans for b in p.bonuses}), start, fy_start)


def _panels(plans: Mapping[str, Plan], orders: pl.DataFrame | pl.LazyFrame, start: dt.date, end: dt.date,
            collections: pl.DataFrame | pl.LazyFrame | None, fy_start: int) -> tuple[dict[str, pl.LazyFrame],
                                                                                      pl.LazyFrame]:
    """Rep × month panels over [start, end]: one per plan key (shared by plans that credit the same cash),
    and one on bookings (for months without a plan and for bonus targets)."""
    by_credit: dict[tuple[Any, ...], pl.LazyFrame] = {}
    for plan in plans.values():
        if credit_key(plan) not in by_credit:
            lines = order_lines(plan, orders, start, end, collections, fy_start=fy_start)
            by_credit[credit_key(plan)] = _panel(lines, plan.pay_on == "bookings")
    bookings = by_credit.get(("bookings",))
    if bookings is None:
        bookings = _panel(_order_rows(orders, start, end).with_columns(credited=pl.col("amount")), True)
    return {k: by_credit[credit_key(p)] for k, p in plans.items()}, bookings

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


def _targets(grain: str, seg: pl.LazyFrame, window: pl.LazyFrame, start: dt.date, end: dt.date,
             fy_start: int) -> pl.LazyFrame:
    """One row per rep and target period of ``grain`` whose last day is in [start, end]: bookings and quota of
    the whole target period, and its landing month (the rep's last assigned month up to that day) with that
    month's plan key and segment (``SEGMENT_KEYS``); every plan with a bonus on ``grain`` reads its own rows."""
    landing = seg.select("employee_id", "month", "plan_id", "day", "mp_end", *SEGMENT_KEYS[1:]).sort("month")
    return (  # summed per target period first, its end and label then read off its first month
        window.with_columns(period_columns(grain, fy_start, prefix="bonus_period")[0])
        .group_by("employee_id", "bonus_period_start")
        .agg(_exact(pl.col("bookings", "quota").sum()))
        .with_columns(period_columns(grain, fy_start, "bonus_period_start", prefix="bonus_period")[1:])
        .filter(pl.col("bonus_period_end").is_between(start, end))
        .with_columns(last_month=pl.col("bonus_period_end").dt.truncate("1mo")).sort("last_month")
        .join_asof(landing, left_on="last_month", right_on="month", by="employee_id", strategy="backward",
                   check_sortedness=False)
    )


def _bonus_detail(plan: Plan, key: str, targets: Mapping[str, pl.DataFrame | pl.LazyFrame],
                  base_salary: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """One row per rep, bonus and target period of :func:`_targets` (``targets``: by grain) whose landing
    month is on plan ``key``, inside the measurement period containing the target period's last day:
    bookings and quota of the whole target period, met, bonus (money), and the landing segment."""
    frames = []
    for i, bonus in enumerate(plan.bonuses):
        money = pl.lit(bonus.amount) if bonus.amount is not None else (
            pl.col("base_monthly").fill_null(0.0) * (bonus.base_months or 0.0))
        q = pl.col("quota")
        targets_ = _lazy(targets[bonus.period]).filter(pl.col("plan_id") == key,
                                                      pl.col("mp_end") >= pl.col("bonus_period_end"))
        frames.append(
            base_on_day(base_salary, targets_)
            .with_columns(met=(q > 0) & (pl.col("bookings") / q >= bonus.attainment_pct / 100))
            .with_columns(bonus=pl.when(pl.col("met")).then(money).otherwise(0.0).round(2))
            .select(*SEGMENT_KEYS, "bonus_period_label", pl.lit(i, pl.Int32).alias("bonus_index"),
                    pl.lit(bonus.name_en).alias("name_en"), pl.lit(bonus.name_zh).alias("name_zh"),
                    "bookings", "quota", "met", "bonus", pl.lit(plan.id).alias("plan_id"))
        )
    return pl.concat(frames) if frames else pl.LazyFrame(schema=_BONUS_SCHEMA)


def _segment_sums(seg: pl.LazyFrame, values: pl.LazyFrame) -> pl.LazyFrame:
    """Segment rows with the sums of their months' values and quota, the last day looked up, and
    ``_seen``: whether any of its months has orders or quota (segments without are not listed)."""
    return (seg.join(values.with_columns(_seen=pl.lit(True)), on=["employee_id", "month"], how="left")
            .group_by(SEGMENT_KEYS).agg(_exact(pl.col([*_VALUES, "quota"]).fill_null(0.0).sum()), pl.col("day").max(),
                                        pl.col("_seen").any()))


def _plan_rows(plan: Plan, key: str, seg: pl.LazyFrame, values: pl.LazyFrame,
               base_salary: pl.DataFrame | pl.LazyFrame, detail: pl.LazyFrame) -> pl.LazyFrame:
    """Payout rows of the segments on plan ``key`` (``PAYOUT_COLUMNS``) that have orders, quota or a
    bonus; the cap reads the base in force on the segment's last day."""
    per = base_on_day(base_salary, _segment_sums(seg.filter(pl.col("plan_id") == key), values))
    paid = detail.filter(pl.col("met")).group_by(SEGMENT_KEYS).agg(_exact(pl.col("bonus").sum()))
    per = per.join(paid, on=SEGMENT_KEYS, how="left").with_columns(pl.col("bonus").fill_null(0.0))
    b, q, a = pl.col("bookings"), pl.col("quota"), pl.col("attainment")
    rate = pl.when(b > 0).then(_schedule_commission(plan, b, q, a) / b).otherwise(plan.lowest_rate)
    raw = pl.col("rate") * pl.col("credited") + plan.ka_uplift_pp / 100 * pl.col("ka_credited")
    limited = pl.col("commission") + (pl.col("bonus") if plan.cap and plan.cap.applies_to != "commission" else 0.0)
    capped = pl.col("cap_amount").is_not_null() & (limited > pl.col("cap_amount"))
    return (
        per.with_columns(attainment=pl.when(q > 0).then(b / q), no_quota=q <= 0,
                         plan_id=pl.lit(plan.id, pl.String), status=pl.lit(ON_PLAN))
        .with_columns(rate=rate, tier=_tier_label(plan, a), cap_amount=_cap_amount(plan))
        .with_columns(commission=raw.clip(lower_bound=0).round(2))
        .with_columns(capped=capped)
        .with_columns(payout=(pl.when(pl.col("capped")).then(pl.col("cap_amount")).otherwise(limited)
                              + (pl.col("bonus") if not plan.cap or plan.cap.applies_to == "commission" else 0.0)
                              ).round(2))
        .with_columns(cost_of_sales=pl.when(b > 0).then(pl.col("payout") / b))
        .filter(pl.col("_seen") | (pl.col("bonus") > 0))
        .select(PAYOUT_COLUMNS)
    )


def _no_plan_rows(seg: pl.LazyFrame, values: pl.LazyFrame) -> pl.LazyFrame:
    """Segments without a plan in force: bookings and quota shown, nothing credited, nothing paid."""
    b, q = pl.col("bookings"), pl.col("quota")
    return (
        _segment_sums(seg.filter(pl.col("plan_id").is_null()), values)
        .with_columns(plan_id=pl.lit(None, pl.String), status=pl.lit(NO_PLAN), credited=0.0, ka_credited=0.0,
                      attainment=pl.when(q > 0).then(b / q), no_quota=q <= 0, tier=pl.lit(NO_PLAN), rate=0.0,
                      commission=0.0, bonus=0.0, cap_amount=pl.lit(None, pl.Float64), capped=False, payout=0.0,
                      cost_of_sales=pl.when(b > 0).then(0.0))
        .filter(pl.col("_seen"))
        .select(PAYOUT_COLUMNS)
    )


def _frame(plans: Mapping[str, Plan], bookings: pl.DataFrame | pl.LazyFrame, quotas: pl.DataFrame | pl.LazyFrame,
           period_start: dt.date, period_end: dt.date, fy_start: int = 1,
           assignment: pl.DataFrame | pl.LazyFrame | None = None) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """(segments, window) of :func:`_run`, lazy: the segments of the assignment and the rep × month bookings
    and quota from :func:`_window` on."""
    window = _rep_months(bookings, quotas, _window(plans.values(), period_start, fy_start), period_end)
    if assignment is None:
        (key,) = plans
        assignment = dense_assignment(window.select("employee_id"), key, period_start, period_end)
    return segments(normalise(assignment, period_start, period_end),
                    {k: p.measurement_period for k, p in plans.items()}, fy_start, period_start, period_end), window


def _run(plans: Mapping[str, Plan], panels: Mapping[str, pl.DataFrame | pl.LazyFrame],
         bookings: pl.DataFrame | pl.LazyFrame, quotas: pl.DataFrame | pl.LazyFrame,
         base_salary: pl.DataFrame | pl.LazyFrame, period_start: dt.date, period_end: dt.date, fy_start: int = 1,
         assignment: pl.DataFrame | pl.LazyFrame | None = None,
         frame: tuple[_Frame, _Frame] | None = None) -> tuple[pl.LazyFrame, pl.LazyFrame, pl.LazyFrame]:
    """(payout rows, bonus detail, segments) as LazyFrames. ``plans``: key → plan; ``panels``: key → its
    rep × month panel; ``bookings``: a panel for months without a plan and bonus targets; panels and
    quotas should reach back to :func:`_window` for bonus targets. Without ``assignment`` every rep of
    the panel and quotas is on the one plan for every month of the range. ``frame``: :func:`_frame` of the
    same arguments, already collected (the what-if prices several panels on the same segments)."""
    if frame is None:  # every plan reads both: collected once (a lazy plan computes them again in each branch)
        frame = pl.collect_all(_frame(plans, bookings, quotas, period_start, period_end, fy_start, assignment))
    seg, window = frame[0].lazy(), frame[1].lazy()
    grains = sorted({b.period for p in plans.values() for b in p.bonuses})  # plans with bonuses on one grain share
    targets = dict(zip(grains, pl.collect_all([  # its target periods
        _targets(g, seg, window.select("employee_id", "month", "bookings", "quota"), period_start, period_end,
                 fy_start) for g in grains]) if grains else [], strict=True))
    in_range = pl.col("month") >= period_start.replace(day=1)
    frames, details = [_no_plan_rows(seg, window.filter(in_range))], []
    for key, plan in plans.items():
        values = _rep_months(panels[key], quotas, period_start, period_end)
        details.append(_bonus_detail(plan, key, targets, base_salary))
        frames.append(_plan_rows(plan, key, seg, values, base_salary, details[-1]))
    rows = pl.concat(frames, how="diagonal_relaxed").select(PAYOUT_COLUMNS).sort("employee_id", "period_start")
    detail = pl.concat(details, how="diagonal_relaxed") if details else pl.LazyFrame(schema=_BONUS_SCHEMA)
    return rows, detail, seg


def _resolve(plan: Plan | Mapping[str, Plan],
             assignment: pl.DataFrame | pl.LazyFrame | None) -> dict[str, Plan]:
    if isinstance(plan, Plan):
        if assignment is not None:
            raise ValueError("Pass plans as {plan key: Plan} with an assignment (its plan_id names the keys).")
        return {plan.id: plan}
    if assignment is None:
        raise ValueError("Several plans need an assignment: employee_id, month, plan_id (the plan in force).")
    return dict(plan)


def payouts(plan: Plan | Mapping[str, Plan], orders: pl.DataFrame, quotas: pl.DataFrame,
            base_salary: pl.DataFrame, period_start: dt.date, period_end: dt.date,
            collections: pl.DataFrame | None = None, *, fy_start: int = 1,
            assignment: pl.DataFrame | pl.LazyFrame | None = None) -> pl.DataFrame:
    """Commission per rep and measurement period (or cut segment) overlapping [period_start, period_end].

    plan: one plan for every rep and month, or {plan key: Plan} with ``assignment``: employee_id, month,
    plan_id (the key in force; null = no plan), day (optional: the day the plan was looked up, default the
    month's last day). orders: order_id, employee_id, order_date, amount, is_ka; quotas: employee_id,
    month, amount; base_salary: employee_id, base_monthly and optionally valid_from (effective-dated:
    the base in force on the day needed is used); collections: order_id, collected_date, amount (required
    when a plan pays on collections). Orders and quotas before the range are read for bonus targets that
    end in it (the annual target with the last quarter).

    Columns (``PAYOUT_COLUMNS``): plan_id (null without a plan), status (``on plan`` | ``no plan``);
    period_start/period_end/period_label of the fiscal measurement period, or of the segment when a plan
    change cut it (``cut``; label ``2025-Q3 (2025-08..2025-09)``); ``partial`` when the measurement
    period reaches outside the range (only the months inside count, quota included); bookings,
    ka_bookings, credited, ka_credited, quota (money); attainment (fraction, null without quota);
    no_quota (flag: paid at the lowest rate, no tiers, no accelerators); tier (label); rate (blended rate
    on credited before KA uplift, fraction); commission (before bonus and cap), bonus, cap_amount, payout
    (money, 0.01); capped; cost_of_sales = payout ÷ bookings (fraction).
    """
    plans = _resolve(plan, assignment)
    first = _window(plans.values(), period_start, fy_start)
    panels, bookings = _panels(plans, orders, first, period_end, collections, fy_start)
    return _run(plans, panels, bookings, quotas, base_salary, period_start, period_end, fy_start,
                assignment)[0].collect()


def payouts_from_panels(plans: Mapping[str, Plan], panels: Mapping[str, pl.DataFrame | pl.LazyFrame],
                        bookings: pl.DataFrame | pl.LazyFrame, quotas: pl.DataFrame | pl.LazyFrame,
                        base_salary: pl.DataFrame | pl.LazyFrame, period_start: dt.date, period_end: dt.date,
                        *, fy_start: int = 1, assignment: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """:func:`payouts` under the plans in force (``plans`` and ``assignment`` as there) on prepared rep × month
    panels: ``panels`` maps each plan key to a panel of its payment basis (:func:`rep_month_panel`; only the
    range's months of the reps the assignment puts on that plan are read), ``bookings`` is the panel on
    bookings from :func:`_window` on (months without a plan, bonus targets)."""
    return _run(dict(plans), panels, bookings, quotas, base_salary, period_start, period_end, fy_start,
                assignment)[0].collect()


def payouts_from_panel(plan: Plan, panel: pl.DataFrame | pl.LazyFrame, quotas: pl.DataFrame,
                       base_salary: pl.DataFrame, period_start: dt.date, period_end: dt.date,
                       *, fy_start: int = 1) -> pl.DataFrame:
    """:func:`payouts` of one plan on a rep × month panel from :func:`rep_month_panel` (built once,
    reused; build it from :func:`_window` on for bonus targets that began before the range)."""
    return _run({plan.id: plan}, {plan.id: panel}, panel, quotas, base_salary, period_start, period_end,
                fy_start)[0].collect()
