"""Commission for the people in scope: payouts per rep under their own plan, statements, and the
what-if simulator comparing two plans on the same reps (no Streamlit).

Payouts and the what-if run the engine on rep × month panels that DuckDB sums from the orders
(sql/queries/commission_panel.sql, commission_credited.sql: the engine's own panels, to the last bit); the
what-if's baseline is the payouts the table shows, computed once. A statement reads its rep's orders."""
from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict

import polars as pl

from analytics.core.access import Viewer
from analytics.core.db import Database
from analytics.core.i18n import t
from analytics.core.periods import Period
from analytics.sales import incentives


def _reps(db: Database, viewer: Viewer, period: Period, as_of: dt.date, fy_start: int) -> tuple[pl.DataFrame, dt.date,
                                                                                            dt.date]:
    """Reps in scope (:func:`inputs`), the fiscal year's first day and the range's last."""
    end = min(period.end, as_of)
    first = incentives.period_start_of("year", period.start, fy_start)
    reps = db.query("commission_reps", start=first, end=end, **viewer.sql_params())
    if not viewer.sees_pay:  # a sales director sees the pay of their own reports only; others none
        own = (db.query("reports_of", manager_id=viewer.employee_id, day=end)["employee_id"]
               if viewer.sees_any_pay else pl.Series([], dtype=pl.Int64))
        reps = reps.filter(pl.col("employee_id").is_in(own.implode()))
    return reps, first, end


def _compact(db: Database, reps: pl.DataFrame, period: Period, first: dt.date, end: dt.date) -> dict:
    """The inputs every payout needs apart from orders: quotas, base pay, assignment, plans in force."""
    ids = reps["employee_id"].to_list()
    assignment = db.query("commission_plan_months", start=period.start, end=end, reps=ids)
    return {"reps": reps, "ids": ids, "quotas": db.query("commission_quotas", start=first, end=end, reps=ids),
            "base": db.query("commission_base", reps=ids), "assignment": assignment,
            "plans": {pid: incentives.load_plan(pid) for pid in assignment["plan_id"].drop_nulls().unique().sort()},
            "first": first, "start": period.start, "end": end}


def inputs(db: Database, viewer: Viewer, period: Period, as_of: dt.date, fy_start: int = 1,
           employee_id: int | None = None) -> dict:
    """Reps in scope (with orders or quota from the start of the fiscal year that contains the period: a
    bonus target ending in the period is judged on all of it), their orders with the KA flag, quotas and
    collections by as-of from that day on, effective-dated base pay, and the plan in force per rep and
    month of the period (``assignment``); ``plans``: every plan in force, by id. With ``employee_id``: that
    rep's only (none when the rep is not in scope)."""
    reps, first, end = _reps(db, viewer, period, as_of, fy_start)
    if employee_id is not None:
        reps = reps.filter(pl.col("employee_id") == employee_id)
    data = _compact(db, reps, period, first, end)
    ids = data.pop("ids")
    return data | {"orders": db.query("commission_orders", start=first, end=end, as_of=as_of, reps=ids),
                   "collections": db.query("commission_collections", start=first, end=end, as_of=as_of, reps=ids)}


def _engine_args(data: dict) -> tuple:
    return (data["orders"], data["quotas"], data["base"], data["start"], data["end"], data["collections"])


def _credited(db: Database, plan: incentives.Plan, start: dt.date, end: dt.date, as_of: dt.date, reps: list[int],
              fy_start: int) -> pl.DataFrame:
    """Rep × month panel of a plan paying on collections (sql/queries/commission_credited.sql)."""
    return db.query("commission_credited", start=start, end=end, as_of=as_of, reps=reps, cutoff_date=plan.cutoff_date,
                    cutoff_days=plan.cutoff_days, grain_months=incentives.PERIOD_MONTHS[plan.measurement_period],
                    fy_start=fy_start)


def _bookings(db: Database, data: dict) -> pl.DataFrame:
    """Rep × month panel on bookings from the fiscal year's start (sql/queries/commission_panel.sql)."""
    panel = db.query("commission_panel", start=data["first"], end=data["end"], reps=data["ids"])
    return panel.with_columns(credited="bookings", ka_credited="ka_bookings")


def _panel_inputs(db: Database, viewer: Viewer, period: Period, as_of: dt.date, fy_start: int) -> dict:
    """:func:`inputs` with the orders summed in DuckDB: ``panels`` (plan key → rep × month panel of its
    payment basis: the bookings panel, or a panel of collected cash over the period's months of the reps on
    that plan) and ``bookings`` (the panel on bookings, for bonus targets and months without a plan)."""
    reps, first, end = _reps(db, viewer, period, as_of, fy_start)
    data = _compact(db, reps, period, first, end)
    data["bookings"] = _bookings(db, data)
    on_plan = data["assignment"].select("employee_id", "plan_id").unique()
    by_credit: dict[tuple, pl.DataFrame] = {("bookings",): data["bookings"]}
    for plan in data["plans"].values():
        key = incentives.credit_key(plan)
        if key not in by_credit:  # only the reps some plan of this basis is in force for
            keys = [k for k, p in data["plans"].items() if incentives.credit_key(p) == key]
            ids = on_plan.filter(pl.col("plan_id").is_in(keys))["employee_id"].unique().sort().to_list()
            by_credit[key] = _credited(db, plan, period.start, end, as_of, ids, fy_start)
    data["panels"] = {k: by_credit[incentives.credit_key(p)] for k, p in data["plans"].items()}
    data["memo_key"] = (str(db.path), db.data_token, tuple(data["ids"]), period.start, end, as_of, fy_start,
                        tuple(sorted(data["plans"].items())))
    return data


_PAYOUTS: OrderedDict[tuple, pl.DataFrame] = OrderedDict()  # the last few payouts computed, by all they depend on
_PAYOUTS_KEPT = 4
_PAYOUTS_LOCK = threading.Lock()


def _payouts(data: dict, fy_start: int) -> pl.DataFrame:
    """The payout engine on :func:`_panel_inputs`; the page's table and the what-if's baseline are the same
    payouts, computed once (kept by data state, reps, period, as-of day and plans, as polars frames are
    immutable)."""
    key = data["memo_key"]
    with _PAYOUTS_LOCK:
        hit = _PAYOUTS.get(key)
        if hit is not None:
            _PAYOUTS.move_to_end(key)
            return hit
    out = incentives.payouts_from_panels(data["plans"], data["panels"], data["bookings"], data["quotas"],
                                         data["base"], data["start"], data["end"], fy_start=fy_start,
                                         assignment=data["assignment"])
    with _PAYOUTS_LOCK:
        _PAYOUTS[key] = out
        while len(_PAYOUTS) > _PAYOUTS_KEPT:
            _PAYOUTS.popitem(last=False)
    return out


def payouts_in_scope(db: Database, viewer: Viewer, period: Period, as_of: dt.date, fy_start: int = 1) -> pl.DataFrame:
    """Every rep's payout for the period, per measurement period under the plan in force then (cut where
    it changed; ``status`` 'no plan' and 0 where none was), with name, team_id, region_id and role_id."""
    data = _panel_inputs(db, viewer, period, as_of, fy_start)
    if data["reps"].is_empty():
        return pl.DataFrame()
    return _payouts(data, fy_start).join(data["reps"].select("employee_id", "name", "team_id", "region_id", "role_id"),
                                         on="employee_id", how="left")


def rep_statement(db: Database, viewer: Viewer, employee_id: int, period: Period, as_of: dt.date,
                  fy_start: int = 1) -> dict:
    """One rep's statement under the plans in force in the period, down to the orders behind it."""
    data = inputs(db, viewer, period, as_of, fy_start, employee_id)
    if data["reps"].is_empty():
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
    data = _panel_inputs(db, viewer, period, as_of, fy_start)
    a, b = incentives.plan_from_dict(plan_a, "plan A"), incentives.plan_from_dict(plan_b, "plan B")
    chosen = pl.lit(True) if plan_filter is None else pl.col("plan_id").eq_missing(plan_filter)
    assignment = data["assignment"].with_columns(selected=chosen)

    def panel(plan: incentives.Plan) -> pl.DataFrame:  # every rep in scope, from the fiscal year's start
        if plan.pay_on == "bookings":
            return data["bookings"]
        return _credited(db, plan, data["first"], data["end"], as_of, data["ids"], fy_start)

    out = incentives.simulate_panels(a, b, panel(a), panel(b), data["quotas"], data["base"], data["start"],
                                     data["end"], shift, fy_start=fy_start, assignment=assignment)
    return _with_current(out, _payouts(data, fy_start), data["reps"], plan_filter)


def _with_current(out: dict[str, pl.DataFrame], current: pl.DataFrame, reps: pl.DataFrame,
                 plan_filter: str | None) -> dict[str, pl.DataFrame]:
    """A what-if's frames with ``current`` (reps, bookings and payout under the plans in force, of the
    rep-months compared) and the reps' names and teams."""
    if plan_filter is not None:
        current = current.filter(pl.col("plan_id").eq_missing(plan_filter))
    out["current"] = current.select(n_reps=pl.col("employee_id").n_unique().cast(pl.Int64),
                                    bookings=pl.col("bookings").sum(), payout=pl.col("payout").sum())
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
