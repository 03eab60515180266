"""Commission for the people in scope: payouts per rep under their own plan, statements, and the
what-if simulator comparing two plans on the same reps (no Streamlit)."""
from __future__ import annotations

import datetime as dt

import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.i18n import t
from analytics.core.periods import Period
from analytics.sales import incentives


def inputs(db: Database, viewer: Viewer, period: Period, as_of: dt.date, fy_start: int = 1) -> dict:
    """Reps in scope (with orders or quota from the start of the fiscal year that contains the period: a
    bonus target ending in the period is judged on all of it), their orders with the KA flag, quotas and
    collections by as-of from that day on, effective-dated base pay, and the plan in force per rep and
    month of the period (``assignment``); ``plans``: every plan in force, by id."""
    end = min(period.end, as_of)
    first = incentives.period_start_of("year", period.start, fy_start)
    reps = db.query("commission_reps", start=first, end=end, **viewer.sql_params())
    if not viewer.sees_pay:  # a sales director sees the pay of their own reports only; others none
        own = (db.query("reports_of", manager_id=viewer.employee_id, day=end)["employee_id"]
               if viewer.sees_any_pay else pl.Series([], dtype=pl.Int64))
        reps = reps.filter(pl.col("employee_id").is_in(own.implode()))
    ids = reps["employee_id"].to_list()
    orders = db.query("commission_orders", start=first, end=end, as_of=as_of, reps=ids)
    collections = db.query("commission_collections", start=first, end=end, as_of=as_of, reps=ids)
    quotas = db.sql("select employee_id, month, amount from quotas where month between $s and $e "
                    "and list_contains($reps, employee_id)", s=first, e=end, reps=ids)
    assignment = db.query("commission_plan_months", start=period.start, end=end, reps=ids)
    plans = {pid: incentives.load_plan(pid) for pid in assignment["plan_id"].drop_nulls().unique().sort()}
    return {"reps": reps, "orders": orders, "collections": collections, "quotas": quotas,
            "base": db.query("commission_base", reps=ids), "assignment": assignment, "plans": plans,
            "start": period.start, "end": end}


def _engine_args(data: dict) -> tuple:
    return (data["orders"], data["quotas"], data["base"], data["start"], data["end"], data["collections"])


def payouts_in_scope(db: Database, viewer: Viewer, period: Period, as_of: dt.date, fy_start: int = 1) -> pl.DataFrame:
    """Every rep's payout for the period, per measurement period under the plan in force then (cut where
    it changed; ``status`` 'no plan' and 0 where none was), with name, team_id, region_id and role_id."""
    data = inputs(db, viewer, period, as_of, fy_start)
    if data["reps"].is_empty():
        return pl.DataFrame()
    out = incentives.payouts(data["plans"], *_engine_args(data), fy_start=fy_start, assignment=data["assignment"])
    return out.join(data["reps"].select("employee_id", "name", "team_id", "region_id", "role_id"), on="employee_id",
                    how="left")


def rep_statement(db: Database, viewer: Viewer, employee_id: int, period: Period, as_of: dt.date,
                  fy_start: int = 1) -> dict:
    """One rep's statement under the plans in force in the period, down to the orders behind it."""
    data = inputs(db, viewer, period, as_of, fy_start)
    if data["reps"].filter(pl.col("employee_id") == employee_id).is_empty():
        raise ValueError(f"Employee {employee_id} has no orders or quota in scope for {period.label}.")
    out = incentives.statement(data["plans"], employee_id, *_engine_args(data), fy_start=fy_start,
                               assignment=data["assignment"])
    if out["plan_id"] is None:  # no plan in force at the end of the period
        out |= {"plan_name_en": t("incentives.no_plan", "en"), "plan_name_zh": t("incentives.no_plan", "zh")}
    return out


def what_if(db: Database, viewer: Viewer, period: Period, as_of: dt.date, plan_a: dict | str, plan_b: dict | str,
            shift: float = 0.0, plan_filter: str | None = None, fy_start: int = 1) -> dict[str, pl.DataFrame]:
    """Two plans (dicts or TOML text, so edited parameters work) side by side on the rep-months in scope
    (with ``plan_filter``: only the rep-months that plan was in force for), measured and cut as the payout
    engine measures them. ``current`` is what the Payouts tab pays for the same rep-months under the
    plans in force, so plan A = the filter's plan shows the same figure."""
    import tomllib

    plan_a = tomllib.loads(plan_a) if isinstance(plan_a, str) else plan_a
    plan_b = tomllib.loads(plan_b) if isinstance(plan_b, str) else plan_b
    data = inputs(db, viewer, period, as_of, fy_start)
    a, b = incentives.plan_from_dict(plan_a, "plan A"), incentives.plan_from_dict(plan_b, "plan B")
    chosen = pl.lit(True) if plan_filter is None else pl.col("plan_id").eq_missing(plan_filter)
    assignment = data["assignment"].with_columns(selected=chosen)
    out = incentives.simulate(a, b, *_engine_args(data), shift,
                              fy_start=fy_start, assignment=assignment)
    current = incentives.payouts(data["plans"], *_engine_args(data), fy_start=fy_start,
                                 assignment=data["assignment"])
    if plan_filter is not None:
        current = current.filter(pl.col("plan_id").eq_missing(plan_filter))
    out["current"] = current.select(n_reps=pl.col("employee_id").n_unique().cast(pl.Int64),
                                    bookings=pl.col("bookings").sum(), payout=pl.col("payout").sum())
    out["reps"] = out["reps"].join(data["reps"].select("employee_id", "name", "team_id"), on="employee_id",
                                   how="left")
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
    with db.transaction(bump=False) as cur:  # accounts and audit: no fact changes
        db.audit(cur, viewer.user, "view_pay", target=what, scope=viewer.scope_key, n_rows=n_rows)


def pay_totals(pay: pl.DataFrame) -> dict[str, float]:
    """Scope totals of a payout frame: payout, bookings, bonus, periods capped, reps, cost of sales."""
    t = pay.select(pl.col("payout").sum(), pl.col("bookings").sum(), pl.col("bonus").sum(),
                   pl.col("capped").sum().alias("capped"),
                   pl.col("employee_id").n_unique().alias("reps")).row(0, named=True)
    return {**t, "cost_of_sales": t["payout"] / t["bookings"] if t["bookings"] else None}


def per_rep(pay: pl.DataFrame, plans: dict[str, incentives.Plan], lang: str = "en") -> pl.DataFrame:
    """One row per rep and plan in force over the period (a rep whose plan changed has a row per plan; months
    without a plan a row named 'no plan'): bookings, quota, attainment, payout, bonus, cost of sales."""
    return pay.group_by("employee_id", "name", "plan_id").agg(
        pl.col("bookings").sum(), pl.col("quota").sum(), pl.col("payout").sum(), pl.col("bonus").sum(),
        pl.col("capped").any()).with_columns(
        attainment=pl.when(pl.col("quota") > 0).then(pl.col("bookings") / pl.col("quota")),
        cost_of_sales=pl.when(pl.col("bookings") > 0).then(pl.col("payout") / pl.col("bookings")),
        plan=pl.col("plan_id").replace_strict({k: p.name_zh if lang == "zh" else p.name_en for k, p in plans.items()},
                                              default=pl.col("plan_id")).fill_null(t("incentives.no_plan", lang)),
    ).sort("payout", descending=True)


GROUPINGS: dict[str, list[str]] = {"rep": ["employee_id", "name", "team_id", "region_id"],
                                   "team": ["team_id", "region_id"], "region": ["region_id"]}


def summary(pay: pl.DataFrame, by: str | None = None) -> pl.DataFrame:
    """Payouts of :func:`payouts_in_scope` summed per plan in force (``by`` None; ``plan_id`` null for
    months without a plan), per rep (with the plans in force, in order), per team or per region (where the
    rep sat at the end of the period): reps, bookings, quota, attainment, commission, bonus, payout, cost
    of sales. A team's payout is the sum of its reps'."""
    if pay.is_empty():
        return pay
    keys = ["plan_id"] if by is None else GROUPINGS[by]
    sums = [pl.col("employee_id").n_unique().alias("reps"), pl.col("bookings").sum(), pl.col("quota").sum(),
            pl.col("commission").sum(), pl.col("bonus").sum(), pl.col("payout").sum()]
    if by == "rep":
        sums[0] = pl.col("plan_id").fill_null(incentives.NO_PLAN).unique(maintain_order=True).str.join(", ").alias(
            "plans")
    out = pay.sort("employee_id", "period_start").group_by(keys, maintain_order=True).agg(*sums).with_columns(
        attainment=pl.when(pl.col("quota") > 0).then(pl.col("bookings") / pl.col("quota")),
        cost_of_sales=pl.when(pl.col("bookings") > 0).then(pl.col("payout") / pl.col("bookings")))
    return out.sort(pl.col(keys[0]), nulls_last=True) if by != "rep" else out.sort("payout", "employee_id",
                                                                                   descending=[True, False])
