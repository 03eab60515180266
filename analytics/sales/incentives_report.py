"""Commission for the people in scope: payouts per rep under their own plan, statements, and the
what-if simulator comparing two plans on the same reps (no Streamlit)."""
from __future__ import annotations

import datetime as dt

import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.periods import Period
from analytics.sales import incentives


def inputs(db: Database, viewer: Viewer, period: Period, as_of: dt.date) -> dict[str, pl.DataFrame]:
    """Reps in scope (plan, base pay), their orders with the KA flag, quotas and collections by as-of."""
    end = min(period.end, as_of)
    reps = db.query("commission_reps", start=period.start, end=end, **viewer.sql_params())
    if not viewer.sees_pay:  # a sales director sees the pay of their own reports only; others none
        own = (db.query("reports_of", manager_id=viewer.employee_id, day=end)["employee_id"]
               if viewer.sees_any_pay else pl.Series([], dtype=pl.Int64))
        reps = reps.filter(pl.col("employee_id").is_in(own.implode()))
    ids = reps["employee_id"].to_list()
    orders = db.query("commission_orders", start=period.start, end=end, as_of=as_of, reps=ids)
    collections = db.query("commission_collections", start=period.start, end=end, as_of=as_of, reps=ids)
    quotas = db.sql("select employee_id, month, amount from quotas where month between $s and $e "
                    "and list_contains($reps, employee_id)", s=period.start, e=end, reps=ids)
    return {"reps": reps, "orders": orders, "collections": collections, "quotas": quotas,
            "base": reps.select("employee_id", "base_monthly")}


def payouts_in_scope(db: Database, viewer: Viewer, period: Period, as_of: dt.date) -> pl.DataFrame:
    """Every rep's payout for the period under the plan in their compensation record."""
    data = inputs(db, viewer, period, as_of)
    end = min(period.end, as_of)
    frames = []
    for plan_id, reps in data["reps"].group_by("plan_id"):
        if plan_id[0] is None:
            continue
        plan = incentives.load_plan(plan_id[0])
        ids = reps["employee_id"].implode()
        out = incentives.payouts(plan, data["orders"].filter(pl.col("employee_id").is_in(ids)),
                                 data["quotas"].filter(pl.col("employee_id").is_in(ids)),
                                 data["base"].filter(pl.col("employee_id").is_in(ids)), period.start, end,
                                 data["collections"])
        frames.append(out.with_columns(plan_id=pl.lit(plan.id)))
    if not frames:
        return pl.DataFrame()
    out = pl.concat(frames, how="diagonal_relaxed")
    return out.join(data["reps"].select("employee_id", "name", "team_id", "role_id"), on="employee_id", how="left")


def rep_statement(db: Database, viewer: Viewer, employee_id: int, period: Period, as_of: dt.date) -> dict:
    """One rep's statement under their plan, down to the orders behind it."""
    data = inputs(db, viewer, period, as_of)
    rep = data["reps"].filter(pl.col("employee_id") == employee_id)
    if rep.is_empty():
        raise ValueError(f"Employee {employee_id} has no orders or quota in scope for {period.label}.")
    plan = incentives.load_plan(rep["plan_id"][0])
    return incentives.statement(plan, employee_id, data["orders"], data["quotas"], data["base"], period.start,
                                min(period.end, as_of), data["collections"])


def what_if(db: Database, viewer: Viewer, period: Period, as_of: dt.date, plan_a: dict | str, plan_b: dict | str,
            shift: float = 0.0, plan_filter: str | None = None) -> dict[str, pl.DataFrame]:
    """Two plans (dicts or TOML text, so edited parameters work) side by side on the reps in scope
    (optionally only those currently on ``plan_filter``)."""
    import tomllib

    plan_a = tomllib.loads(plan_a) if isinstance(plan_a, str) else plan_a
    plan_b = tomllib.loads(plan_b) if isinstance(plan_b, str) else plan_b
    data = inputs(db, viewer, period, as_of)
    reps = data["reps"] if plan_filter is None else data["reps"].filter(pl.col("plan_id") == plan_filter)
    ids = reps["employee_id"].implode()
    a, b = incentives.plan_from_dict(plan_a, "plan A"), incentives.plan_from_dict(plan_b, "plan B")
    out = incentives.simulate(a, b, data["orders"].filter(pl.col("employee_id").is_in(ids)),
                              data["quotas"].filter(pl.col("employee_id").is_in(ids)),
                              data["base"].filter(pl.col("employee_id").is_in(ids)), period.start,
                              min(period.end, as_of), data["collections"], shift)
    out["reps"] = out["reps"].join(reps.select("employee_id", "name", "team_id"), on="employee_id", how="left")
    return out


def available_plans(plans_dir=None) -> tuple[dict[str, incentives.Plan], list[str]]:
    """Every readable plan by id, and one clear message per plan file with an error (file, key, line)."""
    folder = plans_dir or incentives.PLANS_DIR
    plans, errors = {}, []
    for path in sorted(folder.glob("*.toml")):
        try:
            plan = incentives.load_plan(path)
        except incentives.PlanError as exc:
            errors.append(str(exc))
        else:
            plans[plan.id] = plan
    return plans, errors


def record_pay_view(db: Database, viewer: Viewer, what: str, n_rows: int) -> None:
    """Audit a view of person-level pay: who, what, which scope, how many rows (no values)."""
    with db.transaction() as cur:
        db.audit(cur, viewer.user, "view_pay", target=what, scope=viewer.scope_key, n_rows=n_rows)


def pay_totals(pay: pl.DataFrame) -> dict[str, float]:
    """Scope totals of a payout frame: payout, bookings, bonus, periods capped, reps, cost of sales."""
    t = pay.select(pl.col("payout").sum(), pl.col("bookings").sum(), pl.col("bonus").sum(),
                   pl.col("capped").sum().alias("capped"),
                   pl.col("employee_id").n_unique().alias("reps")).row(0, named=True)
    return {**t, "cost_of_sales": t["payout"] / t["bookings"] if t["bookings"] else None}


def per_rep(pay: pl.DataFrame, plans: dict[str, incentives.Plan], lang: str = "en") -> pl.DataFrame:
    """One row per rep over the period: bookings, quota, attainment, payout, bonus, cost of sales, plan name."""
    return pay.group_by("employee_id", "name", "plan_id").agg(
        pl.col("bookings").sum(), pl.col("quota").sum(), pl.col("payout").sum(), pl.col("bonus").sum(),
        pl.col("capped").any()).with_columns(
        attainment=pl.when(pl.col("quota") > 0).then(pl.col("bookings") / pl.col("quota")),
        cost_of_sales=pl.when(pl.col("bookings") > 0).then(pl.col("payout") / pl.col("bookings")),
        plan=pl.col("plan_id").replace_strict({k: p.name_zh if lang == "zh" else p.name_en for k, p in plans.items()},
                                              default=pl.col("plan_id")),
    ).sort("payout", descending=True)
