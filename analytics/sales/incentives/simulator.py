"""What-if: two plans side by side on the same reps and period, by attainment band, per rep, and with
every rep's bookings scaled (money in the company currency; attainment and cost of sales as fractions)."""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from analytics.sales.incentives.payout import (
    _VALUES,
    NO_QUOTA,
    _frame,
    _lazy,
    _panel,
    _run,
    _window,
    credit_key,
    order_lines,
)
from analytics.sales.incentives.plans import Plan
from analytics.sales.quota import ATTAINMENT_BANDS

BANDS: list[str] = [label for label, _ in ATTAINMENT_BANDS]


def _band(a: pl.Expr) -> pl.Expr:
    """Attainment band label (analytics.sales.quota.ATTAINMENT_BANDS), 'no quota' when a is null."""
    expr = pl.lit(BANDS[-1])
    for label, upper in reversed(ATTAINMENT_BANDS[:-1]):
        expr = pl.when(a < upper).then(pl.lit(label)).otherwise(expr)
    return pl.when(a.is_null()).then(pl.lit(NO_QUOTA)).otherwise(expr).cast(pl.Enum([*BANDS, NO_QUOTA]))


def _shifted(panel: pl.DataFrame | pl.LazyFrame, shift: float) -> pl.LazyFrame:
    return _lazy(panel).with_columns(pl.col(_VALUES) * (1.0 + shift))


def _priced(assignment: pl.DataFrame | pl.LazyFrame | None, key: str) -> pl.LazyFrame | None:
    """The assignment with every selected rep-month on plan ``key``; the others keep a key of their own
    (never priced, never listed), so segments are cut exactly where the payout engine cuts them."""
    if assignment is None:
        return None
    a = _lazy(assignment)
    selected = pl.col("selected").fill_null(False) if "selected" in a.collect_schema().names() else pl.lit(True)
    return a.with_columns(plan_id=pl.when(selected).then(pl.lit(key)).otherwise(
        pl.lit("~") + pl.col("plan_id").fill_null("")))


def simulate_panels(plan_a: Plan, plan_b: Plan, panel_a: pl.DataFrame, panel_b: pl.DataFrame, quotas: pl.DataFrame,
                    base_salary: pl.DataFrame, period_start: dt.date, period_end: dt.date,
                    attainment_shift: float = 0.0, *, fy_start: int = 1,
                    assignment: pl.DataFrame | pl.LazyFrame | None = None) -> dict[str, pl.DataFrame]:
    """:func:`simulate` on prepared rep × month panels (one per plan; the same frame when both plans
    credit the same cash)."""
    if attainment_shift < -1:
        raise ValueError(f"attainment_shift={attainment_shift} would make bookings negative; expected ≥ -1.")
    args = (quotas, base_salary, period_start, period_end, fy_start)
    runs = [("a", plan_a, panel_a), ("b", plan_b, panel_b)]
    if attainment_shift:
        runs += [("a", plan_a, _shifted(panel_a, attainment_shift)), ("b", plan_b, _shifted(panel_b, attainment_shift))]
    priced = {"a": _priced(assignment, "a"), "b": _priced(assignment, "b")}
    # the segments of a plan do not depend on the bookings: the shifted runs reuse them; their windows are the
    # plan's window shifted (the same products, as the panel's money is already Float64), else built again
    frames = [_frame({key: plan}, panel, quotas, period_start, period_end, fy_start, priced[key])
              for key, plan, panel in runs]
    exact = all(_lazy(p).collect_schema()[c] == pl.Float64 for p in (panel_a, panel_b) for c in _VALUES)
    built = range(2 if exact else len(runs))
    # a window is read for bonus targets and months without a plan; with an assignment every month is priced or
    # keyed '~', so a plan without bonuses reads none: an empty frame of its columns stands in
    wanted = [i for i in built if assignment is None or runs[i][1].bonuses]
    done = pl.collect_all([frames[0][0], frames[1][0], *(frames[i][1] for i in wanted)])
    segs, got = done[:2], dict(zip(wanted, done[2:], strict=True))
    windows = [got[i] if i in got else pl.DataFrame(schema=frames[i][1].collect_schema()) for i in built]
    if exact and attainment_shift:
        windows += pl.collect_all([_shifted(w, attainment_shift) for w in windows])
    lazy = [_run({key: plan}, {key: panel}, panel, *args, priced[key], (segs[i % 2], windows[i]))[0]
            for i, (key, plan, panel) in enumerate(runs)]
    out_a, out_b, *shifted = pl.collect_all(lazy)
    shifted = shifted or [out_a, out_b]
    rep_att = (out_a.group_by("employee_id").agg(pl.col("bookings").sum(), pl.col("quota").sum())
               .with_columns(attainment=pl.when(pl.col("quota") > 0).then(pl.col("bookings") / pl.col("quota"))))
    per_rep = (rep_att.with_columns(band=_band(pl.col("attainment")))
               .join(_rep_total(out_a, "payout_a"), on="employee_id", how="left")
               .join(_rep_total(out_b, "payout_b"), on="employee_id", how="left")
               .with_columns(pl.col("payout_a", "payout_b").fill_null(0.0))
               .with_columns(gain=pl.col("payout_b") - pl.col("payout_a"))
               .sort("employee_id"))
    return {
        "totals": pl.concat([_totals(k, p, f) for k, p, f in (("a", plan_a, out_a), ("b", plan_b, out_b))]),
        "bands": _bands(per_rep),
        "reps": per_rep,
        "shift": _shift_frame([("a", plan_a, out_a, shifted[0]), ("b", plan_b, out_b, shifted[1])], attainment_shift),
    }


def _rep_total(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    return frame.group_by("employee_id").agg(pl.col("payout").sum().alias(name))


def _totals(key: str, plan: Plan, frame: pl.DataFrame) -> pl.DataFrame:
    """One row: n_reps, bookings, commission, bonus, payout (money), n_capped, cost_of_sales (fraction)."""
    return frame.select(
        plan=pl.lit(key), plan_id=pl.lit(plan.id), n_reps=pl.col("employee_id").n_unique().cast(pl.Int64),
        bookings=pl.col("bookings").sum(), commission=pl.col("commission").sum(), bonus=pl.col("bonus").sum(),
        payout=pl.col("payout").sum(), n_capped=pl.col("capped").sum().cast(pl.Int64),
    ).with_columns(cost_of_sales=pl.when(pl.col("bookings") > 0).then(pl.col("payout") / pl.col("bookings")))


def _shift_frame(runs: list[tuple[str, Plan, pl.DataFrame, pl.DataFrame]], shift: float) -> pl.DataFrame:
    """Per plan: payout as is, payout with bookings × (1 + shift), and the extra cost (money)."""
    frame = pl.DataFrame([{
        "plan": key, "plan_id": plan.id, "attainment_shift": shift, "payout": float(base["payout"].sum()),
        "payout_shifted": float(moved["payout"].sum()), "bookings_shifted": float(moved["bookings"].sum()),
    } for key, plan, base, moved in runs])
    b = pl.col("bookings_shifted")
    return frame.with_columns(extra_cost=pl.col("payout_shifted") - pl.col("payout"),
                              cost_of_sales_shifted=pl.when(b > 0).then(pl.col("payout_shifted") / b))


def _bands(per_rep: pl.DataFrame) -> pl.DataFrame:
    """Earnings distribution by attainment band, every band listed (empty ones with zeros)."""
    all_bands = pl.DataFrame({"band": [*BANDS, NO_QUOTA]}, schema={"band": pl.Enum([*BANDS, NO_QUOTA])})
    agg = per_rep.group_by("band").agg(
        n_reps=pl.len().cast(pl.Int64), bookings=pl.col("bookings").sum(), payout_a=pl.col("payout_a").sum(),
        payout_b=pl.col("payout_b").sum(), gain=pl.col("gain").sum())
    b = pl.col("bookings")
    return all_bands.join(agg, on="band", how="left").fill_null(0).with_columns(
        mean_payout_a=pl.when(pl.col("n_reps") > 0).then(pl.col("payout_a") / pl.col("n_reps")),
        mean_payout_b=pl.when(pl.col("n_reps") > 0).then(pl.col("payout_b") / pl.col("n_reps")),
        cost_of_sales_a=pl.when(b > 0).then(pl.col("payout_a") / b),
        cost_of_sales_b=pl.when(b > 0).then(pl.col("payout_b") / b),
    )


def simulate(plan_a: Plan, plan_b: Plan, orders: pl.DataFrame, quotas: pl.DataFrame, base_salary: pl.DataFrame,
             period_start: dt.date, period_end: dt.date, collections: pl.DataFrame | None = None,
             attainment_shift: float = 0.0, *, fy_start: int = 1,
             assignment: pl.DataFrame | pl.LazyFrame | None = None) -> dict[str, pl.DataFrame]:
    """Plans a and b side by side on the same reps and period. Returns frames:

    - ``totals``: per plan (a, b): n_reps, bookings, commission, bonus, payout, n_capped, cost_of_sales;
    - ``bands``: per attainment band over the whole range (<50% … ≥120%, 'no quota'): n_reps,
      bookings, payout_a/b, gain, mean_payout_a/b, cost_of_sales_a/b;
    - ``reps``: per rep: bookings, quota, attainment, band, payout_a, payout_b, gain = b − a;
    - ``shift``: per plan: payout, payout_shifted and extra_cost when every rep's bookings (and credited
      cash) are scaled by 1 + attainment_shift (+0.1 → ×1.1).

    Without ``assignment`` each plan applies to every rep and month with data. With one (employee_id,
    month, plan_id in force, optional day and ``selected``), each plan applies to the selected rep-months
    (all when there is no ``selected`` column), measured and cut exactly as :func:`.payouts` measures them
    under the plans in force: plan a = the plan in force on the rep-months of that plan gives the
    payout engine's figure.

    Orders are reduced once to a rep × month panel (per payment basis), and every run works on it.
    """
    lazy: dict[tuple[Any, ...], pl.LazyFrame] = {}
    first = _window([plan_a, plan_b], period_start, fy_start)
    for plan in (plan_a, plan_b):
        if credit_key(plan) not in lazy:
            lines = order_lines(plan, orders, first, period_end, collections, fy_start=fy_start)
            lazy[credit_key(plan)] = _panel(lines, plan.pay_on == "bookings")
    panels = dict(zip(lazy, pl.collect_all(list(lazy.values())), strict=True))
    return simulate_panels(plan_a, plan_b, panels[credit_key(plan_a)], panels[credit_key(plan_b)], quotas,
                           base_salary, period_start, period_end, attainment_shift, fy_start=fy_start,
                           assignment=assignment)
