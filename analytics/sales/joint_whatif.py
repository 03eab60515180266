"""Joint what-if (issue #21, deliverable 3): one change to next year's plan — the commission plan, quotas, the
headcount plan — read at once as payout cost, the attainment distribution, expected leavers and revenue at risk.

Pure functions on prepared frames (no database, no Streamlit); ``joint_whatif_report`` gathers the inputs.

- **Payout** comes from the incentive engine itself (:func:`incentives.payouts_from_panels`) on the same rep ×
  month panels, quotas, base pay and plan assignment as the Incentives page; the scenario's plans are the plans
  in force (or one plan from ``data/plans``) changed by :class:`PlanChange` and validated as plan files are
  (:func:`incentives.plan_from_dict`). Money in the company currency; cost of sales a fraction.
- **Attainment** per rep = Σ bookings ÷ Σ quota over the period (the engine's rows), in the bands of
  ``analytics.sales.quota.ATTAINMENT_BANDS``; the scenario's quotas are scaled by the quota change.
- **Attrition**: a rep's pay over the period = base monthly × months + payout. The scenario moves it by
  factor f = (base + scenario payout) ÷ (base + baseline payout); the flight-risk feature ``base_vs_peers``
  (pay ÷ the role's median) becomes ``base_vs_peers × f`` with the peer median held where it is today
  (``peer_reference = "fixed"``: the role's pay level stands for the market) or recomputed with everyone's
  new pay (``"recomputed"``). Every other feature is held. The fitted model scores both; expected leavers =
  Σ probabilities (within the model's horizon, 6 months).
- **Interval**: 95% percentile interval of a paired bootstrap (``N_BOOT`` resamples, seed 0) that resamples the
  reps and, per resample, takes one of the calibrated model's cross-fitted halves (``CalibratedClassifierCV``
  averages the two) — so it carries who the reps are and how the model was fitted.
- **Revenue at risk** = Σ probability × bookings at risk (``revenue_risk_report.person_values``: vacancy and
  the replacement's ramp), bookings behaviour held; the same resamples give its interval.
- **Headcount**: a planned hire (exit) in a region adds (removes) one average rep of that region under the
  scenario: mean payout, mean probability, mean revenue at risk; reported on their own rows.
"""
from __future__ import annotations

import copy
import json
from dataclasses import asdict, dataclass, field

import polars as pl

from analytics.people import pay_response
from analytics.sales import incentives
from analytics.sales.quota import ATTAINMENT_BANDS, attainment_band

BANDS: list[str] = [label for label, _ in ATTAINMENT_BANDS]
NO_QUOTA = incentives.NO_QUOTA
PEER_REFERENCES = ("fixed", "recomputed")
#: the rows of :func:`compare`'s summary, in order
MEASURES = ("payout", "payout_engine", "payout_headcount", "bookings", "cost_of_sales", "expected_leavers",
            "revenue_at_risk")
_VALUES = ["bookings", "ka_bookings", "credited", "ka_credited"]


@dataclass(frozen=True)
class PlanChange:
    """A change to the commission plan. ``plan_id`` None: every rep keeps the plan in force, changed; else that
    plan (changed) for every rep-month a plan is in force. ``rate_factor`` × every rate (base and tier rates;
    multiplier tiers follow the base); ``ka_uplift_pp`` replaces the KA uplift (percentage points) when set;
    ``tier_shift_pp`` moves every tier threshold above 0 by that many attainment points; ``cap_factor`` × the
    cap (amount, target-incentive multiple or base months), ``remove_cap`` drops it."""

    plan_id: str | None = None
    rate_factor: float = 1.0
    ka_uplift_pp: float | None = None
    tier_shift_pp: float = 0.0
    cap_factor: float = 1.0
    remove_cap: bool = False

    @property
    def is_identity(self) -> bool:
        return self == PlanChange()


@dataclass(frozen=True)
class Scenario:
    """Next year's plan as one change. Fractions: ``quota_change`` (+0.1 = quotas × 1.1, every rep),
    ``quota_by_unit`` (region or team id → fraction, a team's before its region's before the company's),
    ``bookings_shift`` (every rep's bookings × (1 + shift); 0 = bookings behaviour held). ``hires`` / ``exits``:
    region id → people added / removed by the headcount plan."""

    name: str = "scenario"
    plan: PlanChange = field(default_factory=PlanChange)
    quota_change: float = 0.0
    quota_by_unit: dict[str, float] = field(default_factory=dict)
    bookings_shift: float = 0.0
    hires: dict[str, int] = field(default_factory=dict)
    exits: dict[str, int] = field(default_factory=dict)
    peer_reference: str = "fixed"

    def __post_init__(self) -> None:
        if self.peer_reference not in PEER_REFERENCES:
            raise ValueError(f"peer_reference={self.peer_reference!r}; expected one of {PEER_REFERENCES}.")
        if self.bookings_shift < -1 or self.quota_change <= -1 or any(v <= -1 for v in self.quota_by_unit.values()):
            raise ValueError("A quota or bookings change below -100% leaves nothing to measure; expected > -100%.")
        if self.plan.rate_factor < 0 or self.plan.cap_factor < 0:
            raise ValueError("Rate and cap factors are ≥ 0.")

    def to_json(self) -> str:
        """The scenario as JSON text (a cache key, and the file a saved scenario is)."""
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @staticmethod
    def from_json(text: str) -> Scenario:
        data = json.loads(text)
        extra = sorted(set(data) - set(Scenario.__dataclass_fields__))
        if extra:
            raise ValueError(f"Unknown scenario field(s): {', '.join(extra)}.")
        plan = PlanChange(**data.pop("plan", {}))
        data["hires"] = {k: int(v) for k, v in data.get("hires", {}).items()}
        data["exits"] = {k: int(v) for k, v in data.get("exits", {}).items()}
        return Scenario(plan=plan, **data)


# ───────────────────────────── the plan side ─────────────────────────────


def changed_plan(plan: incentives.Plan, change: PlanChange) -> incentives.Plan:
    """``plan`` with ``change`` applied, validated as a plan file is (raises ``incentives.PlanError``)."""
    if change.is_identity or change == PlanChange(plan_id=change.plan_id):
        return plan
    d = copy.deepcopy(incentives.plan_to_dict(plan))
    d["rates"]["base_pct"] = d["rates"]["base_pct"] * change.rate_factor
    if change.ka_uplift_pp is not None:
        d["rates"]["ka_uplift_pp"] = change.ka_uplift_pp
    for level in d.get("tiers", {}).get("levels", []):
        if "rate_pct" in level:
            level["rate_pct"] = level["rate_pct"] * change.rate_factor
        if level["from_pct"] > 0:
            level["from_pct"] = max(0.0, level["from_pct"] + change.tier_shift_pp)
    if change.remove_cap:
        d.pop("cap", None)
    elif "cap" in d:
        for key in ("amount", "target_incentive_multiple", "base_months"):
            if key in d["cap"]:
                d["cap"][key] = d["cap"][key] * change.cap_factor
    return incentives.plan_from_dict(d, f"{plan.id} (scenario)")


def scenario_plans(plans: dict[str, incentives.Plan], assignment: pl.DataFrame, change: PlanChange,
                   catalogue: dict[str, incentives.Plan]) -> tuple[dict[str, incentives.Plan], pl.DataFrame]:
    """The plans and assignment the scenario prices: each plan in force changed, or one catalogue plan (changed)
    on every rep-month that has a plan in force (months without a plan stay without)."""
    if change.plan_id is None:
        return {k: changed_plan(p, change) for k, p in plans.items()}, assignment
    plan = changed_plan(catalogue[change.plan_id], change)
    moved = assignment.with_columns(plan_id=pl.when(pl.col("plan_id").is_not_null())
                                    .then(pl.lit(change.plan_id)).otherwise(pl.col("plan_id")))
    return {change.plan_id: plan}, moved


def scaled_quotas(quotas: pl.DataFrame, reps: pl.DataFrame, scenario: Scenario) -> pl.DataFrame:
    """Quota rows × (1 + the change for the rep's team, else region, else the company's); ``reps`` gives each
    rep's team_id and region_id (where they sat at the end of the period)."""
    by_unit = scenario.quota_by_unit
    if not scenario.quota_change and not by_unit:
        return quotas
    company = pl.lit(scenario.quota_change, pl.Float64)
    team = pl.col("team_id").replace_strict(by_unit, default=None, return_dtype=pl.Float64)
    region = pl.col("region_id").replace_strict(by_unit, default=None, return_dtype=pl.Float64)
    where = reps.select(pl.col("employee_id").cast(pl.Int64), "team_id", "region_id").unique("employee_id")
    return (quotas.with_columns(pl.col("employee_id").cast(pl.Int64)).join(where, on="employee_id", how="left")
            .with_columns(pl.col("amount") * (1.0 + pl.coalesce(team, region, company)))
            .select(quotas.columns))


def shifted(panel: pl.DataFrame, shift: float) -> pl.DataFrame:
    """A rep × month panel with every money column × (1 + shift)."""
    return panel if not shift else panel.with_columns(pl.col(_VALUES) * (1.0 + shift))


def run_engine(plans: dict[str, incentives.Plan], assignment: pl.DataFrame, panels: dict[str, pl.DataFrame],
               bookings: pl.DataFrame, quotas: pl.DataFrame, base: pl.DataFrame, start, end,
               fy_start: int = 1, shift: float = 0.0) -> pl.DataFrame:
    """The payout engine's rows (``incentives.PAYOUT_COLUMNS``) for these plans, with bookings shifted."""
    return incentives.payouts_from_panels(plans, {k: shifted(p, shift) for k, p in panels.items()},
                                          shifted(bookings, shift), quotas, base, start, end, fy_start=fy_start,
                                          assignment=assignment)


def per_rep(payouts: pl.DataFrame) -> pl.DataFrame:
    """Per rep: bookings, quota, commission, bonus, payout (money), attainment (fraction, null without quota) and
    its band (``BANDS`` or 'no quota')."""
    out = payouts.group_by("employee_id").agg(pl.col("bookings", "quota", "commission", "bonus", "payout").sum())
    a = pl.when(pl.col("quota") > 0).then(pl.col("bookings") / pl.col("quota"))
    return out.with_columns(attainment=a).with_columns(
        band=pl.when(pl.col("attainment").is_null()).then(pl.lit(NO_QUOTA))
        .otherwise(attainment_band(pl.col("attainment")))).sort("employee_id")


def band_counts(base: pl.DataFrame, scen: pl.DataFrame) -> pl.DataFrame:
    """Reps per attainment band, baseline and scenario (every band listed, in order), and the change."""
    order = pl.DataFrame({"band": [*BANDS, NO_QUOTA], "order": list(range(len(BANDS) + 1))})

    def count(frame: pl.DataFrame, name: str) -> pl.DataFrame:
        return frame.group_by("band").agg(pl.len().cast(pl.Int64).alias(name))

    return (order.join(count(base, "baseline"), on="band", how="left").join(count(scen, "scenario"), on="band",
                                                                            how="left")
            .with_columns(pl.col("baseline", "scenario").fill_null(0)).sort("order").drop("order")
            .with_columns(change=pl.col("scenario") - pl.col("baseline")))


def pay_factor(base_rep: pl.DataFrame, scen_rep: pl.DataFrame, base_pay: pl.DataFrame, months: int) -> pl.DataFrame:
    """employee_id, pay_baseline, pay_scenario (base monthly × months + payout, money) and factor = their ratio;
    a rep without base pay on file keeps factor 1."""
    pay = (base_rep.select("employee_id", payout_baseline="payout")
           .join(scen_rep.select("employee_id", payout_scenario="payout"), on="employee_id", how="full", coalesce=True)
           .with_columns(pl.col("payout_baseline", "payout_scenario").fill_null(0.0))
           .join(base_pay.select(pl.col("employee_id").cast(pl.Int64), "base_monthly"), on="employee_id", how="left"))
    salary = pl.col("base_monthly") * months
    return pay.with_columns(pay_baseline=salary + pl.col("payout_baseline"),
                            pay_scenario=salary + pl.col("payout_scenario")).with_columns(
        factor=pl.when((pl.col("base_monthly") > 0) & (pl.col("pay_baseline") > 0))
        .then(pl.col("pay_scenario") / pl.col("pay_baseline")).otherwise(1.0))


def totals(payouts: pl.DataFrame) -> dict[str, float | None]:
    """payout, bookings (money), cost_of_sales (fraction) of an engine frame."""
    payout, bookings = float(payouts["payout"].sum()), float(payouts["bookings"].sum())
    return {"payout": payout, "bookings": bookings, "cost_of_sales": payout / bookings if bookings else None}


# ───────────────────────────── side by side ─────────────────────────────


def _region_means(reps: pl.DataFrame) -> pl.DataFrame:
    """Per region: the scenario's mean payout, probability and expected revenue loss per rep (a planned hire or
    exit counts as one such rep)."""
    return reps.group_by("region_id").agg(
        payout=pl.col("payout_scenario").mean(), leavers=pl.col("p_scenario").mean(),
        revenue=(pl.col("p_scenario") * pl.col("bookings_at_risk")).mean())


def headcount_rows(reps: pl.DataFrame, scenario: Scenario) -> pl.DataFrame:
    """Per region with planned hires or exits: hires, exits, and what they add to payout, expected leavers and
    revenue at risk (net people × the region's mean rep of :func:`_region_means`)."""
    regions = sorted(set(scenario.hires) | set(scenario.exits))
    plan = pl.DataFrame({"region_id": regions, "hires": [scenario.hires.get(r, 0) for r in regions],
                         "exits": [scenario.exits.get(r, 0) for r in regions]},
                        schema={"region_id": pl.Utf8, "hires": pl.Int64, "exits": pl.Int64})
    net = pl.col("hires") - pl.col("exits")
    return plan.join(_region_means(reps), on="region_id", how="left").with_columns(
        payout=(net * pl.col("payout")).fill_null(0.0), leavers=(net * pl.col("leavers")).fill_null(0.0),
        revenue=(net * pl.col("revenue")).fill_null(0.0))


def compare(inputs: dict, scenario: Scenario, catalogue: dict[str, incentives.Plan], model: object | None,
            rows: pl.DataFrame | None, at_risk: pl.DataFrame | None, *, fy_start: int = 1, months: int = 12,
            baseline: pl.DataFrame | None = None, n_boot: int = pay_response.N_BOOT) -> dict:
    """Baseline and scenario side by side.

    ``inputs``: plans, assignment, credit_panels (credit key → rep × month panel), bookings (panel on bookings),
    quotas, base (effective-dated base pay), start, end, reps (employee_id, region_id, team_id, base_monthly);
    ``baseline``: the engine's rows under the plans in force when already computed. ``model``/``rows``: the fitted
    flight-risk model and its feature rows on its date (None: no attrition side); ``at_risk``: employee_id,
    bookings_at_risk (money). ``months``: months in the period (base pay × months).

    Returns ``summary`` (measure, unit, baseline, scenario, change, and lo/hi of the change where an interval
    exists), ``by_region``, ``bands``, ``headcount``, ``reps`` (per rep) and ``coverage`` (counts)."""
    panels = inputs["credit_panels"]
    args = (inputs["bookings"], inputs["quotas"], inputs["base"], inputs["start"], inputs["end"])

    def engine(plans: dict, assignment: pl.DataFrame, quotas: pl.DataFrame, shift: float) -> pl.DataFrame:
        by_key = {k: panels[incentives.credit_key(p)] for k, p in plans.items()}
        return run_engine(plans, assignment, by_key, args[0], quotas, args[2], args[3], args[4], fy_start, shift)

    base_rows = baseline if baseline is not None else engine(inputs["plans"], inputs["assignment"], args[1], 0.0)
    plans, assignment = scenario_plans(inputs["plans"], inputs["assignment"], scenario.plan, catalogue)
    quotas = scaled_quotas(args[1], inputs["reps"], scenario)
    scen_rows = engine(plans, assignment, quotas, scenario.bookings_shift)
    b_rep, s_rep = per_rep(base_rows), per_rep(scen_rows)
    factor = pay_factor(b_rep, s_rep, inputs["reps"], months)
    where = inputs["reps"].select("employee_id", "name", "region_id", "team_id")
    reps = (where.join(b_rep.select("employee_id", attainment_baseline="attainment", band_baseline="band"),
                       on="employee_id", how="inner")
            .join(s_rep.select("employee_id", attainment_scenario="attainment", band_scenario="band"), on="employee_id",
                  how="left")
            .join(factor.select("employee_id", "payout_baseline", "payout_scenario", "base_monthly", "factor"),
                  on="employee_id", how="left"))
    attrition = None
    if model is not None and rows is not None and rows.height:
        attrition = pay_response.response(model, rows, factor, reps["employee_id"], scenario.peer_reference,
                                          at_risk, n_boot=n_boot)
        reps = reps.join(attrition["people"], on="employee_id", how="left")
    else:
        reps = reps.with_columns(bvp_baseline=None, bvp_scenario=None, p_baseline=None, p_scenario=None,
                                 bookings_at_risk=None).cast({c: pl.Float64 for c in (
                                     "bvp_baseline", "bvp_scenario", "p_baseline", "p_scenario", "bookings_at_risk")})
    heads = headcount_rows(reps, scenario)
    tb, ts = totals(base_rows), totals(scen_rows)
    hc = {k: float(heads[k].sum()) for k in ("payout", "leavers", "revenue")}
    measures = [("payout", "currency", tb["payout"], ts["payout"] + hc["payout"], None),
                ("payout_engine", "currency", tb["payout"], ts["payout"], None),
                ("payout_headcount", "currency", 0.0, hc["payout"], None),
                ("bookings", "currency", tb["bookings"], ts["bookings"], None),
                ("cost_of_sales", "ratio", tb["cost_of_sales"], _ratio(ts["payout"], ts["bookings"]), None)]
    intervals = {}
    if attrition is not None:  # the headcount rows are added as they are (no interval of their own)
        for key, name in (("leavers", "expected_leavers"), ("revenue", "revenue_at_risk")):
            part, add = attrition[key], hc[key]
            iv = part["interval"]
            intervals[key] = {"baseline": iv["baseline"],
                              "scenario": (iv["scenario"][0] + add, iv["scenario"][1] + add),
                              "change": (iv["change"][0] + add, iv["change"][1] + add)}
            measures.append((name, "count" if key == "leavers" else "currency", part["baseline"],
                             part["scenario"] + add, intervals[key]["change"]))
    summary = pl.DataFrame([{"measure": m, "unit": u, "baseline": b, "scenario": s,
                             "change": None if b is None or s is None else s - b,
                             "change_lo": None if ci is None else ci[0], "change_hi": None if ci is None else ci[1]}
                            for m, u, b, s, ci in measures],
                           schema={"measure": pl.Utf8, "unit": pl.Utf8, "baseline": pl.Float64,
                                   "scenario": pl.Float64, "change": pl.Float64, "change_lo": pl.Float64,
                                   "change_hi": pl.Float64})
    out = {"summary": summary, "bands": band_counts(b_rep, s_rep), "headcount": heads, "reps": reps,
           "by_region": by_region(base_rows, scen_rows, reps, where),
           "coverage": {"reps": reps.height, "scored": int(reps["p_baseline"].is_not_null().sum()),
                        "no_base": int(reps["base_monthly"].is_null().sum())}}
    if intervals:
        out["intervals"] = intervals
    return out


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def by_region(base_rows: pl.DataFrame, scen_rows: pl.DataFrame, reps: pl.DataFrame, where: pl.DataFrame
              ) -> pl.DataFrame:
    """Per region (where the rep sat at the period's end): reps, payout and cost of sales, baseline and scenario,
    and expected leavers (no headcount rows)."""
    def money(rows: pl.DataFrame, suffix: str) -> pl.DataFrame:
        return rows.join(where.select("employee_id", "region_id"), on="employee_id", how="left").group_by(
            "region_id").agg(pl.col("payout").sum().alias(f"payout_{suffix}"),
                             pl.col("bookings").sum().alias(f"bookings_{suffix}"))

    people = reps.group_by("region_id").agg(reps=pl.len().cast(pl.Int64),
                                             leavers_baseline=pl.col("p_baseline").sum(),
                                             leavers_scenario=pl.col("p_scenario").sum())
    out = people.join(money(base_rows, "baseline"), on="region_id", how="full", coalesce=True).join(
        money(scen_rows, "scenario"), on="region_id", how="full", coalesce=True)
    return out.with_columns(
        payout_change=pl.col("payout_scenario") - pl.col("payout_baseline"),
        cost_of_sales_baseline=pl.when(pl.col("bookings_baseline") > 0)
        .then(pl.col("payout_baseline") / pl.col("bookings_baseline")),
        cost_of_sales_scenario=pl.when(pl.col("bookings_scenario") > 0)
        .then(pl.col("payout_scenario") / pl.col("bookings_scenario")),
        leavers_change=pl.col("leavers_scenario") - pl.col("leavers_baseline"),
    ).sort("region_id", nulls_last=True)
